// KubeEdge's device topics and payloads, and the refusals of malformed twin deltas.
#include "mapper/sink/kubeedge_messages.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace edgeid::mapper {
namespace {

Reading Thermo() {
  return Reading{"default",
                 "thermo-1",
                 "temperature",
                 "22.5",
                 "float",
                 std::chrono::system_clock::time_point(std::chrono::milliseconds(1796251027468)),
                 true};
}

TEST(KubeEdgeMessagesTest, DataUpdateIsKubeEdgesTimeSeriesShape) {
  EXPECT_EQ(DataTopic(Thermo()), "$ke/events/device/default/thermo-1/data/update");
  auto payload = nlohmann::json::parse(DataPayload(Thermo(), "e-1"));
  EXPECT_EQ(payload["event_id"], "e-1");
  EXPECT_EQ(payload["timestamp"], 1796251027468);
  EXPECT_EQ(payload["data"]["temperature"]["value"], "22.5");
  EXPECT_EQ(payload["data"]["temperature"]["metadata"]["type"], "float");
  EXPECT_EQ(payload["data"]["temperature"]["metadata"]["timestamp"], 1796251027468);
}

TEST(KubeEdgeMessagesTest, TwinUpdateCarriesTheActualValueAndType) {
  EXPECT_EQ(TwinUpdateTopic(Thermo()), "$hw/events/device/default/thermo-1/twin/update");
  auto payload = nlohmann::json::parse(TwinUpdatePayload(Thermo(), "e-2"));
  EXPECT_EQ(payload["event_id"], "e-2");
  EXPECT_EQ(payload["timestamp"], 1796251027468);
  EXPECT_EQ(payload["twin"]["temperature"]["actual"]["value"], "22.5");
  EXPECT_EQ(payload["twin"]["temperature"]["actual"]["metadata"]["timestamp"], 1796251027468);
  EXPECT_EQ(payload["twin"]["temperature"]["metadata"]["type"], "float");
}

TEST(KubeEdgeMessagesTest, ValuesThatAreNotUtf8DoNotBreakThePayload) {
  Reading r = Thermo();
  r.value = std::string("\xff\xfe", 2);
  EXPECT_TRUE(nlohmann::json::accept(DataPayload(r, "e")));
  EXPECT_TRUE(nlohmann::json::accept(TwinUpdatePayload(r, "e")));
}

TEST(KubeEdgeMessagesTest, ADeltaNamesTheDeviceAndItsDesiredValues) {
  EXPECT_EQ(TwinDeltaFilter("default"), "$hw/events/device/default/+/twin/update/delta");
  auto delta = ParseTwinDelta("$hw/events/device/plant-a/thermo-1/twin/update/delta",
                              R"({"event_id":"x","timestamp":1,"twin":{},)"
                              R"("delta":{"led":"false","mode":"eco"}})");
  ASSERT_TRUE(delta.ok()) << delta.error().message;
  EXPECT_EQ(delta->device_namespace, "plant-a");
  EXPECT_EQ(delta->device_name, "thermo-1");
  EXPECT_EQ(delta->desired,
            (std::map<std::string, std::string>{{"led", "false"}, {"mode", "eco"}}));
}

TEST(KubeEdgeMessagesTest, MalformedDeltasAreRefusedWithTheReason) {
  const std::string topic = "$hw/events/device/default/thermo-1/twin/update/delta";
  struct Case {
    std::string topic, payload;
    const char* says;
  };
  for (const auto& c : {
           Case{topic, "not json", "not a JSON object"},
           Case{topic, "[1,2]", "not a JSON object"},
           Case{topic, R"({"twin":{}})", "no \"delta\" object"},
           Case{topic, R"({"delta":"led"})", "no \"delta\" object"},
           Case{topic, R"({"delta":{}})", "\"delta\" is empty"},
           Case{topic, R"({"delta":{"led":true}})", "\"delta.led\" must be a string"},
           Case{topic, std::string(70000, ' '), "over the 64 KiB limit"},
           Case{"$hw/events/device/thermo-1/twin/update/delta", "{}", "<namespace>/<name>"},
           Case{"$hw/events/device/a/b/c/twin/update/delta", "{}", "<namespace>/<name>"},
           Case{"$hw/events/device/default/thermo-1/twin/update", "{}", "is not"},
           Case{"$ke/events/device/default/thermo-1/data/update", "{}", "is not"},
       }) {
    auto delta = ParseTwinDelta(c.topic, c.payload);
    ASSERT_FALSE(delta.ok()) << c.topic << " " << c.payload.substr(0, 40);
    EXPECT_NE(delta.error().message.find(c.says), std::string::npos) << delta.error().message;
  }
}

}  // namespace
}  // namespace edgeid::mapper
