#include "testing/postgres_server.h"

#include <glob.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "testing/command.h"

namespace edgeid::testing {
namespace {

std::string FindBinDir() {
  glob_t found{};
  std::string dir;
  if (::glob("/usr/lib/postgresql/*/bin/initdb", 0, nullptr, &found) == 0 && found.gl_pathc > 0) {
    dir = std::filesystem::path(found.gl_pathv[found.gl_pathc - 1]).parent_path();
  }
  ::globfree(&found);
  return dir;
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

PostgresServer::PostgresServer() {
  bin_dir_ = FindBinDir();
  if (bin_dir_.empty()) {
    error_ = "no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)";
    return;
  }
  // Under /tmp whatever TMPDIR says: the socket path must stay short and reachable by postgres.
  std::string tmpl = "/tmp/edgeid-pg-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  if (::geteuid() == 0) {
    run_as_ = "runuser -u postgres -- ";
    auto chown = RunCommand("chown postgres " + Quote(dir_));
    if (chown.exit_code != 0) {
      error_ = "chown postgres: " + chown.output;
      return;
    }
  }
  auto init = RunCommand(run_as_ + Tool("initdb") + " -D " + Quote(dir_ + "/data") +
                         " -U edgeid --auth=trust --no-sync -E UTF8 --locale=C");
  if (init.exit_code != 0) {
    error_ = "initdb: " + init.output;
    return;
  }
  Start();
}

PostgresServer::~PostgresServer() {
  if (running_) Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string PostgresServer::Tool(const std::string& name) const {
  return bin_dir_ + "/" + name;
}

bool PostgresServer::Start() {
  // No TCP listener at all; fsync off because test data need not survive a power cut.
  std::string options =
      "-c listen_addresses='' -k " + dir_ + " -c fsync=off -c max_connections=200";
  auto started = RunCommand(run_as_ + Tool("pg_ctl") + " -D " + Quote(dir_ + "/data") + " -o " +
                            Quote(options) + " -l " + Quote(dir_ + "/log") + " -w -t 30 start");
  running_ = started.exit_code == 0;
  if (!running_) error_ = "pg_ctl start: " + started.output;
  return running_;
}

bool PostgresServer::Stop() {
  auto stopped = RunCommand(run_as_ + Tool("pg_ctl") + " -D " + Quote(dir_ + "/data") +
                            " -m fast -w -t 30 stop");
  if (stopped.exit_code != 0) {
    error_ = "pg_ctl stop: " + stopped.output;
    return false;
  }
  running_ = false;
  return true;
}

std::string PostgresServer::ConnectionString(const std::string& database) const {
  return "host=" + dir_ + " user=edgeid dbname=" + database;
}

std::optional<std::string> PostgresServer::Psql(const std::string& database,
                                                const std::string& sql) {
  auto result = RunCommand(Tool("psql") + " -X -q -A -t -v ON_ERROR_STOP=1 " +
                           Quote(ConnectionString(database)) + " -c " + Quote(sql));
  if (result.exit_code != 0) {
    error_ = "psql: " + result.output;
    return std::nullopt;
  }
  return result.output;
}

std::string PostgresServer::CreateDatabase(const std::string& name) {
  if (!Psql("postgres", "CREATE DATABASE \"" + name + "\"")) return "";
  return ConnectionString(name);
}

}  // namespace edgeid::testing
