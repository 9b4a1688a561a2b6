#include "common/result.h"

#include <gtest/gtest.h>

namespace edgeid {
namespace {

Result<int> Half(int n) {
  if (n % 2 != 0) return InvalidArgument(std::to_string(n) + " is odd");
  return n / 2;
}

Result<int> Quarter(int n) {
  int half = EDGEID_TRY(Half(n));
  return EDGEID_TRY(Half(half));
}

Status CheckPositive(int n) {
  if (n <= 0) return FailedPrecondition("not positive");
  return OkStatus();
}

Status CheckBoth(int a, int b) {
  EDGEID_RETURN_IF_ERROR(CheckPositive(a));
  EDGEID_RETURN_IF_ERROR(CheckPositive(b));
  return OkStatus();
}

TEST(ResultTest, TryPropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "3 is odd");
}

TEST(ResultTest, ReturnIfErrorStopsAtFailure) {
  EXPECT_TRUE(CheckBoth(1, 2).ok());
  auto s = CheckBoth(1, -2);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
}

TEST(ResultTest, WrapKeepsCodeAndAddsContext) {
  Error e = NotFound("no such key").Wrap("loading CA");
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_EQ(e.message, "loading CA: no such key");
  EXPECT_EQ(e.ToString(), "NotFound: loading CA: no such key");
}

}  // namespace
}  // namespace edgeid
