#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/connector.h"
#include "runtime/api/status.h"

namespace tributary::runtime {

// Observed states of connectors and tasks, as Connect's status API reports them.
enum class State { kUnassigned, kRunning, kPaused, kStopped, kFailed, kRestarting };
// "UNASSIGNED", "RUNNING", …
inline const char* StateName(State state) {
  switch (state) {
    case State::kUnassigned:
      return "UNASSIGNED";
    case State::kRunning:
      return "RUNNING";
    case State::kPaused:
      return "PAUSED";
    case State::kStopped:
      return "STOPPED";
    case State::kFailed:
      return "FAILED";
    case State::kRestarting:
      return "RESTARTING";
  }
  return "UNASSIGNED";
}

struct TaskStateInfo {
  int id = 0;
  State state = State::kUnassigned;
  std::string worker_id;
  std::string trace;  // empty unless FAILED
};

// Connect's ConnectorStateInfo.
struct ConnectorStateInfo {
  std::string name;
  State state = State::kUnassigned;
  std::string worker_id;
  std::string trace;
  std::vector<TaskStateInfo> tasks;  // sorted by id
  ConnectorType type = ConnectorType::kSource;
};

// What the user asked a connector to do (Connect's TargetState, plus KIP-875's STOPPED: the
// connector instance is shut down and it has zero tasks).
enum class ConnectorTargetState { kStarted, kPaused, kStopped };

// Connect's ConnectorInfo: the raw config (placeholders unresolved) and the task ids.
struct ConnectorInfo {
  std::string name;
  ConfigMap config;
  std::vector<int> tasks;  // task numbers, ascending
  ConnectorType type = ConnectorType::kSource;
};

// Connect's TaskInfo: a task's raw config.
struct TaskInfo {
  std::string connector;
  int task = 0;
  ConfigMap config;
};

// One entry of Connect's ConfigInfos (validate): the key's definition and what was given.
struct ConfigInfo {
  ConfigKey definition;
  std::optional<std::string> value;  // nullopt: JSON null; "[hidden]" for PASSWORD keys
  std::vector<std::string> errors;
};

// Connect's ConfigInfos.
struct ConfigInfos {
  std::string name;  // the connector class as given
  int error_count = 0;
  std::vector<std::string> groups;
  std::vector<ConfigInfo> configs;
};

// Connect's PluginInfo.
struct PluginDescription {
  std::string class_name;
  std::string type;  // "source", "sink", "converter", "header_converter", …
  std::string version;
};

// A plugin.path entry that was skipped (or a library loaded with a connector left out), and why.
struct PluginDiagnostic {
  std::string path;
  std::string reason;
};

// One offset of ConnectorOffsets, both parts as compact JSON objects (the offset "null" to reset).
struct ConnectorOffset {
  std::string partition_json;
  std::string offset_json;
};

// The result of PUT /connectors/{name}/config.
struct PutConfigResult {
  bool created = false;
  ConnectorInfo info;
};

// KIP-1017 worker health.
enum class WorkerHealth { kStarting, kHealthy, kUnhealthy };

// Manages the connectors of a worker and answers for them (Connect's Herder). All methods are
// thread-safe: the REST server calls them from its own threads.
class Herder {
 public:
  virtual ~Herder() = default;

  // Names of all connectors, sorted.
  virtual std::vector<std::string> ConnectorNames() const = 0;
  // NotFound "No status found for connector <name>" if there is no such connector.
  virtual Result<ConnectorStateInfo> ConnectorStatus(const std::string& name) const = 0;
  virtual WorkerHealth Health() const = 0;
  // The Kafka cluster id the worker is connected to, or empty if not yet known.
  virtual std::string KafkaClusterId() const = 0;

  // The write and detail API below has defaults answering Unavailable ("… is not supported by this
  // herder"), so read-only herders (and test doubles) implement only what they serve. Errors use
  // Connect's messages: NotFound → 404, AlreadyExists → 409, InvalidConfig/InvalidArgument → 400.

  // NotFound "Connector <name> not found".
  virtual Result<ConnectorInfo> GetConnectorInfo(const std::string& name) const;
  // Every task's raw config; NotFound "Connector <name> not found".
  virtual Result<std::vector<TaskInfo>> GetTaskConfigs(const std::string& name) const;
  // Creates (allow_replace=false: AlreadyExists if present) or creates/replaces the connector.
  // `initial_state` applies only when the connector is created. InvalidConfig listing every error.
  virtual Result<PutConfigResult> PutConnectorConfig(const std::string& name,
                                                     const ConfigMap& config, bool allow_replace,
                                                     ConnectorTargetState initial_state);
  // Merges `patch` into the config (nullopt removes the key), validates and applies it.
  virtual Result<ConnectorInfo> PatchConnectorConfig(
      const std::string& name, const std::map<std::string, std::optional<std::string>>& patch);
  // NotFound "Connector <name> not found".
  virtual Status DeleteConnectorConfig(const std::string& name);
  // NotFound "Unknown connector <name>". Idempotent.
  virtual Status SetTargetState(const std::string& name, ConnectorTargetState state);
  // Restarts the connector (and with include_tasks its tasks; with only_failed only FAILED
  // instances). Returns the status with every instance to be restarted shown RESTARTING.
  // NotFound "Unknown connector: <name>".
  virtual Result<ConnectorStateInfo> RestartConnectorAndTasks(const std::string& name,
                                                              bool include_tasks, bool only_failed);
  // NotFound "Unknown connector: <name>" / "Unknown task: <name>-<n>".
  virtual Status RestartTask(const std::string& name, int task);
  // Connect's validate: always a ConfigInfos unless the class is missing/unknown (InvalidConfig).
  virtual Result<ConfigInfos> ValidateConnectorConfig(const ConfigMap& config) const;
  // Installed plugins; connectors only unless `connectors_only` is false.
  virtual std::vector<PluginDescription> Plugins(bool connectors_only) const;
  // The plugin's own config keys; NotFound "Unknown plugin <p>.".
  virtual Result<std::vector<ConfigKey>> PluginConfig(const std::string& plugin) const;
  // What the plugin loader could not load, in load order.
  virtual std::vector<PluginDiagnostic> PluginDiagnostics() const;
  // KIP-875. Source connectors: what the connector stored. NotFound for an unknown connector.
  virtual Result<std::vector<ConnectorOffset>> GetOffsets(const std::string& name) const;
  // Alters (`offsets` non-empty) or resets (`reset`) the offsets of a STOPPED connector; returns
  // Connect's success message. InvalidArgument with Connect's message when not stopped.
  virtual Result<std::string> ModifyOffsets(const std::string& name,
                                            const std::vector<ConnectorOffset>& offsets,
                                            bool reset);
  // KIP-558: the topics the connector's tasks produced to (source) or consumed from (sink) since
  // it was created or its topics were last reset, sorted. An unknown connector has none: an empty
  // list, not an error (as in Connect).
  virtual Result<std::vector<std::string>> ConnectorActiveTopics(const std::string& name) const;
  // Forgets the connector's active topics (also for an unknown connector).
  virtual Status ResetConnectorActiveTopics(const std::string& name);
};

inline Status HerderUnsupported(const char* what) {
  return Status::Unavailable(std::string(what) + " is not supported by this herder");
}
inline Result<ConnectorInfo> Herder::GetConnectorInfo(const std::string&) const {
  return HerderUnsupported("Reading connector configs");
}
inline Result<std::vector<TaskInfo>> Herder::GetTaskConfigs(const std::string&) const {
  return HerderUnsupported("Reading task configs");
}
inline Result<PutConfigResult> Herder::PutConnectorConfig(const std::string&, const ConfigMap&,
                                                          bool, ConnectorTargetState) {
  return HerderUnsupported("Creating connectors");
}
inline Result<ConnectorInfo> Herder::PatchConnectorConfig(
    const std::string&, const std::map<std::string, std::optional<std::string>>&) {
  return HerderUnsupported("Patching connector configs");
}
inline Status Herder::DeleteConnectorConfig(const std::string&) {
  return HerderUnsupported("Deleting connectors");
}
inline Status Herder::SetTargetState(const std::string&, ConnectorTargetState) {
  return HerderUnsupported("Changing a connector's state");
}
inline Result<ConnectorStateInfo> Herder::RestartConnectorAndTasks(const std::string&, bool, bool) {
  return HerderUnsupported("Restarting connectors");
}
inline Status Herder::RestartTask(const std::string&, int) {
  return HerderUnsupported("Restarting tasks");
}
inline Result<ConfigInfos> Herder::ValidateConnectorConfig(const ConfigMap&) const {
  return HerderUnsupported("Validating configs");
}
inline std::vector<PluginDescription> Herder::Plugins(bool) const { return {}; }
inline std::vector<PluginDiagnostic> Herder::PluginDiagnostics() const { return {}; }
inline Result<std::vector<ConfigKey>> Herder::PluginConfig(const std::string&) const {
  return HerderUnsupported("Describing plugins");
}
inline Result<std::vector<ConnectorOffset>> Herder::GetOffsets(const std::string&) const {
  return HerderUnsupported("Reading offsets");
}
inline Result<std::string> Herder::ModifyOffsets(const std::string&,
                                                 const std::vector<ConnectorOffset>&, bool) {
  return HerderUnsupported("Modifying offsets");
}
inline Result<std::vector<std::string>> Herder::ConnectorActiveTopics(const std::string&) const {
  return HerderUnsupported("Topic tracking");
}
inline Status Herder::ResetConnectorActiveTopics(const std::string&) {
  return HerderUnsupported("Topic tracking");
}

}  // namespace tributary::runtime
