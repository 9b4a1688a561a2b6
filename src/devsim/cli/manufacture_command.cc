#include "devsim/cli/manufacture_command.h"

#include <chrono>
#include <iostream>
#include <memory>

#include "devsim/factory/device_files.h"
#include "devsim/factory/manufacturer.h"

namespace edgeid::devsim {
namespace {

struct ManufactureFlags {
  std::string manufacturer_dir;
  std::string out;
  std::string variant = "genuine";
  std::string name;
  std::string firmware_version = "1.0.0";
};

int Manufacture(const ManufactureFlags& flags) {
  auto fail = [](const Error& error) {
    std::cerr << "edgeid-devsim manufacture: " << error.message << "\n";
    return 1;
  };
  auto variant = ParseCounterfeit(flags.variant);
  if (!variant.ok()) return fail(variant.error());
  auto now = std::chrono::system_clock::now();
  auto maker = LoadOrCreateManufacturer(flags.manufacturer_dir, now);
  if (!maker.ok()) return fail(maker.error().Wrap("manufacturer " + flags.manufacturer_dir));
  auto made = ManufactureElement(*maker, *variant, now);
  if (!made.ok()) return fail(made.error());
  DeviceRecord device{flags.name.empty() ? "sensor-" + made->device_id.substr(0, 8) : flags.name,
                      flags.firmware_version, *variant, made->device_id, std::move(made->image)};
  auto saved = SaveNewDevice(flags.out, device);
  if (!saved.ok()) return fail(saved.error());
  std::cout << "Device       : " << device.name << "\n"
            << "Device ID    : " << device.device_id << "\n"
            << "Variant      : " << CounterfeitName(device.variant) << "\n"
            << "Firmware     : " << device.firmware_version << "\n"
            << "Stored in    : " << flags.out << "\n"
            << "Maker root   : " << flags.manufacturer_dir << "/root.pem\n";
  return 0;
}

}  // namespace

void AddManufactureCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ManufactureFlags>();
  auto* cmd = app.add_subcommand(
      "manufacture", "Make a device: a secure element with its key and certificate, or a fake");
  cmd->add_option("--manufacturer-dir", flags->manufacturer_dir,
                  "Manufacturer root CA (root.pem, root.key); created when absent")
      ->required();
  cmd->add_option("--out", flags->out, "Directory for the new device")->required();
  cmd->add_option("--variant", flags->variant,
                  "genuine, self-signed, wrong-root, mismatched-key or cloned")
      ->capture_default_str();
  cmd->add_option("--name", flags->name, "Device name (default: sensor-<device ID>)");
  cmd->add_option("--firmware-version", flags->firmware_version, "Firmware version")
      ->capture_default_str();
  cmd->callback([flags, &exit_code] { exit_code = Manufacture(*flags); });
}

}  // namespace edgeid::devsim
