#pragma once

// YAML configuration: flat or nested maps flattened to Connect's dotted keys, and the single-file
// format of `tributary run tributary.yaml` (worker and connectors together).

#include <string>
#include <string_view>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/status.h"
#include "runtime/config/config_file.h"

namespace tributary::runtime {

// Parses a YAML document whose top level is a map (an empty document gives an empty map).
// Nested maps are flattened with dots ({consumer: {max.poll.records: 10}} gives
// "consumer.max.poll.records" = "10"); a sequence of scalars becomes a comma-separated value;
// scalars are kept as written (without quotes); a null value (`key:` or `key: ~`) leaves the key
// out so its default applies. Returns InvalidConfig "<source_name>:<line>:<column>: <reason>"
// (1-based) for syntax errors, non-scalar keys, sequences holding maps or sequences, and keys
// that appear twice after flattening.
Result<ConfigMap> ParseYamlConfig(std::string_view text, std::string_view source_name = "<yaml>");

// Reads and parses a YAML file; IoError naming `path` when it cannot be read.
Result<ConfigMap> LoadYamlConfig(const std::string& path);

// Everything `tributary run` needs from one file.
struct WorkerConfigFile {
  ConfigMap worker;
  std::vector<NamedConfig> connectors;  // in file order
};

// Parses the single-file format (see runtime/config/README.md):
//   worker: {<worker keys>}
//   connectors:                      # either a list ...
//     - name: <name>
//       config: {<connector keys>}
//       initial_state: RUNNING       # optional: RUNNING, PAUSED or STOPPED
//   connectors:                      # ... or a map from name to config
//     <name>: {<connector keys>}
// Both sections are optional. Unknown top-level keys, a connector without a name, names given
// twice, and a "name" inside config that differs from the connector's name are InvalidConfig
// errors with the position.
Result<WorkerConfigFile> ParseWorkerConfigFile(std::string_view text,
                                               std::string_view source_name = "<yaml>");
Result<WorkerConfigFile> LoadWorkerConfigFile(const std::string& path);

}  // namespace tributary::runtime
