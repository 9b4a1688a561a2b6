#include "server/cli/localauthority_commands.h"

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "common/timestamp.h"
#include "edgeid/server/v1/localauthority.grpc.pb.h"
#include "server/cli/admin_client.h"

namespace edgeid::server::cli {
// Named, not anonymous: the CLI's files share unity translation units.
namespace localauthority_cli {

namespace v1 = ::edgeid::server::v1;
using Stub = v1::LocalAuthorityService::Stub;

struct Flags {
  AdminOptions common;
  std::string authority_id;
};

void PrintState(const char* heading, const char* label, const v1::AuthorityState* s) {
  std::cout << heading << " " << label << " authority:\n";
  if (s == nullptr) {
    std::cout << "  No " << std::string(heading) << " " << label << " authority found\n";
    return;
  }
  std::cout << "  Authority ID: " << s->authority_id() << "\n"
            << "  Expires at: " << FormatUnixTimestamp(s->expires_at()) << "\n";
  if (!s->upstream_authority_subject_key_id().empty()) {
    std::cout << "  Upstream authority Subject Key ID: " << s->upstream_authority_subject_key_id()
              << "\n";
  }
  if (s->tainted()) std::cout << "  Tainted: true\n";
}

int Show(const Flags& f, bool x509) {
  const std::string command = std::string("localauthority ") + (x509 ? "x509" : "jwt") + " show";
  auto admin = ConnectAdmin(f.common);
  if (!admin.ok()) return CommandFailed(command, admin.error().message);
  auto stub = v1::LocalAuthorityService::NewStub(admin->channel);
  v1::AuthorityStates states;
  auto status = x509 ? stub->GetX509AuthorityState(admin->Context().get(), {}, &states)
                     : stub->GetJWTAuthorityState(admin->Context().get(), {}, &states);
  if (!status.ok()) return CommandFailed(command, admin->Describe(status));
  if (f.common.output == "json") {
    std::cout << Json(states) << "\n";
    return 0;
  }
  const char* label = x509 ? "X.509" : "JWT";
  PrintState("Active", label, states.has_active() ? &states.active() : nullptr);
  std::cout << "\n";
  PrintState("Prepared", label, states.has_prepared() ? &states.prepared() : nullptr);
  std::cout << "\n";
  PrintState("Old", label, states.has_old() ? &states.old() : nullptr);
  for (const auto& old : states.other_old()) {
    std::cout << "\n";
    PrintState("Old", label, &old);
  }
  return 0;
}

enum class Action { kPrepare, kActivate, kTaint, kRevoke };

int Change(const Flags& f, bool x509, Action action) {
  static constexpr const char* kNames[] = {"prepare", "activate", "taint", "revoke"};
  static constexpr const char* kHeadings[] = {"Prepared", "Activated", "Tainted", "Revoked"};
  const auto index = static_cast<size_t>(action);
  const std::string command =
      std::string("localauthority ") + (x509 ? "x509 " : "jwt ") + kNames[index];
  if (action != Action::kPrepare && f.authority_id.empty()) {
    return CommandFailed(command, "--authority-id is required");
  }
  auto admin = ConnectAdmin(f.common);
  if (!admin.ok()) return CommandFailed(command, admin.error().message);
  auto stub = v1::LocalAuthorityService::NewStub(admin->channel);
  v1::AuthorityRequest request;
  request.set_authority_id(f.authority_id);
  grpc::Status status;
  const v1::AuthorityState* state = nullptr;
  std::string json;
  auto call = [&](auto rpc, auto& response, auto field) {
    status = ((*stub).*rpc)(admin->Context().get(), request, &response);
    if (status.ok()) {
      state = &(response.*field)();
      json = Json(response);
    }
  };
  v1::PrepareAuthorityResponse prepared;
  v1::ActivateAuthorityResponse activated;
  v1::TaintAuthorityResponse tainted;
  v1::RevokeAuthorityResponse revoked;
  switch (action) {
    case Action::kPrepare:
      status = x509 ? stub->PrepareX509Authority(admin->Context().get(), {}, &prepared)
                    : stub->PrepareJWTAuthority(admin->Context().get(), {}, &prepared);
      if (status.ok()) {
        state = &prepared.prepared_authority();
        json = Json(prepared);
      }
      break;
    case Action::kActivate:
      call(x509 ? &Stub::ActivateX509Authority : &Stub::ActivateJWTAuthority, activated,
           &v1::ActivateAuthorityResponse::activated_authority);
      break;
    case Action::kTaint:
      call(x509 ? &Stub::TaintX509Authority : &Stub::TaintJWTAuthority, tainted,
           &v1::TaintAuthorityResponse::tainted_authority);
      break;
    case Action::kRevoke:
      call(x509 ? &Stub::RevokeX509Authority : &Stub::RevokeJWTAuthority, revoked,
           &v1::RevokeAuthorityResponse::revoked_authority);
      break;
  }
  if (!status.ok()) return CommandFailed(command, admin->Describe(status));
  if (f.common.output == "json") {
    std::cout << json << "\n";
  } else {
    PrintState(kHeadings[index], x509 ? "X.509" : "JWT", state);
  }
  return 0;
}

void AddKind(CLI::App& parent, const char* name, bool x509, int& exit_code) {
  auto* kind = parent.add_subcommand(
      name, x509 ? "Manage the X.509 CAs of this server" : "Manage the JWT keys of this server");
  kind->require_subcommand(1);
  struct Command {
    const char* name;
    const char* help;
    std::optional<Action> action;
  };
  for (const Command& c : {
           Command{"show", "Show the active, prepared and old authorities", std::nullopt},
           Command{"prepare", "Prepare a new authority (replaces one already prepared)",
                   Action::kPrepare},
           Command{"activate", "Activate the prepared authority", Action::kActivate},
           Command{"taint", "Taint an old authority: agents re-sign what it signed now",
                   Action::kTaint},
           Command{"revoke", "Remove a tainted authority from the bundle", Action::kRevoke},
       }) {
    auto flags = std::make_shared<Flags>();
    auto* cmd = kind->add_subcommand(c.name, c.help);
    AddAdminOptions(cmd, flags->common);
    if (c.action && *c.action != Action::kPrepare) {
      // SPIRE spells it -authorityID.
      cmd->add_option("--authority-id,--authorityID", flags->authority_id,
                      x509 ? "The CA's subject key ID (hex)" : "The key ID");
    }
    cmd->callback([flags, x509, action = c.action, &exit_code] {
      exit_code = action ? Change(*flags, x509, *action) : Show(*flags, x509);
    });
  }
}

}  // namespace localauthority_cli

void AddLocalAuthorityCommands(CLI::App& app, int& exit_code) {
  auto* local = app.add_subcommand("localauthority", "Manage this server's signing authorities");
  local->require_subcommand(1);
  localauthority_cli::AddKind(*local, "x509", true, exit_code);
  localauthority_cli::AddKind(*local, "jwt", false, exit_code);
}

}  // namespace edgeid::server::cli
