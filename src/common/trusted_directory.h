// Opens a directory that only root and this process's user can change, checking every directory
// from "/" down to it, so that a daemon's UNIX socket cannot be swapped by another local user.
//
// The rule, for each directory from "/" down to and including `dir`:
//  - it is a real directory, not a symbolic link: components are opened one by one with
//    O_NOFOLLOW, each relative to the one checked before it, so a link cannot swap a component
//    between the check and the use (the daemon then binds through the opened descriptor). A
//    link is refused rather than resolved: its target chain would have to be checked as well,
//    and refusing keeps the rule one walk long (give the real path, e.g. /run, not /var/run);
//  - it belongs to root or to the effective user: whoever owns a directory can rename it and
//    put another one in its place;
//  - no one else may write it (no group or other write bit), except that an ancestor with the
//    sticky bit set (/tmp) may be world-writable: there others can create names but not rename
//    or remove ours, and the next component, which must itself belong to root or to us by the
//    rule above, cannot have been created by someone else. `dir` itself must not be writable by
//    others even when sticky: others could create the socket's name there before the daemon.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/result.h"
#include "common/unique_fd.h"

namespace edgeid {

struct TrustedDirectoryOptions {
  // Missing directories are created: the intermediate ones 0755, `dir` itself `mode`, each
  // created with that mode (less the umask) and then set to it exactly with fchmod, so that no
  // created directory is ever more open than asked.
  bool create = false;
  mode_t mode = 0755;
  // The user allowed to own directories besides root; the effective user when unset.
  uid_t owner = static_cast<uid_t>(-1);
};

// An O_PATH descriptor of `dir` (absolute, or relative to the working directory) once every
// directory on the way satisfies the rule above; FailedPrecondition naming the first that does
// not.
Result<UniqueFd> OpenTrustedDirectory(const std::string& dir,
                                      const TrustedDirectoryOptions& options = {});

}  // namespace edgeid
