#include "connectors/common/value_json.h"

#include <charconv>
#include <cmath>

namespace tributary::connectors::pg {
namespace {

void AppendString(std::string& out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (unsigned char c : s) {
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

std::string Base64(const Bytes& bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
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

template <typename F>
void AppendFloat(std::string& out, F v) {
  if (std::isnan(v)) return AppendString(out, "NaN");
  if (std::isinf(v)) return AppendString(out, v > 0 ? "Infinity" : "-Infinity");
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, res.ptr);
}

// A map key as text: strings as they are, other primitives as their JSON text.
std::string KeyText(const Value& key) {
  if (key.kind() == ValueKind::kString) return key.as_string();
  std::string text;
  AppendValueJson(text, key);
  return text;
}

}  // namespace

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
      return AppendFloat(out, value.as_float32());
    case ValueKind::kFloat64:
      return AppendFloat(out, value.as_float64());
    case ValueKind::kString:
      return AppendString(out, value.as_string());
    case ValueKind::kBytes:
      return AppendString(out, Base64(value.as_bytes()));
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
        AppendString(out, KeyText(entry.key));
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
        AppendString(out, fields[i].name);
        out.push_back(':');
        AppendValueJson(out, s.Get(static_cast<int>(i)));
      }
      out.push_back('}');
      return;
    }
  }
}

}  // namespace tributary::connectors::pg
