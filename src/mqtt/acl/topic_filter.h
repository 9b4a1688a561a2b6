// MQTT topic names and filters (MQTT 3.1.1 §4.7, MQTT 5 §4.7): levels split by '/', '+' one
// whole level, '#' the last level and everything below it.
#pragma once

#include <string_view>

#include "common/result.h"

namespace edgeid::mqtt {

// A topic filter as a client may subscribe with it: not empty, at most 65535 bytes, no NUL, '+'
// and '#' only as whole levels, '#' only last.
Status ValidateTopicFilter(std::string_view filter);

// Whether `topic` (a topic name, no wildcards) matches `filter`. As the standard says (§4.7.2),
// a wildcard in the first level does not match a topic that starts with '$'.
bool TopicMatches(std::string_view filter, std::string_view topic);

// Whether every topic that `requested` matches is also matched by `allowed`: a subscription is
// within what the ACL grants.
bool FilterCovers(std::string_view allowed, std::string_view requested);

}  // namespace edgeid::mqtt
