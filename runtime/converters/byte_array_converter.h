#pragma once

// org.apache.kafka.connect.converters.ByteArrayConverter: BYTES values passed through unchanged.

#include "runtime/api/converter.h"

namespace tributary::runtime {

class ByteArrayConverter : public Converter {
 public:
  static constexpr const char* kClassName =
      "org.apache.kafka.connect.converters.ByteArrayConverter";

  static const ConfigDef& ConfigDefinition();
  const ConfigDef& Definition() const override { return ConfigDefinition(); }
  Status Configure(const ConfigMap& configs, bool is_key) override;

  // The schema must be BYTES or absent and the value bytes or null; DataError otherwise.
  Result<std::optional<std::string>> FromConnectData(const std::string& topic,
                                                     const SchemaPtr& schema,
                                                     const Value& value) override;
  // Always an optional bytes schema; a Kafka null gives a null value.
  Result<SchemaAndValue> ToConnectData(const std::string& topic,
                                       std::optional<std::string_view> bytes) override;
};

}  // namespace tributary::runtime
