#include "rest-api/listeners.h"

#include <algorithm>
#include <cctype>

namespace tributary::rest {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Result<Listener> ParseOne(std::string_view entry) {
  const auto invalid = [&](const std::string& why) {
    return Status::InvalidConfig("Invalid listener '" + std::string(entry) +
                                 "' in 'listeners': " + why);
  };
  Listener listener;
  const size_t sep = entry.find("://");
  if (sep == std::string_view::npos) return invalid("expected <scheme>://<host>:<port>");
  listener.scheme = std::string(entry.substr(0, sep));
  std::transform(listener.scheme.begin(), listener.scheme.end(), listener.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (listener.scheme != "http" && listener.scheme != "https") {
    return invalid("the scheme must be http or https");
  }
  std::string_view rest = entry.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return invalid("unterminated IPv6 address");
    listener.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (rest.empty() || rest.front() != ':') return invalid("a port is required");
    port_text = rest.substr(1);
  } else {
    const size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) return invalid("a port is required");
    listener.host = std::string(rest.substr(0, colon));
    if (listener.host.find_first_of(":/[]") != std::string::npos) return invalid("malformed host");
    port_text = rest.substr(colon + 1);
  }
  if (port_text.empty() || port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(),
                   [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return invalid("the port must be a number from 0 to 65535");
  }
  const int port = std::stoi(std::string(port_text));
  if (port > 65535) return invalid("the port must be a number from 0 to 65535");
  listener.port = static_cast<uint16_t>(port);
  return listener;
}

}  // namespace

Result<std::vector<Listener>> ParseListeners(std::string_view value) {
  std::vector<Listener> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view entry = Trim(value.substr(start, comma - start));
    start = comma + 1;
    if (entry.empty()) continue;
    TRIBUTARY_ASSIGN_OR_RETURN(Listener listener, ParseOne(entry));
    out.push_back(std::move(listener));
  }
  if (out.empty()) return Status::InvalidConfig("'listeners' must name at least one listener");
  return out;
}

}  // namespace tributary::rest
