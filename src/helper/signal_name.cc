#include "helper/signal_name.h"

#include <signal.h>

#include <array>
#include <utility>

namespace edgeid::helper {
namespace {

constexpr std::array<std::pair<std::string_view, int>, 31> kSignals = {{
    {"SIGHUP", SIGHUP},   {"SIGINT", SIGINT},       {"SIGQUIT", SIGQUIT}, {"SIGILL", SIGILL},
    {"SIGTRAP", SIGTRAP}, {"SIGABRT", SIGABRT},     {"SIGBUS", SIGBUS},   {"SIGFPE", SIGFPE},
    {"SIGKILL", SIGKILL}, {"SIGUSR1", SIGUSR1},     {"SIGSEGV", SIGSEGV}, {"SIGUSR2", SIGUSR2},
    {"SIGPIPE", SIGPIPE}, {"SIGALRM", SIGALRM},     {"SIGTERM", SIGTERM}, {"SIGSTKFLT", SIGSTKFLT},
    {"SIGCHLD", SIGCHLD}, {"SIGCONT", SIGCONT},     {"SIGSTOP", SIGSTOP}, {"SIGTSTP", SIGTSTP},
    {"SIGTTIN", SIGTTIN}, {"SIGTTOU", SIGTTOU},     {"SIGURG", SIGURG},   {"SIGXCPU", SIGXCPU},
    {"SIGXFSZ", SIGXFSZ}, {"SIGVTALRM", SIGVTALRM}, {"SIGPROF", SIGPROF}, {"SIGWINCH", SIGWINCH},
    {"SIGIO", SIGIO},     {"SIGPWR", SIGPWR},       {"SIGSYS", SIGSYS},
}};

}  // namespace

Result<int> SignalByName(std::string_view name) {
  for (const auto& [signal_name, number] : kSignals) {
    if (name == signal_name || name == signal_name.substr(3)) return number;
  }
  return InvalidArgument("\"" + std::string(name) +
                         "\" is not a signal name (e.g. SIGUSR1, SIGHUP)");
}

std::string SignalName(int signal) {
  for (const auto& [signal_name, number] : kSignals) {
    if (number == signal) return std::string(signal_name);
  }
  return "signal " + std::to_string(signal);
}

}  // namespace edgeid::helper
