#include "server/cli/entry_commands.h"

#include <ctime>
#include <iostream>
#include <memory>
#include <optional>

#include "common/duration.h"
#include "common/timestamp.h"
#include "edgeid/server/v1/entry.grpc.pb.h"
#include "server/api/entry_convert.h"
#include "server/cli/admin_client.h"

namespace edgeid::server::cli {
namespace {

namespace v1 = ::edgeid::server::v1;

struct EntryFlags {
  AdminOptions common;
  std::string entry_id, spiffe_id, parent_id, hint, x509_ttl, jwt_ttl, federates_filter;
  std::vector<std::string> selectors, dns_names, federates_with;
  int64_t expires_at = 0;
  bool admin = false, downstream = false, node = false, match_superset = false;
};

void AddCommon(CLI::App* cmd, EntryFlags& f) {
  AddAdminOptions(cmd, f.common);
}

void AddEntryFields(CLI::App* cmd, EntryFlags& f) {
  cmd->add_option("--spiffe-id", f.spiffe_id, "SPIFFE ID of the workload or node alias");
  cmd->add_option("--parent-id", f.parent_id, "SPIFFE ID of the parent (an agent or alias)");
  cmd->add_flag("--node", f.node, "Create a node alias entry (parent: the server)");
  cmd->add_option("--selector", f.selectors, "Selector type:value (repeatable)");
  cmd->add_option("--x509-svid-ttl", f.x509_ttl, "X.509-SVID TTL (e.g. 1h; default: server's)");
  cmd->add_option("--jwt-svid-ttl", f.jwt_ttl, "JWT-SVID TTL (e.g. 5m; default: server's)");
  cmd->add_option("--dns-name", f.dns_names, "DNS name (repeatable; the first becomes the CN)");
  cmd->add_option("--federates-with", f.federates_with, "Federated trust domain (repeatable)");
  cmd->add_flag("--admin", f.admin, "Entry may use the admin API");
  cmd->add_flag("--downstream", f.downstream, "Entry is a downstream CA");
  cmd->add_option("--expires-at", f.expires_at, "Expiry, Unix seconds (default: never)");
  cmd->add_option("--hint", f.hint, "Hint for workloads that get several identities");
}

int Error(const std::string& command, const std::string& message) {
  return CommandFailed("entry " + command, message);
}

Result<v1::Entry> BuildEntry(const EntryFlags& f, bool need_id) {
  v1::Entry e;
  if (need_id && f.entry_id.empty()) return InvalidArgument("--entry-id is required");
  e.set_id(f.entry_id);
  if (f.spiffe_id.empty()) return InvalidArgument("--spiffe-id is required");
  e.set_spiffe_id(f.spiffe_id);
  if (f.node) {
    if (!f.parent_id.empty()) return InvalidArgument("--node and --parent-id exclude each other");
    auto id = spiffe::SpiffeId::Parse(f.spiffe_id);
    if (!id.ok()) return id.error().Wrap("--spiffe-id");
    e.set_parent_id(ServerSpiffeId(id->trust_domain()));
  } else {
    if (f.parent_id.empty()) return InvalidArgument("--parent-id (or --node) is required");
    e.set_parent_id(f.parent_id);
  }
  if (f.selectors.empty()) return InvalidArgument("at least one --selector is required");
  EDGEID_RETURN_IF_ERROR(AddSelectorFlags(f.selectors, e.mutable_selectors()));
  e.set_x509_svid_ttl(EDGEID_TRY(ParseTtlFlag(f.x509_ttl, "--x509-svid-ttl")));
  e.set_jwt_svid_ttl(EDGEID_TRY(ParseTtlFlag(f.jwt_ttl, "--jwt-svid-ttl")));
  for (const auto& d : f.dns_names) e.add_dns_names(d);
  for (const auto& t : f.federates_with) e.add_federates_with(t);
  e.set_admin(f.admin);
  e.set_downstream(f.downstream);
  e.set_expires_at(f.expires_at);
  e.set_hint(f.hint);
  return e;
}

std::string TtlText(int32_t seconds) {
  return seconds == 0 ? "default" : FormatDuration(std::chrono::seconds(seconds));
}

void PrintPretty(const v1::Entry& e) {
  auto line = [](const char* label, const std::string& value) {
    std::cout << label << " : " << value << "\n";
  };
  line("Entry ID        ", e.id());
  line("SPIFFE ID       ", e.spiffe_id());
  line("Parent ID       ", e.parent_id());
  line("Revision        ", std::to_string(e.revision_number()));
  line("X509-SVID TTL   ", TtlText(e.x509_svid_ttl()));
  line("JWT-SVID TTL    ", TtlText(e.jwt_svid_ttl()));
  if (e.expires_at() != 0) {
    line("Expires at      ", FormatUnixTimestamp(e.expires_at()));
  }
  for (const auto& s : e.selectors()) line("Selector        ", s.type() + ":" + s.value());
  for (const auto& d : e.dns_names()) line("DNS name        ", d);
  for (const auto& f : e.federates_with()) line("FederatesWith   ", f);
  if (e.admin()) line("Admin           ", "true");
  if (e.downstream()) line("Downstream      ", "true");
  if (!e.hint().empty()) line("Hint            ", e.hint());
  std::cout << "\n";
}

int Create(const EntryFlags& f) {
  auto entry = BuildEntry(f, false);
  if (!entry.ok()) return Error("create", entry.error().message);
  auto admin = ConnectAdmin(f.common);
  if (!admin.ok()) return Error("create", admin.error().message);
  auto stub = v1::EntryService::NewStub(admin->channel);
  v1::BatchCreateEntryRequest request;
  *request.add_entries() = *entry;
  v1::BatchCreateEntryResponse response;
  auto status = stub->BatchCreateEntry(admin->Context().get(), request, &response);
  if (!status.ok()) return Error("create", admin->Describe(status));
  if (f.common.output == "json") std::cout << Json(response);
  int rc = 0;
  for (const auto& r : response.results()) {
    if (r.status().code() != 0) {
      rc = Error("create", r.status().message());
    } else if (f.common.output == "pretty") {
      PrintPretty(r.entry());
    }
  }
  return rc;
}

int Update(const EntryFlags& f) {
  auto entry = BuildEntry(f, true);
  if (!entry.ok()) return Error("update", entry.error().message);
  auto admin = ConnectAdmin(f.common);
  if (!admin.ok()) return Error("update", admin.error().message);
  auto stub = v1::EntryService::NewStub(admin->channel);
  v1::BatchUpdateEntryRequest request;
  *request.add_entries() = *entry;
  v1::BatchUpdateEntryResponse response;
  auto status = stub->BatchUpdateEntry(admin->Context().get(), request, &response);
  if (!status.ok()) return Error("update", admin->Describe(status));
  if (f.common.output == "json") std::cout << Json(response);
  int rc = 0;
  for (const auto& r : response.results()) {
    if (r.status().code() != 0) {
      rc = Error("update", r.status().message());
    } else if (f.common.output == "pretty") {
      PrintPretty(r.entry());
    }
  }
  return rc;
}

int Delete(const EntryFlags& f) {
  if (f.entry_id.empty()) return Error("delete", "--entry-id is required");
  auto admin = ConnectAdmin(f.common);
  if (!admin.ok()) return Error("delete", admin.error().message);
  auto stub = v1::EntryService::NewStub(admin->channel);
  v1::BatchDeleteEntryRequest request;
  request.add_ids(f.entry_id);
  v1::BatchDeleteEntryResponse response;
  auto status = stub->BatchDeleteEntry(admin->Context().get(), request, &response);
  if (!status.ok()) return Error("delete", admin->Describe(status));
  if (f.common.output == "json") std::cout << Json(response);
  for (const auto& r : response.results()) {
    if (r.status().code() != 0) return Error("delete", r.status().message());
    if (f.common.output == "pretty") std::cout << "Deleted entry with ID: " << r.id() << "\n";
  }
  return 0;
}

int Show(const EntryFlags& f) {
  auto admin = ConnectAdmin(f.common);
  if (!admin.ok()) return Error("show", admin.error().message);
  auto stub = v1::EntryService::NewStub(admin->channel);
  v1::ListEntriesResponse response;
  if (!f.entry_id.empty()) {
    v1::GetEntryRequest request;
    request.set_id(f.entry_id);
    auto status = stub->GetEntry(admin->Context().get(), request, response.add_entries());
    if (!status.ok()) return Error("show", admin->Describe(status));
  } else {
    v1::ListEntriesRequest request;
    auto* filter = request.mutable_filter();
    filter->set_by_spiffe_id(f.spiffe_id);
    filter->set_by_parent_id(f.parent_id);
    filter->set_by_federates_with(f.federates_filter);
    filter->set_selectors_superset(f.match_superset);
    if (auto added = AddSelectorFlags(f.selectors, filter->mutable_by_selectors()); !added.ok()) {
      return Error("show", added.error().message);
    }
    auto status = stub->ListEntries(admin->Context().get(), request, &response);
    if (!status.ok()) return Error("show", admin->Describe(status));
  }
  if (f.common.output == "json") {
    std::cout << Json(response);
    return 0;
  }
  int n = response.entries_size();
  std::cout << "Found " << n << (n == 1 ? " entry\n" : " entries\n");
  for (const auto& e : response.entries()) PrintPretty(e);
  return 0;
}

int Count(const EntryFlags& f) {
  auto admin = ConnectAdmin(f.common);
  if (!admin.ok()) return Error("count", admin.error().message);
  auto stub = v1::EntryService::NewStub(admin->channel);
  v1::CountEntriesResponse response;
  auto status = stub->CountEntries(admin->Context().get(), {}, &response);
  if (!status.ok()) return Error("count", admin->Describe(status));
  if (f.common.output == "json") {
    std::cout << Json(response);
  } else {
    std::cout << response.count() << " registration entr" << (response.count() == 1 ? "y" : "ies")
              << "\n";
  }
  return 0;
}

}  // namespace

void AddEntryCommands(CLI::App& app, int& exit_code) {
  auto* entry = app.add_subcommand("entry", "Manage registration entries");
  entry->require_subcommand(1);
  struct Command {
    const char* name;
    const char* help;
    int (*run)(const EntryFlags&);
  };
  for (const Command& c : {Command{"create", "Create a registration entry", Create},
                           Command{"update", "Replace a registration entry", Update},
                           Command{"delete", "Delete a registration entry", Delete},
                           Command{"show", "Show registration entries (all, or filtered)", Show},
                           Command{"count", "Count registration entries", Count}}) {
    auto flags = std::make_shared<EntryFlags>();
    auto* cmd = entry->add_subcommand(c.name, c.help);
    AddCommon(cmd, *flags);
    std::string command = c.name;
    if (command == "create" || command == "update") AddEntryFields(cmd, *flags);
    if (command != "count") cmd->add_option("--entry-id", flags->entry_id, "Entry ID");
    if (command == "show") {
      cmd->add_option("--spiffe-id", flags->spiffe_id, "Only entries with this SPIFFE ID");
      cmd->add_option("--parent-id", flags->parent_id, "Only entries with this parent ID");
      cmd->add_option("--selector", flags->selectors, "Only entries with these selectors");
      cmd->add_flag("--match-superset", flags->match_superset,
                    "Entries whose selectors include the given ones, not exactly them");
      cmd->add_option("--federates-with", flags->federates_filter,
                      "Only entries federated with this trust domain");
    }
    cmd->callback([flags, run = c.run, &exit_code] { exit_code = run(*flags); });
  }
}

}  // namespace edgeid::server::cli
