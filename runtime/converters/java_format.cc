#include "runtime/converters/java_format.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <type_traits>

namespace tributary::runtime {

namespace {

// Java's Double/Float.toString of a finite, nonzero `value`: the shortest round-tripping digits
// d.ddd × 10^exp10, as plain text ("123.45", "0.001") when 10^-3 <= |value| < 10^7, else as
// "d.dddEexp". Written into a local buffer (JsonConverter writes every double of every record
// through here: std::string pieces cost about as much as finding the digits).
template <typename T>
std::string FiniteFloatingToJava(T value) {
  char buf[64];
  // Scientific form of the shortest round-tripping representation: "-1.2345e+02".
  const char* end = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific).ptr;
  const bool negative = buf[0] == '-';
  char digits[32];  // at most 17 significant digits (double)
  size_t n = 0;
  int exp10 = 0;
  // Reads the significant digits (trailing zeros dropped, one kept) and the exponent of a
  // scientific form.
  auto split = [&](const char* p, const char* end) {
    if (*p == '-') ++p;
    n = 0;
    for (; p < end && *p != 'e'; ++p) {
      if (*p != '.') digits[n++] = *p;
    }
    while (n > 1 && digits[n - 1] == '0') --n;
    exp10 = 0;
    bool exp_negative = false;
    if (p < end) {  // at 'e'
      ++p;
      exp_negative = *p == '-';
      if (*p == '-' || *p == '+') ++p;
      for (; p < end; ++p) exp10 = exp10 * 10 + (*p - '0');
    }
    if (exp_negative) exp10 = -exp10;
  };
  split(buf, end);
  if (n == 1 && std::fpclassify(value) == FP_SUBNORMAL) {
    // Java writes at least two digits, and when one digit is enough to read back as `value` it
    // takes the two-digit decimal closest to it if that also reads back (Double.toString's
    // contract): Double.MIN_VALUE is "4.9E-324", not "5.0E-324". A normal value that one digit
    // d reads back as lies so close to d that the closest two-digit decimal is d.0 anyway.
    char two[32];
    const char* two_end =
        std::to_chars(two, two + sizeof(two), value, std::chars_format::scientific, 1).ptr;
    T back{};
    if (std::from_chars(two, two_end, back).ec == std::errc() && back == value) split(two, two_end);
  }

  char out[64];
  char* o = out;
  if (negative) *o++ = '-';
  auto put = [&o](const char* from, size_t count) {
    std::memcpy(o, from, count);
    o += count;
  };
  if (exp10 >= -3 && exp10 < 7) {
    if (exp10 >= 0) {
      const auto int_len = static_cast<size_t>(exp10) + 1;
      if (n <= int_len) {
        put(digits, n);
        std::memset(o, '0', int_len - n);
        o += int_len - n;
        put(".0", 2);
      } else {
        put(digits, int_len);
        *o++ = '.';
        put(digits + int_len, n - int_len);
      }
    } else {
      put("0.", 2);
      std::memset(o, '0', static_cast<size_t>(-exp10 - 1));
      o += -exp10 - 1;
      put(digits, n);
    }
  } else {
    *o++ = digits[0];
    *o++ = '.';
    if (n > 1) {
      put(digits + 1, n - 1);
    } else {
      *o++ = '0';
    }
    *o++ = 'E';
    o = std::to_chars(o, out + sizeof(out), exp10).ptr;
  }
  return std::string(out, o);
}

// Java's Double.toString of `value` when it is a short decimal in the plain range: m × 10^-k
// for integers m < 10^15 and k <= 9, with 10^-3 <= |value| < 10^7 ("17.45", "0.00123",
// "1234567.0"), found without the general shortest-digits search; false (nothing written) for
// any other value. Exact: m × 10^-k converts to `value` (checked: m and 10^k are exact doubles,
// so the division rounds the true quotient once, as parsing does), and no shorter decimal
// converts to it, because distinct decimals of at most 15 significant digits convert to distinct
// doubles (DBL_DIG); so these are the digits FiniteFloatingToJava would find.
bool ShortDecimalToJava(double value, std::string* out) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
  const double magnitude = std::fabs(value);
  if (!(magnitude >= 1e-3 && magnitude < 1e7)) return false;
  for (int k = 0; k < 10; ++k) {
    const double scaled = magnitude * kPow10[k];
    if (scaled >= 1e15) return false;
    if (scaled != std::floor(scaled)) continue;
    const auto m = static_cast<uint64_t>(scaled);
    if (static_cast<double>(m) / kPow10[k] != magnitude) continue;
    // m as digits, then the point inserted k digits from the end (zeros in front when m has
    // fewer digits); trailing zeros of the fraction dropped, at least one kept.
    char digits[24];
    char* digits_end = std::to_chars(digits, digits + sizeof(digits), m).ptr;
    const auto n = static_cast<size_t>(digits_end - digits);
    const auto frac = static_cast<size_t>(k);
    char text[48];
    char* o = text;
    if (value < 0) *o++ = '-';
    if (n > frac) {
      std::memcpy(o, digits, n - frac);
      o += n - frac;
    } else {
      *o++ = '0';
    }
    *o++ = '.';
    if (n < frac) {
      std::memset(o, '0', frac - n);
      o += frac - n;
    }
    const size_t from = n > frac ? n - frac : 0;
    size_t last = n;
    while (last > from && digits[last - 1] == '0') --last;
    if (last == from && n >= frac) {
      *o++ = '0';
    } else {
      std::memcpy(o, digits + from, last - from);
      o += last - from;
    }
    out->assign(text, o);
    return true;
  }
  return false;
}

template <typename T>
std::string FloatingToJava(T value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  if constexpr (std::is_same_v<T, double>) {
    std::string text;
    if (ShortDecimalToJava(value, &text)) return text;
  }
  return FiniteFloatingToJava(value);
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
  // Valid bytes are copied in runs, not one by one (text is nearly always valid: a record's key
  // or value read by StringConverter).
  std::string out;
  out.reserve(text.size());
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  size_t run = 0;  // where the valid bytes not copied yet start
  size_t i = 0;
  // The malformed bytes [i, end) become one U+FFFD.
  auto replace = [&](size_t end) {
    out.append(text.substr(run, i - run)).append("\xEF\xBF\xBD");
    i = run = end;
  };
  while (i < text.size()) {
    const uint8_t c = s[i];
    size_t need = 0;
    uint32_t min = 0;
    if (c < 0x80) {
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
      replace(i + 1);
      continue;
    }
    uint32_t cp = c & (0x3F >> need);
    size_t j = 1;
    for (; j <= need && i + j < text.size() && (s[i + j] & 0xC0) == 0x80; ++j) {
      cp = (cp << 6) | (s[i + j] & 0x3F);
    }
    if (j <= need || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      replace(i + j);  // the malformed prefix as one unit; resume after it
      continue;
    }
    i += need + 1;
  }
  out.append(text.substr(run));
  return out;
}

}  // namespace tributary::runtime
