// A private PostgreSQL server for tests: initdb in a temp directory, listening only on a UNIX
// socket there, trust authentication for the "edgeid" role. Started and stopped by the test.
// As root, it runs as the "postgres" system user (PostgreSQL refuses to run as root).
#pragma once

#include <optional>
#include <string>

namespace edgeid::testing {

class PostgresServer {
 public:
  // Creates the cluster and starts it; started() says whether that worked and error() why not.
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  bool started() const { return running_; }
  const std::string& error() const { return error_; }

  bool Start();
  bool Stop();
  // A new empty database; returns its libpq connection string, or "" on failure (see error()).
  std::string CreateDatabase(const std::string& name);
  std::string ConnectionString(const std::string& database) const;
  // Runs SQL with psql in `database`: its unaligned output, or nothing (see error()).
  std::optional<std::string> Psql(const std::string& database, const std::string& sql);

 private:
  std::string Tool(const std::string& name) const;

  std::string dir_;
  std::string bin_dir_;
  std::string run_as_;  // "runuser -u postgres -- " when root
  bool running_ = false;
  std::string error_;
};

}  // namespace edgeid::testing
