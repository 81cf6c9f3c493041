#pragma once

// org.apache.kafka.connect.storage.SimpleHeaderConverter: header values as text.

#include <memory>

#include "runtime/api/converter.h"

namespace tributary::runtime {

class SimpleHeaderConverter : public HeaderConverter {
 public:
  static constexpr const char* kClassName =
      "org.apache.kafka.connect.storage.SimpleHeaderConverter";

  static const ConfigDef& ConfigDefinition();
  const ConfigDef& Definition() const override { return ConfigDefinition(); }
  Status Configure(const ConfigMap& configs) override;

  // Connect's Values.convertToString: strings as they are, numbers and booleans as Java prints
  // them, bytes as base64, Date/Time/Timestamp as ISO-8601 text, arrays "[1,2]", maps
  // {"k":v}, structs {"field":v}. A null value is a Kafka null.
  Result<std::optional<std::string>> FromConnectHeader(const std::string& topic,
                                                       const std::string& header_key,
                                                       const SchemaPtr& schema,
                                                       const Value& value) override;
  // Infers a little (Connect's Values.parseString infers much more): "true"/"false" (any case)
  // -> BOOLEAN; an integer literal -> the narrowest of INT8, INT16, INT32, INT64; anything else
  // (including the empty string) -> STRING. A Kafka null gives a null schema and value.
  Result<SchemaAndValue> ToConnectHeader(const std::string& topic, const std::string& header_key,
                                         std::optional<std::string_view> bytes) override;
};

// Connect's Values.convertToString(schema, value). Exposed for the header converter's tests and
// for transforms that need the same rendering.
std::string ConvertToString(const SchemaPtr& schema, const Value& value);

// A HeaderConverter that uses a value Converter (Connect's JsonConverter, StringConverter and
// ByteArrayConverter are header converters too).
class ConverterHeaderAdapter : public HeaderConverter {
 public:
  explicit ConverterHeaderAdapter(std::unique_ptr<Converter> converter)
      : converter_(std::move(converter)) {}
  const ConfigDef& Definition() const override { return converter_->Definition(); }
  Status Configure(const ConfigMap& configs) override {
    return converter_->Configure(configs, /*is_key=*/false);
  }
  Result<std::optional<std::string>> FromConnectHeader(const std::string& topic,
                                                       const std::string& /*header_key*/,
                                                       const SchemaPtr& schema,
                                                       const Value& value) override {
    return converter_->FromConnectData(topic, schema, value);
  }
  Result<SchemaAndValue> ToConnectHeader(const std::string& topic,
                                         const std::string& /*header_key*/,
                                         std::optional<std::string_view> bytes) override {
    return converter_->ToConnectData(topic, bytes);
  }

 private:
  std::unique_ptr<Converter> converter_;
};

}  // namespace tributary::runtime
