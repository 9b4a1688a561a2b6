// `federation create|update|delete|list|show|refresh`, as SPIRE's, over the admin socket.
#include <iostream>
#include <memory>

#include "cli/proto_json.h"
#include "common/atomic_file.h"
#include "edgeid/server/v1/trustdomain.grpc.pb.h"
#include "server/cli/admin_client.h"
#include "server/cli/admin_commands.h"
#include "server/cli/cli_json.h"
#include "server/federation/relationship.h"

namespace edgeid::server::cli {
namespace federation_cli {  // named: the CLI's files share one unity build

namespace v1 = ::edgeid::server::v1;

struct FederationFlags {
  AdminOptions common;
  std::string trust_domain, url, profile, endpoint_spiffe_id, endpoint_ca_file;
  std::string bundle_path, bundle_format = "pem";
};

void Print(const v1::FederationRelationship& r, const std::string& output) {
  if (output == "json") {
    std::cout << Json(r);
    return;
  }
  std::cout << "Trust domain              : " << r.trust_domain()
            << "\nBundle endpoint URL       : " << r.bundle_endpoint_url()
            << "\nBundle endpoint profile   : " << r.bundle_endpoint_profile() << "\n";
  if (!r.endpoint_spiffe_id().empty()) {
    std::cout << "Endpoint SPIFFE ID        : " << r.endpoint_spiffe_id() << "\n";
  }
  if (!r.endpoint_ca_file().empty()) {
    std::cout << "Endpoint CA file          : " << r.endpoint_ca_file() << "\n";
  }
  std::cout << "Bundle held               : "
            << (r.trust_domain_bundle().spiffe_bundle_json().empty() ? "no" : "yes") << "\n\n";
}

// A stub on the admin socket, with the client in `admin`; null after printing why not.
std::unique_ptr<v1::TrustDomainService::Stub> Stub(const FederationFlags& f,
                                                   const std::string& command, int& failed,
                                                   AdminClient& admin) {
  auto connected = ConnectAdmin(f.common);
  if (!connected.ok()) {
    failed = CommandFailed(command, connected.error().message);
    return nullptr;
  }
  admin = std::move(*connected);
  return v1::TrustDomainService::NewStub(admin.channel);
}

int Write(const FederationFlags& f, bool create) {
  const std::string command = create ? "federation create" : "federation update";
  if (f.trust_domain.empty()) return CommandFailed(command, "--trust-domain is required");
  v1::FederationRelationship request;
  request.set_trust_domain(f.trust_domain);
  request.set_bundle_endpoint_url(f.url);
  request.set_bundle_endpoint_profile(f.profile);
  request.set_endpoint_spiffe_id(f.endpoint_spiffe_id);
  request.set_endpoint_ca_file(f.endpoint_ca_file);
  if (!f.bundle_path.empty()) {
    auto data = ReadFile(f.bundle_path);
    if (!data.ok()) return CommandFailed(command, data.error().message);
    auto td = spiffe::TrustDomain::Parse(f.trust_domain);
    if (!td.ok()) return CommandFailed(command, "--trust-domain: " + td.error().message);
    // Checked here so that the error names the file; the server checks it again.
    auto bundle = federation::ParseTrustDomainBundle(*td, *data, f.bundle_format);
    if (!bundle.ok()) return CommandFailed(command, f.bundle_path + ": " + bundle.error().message);
    request.mutable_trust_domain_bundle()->set_trust_domain(f.trust_domain);
    request.mutable_trust_domain_bundle()->set_spiffe_bundle_json(bundle->ToJson());
  }
  int failed = 0;
  AdminClient admin;
  auto stub = Stub(f, command, failed, admin);
  if (!stub) return failed;
  v1::FederationRelationship response;
  auto status = create
                    ? stub->CreateFederationRelationship(admin.Context().get(), request, &response)
                    : stub->UpdateFederationRelationship(admin.Context().get(), request, &response);
  if (!status.ok()) return CommandFailed(command, admin.Describe(status));
  Print(response, f.common.output);
  return 0;
}

int Create(const FederationFlags& f) {
  return Write(f, true);
}
int Update(const FederationFlags& f) {
  return Write(f, false);
}

int Delete(const FederationFlags& f) {
  if (f.trust_domain.empty()) return CommandFailed("federation delete", "--id is required");
  int failed = 0;
  AdminClient admin;
  auto stub = Stub(f, "federation delete", failed, admin);
  if (!stub) return failed;
  v1::DeleteFederationRelationshipRequest request;
  request.set_trust_domain(f.trust_domain);
  v1::DeleteFederationRelationshipResponse response;
  auto status = stub->DeleteFederationRelationship(admin.Context().get(), request, &response);
  if (!status.ok()) return CommandFailed("federation delete", admin.Describe(status));
  if (f.common.output == "json") {
    std::cout << edgeid::cli::JsonText(
        {{"results", {OkResult({{"trust_domain", f.trust_domain}})}}});
    return 0;
  }
  std::cout << "Federation relationship with " << f.trust_domain << " deleted.\n";
  return 0;
}

int List(const FederationFlags& f) {
  int failed = 0;
  AdminClient admin;
  auto stub = Stub(f, "federation list", failed, admin);
  if (!stub) return failed;
  v1::ListFederationRelationshipsResponse response;
  auto status = stub->ListFederationRelationships(admin.Context().get(), {}, &response);
  if (!status.ok()) return CommandFailed("federation list", admin.Describe(status));
  if (f.common.output == "json") {
    std::cout << Json(response);
    return 0;
  }
  std::cout << "Found " << response.relationships_size() << " federation relationship"
            << (response.relationships_size() == 1 ? "" : "s") << "\n\n";
  for (const auto& r : response.relationships()) Print(r, f.common.output);
  return 0;
}

int Show(const FederationFlags& f) {
  if (f.trust_domain.empty()) return CommandFailed("federation show", "--id is required");
  int failed = 0;
  AdminClient admin;
  auto stub = Stub(f, "federation show", failed, admin);
  if (!stub) return failed;
  v1::GetFederationRelationshipRequest request;
  request.set_trust_domain(f.trust_domain);
  v1::FederationRelationship response;
  auto status = stub->GetFederationRelationship(admin.Context().get(), request, &response);
  if (!status.ok()) return CommandFailed("federation show", admin.Describe(status));
  Print(response, f.common.output);
  return 0;
}

int Refresh(const FederationFlags& f) {
  if (f.trust_domain.empty()) return CommandFailed("federation refresh", "--id is required");
  int failed = 0;
  AdminClient admin;
  auto stub = Stub(f, "federation refresh", failed, admin);
  if (!stub) return failed;
  v1::RefreshBundleRequest request;
  request.set_trust_domain(f.trust_domain);
  v1::TrustBundle response;
  auto status = stub->RefreshBundle(admin.Context().get(), request, &response);
  if (!status.ok()) {
    // An endpoint that cannot be reached is not the admin socket that cannot.
    bool endpoint_failed = status.error_message().rfind("refreshing the bundle", 0) == 0;
    return CommandFailed("federation refresh",
                         endpoint_failed ? status.error_message() : admin.Describe(status));
  }
  if (f.common.output == "json") {
    auto json = BundleJson(response);
    if (!json.ok()) return CommandFailed("federation refresh", json.error().message);
    std::cout << edgeid::cli::JsonText(*json);
    return 0;
  }
  std::cout << "Bundle of " << response.trust_domain() << " refreshed (sequence "
            << response.sequence_number() << ").\n";
  return 0;
}

using Runner = int (*)(const FederationFlags&);

CLI::App* Command(CLI::App* parent, const char* name, const char* help, Runner run, int& exit_code,
                  std::shared_ptr<FederationFlags>& flags) {
  flags = std::make_shared<FederationFlags>();
  auto* cmd = parent->add_subcommand(name, help);
  AddAdminOptions(cmd, flags->common);
  cmd->callback([flags, run, &exit_code] { exit_code = run(*flags); });
  return cmd;
}

void AddRelationshipFlags(CLI::App* cmd, FederationFlags& f) {
  cmd->add_option("--trust-domain", f.trust_domain, "The federated trust domain");
  cmd->add_option("--bundle-endpoint-url", f.url, "Its bundle endpoint (https://host:port/path)");
  cmd->add_option("--bundle-endpoint-profile", f.profile, "https_web or https_spiffe")
      ->check(CLI::IsMember({"https_web", "https_spiffe"}));
  cmd->add_option("--endpoint-spiffe-id", f.endpoint_spiffe_id,
                  "https_spiffe: the SPIFFE ID the endpoint must present");
  cmd->add_option("--endpoint-ca-file", f.endpoint_ca_file,
                  "https_web: PEM CAs to trust instead of the system's (a path on the server)");
  cmd->add_option("--trust-domain-bundle-path", f.bundle_path,
                  "The trust domain's bundle to start from (authenticates an https_spiffe "
                  "endpoint until the first fetch)");
  cmd->add_option("--trust-domain-bundle-format", f.bundle_format, "pem or spiffe")
      ->check(CLI::IsMember({"pem", "spiffe"}))
      ->capture_default_str();
}

}  // namespace federation_cli

void AddFederationCommands(CLI::App& app, int& exit_code) {
  using namespace federation_cli;  // NOLINT(google-build-using-namespace)
  auto* federation =
      app.add_subcommand("federation", "Manage federation relationships with other trust domains");
  federation->require_subcommand(1);
  std::shared_ptr<FederationFlags> f;
  auto* create =
      Command(federation, "create", "Create a federation relationship", Create, exit_code, f);
  AddRelationshipFlags(create, *f);
  auto* update =
      Command(federation, "update", "Replace a federation relationship", Update, exit_code, f);
  AddRelationshipFlags(update, *f);
  Command(federation, "delete", "Delete a federation relationship (its bundle stays)", Delete,
          exit_code, f)
      ->add_option("--id", f->trust_domain, "The federated trust domain");
  Command(federation, "list", "List federation relationships", List, exit_code, f);
  Command(federation, "show", "Show a federation relationship", Show, exit_code, f)
      ->add_option("--id", f->trust_domain, "The federated trust domain");
  Command(federation, "refresh", "Fetch a federated trust domain's bundle now", Refresh, exit_code,
          f)
      ->add_option("--id", f->trust_domain, "The federated trust domain");
}

}  // namespace edgeid::server::cli
