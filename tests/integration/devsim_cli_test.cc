// `edgeid-devsim manufacture` as a device builder runs it: the device on disk, its certificate
// checked by the openssl CLI, each counterfeit refused by device authentication, bad input
// refused with a clear message and nothing overwritten.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "crypto/random.h"
#include "device/se/device_authentication.h"
#include "devsim/element/emulated_element.h"
#include "devsim/factory/device_files.h"
#include "testing/command.h"
#include "testing/temp_dir.h"

namespace edgeid {
namespace {

using testing::RunCommand;
using testing::TempDir;

class DevsimCliTest : public ::testing::Test {
 protected:
  testing::CommandResult Devsim(const std::string& args) {
    return RunCommand(std::string(EDGEID_DEVSIM_BINARY) + " " + args + " 2>&1");
  }
  testing::CommandResult Manufacture(const std::string& name, const std::string& variant) {
    return Devsim("manufacture --manufacturer-dir " + dir_.File("maker") + " --out " +
                  dir_.File(name) + " --variant " + variant + " --name " + name);
  }
  // Zone 0 of a stored device, as a PEM file for the openssl CLI.
  std::string CertificatePem(const devsim::DeviceRecord& device, const std::string& name) {
    std::string path = dir_.File(name + ".pem");
    const std::string& der = device.element.zones[0].data;
    // The DER header gives the certificate's size; the rest of the zone is padding.
    size_t size = ((static_cast<uint8_t>(der[2]) << 8) | static_cast<uint8_t>(der[3])) + 4;
    auto parsed = crypto::Certificate::FromDer(der.substr(0, size));
    EXPECT_TRUE(parsed.ok());
    EXPECT_TRUE(WriteFileAtomic(path, parsed->ToPem(), 0644).ok());
    return path;
  }
  device::se::DeviceAuthenticationResult Authenticate(devsim::DeviceRecord device) {
    auto root = crypto::Certificate::FromPem(*ReadFile(dir_.File("maker/root.pem")));
    EXPECT_TRUE(root.ok());
    devsim::EmulatedElement element(std::move(device.element));
    devsim::InProcessElementTransport transport(element);
    device::se::SecureElement host(transport);
    return device::se::AuthenticateDevice(host, {*root}, std::chrono::system_clock::now(),
                                          *crypto::RandomBytes(32));
  }

  TempDir dir_;
};

TEST_F(DevsimCliTest, GenuineDeviceIsStoredVerifiedByOpensslAndAuthenticated) {
  auto made = Manufacture("thermo-1", "genuine");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  EXPECT_NE(made.output.find("Device ID    : "), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(dir_.File("thermo-1/slot0.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir_.File("maker/root.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto device = devsim::LoadDevice(dir_.File("thermo-1"));
  ASSERT_TRUE(device.ok()) << device.error().message;
  EXPECT_EQ(device->name, "thermo-1");
  EXPECT_NE(made.output.find(device->device_id), std::string::npos);
  auto verify = RunCommand("openssl verify -CAfile " + dir_.File("maker/root.pem") + " " +
                           CertificatePem(*device, "thermo-1") + " 2>&1");
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  auto result = Authenticate(std::move(*device));
  EXPECT_TRUE(result.device.ok()) << result.device.error().message;

  // A second device from the same maker shares its root.
  ASSERT_EQ(Manufacture("thermo-2", "genuine").exit_code, 0);
  EXPECT_TRUE(Authenticate(*devsim::LoadDevice(dir_.File("thermo-2"))).device.ok());
}

TEST_F(DevsimCliTest, CounterfeitsAreRefusedAndOpensslAgreesOnTheirChains) {
  ASSERT_EQ(Manufacture("genuine", "genuine").exit_code, 0);
  for (const char* variant : {"self-signed", "wrong-root", "mismatched-key", "cloned"}) {
    auto made = Manufacture(variant, variant);
    ASSERT_EQ(made.exit_code, 0) << made.output;
    auto device = devsim::LoadDevice(dir_.File(variant));
    ASSERT_TRUE(device.ok()) << device.error().message;
    auto verify = RunCommand("openssl verify -CAfile " + dir_.File("maker/root.pem") + " " +
                             CertificatePem(*device, variant) + " 2>&1");
    bool chain_is_fake =
        std::string(variant) == "self-signed" || std::string(variant) == "wrong-root";
    EXPECT_EQ(verify.exit_code != 0, chain_is_fake) << variant << ": " << verify.output;
    auto result = Authenticate(std::move(*device));
    EXPECT_FALSE(result.device.ok()) << variant << " was admitted";
  }
}

TEST_F(DevsimCliTest, BadInputIsRefusedAndNothingIsOverwritten) {
  ASSERT_EQ(Manufacture("thermo", "genuine").exit_code, 0);
  std::string before = *ReadFile(dir_.File("thermo/device.json"));
  auto again = Manufacture("thermo", "genuine");
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("already holds a device"), std::string::npos) << again.output;
  EXPECT_EQ(*ReadFile(dir_.File("thermo/device.json")), before);

  auto bogus = Manufacture("bogus", "bogus");
  EXPECT_NE(bogus.exit_code, 0);
  EXPECT_NE(bogus.output.find("unknown device variant 'bogus'"), std::string::npos);

  auto missing = Devsim("manufacture --out " + dir_.File("x"));
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("--manufacturer-dir is required"), std::string::npos)
      << missing.output;

  // Numbers out of range or of the wrong type are refused, not converted.
  auto original = nlohmann::json::parse(before);
  struct Damage {
    const char* pointer;
    nlohmann::json value;
    const char* says;
  };
  for (const auto& d : {Damage{"/element/zones/0/index", 4294967296ULL, "index must be 0..255"},
                        Damage{"/element/zones/1/index", 0, "zone 0 is listed twice"},
                        Damage{"/element/life_cycle", 1e300, "life_cycle must be an integer"},
                        Damage{"/element/zones/0/read", true, "read must be an integer"}}) {
    auto damaged = original;
    damaged[nlohmann::json::json_pointer(d.pointer)] = d.value;
    ASSERT_TRUE(WriteFileAtomic(dir_.File("thermo/device.json"), damaged.dump(), 0644).ok());
    auto loaded = devsim::LoadDevice(dir_.File("thermo"));
    ASSERT_FALSE(loaded.ok()) << d.pointer;
    EXPECT_NE(loaded.error().message.find(d.says), std::string::npos) << loaded.error().message;
  }

  // A damaged device file names itself and what is wrong.
  ASSERT_TRUE(WriteFileAtomic(dir_.File("thermo/device.json"), "{\"name\": 3}", 0644).ok());
  auto damaged = devsim::LoadDevice(dir_.File("thermo"));
  ASSERT_FALSE(damaged.ok());
  EXPECT_NE(damaged.error().message.find("device.json"), std::string::npos);
  // A maker key that is not the root's key is refused.
  ASSERT_TRUE(
      WriteFileAtomic(dir_.File("maker/root.key"), *ReadFile(dir_.File("thermo/slot0.key")), 0600)
          .ok());
  auto wrong_maker = Manufacture("other", "genuine");
  EXPECT_NE(wrong_maker.exit_code, 0);
  EXPECT_NE(wrong_maker.output.find("is not the key of"), std::string::npos) << wrong_maker.output;
}

}  // namespace
}  // namespace edgeid
