#include "common/version.h"

#include "common/metrics.h"

// Defined for this file alone (see src/common/CMakeLists.txt), so that a new commit recompiles
// one file, not every user of this header.
#ifndef EDGEID_VERSION
#error "EDGEID_VERSION must be defined by the build"
#endif
#ifndef EDGEID_REVISION
#define EDGEID_REVISION ""
#endif

namespace edgeid {

std::string Version() {
  return EDGEID_VERSION;
}

std::string Revision() {
  return EDGEID_REVISION;
}

std::string VersionText() {
  std::string revision = Revision();
  return revision.empty() ? Version() : Version() + " (revision " + revision + ")";
}

void AddBuildInfo(Metrics& metrics) {
  std::string revision = Revision();
  metrics.AddGauge("edgeid_build_info",
                   "Always 1; the labels name the build (revision empty outside git).",
                   [] { return 1.0; }, {{"version", Version()}, {"revision", revision}});
}

}  // namespace edgeid
