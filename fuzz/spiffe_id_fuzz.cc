// SPIFFE ID and trust domain parsing: whatever is accepted must be canonical, so that the string
// form is a stable key (registration entries, bundle maps, authorization policies).
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "spiffe/spiffe_id.h"

using edgeid::fuzz::Require;
using edgeid::spiffe::SpiffeId;
using edgeid::spiffe::TrustDomain;

namespace {

void CheckId(const SpiffeId& id) {
  const std::string& s = id.str();
  Require(s.starts_with("spiffe://"), "SPIFFE ID starts with spiffe://");
  Require(s.size() <= edgeid::spiffe::kMaxSpiffeIdLength, "SPIFFE ID is at most 2048 bytes");
  Require(!id.trust_domain_name().empty(), "SPIFFE ID has a trust domain");

  auto again = SpiffeId::Parse(s);
  Require(again.ok(), "str() of a parsed SPIFFE ID parses again");
  Require(*again == id, "re-parsed SPIFFE ID is equal");

  // The parts must put the ID back together, or code that splits and joins IDs would drift.
  TrustDomain td = id.trust_domain();
  Require(td.name() == id.trust_domain_name(), "trust_domain() matches trust_domain_name()");
  Require(id.MemberOf(td), "an ID is a member of its own trust domain");
  Require(td.IdString() + std::string(id.path()) == s, "scheme + trust domain + path == str()");
  auto rebuilt = SpiffeId::FromPath(td, id.path());
  Require(rebuilt.ok() && *rebuilt == id, "FromPath(trust_domain(), path()) gives the same ID");
  Require(edgeid::spiffe::ValidatePath(id.path()).ok(), "path() passes ValidatePath");
}

void CheckTrustDomain(const TrustDomain& td) {
  Require(!td.name().empty(), "trust domain name is not empty");
  Require(td.name().size() <= edgeid::spiffe::kMaxTrustDomainLength,
          "trust domain name is at most 255 bytes");
  auto by_name = TrustDomain::Parse(td.name());
  Require(by_name.ok() && *by_name == td, "name() parses again to the same trust domain");
  auto by_id = TrustDomain::Parse(td.IdString());
  Require(by_id.ok() && *by_id == td, "IdString() parses to the same trust domain");
  auto as_id = SpiffeId::Parse(td.IdString());
  Require(as_id.ok() && as_id->path().empty(), "IdString() is a SPIFFE ID without a path");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = edgeid::fuzz::AsText(data, size);
  auto id = SpiffeId::Parse(text);
  if (id.ok()) CheckId(*id);
  auto td = TrustDomain::Parse(text);
  if (td.ok()) CheckTrustDomain(*td);
  // Accepting a path alone must agree with accepting it inside a full ID.
  if (edgeid::spiffe::ValidatePath(text).ok()) {
    static const TrustDomain example = *TrustDomain::Parse("example.org");
    auto joined = SpiffeId::FromPath(example, text);
    Require(joined.ok() || text.size() > edgeid::spiffe::kMaxSpiffeIdLength - 20,
            "a valid path joins a short trust domain");
    if (joined.ok()) CheckId(*joined);
  }
  return 0;
}
