#pragma once

// JSON text for Connect values, for connectors that write JSON: the file sink (structs, maps and
// arrays as lines) and the Postgres sink (jsonb columns). Generic: no database dependency
// (target tributary::connector_common_json). Stateless and thread-safe.

#include <string>
#include <string_view>

#include "runtime/api/data.h"

namespace tributary::connectors {

// Appends `value` as JSON text:
//   structs -> objects in field order; maps -> objects whose keys are MapKeyText(); arrays ->
//   arrays; strings -> strings; bytes -> base64 strings; null, booleans, integers -> literals;
//   decimals -> numbers (exact text); finite floats -> numbers as FloatText() writes them;
//   NaN and ±Infinity -> the strings "NaN", "Infinity", "-Infinity".
void AppendValueJson(std::string& out, const Value& value);

// Appends `text` as a quoted JSON string (", \ and control characters escaped; other bytes,
// UTF-8 included, as they are).
void AppendJsonString(std::string& out, std::string_view text);

// Standard base64 (RFC 4648, with padding), as Connect's JsonConverter writes bytes.
std::string Base64Encode(const Bytes& bytes);

// Java's Double/Float.toString style: the shortest text that reads back to the same value, always
// with a fraction or an exponent ("1.0", "0.1", "2.5e+20"); "NaN", "Infinity", "-Infinity".
std::string FloatText(double value);
std::string FloatText(float value);

// The text of a map key as an object member name: strings as they are, bytes as base64, other
// values as their JSON text.
std::string MapKeyText(const Value& key);

}  // namespace tributary::connectors
