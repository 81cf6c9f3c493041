#pragma once

// Reading configuration files from disk, and the shapes shared by the file loaders.

#include <optional>
#include <string>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/status.h"

namespace tributary::runtime {

// A connector's configuration as it appears in a REST body (`POST /connectors`), a standalone
// JSON file or the `connectors:` section of a single-file YAML.
struct NamedConfig {
  std::string name;
  ConfigMap config;  // always holds "name" equal to `name`
  // "RUNNING", "PAUSED" or "STOPPED" when the input asked for an initial state (KIP-980).
  std::optional<std::string> initial_state;
};

// Reads a whole file. Returns IoError naming `path` (and the OS reason) when it cannot be read.
Result<std::string> ReadConfigFile(const std::string& path);

// Loads a flat configuration by file extension: `.yaml`/`.yml` (LoadYamlConfig), `.json`
// (LoadJsonConfig), anything else as Java properties (LoadPropertiesFile).
Result<ConfigMap> LoadConfigFile(const std::string& path);

}  // namespace tributary::runtime
