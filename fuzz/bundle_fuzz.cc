// SPIFFE bundle JSON. Bundles are published and re-read across federation, so whatever Parse
// accepts must survive ToJson and come back equal, and ToJson must be a fixed point: otherwise
// one party's output could be refused, or keep changing, at the next hop.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "spiffe/spiffe_bundle.h"

using edgeid::fuzz::Fail;
using edgeid::fuzz::Require;
using edgeid::spiffe::SpiffeBundle;
using edgeid::spiffe::TrustDomain;

namespace {

const TrustDomain& ExampleOrg() {
  static const TrustDomain td = *TrustDomain::Parse("example.org");
  return td;
}

void CheckRoundTrip(const SpiffeBundle& bundle, bool pretty) {
  const std::string written = bundle.ToJson(pretty);
  auto reread = SpiffeBundle::Parse(ExampleOrg(), written);
  if (!reread.ok()) Fail("ToJson output parses again", reread.error().message);
  Require(*reread == bundle, "re-parsed bundle is equal");
  Require(reread->ToJson(pretty) == written, "writing the re-parsed bundle gives the same bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto bundle = SpiffeBundle::Parse(ExampleOrg(), edgeid::fuzz::AsText(data, size));
  if (!bundle.ok()) return 0;
  Require(bundle->trust_domain() == ExampleOrg(), "bundle keeps the trust domain it was read for");
  CheckRoundTrip(*bundle, /*pretty=*/false);
  CheckRoundTrip(*bundle, /*pretty=*/true);

  // What verifiers see through a BundleSet must be what was parsed.
  edgeid::spiffe::BundleSet set;
  set.Put(*bundle);
  auto x509 = set.GetX509Bundle(ExampleOrg());
  auto jwt = set.GetJwtBundle(ExampleOrg());
  Require(x509.ok() && *x509 == bundle->x509(), "BundleSet serves the parsed X.509 bundle");
  Require(jwt.ok() && *jwt == bundle->jwt(), "BundleSet serves the parsed JWT bundle");
  for (const auto& authority : bundle->jwt().authorities()) {
    Require(!authority.key_id.empty(), "JWT authorities have a key ID");
    Require(bundle->jwt().FindAuthority(authority.key_id).ok(), "JWT authority is found by kid");
  }
  return 0;
}
