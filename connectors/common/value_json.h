#pragma once

#include <string>

#include "runtime/api/data.h"

namespace tributary::connectors::pg {

// Appends `value` as JSON text, as the Postgres sink writes jsonb columns:
//   structs -> objects in field order; maps -> objects (keys rendered as text); arrays -> arrays;
//   strings -> strings; bytes -> base64 strings; booleans, integers -> JSON literals;
//   decimals -> numbers (exact text); finite floats -> numbers, NaN/±Infinity -> strings.
void AppendValueJson(std::string& out, const Value& value);

}  // namespace tributary::connectors::pg
