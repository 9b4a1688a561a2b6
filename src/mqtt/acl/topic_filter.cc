#include "mqtt/acl/topic_filter.h"

#include <cstddef>
#include <string>

namespace edgeid::mqtt {
namespace {

constexpr std::size_t kMaxTopicBytes = 65535;

// Walks the '/'-separated levels of a topic or filter; an empty text is one empty level.
class Levels {
 public:
  explicit Levels(std::string_view text) : rest_(text) {}
  bool done() const { return done_; }
  std::string_view Next() {
    auto slash = rest_.find('/');
    if (slash == std::string_view::npos) {
      done_ = true;
      return rest_;
    }
    auto level = rest_.substr(0, slash);
    rest_.remove_prefix(slash + 1);
    return level;
  }

 private:
  std::string_view rest_;
  bool done_ = false;
};

// MQTT §4.7.2: a wildcard in the first level does not reach topics that start with '$'.
bool WildcardMeetsDollarTopic(std::string_view filter, std::string_view topic) {
  return !topic.empty() && topic.front() == '$' && !filter.empty() &&
         (filter.front() == '+' || filter.front() == '#');
}

}  // namespace

Status ValidateTopicFilter(std::string_view filter) {
  const std::string quoted = "topic filter \"" + std::string(filter) + "\"";
  if (filter.empty()) return InvalidArgument("empty topic filter");
  if (filter.size() > kMaxTopicBytes) return InvalidArgument(quoted + " is over 65535 bytes");
  if (filter.find('\0') != std::string_view::npos) {
    return InvalidArgument(quoted + " contains a NUL character");
  }
  Levels levels(filter);
  while (!levels.done()) {
    auto level = levels.Next();
    if (level == "#") {
      if (!levels.done()) return InvalidArgument(quoted + ": '#' must be the last level");
      continue;
    }
    if (level == "+") continue;
    if (level.find_first_of("+#") != std::string_view::npos) {
      return InvalidArgument(quoted + ": '+' and '#' must stand alone in their level");
    }
  }
  return OkStatus();
}

bool TopicMatches(std::string_view filter, std::string_view topic) {
  if (WildcardMeetsDollarTopic(filter, topic)) return false;
  Levels f(filter);
  Levels t(topic);
  while (!f.done()) {
    auto want = f.Next();
    if (want == "#") return true;  // also the parent level: "a/#" matches "a"
    if (t.done()) return false;
    auto got = t.Next();
    if (want != "+" && want != got) return false;
  }
  return t.done();
}

bool FilterCovers(std::string_view allowed, std::string_view requested) {
  if (WildcardMeetsDollarTopic(allowed, requested)) return false;
  Levels a(allowed);
  Levels r(requested);
  while (!a.done()) {
    auto grant = a.Next();
    if (grant == "#") return true;
    if (r.done()) return false;
    auto ask = r.Next();
    if (ask == "#") return false;  // asks for more levels than `grant` can cover
    if (grant == "+") continue;
    if (ask == "+" || grant != ask) return false;
  }
  return r.done();
}

}  // namespace edgeid::mqtt
