#include "runtime/converters/java_format.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>

namespace tributary::runtime {

namespace {

// Renders shortest digits `digits` (no sign, no dot) with decimal exponent `exp10` (value is
// d.ddd × 10^exp10) the way Java's Double/Float.toString does.
std::string JavaFloatingText(bool negative, const std::string& digits, int exp10) {
  std::string out = negative ? "-" : "";
  if (exp10 >= -3 && exp10 < 7) {
    if (exp10 >= 0) {
      size_t int_len = static_cast<size_t>(exp10) + 1;
      if (digits.size() <= int_len) {
        out += digits;
        out.append(int_len - digits.size(), '0');
        out += ".0";
      } else {
        out += digits.substr(0, int_len);
        out += '.';
        out += digits.substr(int_len);
      }
    } else {
      out += "0.";
      out.append(static_cast<size_t>(-exp10 - 1), '0');
      out += digits;
    }
    return out;
  }
  out += digits[0];
  out += '.';
  out += digits.size() > 1 ? digits.substr(1) : "0";
  out += 'E';
  out += std::to_string(exp10);
  return out;
}

template <typename T>
std::string FloatingToJava(T value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  char buf[64];
  // Scientific form of the shortest round-tripping representation: "-1.2345e+02".
  auto res = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  std::string_view text(buf, static_cast<size_t>(res.ptr - buf));
  bool negative = false;
  if (text[0] == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits += c;
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int exp10 = std::atoi(std::string(text.substr(e + 1)).c_str());
  return JavaFloatingText(negative, digits, exp10);
}

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Base64Index(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

const char* ValueKindText(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNull:
      return "null";
    case ValueKind::kBoolean:
      return "boolean";
    case ValueKind::kInt8:
      return "int8";
    case ValueKind::kInt16:
      return "int16";
    case ValueKind::kInt32:
      return "int32";
    case ValueKind::kInt64:
      return "int64";
    case ValueKind::kFloat32:
      return "float32";
    case ValueKind::kFloat64:
      return "float64";
    case ValueKind::kString:
      return "string";
    case ValueKind::kBytes:
      return "bytes";
    case ValueKind::kArray:
      return "array";
    case ValueKind::kMap:
      return "map";
    case ValueKind::kStruct:
      return "struct";
    case ValueKind::kDecimal:
      return "decimal";
  }
  return "unknown";
}

std::string JavaDoubleToString(double value) { return FloatingToJava(value); }

std::string JavaFloatToString(float value) { return FloatingToJava(value); }

std::string JavaBigDecimalToString(const DecimalValue& value) {
  std::string_view unscaled = value.unscaled;
  bool negative = !unscaled.empty() && unscaled[0] == '-';
  std::string_view digits =
      negative || (!unscaled.empty() && unscaled[0] == '+') ? unscaled.substr(1) : unscaled;
  int64_t adjusted = -static_cast<int64_t>(value.scale) + static_cast<int64_t>(digits.size()) - 1;
  if (value.scale >= 0 && adjusted >= -6) return value.ToString();
  if (digits.empty()) return value.ToString();  // malformed; ToString says so
  std::string out = negative ? "-" : "";
  out += digits[0];
  if (digits.size() > 1) {
    out += '.';
    out += digits.substr(1);
  }
  out += 'E';
  if (adjusted > 0) out += '+';
  out += std::to_string(adjusted);
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                 (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += kBase64Alphabet[(n >> 6) & 63];
    out += kBase64Alphabet[n & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += kBase64Alphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  size_t len = text.size();
  if (len % 4 == 0 && len >= 4) {
    if (text[len - 1] == '=') --len;
    if (text[len - 1] == '=') --len;
  }
  if (len % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(len / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; ++i) {
    int v = Base64Index(text[i]);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::string SanitizeUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  while (i < text.size()) {
    uint8_t c = s[i];
    size_t need = 0;
    uint32_t min = 0;
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      need = 1;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      need = 2;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      need = 3;
      min = 0x10000;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    uint32_t cp = c & (0x3F >> need);
    size_t j = 1;
    for (; j <= need && i + j < text.size() && (s[i + j] & 0xC0) == 0x80; ++j) {
      cp = (cp << 6) | (s[i + j] & 0x3F);
    }
    if (j <= need || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      // Replace the malformed prefix as one unit and resume after it.
      out += "\xEF\xBF\xBD";
      i += j;
      continue;
    }
    out.append(text.substr(i, need + 1));
    i += need + 1;
  }
  return out;
}

}  // namespace tributary::runtime
