// `agent list|show|ban|evict|count` and `token generate`.
#include <ctime>
#include <iostream>
#include <memory>

#include "common/duration.h"
#include "common/timestamp.h"
#include "edgeid/server/v1/agent.grpc.pb.h"
#include "server/api/entry_convert.h"
#include "server/cli/admin_client.h"
#include "server/cli/admin_commands.h"

namespace edgeid::server::cli {
namespace {

namespace v1 = ::edgeid::server::v1;

struct AgentFlags {
  AdminOptions common;
  std::string spiffe_id, attestation_type, ttl = "600";
  std::vector<std::string> selectors;
  bool banned = false;
};

void PrintAgent(const v1::Agent& a) {
  std::cout << "SPIFFE ID         : " << a.id() << "\n"
            << "Attestation type  : " << a.attestation_type() << "\n"
            << "Expiration time   : " << FormatUnixTimestamp(a.x509_svid_expires_at()) << "\n"
            << "Serial number     : " << a.x509_svid_serial_number() << "\n"
            << "Can re-attest     : " << (a.can_reattest() ? "true" : "false") << "\n"
            << "Banned            : " << (a.banned() ? "true" : "false") << "\n";
  for (const auto& s : a.selectors()) {
    std::cout << "Selector          : " << s.type() << ":" << s.value() << "\n";
  }
  std::cout << "\n";
}

// The admin client and an AgentService stub on it.
struct AgentStub {
  AdminClient admin;
  std::unique_ptr<v1::AgentService::Stub> stub;
  v1::AgentService::Stub* operator->() const { return stub.get(); }
};

Result<AgentStub> Connect(const AgentFlags& f) {
  auto admin = EDGEID_TRY(ConnectAdmin(f.common));
  auto stub = v1::AgentService::NewStub(admin.channel);
  return AgentStub{std::move(admin), std::move(stub)};
}

int List(const AgentFlags& f) {
  auto stub = Connect(f);
  if (!stub.ok()) return CommandFailed("agent list", stub.error().message);
  v1::ListAgentsRequest request;
  request.mutable_filter()->set_by_attestation_type(f.attestation_type);
  request.mutable_filter()->set_only_banned(f.banned);
  auto added = AddSelectorFlags(f.selectors, request.mutable_filter()->mutable_by_selectors());
  if (!added.ok()) return CommandFailed("agent list", added.error().message);
  v1::ListAgentsResponse response;
  auto status = stub->stub->ListAgents(stub->admin.Context().get(), request, &response);
  if (!status.ok()) return CommandFailed("agent list", stub->admin.Describe(status));
  if (f.common.output == "json") {
    std::cout << Json(response);
    return 0;
  }
  int n = response.agents_size();
  std::cout << "Found " << n << " attested agent" << (n == 1 ? "" : "s") << ":\n\n";
  for (const auto& a : response.agents()) PrintAgent(a);
  return 0;
}

int Show(const AgentFlags& f) {
  if (f.spiffe_id.empty()) return CommandFailed("agent show", "--spiffe-id is required");
  auto stub = Connect(f);
  if (!stub.ok()) return CommandFailed("agent show", stub.error().message);
  v1::GetAgentRequest request;
  request.set_id(f.spiffe_id);
  v1::Agent agent;
  auto status = stub->stub->GetAgent(stub->admin.Context().get(), request, &agent);
  if (!status.ok()) return CommandFailed("agent show", stub->admin.Describe(status));
  if (f.common.output == "json") {
    std::cout << Json(agent);
  } else {
    PrintAgent(agent);
  }
  return 0;
}

int Ban(const AgentFlags& f) {
  if (f.spiffe_id.empty()) return CommandFailed("agent ban", "--spiffe-id is required");
  auto stub = Connect(f);
  if (!stub.ok()) return CommandFailed("agent ban", stub.error().message);
  v1::BanAgentRequest request;
  request.set_id(f.spiffe_id);
  v1::Agent agent;
  auto status = stub->stub->BanAgent(stub->admin.Context().get(), request, &agent);
  if (!status.ok()) return CommandFailed("agent ban", stub->admin.Describe(status));
  if (f.common.output == "json") {
    std::cout << Json(agent);
  } else {
    std::cout << "Agent banned successfully\n";
  }
  return 0;
}

int Evict(const AgentFlags& f) {
  if (f.spiffe_id.empty()) return CommandFailed("agent evict", "--spiffe-id is required");
  auto stub = Connect(f);
  if (!stub.ok()) return CommandFailed("agent evict", stub.error().message);
  v1::DeleteAgentRequest request;
  request.set_id(f.spiffe_id);
  v1::DeleteAgentResponse response;
  auto status = stub->stub->DeleteAgent(stub->admin.Context().get(), request, &response);
  if (!status.ok()) return CommandFailed("agent evict", stub->admin.Describe(status));
  if (f.common.output == "json") {
    std::cout << "{}\n";
  } else {
    std::cout << "Agent evicted successfully\n";
  }
  return 0;
}

int Count(const AgentFlags& f) {
  auto stub = Connect(f);
  if (!stub.ok()) return CommandFailed("agent count", stub.error().message);
  v1::CountAgentsResponse response;
  auto status = stub->stub->CountAgents(stub->admin.Context().get(), {}, &response);
  if (!status.ok()) return CommandFailed("agent count", stub->admin.Describe(status));
  if (f.common.output == "json") {
    std::cout << Json(response);
  } else {
    std::cout << response.count() << " attested agent" << (response.count() == 1 ? "" : "s")
              << "\n";
  }
  return 0;
}

int Generate(const AgentFlags& f) {
  auto ttl = ParseTtlFlag(f.ttl, "--ttl");
  if (!ttl.ok()) return CommandFailed("token generate", ttl.error().message);
  if (*ttl <= 0) return CommandFailed("token generate", "--ttl must be positive");
  auto stub = Connect(f);
  if (!stub.ok()) return CommandFailed("token generate", stub.error().message);
  v1::CreateJoinTokenRequest request;
  request.set_ttl(*ttl);
  request.set_agent_id(f.spiffe_id);
  v1::JoinToken token;
  auto status = stub->stub->CreateJoinToken(stub->admin.Context().get(), request, &token);
  if (!status.ok()) return CommandFailed("token generate", stub->admin.Describe(status));
  if (f.common.output == "json") {
    std::cout << Json(token);
  } else {
    std::cout << "Token: " << token.value() << "\n";
  }
  return 0;
}

void AddCommon(CLI::App* cmd, AgentFlags& f) {
  AddAdminOptions(cmd, f.common);
}

}  // namespace

void AddAgentCommands(CLI::App& app, int& exit_code) {
  auto* agent = app.add_subcommand("agent", "Manage attested agents");
  agent->require_subcommand(1);
  struct Command {
    const char* name;
    const char* help;
    int (*run)(const AgentFlags&);
  };
  for (const Command& c :
       {Command{"list", "List attested agents", List}, Command{"show", "Show one agent", Show},
        Command{"ban", "Ban an agent: it cannot attest, renew or sign", Ban},
        Command{"evict", "Evict an agent: it must attest again", Evict},
        Command{"count", "Count attested agents", Count}}) {
    auto flags = std::make_shared<AgentFlags>();
    auto* cmd = agent->add_subcommand(c.name, c.help);
    AddCommon(cmd, *flags);
    std::string name = c.name;
    if (name == "show" || name == "ban" || name == "evict") {
      cmd->add_option("--spiffe-id", flags->spiffe_id, "The agent's SPIFFE ID");
    }
    if (name == "list") {
      cmd->add_option("--attestation-type", flags->attestation_type, "Only this attestor");
      cmd->add_option("--selector", flags->selectors, "Only agents with these selectors");
      cmd->add_flag("--banned", flags->banned, "Only banned agents");
    }
    cmd->callback([flags, run = c.run, &exit_code] { exit_code = run(*flags); });
  }
}

void AddTokenCommands(CLI::App& app, int& exit_code) {
  auto* token = app.add_subcommand("token", "Manage join tokens");
  token->require_subcommand(1);
  auto flags = std::make_shared<AgentFlags>();
  auto* generate = token->add_subcommand("generate", "Generate a single-use join token");
  AddCommon(generate, *flags);
  generate->add_option("--ttl", flags->ttl, "Lifetime (seconds or e.g. 10m)")
      ->capture_default_str();
  generate->add_option("--spiffe-id", flags->spiffe_id,
                       "Also give the agent that uses the token this ID (an alias)");
  generate->callback([flags, &exit_code] { exit_code = Generate(*flags); });
}

}  // namespace edgeid::server::cli
