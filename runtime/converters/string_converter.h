#pragma once

// org.apache.kafka.connect.storage.StringConverter: values as UTF-8 text.

#include "runtime/api/converter.h"

namespace tributary::runtime {

class StringConverter : public Converter {
 public:
  static constexpr const char* kClassName = "org.apache.kafka.connect.storage.StringConverter";
  static constexpr const char* kEncodingConfig = "converter.encoding";

  static const ConfigDef& ConfigDefinition();
  const ConfigDef& Definition() const override { return ConfigDefinition(); }
  // InvalidConfig for any encoding other than UTF-8 (the only one supported).
  Status Configure(const ConfigMap& configs, bool is_key) override;

  // Strings are written as they are; other values as their natural text (see NaturalText).
  Result<std::optional<std::string>> FromConnectData(const std::string& topic,
                                                     const SchemaPtr& schema,
                                                     const Value& value) override;
  // Always an optional string schema; malformed UTF-8 is replaced by U+FFFD, as Java does.
  Result<SchemaAndValue> ToConnectData(const std::string& topic,
                                       std::optional<std::string_view> bytes) override;
};

// The text Java's Object.toString() gives for the Connect value: numbers as Java prints them
// ("1.0", "1.0E10"), booleans, decimals as BigDecimal.toString(), arrays "[a, b]", maps
// "{k=v, k2=v2}", structs "Struct{a=1,b=x}". Bytes, where Java prints an object address, are
// written as base64 instead.
std::string NaturalText(const Value& value);

}  // namespace tributary::runtime
