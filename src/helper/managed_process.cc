#include "helper/managed_process.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "helper/signal_name.h"

extern char** environ;

namespace edgeid::helper {

ManagedProcess::ManagedProcess(std::string cmd, std::vector<std::string> args)
    : cmd_(std::move(cmd)), args_(std::move(args)) {}

ManagedProcess::~ManagedProcess() {
  Stop(std::chrono::seconds(5));
}

Status ManagedProcess::Start() {
  if (Running()) return FailedPrecondition(cmd_ + " is already running");
  std::vector<char*> argv;
  argv.push_back(cmd_.data());
  for (auto& a : args_) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The helper blocks SIGTERM and SIGINT to receive them with sigtimedwait, and libraries may
  // ignore SIGPIPE: the workload starts as if from a shell.
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int s : {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGCHLD}) {
    sigaddset(&defaults, s);
  }
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  int err = posix_spawnp(&pid, cmd_.c_str(), nullptr, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (err != 0) return Unavailable("starting " + cmd_ + ": " + std::strerror(err));
  pid_ = pid;
  exit_code_.reset();
  return OkStatus();
}

bool ManagedProcess::Reap() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  if (r == pid_) {
    if (WIFEXITED(status)) {
      exit_code_ = WEXITSTATUS(status);
      last_exit_ = "exit code " + std::to_string(*exit_code_);
    } else {
      exit_code_ = 128 + WTERMSIG(status);
      last_exit_ = "killed by " + SignalName(WTERMSIG(status));
    }
  } else {
    last_exit_ = std::string("lost: ") + std::strerror(errno);
  }
  pid_ = -1;
  return false;
}

bool ManagedProcess::Running() {
  return Reap();
}

std::optional<pid_t> ManagedProcess::pid() const {
  if (pid_ <= 0) return std::nullopt;
  return pid_;
}

Status ManagedProcess::Signal(int signal) {
  if (!Running()) return FailedPrecondition(cmd_ + " is not running");
  if (::kill(pid_, signal) != 0) {
    return Unavailable("sending " + SignalName(signal) + " to " + cmd_ + ": " +
                       std::strerror(errno));
  }
  return OkStatus();
}

std::optional<int> ManagedProcess::Stop(std::chrono::milliseconds grace) {
  if (!Running()) return std::nullopt;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (Reap()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
      exit_code_ = 128 + SIGKILL;
      last_exit_ = "killed by SIGKILL after " + std::to_string(grace.count()) + " ms";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return exit_code_;
}

}  // namespace edgeid::helper
