#pragma once

// Helpers shared by the built-in transforms (not part of the public API).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/data.h"
#include "runtime/api/record.h"

namespace tributary::runtime::transforms {

// The record's key or value and its schema ($Key / $Value variants).
inline SchemaPtr& OperandSchema(ConnectRecord& r, bool key) {
  return key ? r.key_schema : r.value_schema;
}
inline Value& OperandValue(ConnectRecord& r, bool key) { return key ? r.key : r.value; }

// A builder for a schema of the same type and metadata (optional, name, version, doc,
// parameters) as `schema`, without fields; for STRUCT schemas whose fields change.
SchemaBuilder CopySchemaBasics(const Schema& schema);

// The value under `key` of a schemaless map, or nullptr.
Value* FindInMap(Value::Map& map, std::string_view key);
// Sets `key` in a schemaless map (replacing an existing entry).
void PutInMap(Value::Map& map, std::string key, Value value);

// DataError "Only <Map|Struct> objects supported in absence of schema for [<purpose>], found:
// <kind>" (Connect's Requirements wording).
Status RequireMap(const Value& value, const std::string& purpose);
Status RequireStruct(const SchemaPtr& schema, const Value& value, const std::string& purpose);

// Splits "a,b , c" into {"a","b","c"}.
std::vector<std::string> SplitList(std::string_view text);

// Kafka's ConfigDef.parse of `configs` against `def`, turning errors into InvalidConfig.
Result<ParsedConfig> ParseTransformConfig(const ConfigDef& def, const ConfigMap& configs);

// Formats epoch milliseconds in UTC with a java.text.SimpleDateFormat pattern (y, M, d, H, h, m,
// s, S, a, E, Z/X, quoted text). InvalidConfig for letters it does not support.
Result<std::string> FormatJavaDate(std::string_view pattern, int64_t epoch_millis);
// Parses `text` with the pattern (numeric fields and literals); DataError if it does not match.
Result<int64_t> ParseJavaDate(std::string_view pattern, std::string_view text);
// Checks that every pattern letter is one FormatJavaDate supports.
Status ValidateJavaDatePattern(std::string_view pattern);

}  // namespace tributary::runtime::transforms
