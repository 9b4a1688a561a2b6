#include "agent/cli/api_commands.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/cli_flags.h"
#include "cli/proto_json.h"
#include "cli/socket_probe.h"
#include "common/atomic_file.h"
#include "common/duration.h"
#include "common/timestamp.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "spiffe/workload/workload.pb.h"
#include "workloadapi/workload_client.h"

namespace edgeid::agent::cli {
namespace {

using Clock = std::chrono::system_clock;
using workloadapi::WorkloadClient;

// Names the socket when neither --socket-path nor --config does; then SPIFFE_ENDPOINT_SOCKET,
// the variable every SPIFFE client reads ("unix:///path").
constexpr char kAgentSocketEnv[] = "EDGEID_AGENT_SOCKET";
constexpr char kSpiffeEndpointEnv[] = "SPIFFE_ENDPOINT_SOCKET";

struct Flags {
  std::string socket_path;     // --socket-path
  std::string config;          // --config: the agent's file, for agent.socket_path
  std::string timeout = "5s";  // --timeout: seconds, or a duration
  std::string output = "pretty";
  std::string write_dir;
  std::vector<std::string> audience;
  std::string spiffe_id;
  std::string svid;
  bool silent = false;
};

int Failed(const std::string& what, const Error& error) {
  std::cerr << what << ": " << error.message << "\n";
  return 1;
}

// The agent's socket and how long to wait for it, from the flags, the config file and the
// environment; the socket checked so that a missing one and one this user may not reach are
// told apart (gRPC would call both "unavailable").
struct Target {
  std::string socket;
  std::chrono::seconds timeout;
};

Result<Target> Resolve(const Flags& f) {
  Target target;
  target.timeout = EDGEID_TRY(ParseDurationFlag(f.timeout, "--timeout"));
  if (target.timeout.count() <= 0) return InvalidArgument("--timeout must be positive");
  using edgeid::cli::SocketSource;
  target.socket = EDGEID_TRY(
      edgeid::cli::ResolveSocketPath({{SocketSource::kFlag, f.socket_path, "", ""},
                                      {SocketSource::kConfigFile, f.config, "agent", "socket_path"},
                                      {SocketSource::kEnvironment, kAgentSocketEnv, "", ""},
                                      {SocketSource::kEnvironment, kSpiffeEndpointEnv, "", ""}},
                                     workloadapi::kDefaultSocketPath));
  target.socket = workloadapi::SocketPathOf(target.socket);
  EDGEID_RETURN_IF_ERROR(edgeid::cli::ProbeUnixSocket(
      target.socket, {"agent Workload API socket", "is edgeid-agent running? see --socket-path",
                      "run as a user the socket and its directories admit"}));
  return target;
}

// The response as the Workload API sends it, for `--output json` (SPIRE prints that message).
X509SVIDResponse ToResponse(const workloadapi::X509Context& context) {
  X509SVIDResponse response;
  for (const auto& svid : context.svids) {
    auto* out = response.add_svids();
    out->set_spiffe_id(svid.id.str());
    out->set_x509_svid(crypto::CertificatesToDer(svid.chain));
    if (auto key = svid.key.ToPkcs8Der(); key.ok()) out->set_x509_svid_key(*key);
    auto own = context.bundles.find(svid.id.trust_domain().name());
    if (own != context.bundles.end()) {
      out->set_bundle(crypto::CertificatesToDer(own->second.authorities()));
    }
    out->set_hint(svid.hint);
  }
  std::string own_td = context.svids.empty() ? "" : context.svids.front().id.trust_domain().name();
  for (const auto& [td, bundle] : context.bundles) {
    if (td == own_td) continue;
    (*response.mutable_federated_bundles())["spiffe://" + td] =
        crypto::CertificatesToDer(bundle.authorities());
  }
  return response;
}

std::string Elapsed(Clock::time_point start) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3fms", static_cast<double>(us) / 1000.0);
  return buf;
}

void PrintX509Context(const workloadapi::X509Context& context) {
  for (const auto& svid : context.svids) {
    std::cout << "SPIFFE ID:\t\t" << svid.id.str() << "\n";
    if (!svid.hint.empty()) std::cout << "Hint:\t\t\t" << svid.hint << "\n";
    std::cout << "SVID Valid After:\t" << FormatTimestamp(svid.leaf().not_before()) << "\n";
    std::cout << "SVID Valid Until:\t" << FormatTimestamp(svid.leaf().not_after()) << "\n";
    for (size_t i = 1; i < svid.chain.size(); ++i) {
      std::cout << "Intermediate #" << i << " Valid After:\t"
                << FormatTimestamp(svid.chain[i].not_before()) << "\n";
      std::cout << "Intermediate #" << i << " Valid Until:\t"
                << FormatTimestamp(svid.chain[i].not_after()) << "\n";
    }
    auto own = context.bundles.find(svid.id.trust_domain().name());
    if (own != context.bundles.end()) {
      int n = 0;
      for (const auto& ca : own->second.authorities()) {
        ++n;
        std::cout << "CA #" << n << " Valid After:\t" << FormatTimestamp(ca.not_before()) << "\n";
        std::cout << "CA #" << n << " Valid Until:\t" << FormatTimestamp(ca.not_after()) << "\n";
      }
    }
    std::cout << "\n";
  }
}

// `announce`: name each file on standard output (not with --output json, which prints one
// document).
Status WriteX509Context(const workloadapi::X509Context& context, const std::string& dir,
                        bool announce) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Unavailable("creating " + dir + ": " + ec.message());
  for (size_t i = 0; i < context.svids.size(); ++i) {
    const auto& svid = context.svids[i];
    auto base = (std::filesystem::path(dir) / ("svid." + std::to_string(i))).string();
    auto key_pem = EDGEID_TRY(svid.key.ToPkcs8Pem());
    EDGEID_RETURN_IF_ERROR(WriteFileAtomic(base + ".key", key_pem, 0600));
    EDGEID_RETURN_IF_ERROR(
        WriteFileAtomic(base + ".pem", crypto::CertificatesToPem(svid.chain), 0644));
    auto own = context.bundles.find(svid.id.trust_domain().name());
    if (own != context.bundles.end()) {
      auto path = (std::filesystem::path(dir) / ("bundle." + std::to_string(i) + ".pem")).string();
      EDGEID_RETURN_IF_ERROR(WriteFileAtomic(path, own->second.ToPem(), 0644));
    }
    size_t m = 0;
    for (const auto& [td, bundle] : context.bundles) {
      if (td == svid.id.trust_domain().name()) continue;
      auto path = (std::filesystem::path(dir) /
                   ("federated_bundle." + std::to_string(i) + "." + std::to_string(m++) + ".pem"))
                      .string();
      EDGEID_RETURN_IF_ERROR(WriteFileAtomic(path, bundle.ToPem(), 0644));
    }
    if (!announce) continue;
    std::cout << "Writing SVID #" << i << " to file " << base << ".pem.\n";
    std::cout << "Writing key #" << i << " to file " << base << ".key.\n";
    std::cout << "Writing bundle #" << i << " to file " << dir << "/bundle." << i << ".pem.\n";
  }
  return OkStatus();
}

int FetchX509(const Flags& f) {
  auto target = Resolve(f);
  if (!target.ok()) return Failed("fetching the X.509-SVID", target.error());
  WorkloadClient client(target->socket, target->timeout);
  auto start = Clock::now();
  auto context = client.FetchX509Context();
  if (!context.ok()) return Failed("fetching the X.509-SVID", context.error());
  if (f.output == "json") {
    if (!f.silent)
      std::cout << edgeid::cli::JsonText(edgeid::cli::ProtoToJson(ToResponse(*context)));
  } else if (!f.silent) {
    std::cout << "Received " << context->svids.size() << " svid after " << Elapsed(start) << "\n\n";
    PrintX509Context(*context);
  }
  if (!f.write_dir.empty()) {
    auto written = WriteX509Context(*context, f.write_dir, f.output != "json");
    if (!written.ok()) return Failed("writing the SVID", written.error());
  }
  return 0;
}

int FetchJwt(const Flags& f) {
  auto target = Resolve(f);
  if (!target.ok()) return Failed("fetching the JWT-SVID", target.error());
  WorkloadClient client(target->socket, target->timeout);
  auto tokens = client.FetchJwtSvids(f.audience, f.spiffe_id);
  if (!tokens.ok()) return Failed("fetching the JWT-SVID", tokens.error());
  auto bundles = client.FetchJwtBundles();
  if (!bundles.ok()) return Failed("fetching the JWT bundles", bundles.error());
  if (f.output == "json") {
    // As SPIRE: the two responses, JWT-SVIDs then bundles, in one array.
    JWTSVIDResponse svids;
    for (const auto& token : *tokens) {
      auto* out = svids.add_svids();
      out->set_spiffe_id(token.spiffe_id);
      out->set_svid(token.token);
      out->set_hint(token.hint);
    }
    JWTBundlesResponse jwks;
    for (const auto& [td, document] : *bundles)
      (*jwks.mutable_bundles())["spiffe://" + td] = document;
    std::cout << edgeid::cli::JsonText(
        nlohmann::json::array({edgeid::cli::ProtoToJson(svids), edgeid::cli::ProtoToJson(jwks)}));
    return 0;
  }
  for (const auto& token : *tokens) {
    std::cout << "token(" << token.spiffe_id << "):\n\t" << token.token << "\n";
  }
  for (const auto& [td, jwks] : *bundles) {
    std::cout << "bundle(spiffe://" << td << "):\n\t" << jwks << "\n";
  }
  return 0;
}

int ValidateJwt(const Flags& f) {
  auto target = Resolve(f);
  if (!target.ok()) return Failed("validating the JWT-SVID", target.error());
  WorkloadClient client(target->socket, target->timeout);
  auto validated = client.ValidateJwtSvid(f.audience.empty() ? "" : f.audience.front(), f.svid);
  if (!validated.ok()) return Failed("SVID is not valid", validated.error());
  if (f.output == "json") {
    auto claims = nlohmann::json::parse(validated->claims_json, nullptr, false);
    if (claims.is_discarded()) claims = nlohmann::json::object();
    std::cout << edgeid::cli::JsonText(
        {{"spiffe_id", validated->spiffe_id}, {"claims", std::move(claims)}});
    return 0;
  }
  std::cout << "SVID is valid.\nSPIFFE ID : " << validated->spiffe_id
            << "\nClaims    : " << validated->claims_json << "\n";
  return 0;
}

int Watch(const Flags& f) {
  auto target = Resolve(f);
  if (!target.ok()) return Failed("watching the X.509-SVIDs", target.error());
  WorkloadClient client(target->socket, target->timeout);
  // Until interrupted, reconnecting with backoff as the standard asks of clients.
  auto last = Clock::now();
  auto backoff = std::chrono::milliseconds(500);
  for (;;) {
    auto status = client.WatchX509Context([&](const workloadapi::X509Context& context) {
      if (f.output == "json") {
        // One document a line, so that a reader can take each update as it comes.
        std::cout << edgeid::cli::ProtoToJson(ToResponse(context))
                         .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                  << std::endl;
        backoff = std::chrono::milliseconds(500);
        return true;
      }
      std::cout << "Received " << context.svids.size() << " svid after " << Elapsed(last) << "\n\n";
      PrintX509Context(context);
      std::cout.flush();
      last = Clock::now();
      backoff = std::chrono::milliseconds(500);
      return true;
    });
    std::cerr << "watch: " << (status.ok() ? "stream ended" : status.error().message)
              << "; reconnecting in " << backoff.count() << " ms\n";
    std::this_thread::sleep_for(backoff);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(30));
  }
}

int Healthcheck(const Flags& f) {
  auto target = Resolve(f);
  if (!target.ok()) {
    std::cerr << "Agent is unavailable: " << target.error().message << "\n";
    return 1;
  }
  const std::string& path = target->socket;
  auto channel = grpc::CreateChannel("unix:" + path, grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(Clock::now() + target->timeout);
  grpc::health::v1::HealthCheckResponse response;
  auto status = stub->Check(&context, {}, &response);
  if (!status.ok()) {
    std::cerr << "Agent is unavailable: " << status.error_message() << " (" << path << ")\n";
    return 1;
  }
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    std::cerr << "Agent is unhealthy: not ready\n";
    return 1;
  }
  if (!f.silent) std::cout << "Agent is healthy.\n";
  return 0;
}

// The flags every command has: where the agent is and how long to wait for it.
void AddTargetFlags(CLI::App* cmd, Flags& f) {
  cmd->add_option("--socket-path", f.socket_path,
                  std::string("Workload API socket of the agent (default: agent.socket_path of "
                              "--config, else $") +
                      kAgentSocketEnv + ", else $" + kSpiffeEndpointEnv + ", else " +
                      workloadapi::kDefaultSocketPath + ")");
  cmd->add_option("--config", f.config, "The agent's configuration file, to find its socket");
  cmd->add_option("--timeout", f.timeout,
                  "How long to wait for the agent (seconds, or a duration such as 5s)")
      ->capture_default_str();
}

void AddOutputFlag(CLI::App* cmd, Flags& f) {
  cmd->add_option("--output", f.output, "pretty or json")
      ->check(CLI::IsMember({"pretty", "json"}))
      ->capture_default_str();
}

using Runner = int (*)(const Flags&);

CLI::App* Command(CLI::App* parent, const char* name, const char* help, Runner run, int& exit_code,
                  bool output) {
  auto flags = std::make_shared<Flags>();
  auto* cmd = parent->add_subcommand(name, help);
  AddTargetFlags(cmd, *flags);
  if (output) AddOutputFlag(cmd, *flags);
  cmd->add_flag("--silent", flags->silent, "Print nothing on success");
  cmd->callback([flags, run, &exit_code] { exit_code = run(*flags); });
  return cmd;
}

}  // namespace

void AddApiCommands(CLI::App& app, int& exit_code) {
  auto* api = app.add_subcommand("api", "Talk to a running agent's Workload API");
  api->require_subcommand(1);
  auto* fetch = api->add_subcommand("fetch", "Fetch SVIDs");
  fetch->require_subcommand(1);

  auto x509_flags = std::make_shared<Flags>();
  auto* x509 = fetch->add_subcommand("x509", "Fetch X.509-SVIDs, their keys and bundles");
  AddTargetFlags(x509, *x509_flags);
  AddOutputFlag(x509, *x509_flags);
  x509->add_option("--write", x509_flags->write_dir,
                   "Write svid.N.pem, svid.N.key (0600) and bundle.N.pem into this directory");
  x509->add_flag("--silent", x509_flags->silent, "Print nothing on success");
  x509->callback([x509_flags, &exit_code] { exit_code = FetchX509(*x509_flags); });

  auto jwt_flags = std::make_shared<Flags>();
  auto* jwt = fetch->add_subcommand("jwt", "Fetch JWT-SVIDs and the JWT bundles");
  AddTargetFlags(jwt, *jwt_flags);
  AddOutputFlag(jwt, *jwt_flags);
  jwt->add_option("--audience", jwt_flags->audience, "Audience (repeatable)")->required();
  jwt->add_option("--spiffe-id", jwt_flags->spiffe_id, "Only this identity");
  jwt->callback([jwt_flags, &exit_code] { exit_code = FetchJwt(*jwt_flags); });

  auto* validate = api->add_subcommand("validate", "Validate SVIDs");
  validate->require_subcommand(1);
  auto validate_flags = std::make_shared<Flags>();
  auto* vjwt = validate->add_subcommand("jwt", "Validate a JWT-SVID");
  AddTargetFlags(vjwt, *validate_flags);
  AddOutputFlag(vjwt, *validate_flags);
  vjwt->add_option("--audience", validate_flags->audience, "Expected audience")
      ->required()
      ->expected(1);
  vjwt->add_option("--svid", validate_flags->svid, "The token")->required();
  vjwt->callback([validate_flags, &exit_code] { exit_code = ValidateJwt(*validate_flags); });

  Command(api, "watch", "Print every X.509-SVID update until interrupted", Watch, exit_code, true);
}

void AddHealthcheckCommand(CLI::App& app, int& exit_code) {
  Command(&app, "healthcheck", "Check that the agent is up and ready", Healthcheck, exit_code,
          false);
}

}  // namespace edgeid::agent::cli
