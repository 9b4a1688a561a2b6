// Device authentication as the mapper runs it: a genuine element is admitted, and every kind of
// counterfeit is refused for its own reason.
#include "device/se/device_authentication.h"

#include <gtest/gtest.h>

#include <chrono>

#include "crypto/random.h"
#include "devsim/element/emulated_element.h"
#include "devsim/factory/manufacturer.h"

namespace edgeid::device::se {
namespace {

using devsim::Counterfeit;

class DeviceAuthenticationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    maker_ = new devsim::Manufacturer(
        *devsim::CreateManufacturer("test maker", std::chrono::system_clock::now()));
  }
  static void TearDownTestSuite() {
    delete maker_;
    maker_ = nullptr;
  }

  DeviceAuthenticationResult Authenticate(
      Counterfeit variant,
      std::chrono::system_clock::time_point at = std::chrono::system_clock::now()) {
    auto made = devsim::ManufactureElement(*maker_, variant, std::chrono::system_clock::now());
    EXPECT_TRUE(made.ok());
    devsim::EmulatedElement element(std::move(made->image));
    devsim::InProcessElementTransport transport(element);
    SecureElement host(transport);
    return AuthenticateDevice(host, {maker_->root}, at, *crypto::RandomBytes(32));
  }

  static devsim::Manufacturer* maker_;
};

devsim::Manufacturer* DeviceAuthenticationTest::maker_ = nullptr;

TEST_F(DeviceAuthenticationTest, GenuineDeviceIsAdmitted) {
  auto result = Authenticate(Counterfeit::kNone);
  ASSERT_TRUE(result.device.ok()) << result.device.error().message;
  EXPECT_EQ(result.reason, RefusalReason::kNone);
  EXPECT_EQ(result.device->device_id.size(), 22u);
  EXPECT_NE(result.device->subject.find("STSAFE-A110"), std::string::npos);
}

TEST_F(DeviceAuthenticationTest, EachCounterfeitIsRefusedForItsReason) {
  struct Case {
    Counterfeit variant;
    RefusalReason reason;
    const char* says;
  };
  for (const auto& c :
       {Case{Counterfeit::kSelfSigned, RefusalReason::kUntrustedChain,
             "not from a trusted manufacturer"},
        Case{Counterfeit::kWrongRoot, RefusalReason::kUntrustedChain,
             "not from a trusted manufacturer"},
        Case{Counterfeit::kMismatchedKey, RefusalReason::kSignatureInvalid, "does not match"},
        Case{Counterfeit::kCloned, RefusalReason::kSignatureInvalid, "replayed answer"}}) {
    auto result = Authenticate(c.variant);
    ASSERT_FALSE(result.device.ok()) << devsim::CounterfeitName(c.variant);
    EXPECT_EQ(result.reason, c.reason) << devsim::CounterfeitName(c.variant);
    EXPECT_EQ(result.device.error().code, ErrorCode::kPermissionDenied);
    EXPECT_NE(result.device.error().message.find(c.says), std::string::npos)
        << result.device.error().message;
  }
}

TEST_F(DeviceAuthenticationTest, ExpiredCertificateIsRefused) {
  auto later = std::chrono::system_clock::now() + std::chrono::hours(24 * 365 * 31);
  auto result = Authenticate(Counterfeit::kNone, later);
  ASSERT_FALSE(result.device.ok());
  EXPECT_EQ(result.reason, RefusalReason::kUntrustedChain);
  EXPECT_NE(result.device.error().message.find("expired"), std::string::npos)
      << result.device.error().message;
}

TEST_F(DeviceAuthenticationTest, AnElementWithoutACertificateIsRefused) {
  auto made =
      devsim::ManufactureElement(*maker_, Counterfeit::kNone, std::chrono::system_clock::now());
  made->image.zones[0].data.assign(made->image.zones[0].data.size(), '\xFF');
  devsim::EmulatedElement element(std::move(made->image));
  devsim::InProcessElementTransport transport(element);
  SecureElement host(transport);
  auto result = AuthenticateDevice(host, {maker_->root}, std::chrono::system_clock::now(),
                                   *crypto::RandomBytes(32));
  ASSERT_FALSE(result.device.ok());
  EXPECT_EQ(result.reason, RefusalReason::kNoCertificate);
}

// A transport that loses the element mid-way, as a dropped link would.
class BrokenTransport final : public ElementTransport {
 public:
  Result<std::string> Exchange(std::string_view) override {
    return Unavailable("link to the device lost");
  }
};

TEST_F(DeviceAuthenticationTest, AnUnreachableElementIsReportedAsSuch) {
  BrokenTransport transport;
  SecureElement host(transport);
  auto result = AuthenticateDevice(host, {maker_->root}, std::chrono::system_clock::now(),
                                   *crypto::RandomBytes(32));
  ASSERT_FALSE(result.device.ok());
  EXPECT_EQ(result.reason, RefusalReason::kElementUnreachable);
  EXPECT_NE(result.device.error().message.find("link to the device lost"), std::string::npos);
}

}  // namespace
}  // namespace edgeid::device::se
