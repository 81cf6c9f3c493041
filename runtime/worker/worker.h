#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/api/connector.h"
#include "runtime/metrics/metrics_registry.h"
#include "runtime/storage/offset_storage.h"
#include "runtime/worker/plugins.h"
#include "runtime/worker/worker_task.h"

namespace tributary::runtime {

struct WorkerOptions {
  ConfigMap worker_config;  // raw worker properties: converter defaults and client settings
  std::chrono::milliseconds offset_flush_interval{60000};
  std::chrono::milliseconds offset_flush_timeout{5000};
  std::chrono::milliseconds shutdown_timeout{5000};
};

// Runs connector instances and their tasks on this process (Connect's Worker). It does not decide
// what runs; a Herder tells it. Thread-safe.
class Worker {
 public:
  Worker(WorkerOptions options, const Plugins& plugins, OffsetBackingStore& offset_store);
  ~Worker();

  const WorkerOptions& options() const { return options_; }
  const Plugins& plugins() const { return plugins_; }
  OffsetBackingStore& offset_store() { return offset_store_; }
  OffsetSerializer& offset_serializer() { return *offset_serializer_; }
  // Every task's metrics (Connect's task metric groups and what tasks publish through
  // plugin_metrics()), for GET /metrics.
  MetricsRegistry& metrics() { return metrics_; }

  // Creates and starts connector `name` from its (placeholder-resolved) config.
  // InvalidConfig for bad common keys; the connector's Start() error otherwise.
  Status StartConnector(const std::string& name, const ConfigMap& config,
                        ConnectorContext* context);
  // The connector's task configs (with `task.class`-like bookkeeping left to the herder).
  Result<std::vector<ConfigMap>> ConnectorTaskConfigs(const std::string& name, int max_tasks);
  // Stops the connector instance (not its tasks).
  void StopConnector(const std::string& name);
  bool IsRunning(const std::string& name) const;

  // Starts task `id` of a running connector with `task_config`. `on_topic` (optional, KIP-558) is
  // called from the task's thread once per topic the task newly produces to or consumes from.
  Status StartTask(const ConnectorTaskId& id, const ConfigMap& connector_config,
                   const ConfigMap& task_config, TaskStatusListener* listener, TargetState state,
                   std::function<void(const std::string& topic)> on_topic = {});
  // Stops the tasks and waits for them within the graceful shutdown timeout (all in parallel).
  void StopAndAwaitTasks(const std::vector<ConnectorTaskId>& ids);
  // The running tasks of `connector`.
  std::vector<ConnectorTaskId> TaskIds(const std::string& connector) const;
  void SetTargetState(const std::string& connector, TargetState state);

  // Stops every task and connector.
  void Stop();

 private:
  struct Converters;
  Result<Converters> MakeConverters(const ConfigMap& connector_config) const;

  const WorkerOptions options_;
  const Plugins& plugins_;
  OffsetBackingStore& offset_store_;
  std::unique_ptr<OffsetSerializer> offset_serializer_;
  MetricsRegistry metrics_;  // declared before the tasks: their metric groups point into it

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Connector>> connectors_;
  std::map<ConnectorTaskId, std::unique_ptr<WorkerTask>> tasks_;
};

}  // namespace tributary::runtime
