#pragma once

#include <string>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/connector.h"

namespace tributary::runtime {

// The keys every connector has, whatever its class (Connect's ConnectorConfig and
// SinkConnectorConfig): name, connector.class, tasks.max, converters, and for sinks topics or
// topics.regex.
const ConfigDef& ConnectorConfigDef(ConnectorType type);

// Parsed common connector settings.
struct ConnectorConfig {
  std::string name;
  std::string connector_class;
  int tasks_max = 1;
  std::string key_converter;     // empty: the worker's
  std::string value_converter;   // empty: the worker's
  std::string header_converter;  // empty: the worker's
  std::vector<std::string> topics;
  std::string topics_regex;
};

// Per-key errors of the common keys for a connector of `type`, including the rules spanning keys
// (a sink needs exactly one of topics / topics.regex).
std::map<std::string, std::vector<std::string>> ValidateConnectorConfig(ConnectorType type,
                                                                        const ConfigMap& props);

// Parses the common keys; InvalidConfig listing every error.
Result<ConnectorConfig> ParseConnectorConfig(ConnectorType type, const ConfigMap& props);

// Connect's message for an invalid connector configuration (POST/PUT /connectors → 400):
// "Connector configuration is invalid and contains the following N error(s):\n…".
std::string InvalidConnectorConfigMessage(
    const std::map<std::string, std::vector<std::string>>& errors);

}  // namespace tributary::runtime
