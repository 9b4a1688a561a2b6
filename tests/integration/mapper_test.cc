// The IoT chain with every real process: edgeid-server, edgeid-agent, edgeid-helper installing
// each device's SVID, edgeid-devsim devices (genuine and counterfeit) and edgeid-mapper. The
// mapper touches nothing until it is registered; then it admits the genuine device only,
// publishes its readings, drives its LED, pairs again after restarts and keeps going through
// rotations of its SVID.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "testing/command.h"
#include "testing/edgeid_processes.h"
#include "testing/mosquitto_broker.h"
#include "testing/process.h"
#include "testing/temp_dir.h"

namespace edgeid {
namespace {

using testing::ChildProcess;
using testing::EdgeidProcesses;
using testing::RunCommand;
using testing::TempDir;
using Clock = std::chrono::steady_clock;

constexpr const char* kTd = "example.org";
constexpr const char* kMapperId = "spiffe://example.org/mapper/ble";
constexpr const char* kBrokerId = "spiffe://example.org/mqtt/broker";
constexpr const char* kCloudId = "spiffe://example.org/cloud/telemetry";
// The mapper may publish data and twins of the default namespace and take its desired values;
// the cloud reads everything and sets desired values.
constexpr const char* kAcl = R"(
[[rule]]
spiffe_id = "spiffe://example.org/mapper/ble"
publish = ["$ke/events/device/default/+/data/update", "$hw/events/device/default/+/twin/update"]
subscribe = ["$hw/events/device/default/+/twin/update/delta"]

[[rule]]
spiffe_id = "spiffe://example.org/cloud/telemetry"
publish = ["$hw/events/device/+/+/twin/update/delta"]
subscribe = ["$ke/events/device/#", "$hw/events/device/#"]
)";

// Debian's broker is not built with ThreadSanitizer and cannot load the instrumented plugin.
#if defined(__SANITIZE_THREAD__)
#define SKIP_WITHOUT_BROKER() GTEST_SKIP() << "no broker under ThreadSanitizer"
#else
#define SKIP_WITHOUT_BROKER() (void)0
#endif

struct DeviceSpec {
  std::string name;
  std::string variant = "genuine";
  std::string device_id{};
};

class MapperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    processes_ = std::make_unique<EdgeidProcesses>(
        testing::EdgeidBinaries{EDGEID_SERVER_BINARY, EDGEID_AGENT_BINARY}, dir_.File("run"), kTd);
  }

  void StartServerAndAgent(const std::vector<std::string>& server_args = {}) {
    ASSERT_TRUE(processes_->StartServer(server_args)) << processes_->error();
    auto token = processes_->JoinToken();
    ASSERT_FALSE(token.empty());
    ASSERT_TRUE(processes_->StartAgent({"--join-token", token, "--discover-workload-path"}))
        << processes_->error();
    ASSERT_FALSE(processes_->AgentId().empty());
  }

  std::string DeviceDir(const std::string& name) const { return dir_.File("devices/" + name); }

  // `edgeid-devsim manufacture`; returns the element's device ID.
  std::string Manufacture(const std::string& name, const std::string& variant) {
    auto r = RunCommand(std::string(EDGEID_DEVSIM_BINARY) + " manufacture --manufacturer-dir " +
                        dir_.File("maker") + " --out " + DeviceDir(name) + " --name " + name +
                        " --variant " + variant + " 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::smatch m;
    EXPECT_TRUE(std::regex_search(r.output, m, std::regex("Device ID\\s*:\\s*(\\S+)")));
    return m.size() > 1 ? m[1].str() : "";
  }

  // The device's entry, for the helper run on its behalf (told apart by hint), and the helper
  // installing the SVID in the device's identity directory: once (one-shot mode), or kept
  // renewed by a helper daemon.
  void Provision(const std::string& name, bool daemon = false) {
    InstallSvid(std::string("spiffe://") + kTd + "/device/" + name, name,
                DeviceDir(name) + "/identity", daemon);
  }

  // An entry for `id` (selected by the helper binary and `hint`) and the helper writing its
  // SVID, key and bundle into `dir` as svid.pem, svid_key.pem and svid_bundle.pem.
  void InstallSvid(const std::string& id, const std::string& hint, const std::string& dir,
                   bool daemon = false, const std::string& more_entry_flags = "") {
    ASSERT_FALSE(
        processes_
            ->CreateEntry(id, processes_->AgentId(),
                          {testing::UidSelector(), testing::PathSelector(EDGEID_HELPER_BINARY)},
                          "--hint " + hint + " " + more_entry_flags)
            .empty());
    ASSERT_EQ(RunCommand("mkdir -p " + dir).exit_code, 0);
    std::string conf = dir_.File("helper-" + hint + ".conf");
    testing::WriteTestFile(conf, "agent_address = \"" + processes_->agent_socket() +
                                     "\"\ncert_dir = \"" + dir +
                                     "\"\nsvid_file_name = \"svid.pem\"\n"
                                     "svid_key_file_name = \"svid_key.pem\"\n"
                                     "svid_bundle_file_name = \"svid_bundle.pem\"\n"
                                     "daemon_mode = " +
                                     (daemon ? "true" : "false") + "\nhint = \"" + hint + "\"\n");
    if (daemon) {
      helpers_.push_back(std::make_unique<ChildProcess>(
          std::vector<std::string>{EDGEID_HELPER_BINARY, "run", "--config", conf},
          dir_.File("helper-" + hint + ".log")));
      auto deadline = Clock::now() + std::chrono::seconds(20);
      while (::access((dir + "/svid_bundle.pem").c_str(), F_OK) != 0 && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      ASSERT_EQ(::access((dir + "/svid_bundle.pem").c_str(), F_OK), 0) << helpers_.back()->Output();
      return;
    }
    testing::CommandResult r;
    for (int i = 0; i < 60; ++i) {  // the entry reaches the agent at its next sync
      r = RunCommand(std::string(EDGEID_HELPER_BINARY) + " run --config " + conf + " 2>&1");
      if (r.exit_code == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  // Mosquitto with edgeid's plugin, its certificate an SVID of this trust domain (valid an
  // hour, whatever the test's default TTL), and the cloud's SVID for the test's own clients.
  void StartBroker() {
    InstallSvid(kBrokerId, "broker", dir_.File("broker"), false,
                "--x509-svid-ttl 1h --dns-name localhost");
    InstallSvid(kCloudId, "cloud", dir_.File("cloud"), false, "--x509-svid-ttl 1h");
    testing::WriteTestFile(dir_.File("acl.toml"), kAcl);
    broker_ = std::make_unique<testing::MosquittoBroker>(
        dir_.File("broker"),
        testing::MosquittoTls{dir_.File("broker/svid_bundle.pem"), dir_.File("broker/svid.pem"),
                              dir_.File("broker/svid_key.pem")},
        // The helper wrote the broker's own trust domain only (no federated domains): the
        // plugin's bundle too.
        testing::MosquittoPlugin{EDGEID_MOSQUITTO_PLUGIN, kTd, dir_.File("broker/svid_bundle.pem"),
                                 dir_.File("acl.toml")});
    ASSERT_TRUE(broker_->Start()) << broker_->error();
  }

  std::string CloudClientArgs() const {
    return testing::MosquittoClientArgs(*broker_, dir_.File("cloud/svid_bundle.pem"),
                                        dir_.File("cloud/svid.pem"),
                                        dir_.File("cloud/svid_key.pem"));
  }

  // The cloud's durable subscriber to every device topic, printing topic and payload.
  std::unique_ptr<ChildProcess> SubscribeAsCloud() {
    auto sub = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/bin/sh", "-c",
                                 "exec stdbuf -oL mosquitto_sub " + CloudClientArgs() + " -i '" +
                                     std::string(kCloudId) +
                                     "' -c -v -d -t '$ke/events/device/#' -t "
                                     "'$hw/events/device/#'"},
        dir_.File("cloud-sub.log"));
    EXPECT_TRUE(sub->WaitForOutput("received SUBACK")) << sub->Output();
    return sub;
  }

  // Payloads the subscriber printed for topic `topic`, parsed.
  static std::vector<nlohmann::json> Received(const std::string& output, const std::string& topic) {
    std::vector<nlohmann::json> out;
    std::istringstream lines(output);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind(topic + " ", 0) != 0) continue;
      auto j = nlohmann::json::parse(line.substr(topic.size() + 1), nullptr, false);
      if (!j.is_discarded()) out.push_back(j);
    }
    return out;
  }

  // Runs the device in `name`'s directory, advertising on `socket_of`'s socket (its own by
  // default: another device may take a device's place).
  std::unique_ptr<ChildProcess> StartDevice(const std::string& name, std::string socket_of = "") {
    if (socket_of.empty()) socket_of = name;
    auto device = std::make_unique<ChildProcess>(
        std::vector<std::string>{EDGEID_DEVSIM_BINARY, "run", "--device-dir", DeviceDir(name),
                                 "--socket", DeviceDir(socket_of) + "/link.sock",
                                 "--sample-period-ms", "100", "--allowed-mapper-id", kMapperId},
        dir_.File("devsim-" + name + "-" + std::to_string(++device_starts_) + ".log"));
    EXPECT_TRUE(device->WaitForOutput("advertising on")) << device->Output();
    return device;
  }

  void WriteDevices(const std::vector<DeviceSpec>& devices, const std::string& led = "true") {
    std::string yaml = R"(apiVersion: devices.kubeedge.io/v1beta1
kind: DeviceModel
metadata:
  name: stwin-model
spec:
  protocol: ble
  properties:
    - {name: temperature, type: FLOAT, accessMode: ReadOnly, unit: celsius}
    - {name: pressure, type: FLOAT, accessMode: ReadOnly, unit: hPa}
    - {name: led, type: BOOLEAN, accessMode: ReadWrite}
)";
    for (const auto& d : devices) {
      yaml += "---\napiVersion: devices.kubeedge.io/v1beta1\nkind: Device\nmetadata:\n  name: " +
              d.name +
              "\nspec:\n  deviceModelRef: {name: stwin-model}\n  protocol:\n"
              "    protocolName: ble\n    configData:\n      socketPath: " +
              DeviceDir(d.name) + "/link.sock\n      spiffeId: spiffe://" + kTd + "/device/" +
              d.name + "\n" + (d.device_id.empty() ? "" : "      deviceId: " + d.device_id + "\n") +
              "  properties:\n"
              "    - {name: temperature, reportToCloud: true, visitors: {protocolName: ble, "
              "configData: {characteristicUUID: \"2a6e\"}}}\n"
              "    - {name: pressure, visitors: {protocolName: ble, configData: "
              "{characteristicUUID: \"2a6d\"}}}\n"
              "    - {name: led, desired: {value: \"" +
              led +
              "\"}, visitors: {protocolName: ble, configData: {characteristicUUID: \"2a56\"}}}\n";
    }
    // Written beside and renamed, as kubectl-driven tooling would: the mapper never reads half.
    testing::WriteTestFile(devices_file_ + ".tmp", yaml);
    ASSERT_EQ(::rename((devices_file_ + ".tmp").c_str(), devices_file_.c_str()), 0);
  }

  // The mapper on the test's agent, Device file (unless `dmi` brings the devices), data file and
  // broker (when started); `more` flags last.
  void StartMapper(const std::vector<std::string>& more = {}, bool device_file = true) {
    std::vector<std::string> args{EDGEID_MAPPER_BINARY,   "run",
                                  "--agent-address",      processes_->agent_socket(),
                                  "--manufacturer-roots", dir_.File("maker/root.pem"),
                                  "--data-file",          readings_file_,
                                  "--refused-retry",      "1h",
                                  "--health-port",        "0"};
    if (device_file) {
      args.push_back("--device-file");
      args.push_back(devices_file_);
    }
    args.insert(args.end(), more.begin(), more.end());
    if (broker_) {
      for (const auto& arg : {std::string("--mqtt-host"), std::string("127.0.0.1"),
                              std::string("--mqtt-port"), std::to_string(broker_->port()),
                              std::string("--mqtt-broker-id"), std::string(kBrokerId)}) {
        args.push_back(arg);
      }
    }
    mapper_ = std::make_unique<ChildProcess>(args, dir_.File("mapper.log"));
    ASSERT_TRUE(mapper_->started());
  }

  // thermo-1, a genuine device, provisioned (its SVID kept renewed by a helper daemon when
  // `renewed`) and running, and the mapper registered and started: the device once the mapper
  // has authenticated it, null (a failure recorded) otherwise.
  std::unique_ptr<ChildProcess> ServeGenuineThermo(bool renewed = false) {
    thermo_ = DeviceSpec{"thermo-1", "genuine", Manufacture("thermo-1", "genuine")};
    Provision("thermo-1", renewed);
    auto device = StartDevice("thermo-1");
    WriteDevices({thermo_});
    RegisterMapper();
    StartMapper();
    if (!mapper_->WaitForOutput("genuine: secure element", std::chrono::seconds(30))) {
      ADD_FAILURE() << mapper_->Output();
      return nullptr;
    }
    return device;
  }

  // KubeEdge's answer to MapperRegister for thermo-1 (its socket, SPIFFE ID, temperature
  // reported to the cloud, LED desired on) and its model, in protobuf's JSON form.
  std::string EdgeCoreDevices() const {
    auto text = [](const std::string& value) {
      return nlohmann::json{{"@type", "type.googleapis.com/google.protobuf.StringValue"},
                            {"value", value}};
    };
    auto visitor = [&](const std::string& uuid) {
      return nlohmann::json{{"protocolName", "ble"},
                            {"configData", {{"data", {{"characteristicUUID", text(uuid)}}}}}};
    };
    nlohmann::json model = {
        {"name", "stwin-model"},
        {"namespace", "default"},
        {"spec",
         {{"properties",
           {{{"name", "temperature"}, {"type", "FLOAT"}, {"accessMode", "ReadOnly"}},
            {{"name", "pressure"}, {"type", "FLOAT"}, {"accessMode", "ReadOnly"}},
            {{"name", "led"}, {"type", "BOOLEAN"}, {"accessMode", "ReadWrite"}}}}}}};
    nlohmann::json device = {
        {"name", "thermo-1"},
        {"namespace", "default"},
        {"spec",
         {{"deviceModelReference", "stwin-model"},
          {"protocol",
           {{"protocolName", "ble"},
            {"configData",
             {{"data",
               {{"socketPath", text(DeviceDir("thermo-1") + "/link.sock")},
                {"spiffeId", text(std::string("spiffe://") + kTd + "/device/thermo-1")}}}}}}},
          {"properties",
           {{{"name", "temperature"}, {"reportToCloud", true}, {"visitors", visitor("2a6e")}},
            {{"name", "pressure"}, {"visitors", visitor("2a6d")}},
            {{"name", "led"}, {"desired", {{"value", "true"}}}, {"visitors", visitor("2a56")}}}}}}};
    return nlohmann::json{{"modelList", {model}}, {"deviceList", {device}}}.dump();
  }

  // The EdgeCore mock serving DeviceManagerService on dmi/edgecore.sock.
  std::unique_ptr<ChildProcess> StartEdgeCoreMock() {
    ::mkdir(dir_.File("dmi").c_str(), 0700);
    testing::WriteTestFile(dir_.File("dmi/register.json"), EdgeCoreDevices());
    auto mock = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            "/usr/bin/python3",
            std::string(EDGEID_SOURCE_DIR) + "/tests/integration/edgecore_dmi_mock.py",
            std::string(EDGEID_SOURCE_DIR) + "/proto", "serve", dir_.File("dmi/edgecore.sock"),
            dir_.File("dmi/register.json"), dir_.File("dmi/edgecore-calls.jsonl")},
        dir_.File("edgecore-mock.log"));
    EXPECT_TRUE(mock->WaitForOutput("edgecore mock listening", std::chrono::seconds(20)))
        << mock->Output();
    return mock;
  }

  // A DeviceMapperService call on the mapper's DMI socket by the independent client, run as
  // `as_user` when given (setpriv; root only).
  nlohmann::json CallMapperDmi(const std::string& method, const nlohmann::json& request,
                               const std::string& as_user = "") {
    std::string prefix = as_user.empty() ? ""
                                         : "setpriv --reuid " + as_user + " --regid " + as_user +
                                               " --clear-groups env HOME=/tmp ";
    auto r =
        RunCommand(prefix + "/usr/bin/python3 " + EDGEID_SOURCE_DIR +
                   "/tests/integration/edgecore_dmi_mock.py " + EDGEID_SOURCE_DIR + "/proto call " +
                   dir_.File("dmi/mapper.sock") + " " + method + " '" + request.dump() + "' 2>&1");
    auto last = r.output.substr(r.output.rfind('{', r.output.rfind("\"code\"")));
    auto j = nlohmann::json::parse(last, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.output;
    return j.is_discarded() ? nlohmann::json{{"code", "unparsed"}, {"output", r.output}} : j;
  }

  // A page of the mapper's health port (/metrics, /ready): status and body, or 0 and "".
  std::pair<int, std::string> HealthPage(const std::string& page) const {
    std::smatch m;
    std::string log = mapper_->Output();
    if (!std::regex_search(log, m, std::regex("metrics listening on http://127.0.0.1:(\\d+)"))) {
      return {0, ""};
    }
    httplib::Client client("127.0.0.1", std::stoi(m[1]));
    auto res = client.Get(page);
    return res ? std::make_pair(res->status, res->body) : std::make_pair(0, std::string());
  }
  // The mapper's /metrics page.
  std::string Metrics() const { return HealthPage("/metrics").second; }

  // The value of one series on the /metrics page (e.g. `edgeid_mapper_mqtt_pending`), or -1.
  double MetricValue(const std::string& series) const {
    std::istringstream lines(Metrics());
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    }
    return -1;
  }

  void RegisterMapper() {
    mapper_entry_ = processes_->CreateEntry(
        kMapperId, processes_->AgentId(),
        {testing::UidSelector(), testing::PathSelector(EDGEID_MAPPER_BINARY)});
    ASSERT_FALSE(mapper_entry_.empty());
  }

  // Readings of `device` in the data file, in order.
  std::vector<nlohmann::json> Readings(const std::string& device) const {
    std::vector<nlohmann::json> out;
    std::ifstream in(readings_file_);
    std::string line;
    std::string topic = "$ke/events/device/default/" + device + "/data/update";
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded() && j["topic"] == topic) out.push_back(j["payload"]);
    }
    return out;
  }

  bool WaitForReadings(const std::string& device, size_t count,
                       std::chrono::seconds timeout = std::chrono::seconds(15)) const {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (Readings(device).size() >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  static size_t Count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }

  TempDir dir_;
  std::unique_ptr<EdgeidProcesses> processes_;
  std::string devices_file_ = dir_.File("devices.yaml");
  std::string readings_file_ = dir_.File("readings.jsonl");
  std::unique_ptr<ChildProcess> mapper_;
  std::unique_ptr<testing::MosquittoBroker> broker_;
  std::vector<std::unique_ptr<ChildProcess>> helpers_;
  std::string mapper_entry_;
  DeviceSpec thermo_{"thermo-1"};  // the device ServeGenuineThermo made
  int device_starts_ = 0;
};

TEST_F(MapperTest, RefusedBeforeRegistrationThenAdmitsTheGenuineDevice) {
  StartServerAndAgent();
  DeviceSpec thermo{"thermo-1", "genuine", Manufacture("thermo-1", "genuine")};
  Provision("thermo-1");
  auto device = StartDevice("thermo-1");
  WriteDevices({thermo});
  StartMapper();

  // Not attested: the mapper says so and leaves the device alone.
  ASSERT_TRUE(mapper_->WaitForOutput("not attested")) << mapper_->Output();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(device->Output().find("paired with"), std::string::npos) << device->Output();
  EXPECT_TRUE(Readings("thermo-1").empty());

  RegisterMapper();
  ASSERT_TRUE(mapper_->WaitForOutput("attested as spiffe://example.org/mapper/ble",
                                     std::chrono::seconds(30)))
      << mapper_->Output();
  ASSERT_TRUE(mapper_->WaitForOutput("device default/thermo-1: genuine: secure element " +
                                     thermo.device_id))
      << mapper_->Output();
  EXPECT_TRUE(device->WaitForOutput("paired with spiffe://example.org/mapper/ble"));

  // Readings flow in KubeEdge's data format.
  ASSERT_TRUE(WaitForReadings("thermo-1", 10)) << mapper_->Output();
  auto readings = Readings("thermo-1");
  bool saw_temperature = false;
  for (const auto& r : readings) {
    ASSERT_TRUE(r["data"].is_object());
    if (!r["data"].contains("temperature")) continue;
    saw_temperature = true;
    double celsius = std::stod(r["data"]["temperature"]["value"].get<std::string>());
    EXPECT_GT(celsius, 10.0);
    EXPECT_LT(celsius, 35.0);
    EXPECT_EQ(r["data"]["temperature"]["metadata"]["type"], "float");
    EXPECT_GT(r["timestamp"].get<int64_t>(), 1'700'000'000'000);
  }
  EXPECT_TRUE(saw_temperature);

  // The LED follows the Device's desired value, also when the Device is edited.
  EXPECT_TRUE(device->WaitForOutput("LED switched on")) << device->Output();
  WriteDevices({thermo}, "false");
  EXPECT_TRUE(device->WaitForOutput("LED switched off")) << device->Output();
  EXPECT_TRUE(mapper_->WaitForOutput("led set to false"));

  // A bad edit is refused and the device keeps being served.
  testing::WriteTestFile(devices_file_ + ".tmp", "kind: [broken");
  ASSERT_EQ(::rename((devices_file_ + ".tmp").c_str(), devices_file_.c_str()), 0);
  EXPECT_TRUE(mapper_->WaitForOutput("Device files changed but are not valid"));
  size_t before = Readings("thermo-1").size();
  EXPECT_TRUE(WaitForReadings("thermo-1", before + 4));

  // Deleting the mapper's entry takes its identity, and with it the device.
  ASSERT_EQ(processes_->ServerCli("entry delete --entry-id " + mapper_entry_).exit_code, 0);
  EXPECT_TRUE(mapper_->WaitForOutput("the mapper lost its SVID", std::chrono::seconds(20)))
      << mapper_->Output();

  mapper_->Signal(SIGTERM);
  EXPECT_EQ(mapper_->Wait(), 0);
}

TEST_F(MapperTest, EveryCounterfeitIsRefusedForItsReason) {
  StartServerAndAgent();
  std::vector<DeviceSpec> devices = {{"genuine-1"},
                                     {"fake-self-signed", "self-signed"},
                                     {"fake-wrong-root", "wrong-root"},
                                     {"fake-mismatched-key", "mismatched-key"},
                                     {"fake-cloned", "cloned"}};
  std::vector<std::unique_ptr<ChildProcess>> running;
  for (auto& d : devices) {
    d.device_id = Manufacture(d.name, d.variant);
    Provision(d.name);
    running.push_back(StartDevice(d.name));
  }
  // A genuine element under another device's name: its serial is not the one the Device names.
  devices.push_back({"impostor", "genuine", devices[0].device_id});
  Manufacture("impostor", "genuine");
  Provision("impostor");
  running.push_back(StartDevice("impostor"));
  WriteDevices(devices);
  RegisterMapper();
  StartMapper();

  ASSERT_TRUE(mapper_->WaitForOutput("device default/genuine-1: genuine", std::chrono::seconds(30)))
      << mapper_->Output();
  struct Expect {
    const char* device;
    const char* reason;
  };
  for (const auto& e :
       {Expect{"fake-self-signed", "untrusted_chain"}, Expect{"fake-wrong-root", "untrusted_chain"},
        Expect{"fake-mismatched-key", "signature_invalid"},
        Expect{"fake-cloned", "signature_invalid"}, Expect{"impostor", "wrong_device_id"}}) {
    std::string line = std::string("device default/") + e.device + ": REFUSED (" + e.reason + ")";
    EXPECT_TRUE(mapper_->WaitForOutput(line)) << line << "\n" << mapper_->Output();
  }
  ASSERT_TRUE(WaitForReadings("genuine-1", 4));
  // Each refusal is counted by reason, for alerting.
  std::string metrics = Metrics();
  for (const auto& expected : {"edgeid_mapper_device_refusals_total{device=\"default/"
                               "fake-cloned\",reason=\"signature_invalid\"} 1",
                               "edgeid_mapper_device_refusals_total{device=\"default/"
                               "fake-self-signed\",reason=\"untrusted_chain\"} 1",
                               "edgeid_mapper_device_refusals_total{device=\"default/"
                               "impostor\",reason=\"wrong_device_id\"} 1",
                               "edgeid_mapper_pairings_total{device=\"default/genuine-1\"} 1",
                               "edgeid_mapper_attested 1"}) {
    EXPECT_NE(metrics.find(expected), std::string::npos) << expected << "\n" << metrics;
  }
  for (const auto& d : devices) {
    if (d.name != "genuine-1") {
      EXPECT_TRUE(Readings(d.name).empty()) << d.name;
    }
  }
}

// A counterfeit that stole the device's SVID takes its place: it pairs (the SVID is genuine)
// but its element gives it away, and nothing it sends is published under the device's name.
TEST_F(MapperTest, CounterfeitWithTheDevicesStolenSvidPublishesNothing) {
  StartServerAndAgent();
  auto device = ServeGenuineThermo();
  ASSERT_TRUE(device);
  ASSERT_TRUE(WaitForReadings("thermo-1", 4));

  device->Signal(SIGTERM);
  ASSERT_EQ(device->Wait(), 0);
  Manufacture("clone-1", "cloned");
  ASSERT_EQ(
      RunCommand("cp -a " + DeviceDir("thermo-1") + "/identity " + DeviceDir("clone-1")).exit_code,
      0);
  auto clone = StartDevice("clone-1", "thermo-1");
  ASSERT_TRUE(mapper_->WaitForOutput("device default/thermo-1: REFUSED", std::chrono::seconds(20)))
      << mapper_->Output();
  EXPECT_TRUE(clone->WaitForOutput("paired with spiffe://example.org/mapper/ble"))
      << clone->Output();
  size_t at_refusal = Readings("thermo-1").size();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(Readings("thermo-1").size(), at_refusal);
}

TEST_F(MapperTest, PairsAgainAfterEitherSideRestarts) {
  StartServerAndAgent();
  auto device = ServeGenuineThermo();
  ASSERT_TRUE(device);
  ASSERT_TRUE(WaitForReadings("thermo-1", 4));

  // The device reboots.
  device->Signal(SIGTERM);
  ASSERT_EQ(device->Wait(), 0);
  device = StartDevice("thermo-1");
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Count(mapper_->Output(), "genuine: secure element") < 2 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(Count(mapper_->Output(), "genuine: secure element"), 2u) << mapper_->Output();
  EXPECT_NE(mapper_->Output().find("link lost; pairing again"), std::string::npos);
  size_t before = Readings("thermo-1").size();
  EXPECT_TRUE(WaitForReadings("thermo-1", before + 4));

  // The mapper restarts.
  mapper_->Signal(SIGTERM);
  ASSERT_EQ(mapper_->Wait(), 0);
  StartMapper();
  ASSERT_TRUE(mapper_->WaitForOutput("genuine: secure element", std::chrono::seconds(30)))
      << mapper_->Output();
  before = Readings("thermo-1").size();
  EXPECT_TRUE(WaitForReadings("thermo-1", before + 4));
  // The rebooted device paired twice: with the mapper before and after its restart.
  EXPECT_EQ(Count(device->Output(), "paired with spiffe://example.org/mapper/ble"), 2u)
      << device->Output();
}

TEST_F(MapperTest, TakesUpItsRotatedSvidWithoutLosingReadings) {
  SKIP_WITHOUT_BROKER();
  // SVIDs live 16 s, so the mapper's rotates after about 8; the device's is kept renewed by a
  // helper daemon, as it would be in the field. Readings go to the file and the broker.
  StartServerAndAgent({"--default-x509-svid-ttl", "16s"});
  StartBroker();
  auto cloud = SubscribeAsCloud();
  auto device = ServeGenuineThermo(/*renewed=*/true);
  ASSERT_TRUE(device);
  ASSERT_TRUE(mapper_->WaitForOutput("SVID rotated", std::chrono::seconds(25)))
      << mapper_->Output();
  size_t at_rotation = Readings("thermo-1").size();
  ASSERT_TRUE(WaitForReadings("thermo-1", at_rotation + 10));

  // One link throughout, and no gap in the readings: the device samples every 100 ms.
  EXPECT_EQ(Count(mapper_->Output(), "genuine: secure element"), 1u) << mapper_->Output();
  auto readings = Readings("thermo-1");
  int64_t previous = 0, widest = 0;
  for (const auto& r : readings) {
    if (!r["data"].contains("temperature")) continue;
    int64_t t = r["timestamp"].get<int64_t>();
    if (previous != 0) widest = std::max(widest, t - previous);
    previous = t;
  }
  EXPECT_LT(widest, 1000) << "a gap of " << widest << " ms in the readings";

  // The device restarts after the rotation: the next pairing is made with the new SVID, past
  // the old one's expiry.
  std::this_thread::sleep_for(std::chrono::seconds(9));
  device->Signal(SIGTERM);
  ASSERT_EQ(device->Wait(), 0);
  device = StartDevice("thermo-1");
  EXPECT_TRUE(device->WaitForOutput("paired with spiffe://example.org/mapper/ble",
                                    std::chrono::seconds(20)))
      << device->Output() << mapper_->Output();
  size_t before = Readings("thermo-1").size();
  EXPECT_TRUE(WaitForReadings("thermo-1", before + 4));

  // Over MQTT: the mapper reconnected with each new SVID, and the cloud got every reading the
  // file has (each reading goes to both), no more and no fewer.
  device->Signal(SIGTERM);
  ASSERT_EQ(device->Wait(), 0);
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (MetricValue("edgeid_mapper_mqtt_pending") != 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(MetricValue("edgeid_mapper_mqtt_connects"), 2) << mapper_->Output();
  EXPECT_EQ(MetricValue("edgeid_mapper_mqtt_dropped"), 0);
  EXPECT_GE(Count(broker_->Log(), std::string("is ") + kMapperId), 2u) << broker_->Log();
  size_t in_file = Readings("thermo-1").size();
  std::set<std::string> event_ids;
  deadline = Clock::now() + std::chrono::seconds(10);
  do {
    for (const auto& r :
         Received(cloud->Output(), "$ke/events/device/default/thermo-1/data/update")) {
      event_ids.insert(r["event_id"].get<std::string>());
    }
    if (event_ids.size() >= in_file) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } while (Clock::now() < deadline);
  EXPECT_EQ(event_ids.size(), in_file) << mapper_->Output();
}

TEST_F(MapperTest, PublishesToTheBrokerOverMtlsAndTakesDesiredValuesFromIt) {
  SKIP_WITHOUT_BROKER();
  StartServerAndAgent();
  StartBroker();
  auto cloud = SubscribeAsCloud();
  auto device = ServeGenuineThermo();
  ASSERT_TRUE(device);
  ASSERT_TRUE(mapper_->WaitForOutput("mqtt: connected to 127.0.0.1")) << mapper_->Output();
  EXPECT_TRUE(broker_->WaitForLog(std::string("is ") + kMapperId)) << broker_->Log();

  // Time-series data and reported twins, in KubeEdge's shapes, reach the cloud.
  const std::string data_topic = "$ke/events/device/default/thermo-1/data/update";
  const std::string twin_topic = "$hw/events/device/default/thermo-1/twin/update";
  auto deadline = Clock::now() + std::chrono::seconds(15);
  while ((Received(cloud->Output(), data_topic).size() < 6 ||
          Received(cloud->Output(), twin_topic).size() < 2) &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto data = Received(cloud->Output(), data_topic);
  ASSERT_GE(data.size(), 6u) << cloud->Output() << mapper_->Output();
  std::set<std::string> properties;
  for (const auto& d : data) {
    ASSERT_TRUE(d["data"].is_object()) << d;
    for (const auto& [property, reading] : d["data"].items()) {
      properties.insert(property);
      std::string value = reading["value"].get<std::string>();
      if (property == "led") {
        EXPECT_EQ(reading["metadata"]["type"], "boolean");
        EXPECT_TRUE(value == "true" || value == "false") << value;
      } else {
        EXPECT_EQ(reading["metadata"]["type"], "float");
        EXPECT_NO_THROW((void)std::stod(value));
      }
    }
    EXPECT_EQ(d["event_id"].get<std::string>().size(), 36u);  // a UUID, as KubeEdge's
  }
  EXPECT_TRUE(properties.count("temperature") && properties.count("pressure"));
  // Twins only for the property the Device reports to the cloud.
  auto twins = Received(cloud->Output(), twin_topic);
  ASSERT_FALSE(twins.empty()) << cloud->Output();
  for (const auto& twin : twins) {
    ASSERT_TRUE(twin["twin"].is_object()) << twin;
    ASSERT_EQ(twin["twin"].size(), 1u) << twin;
    const auto& t = twin["twin"]["temperature"];
    EXPECT_NO_THROW((void)std::stod(t["actual"]["value"].get<std::string>())) << twin;
    EXPECT_TRUE(t["actual"]["metadata"]["timestamp"].is_number()) << twin;
    EXPECT_EQ(t["metadata"]["type"], "float");
  }

  // A desired value from the cloud reaches the device; bad ones are refused and named.
  ASSERT_TRUE(device->WaitForOutput("LED switched on")) << device->Output();
  auto delta = [&](const std::string& body) {
    auto r = RunCommand("mosquitto_pub " + CloudClientArgs() + " -i '" + kCloudId + "#delta'" +
                        " -t '$hw/events/device/default/thermo-1/twin/update/delta' -m '" + body +
                        "' 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.output;
  };
  delta(R"({"event_id":"e1","timestamp":1,"delta":{"led":"false"}})");
  EXPECT_TRUE(device->WaitForOutput("LED switched off")) << device->Output();
  EXPECT_TRUE(mapper_->WaitForOutput("desired led = false (twin delta)")) << mapper_->Output();
  // The cloud's value outlives a rewrite of the Device file that leaves the LED's own desired
  // value as it was; an edit of that value wins over it.
  // Each rewrite is waited for by the mapper's "reloaded" line: the mapper compares file times
  // once a second, and a rewrite it never saw would test nothing.
  const std::string reloaded = "Device files reloaded";
  size_t reloads = Count(mapper_->Output(), reloaded);
  size_t switched_off = Count(device->Output(), "LED switched off");
  WriteDevices({thermo_}, "true");
  ASSERT_TRUE(mapper_->WaitForOutputCount(reloaded, ++reloads)) << mapper_->Output();
  EXPECT_EQ(Count(device->Output(), "LED switched on"), 1u) << device->Output();
  WriteDevices({thermo_}, "false");
  ASSERT_TRUE(mapper_->WaitForOutputCount(reloaded, ++reloads)) << mapper_->Output();
  WriteDevices({thermo_}, "true");
  EXPECT_TRUE(device->WaitForOutputCount("LED switched on", 2)) << device->Output();
  EXPECT_EQ(Count(device->Output(), "LED switched on"), 2u) << device->Output();
  // Had the first rewrite put the file's "true" over the cloud's "false", the second would
  // have switched the LED off again.
  EXPECT_EQ(Count(device->Output(), "LED switched off"), switched_off) << device->Output();
  delta(R"({"delta":{"temperature":"99"}})");
  EXPECT_TRUE(
      mapper_->WaitForOutput("property temperature of device default/thermo-1 is not "
                             "ReadWrite"))
      << mapper_->Output();
  delta("not json");
  EXPECT_TRUE(mapper_->WaitForOutput("ignoring a twin delta")) << mapper_->Output();
  delta(R"({"delta":{"led":"maybe"}})");
  EXPECT_TRUE(mapper_->WaitForOutput("\"maybe\" is not a switch value")) << mapper_->Output();
  std::string metrics = Metrics();
  for (const auto& expected : {"edgeid_mapper_twin_deltas_total{outcome=\"applied\"} 1",
                               "edgeid_mapper_twin_deltas_total{outcome=\"refused\"} 2",
                               "edgeid_mapper_twin_deltas_total{outcome=\"malformed\"} 1",
                               "edgeid_mapper_mqtt_connected 1", "edgeid_mapper_mqtt_refused 0"}) {
    EXPECT_NE(metrics.find(expected), std::string::npos) << expected << "\n" << metrics;
  }

  // A client without a certificate gets nowhere, nor does the mapper's entry once deleted:
  // the broker is reached only with an SVID of the trust domain.
  auto anonymous = RunCommand(
      "mosquitto_pub " +
      testing::MosquittoClientArgs(*broker_, dir_.File("cloud/svid_bundle.pem"), "", "") + " -t '" +
      data_topic + "' -m forged 2>&1");
  EXPECT_NE(anonymous.exit_code, 0) << anonymous.output;
  EXPECT_EQ(cloud->Output().find("forged"), std::string::npos);
}

TEST_F(MapperTest, NoReadingIsLostWhileTheBrokerRestarts) {
  SKIP_WITHOUT_BROKER();
  StartServerAndAgent();
  StartBroker();
  auto cloud = SubscribeAsCloud();  // durable: the broker keeps its messages across the restart
  auto device = ServeGenuineThermo();
  ASSERT_TRUE(device);
  ASSERT_TRUE(mapper_->WaitForOutput("mqtt: connected to 127.0.0.1")) << mapper_->Output();
  ASSERT_TRUE(WaitForReadings("thermo-1", 10));

  // Down for two seconds: about 40 readings wait in the mapper's queue.
  broker_->Stop();
  size_t before_restart = Readings("thermo-1").size();
  ASSERT_TRUE(WaitForReadings("thermo-1", before_restart + 20));
  EXPECT_EQ(MetricValue("edgeid_mapper_mqtt_connected"), 0);
  EXPECT_GT(MetricValue("edgeid_mapper_mqtt_pending"), 0);
  ASSERT_TRUE(broker_->Start()) << broker_->error();
  // The durable subscriber reconnects by itself (mosquitto_sub retries).
  auto deadline = Clock::now() + std::chrono::seconds(40);
  while (MetricValue("edgeid_mapper_mqtt_connected") != 1 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(MetricValue("edgeid_mapper_mqtt_connected"), 1) << mapper_->Output();

  // Every reading of the file (each goes to both) reaches the cloud.
  device->Signal(SIGTERM);
  ASSERT_EQ(device->Wait(), 0);
  deadline = Clock::now() + std::chrono::seconds(20);
  while (MetricValue("edgeid_mapper_mqtt_pending") != 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::set<std::string> file_events, cloud_events;
  for (const auto& r : Readings("thermo-1"))
    file_events.insert(std::to_string(r["timestamp"].get<int64_t>()) + r["data"].begin().key());
  deadline = Clock::now() + std::chrono::seconds(20);
  do {
    cloud_events.clear();
    for (const auto& r :
         Received(cloud->Output(), "$ke/events/device/default/thermo-1/data/update")) {
      cloud_events.insert(std::to_string(r["timestamp"].get<int64_t>()) + r["data"].begin().key());
    }
    if (cloud_events.size() >= file_events.size()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } while (Clock::now() < deadline);
  std::vector<std::string> missing;
  std::set_difference(file_events.begin(), file_events.end(), cloud_events.begin(),
                      cloud_events.end(), std::back_inserter(missing));
  EXPECT_TRUE(missing.empty()) << missing.size() << " of " << file_events.size()
                               << " readings never reached the cloud";
  EXPECT_EQ(MetricValue("edgeid_mapper_mqtt_dropped"), 0);
}

TEST_F(MapperTest, ServesTheDevicesEdgeCoreGivesItOverDmi) {
  StartServerAndAgent();
  Manufacture("thermo-1", "genuine");
  Provision("thermo-1");
  auto device = StartDevice("thermo-1");
  RegisterMapper();
  auto edgecore = StartEdgeCoreMock();
  StartMapper({"--dmi-socket", dir_.File("dmi/mapper.sock"), "--dmi-edgecore-socket",
               dir_.File("dmi/edgecore.sock")},
              /*device_file=*/false);
  ASSERT_TRUE(mapper_->WaitForOutput("dmi: registered with EdgeCore")) << mapper_->Output();
  EXPECT_TRUE(mapper_->WaitForOutput("1 device(s), 1 model(s) to serve")) << mapper_->Output();
  ASSERT_TRUE(mapper_->WaitForOutput("genuine: secure element", std::chrono::seconds(30)))
      << mapper_->Output();
  ASSERT_TRUE(WaitForReadings("thermo-1", 4));
  EXPECT_TRUE(device->WaitForOutput("LED switched on")) << device->Output();

  // MapperRegister named the mapper, its protocol and its DMI socket.
  auto calls = [&] {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_.File("dmi/edgecore-calls.jsonl"));
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  };
  auto all = calls();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all[0]["method"], "MapperRegister");
  EXPECT_EQ(all[0]["request"]["withData"], true);
  EXPECT_EQ(all[0]["request"]["mapper"]["protocol"], "ble");
  EXPECT_EQ(all[0]["request"]["mapper"]["name"], "edgeid-ble-mapper");

  // The reportToCloud twin is reported, with its type and timestamp; the others are not.
  nlohmann::json report;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (report.is_null() && Clock::now() < deadline) {
    for (const auto& c : calls()) {
      if (c["method"] == "ReportDeviceStatus") report = c["request"];
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_FALSE(report.is_null()) << mapper_->Output();
  EXPECT_EQ(report["deviceName"], "thermo-1");
  EXPECT_EQ(report["deviceNamespace"], "default");
  ASSERT_EQ(report["reportedDevice"]["twins"].size(), 1u) << report;
  const auto& twin = report["reportedDevice"]["twins"][0];
  EXPECT_EQ(twin["propertyName"], "temperature");
  EXPECT_NO_THROW((void)std::stod(twin["reported"]["value"].get<std::string>())) << twin;
  EXPECT_EQ(twin["reported"]["metadata"]["type"], "float");
  EXPECT_GT(std::stoll(twin["reported"]["metadata"]["timestamp"].get<std::string>()),
            1'700'000'000'000);

  // EdgeCore's calls: GetDevice with the twins, an update that switches the LED off, and
  // refusals that name what is wrong.
  nlohmann::json id = {{"deviceName", "thermo-1"}, {"deviceNamespace", "default"}};
  auto got = CallMapperDmi("GetDevice", id);
  ASSERT_EQ(got["code"], "OK") << got;
  EXPECT_EQ(got["response"]["device"]["spec"]["deviceModelReference"], "stwin-model");
  bool reported_temperature = false;
  for (const auto& t : got["response"]["device"]["status"]["twins"]) {
    if (t["propertyName"] == "temperature" && t["reported"].contains("value")) {
      reported_temperature = true;
    }
  }
  EXPECT_TRUE(reported_temperature) << got;

  nlohmann::json updated = nlohmann::json::parse(EdgeCoreDevices())["deviceList"][0];
  updated["spec"]["properties"][2]["desired"]["value"] = "false";
  auto update = CallMapperDmi("UpdateDevice", {{"device", updated}});
  EXPECT_EQ(update["code"], "OK") << update;
  EXPECT_TRUE(device->WaitForOutput("LED switched off")) << device->Output();

  nlohmann::json bad = updated;
  bad["name"] = "thermo-2";
  bad["spec"]["properties"][0]["visitors"]["configData"]["data"]["characteristicUUID"]["value"] =
      "not-a-uuid";
  auto refused = CallMapperDmi("RegisterDevice", {{"device", bad}});
  EXPECT_EQ(refused["code"], "INVALID_ARGUMENT") << refused;
  EXPECT_NE(refused["details"].get<std::string>().find("characteristicUUID"), std::string::npos)
      << refused;
  auto twice = CallMapperDmi("RegisterDevice", {{"device", updated}});
  EXPECT_EQ(twice["code"], "ALREADY_EXISTS") << twice;
  auto in_use = CallMapperDmi("RemoveDeviceModel",
                              {{"modelName", "stwin-model"}, {"modelNamespace", "default"}});
  EXPECT_EQ(in_use["code"], "FAILED_PRECONDITION") << in_use;

  // Another local user reaches the socket (the test's directories let it through) and is
  // refused by uid.
  if (::geteuid() == 0) {
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0711), 0);
    ASSERT_EQ(::chmod(dir_.File("dmi").c_str(), 0711), 0);
    auto other = CallMapperDmi("GetDevice", id, "65534");
    EXPECT_EQ(other["code"], "PERMISSION_DENIED") << other;
    EXPECT_NE(other["details"].get<std::string>().find("uid 65534"), std::string::npos) << other;
  }

  auto removed = CallMapperDmi("RemoveDevice", id);
  EXPECT_EQ(removed["code"], "OK") << removed;
  EXPECT_TRUE(mapper_->WaitForOutput("device default/thermo-1 removed")) << mapper_->Output();
  EXPECT_EQ(CallMapperDmi("GetDevice", id)["code"], "NOT_FOUND");

  std::string metrics = Metrics();
  for (const auto& expected :
       {"edgeid_mapper_dmi_calls_total{method=\"GetDevice\",outcome=\"ok\"} 1",
        "edgeid_mapper_dmi_calls_total{method=\"RegisterDevice\",outcome=\"refused\"} 2",
        "edgeid_mapper_dmi_reports_total{outcome=\"ok\"}"}) {
    EXPECT_NE(metrics.find(expected), std::string::npos) << expected << "\n" << metrics;
  }

  // Ready while its DMI socket is its own; not once someone removes it (EdgeCore could no
  // longer reach the mapper).
  EXPECT_EQ(HealthPage("/ready").first, 200) << HealthPage("/ready").second;
  ASSERT_EQ(::unlink(dir_.File("dmi/mapper.sock").c_str()), 0);
  auto ready = HealthPage("/ready");
  EXPECT_EQ(ready.first, 503);
  EXPECT_NE(ready.second.find("removed or replaced"), std::string::npos) << ready.second;
}

TEST_F(MapperTest, DmiTalksOnlyToAllowedUids) {
  StartServerAndAgent();
  Manufacture("thermo-1", "genuine");  // the maker's root the mapper is configured with
  auto edgecore = StartEdgeCoreMock();
  // Neither this test's uid (the caller, and the mock EdgeCore) nor root is allowed.
  StartMapper({"--dmi-socket", dir_.File("dmi/mapper.sock"), "--dmi-edgecore-socket",
               dir_.File("dmi/edgecore.sock"), "--dmi-allowed-uid", "4242"},
              /*device_file=*/false);
  ASSERT_TRUE(mapper_->WaitForOutput("not by an allowed uid (dmi.allowed_uids): not talking to it"))
      << mapper_->Output();
  auto refused = CallMapperDmi("GetDevice", {{"deviceName", "thermo-1"}});
  EXPECT_EQ(refused["code"], "PERMISSION_DENIED") << refused;
  EXPECT_NE(refused["details"].get<std::string>().find("may not call this mapper's DMI"),
            std::string::npos)
      << refused;
  EXPECT_TRUE(mapper_->WaitForOutput("dmi: refused GetDevice from pid")) << mapper_->Output();
  // Nothing was sent to the EdgeCore that is not trusted.
  std::ifstream calls(dir_.File("dmi/edgecore-calls.jsonl"));
  EXPECT_FALSE(calls.good()) << "the mapper talked to an untrusted EdgeCore";
}

}  // namespace
}  // namespace edgeid
