// What the load generators share: real edgeid processes started and measured from outside
// (/proc), raw OpenSSL rates as the limits of the same run, and bulk entry creation.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "edgeid/server/v1/entry.grpc.pb.h"

namespace edgeid::bench {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what);

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.error().message);
  return std::move(r).value();
}

inline double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Raw ECDSA P-256 sign or verify of a digest on `threads` threads for `seconds`.
double RawRate(bool sign, int threads, double seconds);
// Raw P-256 key generations per second on one thread.
double RawKeygenRate(double seconds);

// "12.3k/s" or "1.23M/s".
std::string Rate(double per_second);

// A daemon started with its output in `log_path`, stopped with SIGTERM when destroyed.
class SpawnedProcess {
 public:
  SpawnedProcess(std::vector<std::string> argv, std::string log_path);
  ~SpawnedProcess();
  SpawnedProcess(const SpawnedProcess&) = delete;
  SpawnedProcess& operator=(const SpawnedProcess&) = delete;

  // The log so far.
  std::string Log() const;
  // Waits (up to `timeout`) until `text` is in the log; dies naming the log otherwise.
  void WaitFor(const std::string& text, std::chrono::seconds timeout = std::chrono::seconds(20));
  double CpuSeconds() const;     // user + system, from /proc/<pid>/stat
  double ResidentBytes() const;  // VmRSS
  // Of VmRSS: the process's own pages (heap, stacks), without shared library text.
  double AnonymousResidentBytes() const;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string log_;
};

// Removes the run's directory, unless EDGEID_BENCH_KEEP is set (then it says where it is).
int CleanUp(const std::string& dir);
// main() of a load generator: runs `run`, turning an escaped exception into exit status 1.
int RunMain(int argc, char** argv, int (*run)(int, char**), const char* name);

// An edgeid-server for load, configured from a file as an operator would: trust domain
// bench.example, data and admin socket in `dir`, any free port, rate limits off.
struct BenchServer {
  std::unique_ptr<SpawnedProcess> process;
  int port = 0;                          // the agent API
  std::shared_ptr<grpc::Channel> admin;  // the admin socket
};
BenchServer StartBenchServer(const std::string& binary, const std::string& dir);
// A join token valid for ten minutes.
std::string CreateJoinToken(const std::shared_ptr<grpc::Channel>& admin);

// Creates `count` entries under `parent` in batches of 500; entry i gets
// spiffe://<td>/w/<offset+i> and the selectors `selectors(offset+i)`. Returns their IDs.
std::vector<std::string> CreateEntries(
    server::v1::EntryService::Stub& stub, const std::string& td, const std::string& parent,
    int count, int offset,
    const std::function<std::vector<std::pair<std::string, std::string>>(int)>& selectors);

}  // namespace edgeid::bench
