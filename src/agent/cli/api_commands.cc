#include "agent/cli/api_commands.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "common/atomic_file.h"
#include "common/timestamp.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "workloadapi/workload_client.h"

namespace edgeid::agent::cli {
namespace {

using Clock = std::chrono::system_clock;
using workloadapi::WorkloadClient;

struct Flags {
  std::string socket_path = workloadapi::kDefaultSocketPath;
  std::string write_dir;
  std::vector<std::string> audience;
  std::string spiffe_id;
  std::string svid;
  int timeout_seconds = 5;
  bool silent = false;
};

int Failed(const std::string& what, const Error& error) {
  std::cerr << what << ": " << error.message << "\n";
  return 1;
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

Status WriteX509Context(const workloadapi::X509Context& context, const std::string& dir) {
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
    std::cout << "Writing SVID #" << i << " to file " << base << ".pem.\n";
    std::cout << "Writing key #" << i << " to file " << base << ".key.\n";
    std::cout << "Writing bundle #" << i << " to file " << dir << "/bundle." << i << ".pem.\n";
  }
  return OkStatus();
}

int FetchX509(const Flags& f) {
  WorkloadClient client(f.socket_path, std::chrono::seconds(f.timeout_seconds));
  auto start = Clock::now();
  auto context = client.FetchX509Context();
  if (!context.ok()) return Failed("fetching the X.509-SVID", context.error());
  if (!f.silent) {
    std::cout << "Received " << context->svids.size() << " svid after " << Elapsed(start) << "\n\n";
    PrintX509Context(*context);
  }
  if (!f.write_dir.empty()) {
    auto written = WriteX509Context(*context, f.write_dir);
    if (!written.ok()) return Failed("writing the SVID", written.error());
  }
  return 0;
}

int FetchJwt(const Flags& f) {
  WorkloadClient client(f.socket_path, std::chrono::seconds(f.timeout_seconds));
  auto tokens = client.FetchJwtSvids(f.audience, f.spiffe_id);
  if (!tokens.ok()) return Failed("fetching the JWT-SVID", tokens.error());
  auto bundles = client.FetchJwtBundles();
  if (!bundles.ok()) return Failed("fetching the JWT bundles", bundles.error());
  for (const auto& token : *tokens) {
    std::cout << "token(" << token.spiffe_id << "):\n\t" << token.token << "\n";
  }
  for (const auto& [td, jwks] : *bundles) {
    std::cout << "bundle(spiffe://" << td << "):\n\t" << jwks << "\n";
  }
  return 0;
}

int ValidateJwt(const Flags& f) {
  WorkloadClient client(f.socket_path, std::chrono::seconds(f.timeout_seconds));
  auto validated = client.ValidateJwtSvid(f.audience.empty() ? "" : f.audience.front(), f.svid);
  if (!validated.ok()) return Failed("SVID is not valid", validated.error());
  std::cout << "SVID is valid.\nSPIFFE ID : " << validated->spiffe_id
            << "\nClaims    : " << validated->claims_json << "\n";
  return 0;
}

int Watch(const Flags& f) {
  WorkloadClient client(f.socket_path, std::chrono::seconds(f.timeout_seconds));
  // Until interrupted, reconnecting with backoff as the standard asks of clients.
  auto last = Clock::now();
  auto backoff = std::chrono::milliseconds(500);
  for (;;) {
    auto status = client.WatchX509Context([&](const workloadapi::X509Context& context) {
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
  auto path = workloadapi::SocketPathOf(f.socket_path);
  auto channel = grpc::CreateChannel("unix:" + path, grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(Clock::now() + std::chrono::seconds(f.timeout_seconds));
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

using Runner = int (*)(const Flags&);

CLI::App* Command(CLI::App* parent, const char* name, const char* help, Runner run,
                  int& exit_code) {
  auto flags = std::make_shared<Flags>();
  auto* cmd = parent->add_subcommand(name, help);
  cmd->add_option("--socket-path", flags->socket_path, "Workload API socket of the agent");
  cmd->add_option("--timeout", flags->timeout_seconds, "Seconds to wait for the agent");
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
  x509->add_option("--socket-path", x509_flags->socket_path, "Workload API socket of the agent");
  x509->add_option("--write", x509_flags->write_dir,
                   "Write svid.N.pem, svid.N.key (0600) and bundle.N.pem into this directory");
  x509->add_option("--timeout", x509_flags->timeout_seconds, "Seconds to wait for the agent");
  x509->add_flag("--silent", x509_flags->silent, "Print nothing on success");
  x509->callback([x509_flags, &exit_code] { exit_code = FetchX509(*x509_flags); });

  auto jwt_flags = std::make_shared<Flags>();
  auto* jwt = fetch->add_subcommand("jwt", "Fetch JWT-SVIDs and the JWT bundles");
  jwt->add_option("--socket-path", jwt_flags->socket_path, "Workload API socket of the agent");
  jwt->add_option("--audience", jwt_flags->audience, "Audience (repeatable)")->required();
  jwt->add_option("--spiffe-id", jwt_flags->spiffe_id, "Only this identity");
  jwt->add_option("--timeout", jwt_flags->timeout_seconds, "Seconds to wait for the agent");
  jwt->callback([jwt_flags, &exit_code] { exit_code = FetchJwt(*jwt_flags); });

  auto* validate = api->add_subcommand("validate", "Validate SVIDs");
  validate->require_subcommand(1);
  auto validate_flags = std::make_shared<Flags>();
  auto* vjwt = validate->add_subcommand("jwt", "Validate a JWT-SVID");
  vjwt->add_option("--socket-path", validate_flags->socket_path, "Workload API socket");
  vjwt->add_option("--audience", validate_flags->audience, "Expected audience")
      ->required()
      ->expected(1);
  vjwt->add_option("--svid", validate_flags->svid, "The token")->required();
  vjwt->add_option("--timeout", validate_flags->timeout_seconds, "Seconds to wait for the agent");
  vjwt->callback([validate_flags, &exit_code] { exit_code = ValidateJwt(*validate_flags); });

  Command(api, "watch", "Print every X.509-SVID update until interrupted", Watch, exit_code);
}

void AddHealthcheckCommand(CLI::App& app, int& exit_code) {
  Command(&app, "healthcheck", "Check that the agent is up and ready", Healthcheck, exit_code);
}

}  // namespace edgeid::agent::cli
