// The library demo behind `scripts/demo.sh`: a CA is created, a workload's X.509-SVID and a
// JWT-SVID are minted and verified, and everything is shown in readable form.
#pragma once

#include <ostream>
#include <string>

#include "common/result.h"

namespace edgeid::demo {

struct LibraryDemoOptions {
  std::string trust_domain = "example.org";
  std::string workload_path = "/demo/workload";
  std::string audience = "spiffe://example.org/demo/database";
  std::string out_dir;  // where the SVID, key, bundle and CA keys are written
  std::string upstream_cert;
  std::string upstream_key;
  std::string upstream_bundle;
};

Status RunLibraryDemo(const LibraryDemoOptions& options, std::ostream& out);

}  // namespace edgeid::demo
