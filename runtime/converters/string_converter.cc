#include "runtime/converters/string_converter.h"

#include <cctype>

#include "runtime/converters/java_format.h"

namespace tributary::runtime {

namespace {

bool IsUtf8Name(std::string name) {
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name == "utf-8" || name == "utf8";
}

void AppendNatural(const Value& value, std::string* out) {
  switch (value.kind()) {
    case ValueKind::kNull:
      *out += "null";
      return;
    case ValueKind::kBoolean:
      *out += value.as_bool() ? "true" : "false";
      return;
    case ValueKind::kInt8:
    case ValueKind::kInt16:
    case ValueKind::kInt32:
    case ValueKind::kInt64:
      *out += std::to_string(*value.AsInteger());
      return;
    case ValueKind::kFloat32:
      *out += JavaFloatToString(value.as_float32());
      return;
    case ValueKind::kFloat64:
      *out += JavaDoubleToString(value.as_float64());
      return;
    case ValueKind::kString:
      *out += value.as_string();
      return;
    case ValueKind::kBytes: {
      const Bytes& b = value.as_bytes();
      *out += Base64Encode(AsText(b));
      return;
    }
    case ValueKind::kDecimal:
      *out += JavaBigDecimalToString(value.as_decimal());
      return;
    case ValueKind::kArray: {
      *out += '[';
      bool first = true;
      for (const Value& e : value.as_array()) {
        if (!first) *out += ", ";
        first = false;
        AppendNatural(e, out);
      }
      *out += ']';
      return;
    }
    case ValueKind::kMap: {
      *out += '{';
      bool first = true;
      for (const MapEntry& e : value.as_map()) {
        if (!first) *out += ", ";
        first = false;
        AppendNatural(e.key, out);
        *out += '=';
        AppendNatural(e.value, out);
      }
      *out += '}';
      return;
    }
    case ValueKind::kStruct: {
      const Struct& s = value.as_struct();
      *out += "Struct{";
      bool first = true;
      if (s.schema()) {
        // Java's Struct.toString skips null fields.
        for (const Field& f : s.schema()->fields()) {
          const Value& v = s.Get(f.index);
          if (v.is_null()) continue;
          if (!first) *out += ',';
          first = false;
          *out += f.name;
          *out += '=';
          AppendNatural(v, out);
        }
      }
      *out += '}';
      return;
    }
  }
}

}  // namespace

std::string NaturalText(const Value& value) {
  std::string out;
  AppendNatural(value, &out);
  return out;
}

const ConfigDef& StringConverter::ConfigDefinition() {
  static const ConfigDef def = [] {
    ConfigDef d;
    d.Define(kEncodingConfig, ConfigType::kString, "UTF-8", Importance::kHigh,
             "The name of the character encoding used to write and read strings. Only UTF-8 is "
             "supported.");
    return d;
  }();
  return def;
}

Status StringConverter::Configure(const ConfigMap& configs, bool /*is_key*/) {
  Result<ParsedConfig> parsed = ConfigDefinition().Parse(configs);
  if (!parsed.ok()) return parsed.status();
  const std::string& encoding = parsed->GetString(kEncodingConfig);
  if (!IsUtf8Name(encoding)) {
    return Status::InvalidConfig("Invalid value " + encoding + " for configuration " +
                                 kEncodingConfig + ": only UTF-8 is supported");
  }
  return Status::Ok();
}

Result<std::optional<std::string>> StringConverter::FromConnectData(const std::string& /*topic*/,
                                                                    const SchemaPtr& /*schema*/,
                                                                    const Value& value) {
  if (value.is_null()) return std::optional<std::string>();
  if (value.kind() == ValueKind::kString) return std::optional<std::string>(value.as_string());
  return std::optional<std::string>(NaturalText(value));
}

Result<SchemaAndValue> StringConverter::ToConnectData(const std::string& /*topic*/,
                                                      std::optional<std::string_view> bytes) {
  if (!bytes) return SchemaAndValue{schemas::OptionalString(), Value()};
  return SchemaAndValue{schemas::OptionalString(), Value::String(SanitizeUtf8(*bytes))};
}

}  // namespace tributary::runtime
