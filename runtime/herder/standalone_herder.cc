#include "runtime/herder/standalone_herder.h"

#include <spdlog/spdlog.h>

#include "runtime/config/placeholders.h"
#include "runtime/worker/connector_config.h"

namespace tributary::runtime {

class StandaloneHerder::Context : public ConnectorContext {
 public:
  Context(StandaloneHerder& herder, std::string name) : herder_(herder), name_(std::move(name)) {}
  void RequestTaskReconfiguration() override { herder_.RequestReconfiguration(name_); }
  void RaiseError(const Status& status) override {
    std::lock_guard lock(herder_.mutex_);
    auto it = herder_.connectors_.find(name_);
    if (it != herder_.connectors_.end()) herder_.FailConnectorLocked(it->second, status);
  }

 private:
  StandaloneHerder& herder_;
  std::string name_;
};

StandaloneHerder::StandaloneHerder(Worker& worker)
    : worker_(worker), request_thread_([this] { RunRequests(); }) {}

StandaloneHerder::~StandaloneHerder() { Stop(); }

Status StandaloneHerder::CreateConnector(const std::string& name, const ConfigMap& raw_config,
                                         TargetState state) {
  ConfigMap config = raw_config;
  config.try_emplace("name", name);
  if (config["name"] != name) {
    return Status::InvalidConfig("Connector name configuration (" + config["name"] +
                                 ") doesn't match connector name in the URL (" + name + ")");
  }
  auto plugin = worker_.plugins().FindConnector(config["connector.class"]);
  if (!plugin.ok()) {
    if (config["connector.class"].empty()) {
      return Status::InvalidConfig(InvalidConnectorConfigMessage(
          {{"connector.class",
            {"Missing required configuration \"connector.class\" which has no default value."}}}));
    }
    return Status::InvalidConfig(plugin.status().message());
  }
  const ConnectorType type = (*plugin)->type;

  Result<ConfigMap> resolved = ResolvePlaceholders(config);
  if (!resolved.ok()) return resolved.status();
  auto errors = ValidateConnectorConfig(type, *resolved);
  for (auto& [key, messages] : (*plugin)->factory()->Validate(*resolved)) {
    auto& into = errors[key];
    into.insert(into.end(), messages.begin(), messages.end());
  }
  std::erase_if(errors, [](const auto& entry) { return entry.second.empty(); });
  if (!errors.empty()) return Status::InvalidConfig(InvalidConnectorConfigMessage(errors));

  std::lock_guard lock(mutex_);
  if (connectors_.count(name))
    return Status::AlreadyExists("Connector " + name + " already exists");
  Entry& entry = connectors_[name];
  entry.config = config;
  entry.type = type;
  entry.target = state;
  entry.context = std::make_unique<Context>(*this, name);

  Status st = worker_.StartConnector(name, *resolved, entry.context.get());
  if (!st.ok()) {
    FailConnectorLocked(entry, st);
    return Status::Ok();  // created, but FAILED: visible in its status, as in Connect
  }
  entry.state = state == TargetState::kPaused ? State::kPaused : State::kRunning;
  st = StartTasksLocked(name, entry, *resolved);
  if (!st.ok()) FailConnectorLocked(entry, st);
  return Status::Ok();
}

Status StandaloneHerder::StartTasksLocked(const std::string& name, Entry& entry,
                                          const ConfigMap& resolved) {
  auto common = ParseConnectorConfig(entry.type, resolved);
  if (!common.ok()) return common.status();
  TRIBUTARY_ASSIGN_OR_RETURN(std::vector<ConfigMap> task_configs,
                             worker_.ConnectorTaskConfigs(name, common->tasks_max));
  for (size_t i = 0; i < task_configs.size(); ++i) {
    ConnectorTaskId id{name, static_cast<int>(i)};
    entry.tasks[id.task] = {id.task, State::kUnassigned, worker_id_, ""};
    Status st = worker_.StartTask(id, resolved, task_configs[i], this, entry.target);
    if (!st.ok()) {
      spdlog::error("{} Failed to start task: {}", id.ToString(), st.ToString());
      entry.tasks[id.task].state = State::kFailed;
      entry.tasks[id.task].trace = st.ToString();
    }
  }
  return Status::Ok();
}

void StandaloneHerder::FailConnectorLocked(Entry& entry, const Status& status) {
  entry.state = State::kFailed;
  entry.trace = status.ToString();
  spdlog::error("Connector failed: {}", entry.trace);
}

Status StandaloneHerder::DeleteConnector(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (!connectors_.count(name)) return Status::NotFound("Connector " + name + " not found");
  StopConnectorLocked(name);
  connectors_.erase(name);
  return Status::Ok();
}

void StandaloneHerder::StopConnectorLocked(const std::string& name) {
  // Task threads report state through OnTaskState, which takes mutex_: release it while waiting.
  std::vector<ConnectorTaskId> ids = worker_.TaskIds(name);
  mutex_.unlock();
  worker_.StopAndAwaitTasks(ids);
  worker_.StopConnector(name);
  mutex_.lock();
}

void StandaloneHerder::OnTaskState(const ConnectorTaskId& id, State state,
                                   const std::string& trace) {
  std::lock_guard lock(mutex_);
  auto it = connectors_.find(id.connector);
  if (it == connectors_.end()) return;
  TaskStateInfo& info = it->second.tasks[id.task];
  info.id = id.task;
  info.state = state;
  info.trace = trace;
  info.worker_id = worker_id_;
}

void StandaloneHerder::RequestReconfiguration(const std::string& name) {
  {
    std::lock_guard lock(requests_mutex_);
    reconfiguration_requests_.push_back(name);
  }
  requests_cv_.notify_all();
}

void StandaloneHerder::RunRequests() {
  while (true) {
    std::string name;
    {
      std::unique_lock lock(requests_mutex_);
      requests_cv_.wait(lock, [&] { return stopping_ || !reconfiguration_requests_.empty(); });
      if (stopping_) return;
      name = reconfiguration_requests_.front();
      reconfiguration_requests_.pop_front();
    }
    std::lock_guard lock(mutex_);
    auto it = connectors_.find(name);
    if (it == connectors_.end() || it->second.state == State::kFailed) continue;
    Result<ConfigMap> resolved = ResolvePlaceholders(it->second.config);
    if (!resolved.ok()) {
      FailConnectorLocked(it->second, resolved.status());
      continue;
    }
    // Stop the old tasks (without stopping the connector), then start the new set.
    std::vector<ConnectorTaskId> ids = worker_.TaskIds(name);
    mutex_.unlock();
    worker_.StopAndAwaitTasks(ids);
    mutex_.lock();
    it = connectors_.find(name);
    if (it == connectors_.end()) continue;
    it->second.tasks.clear();
    Status st = StartTasksLocked(name, it->second, *resolved);
    if (!st.ok()) FailConnectorLocked(it->second, st);
  }
}

void StandaloneHerder::SetWorkerId(std::string id) {
  std::lock_guard lock(mutex_);
  worker_id_ = std::move(id);
}

void StandaloneHerder::SetKafkaClusterId(std::string id) {
  std::lock_guard lock(mutex_);
  kafka_cluster_id_ = std::move(id);
}

void StandaloneHerder::Stop() {
  {
    std::lock_guard lock(requests_mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  requests_cv_.notify_all();
  if (request_thread_.joinable()) request_thread_.join();
  ready_ = false;
  worker_.Stop();
}

std::vector<std::string> StandaloneHerder::ConnectorNames() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, entry] : connectors_) names.push_back(name);
  return names;
}

Result<ConnectorStateInfo> StandaloneHerder::ConnectorStatus(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = connectors_.find(name);
  if (it == connectors_.end()) return Status::NotFound("No status found for connector " + name);
  const Entry& entry = it->second;
  ConnectorStateInfo info;
  info.name = name;
  info.state = entry.state;
  info.worker_id = worker_id_;
  info.trace = entry.trace;
  info.type = entry.type;
  for (const auto& [id, task] : entry.tasks) info.tasks.push_back(task);
  return info;
}

WorkerHealth StandaloneHerder::Health() const {
  return ready_ ? WorkerHealth::kHealthy : WorkerHealth::kStarting;
}

std::string StandaloneHerder::KafkaClusterId() const {
  std::lock_guard lock(mutex_);
  return kafka_cluster_id_;
}

}  // namespace tributary::runtime
