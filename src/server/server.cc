#include "server/server.h"

#include <malloc.h>

#include <chrono>

#include "common/daemon.h"
#include "common/timestamp.h"
#include "common/version.h"
#include "server/api/entry_convert.h"
#include "server/datastore/postgres/postgres_datastore.h"
#include "server/datastore/sqlite/sqlite_datastore.h"
#include "server/federation/bundle_endpoint.h"
#include "server/federation/relationship.h"
#include "server/oidc/oidc_discovery.h"

namespace edgeid::server {
namespace {

using Clock = std::chrono::system_clock;

// How often the CA checks whether to prepare, activate or prune (SPIRE's rotator: 10s).
constexpr auto kRotationCheckInterval = std::chrono::seconds(5);

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(const ServerConfig& config,
                                              std::shared_ptr<spdlog::logger> log) {
  std::unique_ptr<Server> server(new Server(config, std::move(log)));
  EDGEID_RETURN_IF_ERROR(EnsurePrivateDirectory(config.data_dir, "data_dir"));
  server->data_dir_lock_ = EDGEID_TRY(LockDataDirectory(config.data_dir, "data_dir"));
  if (config.database_type == DatabaseType::kPostgres) {
    server->datastore_ = EDGEID_TRY(OpenPostgresDataStore(
        {config.datastore_connection_string, config.datastore_max_open_conns}));
    // Not the connection string: it may carry a password.
    server->log_->info("datastore: postgres, {} connections", config.datastore_max_open_conns);
  } else {
    server->datastore_ = EDGEID_TRY(OpenSqliteDataStore(config.datastore_connection_string));
    server->log_->info("datastore: sqlite3 at {}", config.datastore_connection_string);
  }
  auto authority = ServerAuthority::Start(config, *server->datastore_, server->log_, Clock::now());
  if (!authority.ok()) return authority.error().Wrap("starting the CA");
  server->authority_ = std::move(*authority);
  Server& s = *server;
  const ca::CaManager& ca = s.authority_->ca();
  auto server_id = ServerSpiffeId(config.trust_domain);
  auto server_spiffe_id = spiffe::SpiffeId::Parse(server_id);
  if (!server_spiffe_id.ok()) return server_spiffe_id.error();
  auto svid = ServerSvid::Issue(ca, *server_spiffe_id, config.data_dir,
                                config.default_x509_svid_ttl, Clock::now());
  if (!svid.ok()) return svid.error().Wrap("issuing the server's SVID");
  s.server_svid_ = std::move(*svid);

  s.authorized_entries_ = std::make_unique<AuthorizedEntries>(*s.datastore_, server_id);
  auto record = [entries = s.authorized_entries_.get()](EntryChange change) {
    entries->Record(std::move(change));
  };
  s.entry_service_ = std::make_unique<EntryService>(*s.datastore_, config.trust_domain, s.log_,
                                                    s.entry_write_mu_, record);
  s.agent_service_ = std::make_unique<AgentService>(*s.datastore_, config.trust_domain, s.log_,
                                                    s.entry_write_mu_, record);
  s.bundle_service_ = std::make_unique<BundleService>(
      *s.datastore_, ca,
      [node = &s.node_service_] {
        if (*node) (*node)->NotifyChange();
      },
      [entries = s.authorized_entries_.get()] { entries->Invalidate(); });
  federation::RefresherOptions refresher_options;
  refresher_options.own_bundle = [&ca] { return ca.bundle(); };
  refresher_options.on_change = [node = &s.node_service_] {
    if (*node) (*node)->NotifyChange();
  };
  s.bundle_refresher_ = std::make_unique<federation::BundleRefresher>(
      config.trust_domain, std::move(refresher_options), *s.datastore_, s.log_);
  s.trust_domain_service_ = std::make_unique<TrustDomainService>(
      *s.datastore_, config.trust_domain, *s.bundle_refresher_, [node = &s.node_service_] {
        if (*node) (*node)->NotifyChange();
      });
  s.svid_service_ =
      std::make_unique<SvidService>(ca, config.default_x509_svid_ttl, config.default_jwt_svid_ttl);
  s.health_service_ = std::make_unique<HealthService>(config.trust_domain.name());
  s.local_authority_service_ = std::make_unique<LocalAuthorityService>(
      *s.authority_, s.log_, [node = &s.node_service_, changed = &s.authority_changed_] {
        if (*node) (*node)->NotifyChange();
        changed->store(true);  // the main loop renews the server's SVID without waiting
      });

  NodeServiceOptions node_options{config.trust_domain, config.agent_ttl,
                                  config.default_x509_svid_ttl, config.default_jwt_svid_ttl};
  node_options.x509pop_roots = config.x509pop_roots;
  if (!config.x509pop_roots.empty()) {
    s.log_->info("node attestor x509pop: {} trusted CA certificate(s) from {}",
                 config.x509pop_roots.size(), config.x509pop_ca_bundle_path);
  }
  node_options.attestation_rate_limit = config.attestation_rate_limit;
  node_options.signing_rate_limit = config.signing_rate_limit;
  node_options.stream_timeout = config.agent_stream_timeout;
  s.node_service_ = std::make_unique<NodeService>(std::move(node_options), *s.datastore_, ca,
                                                  *s.authorized_entries_, s.log_, s.metrics_);
  // Agents watching for changes sync as soon as what they may hold changes.
  s.authorized_entries_->SetChangeListener([ns = s.node_service_.get()] { ns->NotifyChange(); });
  s.AddGauges();

  auto admin =
      AdminEndpoint::Start(config.admin_socket,
                           {s.entry_service_.get(), s.agent_service_.get(), s.bundle_service_.get(),
                            s.svid_service_.get(), s.health_service_.get(),
                            s.trust_domain_service_.get(), s.local_authority_service_.get()},
                           s.log_);
  if (!admin.ok()) return admin.error();
  s.admin_endpoint_ = std::move(*admin);

  grpctls::ServerTlsOptions tls;
  tls.key_file = s.server_svid_->key_file();
  tls.cert_chain_file = s.server_svid_->cert_file();
  tls.bundles = std::make_shared<CaBundleSource>(ca);
  tls.authorize = grpctls::AuthorizeMemberOf(config.trust_domain);
  tls.allow_anonymous_clients = true;  // node attestation; every other call checks the caller
  auto agent_endpoint = AgentEndpoint::Start(config.bind_address, config.bind_port, tls,
                                             s.node_service_.get(), s.log_);
  if (!agent_endpoint.ok()) return agent_endpoint.error();
  s.agent_endpoint_ = std::move(*agent_endpoint);

  if (config.health_port) {
    auto health = HealthEndpoint::Start(
        config.bind_address, *config.health_port, [&s] { return s.Ready(); }, s.metrics_, s.log_);
    if (!health.ok()) return health.error();
    s.health_endpoint_ = std::move(*health);
  }
  EDGEID_RETURN_IF_ERROR(s.StartFederation());
  return server;
}

Status Server::StoreConfiguredRelationships() {
  for (const auto& configured : config_.federates_with) {
    const FederationRelationship& r = configured.relationship;
    auto created = datastore_->CreateFederationRelationship(r);
    if (!created.ok() && created.error().code == ErrorCode::kAlreadyExists) {
      created = datastore_->UpdateFederationRelationship(r);
    }
    if (!created.ok()) return created.error().Wrap("federation with " + r.trust_domain);
    if (configured.initial_bundle && !datastore_->FetchBundle(r.trust_domain).ok()) {
      EDGEID_RETURN_IF_ERROR(
          datastore_->SetBundle(r.trust_domain, configured.initial_bundle->ToJson()));
    }
    log_->info("federates with {} through {} ({})", r.trust_domain, r.bundle_endpoint_url,
               r.bundle_endpoint_profile);
  }
  return OkStatus();
}

Status Server::StartFederation() {
  EDGEID_RETURN_IF_ERROR(StoreConfiguredRelationships());
  bundle_refresher_->Start();
  const ca::CaManager& ca = authority_->ca();
  if (const auto& endpoint = config_.bundle_endpoint) {
    ServingFiles files{endpoint->cert_file_path, endpoint->key_file_path};
    if (endpoint->profile == federation::kProfileHttpsSpiffe) {
      files = {server_svid_->cert_file(), server_svid_->key_file()};
    }
    auto identity = ServingIdentity::Load(files);
    if (!identity.ok()) return identity.error().Wrap("bundle endpoint");
    bundle_endpoint_identity_ = std::move(*identity);
    auto refresh_hint = endpoint->refresh_hint;
    auto started = HttpsServer::Start(
        endpoint->address, endpoint->port, *bundle_endpoint_identity_,
        [&ca, refresh_hint](httplib::Server& http) {
          federation::AddBundleEndpointRoutes(
              http, [&ca] { return ca.bundle(); }, refresh_hint);
        },
        "SPIFFE bundle endpoint (" + endpoint->profile + ")", log_);
    if (!started.ok()) return started.error();
    bundle_endpoint_ = std::move(*started);
  }
  if (const auto& oidc = config_.oidc_discovery) {
    auto identity = ServingIdentity::Load({oidc->cert_file_path, oidc->key_file_path});
    if (!identity.ok()) return identity.error().Wrap("OIDC discovery");
    oidc_identity_ = std::move(*identity);
    oidc::DiscoveryDocument document{config_.jwt_issuer, oidc->jwks_uri};
    auto started = HttpsServer::Start(
        oidc->address, oidc->port, *oidc_identity_,
        [&ca, document](httplib::Server& http) {
          oidc::AddOidcRoutes(http, document, [&ca] { return ca.bundle().jwt(); });
        },
        "OIDC discovery for issuer " + config_.jwt_issuer, log_);
    if (!started.ok()) return started.error();
    oidc_endpoint_ = std::move(*started);
  }
  return OkStatus();
}

void Server::ReloadServingCertificates() {
  for (auto [identity, what] : {std::pair{bundle_endpoint_identity_.get(), "bundle endpoint"},
                                std::pair{oidc_identity_.get(), "OIDC discovery"}}) {
    if (identity == nullptr) continue;
    auto reloaded = identity->ReloadIfChanged();
    if (!reloaded.ok()) {
      log_->error("{}: keeping the certificate it serves: {}", what, reloaded.error().message);
    } else if (*reloaded) {
      log_->info("{}: serving the certificate from {} now", what,
                 identity->files().cert_chain_file);
    }
  }
}

Status Server::Ready() const {
  auto count = datastore_->CountRegistrationEntries();
  if (!count.ok()) return count.error().Wrap("datastore");
  auto ca = authority_->ca().current_x509_ca();
  if (!ca || ca->certificate.not_after() <= Clock::now()) {
    return FailedPrecondition("no valid X.509 CA");
  }
  if (admin_endpoint_) return admin_endpoint_->CheckServing();
  return OkStatus();
}

Server::~Server() {
  // Agents' change watches would otherwise hold the agent API's shutdown to its deadline.
  if (node_service_) node_service_->EndChangeWatches();
}

void Server::AddGauges() {
  AddBuildInfo(metrics_);
  auto seconds = [](Clock::time_point t) { return static_cast<double>(UnixSeconds(t)); };
  metrics_.AddGauge("edgeid_server_registration_entries", "Registration entries stored.", [this] {
    auto n = datastore_->CountRegistrationEntries();
    return n.ok() ? static_cast<double>(*n) : -1.0;
  });
  metrics_.AddGauge("edgeid_server_attested_agents", "Attested agents stored.", [this] {
    auto n = datastore_->CountAttestedNodes();
    return n.ok() ? static_cast<double>(*n) : -1.0;
  });
  metrics_.AddGauge("edgeid_server_x509_ca_expiry_timestamp_seconds",
                    "When the active X.509 CA expires (Unix seconds).", [this, seconds] {
                      return seconds(authority_->ca().current_x509_ca()->certificate.not_after());
                    });
  metrics_.AddGauge("edgeid_server_agent_change_watches", "Agents' open change watches.",
                    [this] { return static_cast<double>(node_service_->open_change_watches()); });
  metrics_.AddGauge("edgeid_server_agent_attestations_running",
                    "Node attestations in progress (capped per address and in all).", [this] {
                      return static_cast<double>(node_service_->attestation_slots().in_use());
                    });
  metrics_.AddGauge("edgeid_server_agent_entry_syncs_running",
                    "Agents' entry syncs in progress (capped per agent).",
                    [this] { return static_cast<double>(node_service_->sync_slots().in_use()); });
  metrics_.AddGauge("process_resident_memory_bytes", "Resident memory of the server.",
                    [] { return ResidentMemoryBytes(); });
}

Status Server::Run() {
  log_->info("edgeid-server ready: trust domain {}, version {}", config_.trust_domain.name(),
             VersionText());
  sigset_t signals = TerminationSignals();
  auto next_rotation = Clock::now() + kRotationCheckInterval;
  uint64_t last_generation = 0;
  for (;;) {
    timespec wait{1, 0};
    int received = sigtimedwait(&signals, nullptr, &wait);
    if (received == SIGTERM || received == SIGINT) {
      log_->info("received {}, shutting down", received == SIGTERM ? "SIGTERM" : "SIGINT");
      break;
    }
    // Reloads the entry snapshot here when it is stale, so that agents' calls find it ready.
    if (auto snapshot = authorized_entries_->Snapshot(); !snapshot.ok()) {
      log_->error("loading registration entries: {}", snapshot.error().message);
    } else if ((*snapshot)->generation != last_generation) {
      last_generation = (*snapshot)->generation;
      log_->debug("registration entries in memory: {} ({} in {} ms)", (*snapshot)->entry_count,
                  (*snapshot)->reloaded ? "loaded" : "changes applied",
                  (*snapshot)->load_time.count() / 1000);
      // After a reload the previous snapshot is freed by now (or soon); hand its pages back to
      // the system rather than keep the peak of two snapshots for good. Not after applying
      // changes: that frees little, and trimming stalls every allocating thread meanwhile.
      if ((*snapshot)->reloaded) malloc_trim(0);
    }
    if (Clock::now() >= next_rotation || authority_changed_.exchange(false)) {
      std::string bundle_before = authority_->ca().bundle().ToJson();
      auto tainted_before = authority_->ca().tainted();
      auto ticked = authority_->Tick(Clock::now());
      // Another server's taint reaches this server's agents as a change too.
      if (authority_->ca().bundle().ToJson() != bundle_before ||
          !(authority_->ca().tainted() == tainted_before)) {
        node_service_->NotifyChange();
      }
      // A failed rotation is retried at the next check; the active CA keeps serving.
      if (!ticked.ok()) log_->error("{}", ticked.error().message);
      auto renewed = server_svid_->Tick(Clock::now());
      if (!renewed.ok()) {
        log_->error("renewing the server SVID: {}", renewed.error().message);
      } else if (*renewed) {
        log_->info("server SVID renewed");
      }
      next_rotation = Clock::now() + kRotationCheckInterval;
    }
    ReloadServingCertificates();
  }
  log_->info("edgeid-server stopped");
  return OkStatus();
}

}  // namespace edgeid::server
