// `validate` reads what `run` would read before serving, so that a configuration that validates
// does not then fail to start (issue 19): the upstream authority's files, the served
// certificates, key file modes, and the agent's x509pop certificate and key. Files made with the
// openssl CLI, as an operator makes them.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "testing/command.h"
#include "testing/node_pki.h"
#include "testing/temp_dir.h"

namespace edgeid {
namespace {

using edgeid::testing::CommandResult;
using edgeid::testing::RunCommand;
using edgeid::testing::TempDir;
using edgeid::testing::WriteTestFile;

class ValidateTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(testing::MakeOpensslNodePki(pki_.path()), ""); }

  CommandResult ServerValidate(const std::string& toml) {
    WriteTestFile(dir_.File("server.toml"), toml);
    return RunCommand(std::string(EDGEID_SERVER_BINARY) +
                      " validate --trust-domain example.org --data-dir " + dir_.File("data") +
                      " --config " + dir_.File("server.toml") + " 2>&1");
  }
  std::string Upstream(const std::string& cert, const std::string& key) {
    return "[plugins.upstream_authority.disk]\ncert_file_path = \"" + cert +
           "\"\nkey_file_path = \"" + key + "\"\n";
  }
  CommandResult AgentValidate(const std::string& cert, const std::string& key) {
    return RunCommand(std::string(EDGEID_AGENT_BINARY) +
                      " validate --trust-domain example.org --data-dir " + dir_.File("agent") +
                      " --trust-bundle " + pki_.File("ca.pem") + " --x509pop-cert " + cert +
                      " --x509pop-key " + key + " 2>&1");
  }
  static void ExpectRefused(const CommandResult& r, const std::string& names) {
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(names), std::string::npos) << "the error names " << names << ":\n"
                                                       << r.output;
  }

  TempDir pki_, dir_;
};

TEST_F(ValidateTest, TheServersUpstreamAuthorityAndServedCertificates) {
  auto good = ServerValidate(Upstream(pki_.File("ca.pem"), pki_.File("ca.key")));
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("data"))) << "validate creates nothing";

  ExpectRefused(ServerValidate(Upstream(pki_.File("missing.pem"), pki_.File("ca.key"))),
                pki_.File("missing.pem"));
  ExpectRefused(ServerValidate(Upstream(pki_.File("ca.pem"), pki_.File("node.key"))),
                pki_.File("node.key"));
  ExpectRefused(ServerValidate(Upstream(pki_.File("node.pem"), pki_.File("node.key"))),
                pki_.File("node.pem"));

  ExpectRefused(ServerValidate("[server.federation.bundle_endpoint]\nprofile = \"https_web\"\n"
                               "cert_file_path = \"" +
                               pki_.File("node.pem") + "\"\nkey_file_path = \"" +
                               pki_.File("ca.key") + "\"\n"),
                "bundle endpoint");
}

TEST_F(ValidateTest, KeyFilesOthersCanReadAreRefusedAsRunRefusesThem) {
  std::filesystem::create_directories(dir_.File("data/keys"));
  ::chmod(dir_.File("data").c_str(), 0700);
  ::chmod(dir_.File("data/keys").c_str(), 0700);
  WriteTestFile(dir_.File("data/keys/x509-CA-A.key.pem"), "placeholder");
  ::chmod(dir_.File("data/keys/x509-CA-A.key.pem").c_str(), 0644);
  ExpectRefused(ServerValidate(""), "mode 0644");
  ::chmod(dir_.File("data/keys/x509-CA-A.key.pem").c_str(), 0600);
  auto good = ServerValidate("");
  EXPECT_EQ(good.exit_code, 0) << good.output;
}

TEST_F(ValidateTest, TheAgentsX509PopCertificateAndKey) {
  auto good = AgentValidate(pki_.File("node.pem"), pki_.File("node.key"));
  EXPECT_EQ(good.exit_code, 0) << good.output;
  ExpectRefused(AgentValidate(pki_.File("gone.pem"), pki_.File("node.key")), pki_.File("gone.pem"));
  ExpectRefused(AgentValidate(pki_.File("node.pem"), pki_.File("ca.key")),
                "is not the key of the certificate");
  WriteTestFile(dir_.File("junk.key"), "junk");
  ExpectRefused(AgentValidate(pki_.File("node.pem"), dir_.File("junk.key")), dir_.File("junk.key"));
}

}  // namespace
}  // namespace edgeid
