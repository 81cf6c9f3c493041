#pragma once

// JSON configuration: flat or nested objects flattened to dotted keys, and connector request
// bodies shaped like Connect's `POST /connectors`.

#include <string>
#include <string_view>

#include "runtime/api/config_def.h"
#include "runtime/api/status.h"
#include "runtime/config/config_file.h"

namespace tributary::runtime {

// Parses a JSON object. Nested objects are flattened with dots, arrays of scalars are joined with
// commas, numbers keep their literal text, booleans become "true"/"false", null leaves the key
// out. Returns InvalidConfig "<source_name>:<line>:<column>: <reason>" (1-based) for syntax
// errors, a top level that is not an object, arrays holding objects or arrays, and keys that
// appear twice after flattening.
Result<ConfigMap> ParseJsonConfig(std::string_view text, std::string_view source_name = "<json>");

// Reads and parses a JSON file; IoError naming `path` when it cannot be read.
Result<ConfigMap> LoadJsonConfig(const std::string& path);

// Parses a connector definition as Connect accepts it: either the `POST /connectors` body
// {"name": "...", "config": {...}, "initial_state": "PAUSED"} or a flat config object holding
// "name" (the `PUT /connectors/{name}/config` body). The name is copied into the config when
// absent; a different name inside the config, a missing/empty name, or an initial_state other
// than RUNNING/PAUSED/STOPPED (any case) is InvalidConfig.
Result<NamedConfig> ParseConnectorJson(std::string_view text,
                                       std::string_view source_name = "<json>");

}  // namespace tributary::runtime
