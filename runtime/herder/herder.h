#pragma once

#include <optional>
#include <string>
#include <vector>

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
};

}  // namespace tributary::runtime
