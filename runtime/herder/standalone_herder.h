#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "runtime/herder/herder.h"
#include "runtime/worker/worker.h"

namespace tributary::runtime {

// The herder of a single standalone worker (Connect's StandaloneHerder): every connector runs
// here; configurations live in memory. Requests from the REST API and the command line are
// serialized by one mutex; task reconfiguration requested by connectors runs on a herder thread.
class StandaloneHerder : public Herder, private TaskStatusListener {
 public:
  explicit StandaloneHerder(Worker& worker);
  ~StandaloneHerder() override;

  // Validates and starts connector `name` with its raw `config` (placeholders are resolved only
  // for the running instance). InvalidConfig with Connect's message listing every error, or
  // AlreadyExists "Connector <name> already exists".
  Status CreateConnector(const std::string& name, const ConfigMap& config,
                         TargetState state = TargetState::kStarted);
  // Stops and forgets connector `name`; NotFound "Connector <name> not found".
  Status DeleteConnector(const std::string& name);

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

 private:
  class Context;
  struct Entry {
    ConfigMap config;  // raw, as given
    ConnectorType type = ConnectorType::kSource;
    State state = State::kUnassigned;
    std::string trace;
    TargetState target = TargetState::kStarted;
    std::map<int, TaskStateInfo> tasks;
    std::unique_ptr<Context> context;
  };

  void OnTaskState(const ConnectorTaskId& id, State state, const std::string& trace) override;
  // Computes task configs and (re)starts the tasks of `name`. Requires mutex_ held.
  Status StartTasksLocked(const std::string& name, Entry& entry, const ConfigMap& resolved);
  void StopConnectorLocked(const std::string& name);
  void FailConnectorLocked(Entry& entry, const Status& status);
  void RequestReconfiguration(const std::string& name);
  void RunRequests();

  Worker& worker_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> connectors_;
  std::string kafka_cluster_id_;
  std::string worker_id_;
  std::atomic<bool> ready_{false};

  std::mutex requests_mutex_;
  std::condition_variable requests_cv_;
  std::deque<std::string> reconfiguration_requests_;
  bool stopping_ = false;
  std::thread request_thread_;
};

}  // namespace tributary::runtime
