#include "mqtt/acl/topic_filter.h"

#include <gtest/gtest.h>

#include <string>

namespace edgeid::mqtt {
namespace {

TEST(TopicFilterTest, WildcardsMatchAsTheStandardSays) {
  EXPECT_TRUE(TopicMatches("sport/tennis/player1/#", "sport/tennis/player1"));
  EXPECT_TRUE(TopicMatches("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon"));
  EXPECT_TRUE(TopicMatches("sport/+/player1", "sport/tennis/player1"));
  EXPECT_FALSE(TopicMatches("sport/+", "sport"));
  EXPECT_TRUE(TopicMatches("sport/+", "sport/"));
  EXPECT_TRUE(TopicMatches("+/+", "/finance"));
  EXPECT_FALSE(TopicMatches("sport/tennis", "sport/tennis/player1"));
  EXPECT_FALSE(TopicMatches("sport/tennis/#", "sport/tennisplayer"));
  EXPECT_TRUE(TopicMatches("#", "anything/at/all"));
}

TEST(TopicFilterTest, DollarTopicsNeedALiteralFirstLevel) {
  const std::string data = "$ke/events/device/default/thermo-1/data/update";
  EXPECT_FALSE(TopicMatches("#", data));
  EXPECT_FALSE(TopicMatches("+/events/device/default/thermo-1/data/update", data));
  EXPECT_TRUE(TopicMatches("$ke/events/device/default/+/data/update", data));
  EXPECT_TRUE(TopicMatches("$ke/#", data));
  EXPECT_FALSE(TopicMatches("$ke/events/device/other/+/data/update", data));
}

TEST(TopicFilterTest, CoveringFilters) {
  const std::string granted = "$hw/events/device/default/+/twin/update";
  EXPECT_TRUE(FilterCovers(granted, "$hw/events/device/default/thermo-1/twin/update"));
  EXPECT_TRUE(FilterCovers(granted, granted));
  EXPECT_FALSE(FilterCovers(granted, "$hw/events/device/+/+/twin/update"));
  EXPECT_FALSE(FilterCovers(granted, "$hw/events/device/default/#"));
  EXPECT_FALSE(FilterCovers(granted, "#"));
  EXPECT_TRUE(FilterCovers("a/#", "a"));
  EXPECT_TRUE(FilterCovers("a/#", "a/+/c/#"));
  EXPECT_FALSE(FilterCovers("a/+", "a"));
  EXPECT_FALSE(FilterCovers("#", "$SYS/broker/uptime"));
  EXPECT_TRUE(FilterCovers("#", "a/+"));
}

TEST(TopicFilterTest, MalformedFiltersAreNamed) {
  EXPECT_TRUE(ValidateTopicFilter("a/+/b/#").ok());
  EXPECT_TRUE(ValidateTopicFilter("/").ok());
  auto hash_inside = ValidateTopicFilter("a/#/b");
  ASSERT_FALSE(hash_inside.ok());
  EXPECT_NE(hash_inside.error().message.find("'#' must be the last level"), std::string::npos);
  auto glued = ValidateTopicFilter("a/b+");
  ASSERT_FALSE(glued.ok());
  EXPECT_NE(glued.error().message.find("\"a/b+\""), std::string::npos);
  EXPECT_FALSE(ValidateTopicFilter("").ok());
  EXPECT_FALSE(ValidateTopicFilter(std::string("a\0b", 3)).ok());
  EXPECT_FALSE(ValidateTopicFilter(std::string(65536, 'a')).ok());
}

}  // namespace
}  // namespace edgeid::mqtt
