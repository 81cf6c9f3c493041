#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "runtime/api/config_def.h"
#include "runtime/api/data.h"
#include "runtime/api/status.h"

namespace tributary {

// Turns Connect data into the bytes of a Kafka key or value and back (Connect's Converter).
// One instance serves one task, on that task's thread only.
class Converter {
 public:
  virtual ~Converter() = default;

  // The converter's own settings (without the key./value.converter. prefix).
  virtual const ConfigDef& Definition() const = 0;
  // Applies settings; `is_key` tells whether this instance converts keys. InvalidConfig on bad
  // values.
  virtual Status Configure(const ConfigMap& configs, bool is_key) = 0;

  // Serialises. nullopt means a Kafka null (a tombstone when it is the value).
  // DataError when the value does not match the schema or cannot be represented.
  virtual Result<std::optional<std::string>> FromConnectData(const std::string& topic,
                                                             const SchemaPtr& schema,
                                                             const Value& value) = 0;
  // Deserialises; `bytes` nullopt is a Kafka null. DataError on malformed input, saying why.
  virtual Result<SchemaAndValue> ToConnectData(const std::string& topic,
                                               std::optional<std::string_view> bytes) = 0;
};

// Converts header values (Connect's HeaderConverter).
class HeaderConverter {
 public:
  virtual ~HeaderConverter() = default;
  virtual const ConfigDef& Definition() const = 0;
  virtual Status Configure(const ConfigMap& configs) = 0;
  virtual Result<std::optional<std::string>> FromConnectHeader(const std::string& topic,
                                                               const std::string& header_key,
                                                               const SchemaPtr& schema,
                                                               const Value& value) = 0;
  virtual Result<SchemaAndValue> ToConnectHeader(const std::string& topic,
                                                 const std::string& header_key,
                                                 std::optional<std::string_view> bytes) = 0;
};

}  // namespace tributary
