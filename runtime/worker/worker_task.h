#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "runtime/api/status.h"
#include "runtime/herder/herder.h"

namespace tributary::runtime {

struct ConnectorTaskId {
  std::string connector;
  int task = 0;
  // "<connector>-<task>", as Connect names tasks in logs and errors.
  std::string ToString() const { return connector + "-" + std::to_string(task); }
  bool operator==(const ConnectorTaskId&) const = default;
  bool operator<(const ConnectorTaskId& o) const {
    return connector < o.connector || (connector == o.connector && task < o.task);
  }
};

// Receives a task's state changes (RUNNING, PAUSED, FAILED with trace). Called from the task's
// thread; implementations must be thread-safe.
class TaskStatusListener {
 public:
  virtual ~TaskStatusListener() = default;
  virtual void OnTaskState(const ConnectorTaskId& id, State state, const std::string& trace) = 0;
};

enum class TargetState { kStarted, kPaused };

// One task on its own thread (Connect's WorkerTask): Initialize, then Execute until asked to
// stop or failed, then Close. Start/Stop/SetTargetState are called by the Worker from any thread.
class WorkerTask {
 public:
  WorkerTask(ConnectorTaskId id, TaskStatusListener* listener, TargetState initial)
      : id_(std::move(id)), listener_(listener), target_(initial) {}
  virtual ~WorkerTask();

  WorkerTask(const WorkerTask&) = delete;
  WorkerTask& operator=(const WorkerTask&) = delete;

  const ConnectorTaskId& id() const { return id_; }

  // Starts the task thread.
  void Start();
  // Pauses or resumes; takes effect at the task loop's next turn.
  void SetTargetState(TargetState state);
  // Asks the task to stop (non-blocking).
  void Stop();
  // Waits up to `timeout` for the thread to finish; true if it did (and was joined).
  bool AwaitStop(std::chrono::milliseconds timeout);

 protected:
  // On the task thread: create clients and start the user task.
  virtual Status Initialize() = 0;
  // On the task thread: the main loop; returns when stopping() or on a fatal error.
  virtual Status Execute() = 0;
  // On the task thread, always called last: stop the user task, flush and commit what is safe.
  virtual void Close() = 0;

  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }
  bool paused() const;
  // Sleeps up to `timeout`, waking early on Stop() or a target state change.
  void WaitFor(std::chrono::milliseconds timeout);
  // Reports PAUSED/RUNNING when the target state changed since the last call.
  void ReportTargetStateIfChanged();

 private:
  void Run();

  const ConnectorTaskId id_;
  TaskStatusListener* listener_;  // not owned; outlives the task
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  TargetState target_;
  TargetState reported_target_ = TargetState::kStarted;
  bool done_ = false;
};

}  // namespace tributary::runtime
