#include "runtime/converters/byte_array_converter.h"

#include <cctype>

#include "runtime/converters/java_format.h"

namespace tributary::runtime {

const ConfigDef& ByteArrayConverter::ConfigDefinition() {
  static const ConfigDef def;
  return def;
}

Status ByteArrayConverter::Configure(const ConfigMap& configs, bool /*is_key*/) {
  Result<ParsedConfig> parsed = ConfigDefinition().Parse(configs);
  return parsed.ok() ? Status::Ok() : parsed.status();
}

Result<std::optional<std::string>> ByteArrayConverter::FromConnectData(const std::string& /*topic*/,
                                                                       const SchemaPtr& schema,
                                                                       const Value& value) {
  if (schema && schema->type() != SchemaType::kBytes) {
    std::string type = SchemaTypeName(schema->type());
    for (char& c : type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (schema->type() == SchemaType::kFloat32) type = "FLOAT32";
    if (schema->type() == SchemaType::kFloat64) type = "FLOAT64";
    return Status::DataError("Invalid schema type for ByteArrayConverter: " + type);
  }
  if (value.is_null()) return std::optional<std::string>();
  if (value.kind() != ValueKind::kBytes) {
    return Status::DataError(
        std::string("ByteArrayConverter is not compatible with objects of type ") +
        ValueKindText(value.kind()));
  }
  const Bytes& b = value.as_bytes();
  return std::optional<std::string>(std::string(AsText(b)));
}

Result<SchemaAndValue> ByteArrayConverter::ToConnectData(const std::string& /*topic*/,
                                                         std::optional<std::string_view> bytes) {
  if (!bytes) return SchemaAndValue{schemas::OptionalBytes(), Value()};
  return SchemaAndValue{schemas::OptionalBytes(), Value::BytesValue(ToBytes(*bytes))};
}

}  // namespace tributary::runtime
