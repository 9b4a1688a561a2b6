// A registration entry for datastore tests: `path` under example.org, one agent as parent.
#pragma once

#include <string>
#include <vector>

#include "server/datastore/types.h"

namespace edgeid::server::testing {

inline RegistrationEntry Entry(const std::string& path,
                               std::vector<Selector> selectors = {{"unix", "uid:1"}}) {
  RegistrationEntry e;
  e.spiffe_id = "spiffe://example.org" + path;
  e.parent_id = "spiffe://example.org/spire/agent/x509pop/abc";
  e.selectors = std::move(selectors);
  return e;
}

}  // namespace edgeid::server::testing
