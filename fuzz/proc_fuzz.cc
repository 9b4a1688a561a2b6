// /proc/<pid>/stat and /proc/<pid>/status are written by the kernel, but hold the command name,
// which the process chooses (prctl(PR_SET_NAME), the executable's name): spaces, parentheses,
// digits. Workload attestation and the same-process check rest on the start time and the IDs
// read from them. The input is fed to both parsers as it is, and as the command name inside
// well-formed files, where the parsers must still find the values the kernel put there.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/proc_text.h"
#include "fuzz_support.h"

using edgeid::fuzz::Require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input = edgeid::fuzz::AsText(data, size);

  auto start = edgeid::ParseProcStatStartTime(input);
  if (start.ok()) {
    Require(input.find(std::to_string(*start)) != std::string_view::npos,
            "the start time is written in the text");
  }
  auto ids = edgeid::ParseProcStatus(input);
  if (ids.ok()) {
    Require(ids->uid != static_cast<uid_t>(-1) && ids->gid != static_cast<gid_t>(-1),
            "the effective IDs are real IDs");
    for (gid_t g : ids->groups) Require(g != static_cast<gid_t>(-1), "a group is a real ID");
    Require(input.find(std::to_string(ids->uid)) != std::string_view::npos,
            "the uid is written in the text");
  }

  // The kernel writes the command name between "(" and ")" in stat, whatever it holds (up to
  // 15 bytes there; longer here, to cover names read elsewhere).
  const uint64_t want = 0x1234'5678'9abc'def0u ^ size;
  std::string stat = "4242 (" + std::string(input) +
                     ") S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 " + std::to_string(want) +
                     " 0 0 0\n";
  auto parsed = edgeid::ParseProcStatStartTime(stat);
  Require(parsed.ok() && *parsed == want, "the start time is found whatever the command name");

  // In status the kernel escapes the name ('\n' as "\\n"), so it cannot start a line of its own.
  std::string name;
  for (char c : input) name += c == '\n' ? std::string("\\n") : std::string(1, c);
  std::string status = "Name:\t" + name +
                       "\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\n"
                       "Uid:\t1000\t1001\t1002\t1003\nGid:\t50\t51\t52\t53\n"
                       "Groups:\t4 27 \nNSpid:\t4242\n";
  auto status_ids = edgeid::ParseProcStatus(status);
  Require(status_ids.ok() && status_ids->uid == 1001 && status_ids->gid == 51 &&
              status_ids->groups == std::vector<gid_t>{4, 27},
          "the effective IDs and groups are found whatever the command name");
  return 0;
}
