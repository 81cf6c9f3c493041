// Fuzzes the .properties parser: any bytes must give a map or an InvalidConfig, never a crash,
// and a successful parse must be stable under re-parsing its own escaped output.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "runtime/config/properties.h"

namespace {

// Writes a key or value so that ParseProperties reads it back unchanged.
std::string Escape(const std::string& s, bool is_key) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\f':
        out += "\\f";
        break;
      case '=':
      case ':':
      case '#':
      case '!':
        out += '\\';
        out += c;
        break;
      case ' ':
        if (is_key || i == 0) out += '\\';
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = tributary::runtime::ParseProperties(text, "fuzz");
  if (!parsed.ok()) {
    if (parsed.status().code() != tributary::StatusCode::kInvalidConfig) std::abort();
    return 0;
  }
  std::string written;
  for (const auto& [key, value] : *parsed) {
    written += Escape(key, true) + "=" + Escape(value, false) + "\n";
  }
  auto again = tributary::runtime::ParseProperties(written, "fuzz-roundtrip");
  if (!again.ok() || *again != *parsed) std::abort();
  return 0;
}
