#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "runtime/herder/herder.h"
#include "runtime/worker/worker.h"

namespace tributary::runtime {

struct StandaloneHerderOptions {
  // See the class comment; empty: connectors live in memory only.
  std::string connectors_file;
  // topic.tracking.enable (KIP-558): record the topics each connector's tasks use.
  bool topic_tracking = true;
  // Where the active topics survive a restart, as {"topics":{"<connector>":["t1",…]}}; rewritten
  // atomically when a connector uses a new topic, is reset or deleted. Empty: memory only.
  std::string topics_file;
};

// The herder of a single standalone worker (Connect's StandaloneHerder): every connector runs
// here. Mutating requests (REST, command line, task reconfiguration requested by connectors on the
// herder's own thread) are serialized by one request mutex; readers and task threads only take the
// short state mutex, so status reads never wait for a connector to stop.
//
// Persistence (unlike Connect, which forgets REST-made connectors): with a non-empty
// `connectors_file`, every change of a connector's config or target state rewrites that file
// atomically as {"connectors":{"<name>":{"config":{…raw…},"target_state":"STARTED"|"PAUSED"|
// "STOPPED"}}}, and RestorePersisted() brings them back after a restart.
class StandaloneHerder : public Herder, private TaskStatusListener {
 public:
  explicit StandaloneHerder(Worker& worker, StandaloneHerderOptions options = {});
  ~StandaloneHerder() override;

  // Validates and starts connector `name` with its raw `config` (placeholders are resolved only
  // for the running instance). InvalidConfig with Connect's message listing every error, or
  // AlreadyExists "Connector <name> already exists".
  Status CreateConnector(const std::string& name, const ConfigMap& config,
                         ConnectorTargetState state = ConnectorTargetState::kStarted);
  // Stops and forgets connector `name`; NotFound "Connector <name> not found".
  Status DeleteConnector(const std::string& name) { return DeleteConnectorConfig(name); }

  // Loads the topics file and the connectors file (if any) and creates every connector in it with
  // its stored target state. A connector that cannot be created is logged and skipped.
  // IoError/InvalidArgument if a file exists but cannot be read or parsed.
  Status RestorePersisted();
  // Applies a connector given on the command line: created with `initial_state` if unknown;
  // otherwise its config is replaced (when different) and its restored target state kept.
  Status ApplyCommandLineConnector(const std::string& name, const ConfigMap& config,
                                   ConnectorTargetState initial_state);

  // Marks start-up complete: /health answers healthy from now on.
  void SetReady() { ready_ = true; }
  void SetKafkaClusterId(std::string id);
  // The advertised "host:port" shown as worker_id in statuses.
  void SetWorkerId(std::string id);
  // Stops every connector and task, committing what is safe. Idempotent.
  void Stop();

  std::vector<std::string> ConnectorNames() const override;
  Result<ConnectorStateInfo> ConnectorStatus(const std::string& name) const override;
  WorkerHealth Health() const override;
  std::string KafkaClusterId() const override;

  Result<ConnectorInfo> GetConnectorInfo(const std::string& name) const override;
  Result<std::vector<TaskInfo>> GetTaskConfigs(const std::string& name) const override;
  Result<PutConfigResult> PutConnectorConfig(const std::string& name, const ConfigMap& config,
                                             bool allow_replace,
                                             ConnectorTargetState initial_state) override;
  Result<ConnectorInfo> PatchConnectorConfig(
      const std::string& name,
      const std::map<std::string, std::optional<std::string>>& patch) override;
  Status DeleteConnectorConfig(const std::string& name) override;
  Status SetTargetState(const std::string& name, ConnectorTargetState state) override;
  Result<ConnectorStateInfo> RestartConnectorAndTasks(const std::string& name, bool include_tasks,
                                                      bool only_failed) override;
  Status RestartTask(const std::string& name, int task) override;
  Result<ConfigInfos> ValidateConnectorConfig(const ConfigMap& config) const override;
  std::vector<PluginDescription> Plugins(bool connectors_only) const override;
  Result<std::vector<ConfigKey>> PluginConfig(const std::string& plugin) const override;
  std::vector<PluginDiagnostic> PluginDiagnostics() const override;
  Result<std::vector<ConnectorOffset>> GetOffsets(const std::string& name) const override;
  Result<std::string> ModifyOffsets(const std::string& name,
                                    const std::vector<ConnectorOffset>& offsets,
                                    bool reset) override;
  Result<std::vector<std::string>> ConnectorActiveTopics(const std::string& name) const override;
  Status ResetConnectorActiveTopics(const std::string& name) override;

 private:
  class Context;
  struct Entry {
    ConfigMap config;  // raw, as given
    ConnectorType type = ConnectorType::kSource;
    State state = State::kUnassigned;
    std::string trace;
    ConnectorTargetState target = ConnectorTargetState::kStarted;
    std::map<int, TaskStateInfo> tasks;
    std::vector<ConfigMap> task_configs;  // as the connector produced them (resolved values)
    std::unique_ptr<Context> context;
  };

  // Checks name and class and validates `config` (resolved). Returns the connector type.
  Result<ConnectorType> CheckConfig(const std::string& name, ConfigMap* config) const;
  // Starts the connector instance and its tasks per entry.target. Requires both mutexes held.
  void StartConnectorLocked(const std::string& name, Entry& entry);
  // Stops the connector's tasks and instance. Requires request_mutex_ held; takes mutex_ itself.
  void StopConnectorAndTasks(const std::string& name);
  void StopTasks(const std::vector<ConnectorTaskId>& ids);
  // Stops and starts task `task` with its stored config. Requires request_mutex_ held only.
  Status RestartTaskLocked(const std::string& name, int task);
  // Computes task configs and starts the tasks of `name`. Requires mutex_ held.
  Status StartTasksLocked(const std::string& name, Entry& entry, const ConfigMap& resolved);
  void FailConnectorLocked(Entry& entry, const Status& status);
  // KIP-875 for a STOPPED sink connector with raw config `config`. Requires request_mutex_ only.
  Result<std::string> ModifySinkOffsets(const std::string& name, const ConfigMap& config,
                                        const std::vector<ConnectorOffset>& offsets, bool reset);
  // Rewrites the connectors file. Requires mutex_ held. Errors are logged.
  void PersistLocked() const;
  ConnectorInfo InfoLocked(const std::string& name, const Entry& entry) const;

  // KIP-558: the on_topic callback given to every task (empty when tracking is off).
  std::function<void(const std::string&)> TopicCallback(const std::string& connector);
  void OnActiveTopic(const std::string& connector, const std::string& topic);
  // Rewrites the topics file. Requires topics_mutex_ held. Errors are logged.
  void PersistTopicsLocked() const;
  Status RestoreTopics();
  void OnTaskState(const ConnectorTaskId& id, State state, const std::string& trace) override;
  void RequestReconfiguration(const std::string& name);
  void RunRequests();

  Worker& worker_;
  const StandaloneHerderOptions options_;
  const std::string connectors_file_;  // options_.connectors_file
  // Serializes mutating operations; taken before mutex_, never while holding it.
  std::mutex request_mutex_;
  mutable std::mutex mutex_;  // guards connectors_ and the ids below
  std::map<std::string, Entry> connectors_;
  std::string kafka_cluster_id_;
  std::string worker_id_;
  std::atomic<bool> ready_{false};

  // Taken alone (task threads report topics while the herder may hold the other mutexes).
  mutable std::mutex topics_mutex_;
  std::map<std::string, std::set<std::string>> active_topics_;

  std::mutex requests_mutex_;
  std::condition_variable requests_cv_;
  std::deque<std::string> reconfiguration_requests_;
  bool stopping_ = false;
  std::thread request_thread_;
};

}  // namespace tributary::runtime
