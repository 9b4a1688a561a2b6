// Readable descriptions of certificates and times for the demo's output.
#pragma once

#include <string>

#include "crypto/certificate.h"

namespace edgeid::demo {

// Several indented lines: subject, issuer, SANs, validity, key usage, key type.
std::string DescribeCertificate(const crypto::Certificate& cert, const std::string& indent);

}  // namespace edgeid::demo
