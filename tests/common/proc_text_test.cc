#include "common/proc_text.h"

#include <gtest/gtest.h>

#include <string>

namespace edgeid {
namespace {

// 20 fields after the command name, then start time 777.
std::string Stat(const std::string& comm, const std::string& start = "777") {
  return "4242 (" + comm + ") S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 " + start + " 0 0\n";
}

TEST(ProcTextTest, StartTimeIsCountedFromTheLastParenthesis) {
  EXPECT_EQ(*ParseProcStatStartTime(Stat("sh")), 777u);
  // A command name can hold spaces and ")": the fields it seems to have are not counted.
  EXPECT_EQ(*ParseProcStatStartTime(Stat("odd) name) S 9 9 9")), 777u);
  EXPECT_EQ(*ParseProcStatStartTime(Stat("x", "18446744073709551615")), UINT64_MAX);
}

TEST(ProcTextTest, MalformedStatIsRefused) {
  EXPECT_FALSE(ParseProcStatStartTime("").ok());
  EXPECT_FALSE(ParseProcStatStartTime("4242 (sh S 1 2 3").ok());
  EXPECT_FALSE(ParseProcStatStartTime("4242 (sh) S 1 2 3").ok());
  EXPECT_FALSE(ParseProcStatStartTime(Stat("sh", "x")).ok());
  // Over 64 bits: wrapping would give a start time another process could have.
  auto wide = ParseProcStatStartTime(Stat("sh", "18446744073709551616"));
  ASSERT_FALSE(wide.ok());
  EXPECT_NE(wide.error().message.find("over 64 bits"), std::string::npos);
}

TEST(ProcTextTest, StatusGivesEffectiveIdsAndGroups) {
  auto ids = ParseProcStatus(
      "Name:\tx\nUmask:\t0022\nUid:\t1000\t1001\t1001\t1001\nGid:\t50\t51\t51\t51\n"
      "Groups:\t4 27 0 \nNSpid:\t4242\n");
  ASSERT_TRUE(ids.ok()) << ids.error().message;
  EXPECT_EQ(ids->uid, 1001u);
  EXPECT_EQ(ids->gid, 51u);
  EXPECT_EQ(ids->groups, (std::vector<gid_t>{4, 27, 0}));
  // No supplementary groups: the kernel still writes the line, empty.
  auto none = ParseProcStatus("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\n");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->groups.empty());
}

TEST(ProcTextTest, MalformedStatusIsRefused) {
  const std::string gid = "Gid:\t0\t0\t0\t0\n";
  for (const std::string& bad : {
           std::string("Name:\tx\n"),                         // no Uid or Gid
           "Uid:\tnope\n" + gid,                              // not a number
           "Uid:\t1000\n" + gid,                              // no effective ID
           "Uid:\t-1\t-1\t-1\t-1\n" + gid,                    // signed
           "Uid:\t0\t4294967296\t0\t0\n" + gid,               // would wrap to root
           "Uid:\t0\t4294967295\t0\t0\n" + gid,               // (uid_t)-1: no ID
           "Uid:\t0\t99999999999999999999999\t0\t0\n" + gid,  // far over
           "Uid:\t0\t0\t0\t0\n" + gid + "Groups:\t4 x\n",     // a bad group
       }) {
    EXPECT_FALSE(ParseProcStatus(bad).ok()) << bad;
  }
  // "Uid" must be the whole key: "Uidx:" is another line.
  EXPECT_FALSE(ParseProcStatus("Uidx:\t0\t0\t0\t0\n" + gid).ok());
}

}  // namespace
}  // namespace edgeid
