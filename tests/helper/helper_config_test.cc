#include "helper/helper_config.h"

#include <gtest/gtest.h>
#include <signal.h>

#include "testing/temp_dir.h"

namespace edgeid::helper {
namespace {

using testing::TempDir;
using testing::WriteTestFile;

class HelperConfigTest : public ::testing::Test {
 protected:
  // A configuration with cert_dir set to the test's directory.
  std::string With(const std::string& rest) const {
    return "cert_dir = \"" + dir_.path() + "\"\n" + rest;
  }
  std::string X509(const std::string& rest = "") const {
    return With(
               "svid_file_name = \"svid.pem\"\n"
               "svid_key_file_name = \"svid_key.pem\"\n"
               "svid_bundle_file_name = \"svid_bundle.pem\"\n") +
           rest;
  }
  // The error message of a configuration that must be refused.
  std::string Refused(const std::string& toml, const HelperFlags& flags = {}) const {
    auto config = ParseHelperConfig(toml, flags);
    EXPECT_FALSE(config.ok()) << toml;
    if (config.ok()) return "";
    EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
    return config.error().message;
  }

  TempDir dir_;
};

TEST_F(HelperConfigTest, DefaultsAreSpiffeHelperOnes) {
  auto config = ParseHelperConfig(X509(), {});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->agent_address, "/run/edgeid/agent/public/api.sock");
  EXPECT_TRUE(config->daemon_mode);
  EXPECT_TRUE(config->writes_x509());
  EXPECT_EQ(config->cert_file_mode, 0644u);
  EXPECT_EQ(config->key_file_mode, 0600u);
  EXPECT_EQ(config->jwt_svid_file_mode, 0600u);
  EXPECT_EQ(config->jwt_bundle_file_mode, 0600u);
  EXPECT_FALSE(config->add_intermediates_to_bundle);
  EXPECT_FALSE(config->include_federated_domains);
  EXPECT_FALSE(config->renew_signal.has_value());
  EXPECT_TRUE(config->cmd.empty());
  EXPECT_TRUE(config->jwt_svids.empty());
  EXPECT_TRUE(config->hint.empty());
  EXPECT_EQ(config->log_level, "info");
  EXPECT_FALSE(config->log_json);
  EXPECT_FALSE(config->health_checks.listener_enabled);
  EXPECT_EQ(config->health_checks.bind_address, "127.0.0.1");
  EXPECT_EQ(config->health_checks.bind_port, 8081);
  EXPECT_EQ(config->health_checks.liveness_path, "/live");
  EXPECT_EQ(config->health_checks.readiness_path, "/ready");
  EXPECT_EQ(config->PathInCertDir("svid.pem"), dir_.File("svid.pem"));
}

TEST_F(HelperConfigTest, EveryKeyAsSpiffeHelperWritesIt) {
  // spiffe-helper's HCL example lines are TOML too.
  auto config = ParseHelperConfig(X509(R"(
agent_address = "unix:///run/edgeid/api.sock"
cmd = "/usr/bin/ghostunnel"
cmd_args = "server --listen \"localhost:8002\" --target 'localhost 8001' --keystore certs/svid.pem"
add_intermediates_to_bundle = true
include_federated_domains = true
jwt_svids = [{jwt_audience="your-audience", jwt_svid_file_name="jwt_svid.token"},
             {jwt_audience="db", jwt_extra_audiences=["cache", "queue"], jwt_svid_file_name="db.token"}]
jwt_bundle_file_name = "jwt_bundle.json"
cert_file_mode = 0o444
key_file_mode = "0400"
jwt_bundle_file_mode = "0o640"
jwt_svid_file_mode = 0o440
renew_signal = "SIGHUP"
pid_file_name = "/run/nginx.pid"
daemon_mode = false
hint = "internal"
log_level = "debug"
log_format = "json"

[health_checks]
listener_enabled = true
bind_port = 8089
liveness_path = "/alive"
readiness_path = "/healthy"
)"),
                                  {});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->agent_address, "unix:///run/edgeid/api.sock");
  EXPECT_EQ(config->cmd, "/usr/bin/ghostunnel");
  EXPECT_EQ(config->cmd_args,
            (std::vector<std::string>{"server", "--listen", "localhost:8002", "--target",
                                      "localhost 8001", "--keystore", "certs/svid.pem"}));
  EXPECT_TRUE(config->add_intermediates_to_bundle);
  EXPECT_TRUE(config->include_federated_domains);
  ASSERT_EQ(config->jwt_svids.size(), 2u);
  EXPECT_EQ(config->jwt_svids[0].audience, "your-audience");
  EXPECT_EQ(config->jwt_svids[0].file_name, "jwt_svid.token");
  EXPECT_TRUE(config->jwt_svids[0].extra_audiences.empty());
  EXPECT_EQ(config->jwt_svids[1].extra_audiences, (std::vector<std::string>{"cache", "queue"}));
  EXPECT_EQ(config->jwt_bundle_file_name, "jwt_bundle.json");
  EXPECT_EQ(config->cert_file_mode, 0444u);
  EXPECT_EQ(config->key_file_mode, 0400u);
  EXPECT_EQ(config->jwt_bundle_file_mode, 0640u);
  EXPECT_EQ(config->jwt_svid_file_mode, 0440u);
  EXPECT_EQ(config->renew_signal, SIGHUP);
  EXPECT_EQ(config->pid_file_name, "/run/nginx.pid");
  EXPECT_FALSE(config->daemon_mode);
  EXPECT_EQ(config->hint, "internal");
  EXPECT_EQ(config->log_level, "debug");
  EXPECT_TRUE(config->log_json);
  EXPECT_TRUE(config->health_checks.listener_enabled);
  EXPECT_EQ(config->health_checks.bind_port, 8089);
  EXPECT_EQ(config->health_checks.liveness_path, "/alive");
  EXPECT_EQ(config->health_checks.readiness_path, "/healthy");
}

TEST_F(HelperConfigTest, ArrayOfTablesAndJwtOnly) {
  auto config = ParseHelperConfig(With(R"(
[[jwt_svids]]
jwt_audience = "a"
jwt_svid_file_name = "a.token"
)"),
                                  {});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_FALSE(config->writes_x509());
  ASSERT_EQ(config->jwt_svids.size(), 1u);
  EXPECT_EQ(config->jwt_svids[0].file_name, "a.token");
}

TEST_F(HelperConfigTest, DaemonModeFlagWinsOverTheFile) {
  HelperFlags one_shot;
  one_shot.daemon_mode = false;
  auto config = ParseHelperConfig(X509("daemon_mode = true\n"), one_shot);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_FALSE(config->daemon_mode);
  HelperFlags daemon;
  daemon.daemon_mode = true;
  config = ParseHelperConfig(X509("daemon_mode = false\n"), daemon);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_TRUE(config->daemon_mode);
}

TEST_F(HelperConfigTest, UnknownKeysAreNamed) {
  EXPECT_EQ(Refused(X509("svid_filename = \"x\"\n")), "config: svid_filename: unknown key");
  EXPECT_EQ(Refused(X509("[health_checks]\nport = 1\n")),
            "config: health_checks.port: unknown key");
  EXPECT_EQ(Refused(X509("jwt_svids = [{jwt_audience=\"a\", jwt_svid_file_name=\"t\", x=1}]\n")),
            "config: jwt_svids[0].x: unknown key");
}

TEST_F(HelperConfigTest, BadModesAreRefused) {
  EXPECT_NE(Refused(X509("cert_file_mode = \"0999\"\n")).find("config: cert_file_mode:"),
            std::string::npos);
  EXPECT_NE(Refused(X509("key_file_mode = \"rw-------\"\n")).find("config: key_file_mode:"),
            std::string::npos);
  // A decimal 644 is 0o1204: not a permission mode.
  EXPECT_NE(Refused(X509("cert_file_mode = 644\n")).find("write it in octal"), std::string::npos);
  EXPECT_NE(Refused(X509("jwt_svid_file_mode = -1\n")).find("config: jwt_svid_file_mode:"),
            std::string::npos);
  EXPECT_NE(Refused(X509("jwt_bundle_file_mode = true\n")).find("wrong type"), std::string::npos);
  // TOML has no leading-zero integers: the parser names the line.
  EXPECT_NE(Refused(X509("cert_file_mode = 0644\n")).find("line 5"), std::string::npos);
}

TEST_F(HelperConfigTest, SignalNamesAreChecked) {
  EXPECT_NE(Refused(X509("renew_signal = \"SIGFOO\"\n")).find("config: renew_signal:"),
            std::string::npos);
  EXPECT_NE(Refused(X509("renew_signal = \"usr1\"\n")).find("is not a signal name"),
            std::string::npos);
  auto config = ParseHelperConfig(X509("renew_signal = \"USR2\"\n"), {});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->renew_signal, SIGUSR2);
  EXPECT_NE(Refused(X509("pid_file_name = \"/run/x.pid\"\n")).find("needs renew_signal"),
            std::string::npos);
}

TEST_F(HelperConfigTest, CertDirMustExist) {
  std::string missing = dir_.File("nope");
  EXPECT_EQ(Refused("cert_dir = \"" + missing +
                    "\"\njwt_svids = [{jwt_audience=\"a\", jwt_svid_file_name=\"t\"}]\n"),
            "config: cert_dir: directory " + missing + " does not exist");
  WriteTestFile(dir_.File("file"), "x");
  EXPECT_NE(Refused("cert_dir = \"" + dir_.File("file") +
                    "\"\njwt_svids = [{jwt_audience=\"a\", jwt_svid_file_name=\"t\"}]\n")
                .find("is not a directory"),
            std::string::npos);
  EXPECT_NE(Refused("jwt_svids = [{jwt_audience=\"a\", jwt_svid_file_name=\"t\"}]\n")
                .find("config: cert_dir: is required"),
            std::string::npos);
}

TEST_F(HelperConfigTest, WrongTypesAreNamed) {
  EXPECT_EQ(Refused(X509("daemon_mode = \"false\"\n")), "config: daemon_mode: has the wrong type");
  EXPECT_EQ(Refused(X509("cmd = 3\n")), "config: cmd: has the wrong type");
  EXPECT_EQ(Refused(X509("add_intermediates_to_bundle = 1\n")),
            "config: add_intermediates_to_bundle: has the wrong type");
  EXPECT_EQ(Refused(X509("jwt_svids = \"a\"\n")), "config: jwt_svids: must be an array of tables");
  EXPECT_EQ(Refused(X509("jwt_svids = [\"a\"]\n")), "config: jwt_svids[0]: must be a table");
  EXPECT_EQ(Refused(X509("jwt_svids = [{jwt_audience=\"a\", jwt_svid_file_name=\"t\", "
                         "jwt_extra_audiences=\"b\"}]\n")),
            "config: jwt_svids[0].jwt_extra_audiences: must be an array of strings");
  EXPECT_EQ(Refused(X509("health_checks = 1\n")), "config: health_checks: must be a table");
  EXPECT_EQ(Refused(X509("[health_checks]\nbind_port = \"8080\"\n")),
            "config: health_checks.bind_port: has the wrong type");
  EXPECT_NE(Refused(X509("[health_checks]\nbind_port = 70000\n")).find("port number"),
            std::string::npos);
}

TEST_F(HelperConfigTest, FilesAreCheckedTogether) {
  EXPECT_NE(Refused(With("svid_file_name = \"svid.pem\"\n")).find("go together"),
            std::string::npos);
  EXPECT_NE(Refused(With("")).find("nothing to write"), std::string::npos);
  EXPECT_NE(Refused(With("jwt_svids = [{jwt_svid_file_name=\"t\"}]\n"))
                .find("jwt_svids[0].jwt_audience: is required"),
            std::string::npos);
  EXPECT_NE(Refused(With("jwt_svids = [{jwt_audience=\"a\"}]\n"))
                .find("jwt_svids[0].jwt_svid_file_name: is required"),
            std::string::npos);
  EXPECT_NE(Refused(X509("jwt_bundle_file_name = \"/etc/bundle.json\"\n")).find("absolute"),
            std::string::npos);
  EXPECT_NE(Refused(X509("cmd_args = \"-v\"\n")).find("cmd_args: is set but cmd is not"),
            std::string::npos);
  EXPECT_NE(Refused(X509("cmd = \"x\"\ncmd_args = \"\\\"open\"\n")).find("unterminated"),
            std::string::npos);
  EXPECT_NE(Refused(X509("agent_address = \"tcp://127.0.0.1:8081\"\n")).find("not a UNIX socket"),
            std::string::npos);
  EXPECT_NE(Refused(X509("log_level = \"verbose\"\n")).find("config: log_level:"),
            std::string::npos);
  EXPECT_NE(Refused(X509("log_format = \"xml\"\n")).find("config: log_format:"), std::string::npos);
  EXPECT_NE(Refused(X509("[health_checks]\nliveness_path = \"live\"\n")).find("must start with /"),
            std::string::npos);
  EXPECT_NE(Refused(X509("[health_checks]\nliveness_path = \"/ready\"\n")).find("must differ"),
            std::string::npos);
}

TEST_F(HelperConfigTest, LoadNamesTheFile) {
  HelperFlags flags;
  flags.config_path = dir_.File("helper.conf");
  auto missing = LoadHelperConfig(flags);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find(flags.config_path), std::string::npos);
  WriteTestFile(flags.config_path, X509("bogus = 1\n"));
  auto bad = LoadHelperConfig(flags);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, flags.config_path + ": config: bogus: unknown key");
  WriteTestFile(flags.config_path, X509());
  EXPECT_TRUE(LoadHelperConfig(flags).ok());
}

}  // namespace
}  // namespace edgeid::helper
