#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/status.h"

namespace tributary {

class SourceTask;
class SinkTask;

enum class ConnectorType { kSource, kSink };
// "source" or "sink", as the REST API writes it.
const char* ConnectorTypeName(ConnectorType type);

// What a connector may ask of the worker that runs it. Thread-safe.
class ConnectorContext {
 public:
  virtual ~ConnectorContext() = default;
  // Asks the worker to call TaskConfigs() again and restart tasks whose config changed.
  virtual void RequestTaskReconfiguration() = 0;
  // Reports an unrecoverable error; the worker marks the connector FAILED with `status` as trace.
  virtual void RaiseError(const Status& status) = 0;
};

// A connector (Connect's Connector): validates its configuration and splits the work into task
// configurations. It does not move data; its tasks do. The worker calls every method from one
// thread at a time, in the order Initialize, Start, TaskConfigs…, Stop.
class Connector {
 public:
  virtual ~Connector() = default;

  virtual ConnectorType type() const = 0;
  virtual std::string Version() const = 0;
  // The connector's own keys. The worker adds the common ones (name, connector.class, tasks.max,
  // converters, …) itself.
  virtual const ConfigDef& Definition() const = 0;

  void Initialize(ConnectorContext* context) { context_ = context; }
  // `props` are the connector's configuration with placeholders resolved.
  // InvalidConfig/other errors make the connector FAILED with the message as trace.
  virtual Status Start(const ConfigMap& props) = 0;
  // At most `max_tasks` task configurations; each becomes one task's Start() argument.
  virtual Result<std::vector<ConfigMap>> TaskConfigs(int max_tasks) = 0;
  virtual void Stop() = 0;

  // Per-key validation errors (empty map: valid). Default: the ConfigDef's rules.
  virtual std::map<std::string, std::vector<std::string>> Validate(const ConfigMap& props) const {
    return Definition().Validate(props);
  }

 protected:
  ConnectorContext* context() const { return context_; }

 private:
  ConnectorContext* context_ = nullptr;  // not owned; outlives the connector
};

class SourceConnector : public Connector {
 public:
  ConnectorType type() const final { return ConnectorType::kSource; }
  // A new, unstarted task of this connector's kind.
  virtual std::unique_ptr<SourceTask> CreateTask() const = 0;
};

class SinkConnector : public Connector {
 public:
  ConnectorType type() const final { return ConnectorType::kSink; }
  virtual std::unique_ptr<SinkTask> CreateTask() const = 0;
};

}  // namespace tributary
