#include "testing/edgeid_processes.h"

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "testing/temp_dir.h"

namespace edgeid::testing {

std::string UidSelector() {
  return "unix:uid:" + std::to_string(::getuid());
}

std::string PathSelector(const std::string& binary) {
  char resolved[PATH_MAX];
  return "unix:path:" +
         std::string(::realpath(binary.c_str(), resolved) != nullptr ? resolved : binary.c_str());
}

EdgeidProcesses::EdgeidProcesses(EdgeidBinaries binaries, std::string dir, std::string trust_domain)
    : bin_(std::move(binaries)), dir_(std::move(dir)), td_(std::move(trust_domain)) {
  std::filesystem::create_directories(dir_ + "/server");
  std::filesystem::create_directories(dir_ + "/agent");
  // The daemons refuse sockets in directories other users could write, whatever the umask.
  std::filesystem::permissions(dir_, std::filesystem::perms(0755));
  std::filesystem::permissions(dir_ + "/server", std::filesystem::perms(0755));
  std::filesystem::permissions(dir_ + "/agent", std::filesystem::perms(0755));
}

EdgeidProcesses::~EdgeidProcesses() {
  if (agent_) agent_->Signal(SIGTERM), agent_->Wait();
  if (server_) server_->Signal(SIGTERM), server_->Wait();
}

bool EdgeidProcesses::StartServer(const std::vector<std::string>& extra_args) {
  if (server_starts_ == 0) server_args_ = extra_args;
  std::vector<std::string> argv = {bin_.server,      "run",
                                   "--trust-domain", td_,
                                   "--data-dir",     dir_ + "/server/data",
                                   "--admin-socket", admin_socket(),
                                   "--bind-port",    std::to_string(server_port_)};
  argv.insert(argv.end(), server_args_.begin(), server_args_.end());
  server_ = std::make_unique<ChildProcess>(
      argv, dir_ + "/server-" + std::to_string(++server_starts_) + ".log");
  if (!server_->WaitForOutput("edgeid-server ready")) {
    error_ = server_->Output();
    return false;
  }
  std::smatch m;
  std::string log = server_->Output();
  if (!std::regex_search(log, m, std::regex("agent API listening on 127.0.0.1:(\\d+)"))) {
    error_ = "no agent API port in the server log:\n" + log;
    return false;
  }
  server_port_ = std::stoi(m[1]);
  auto bundle = ServerCli("bundle show");
  if (bundle.exit_code != 0) {
    error_ = bundle.output;
    return false;
  }
  WriteTestFile(server_bundle_file(), bundle.output);
  return true;
}

void EdgeidProcesses::StopServer() {
  if (!server_) return;
  server_->Signal(SIGTERM);
  server_->Wait();
}

CommandResult EdgeidProcesses::ServerCli(const std::string& args) const {
  return RunCommand(bin_.server + " " + args + " --admin-socket " + admin_socket() + " 2>&1");
}

std::string EdgeidProcesses::JoinToken() const {
  auto r = ServerCli("token generate --ttl 600");
  std::smatch m;
  if (r.exit_code != 0 || !std::regex_search(r.output, m, std::regex("Token: (\\S+)"))) return "";
  return m[1];
}

std::string EdgeidProcesses::CreateEntry(const std::string& spiffe_id, const std::string& parent_id,
                                         const std::vector<std::string>& selectors,
                                         const std::string& more_flags) const {
  std::string args = "entry create --spiffe-id " + spiffe_id + " --parent-id " + parent_id;
  for (const auto& s : selectors) args += " --selector " + s;
  auto r = ServerCli(args + " " + more_flags);
  std::smatch m;
  if (r.exit_code != 0 || !std::regex_search(r.output, m, std::regex("Entry ID\\s*: (\\S+)"))) {
    return "";
  }
  return m[1];
}

bool EdgeidProcesses::StartAgent(const std::vector<std::string>& extra_args, bool wait_ready) {
  std::vector<std::string> argv = {bin_.agent,       "run",
                                   "--trust-domain", td_,
                                   "--server-port",  std::to_string(server_port_),
                                   "--trust-bundle", server_bundle_file(),
                                   "--data-dir",     agent_data_dir(),
                                   "--socket-path",  agent_socket(),
                                   "--log-level",    "debug"};
  // A short sync unless the test chooses its own.
  if (std::find(extra_args.begin(), extra_args.end(), "--sync-interval") == extra_args.end()) {
    argv.insert(argv.end(), {"--sync-interval", "1s"});
  }
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  agent_ = std::make_unique<ChildProcess>(
      argv, dir_ + "/agent-" + std::to_string(++agent_starts_) + ".log");
  if (wait_ready && !agent_->WaitForOutput("edgeid-agent ready")) {
    error_ = agent_->Output();
    return false;
  }
  return true;
}

int EdgeidProcesses::StopAgent() {
  if (!agent_) return -1;
  agent_->Signal(SIGTERM);
  return agent_->Wait().value_or(-1);
}

CommandResult EdgeidProcesses::AgentCli(const std::string& args) const {
  return RunCommand(bin_.agent + " " + args + " --socket-path " + agent_socket() + " 2>&1");
}

std::string EdgeidProcesses::AgentId() const {
  std::smatch m;
  std::string log = agent_ ? agent_->Output() : "";
  if (!std::regex_search(log, m, std::regex("agent SPIFFE ID (spiffe://\\S+)"))) return "";
  return m[1];
}

}  // namespace edgeid::testing
