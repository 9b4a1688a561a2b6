// Signal names as spiffe-helper's renew_signal takes them ("SIGUSR1", "SIGHUP").
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace edgeid::helper {

// "SIGUSR1" (or "USR1") to SIGUSR1; InvalidArgument for a name Linux does not have.
Result<int> SignalByName(std::string_view name);
// SIGUSR1 to "SIGUSR1"; "signal N" for one without a name here.
std::string SignalName(int signal);

}  // namespace edgeid::helper
