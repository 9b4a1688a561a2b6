#include "common/log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace edgeid {
namespace {

TEST(LogTest, JsonLinesStayValidJsonWhateverTheMessage) {
  auto log = MakeLogger("test", {"info", true});
  ASSERT_TRUE(log.ok());
  ::testing::internal::CaptureStderr();
  (*log)->info("quote \" backslash \\ newline \n tab \t bell \x07 end");
  (*log)->debug("below the level: not written");
  std::string out = ::testing::internal::GetCapturedStderr();
  std::istringstream lines(out);
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  auto doc = nlohmann::json::parse(line, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << line;
  EXPECT_EQ(doc["msg"], "quote \" backslash \\ newline \n tab \t bell \x07 end");
  EXPECT_EQ(doc["level"], "info");
  EXPECT_EQ(doc["logger"], "test");
  EXPECT_EQ(doc["time"].get<std::string>().back(), 'Z');
  EXPECT_FALSE(std::getline(lines, line)) << "debug must be filtered at info";
}

TEST(LogTest, TextFormatAndLevels) {
  auto log = MakeLogger("server", {"warn", false});
  ASSERT_TRUE(log.ok());
  ::testing::internal::CaptureStderr();
  (*log)->info("hidden");
  (*log)->warn("shown");
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(out.find("hidden"), std::string::npos);
  EXPECT_NE(out.find("warning server: shown"), std::string::npos) << out;
  EXPECT_FALSE(MakeLogger("x", {"loud", false}).ok());
}

}  // namespace
}  // namespace edgeid
