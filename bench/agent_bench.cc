// Load generator for a real edgeid-agent in front of a real edgeid-server: FetchX509SVID latency
// with a warm cache (beside a bare gRPC call on the same socket, the transport's own cost),
// 1,000 and 10,000 open FetchX509SVID streams and the agent memory they take, how fast a change
// reaches every open stream, the agent's resident memory at idle with 100 entries (beside an idle
// gRPC server on the same libraries and the libraries an agent without gRPC C++ would need), and
// the time to get 1,000 new SVIDs (beside the raw OpenSSL cost of the keys and signatures they
// need, measured in the same run). Usage: agent_bench EDGEID_SERVER_BINARY EDGEID_AGENT_BINARY
#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <thread>

#include "edgeid/server/v1/agent.grpc.pb.h"
#include "edgeid/server/v1/entry.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "spiffe/workload/workload.grpc.pb.h"
#include "support/bench_support.h"

namespace edgeid::bench {
namespace {

namespace v1 = server::v1;
constexpr const char* kTd = "bench.example";

int PortFromLog(const SpawnedProcess& process, const std::string& pattern) {
  std::smatch m;
  std::string log = process.Log();
  if (!std::regex_search(log, m, std::regex(pattern))) Die("no match for " + pattern);
  return std::stoi(m[1]);
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// One open FetchX509SVID stream, counting the messages it receives.
class Watcher final : public grpc::ClientReadReactor<X509SVIDResponse> {
 public:
  Watcher(SpiffeWorkloadAPI::Stub& stub, std::atomic<int>& first, std::atomic<int>& second,
          std::atomic<int>& done)
      : first_(first), second_(second), done_(done) {
    context_.AddMetadata("workload.spiffe.io", "true");
    stub.async()->FetchX509SVID(&context_, &request_, this);
    StartRead(&response_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    ++received_;
    if (received_ == 1) ++first_;
    if (received_ == 2) ++second_;
    StartRead(&response_);
  }
  void OnDone(const grpc::Status&) override { ++done_; }
  void Cancel() { context_.TryCancel(); }

 private:
  grpc::ClientContext context_;
  X509SVIDRequest request_;
  X509SVIDResponse response_;
  int received_ = 0;
  std::atomic<int>& first_;
  std::atomic<int>& second_;
  std::atomic<int>& done_;
};

struct StreamResult {
  double open_seconds = 0;     // until every stream had its first message
  double rss_delta_bytes = 0;  // agent memory the open streams take
  double fanout_seconds = 0;   // from an entry change until every stream had the new state
};

StreamResult OpenStreams(int count, const std::string& socket, SpawnedProcess& agent,
                         v1::EntryService::Stub& entries, const std::string& agent_id,
                         int entry_offset) {
  StreamResult result;
  double rss_before = agent.ResidentBytes();
  // Workloads are processes, each with its own connection; ten streams share one here.
  const char* per_connection_env = std::getenv("EDGEID_BENCH_STREAMS_PER_CONNECTION");
  const int per_connection = per_connection_env != nullptr
                                 ? static_cast<int>(std::strtol(per_connection_env, nullptr, 10))
                                 : 10;
  if (per_connection <= 0) Die("EDGEID_BENCH_STREAMS_PER_CONNECTION must be positive");
  std::vector<std::unique_ptr<SpiffeWorkloadAPI::Stub>> stubs;
  stubs.reserve(static_cast<size_t>(count / per_connection) + 1);
  for (int c = 0; c < count / per_connection; ++c) {
    grpc::ChannelArguments args;
    args.SetInt("edgeid.bench.connection", c);
    stubs.push_back(SpiffeWorkloadAPI::NewStub(
        grpc::CreateCustomChannel("unix:" + socket, grpc::InsecureChannelCredentials(), args)));
  }
  std::atomic<int> first{0}, second{0}, done{0};
  std::vector<std::unique_ptr<Watcher>> watchers;
  watchers.reserve(static_cast<size_t>(count));
  auto t0 = Clock::now();
  for (int i = 0; i < count; ++i) {
    watchers.push_back(std::make_unique<Watcher>(*stubs[static_cast<size_t>(i / per_connection)],
                                                 first, second, done));
  }
  auto deadline = Clock::now() + std::chrono::seconds(120);
  while (first.load() < count && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (first.load() < count)
    Die(std::to_string(first.load()) + " streams of " + std::to_string(count) +
        " got their first message");
  result.open_seconds = Seconds(Clock::now() - t0);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  result.rss_delta_bytes = agent.ResidentBytes() - rss_before;

  // A second identity for the workload: every stream must receive it.
  t0 = Clock::now();
  CreateEntries(entries, kTd, agent_id, 1, entry_offset, [](int) {
    return std::vector<std::pair<std::string, std::string>>{
        {"unix", "uid:" + std::to_string(::getuid())}};
  });
  deadline = Clock::now() + std::chrono::seconds(120);
  while (second.load() < count && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (second.load() < count) Die("only " + std::to_string(second.load()) + " streams updated");
  result.fanout_seconds = Seconds(Clock::now() - t0);
  for (auto& w : watchers) w->Cancel();
  while (done.load() < count) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return result;
}

double CachedSvids(int health_port) {
  httplib::Client http("127.0.0.1", health_port);
  auto res = http.Get("/metrics");
  if (!res || res->status != 200) Die("agent metrics unavailable");
  std::smatch m;
  if (!std::regex_search(res->body, m, std::regex("edgeid_agent_cached_x509_svids (\\d+)"))) {
    Die("no cached SVID gauge");
  }
  return std::stod(m[1]);
}

// A floor program (usage: NAME SOCKET_PATH, prints "NAME ready") once it has idled as long as
// the agent did.
struct IdleMemoryBytes {
  double rss = 0, anon = 0;
};
IdleMemoryBytes IdleMemory(const std::string& binary, const std::string& dir,
                           const std::string& name) {
  SpawnedProcess floor({binary, dir + "/" + name + ".sock"}, dir + "/" + name + ".log");
  floor.WaitFor(name + " ready");
  std::this_thread::sleep_for(std::chrono::seconds(8));
  return {floor.ResidentBytes(), floor.AnonymousResidentBytes()};
}

void WaitForCached(int health_port, double expected) {
  auto deadline = Clock::now() + std::chrono::seconds(120);
  while (CachedSvids(health_port) < expected) {
    if (Clock::now() > deadline) Die("the agent never cached " + std::to_string(expected));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int Main(int argc, char** argv) {
  if (argc < 3) Die("usage: agent_bench EDGEID_SERVER_BINARY EDGEID_AGENT_BINARY");
  // 10,000 streams over 1,000 connections need descriptors on this side too.
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  char dir_template[] = "/tmp/edgeid-agent-bench-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) Die("mkdtemp");
  std::string dir = dir_template;

  // The limits, measured now on this machine.
  double sign = RawRate(true, 1, 1.0), verify = RawRate(false, 1, 1.0);
  double keygen = RawKeygenRate(1.0);
  // Per SVID: a key and a CSR signature on the agent, a CSR check and a signature on the server.
  double raw_svid_seconds = 1 / keygen + 2 / sign + 1 / verify;
  std::printf("\nRaw OpenSSL P-256, this run, 1 core: keygen %s, sign %s, verify %s\n",
              Rate(keygen).c_str(), Rate(sign).c_str(), Rate(verify).c_str());

  auto bench_server = StartBenchServer(argv[1], dir);
  auto entries = v1::EntryService::NewStub(bench_server.admin);
  const std::string token = CreateJoinToken(bench_server.admin);
  std::string bundle_cmd = std::string(argv[1]) + " bundle show --admin-socket " + dir +
                           "/admin.sock > " + dir + "/bundle.pem";
  if (std::system(bundle_cmd.c_str()) != 0) Die("bundle show");

  const std::string socket = dir + "/agent.sock";
  SpawnedProcess agent({argv[2],           "run",
                        "--trust-domain",  kTd,
                        "--server-port",   std::to_string(bench_server.port),
                        "--trust-bundle",  dir + "/bundle.pem",
                        "--join-token",    token,
                        "--data-dir",      dir + "/agent",
                        "--socket-path",   socket,
                        "--sync-interval", "5s",
                        "--health-port",   "0",
                        "--log-level",     "info"},
                       dir + "/agent.log");
  agent.WaitFor("edgeid-agent ready");
  int health_port = PortFromLog(agent, "metrics listening on http://127.0.0.1:(\\d+)");
  std::smatch m;
  std::string agent_log = agent.Log();
  if (!std::regex_search(agent_log, m, std::regex("agent SPIFFE ID (spiffe://\\S+)"))) {
    Die("no agent ID in the log");
  }
  const std::string agent_id = m[1];

  // 100 entries, one of them this process's.
  const int uid = static_cast<int>(::getuid());
  CreateEntries(*entries, kTd, agent_id, 100, 0, [uid](int i) {
    return std::vector<std::pair<std::string, std::string>>{
        {"unix", "uid:" + std::to_string(i == 0 ? uid : 100000 + i)}};
  });
  WaitForCached(health_port, 100);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  double idle_cpu_before = agent.CpuSeconds();
  std::this_thread::sleep_for(std::chrono::seconds(5));
  double idle_cpu = (agent.CpuSeconds() - idle_cpu_before) / 5;
  double idle_rss = agent.ResidentBytes();
  double idle_anon = agent.AnonymousResidentBytes();
  // The same libraries serving nothing on a UNIX socket, idle as long: what no agent built on
  // them can go below.
  auto grpc_floor = IdleMemory(EDGEID_GRPC_FLOOR_BINARY, dir, "grpc_floor");
  // And the libraries an agent without gRPC C++ would still need, holding 100 SVIDs: what the
  // goal would have to fit on if the Workload API and the server client left gRPC C++.
  auto no_grpc_floor = IdleMemory(EDGEID_NO_GRPC_FLOOR_BINARY, dir, "agent_floor_without_grpc");

  // Latency of FetchX509SVID (attest the caller, build its response, first message) and of a
  // bare gRPC call on the same socket.
  // Measured to the first message, which is when the workload holds its SVID.
  auto workload = SpiffeWorkloadAPI::NewStub(
      grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials()));
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials()));
  std::vector<double> fetch_us, bare_us;
  for (int i = 0; i < 3000; ++i) {
    grpc::ClientContext fc;
    fc.AddMetadata("workload.spiffe.io", "true");
    auto t0 = Clock::now();
    auto reader = workload->FetchX509SVID(&fc, X509SVIDRequest());
    X509SVIDResponse response;
    if (!reader->Read(&response) || response.svids_size() == 0) Die("fetch failed");
    if (i >= 200) fetch_us.push_back(Seconds(Clock::now() - t0) * 1e6);
    fc.TryCancel();
    reader->Finish();
    grpc::ClientContext hc;
    grpc::health::v1::HealthCheckResponse hr;
    t0 = Clock::now();
    if (!health->Check(&hc, {}, &hr).ok()) Die("health check");
    if (i >= 200) bare_us.push_back(Seconds(Clock::now() - t0) * 1e6);
  }

  auto streams_1k = OpenStreams(1000, socket, agent, *entries, agent_id, 100);
  auto streams_10k = OpenStreams(10000, socket, agent, *entries, agent_id, 101);

  // 1,000 new entries at once: keys, CSRs, batches to the server, all cached.
  double cached_before = CachedSvids(health_port);
  auto t0 = Clock::now();
  CreateEntries(*entries, kTd, agent_id, 1000, 1000, [](int i) {
    return std::vector<std::pair<std::string, std::string>>{
        {"unix", "uid:" + std::to_string(200000 + i)}};
  });
  WaitForCached(health_port, cached_before + 1000);
  double rotate_1000 = Seconds(Clock::now() - t0);
  auto cached_at = std::chrono::system_clock::now();
  // From the sync that brought the 1,000 entries: keys, CSRs, two batches signed, cached.
  double signing_1000 = -1;
  {
    std::string log = agent.Log();
    std::smatch line;
    if (std::regex_search(
            log, line,
            std::regex("(\\d{4})-(\\d\\d)-(\\d\\d)T(\\d\\d):(\\d\\d):(\\d\\d)\\.(\\d{3})Z"
                       "[^\\n]*entries synced: 1000 new"))) {
      std::tm tm{};
      tm.tm_year = std::stoi(line[1]) - 1900;
      tm.tm_mon = std::stoi(line[2]) - 1;
      tm.tm_mday = std::stoi(line[3]);
      tm.tm_hour = std::stoi(line[4]);
      tm.tm_min = std::stoi(line[5]);
      tm.tm_sec = std::stoi(line[6]);
      auto synced = std::chrono::system_clock::from_time_t(timegm(&tm)) +
                    std::chrono::milliseconds(std::stoi(line[7]));
      signing_1000 = std::chrono::duration<double>(cached_at - synced).count();
    }
  }
  std::this_thread::sleep_for(std::chrono::seconds(3));  // the agent hands freed memory back
  double rss_1100 = agent.ResidentBytes();

  std::printf("%-52s %12s  %s\n", "agent benchmark", "result", "against the limit");
  std::printf("%-52s %9.0f us  bare gRPC call on the socket: %.0f us (%.1fx)\n",
              "FetchX509SVID latency p50, warm cache", Percentile(fetch_us, 0.5),
              Percentile(bare_us, 0.5), Percentile(fetch_us, 0.5) / Percentile(bare_us, 0.5));
  std::printf("%-52s %9.0f us  bare: %.0f us (goal p99 < 1000 us: %s)\n",
              "FetchX509SVID latency p99, warm cache", Percentile(fetch_us, 0.99),
              Percentile(bare_us, 0.99), Percentile(fetch_us, 0.99) < 1000 ? "met" : "NOT met");
  for (auto [n, r] : {std::pair{1000, streams_1k}, std::pair{10000, streams_10k}}) {
    std::printf("%-52s %9.2f s\n",
                (std::to_string(n) + " streams open, first message on each").c_str(),
                r.open_seconds);
    std::printf(
        "%-52s %9.1f MB  (%.1f KB per stream)%s\n",
        (std::to_string(n) + " streams: agent memory they take").c_str(), r.rss_delta_bytes / 1e6,
        r.rss_delta_bytes / n / 1e3,
        n == 10000 ? (r.rss_delta_bytes < 200e6 ? " goal < 200 MB: met" : " goal < 200 MB: NOT met")
                   : "");
    std::printf("%-52s %9.2f s  (announced by the server; sync_interval is 5 s)\n",
                (std::to_string(n) + " streams: new entry reaches every stream").c_str(),
                r.fanout_seconds);
  }
  std::printf(
      "%-52s %9.1f MB  idle gRPC server, same libraries: %.1f MB (%.2fx) (goal < 15 MB: %s)\n",
      "agent RSS at idle, 100 entries", idle_rss / 1e6, grpc_floor.rss / 1e6,
      idle_rss / grpc_floor.rss, idle_rss < 15e6 ? "met" : "NOT met");
  std::printf("%-52s %9.1f MB  idle gRPC server: %.1f MB (the rest is shared library text)\n",
              "  of which the agent's own (RssAnon)", idle_anon / 1e6, grpc_floor.anon / 1e6);
  std::printf("%-52s %9.1f MB  (OpenSSL, protobuf-lite, nghttp2, spdlog, toml++, httplib)\n",
              "  floor without gRPC C++, 100 SVIDs held", no_grpc_floor.rss / 1e6);
  std::printf("%-52s %9.2f %% of one core\n", "agent CPU at idle, 100 entries", 100 * idle_cpu);
  std::printf("%-52s %9.2f s  raw crypto for 1,000: %.2f s on one core (%.0f%%)\n",
              "1,000 new SVIDs: entry created to SVID cached", rotate_1000, 1000 * raw_svid_seconds,
              100 * 1000 * raw_svid_seconds / rotate_1000);
  std::printf("%-52s %9.2f s  raw crypto: %.2f s (%.0f%%)\n",
              "1,000 new SVIDs: entries synced to SVIDs cached", signing_1000,
              1000 * raw_svid_seconds, 100 * 1000 * raw_svid_seconds / signing_1000);
  std::printf("%-52s %9.1f MB\n", "agent RSS with 1,100 SVIDs cached", rss_1100 / 1e6);
  return CleanUp(dir);
}

}  // namespace
}  // namespace edgeid::bench

int main(int argc, char** argv) {
  return edgeid::bench::RunMain(argc, argv, edgeid::bench::Main, "agent_bench");
}
