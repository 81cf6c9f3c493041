#include "runtime/herder/standalone_herder.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "runtime/config/client_config.h"
#include "runtime/config/placeholders.h"
#include "runtime/errors/error_handling.h"
#include "runtime/herder/sink_offsets.h"
#include "runtime/storage/atomic_file.h"
#include "runtime/transforms/transformation_chain.h"
#include "runtime/worker/connector_config.h"

namespace tributary::runtime {

namespace {

const char* TargetStateName(ConnectorTargetState state) {
  switch (state) {
    case ConnectorTargetState::kStarted:
      return "STARTED";
    case ConnectorTargetState::kPaused:
      return "PAUSED";
    case ConnectorTargetState::kStopped:
      return "STOPPED";
  }
  return "STARTED";
}

std::string Lookup(const ConfigMap& map, const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? std::string() : it->second;
}

// Task configs as Connect's TaskInfo shows them: a value the connector copied from a config value
// that came from a placeholder is shown as the placeholder again (never the secret).
ConfigMap RedactTaskConfig(const ConfigMap& task, const ConfigMap& raw) {
  ConfigMap out = task;
  Result<ConfigMap> resolved = ResolvePlaceholders(raw);
  for (auto& [key, value] : out) {
    auto it = raw.find(key);
    if (it == raw.end() || it->second.find("${") == std::string::npos) continue;
    if (!resolved.ok() || Lookup(*resolved, key) == value) value = it->second;
  }
  return out;
}

using ConfigErrors = std::map<std::string, std::vector<std::string>>;

void Merge(ConfigErrors& into, ConfigErrors from) {
  for (auto& [key, messages] : from) {
    auto& list = into[key];
    list.insert(list.end(), messages.begin(), messages.end());
  }
}

// Every per-key error of a placeholder-resolved connector config, as Connect's
// AbstractHerder.validateConnectorConfig finds them: the common keys, errors.* (with the sink rule
// that the DLQ topic may not be consumed by the connector itself), transforms and predicates
// (each one instantiated and configured), and the connector's own Validate. Empty lists removed.
ConfigErrors CollectConfigErrors(const Plugins& plugins, ConnectorType type, Connector& connector,
                                 const ConfigMap& values) {
  ConfigErrors errors = runtime::ValidateConnectorConfig(type, values);
  Merge(errors, ErrorHandlingConfigDef(type).Validate(values));
  if (type == ConnectorType::kSink) {
    const std::string dlq = Lookup(values, "errors.deadletterqueue.topic.name");
    const std::string topics = Lookup(values, "topics");
    if (!dlq.empty()) {
      std::stringstream list(topics);
      for (std::string topic; std::getline(list, topic, ',');) {
        topic.erase(0, topic.find_first_not_of(" \t"));
        topic.erase(topic.find_last_not_of(" \t") + 1);
        if (topic == dlq) {
          errors["errors.deadletterqueue.topic.name"].push_back(
              "The DLQ topic '" + dlq + "' may not be included in the list of topics ('topics=" +
              topics + "') consumed by the connector");
          break;
        }
      }
    }
  }
  Merge(errors,
        TransformationChain::Validate(
            values, [&](const std::string& name) { return plugins.NewTransformation(name); },
            [&](const std::string& name) { return plugins.NewPredicate(name); }));
  Merge(errors, connector.Validate(values));
  std::erase_if(errors, [](const auto& entry) { return entry.second.empty(); });
  return errors;
}

// The ConfigInfos group of a key that neither definition declares (Connect's enriched groups).
const char* ExtraKeyGroup(const std::string& key) {
  if (key == "transforms" || key.rfind("transforms.", 0) == 0) return "Transforms";
  if (key == "predicates" || key.rfind("predicates.", 0) == 0) return "Predicates";
  return "Connector";
}

// The consumer group and topics of sink connector `name` with raw config `raw`.
Result<SinkOffsetsTarget> SinkTarget(const ConfigMap& worker_config, const std::string& name,
                                     const ConfigMap& raw) {
  TRIBUTARY_ASSIGN_OR_RETURN(ConfigMap resolved, ResolvePlaceholders(raw));
  TRIBUTARY_ASSIGN_OR_RETURN(ConnectorConfig common,
                             ParseConnectorConfig(ConnectorType::kSink, resolved));
  TRIBUTARY_ASSIGN_OR_RETURN(ClientConfig client,
                             BuildClientConfig(ClientRole::kConsumer, worker_config, resolved));
  SinkOffsetsTarget target;
  target.consumer_properties = std::move(client.properties);
  target.connector = name;
  target.topics = common.topics;
  target.topics_regex = common.topics_regex;
  return target;
}

// Java's String.valueOf of a JSON value, as Connect prints request values in its messages.
std::string JavaText(const rapidjson::Value& value) {
  if (value.IsString()) return std::string(value.GetString(), value.GetStringLength());
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Parses an integer the way Connect does (Integer/Long.parseLong of the value's text, so both
// 10 and "10" are accepted).
template <typename T>
std::optional<T> ParseJavaInteger(const rapidjson::Value& value) {
  const std::string text = JavaText(value);
  if (text.empty()) return std::nullopt;
  size_t i = (text[0] == '-' || text[0] == '+') ? 1 : 0;
  if (i == text.size()) return std::nullopt;
  for (size_t j = i; j < text.size(); ++j) {
    if (text[j] < '0' || text[j] > '9') return std::nullopt;
  }
  try {
    long long parsed = std::stoll(text);
    if (parsed < std::numeric_limits<T>::min() || parsed > std::numeric_limits<T>::max()) {
      return std::nullopt;
    }
    return static_cast<T>(parsed);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Connect's SinkUtils.parseSinkConnectorOffsets: InvalidArgument with Connect's messages.
Result<std::vector<SinkPartitionOffset>> ParseSinkOffsets(
    const std::vector<ConnectorOffset>& offsets) {
  std::vector<SinkPartitionOffset> out;
  for (const auto& entry : offsets) {
    rapidjson::Document partition;
    partition.Parse(entry.partition_json.c_str(), entry.partition_json.size());
    if (partition.HasParseError() || partition.IsNull()) {
      return Status::InvalidArgument(
          "The partition for a sink connector offset cannot be null or missing");
    }
    if (!partition.IsObject() || !partition.HasMember("kafka_topic") ||
        !partition.HasMember("kafka_partition")) {
      return Status::InvalidArgument(
          "The partition for a sink connector offset must contain the keys 'kafka_topic' and "
          "'kafka_partition'");
    }
    if (partition["kafka_topic"].IsNull()) {
      return Status::InvalidArgument("Kafka topic names must be valid strings and may not be null");
    }
    if (partition["kafka_partition"].IsNull()) {
      return Status::InvalidArgument("Kafka partitions must be valid numbers and may not be null");
    }
    SinkPartitionOffset parsed;
    parsed.topic = JavaText(partition["kafka_topic"]);
    auto number = ParseJavaInteger<int32_t>(partition["kafka_partition"]);
    if (!number) {
      return Status::InvalidArgument(
          "Failed to parse the following Kafka partition value in the provided offsets: '" +
          JavaText(partition["kafka_partition"]) +
          "'. Partition values for sink connectors need to be integers.");
    }
    parsed.partition = *number;
    if (entry.offset_json != "null") {
      rapidjson::Document offset;
      offset.Parse(entry.offset_json.c_str(), entry.offset_json.size());
      if (offset.HasParseError() || !offset.IsObject() || !offset.HasMember("kafka_offset")) {
        return Status::InvalidArgument(
            "The offset for a sink connector should either be null or contain the key "
            "'kafka_offset'");
      }
      auto value = ParseJavaInteger<int64_t>(offset["kafka_offset"]);
      if (!value || *value < 0) {
        return Status::InvalidArgument(
            "Failed to parse the following Kafka offset value in the provided offsets: '" +
            JavaText(offset["kafka_offset"]) +
            "'. Offset values for sink connectors need to be integers.");
      }
      parsed.offset = *value;
    }
    out.push_back(std::move(parsed));
  }
  return out;
}

std::string ModifiedOffsetsMessage(bool reset) {
  // Our connectors have no alterOffsets() hook, which is Connect's default (returns false).
  return std::string("The Connect framework-managed offsets for this connector have been ") +
         (reset ? "reset" : "altered") +
         " successfully. However, if this connector manages offsets externally, they will need "
         "to be manually " +
         (reset ? "reset" : "altered") + " in the system that the connector uses.";
}

std::string Compact(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

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

StandaloneHerder::StandaloneHerder(Worker& worker, StandaloneHerderOptions options)
    : worker_(worker),
      options_(std::move(options)),
      connectors_file_(options_.connectors_file),
      request_thread_([this] { RunRequests(); }) {}

StandaloneHerder::~StandaloneHerder() { Stop(); }

Result<ConnectorType> StandaloneHerder::CheckConfig(const std::string& name,
                                                    ConfigMap* config) const {
  config->try_emplace("name", name);
  if ((*config)["name"] != name) {
    return Status::InvalidConfig("Connector name configuration (" + (*config)["name"] +
                                 ") doesn't match connector name in the URL (" + name + ")");
  }
  const std::string connector_class = Lookup(*config, "connector.class");
  if (connector_class.empty()) {
    return Status::InvalidConfig(InvalidConnectorConfigMessage(
        {{"connector.class",
          {"Missing required configuration \"connector.class\" which has no default value."}}}));
  }
  auto plugin = worker_.plugins().FindConnector(connector_class);
  if (!plugin.ok()) return Status::InvalidConfig(plugin.status().message());
  const ConnectorType type = (*plugin)->type;
  Result<ConfigMap> resolved = ResolvePlaceholders(*config);
  if (!resolved.ok()) return Status::InvalidConfig(resolved.status().message());
  ConfigErrors errors =
      CollectConfigErrors(worker_.plugins(), type, *(*plugin)->factory(), *resolved);
  if (!errors.empty()) return Status::InvalidConfig(InvalidConnectorConfigMessage(errors));
  return type;
}

Status StandaloneHerder::CreateConnector(const std::string& name, const ConfigMap& config,
                                         ConnectorTargetState state) {
  Result<PutConfigResult> result = PutConnectorConfig(name, config, false, state);
  return result.ok() ? Status::Ok() : result.status();
}

Result<PutConfigResult> StandaloneHerder::PutConnectorConfig(const std::string& name,
                                                             const ConfigMap& raw_config,
                                                             bool allow_replace,
                                                             ConnectorTargetState initial_state) {
  ConfigMap config = raw_config;
  TRIBUTARY_ASSIGN_OR_RETURN(ConnectorType type, CheckConfig(name, &config));

  std::lock_guard request(request_mutex_);
  bool exists;
  {
    std::lock_guard lock(mutex_);
    exists = connectors_.count(name) > 0;
  }
  if (exists && !allow_replace) {
    return Status::AlreadyExists("Connector " + name + " already exists");
  }
  if (exists) StopConnectorAndTasks(name);  // restarted with the new config, same target state
  std::lock_guard lock(mutex_);
  Entry& entry = connectors_[name];
  entry.config = config;
  entry.type = type;
  if (!exists) {
    entry.target = initial_state;
    entry.context = std::make_unique<Context>(*this, name);
  }
  StartConnectorLocked(name, entry);
  PersistLocked();
  return PutConfigResult{!exists, InfoLocked(name, entry)};
}

Result<ConnectorInfo> StandaloneHerder::PatchConnectorConfig(
    const std::string& name, const std::map<std::string, std::optional<std::string>>& patch) {
  ConfigMap merged;
  {
    std::lock_guard lock(mutex_);
    auto it = connectors_.find(name);
    if (it == connectors_.end()) return Status::NotFound("Connector " + name + " not found");
    merged = it->second.config;
  }
  for (const auto& [key, value] : patch) {
    if (value) {
      merged[key] = *value;
    } else {
      merged.erase(key);
    }
  }
  // A concurrent delete between the read and the write re-creates the connector, as a PUT would.
  TRIBUTARY_ASSIGN_OR_RETURN(
      PutConfigResult result,
      PutConnectorConfig(name, merged, true, ConnectorTargetState::kStarted));
  return result.info;
}

void StandaloneHerder::StartConnectorLocked(const std::string& name, Entry& entry) {
  entry.trace.clear();
  entry.tasks.clear();
  entry.task_configs.clear();
  if (entry.target == ConnectorTargetState::kStopped) {
    entry.state = State::kStopped;
    return;
  }
  Result<ConfigMap> resolved = ResolvePlaceholders(entry.config);
  if (!resolved.ok()) return FailConnectorLocked(entry, resolved.status());
  Status st = worker_.StartConnector(name, *resolved, entry.context.get());
  if (!st.ok()) return FailConnectorLocked(entry, st);  // created, but FAILED, as in Connect
  entry.state = entry.target == ConnectorTargetState::kPaused ? State::kPaused : State::kRunning;
  st = StartTasksLocked(name, entry, *resolved);
  if (!st.ok()) FailConnectorLocked(entry, st);
}

Status StandaloneHerder::StartTasksLocked(const std::string& name, Entry& entry,
                                          const ConfigMap& resolved) {
  auto common = ParseConnectorConfig(entry.type, resolved);
  if (!common.ok()) return common.status();
  TRIBUTARY_ASSIGN_OR_RETURN(std::vector<ConfigMap> task_configs,
                             worker_.ConnectorTaskConfigs(name, common->tasks_max));
  entry.task_configs = task_configs;
  const TargetState task_state =
      entry.target == ConnectorTargetState::kPaused ? TargetState::kPaused : TargetState::kStarted;
  for (size_t i = 0; i < task_configs.size(); ++i) {
    ConnectorTaskId id{name, static_cast<int>(i)};
    entry.tasks[id.task] = {id.task, State::kUnassigned, worker_id_, ""};
    Status st =
        worker_.StartTask(id, resolved, task_configs[i], this, task_state, TopicCallback(name));
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

void StandaloneHerder::StopTasks(const std::vector<ConnectorTaskId>& ids) {
  worker_.StopAndAwaitTasks(ids);
}

void StandaloneHerder::StopConnectorAndTasks(const std::string& name) {
  // Task threads report state through OnTaskState, which takes mutex_: it must not be held here.
  StopTasks(worker_.TaskIds(name));
  worker_.StopConnector(name);
}

Status StandaloneHerder::DeleteConnectorConfig(const std::string& name) {
  std::lock_guard request(request_mutex_);
  {
    std::lock_guard lock(mutex_);
    if (!connectors_.count(name)) return Status::NotFound("Connector " + name + " not found");
  }
  StopConnectorAndTasks(name);
  {
    std::lock_guard lock(mutex_);
    connectors_.erase(name);
    PersistLocked();
  }
  // A deleted connector's active topics go with it (Connect's AbstractHerder.onDeletion).
  std::lock_guard topics(topics_mutex_);
  if (active_topics_.erase(name) > 0) PersistTopicsLocked();
  return Status::Ok();
}

Status StandaloneHerder::SetTargetState(const std::string& name, ConnectorTargetState state) {
  std::lock_guard request(request_mutex_);
  ConnectorTargetState before;
  {
    std::lock_guard lock(mutex_);
    auto it = connectors_.find(name);
    if (it == connectors_.end()) return Status::NotFound("Unknown connector " + name);
    before = it->second.target;
  }
  if (before == state) return Status::Ok();
  if (state == ConnectorTargetState::kStopped) {
    StopConnectorAndTasks(name);
    std::lock_guard lock(mutex_);
    Entry& entry = connectors_.at(name);
    entry.target = state;
    entry.state = State::kStopped;
    entry.trace.clear();
    entry.tasks.clear();
    entry.task_configs.clear();
    PersistLocked();
    return Status::Ok();
  }
  std::lock_guard lock(mutex_);
  Entry& entry = connectors_.at(name);
  entry.target = state;
  if (before == ConnectorTargetState::kStopped) {
    StartConnectorLocked(name, entry);
  } else {
    worker_.SetTargetState(name, state == ConnectorTargetState::kPaused ? TargetState::kPaused
                                                                        : TargetState::kStarted);
    if (entry.state != State::kFailed) {
      entry.state = state == ConnectorTargetState::kPaused ? State::kPaused : State::kRunning;
    }
  }
  PersistLocked();
  return Status::Ok();
}

Result<ConnectorStateInfo> StandaloneHerder::RestartConnectorAndTasks(const std::string& name,
                                                                      bool include_tasks,
                                                                      bool only_failed) {
  std::lock_guard request(request_mutex_);
  ConnectorStateInfo plan;
  bool restart_connector;
  std::vector<int> restart_tasks;
  {
    std::lock_guard lock(mutex_);
    auto it = connectors_.find(name);
    if (it == connectors_.end()) return Status::NotFound("Unknown connector: " + name);
    const Entry& entry = it->second;
    plan.name = name;
    plan.state = entry.state;
    plan.worker_id = worker_id_;
    plan.trace = entry.trace;
    plan.type = entry.type;
    restart_connector = !only_failed || entry.state == State::kFailed;
    if (entry.target == ConnectorTargetState::kStopped) restart_connector = false;
    if (restart_connector) plan.state = State::kRestarting;
    for (const auto& [id, task] : entry.tasks) {
      TaskStateInfo shown = task;
      if (include_tasks && (!only_failed || task.state == State::kFailed)) {
        shown.state = State::kRestarting;
        restart_tasks.push_back(id);
      }
      plan.tasks.push_back(shown);
    }
  }
  if (restart_connector && (restart_tasks.size() == plan.tasks.size() && !plan.tasks.empty())) {
    // Everything restarts: a full stop and start, which also recomputes the task configs.
    StopConnectorAndTasks(name);
    std::lock_guard lock(mutex_);
    StartConnectorLocked(name, connectors_.at(name));
    return plan;
  }
  if (restart_connector) {
    worker_.StopConnector(name);
    std::lock_guard lock(mutex_);
    Entry& entry = connectors_.at(name);
    Result<ConfigMap> resolved = ResolvePlaceholders(entry.config);
    Status st = resolved.ok() ? worker_.StartConnector(name, *resolved, entry.context.get())
                              : resolved.status();
    if (!st.ok()) {
      FailConnectorLocked(entry, st);
    } else {
      entry.trace.clear();
      entry.state =
          entry.target == ConnectorTargetState::kPaused ? State::kPaused : State::kRunning;
    }
  }
  for (int task : restart_tasks) {
    Status st = RestartTaskLocked(name, task);
    if (!st.ok()) spdlog::error("Restarting task {}-{} failed: {}", name, task, st.ToString());
  }
  return plan;
}

Status StandaloneHerder::RestartTask(const std::string& name, int task) {
  std::lock_guard request(request_mutex_);
  {
    std::lock_guard lock(mutex_);
    auto it = connectors_.find(name);
    if (it == connectors_.end()) return Status::NotFound("Unknown connector: " + name);
    if (task < 0 || task >= static_cast<int>(it->second.task_configs.size())) {
      return Status::NotFound("Unknown task: " + name + "-" + std::to_string(task));
    }
  }
  return RestartTaskLocked(name, task);
}

Status StandaloneHerder::RestartTaskLocked(const std::string& name, int task) {
  ConnectorTaskId id{name, task};
  StopTasks({id});
  std::lock_guard lock(mutex_);
  Entry& entry = connectors_.at(name);
  if (task >= static_cast<int>(entry.task_configs.size())) {
    return Status::NotFound("Unknown task: " + id.ToString());
  }
  Result<ConfigMap> resolved = ResolvePlaceholders(entry.config);
  if (!resolved.ok()) return resolved.status();
  entry.tasks[task] = {task, State::kUnassigned, worker_id_, ""};
  const TargetState task_state =
      entry.target == ConnectorTargetState::kPaused ? TargetState::kPaused : TargetState::kStarted;
  Status st = worker_.StartTask(id, *resolved, entry.task_configs[task], this, task_state,
                                TopicCallback(name));
  if (!st.ok()) {
    entry.tasks[task].state = State::kFailed;
    entry.tasks[task].trace = st.ToString();
  }
  return st;
}

void StandaloneHerder::OnTaskState(const ConnectorTaskId& id, State state,
                                   const std::string& trace) {
  std::lock_guard lock(mutex_);
  auto it = connectors_.find(id.connector);
  if (it == connectors_.end()) return;
  auto task = it->second.tasks.find(id.task);
  if (task == it->second.tasks.end()) return;  // a task of a stopped or replaced generation
  task->second.state = state;
  task->second.trace = trace;
  task->second.worker_id = worker_id_;
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
    std::lock_guard request(request_mutex_);
    {
      std::lock_guard lock(mutex_);
      auto it = connectors_.find(name);
      if (it == connectors_.end() || it->second.state == State::kFailed ||
          it->second.target == ConnectorTargetState::kStopped) {
        continue;
      }
    }
    // Stop the old tasks (without stopping the connector), then start the new set.
    StopTasks(worker_.TaskIds(name));
    std::lock_guard lock(mutex_);
    Entry& entry = connectors_.at(name);
    entry.tasks.clear();
    Result<ConfigMap> resolved = ResolvePlaceholders(entry.config);
    Status st = resolved.ok() ? StartTasksLocked(name, entry, *resolved) : resolved.status();
    if (!st.ok()) FailConnectorLocked(entry, st);
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
  std::lock_guard request(request_mutex_);
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

ConnectorInfo StandaloneHerder::InfoLocked(const std::string& name, const Entry& entry) const {
  ConnectorInfo info;
  info.name = name;
  info.config = entry.config;
  info.type = entry.type;
  for (size_t i = 0; i < entry.task_configs.size(); ++i) info.tasks.push_back(static_cast<int>(i));
  return info;
}

Result<ConnectorInfo> StandaloneHerder::GetConnectorInfo(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = connectors_.find(name);
  if (it == connectors_.end()) return Status::NotFound("Connector " + name + " not found");
  return InfoLocked(name, it->second);
}

Result<std::vector<TaskInfo>> StandaloneHerder::GetTaskConfigs(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = connectors_.find(name);
  if (it == connectors_.end()) return Status::NotFound("Connector " + name + " not found");
  std::vector<TaskInfo> tasks;
  for (size_t i = 0; i < it->second.task_configs.size(); ++i) {
    tasks.push_back({name, static_cast<int>(i),
                     RedactTaskConfig(it->second.task_configs[i], it->second.config)});
  }
  return tasks;
}

// ---- validation and plugins ----

Result<ConfigInfos> StandaloneHerder::ValidateConnectorConfig(const ConfigMap& config) const {
  const std::string connector_class = Lookup(config, "connector.class");
  if (connector_class.empty()) {
    return Status::InvalidConfig("Connector config contains no connector type");
  }
  auto plugin = worker_.plugins().FindConnector(connector_class);
  if (!plugin.ok()) return Status::InvalidConfig(plugin.status().message());
  const ConnectorType type = (*plugin)->type;
  std::unique_ptr<Connector> connector = (*plugin)->factory();

  std::map<std::string, std::vector<std::string>> errors;
  Result<ConfigMap> resolved = ResolvePlaceholders(config);
  ConfigMap values = resolved.ok() ? *resolved : config;
  if (!resolved.ok()) {
    // Name the key whose placeholder failed when the message says which one.
    bool placed = false;
    for (const auto& [key, value] : config) {
      if (value.find("${") != std::string::npos &&
          resolved.status().message().find(key) != std::string::npos) {
        errors[key].push_back(resolved.status().message());
        placed = true;
        break;
      }
    }
    if (!placed) errors["connector.class"].push_back(resolved.status().message());
  }
  Merge(errors, CollectConfigErrors(worker_.plugins(), type, *connector, values));

  ConfigInfos infos;
  infos.name = connector_class;
  std::set<std::string> seen;
  auto add_key = [&](ConfigKey key, const char* default_group) {
    if (!seen.insert(key.name).second) return;
    if (key.group.empty()) key.group = default_group;
    if (std::find(infos.groups.begin(), infos.groups.end(), key.group) == infos.groups.end()) {
      infos.groups.push_back(key.group);
    }
    ConfigInfo info;
    auto given = config.find(key.name);  // raw: placeholders are shown, never their values
    if (given != config.end()) {
      info.value = given->second;
    } else if (key.default_value && !key.null_default) {
      info.value = *key.default_value;
    }
    if (key.type == ConfigType::kPassword && info.value) info.value = "[hidden]";
    auto err = errors.find(key.name);
    if (err != errors.end()) info.errors = err->second;
    infos.error_count += static_cast<int>(info.errors.size());
    info.definition = std::move(key);
    infos.configs.push_back(std::move(info));
  };
  for (const ConfigKey& key : ConnectorConfigDef(type).keys()) add_key(key, "Common");
  for (const ConfigKey& key : ErrorHandlingConfigDef(type).keys()) add_key(key, "Error Handling");
  for (const ConfigKey& key : connector->Definition().keys()) add_key(key, "Connector");
  // Errors on keys neither definition declares (cross-key rules of a connector's Validate).
  for (const auto& [name, messages] : errors) {
    if (seen.count(name) || messages.empty()) continue;
    ConfigKey key;
    key.name = name;
    key.null_default = true;
    add_key(std::move(key), ExtraKeyGroup(name));
  }
  return infos;
}

std::vector<PluginDiagnostic> StandaloneHerder::PluginDiagnostics() const {
  std::vector<PluginDiagnostic> out;
  for (const auto& problem : worker_.plugins().load_problems()) {
    out.push_back({problem.path, problem.reason});
  }
  return out;
}

std::vector<PluginDescription> StandaloneHerder::Plugins(bool connectors_only) const {
  std::vector<PluginDescription> out;
  const auto& plugins = worker_.plugins();
  for (const auto& plugin : plugins.connectors()) {
    out.push_back({plugin.class_name, ConnectorTypeName(plugin.type), plugin.version});
  }
  if (!connectors_only) {
    for (const auto& plugin : plugins.converters()) {
      out.push_back({plugin.class_name, "converter", plugin.version});
    }
    for (const auto& plugin : plugins.header_converters()) {
      out.push_back({plugin.class_name, "header_converter", plugin.version});
    }
    for (const auto& plugin : plugins.transformations()) {
      out.push_back({plugin.class_name, "transformation", plugin.version});
    }
    for (const auto& plugin : plugins.predicates()) {
      out.push_back({plugin.class_name, "predicate", plugin.version});
    }
  }
  std::sort(out.begin(), out.end(), [](const PluginDescription& a, const PluginDescription& b) {
    return a.class_name < b.class_name || (a.class_name == b.class_name && a.type < b.type);
  });
  return out;
}

Result<std::vector<ConfigKey>> StandaloneHerder::PluginConfig(const std::string& plugin) const {
  const auto& plugins = worker_.plugins();
  if (auto connector = plugins.FindConnector(plugin); connector.ok()) {
    return (*connector)->factory()->Definition().keys();
  }
  if (auto converter = plugins.NewConverter(plugin); converter.ok()) {
    return (*converter)->Definition().keys();
  }
  if (auto header = plugins.NewHeaderConverter(plugin); header.ok()) {
    return (*header)->Definition().keys();
  }
  return Status::NotFound("Unknown plugin " + plugin + ".");
}

// ---- offsets (KIP-875) ----

Result<std::vector<ConnectorOffset>> StandaloneHerder::GetOffsets(const std::string& name) const {
  ConfigMap sink_config;
  {
    std::lock_guard lock(mutex_);
    auto it = connectors_.find(name);
    if (it == connectors_.end()) return Status::NotFound("Connector " + name + " not found");
    if (it->second.type == ConnectorType::kSink) sink_config = it->second.config;
  }
  if (!sink_config.empty()) {
    // Kafka is asked without holding any lock.
    TRIBUTARY_ASSIGN_OR_RETURN(SinkOffsetsTarget target,
                               SinkTarget(worker_.options().worker_config, name, sink_config));
    TRIBUTARY_ASSIGN_OR_RETURN(std::vector<SinkPartitionOffset> committed, ReadSinkOffsets(target));
    std::vector<ConnectorOffset> offsets;
    for (const auto& entry : committed) {
      rapidjson::StringBuffer partition;
      rapidjson::Writer<rapidjson::StringBuffer> p(partition);
      p.StartObject();
      p.Key("kafka_topic");
      p.String(entry.topic.c_str(), static_cast<rapidjson::SizeType>(entry.topic.size()));
      p.Key("kafka_partition");
      p.Int(entry.partition);
      p.EndObject();
      offsets.push_back({std::string(partition.GetString(), partition.GetSize()),
                         "{\"kafka_offset\":" + std::to_string(*entry.offset) + "}"});
    }
    return offsets;
  }
  std::vector<ConnectorOffset> offsets;
  for (const auto& [key, value] : worker_.offset_store().All()) {
    rapidjson::Document doc;
    doc.Parse(key.c_str(), key.size());
    if (doc.HasParseError() || !doc.IsArray() || doc.Size() != 2 || !doc[0].IsString() ||
        doc[0].GetString() != name) {
      continue;
    }
    offsets.push_back({Compact(doc[1]), value});
  }
  return offsets;
}

Result<std::string> StandaloneHerder::ModifyOffsets(const std::string& name,
                                                    const std::vector<ConnectorOffset>& offsets,
                                                    bool reset) {
  std::lock_guard request(request_mutex_);
  ConfigMap sink_config;
  {
    std::lock_guard lock(mutex_);
    auto it = connectors_.find(name);
    if (it == connectors_.end()) return Status::NotFound("Connector " + name + " not found");
    if (it->second.target != ConnectorTargetState::kStopped || !it->second.tasks.empty()) {
      return Status::InvalidArgument(
          "Connectors must be in the STOPPED state before their offsets can be modified. This "
          "can be done for the specified connector by issuing a 'PUT' request to the "
          "'/connectors/" +
          name + "/stop' endpoint");
    }
    if (it->second.type == ConnectorType::kSink) sink_config = it->second.config;
  }
  if (!sink_config.empty()) return ModifySinkOffsets(name, sink_config, offsets, reset);
  std::vector<OffsetEntry> entries;
  if (reset) {
    TRIBUTARY_ASSIGN_OR_RETURN(std::vector<ConnectorOffset> current, GetOffsets(name));
    for (const auto& offset : current) {
      auto partition = worker_.offset_serializer().ParseValue(offset.partition_json);
      if (!partition.ok()) continue;
      auto key = worker_.offset_serializer().Key(name, *partition);
      if (key.ok()) entries.emplace_back(*key, std::nullopt);
    }
  } else {
    for (const auto& offset : offsets) {
      auto partition = worker_.offset_serializer().ParseValue(offset.partition_json);
      if (!partition.ok()) {
        return Status::InvalidArgument("Invalid source partition " + offset.partition_json + ": " +
                                       partition.status().message());
      }
      TRIBUTARY_ASSIGN_OR_RETURN(std::string key,
                                 worker_.offset_serializer().Key(name, *partition));
      if (offset.partition_json.empty() || offset.partition_json.front() != '{') {
        return Status::InvalidArgument("Source partitions may not be null or missing");
      }
      if (offset.offset_json == "null") {
        entries.emplace_back(key, std::nullopt);
        continue;
      }
      auto value = worker_.offset_serializer().ParseValue(offset.offset_json);
      if (!value.ok()) {
        return Status::InvalidArgument("Invalid source offset " + offset.offset_json + ": " +
                                       value.status().message());
      }
      TRIBUTARY_ASSIGN_OR_RETURN(std::string serialized,
                                 worker_.offset_serializer().ValueOf(*value));
      entries.emplace_back(key, serialized);
    }
  }
  TRIBUTARY_RETURN_IF_ERROR(worker_.offset_store().Set(entries));
  return ModifiedOffsetsMessage(reset);
}

Result<std::string> StandaloneHerder::ModifySinkOffsets(const std::string& name,
                                                        const ConfigMap& config,
                                                        const std::vector<ConnectorOffset>& offsets,
                                                        bool reset) {
  TRIBUTARY_ASSIGN_OR_RETURN(SinkOffsetsTarget target,
                             SinkTarget(worker_.options().worker_config, name, config));
  std::vector<SinkPartitionOffset> changes;
  if (reset) {
    TRIBUTARY_ASSIGN_OR_RETURN(changes, ReadSinkOffsets(target));
    for (auto& change : changes) change.offset.reset();
  } else {
    TRIBUTARY_ASSIGN_OR_RETURN(changes, ParseSinkOffsets(offsets));
  }
  TRIBUTARY_RETURN_IF_ERROR(WriteSinkOffsets(target, changes));
  return ModifiedOffsetsMessage(reset);
}

// ---- persistence ----

void StandaloneHerder::PersistLocked() const {
  if (connectors_file_.empty()) return;
  rapidjson::StringBuffer out;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(out);
  w.SetIndent(' ', 2);
  w.StartObject();
  w.Key("connectors");
  w.StartObject();
  for (const auto& [name, entry] : connectors_) {
    w.Key(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
    w.StartObject();
    w.Key("config");
    w.StartObject();
    for (const auto& [key, value] : entry.config) {
      w.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
      w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
    }
    w.EndObject();
    w.Key("target_state");
    w.String(TargetStateName(entry.target));
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  std::string content(out.GetString(), out.GetSize());
  content.push_back('\n');
  if (Status st = WriteFileAtomically(connectors_file_, content); !st.ok()) {
    spdlog::error("Cannot persist connector configs to {}: {}", connectors_file_, st.ToString());
  }
}

Status StandaloneHerder::RestorePersisted() {
  TRIBUTARY_RETURN_IF_ERROR(RestoreTopics());
  if (connectors_file_.empty() || !std::filesystem::exists(connectors_file_)) return Status::Ok();
  std::ifstream in(connectors_file_, std::ios::binary);
  if (!in) return Status::IoError("cannot read connectors file " + connectors_file_);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError()) {
    return Status::InvalidArgument("connectors file " + connectors_file_ +
                                   " is not valid JSON at offset " +
                                   std::to_string(doc.GetErrorOffset()) + ": " +
                                   rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject() || !doc.HasMember("connectors") || !doc["connectors"].IsObject()) {
    return Status::InvalidArgument("connectors file " + connectors_file_ +
                                   " must hold {\"connectors\":{…}}");
  }
  for (const auto& member : doc["connectors"].GetObject()) {
    const std::string name(member.name.GetString(), member.name.GetStringLength());
    if (!member.value.IsObject() || !member.value.HasMember("config") ||
        !member.value["config"].IsObject()) {
      spdlog::error("connectors file {}: entry {} has no config object; skipped", connectors_file_,
                    name);
      continue;
    }
    ConfigMap config;
    for (const auto& kv : member.value["config"].GetObject()) {
      if (kv.value.IsString()) {
        config[kv.name.GetString()] = std::string(kv.value.GetString(), kv.value.GetStringLength());
      }
    }
    ConnectorTargetState state = ConnectorTargetState::kStarted;
    if (member.value.HasMember("target_state") && member.value["target_state"].IsString()) {
      const std::string s = member.value["target_state"].GetString();
      if (s == "PAUSED") state = ConnectorTargetState::kPaused;
      if (s == "STOPPED") state = ConnectorTargetState::kStopped;
    }
    Status st = CreateConnector(name, config, state);
    if (!st.ok()) {
      spdlog::error("Cannot restore connector {} from {}: {}", name, connectors_file_,
                    st.ToString());
    } else {
      spdlog::info("Restored connector {} ({}) from {}", name, TargetStateName(state),
                   connectors_file_);
    }
  }
  return Status::Ok();
}

Status StandaloneHerder::ApplyCommandLineConnector(const std::string& name, const ConfigMap& config,
                                                   ConnectorTargetState initial_state) {
  ConfigMap with_name = config;
  with_name.try_emplace("name", name);
  {
    std::lock_guard lock(mutex_);
    auto it = connectors_.find(name);
    if (it != connectors_.end() && it->second.config == with_name) return Status::Ok();
  }
  Result<PutConfigResult> result = PutConnectorConfig(name, config, true, initial_state);
  return result.ok() ? Status::Ok() : result.status();
}

// ---- topic tracking (KIP-558) ----

std::function<void(const std::string&)> StandaloneHerder::TopicCallback(
    const std::string& connector) {
  if (!options_.topic_tracking) return {};
  return [this, connector](const std::string& topic) { OnActiveTopic(connector, topic); };
}

void StandaloneHerder::OnActiveTopic(const std::string& connector, const std::string& topic) {
  std::lock_guard lock(topics_mutex_);
  if (active_topics_[connector].insert(topic).second) {
    spdlog::info("Connector {} uses topic {}", connector, topic);
    PersistTopicsLocked();
  }
}

Result<std::vector<std::string>> StandaloneHerder::ConnectorActiveTopics(
    const std::string& name) const {
  std::lock_guard lock(topics_mutex_);
  auto it = active_topics_.find(name);
  if (it == active_topics_.end()) return std::vector<std::string>{};
  return std::vector<std::string>(it->second.begin(), it->second.end());
}

Status StandaloneHerder::ResetConnectorActiveTopics(const std::string& name) {
  std::lock_guard lock(topics_mutex_);
  if (active_topics_.erase(name) > 0) PersistTopicsLocked();
  return Status::Ok();
}

void StandaloneHerder::PersistTopicsLocked() const {
  if (options_.topics_file.empty()) return;
  rapidjson::StringBuffer out;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(out);
  w.SetIndent(' ', 2);
  w.StartObject();
  w.Key("topics");
  w.StartObject();
  for (const auto& [connector, topics] : active_topics_) {
    if (topics.empty()) continue;
    w.Key(connector.c_str(), static_cast<rapidjson::SizeType>(connector.size()));
    w.StartArray();
    for (const auto& topic : topics) {
      w.String(topic.c_str(), static_cast<rapidjson::SizeType>(topic.size()));
    }
    w.EndArray();
  }
  w.EndObject();
  w.EndObject();
  std::string content(out.GetString(), out.GetSize());
  content.push_back('\n');
  if (Status st = WriteFileAtomically(options_.topics_file, content); !st.ok()) {
    spdlog::error("Cannot persist active topics to {}: {}", options_.topics_file, st.ToString());
  }
}

Status StandaloneHerder::RestoreTopics() {
  const std::string& file = options_.topics_file;
  if (file.empty() || !std::filesystem::exists(file)) return Status::Ok();
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::IoError("cannot read topics file " + file);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("topics") ||
      !doc["topics"].IsObject()) {
    return Status::InvalidArgument("topics file " + file +
                                   " must hold {\"topics\":{\"<connector>\":[…]}}");
  }
  std::lock_guard lock(topics_mutex_);
  for (const auto& member : doc["topics"].GetObject()) {
    if (!member.value.IsArray()) continue;
    auto& topics =
        active_topics_[std::string(member.name.GetString(), member.name.GetStringLength())];
    for (const auto& topic : member.value.GetArray()) {
      if (topic.IsString()) topics.emplace(topic.GetString(), topic.GetStringLength());
    }
  }
  return Status::Ok();
}

}  // namespace tributary::runtime
