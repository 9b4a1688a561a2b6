// Load generator for a real edgeid-server process: entry creation over the admin socket,
// X.509-SVID issuance over the TLS agent API in batches of CSRs, a full sync of 10,000 entries
// to one agent, and the server's memory with 100,000 entries. Raw P-256 sign and verify rates
// are measured in the same run as the limits. Usage: server_bench EDGEID_SERVER_BINARY [seconds]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "agent/client/server_client.h"
#include "crypto/csr.h"
#include "edgeid/server/v1/agent.grpc.pb.h"
#include "edgeid/server/v1/entry.grpc.pb.h"
#include "grpctls/spiffe_tls.h"
#include "spiffe/x509_bundle.h"
#include "support/bench_support.h"

namespace edgeid::bench {
namespace {

namespace v1 = server::v1;

std::vector<std::pair<std::string, std::string>> UidSelector(int i) {
  return {{"unix", "uid:" + std::to_string(i)}};
}

int Main(int argc, char** argv) {
  if (argc < 2) Die("usage: server_bench EDGEID_SERVER_BINARY [seconds]");
  double seconds = argc > 2 ? std::stod(argv[2]) : 3.0;
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  char dir_template[] = "/tmp/edgeid-server-bench-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) Die("mkdtemp");
  std::string dir = dir_template;

  double sign1 = RawRate(true, 1, 1.0), verify1 = RawRate(false, 1, 1.0);
  double ceiling1 = 1 / (1 / sign1 + 1 / verify1);
  double sign_all = RawRate(true, cores, 1.0), verify_all = RawRate(false, cores, 1.0);
  double ceiling_all = 1 / (1 / sign_all + 1 / verify_all);
  std::cout << "\nRaw OpenSSL P-256, this run: 1 core sign " << Rate(sign1) << ", verify "
            << Rate(verify1) << " (verify+sign " << Rate(ceiling1) << "); " << cores
            << " cores: verify+sign " << Rate(ceiling_all) << "\n";

  auto bench_server = StartBenchServer(argv[1], dir);
  auto& server = *bench_server.process;
  const int port = bench_server.port;
  double rss_empty = server.ResidentBytes();
  auto entries = v1::EntryService::NewStub(bench_server.admin);

  // An agent, attested with a join token over TLS.
  const std::string token = CreateJoinToken(bench_server.admin);
  auto td = Must(spiffe::TrustDomain::Parse("bench.example"), "td");
  // Trust the bundle the server publishes, read with its own CLI as an operator would.
  auto bundle_pem = [&] {
    FILE* p = popen(
        (std::string(argv[1]) + " bundle show --admin-socket " + dir + "/admin.sock").c_str(), "r");
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
    return out;
  }();
  auto bundles = std::make_shared<grpctls::StaticX509BundleSource>(
      Must(spiffe::X509Bundle::FromPem(td, bundle_pem), "bundle"));
  std::string target = "127.0.0.1:" + std::to_string(port);
  agent::ServerClient client(target, td, bundles);
  auto agent_key = Must(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256), "key");
  auto attested = Must(client.AttestJoinToken(token, agent_key), "attest");
  (void)client.UseIdentity(attested.svid);
  const std::string agent_id = attested.svid.id.str();
  auto t0 = Clock::now();

  // The channel is connected first, so that the TLS handshake is not counted as sync.
  t0 = Clock::now();
  Must(client.GetBundles(), "bundles");
  double connect_ms = Seconds(Clock::now() - t0) * 1e3;

  // 1. Entry creation over the admin socket, batches of 500.
  t0 = Clock::now();
  auto ids = CreateEntries(*entries, "bench.example", agent_id, 10000, 0, UidSelector);
  double create_rate = 10000 / Seconds(Clock::now() - t0);

  // 2. Sync of the 10,000 authorised entries right after they were created (the server has
  // applied the admin's changes to its entry snapshot and computes the agent's set), then warm.
  t0 = Clock::now();
  auto first = Must(client.SyncEntries({}), "sync");
  double sync_cold_ms = Seconds(Clock::now() - t0) * 1e3;
  if (first.changed.size() != 10000) Die("sync returned " + std::to_string(first.changed.size()));
  std::vector<double> warm;
  for (int i = 0; i < 5; ++i) {
    t0 = Clock::now();
    auto again = Must(client.SyncEntries({}), "sync");
    warm.push_back(Seconds(Clock::now() - t0) * 1e3);
  }
  std::sort(warm.begin(), warm.end());
  std::map<std::string, int64_t> known;
  for (const auto& e : first.changed) known[e.id()] = e.revision_number();
  t0 = Clock::now();
  auto diff = Must(client.SyncEntries(known), "sync diff");
  double sync_nochange_ms = Seconds(Clock::now() - t0) * 1e3;

  // 3. Issuance over TLS: `cores` client streams, batches of 100 CSRs (made beforehand; the
  // server does not care that they repeat).
  std::vector<std::string> csrs;
  for (int i = 0; i < 100; ++i) {
    auto key = Must(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256), "key");
    csrs.push_back(Must(crypto::CertificateRequest::Create(key), "csr").ToDer());
  }
  auto creds =
      Must(grpctls::ChannelCredentials(
               {attested.svid, bundles,
                grpctls::AuthorizeId(Must(spiffe::SpiffeId::FromPath(td, "/edgeid/server"), "id")),
                false, td}),
           "creds");
  std::atomic<long> issued{0};
  std::atomic<bool> failed{false};
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> streams;
  streams.reserve(2 * static_cast<size_t>(cores));
  t0 = Clock::now();
  // Twice as many streams as cores, so the server always has a batch waiting.
  for (int t = 0; t < 2 * cores; ++t) {
    streams.emplace_back([&, t] {
      grpc::ChannelArguments args;
      args.SetInt("bench_channel", t);  // one connection per stream
      auto stub = v1::NodeService::NewStub(grpc::CreateCustomChannel(target, creds, args));
      v1::BatchNewX509SVIDRequest request;
      for (int i = 0; i < 100; ++i) {
        auto* p = request.add_params();
        p->set_entry_id(ids[static_cast<size_t>(t) * 100 + static_cast<size_t>(i)]);
        p->set_csr(csrs[static_cast<size_t>(i)]);
      }
      while (Clock::now() < deadline) {
        grpc::ClientContext context;
        v1::BatchNewX509SVIDResponse response;
        if (!stub->BatchNewX509SVID(&context, request, &response).ok()) {
          failed = true;
          return;
        }
        for (const auto& r : response.results()) {
          if (r.status().code() != 0) failed = true;
        }
        issued += response.results_size();
      }
    });
  }
  for (auto& s : streams) s.join();
  double issue_rate = static_cast<double>(issued) / Seconds(Clock::now() - t0);
  if (failed) Die("issuance failed");

  // 4. Memory with 100,000 entries (90,000 more for other agents), snapshot loaded, read after
  // the server's background reload has settled.
  double rss_10k = server.ResidentBytes();
  CreateEntries(*entries, "bench.example", "spiffe://bench.example/edgeid/agent/other", 90000,
                10000, UidSelector);
  Must(client.SyncEntries(known), "sync");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  double rss_100k = server.ResidentBytes();
  // 5. What 100,000 entries cost an idle server (no agent calls): its periodic work.
  double cpu_before = server.CpuSeconds();
  std::this_thread::sleep_for(std::chrono::seconds(10));
  double idle_cpu = (server.CpuSeconds() - cpu_before) / 10;

  std::printf("%-46s %10s  %s\n", "server benchmark", "result", "against the limit");
  std::printf("%-46s %10s\n", "entry creation (admin API, batches of 500)",
              Rate(create_rate).c_str());
  std::printf("%-46s %10s  %3.0f%% of %d x verify+sign (goal 50%%)\n",
              "X.509-SVID issuance over TLS (batches of 100)", Rate(issue_rate).c_str(),
              100 * issue_rate / ceiling_all, cores);
  std::printf("%-46s %7.1f ms\n", "TLS connection and first call (GetBundles)", connect_ms);
  std::printf("%-46s %7.1f ms  (goal < 50 ms)\n", "sync 10,000 entries, just after creating them",
              sync_cold_ms);
  std::printf("%-46s %7.1f ms  (goal < 50 ms)\n", "sync 10,000 entries, warm (median of 5)",
              warm[2]);
  std::printf("%-46s %7.1f ms  (%zu changed)\n", "sync 10,000 entries, agent up to date",
              sync_nochange_ms, diff.changed.size());
  std::printf("%-46s %7.1f MB\n", "server RSS, empty", rss_empty / 1e6);
  std::printf("%-46s %7.1f MB\n", "server RSS, 10,000 entries", rss_10k / 1e6);
  std::printf("%-46s %7.1f MB  (%.0f bytes per entry)\n", "server RSS, 100,000 entries",
              rss_100k / 1e6, (rss_100k - rss_empty) / 100000);
  std::printf("%-46s %7.1f %% of one core\n", "server CPU when idle, 100,000 entries",
              100 * idle_cpu);
  std::printf("\nGoal: issuance >= 50%% of %d x (verify+sign): %s (%.0f%%)\n", cores,
              issue_rate >= 0.5 * ceiling_all ? "met" : "NOT met", 100 * issue_rate / ceiling_all);
  std::printf(
      "Goal: sync of 10,000 entries < 50 ms: %s right after creating them (%.1f ms), %s warm "
      "(%.1f ms)\n",
      sync_cold_ms < 50 ? "met" : "NOT met", sync_cold_ms, warm[2] < 50 ? "met" : "NOT met",
      warm[2]);
  return CleanUp(dir);
}

}  // namespace
}  // namespace edgeid::bench

int main(int argc, char** argv) {
  return edgeid::bench::RunMain(argc, argv, edgeid::bench::Main, "server_bench");
}
