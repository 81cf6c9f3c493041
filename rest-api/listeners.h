#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/api/status.h"

namespace tributary::rest {

// One entry of the `listeners` worker setting, e.g. "http://:8083" or "http://[::1]:0".
struct Listener {
  std::string scheme;  // "http" or "https", lower-cased
  std::string host;    // empty = all interfaces; IPv6 literals without brackets
  uint16_t port = 0;   // 0 = any free port
};

// Parses the comma-separated `listeners` value. InvalidConfig naming the bad entry when an entry
// has no scheme, an unknown scheme, no port or a port outside 0..65535, or when the list is empty.
// HTTPS entries parse fine; whether they can be served is the server's business.
Result<std::vector<Listener>> ParseListeners(std::string_view value);

}  // namespace tributary::rest
