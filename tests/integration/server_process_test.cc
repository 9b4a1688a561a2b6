// Real edgeid-server processes on a temporary data directory.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include "server/datastore/sqlite/sqlite_datastore.h"
#include "spiffe/spiffe_bundle.h"
#include "testing/process.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid {
namespace {

using edgeid::testing::ChildProcess;
using edgeid::testing::TempDir;
using edgeid::testing::Unwrap;

std::vector<std::string> ServerArgs(const TempDir& dir, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {EDGEID_SERVER_BINARY, "run",
                                   "--trust-domain",     "example.org",
                                   "--data-dir",         dir.File("data"),
                                   "--admin-socket",     dir.File("admin.sock"),
                                   "--bind-port",        "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

int Mode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return static_cast<int>(st.st_mode & 0777);
}

spiffe::SpiffeBundle StoredBundle(const TempDir& dir) {
  auto ds = Unwrap(server::SqliteDataStore::Open(dir.File("data/datastore.sqlite3")));
  auto td = Unwrap(spiffe::TrustDomain::Parse("example.org"));
  return Unwrap(spiffe::SpiffeBundle::Parse(td, Unwrap(ds->FetchBundle("example.org"))));
}

TEST(ServerProcessTest, StartsOnFlagsAloneAndStopsCleanlyOnSigterm) {
  TempDir dir;
  ChildProcess server(ServerArgs(dir), dir.File("server.log"));
  ASSERT_TRUE(server.WaitForOutput("edgeid-server ready")) << server.Output();
  EXPECT_EQ(Mode(dir.File("data")), 0700);
  EXPECT_EQ(Mode(dir.File("data/datastore.sqlite3")), 0600);
  EXPECT_EQ(Mode(dir.File("data/keys/x509-CA-A.key.pem")), 0600);
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0) << server.Output();
  EXPECT_NE(server.Output().find("edgeid-server stopped"), std::string::npos);
  EXPECT_EQ(server.Output().find("PRIVATE KEY"), std::string::npos) << "keys are never logged";
  EXPECT_EQ(StoredBundle(dir).x509().authorities().size(), 1u);
}

TEST(ServerProcessTest, RestartResumesTheSameCa) {
  TempDir dir;
  spiffe::SpiffeBundle first(Unwrap(spiffe::TrustDomain::Parse("example.org")));
  {
    ChildProcess server(ServerArgs(dir), dir.File("first.log"));
    ASSERT_TRUE(server.WaitForOutput("edgeid-server ready")) << server.Output();
    EXPECT_NE(server.Output().find("created X.509 CA"), std::string::npos);
    server.Signal(SIGINT);
    ASSERT_EQ(server.Wait(), 0);
    first = StoredBundle(dir);
  }
  // Even after kill -9 the next start resumes: the journal was committed before "ready".
  ChildProcess second(ServerArgs(dir), dir.File("second.log"));
  ASSERT_TRUE(second.WaitForOutput("edgeid-server ready")) << second.Output();
  EXPECT_NE(second.Output().find("resumed X.509 CA"), std::string::npos) << second.Output();
  second.Signal(SIGKILL);
  second.Wait();
  ChildProcess third(ServerArgs(dir, {"--log-format", "json"}), dir.File("third.log"));
  ASSERT_TRUE(third.WaitForOutput("edgeid-server ready")) << third.Output();
  EXPECT_NE(third.Output().find(R"("msg":"resumed X.509 CA)"), std::string::npos);
  third.Signal(SIGTERM);
  ASSERT_EQ(third.Wait(), 0);
  EXPECT_TRUE(StoredBundle(dir) == first) << "same CA, same JWT key, same sequence";
}

TEST(ServerProcessTest, BadStartupInputIsAClearError) {
  TempDir dir;
  {
    ChildProcess bad_td(
        {EDGEID_SERVER_BINARY, "run", "--trust-domain", "Example.org", "--data-dir", dir.File("d")},
        dir.File("td.log"));
    EXPECT_EQ(bad_td.Wait(), 1);
    EXPECT_NE(bad_td.Output().find("lowercase"), std::string::npos) << bad_td.Output();
  }
  {
    ChildProcess no_dir({EDGEID_SERVER_BINARY, "run", "--trust-domain", "example.org"},
                        dir.File("nodir.log"));
    EXPECT_EQ(no_dir.Wait(), 1);
    EXPECT_NE(no_dir.Output().find("data_dir"), std::string::npos) << no_dir.Output();
  }
  {
    edgeid::testing::WriteTestFile(dir.File("up.pem"), "not a certificate");
    edgeid::testing::WriteTestFile(dir.File("server.toml"),
                                   "[plugins.upstream_authority.disk]\ncert_file_path = \"" +
                                       dir.File("up.pem") + "\"\nkey_file_path = \"" +
                                       dir.File("up.pem") + "\"\n");
    ChildProcess bad_upstream(ServerArgs(dir, {"--config", dir.File("server.toml")}),
                              dir.File("up.log"));
    EXPECT_EQ(bad_upstream.Wait(), 1);
    EXPECT_NE(bad_upstream.Output().find("up.pem"), std::string::npos) << bad_upstream.Output();
  }
  {
    edgeid::testing::WriteTestFile(dir.File("typo.toml"), "[server]\ntrust_domian = \"x\"\n");
    ChildProcess typo({EDGEID_SERVER_BINARY, "validate", "--config", dir.File("typo.toml")},
                      dir.File("typo.log"));
    EXPECT_EQ(typo.Wait(), 1);
    EXPECT_NE(typo.Output().find("server.trust_domian: unknown key"), std::string::npos);
  }
}

}  // namespace
}  // namespace edgeid
