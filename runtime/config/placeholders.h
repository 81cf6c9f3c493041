#pragma once

// Config providers: `${provider:[path:]key}` placeholders in config values, resolved the way
// Kafka's ConfigTransformer resolves them (clients/.../common/config/ConfigTransformer.java), for
// the two providers Tributary ships: `env` (EnvVarConfigProvider) and `file` (FileConfigProvider).

#include <functional>
#include <optional>
#include <string>

#include "runtime/api/config_def.h"
#include "runtime/api/status.h"

namespace tributary::runtime {

// Where placeholder values come from; the defaults read the process environment and the disk.
// Tests substitute their own.
struct ConfigProviderSources {
  // Value of an environment variable, or nullopt when unset.
  std::function<std::optional<std::string>(const std::string& name)> env;
  // Properties of the file at `path` (see LoadPropertiesFile).
  std::function<Result<ConfigMap>(const std::string& path)> properties_file;
};

// The process environment and LoadPropertiesFile.
ConfigProviderSources DefaultConfigProviderSources();

// Returns `config` with every placeholder in its values replaced. The grammar is Kafka's default
// pattern: "${", a provider name, ":", optionally a path and ":", a key, "}" — none of the parts
// may contain "}", the provider ends at the first ':' and the path at the next one. Supported:
//   ${env:VAR}               the environment variable VAR
//   ${file:/a/b.properties:k} key k of the properties file /a/b.properties
// A placeholder naming any other provider is left as written (Kafka leaves unresolvable
// variables unchanged). Replacement text is not scanned again. Keys are never changed.
// Errors: InvalidConfig naming the config key and the placeholder for an unset environment
// variable, a file key the file does not have, or `${file:...}` without a path; the file's own
// error (e.g. IoError naming the path) with the config key and placeholder as context when the
// file cannot be read. Each file is read at most once per call.
Result<ConfigMap> ResolvePlaceholders(
    const ConfigMap& config, const ConfigProviderSources& sources = DefaultConfigProviderSources());

}  // namespace tributary::runtime
