#pragma once

// A small JSON document tree for the read side of JsonConverter. Unlike rapidjson's DOM it keeps
// every number as its exact source text, so decimals of any precision survive (Jackson with
// USE_BIG_DECIMAL_FOR_FLOATS does the same), and it records where each object starts and ends
// in the input so that a schema can be cached by its text. Internal to runtime/converters.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/api/status.h"

namespace tributary::runtime {

struct JsonNode {
  enum class Type { kNull, kBoolean, kNumber, kString, kArray, kObject };

  Type type = Type::kNull;
  bool boolean = false;
  std::string text;                // kNumber: the literal as written; kString: the decoded value
  std::vector<JsonNode> elements;  // kArray: the elements; kObject: the member values
  std::vector<std::string> keys;   // kObject: the member names, parallel to `elements`
  size_t raw_begin = 0;            // kObject/kArray: [raw_begin, raw_end) of the input text
  size_t raw_end = 0;

  // kObject: the value of the last member called `key` (Jackson keeps the last duplicate), or
  // nullptr. nullptr for other types.
  const JsonNode* Get(std::string_view key) const;
  // kNumber written without fraction or exponent.
  bool IsIntegral() const;
  bool IsNull() const { return type == Type::kNull; }
};

// Jackson's JsonNodeType name ("NULL", "BOOLEAN", "NUMBER", "STRING", "ARRAY", "OBJECT"), used in
// Connect's error messages.
const char* JsonNodeTypeName(JsonNode::Type type);

// Maximum nesting of arrays and objects accepted (Jackson's default StreamReadConstraints).
inline constexpr int kMaxJsonDepth = 1000;

// Parses one JSON document (UTF-8, validated). Trailing non-whitespace is an error.
// Returns DataError with rapidjson's reason and the byte offset.
Result<JsonNode> ParseJson(std::string_view input);

}  // namespace tributary::runtime
