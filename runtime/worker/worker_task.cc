#include "runtime/worker/worker_task.h"

#include <spdlog/spdlog.h>

namespace tributary::runtime {

WorkerTask::~WorkerTask() {
  Stop();
  if (thread_.joinable()) thread_.join();
}

void WorkerTask::Start() {
  thread_ = std::thread([this] { Run(); });
}

void WorkerTask::SetTargetState(TargetState state) {
  {
    std::lock_guard lock(mutex_);
    target_ = state;
  }
  cv_.notify_all();
}

void WorkerTask::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
}

bool WorkerTask::AwaitStop(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!cv_.wait_for(lock, timeout, [this] { return done_; })) return false;
  lock.unlock();
  if (thread_.joinable()) thread_.join();
  return true;
}

bool WorkerTask::paused() const {
  std::lock_guard lock(mutex_);
  return target_ == TargetState::kPaused;
}

void WorkerTask::WaitFor(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  TargetState seen = target_;
  cv_.wait_for(lock, timeout, [&] { return stopping_.load() || target_ != seen; });
}

void WorkerTask::ReportTargetStateIfChanged() {
  TargetState now;
  {
    std::lock_guard lock(mutex_);
    now = target_;
    if (now == reported_target_) return;
    reported_target_ = now;
  }
  listener_->OnTaskState(id_, now == TargetState::kPaused ? State::kPaused : State::kRunning, "");
}

void WorkerTask::Run() {
  Status status = Initialize();
  if (status.ok()) {
    {
      std::lock_guard lock(mutex_);
      reported_target_ = target_;
    }
    listener_->OnTaskState(id_, paused() ? State::kPaused : State::kRunning, "");
    spdlog::info("{} Task started", id_.ToString());
    status = Execute();
  }
  Close();
  if (!status.ok()) {
    spdlog::error("{} Task failed: {}", id_.ToString(), status.ToString());
    listener_->OnTaskState(id_, State::kFailed, status.ToString());
  } else {
    spdlog::info("{} Task stopped", id_.ToString());
  }
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  cv_.notify_all();
}

}  // namespace tributary::runtime
