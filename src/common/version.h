// The build's version, from one place: CMake's project version and, in a git checkout, the commit
// (`git describe` at configure time). Every binary's --version, start-up log line and
// edgeid_build_info metric read it here.
#pragma once

#include <string>

namespace edgeid {

class Metrics;

// "0.1.0".
std::string Version();
// `git describe --always --dirty` at configure time ("1c5faa6", "v0.1.0-3-g1c5faa6-dirty"), or
// empty when the sources were not a git checkout (a release tarball).
std::string Revision();
// "0.1.0 (revision 1c5faa6)", or "0.1.0" without a revision.
std::string VersionText();

// Registers edgeid_build_info{version="...",revision="..."} 1, Prometheus' build-info idiom, so
// that dashboards can tell which build every daemon runs.
void AddBuildInfo(Metrics& metrics);

}  // namespace edgeid
