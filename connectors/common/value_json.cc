#include "connectors/common/value_json.h"

#include <charconv>
#include <cmath>

namespace tributary::connectors {
namespace {

template <typename F>
std::string FloatTextOf(F value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  std::string text(buf, res.ptr);
  // Java always shows a fractional part or an exponent ("1.0", not "1").
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

template <typename F>
void AppendFloatJson(std::string& out, F value) {
  if (std::isfinite(value)) {
    out += FloatTextOf(value);
  } else {
    AppendJsonString(out, FloatTextOf(value));  // JSON has no NaN or infinities
  }
}

}  // namespace

std::string FloatText(double value) { return FloatTextOf(value); }
std::string FloatText(float value) { return FloatTextOf(value); }

void AppendJsonString(std::string& out, std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
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
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

std::string Base64Encode(const Bytes& bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(n >> shift) & 63]);
  }
  if (i < bytes.size()) {
    uint32_t n = bytes[i] << 16;
    if (i + 1 < bytes.size()) n |= bytes[i + 1] << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string MapKeyText(const Value& key) {
  if (key.kind() == ValueKind::kString) return key.as_string();
  if (key.kind() == ValueKind::kBytes) return Base64Encode(key.as_bytes());
  std::string text;
  AppendValueJson(text, key);
  return text;
}

void AppendValueJson(std::string& out, const Value& value) {
  switch (value.kind()) {
    case ValueKind::kNull:
      out += "null";
      return;
    case ValueKind::kBoolean:
      out += value.as_bool() ? "true" : "false";
      return;
    case ValueKind::kInt8:
    case ValueKind::kInt16:
    case ValueKind::kInt32:
    case ValueKind::kInt64:
      out += std::to_string(*value.AsInteger());
      return;
    case ValueKind::kFloat32:
      return AppendFloatJson(out, value.as_float32());
    case ValueKind::kFloat64:
      return AppendFloatJson(out, value.as_float64());
    case ValueKind::kString:
      return AppendJsonString(out, value.as_string());
    case ValueKind::kBytes:
      return AppendJsonString(out, Base64Encode(value.as_bytes()));
    case ValueKind::kDecimal:
      out += value.as_decimal().ToString();
      return;
    case ValueKind::kArray: {
      out.push_back('[');
      bool first = true;
      for (const Value& element : value.as_array()) {
        if (!first) out.push_back(',');
        first = false;
        AppendValueJson(out, element);
      }
      out.push_back(']');
      return;
    }
    case ValueKind::kMap: {
      out.push_back('{');
      bool first = true;
      for (const MapEntry& entry : value.as_map()) {
        if (!first) out.push_back(',');
        first = false;
        AppendJsonString(out, MapKeyText(entry.key));
        out.push_back(':');
        AppendValueJson(out, entry.value);
      }
      out.push_back('}');
      return;
    }
    case ValueKind::kStruct: {
      const Struct& s = value.as_struct();
      out.push_back('{');
      const auto& fields = s.schema()->fields();
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) out.push_back(',');
        AppendJsonString(out, fields[i].name);
        out.push_back(':');
        AppendValueJson(out, s.Get(static_cast<int>(i)));
      }
      out.push_back('}');
      return;
    }
  }
}

}  // namespace tributary::connectors
