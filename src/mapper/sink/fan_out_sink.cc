#include "mapper/sink/fan_out_sink.h"

namespace edgeid::mapper {

Status FanOutSink::Publish(const Reading& reading) {
  Status first = OkStatus();
  for (ReadingSink* sink : sinks_) {
    auto published = sink->Publish(reading);
    if (!published.ok() && first.ok()) first = published;
  }
  return first;
}

}  // namespace edgeid::mapper
