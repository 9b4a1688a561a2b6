#include "server/server.h"

#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "server/datastore/sqlite/sqlite_datastore.h"

namespace edgeid::server {
namespace {

using Clock = std::chrono::system_clock;

// How often the CA checks whether to prepare, activate or prune (SPIRE's rotator: 10s).
constexpr auto kRotationCheckInterval = std::chrono::seconds(5);

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

Status EnsurePrivateDirectory(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    if (!std::filesystem::is_directory(dir, ec)) {
      return InvalidArgument("data_dir " + dir + " is not a directory");
    }
    return OkStatus();
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) return Unavailable("creating data_dir " + dir + ": " + ec.message());
  if (::chmod(dir.c_str(), 0700) != 0) {
    return Unavailable("chmod data_dir " + dir + ": " + std::strerror(errno));
  }
  return OkStatus();
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

Result<std::unique_ptr<Server>> Server::Start(const ServerConfig& config,
                                              std::shared_ptr<spdlog::logger> log) {
  std::unique_ptr<Server> server(new Server(config, std::move(log)));
  EDGEID_RETURN_IF_ERROR(EnsurePrivateDirectory(config.data_dir));
  auto datastore = SqliteDataStore::Open(config.datastore_path);
  if (!datastore.ok()) return datastore.error();
  server->datastore_ = std::move(*datastore);
  server->log_->info("datastore: sqlite3 at {}", config.datastore_path);
  auto authority = ServerAuthority::Start(config, *server->datastore_, server->log_, Clock::now());
  if (!authority.ok()) return authority.error().Wrap("starting the CA");
  server->authority_ = std::move(*authority);
  server->entry_service_ =
      std::make_unique<EntryService>(*server->datastore_, config.trust_domain, server->log_);
  auto admin =
      AdminEndpoint::Start(config.admin_socket, {server->entry_service_.get()}, server->log_);
  if (!admin.ok()) return admin.error();
  server->admin_endpoint_ = std::move(*admin);
  return server;
}

Status Server::Run() {
  log_->info("edgeid-server ready: trust domain {}", config_.trust_domain.name());
  sigset_t signals = TerminationSignals();
  auto next_rotation = Clock::now() + kRotationCheckInterval;
  for (;;) {
    timespec wait{1, 0};
    int received = sigtimedwait(&signals, nullptr, &wait);
    if (received == SIGTERM || received == SIGINT) {
      log_->info("received {}, shutting down", received == SIGTERM ? "SIGTERM" : "SIGINT");
      break;
    }
    if (Clock::now() >= next_rotation) {
      auto ticked = authority_->Tick(Clock::now());
      // A failed rotation is retried at the next check; the active CA keeps serving.
      if (!ticked.ok()) log_->error("{}", ticked.error().message);
      next_rotation = Clock::now() + kRotationCheckInterval;
    }
  }
  log_->info("edgeid-server stopped");
  return OkStatus();
}

}  // namespace edgeid::server
