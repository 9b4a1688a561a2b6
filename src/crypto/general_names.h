#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "crypto/ossl.h"

namespace edgeid::crypto {

// A GeneralNames value holding URI names then DNS names, for subjectAltName.
Result<GeneralNamesPtr> MakeGeneralNames(const std::vector<std::string>& uris,
                                         const std::vector<std::string>& dns_names);

}  // namespace edgeid::crypto
