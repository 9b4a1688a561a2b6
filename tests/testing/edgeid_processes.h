// A real edgeid-server and edgeid-agent for integration tests, started as processes in a test
// directory, on loopback and UNIX sockets only, with the helpers tests drive them with.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "testing/command.h"
#include "testing/process.h"

namespace edgeid::testing {

struct EdgeidBinaries {
  std::string server;
  std::string agent;
};

// The unix workload attestor's selector for this test process's user ("unix:uid:1000").
std::string UidSelector();
// The selector of a binary by its resolved path, as unix:path (with discover_workload_path).
std::string PathSelector(const std::string& binary);

class EdgeidProcesses {
 public:
  // `dir` must exist; every file and socket goes under it.
  EdgeidProcesses(EdgeidBinaries binaries, std::string dir, std::string trust_domain);
  ~EdgeidProcesses();

  // Starts the server (again, on the same port and data after a stop) with `extra_args`; returns
  // false, with the log in `error`, when it does not become ready.
  bool StartServer(const std::vector<std::string>& extra_args = {});
  void StopServer();
  CommandResult ServerCli(const std::string& args) const;
  std::string JoinToken() const;
  // Creates an entry and returns its ID (empty on failure).
  std::string CreateEntry(const std::string& spiffe_id, const std::string& parent_id,
                          const std::vector<std::string>& selectors,
                          const std::string& more_flags = "") const;

  // Starts the agent against the server with `extra_args` (a join token, x509pop files, ...);
  // waits for "edgeid-agent ready" unless `wait_ready` is false.
  bool StartAgent(const std::vector<std::string>& extra_args, bool wait_ready = true);
  // SIGTERM, and the exit code.
  int StopAgent();
  // Runs `edgeid-agent <args> --socket-path <socket>`.
  CommandResult AgentCli(const std::string& args) const;

  // The agent's SPIFFE ID, from its log.
  std::string AgentId() const;
  std::string agent_socket() const { return dir_ + "/agent/public/api.sock"; }
  std::string agent_data_dir() const { return dir_ + "/agent/data"; }
  std::string server_bundle_file() const { return dir_ + "/server-bundle.pem"; }
  std::string admin_socket() const { return dir_ + "/server/admin.sock"; }
  const std::string& trust_domain() const { return td_; }
  int server_port() const { return server_port_; }
  ChildProcess* server() { return server_.get(); }
  ChildProcess* agent() { return agent_.get(); }
  const std::string& error() const { return error_; }

 private:
  EdgeidBinaries bin_;
  std::string dir_;
  std::string td_;
  int server_port_ = 0;
  int server_starts_ = 0;
  int agent_starts_ = 0;
  std::vector<std::string> server_args_;
  std::unique_ptr<ChildProcess> server_;
  std::unique_ptr<ChildProcess> agent_;
  std::string error_;
};

}  // namespace edgeid::testing
