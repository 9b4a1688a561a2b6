// `bundle show|list|set|delete`, `x509 mint`, `jwt mint` and `healthcheck`.
#include <iostream>
#include <iterator>
#include <memory>

#include "cli/proto_json.h"
#include "common/atomic_file.h"
#include "common/duration.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/private_key.h"
#include "edgeid/server/v1/bundle.grpc.pb.h"
#include "edgeid/server/v1/health.grpc.pb.h"
#include "edgeid/server/v1/svid.grpc.pb.h"
#include "server/cli/admin_client.h"
#include "server/cli/admin_commands.h"
#include "server/cli/cli_json.h"
#include "spiffe/spiffe_bundle.h"

namespace edgeid::server::cli {
namespace {

namespace v1 = ::edgeid::server::v1;

struct Flags {
  AdminOptions common;
  std::string id, path, format = "pem", spiffe_id, ttl, write, mode = "restrict";
  std::vector<std::string> dns_names, audience;
};

void AddCommon(CLI::App* cmd, Flags& f) {
  AddAdminOptions(cmd, f.common);
}

Result<int32_t> TtlSeconds(const std::string& text) {
  auto ttl = EDGEID_TRY(ParseTtlFlag(text, "--ttl"));
  if (ttl < 0 || (!text.empty() && ttl == 0)) return InvalidArgument("--ttl must be positive");
  return ttl;
}

// The bundle in the requested format: PEM certificates, or the SPIFFE bundle document.
Result<std::string> Render(const v1::TrustBundle& b, const std::string& format) {
  if (format == "spiffe") return b.spiffe_bundle_json();
  auto td = EDGEID_TRY(spiffe::TrustDomain::Parse(b.trust_domain()));
  auto bundle = EDGEID_TRY(spiffe::SpiffeBundle::Parse(td, b.spiffe_bundle_json()));
  return bundle.x509().ToPem();
}

int BundleShow(const Flags& f) {
  auto admin = ConnectAdmin(f.common);
  if (!admin.ok()) return CommandFailed("bundle show", admin.error().message);
  v1::TrustBundle bundle;
  auto status =
      v1::BundleService::NewStub(admin->channel)->GetBundle(admin->Context().get(), {}, &bundle);
  if (!status.ok()) return CommandFailed("bundle show", admin->Describe(status));
  if (f.common.output == "json") {
    // As `spire-server bundle show -output json`: the SPIFFE bundle document itself.
    std::cout << bundle.spiffe_bundle_json() << "\n";
    return 0;
  }
  auto text = Render(bundle, f.format);
  if (!text.ok()) return CommandFailed("bundle show", text.error().message);
  std::cout << *text;
  if (f.format == "spiffe") std::cout << "\n";
  return 0;
}

int BundleList(const Flags& f) {
  auto admin = ConnectAdmin(f.common);
  if (!admin.ok()) return CommandFailed("bundle list", admin.error().message);
  auto stub = v1::BundleService::NewStub(admin->channel);
  v1::ListFederatedBundlesResponse response;
  if (!f.id.empty()) {
    v1::GetFederatedBundleRequest request;
    request.set_trust_domain(f.id);
    auto status = stub->GetFederatedBundle(admin->Context().get(), request, response.add_bundles());
    if (!status.ok()) return CommandFailed("bundle list", admin->Describe(status));
  } else {
    auto status = stub->ListFederatedBundles(admin->Context().get(), {}, &response);
    if (!status.ok()) return CommandFailed("bundle list", admin->Describe(status));
  }
  if (f.common.output == "json") {
    nlohmann::json bundles = nlohmann::json::array();
    for (const auto& b : response.bundles()) {
      auto json = BundleJson(b);
      if (!json.ok())
        return CommandFailed("bundle list", b.trust_domain() + ": " + json.error().message);
      bundles.push_back(std::move(*json));
    }
    // SPIRE prints the one bundle asked for by --id, else the list response.
    std::cout << edgeid::cli::JsonText(
        !f.id.empty() && bundles.size() == 1
            ? bundles[0]
            : nlohmann::json{{"bundles", bundles}, {"next_page_token", ""}});
    return 0;
  }
  for (const auto& b : response.bundles()) {
    auto text = Render(b, f.format);
    if (!text.ok())
      return CommandFailed("bundle list", b.trust_domain() + ": " + text.error().message);
    std::cout << "****************************************\n* " << b.trust_domain()
              << "\n****************************************\n"
              << *text << (f.format == "spiffe" ? "\n\n" : "\n");
  }
  return 0;
}

int BundleSet(const Flags& f) {
  if (f.id.empty())
    return CommandFailed("bundle set", "--id (the federated trust domain) is required");
  std::string data;
  if (f.path.empty()) {
    data.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto file = ReadFile(f.path);
    if (!file.ok()) return CommandFailed("bundle set", file.error().message);
    data = std::move(*file);
  }
  auto admin = ConnectAdmin(f.common);
  if (!admin.ok()) return CommandFailed("bundle set", admin.error().message);
  v1::SetFederatedBundleRequest request;
  request.set_trust_domain(f.id);
  request.set_format(f.format == "spiffe" ? v1::SetFederatedBundleRequest::SPIFFE
                                          : v1::SetFederatedBundleRequest::PEM);
  request.set_data(data);
  v1::TrustBundle bundle;
  auto status = v1::BundleService::NewStub(admin->channel)
                    ->SetFederatedBundle(admin->Context().get(), request, &bundle);
  if (!status.ok()) return CommandFailed("bundle set", admin->Describe(status));
  if (f.common.output == "json") {
    auto json = BundleJson(bundle);
    if (!json.ok()) return CommandFailed("bundle set", json.error().message);
    std::cout << edgeid::cli::JsonText({{"results", {OkResult({{"bundle", *json}})}}});
    return 0;
  }
  std::cout << "bundle set for " << bundle.trust_domain() << "\n";
  return 0;
}

int BundleDelete(const Flags& f) {
  if (f.id.empty())
    return CommandFailed("bundle delete", "--id (the federated trust domain) is required");
  auto admin = ConnectAdmin(f.common);
  if (!admin.ok()) return CommandFailed("bundle delete", admin.error().message);
  v1::DeleteFederatedBundleRequest request;
  request.set_trust_domain(f.id);
  request.set_mode(f.mode == "delete"       ? v1::DeleteFederatedBundleRequest::DELETE
                   : f.mode == "dissociate" ? v1::DeleteFederatedBundleRequest::DISSOCIATE
                                            : v1::DeleteFederatedBundleRequest::RESTRICT);
  v1::DeleteFederatedBundleResponse response;
  auto status = v1::BundleService::NewStub(admin->channel)
                    ->DeleteFederatedBundle(admin->Context().get(), request, &response);
  if (!status.ok()) return CommandFailed("bundle delete", admin->Describe(status));
  if (f.common.output == "json") {
    nlohmann::json affected = nlohmann::json::array();
    for (const auto& id : response.affected_entry_ids()) affected.push_back(id);
    std::cout << edgeid::cli::JsonText(
        {{"results",
          {OkResult(
              {{"trust_domain", f.id}, {"mode", f.mode}, {"affected_entry_ids", affected}})}}});
    return 0;
  }
  std::cout << "bundle deleted for " << f.id << "\n";
  const char* what = f.mode == "delete" ? "deleted" : "no longer federating with it";
  for (const auto& id : response.affected_entry_ids()) {
    std::cout << "entry " << id << " " << what << "\n";
  }
  return 0;
}

int X509Mint(const Flags& f) {
  if (f.spiffe_id.empty()) return CommandFailed("x509 mint", "--spiffe-id is required");
  auto ttl = TtlSeconds(f.ttl);
  if (!ttl.ok()) return CommandFailed("x509 mint", ttl.error().message);
  // The key is made here and never sent: the server signs a CSR.
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  if (!key.ok()) return CommandFailed("x509 mint", key.error().message);
  auto csr = crypto::CertificateRequest::Create(*key);
  if (!csr.ok()) return CommandFailed("x509 mint", csr.error().message);
  auto admin = ConnectAdmin(f.common);
  if (!admin.ok()) return CommandFailed("x509 mint", admin.error().message);
  v1::MintX509SVIDRequest request;
  request.set_csr(csr->ToDer());
  request.set_spiffe_id(f.spiffe_id);
  request.set_ttl(*ttl);
  for (const auto& d : f.dns_names) request.add_dns_names(d);
  v1::MintX509SVIDResponse response;
  auto status = v1::SvidService::NewStub(admin->channel)
                    ->MintX509SVID(admin->Context().get(), request, &response);
  if (!status.ok()) return CommandFailed("x509 mint", admin->Describe(status));
  crypto::CertificateChain chain, roots;
  for (const auto& der : response.svid().cert_chain()) {
    auto cert = crypto::Certificate::FromDer(der);
    if (!cert.ok()) return CommandFailed("x509 mint", cert.error().message);
    chain.push_back(std::move(*cert));
  }
  for (const auto& der : response.root_cas()) {
    auto cert = crypto::Certificate::FromDer(der);
    if (!cert.ok()) return CommandFailed("x509 mint", cert.error().message);
    roots.push_back(std::move(*cert));
  }
  auto key_pem = key->ToPkcs8Pem();
  if (!key_pem.ok()) return CommandFailed("x509 mint", key_pem.error().message);
  std::string svid_pem = crypto::CertificatesToPem(chain);
  std::string roots_pem = crypto::CertificatesToPem(roots);
  auto key_der = key->ToPkcs8Der();
  if (!key_der.ok()) return CommandFailed("x509 mint", key_der.error().message);
  if (!f.write.empty()) {
    for (auto [name, content, mode] :
         {std::tuple{"svid.pem", &svid_pem, 0644}, std::tuple{"key.pem", &*key_pem, 0600},
          std::tuple{"bundle.pem", &roots_pem, 0644}}) {
      auto written = WriteFileAtomic(f.write + "/" + name, *content, static_cast<mode_t>(mode));
      if (!written.ok()) return CommandFailed("x509 mint", written.error().message);
    }
  }
  if (f.common.output == "json") {
    std::cout << edgeid::cli::JsonText(MintedX509Json(chain, *key_der, roots));
    return 0;
  }
  if (!f.write.empty()) {
    std::cout << "X509-SVID written to " << f.write << "/svid.pem\nPrivate key written to "
              << f.write << "/key.pem\nRoot CAs written to " << f.write << "/bundle.pem\n";
    return 0;
  }
  std::cout << "X509-SVID:\n"
            << svid_pem << "\nPrivate key:\n"
            << *key_pem << "\nRoot CAs:\n"
            << roots_pem;
  return 0;
}

int JwtMint(const Flags& f) {
  if (f.spiffe_id.empty()) return CommandFailed("jwt mint", "--spiffe-id is required");
  if (f.audience.empty()) return CommandFailed("jwt mint", "at least one --audience is required");
  auto ttl = TtlSeconds(f.ttl);
  if (!ttl.ok()) return CommandFailed("jwt mint", ttl.error().message);
  auto admin = ConnectAdmin(f.common);
  if (!admin.ok()) return CommandFailed("jwt mint", admin.error().message);
  v1::MintJWTSVIDRequest request;
  request.set_spiffe_id(f.spiffe_id);
  request.set_ttl(*ttl);
  for (const auto& a : f.audience) request.add_audience(a);
  v1::MintJWTSVIDResponse response;
  auto status = v1::SvidService::NewStub(admin->channel)
                    ->MintJWTSVID(admin->Context().get(), request, &response);
  if (!status.ok()) return CommandFailed("jwt mint", admin->Describe(status));
  if (!f.write.empty()) {
    auto written = WriteFileAtomic(f.write, response.svid().token() + "\n", 0600);
    if (!written.ok()) return CommandFailed("jwt mint", written.error().message);
    if (f.common.output == "pretty") std::cout << "JWT-SVID written to " << f.write << "\n";
  }
  if (f.common.output == "json") {
    std::cout << Json(response);
    return 0;
  }
  if (!f.write.empty()) return 0;
  std::cout << response.svid().token() << "\n";
  return 0;
}

int Healthcheck(const Flags& f) {
  auto admin = ConnectAdmin(f.common);
  if (!admin.ok())
    return CommandFailed("healthcheck", "Server is unhealthy: " + admin.error().message);
  v1::HealthCheckResponse response;
  auto status =
      v1::HealthService::NewStub(admin->channel)->Check(admin->Context().get(), {}, &response);
  if (!status.ok() || !response.ready()) {
    return CommandFailed("healthcheck", "Server is unhealthy: " + admin->Describe(status));
  }
  if (f.common.output == "json") {
    std::cout << Json(response);
  } else {
    std::cout << "Server is healthy.\n";
  }
  return 0;
}

using Runner = int (*)(const Flags&);

CLI::App* Command(CLI::App* parent, const char* name, const char* help, Runner run, int& exit_code,
                  std::shared_ptr<Flags>& flags) {
  flags = std::make_shared<Flags>();
  auto* cmd = parent->add_subcommand(name, help);
  AddCommon(cmd, *flags);
  cmd->callback([flags, run, &exit_code] { exit_code = run(*flags); });
  return cmd;
}

}  // namespace

void AddBundleCommands(CLI::App& app, int& exit_code) {
  auto* bundle = app.add_subcommand("bundle", "Show the trust bundle; manage federated bundles");
  bundle->require_subcommand(1);
  std::shared_ptr<Flags> f;
  auto* show =
      Command(bundle, "show", "Print this trust domain's bundle", BundleShow, exit_code, f);
  show->add_option("--format", f->format, "pem or spiffe")
      ->check(CLI::IsMember({"pem", "spiffe"}))
      ->capture_default_str();
  auto* list = Command(bundle, "list", "Print federated bundles", BundleList, exit_code, f);
  list->add_option("--id", f->id, "Only this trust domain");
  list->add_option("--format", f->format, "pem or spiffe")
      ->check(CLI::IsMember({"pem", "spiffe"}))
      ->capture_default_str();
  auto* set = Command(bundle, "set", "Set a federated bundle", BundleSet, exit_code, f);
  set->add_option("--id", f->id, "The federated trust domain");
  set->add_option("--path", f->path, "File with the bundle (default: standard input)");
  set->add_option("--format", f->format, "pem or spiffe")
      ->check(CLI::IsMember({"pem", "spiffe"}))
      ->capture_default_str();
  auto* del = Command(bundle, "delete", "Delete a federated bundle", BundleDelete, exit_code, f);
  del->add_option("--mode", f->mode,
                  "What happens to entries federating with the trust domain: restrict (refuse "
                  "while there are any), delete (delete them), dissociate (drop the trust domain "
                  "from them)")
      ->check(CLI::IsMember({"restrict", "delete", "dissociate"}))
      ->capture_default_str();
  del->add_option("--id", f->id, "The federated trust domain");
}

void AddMintCommands(CLI::App& app, int& exit_code) {
  std::shared_ptr<Flags> f;
  auto* x509 = app.add_subcommand("x509", "X.509-SVIDs");
  x509->require_subcommand(1);
  auto* mint =
      Command(x509, "mint", "Mint an X.509-SVID (the key is made locally)", X509Mint, exit_code, f);
  mint->add_option("--spiffe-id", f->spiffe_id, "SPIFFE ID of the SVID");
  mint->add_option("--ttl", f->ttl, "Lifetime (default: the server's X.509-SVID TTL)");
  mint->add_option("--dns-name", f->dns_names, "DNS name (repeatable)");
  mint->add_option("--write", f->write, "Directory for svid.pem, key.pem (0600), bundle.pem");
  auto* jwt = app.add_subcommand("jwt", "JWT-SVIDs");
  jwt->require_subcommand(1);
  auto* jmint = Command(jwt, "mint", "Mint a JWT-SVID", JwtMint, exit_code, f);
  jmint->add_option("--spiffe-id", f->spiffe_id, "SPIFFE ID of the SVID");
  jmint->add_option("--audience", f->audience, "Audience (repeatable)");
  jmint->add_option("--ttl", f->ttl, "Lifetime (default: the server's JWT-SVID TTL)");
  jmint->add_option("--write", f->write, "File for the token (0600)");
}

void AddHealthcheckCommand(CLI::App& app, int& exit_code) {
  std::shared_ptr<Flags> f;
  Command(&app, "healthcheck", "Check that the server answers on its admin socket", Healthcheck,
          exit_code, f);
}

}  // namespace edgeid::server::cli
