// Which credentials an operator's taint condemns (docs/ca.md, authority management): an
// X.509-SVID whose chain names a tainted CA, a JWT-SVID signed with a tainted key. The agent
// re-signs or drops them at once instead of waiting for their rotation time.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/certificate.h"

namespace edgeid::agent {

// The authority IDs a chain depends on (leaf first): the leaf's authority key ID and the
// subject key IDs of the CA certificates after it, in hex, as the server names authorities.
std::vector<std::string> X509AuthorityIds(const crypto::CertificateChain& chain);

bool AnyTainted(const std::vector<std::string>& authority_ids,
                const std::set<std::string>& tainted);

// The "kid" of a JWT's header; empty when it cannot be read.
std::string JwtKeyId(std::string_view token);

}  // namespace edgeid::agent
