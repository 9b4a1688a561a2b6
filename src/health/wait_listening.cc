#include "health/wait_listening.h"

#include <httplib.h>

#include <chrono>
#include <thread>

namespace edgeid {

void WaitUntilListening(const httplib::Server& http) {
  for (int i = 0; i < 5000 && !http.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace edgeid
