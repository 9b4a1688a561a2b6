// edgeid-libdemo: shows the SPIFFE library end to end (CA, X.509-SVID, JWT-SVID, bundles).
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "library_demo.h"

namespace {

int Run(int argc, char** argv) {
  edgeid::demo::LibraryDemoOptions options;
  CLI::App app{"Creates a CA, mints and verifies an X.509-SVID and a JWT-SVID"};
  app.add_option("--trust-domain", options.trust_domain, "Trust domain")->capture_default_str();
  app.add_option("--workload-path", options.workload_path, "Path of the workload's SPIFFE ID")
      ->capture_default_str();
  app.add_option("--audience", options.audience, "JWT-SVID audience")->capture_default_str();
  app.add_option("--out", options.out_dir, "Directory for keys, SVID and bundles")->required();
  app.add_option("--upstream-cert", options.upstream_cert, "Upstream CA certificate (PEM)");
  app.add_option("--upstream-key", options.upstream_key, "Upstream CA private key (PEM)");
  app.add_option("--upstream-bundle", options.upstream_bundle, "Upstream roots (PEM), if needed");
  CLI11_PARSE(app, argc, argv);

  auto status = edgeid::demo::RunLibraryDemo(options, std::cout);
  if (!status.ok()) {
    std::cerr << "edgeid-libdemo: " << status.error().ToString() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {  // e.g. out of memory; the library itself does not throw
    std::cerr << "edgeid-libdemo: " << e.what() << "\n";
    return 1;
  }
}
