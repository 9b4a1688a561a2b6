// Real edgeid-server processes on a temporary data directory.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "edgeid/server/v1/entry.grpc.pb.h"
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
using edgeid::testing::WriteTestFile;

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
  auto ds = Unwrap(server::OpenSqliteDataStore(dir.File("data/datastore.sqlite3")));
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

// A second server on ports the first holds must not start: with SO_REUSEPORT (gRPC's and
// httplib's default) it said "ready" and the kernel shared the connections between the two, so
// bundle fetches were answered by the wrong trust domain.
TEST(ServerProcessTest, ASecondServerOnATakenPortRefusesToStart) {
  TempDir first_dir;
  WriteTestFile(first_dir.File("server.toml"),
                "[server.federation.bundle_endpoint]\naddress = \"127.0.0.1\"\nport = 0\n");
  ChildProcess first(
      ServerArgs(first_dir, {"--config", first_dir.File("server.toml"), "--health-port", "0"}),
      first_dir.File("server.log"));
  ASSERT_TRUE(first.WaitForOutput("edgeid-server ready")) << first.Output();
  std::string log = first.Output();
  auto port_of = [&log](const std::string& pattern) {
    std::smatch m;
    EXPECT_TRUE(std::regex_search(log, m, std::regex(pattern))) << pattern << "\n" << log;
    return m.empty() ? std::string() : m[1].str();
  };
  const std::string agent_port = port_of("agent API listening on 127.0.0.1:(\\d+)");
  const std::string health_port = port_of("metrics listening on http://[0-9.]+:(\\d+)");
  const std::string bundle_port = port_of("bundle endpoint .*listening on https://[0-9.]+:(\\d+)");

  struct Taken {
    const char* listener;
    std::string port;
  };
  for (const Taken& taken :
       {Taken{"agent API", agent_port}, Taken{"health and metrics", health_port},
        Taken{"SPIFFE bundle endpoint", bundle_port}}) {
    SCOPED_TRACE(taken.listener);
    TempDir second_dir;
    std::string bundle = taken.listener == std::string("SPIFFE bundle endpoint") ? taken.port : "0";
    WriteTestFile(
        second_dir.File("server.toml"),
        "[server.federation.bundle_endpoint]\naddress = \"127.0.0.1\"\nport = " + bundle + "\n");
    std::vector<std::string> args = {
        EDGEID_SERVER_BINARY,
        "run",
        "--trust-domain",
        "other.test",
        "--data-dir",
        second_dir.File("data"),
        "--admin-socket",
        second_dir.File("admin.sock"),
        "--config",
        second_dir.File("server.toml"),
        "--bind-port",
        taken.listener == std::string("agent API") ? taken.port : "0",
        "--health-port",
        taken.listener == std::string("health and metrics") ? taken.port : "0"};
    ChildProcess second(args, second_dir.File("server.log"));
    auto code = second.Wait();
    ASSERT_TRUE(code.has_value()) << "a second server runs on a taken port:\n" << second.Output();
    EXPECT_NE(*code, 0) << second.Output();
    EXPECT_NE(second.Output().find(taken.port), std::string::npos) << second.Output();
    EXPECT_NE(second.Output().find(taken.listener), std::string::npos) << second.Output();
    EXPECT_EQ(second.Output().find("edgeid-server ready"), std::string::npos) << second.Output();
  }
  first.Signal(SIGTERM);
  EXPECT_EQ(first.Wait(), 0) << first.Output() << "the first server kept running throughout";
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

TEST(ServerProcessTest, KillDuringBatchCreatesLosesNothingAcknowledged) {
  TempDir dir;
  std::set<std::string> acknowledged;
  {
    ChildProcess server(ServerArgs(dir), dir.File("first.log"));
    ASSERT_TRUE(server.WaitForOutput("edgeid-server ready")) << server.Output();
    auto stub = server::v1::EntryService::NewStub(
        grpc::CreateChannel("unix:" + dir.File("admin.sock"), grpc::InsecureChannelCredentials()));
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::thread writer([&] {
      for (int batch = 0; !stop; ++batch) {
        server::v1::BatchCreateEntryRequest request;
        for (int i = 0; i < 50; ++i) {
          auto* e = request.add_entries();
          e->set_spiffe_id("spiffe://example.org/w/" + std::to_string(batch) + "-" +
                           std::to_string(i));
          e->set_parent_id("spiffe://example.org/edgeid/agent/a");
          auto* sel = e->add_selectors();
          sel->set_type("unix");
          sel->set_value("uid:1");
        }
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
        server::v1::BatchCreateEntryResponse response;
        if (!stub->BatchCreateEntry(&context, request, &response).ok()) break;
        std::lock_guard lock(mu);
        for (const auto& r : response.results()) {
          if (r.status().code() == 0) acknowledged.insert(r.entry().id());
        }
      }
    });
    // Kill while batches are in flight.
    while (true) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::lock_guard lock(mu);
      if (acknowledged.size() >= 500) break;
    }
    server.Signal(SIGKILL);
    server.Wait();
    stop = true;
    writer.join();
  }
  ASSERT_GE(acknowledged.size(), 500u);
  ChildProcess restarted(ServerArgs(dir), dir.File("second.log"));
  ASSERT_TRUE(restarted.WaitForOutput("edgeid-server ready")) << restarted.Output();
  restarted.Signal(SIGTERM);
  ASSERT_EQ(restarted.Wait(), 0);
  auto ds = Unwrap(server::OpenSqliteDataStore(dir.File("data/datastore.sqlite3")));
  auto stored = Unwrap(ds->ListRegistrationEntries({}));
  std::set<std::string> ids;
  for (const auto& e : stored) ids.insert(e.entry_id);
  for (const auto& id : acknowledged) EXPECT_TRUE(ids.contains(id)) << "lost " << id;
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
