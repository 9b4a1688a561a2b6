#include "support/bench_support.h"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <openssl/evp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "crypto/digest.h"
#include "crypto/ossl.h"
#include "crypto/private_key.h"
#include "edgeid/server/v1/agent.grpc.pb.h"

extern char** environ;

namespace edgeid::bench {

void Die(const std::string& what) {
  std::cerr << "bench: " << what << "\n";
  std::exit(1);
}

double RawRate(bool sign, int threads, double seconds) {
  auto key = Must(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256), "key");
  std::string digest = crypto::Sha256("limit");
  unsigned char sig[128];
  size_t sig_len = sizeof sig;
  crypto::EvpPkeyCtxPtr sctx(EVP_PKEY_CTX_new(key.get(), nullptr));
  EVP_PKEY_sign_init(sctx.get());
  EVP_PKEY_sign(sctx.get(), sig, &sig_len, reinterpret_cast<const unsigned char*>(digest.data()),
                digest.size());
  std::atomic<long> total{0};
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> workers;
  workers.reserve(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      crypto::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
      sign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get());
      long n = 0;
      unsigned char out[128];
      while (Clock::now() < deadline) {
        for (int i = 0; i < 64; ++i, ++n) {
          size_t len = sizeof out;
          const auto* d = reinterpret_cast<const unsigned char*>(digest.data());
          if (sign) {
            EVP_PKEY_sign(ctx.get(), out, &len, d, digest.size());
          } else {
            EVP_PKEY_verify(ctx.get(), sig, sig_len, d, digest.size());
          }
        }
      }
      total += n;
    });
  }
  for (auto& w : workers) w.join();
  return static_cast<double>(total) / seconds;
}

double RawKeygenRate(double seconds) {
  long n = 0;
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    for (int i = 0; i < 16; ++i, ++n) {
      Must(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256), "key");
    }
  }
  return static_cast<double>(n) / Seconds(Clock::now() - start);
}

std::string Rate(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, r >= 1e6 ? "%.2fM/s" : "%.1fk/s", r >= 1e6 ? r / 1e6 : r / 1e3);
  return buf;
}

SpawnedProcess::SpawnedProcess(std::vector<std::string> args, std::string log_path)
    : log_(std::move(log_path)) {
  // A load generator that dies (Die() exits without destructors) takes its daemons with it.
  args.insert(args.begin(), {"/usr/bin/setpriv", "--pdeathsig", "KILL", "--"});
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  if (posix_spawn(&pid_, args[0].c_str(), &actions, nullptr, argv.data(), environ) != 0) {
    Die("cannot start " + args[0]);
  }
  posix_spawn_file_actions_destroy(&actions);
}

SpawnedProcess::~SpawnedProcess() {
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
}

std::string SpawnedProcess::Log() const {
  std::ifstream in(log_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void SpawnedProcess::WaitFor(const std::string& text, std::chrono::seconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Log().find(text) == std::string::npos) {
    if (Clock::now() > deadline) Die("\"" + text + "\" never appeared in " + log_);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

double SpawnedProcess::CpuSeconds() const {
  std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

namespace {

double StatusKilobytes(pid_t pid, const std::string& key) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(key.size())) * 1024;
  }
  return 0;
}

}  // namespace

double SpawnedProcess::ResidentBytes() const {
  return StatusKilobytes(pid_, "VmRSS:");
}

double SpawnedProcess::AnonymousResidentBytes() const {
  return StatusKilobytes(pid_, "RssAnon:");
}

int CleanUp(const std::string& dir) {
  if (std::getenv("EDGEID_BENCH_KEEP") != nullptr) {
    std::printf("kept %s\n", dir.c_str());
    return 0;
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return 0;
}

int RunMain(int argc, char** argv, int (*run)(int, char**), const char* name) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << name << ": " << e.what() << "\n";
    return 1;
  }
}

BenchServer StartBenchServer(const std::string& binary, const std::string& dir) {
  std::ofstream(dir + "/server.toml")
      << "[server]\ntrust_domain = \"bench.example\"\ndata_dir = \"" << dir
      << "/data\"\nbind_port = 0\nsocket_path = \"" << dir
      << "/admin.sock\"\nlog_level = \"warn\"\n[server.ratelimit]\nattestation = 0\n"
         "signing = 0\n";
  BenchServer server;
  server.process = std::make_unique<SpawnedProcess>(
      std::vector<std::string>{binary, "run", "--config", dir + "/server.toml", "--log-level",
                               "info"},
      dir + "/server.log");
  server.process->WaitFor("edgeid-server ready");
  std::smatch m;
  std::string log = server.process->Log();
  if (!std::regex_search(log, m, std::regex("agent API listening on 127.0.0.1:(\\d+)"))) {
    Die("no agent API port in " + dir + "/server.log");
  }
  server.port = std::stoi(m[1]);
  server.admin =
      grpc::CreateChannel("unix:" + dir + "/admin.sock", grpc::InsecureChannelCredentials());
  return server;
}

std::string CreateJoinToken(const std::shared_ptr<grpc::Channel>& admin) {
  auto agents = server::v1::AgentService::NewStub(admin);
  server::v1::CreateJoinTokenRequest request;
  request.set_ttl(600);
  server::v1::JoinToken token;
  grpc::ClientContext context;
  if (!agents->CreateJoinToken(&context, request, &token).ok()) Die("creating a join token");
  return token.value();
}

std::vector<std::string> CreateEntries(
    server::v1::EntryService::Stub& stub, const std::string& td, const std::string& parent,
    int count, int offset,
    const std::function<std::vector<std::pair<std::string, std::string>>(int)>& selectors) {
  std::vector<std::string> ids;
  for (int done = 0; done < count;) {
    server::v1::BatchCreateEntryRequest request;
    for (int i = 0; i < 500 && done < count; ++i, ++done) {
      auto* e = request.add_entries();
      e->set_spiffe_id("spiffe://" + td + "/w/" + std::to_string(offset + done));
      e->set_parent_id(parent);
      for (const auto& [type, value] : selectors(offset + done)) {
        auto* s = e->add_selectors();
        s->set_type(type);
        s->set_value(value);
      }
    }
    grpc::ClientContext context;
    server::v1::BatchCreateEntryResponse response;
    if (!stub.BatchCreateEntry(&context, request, &response).ok()) Die("batch create failed");
    for (const auto& r : response.results()) {
      if (r.status().code() != 0) Die("entry refused: " + r.status().message());
      ids.push_back(r.entry().id());
    }
  }
  return ids;
}

}  // namespace edgeid::bench
