// spiffe-helper's cmd_args: one string split into arguments as a shell would in the simple cases.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace edgeid::helper {

// Splits on blanks; "double" and 'single' quotes group words (an empty pair is an empty
// argument), and a backslash outside single quotes takes the next character literally. No
// variables, globs or substitutions: the command is started directly, never through a shell.
Result<std::vector<std::string>> SplitCommandArgs(std::string_view text);

}  // namespace edgeid::helper
