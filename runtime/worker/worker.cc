#include "runtime/worker/worker.h"

#include <spdlog/spdlog.h>

#include "runtime/api/sink_task.h"
#include "runtime/api/source_task.h"
#include "runtime/config/client_config.h"
#include "runtime/errors/error_handling.h"
#include "runtime/transforms/transformation_chain.h"
#include "runtime/worker/connector_config.h"
#include "runtime/worker/worker_sink_task.h"
#include "runtime/worker/worker_source_task.h"

namespace tributary::runtime {

namespace {

constexpr const char* kJsonConverter = "org.apache.kafka.connect.json.JsonConverter";
constexpr const char* kSimpleHeaderConverter =
    "org.apache.kafka.connect.storage.SimpleHeaderConverter";

std::string Lookup(const ConfigMap& map, const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? std::string() : it->second;
}

void LogIgnored(const ConnectorTaskId& id, const ClientConfig& client) {
  for (const auto& note : client.ignored)
    spdlog::info("{} Kafka client setting ignored: {}", id.ToString(), note);
}

}  // namespace

struct Worker::Converters {
  std::unique_ptr<Converter> key;
  std::unique_ptr<Converter> value;
  std::unique_ptr<HeaderConverter> header;
  std::string key_class, value_class, header_class;
};

Worker::Worker(WorkerOptions options, const Plugins& plugins, OffsetBackingStore& offset_store)
    : options_(std::move(options)), plugins_(plugins), offset_store_(offset_store) {
  // Offsets are serialized as Connect does: JsonConverter without schemas.
  auto json = plugins_.NewConverter(kJsonConverter);
  if (json.ok() && (*json)->Configure({{"schemas.enable", "false"}}, false).ok()) {
    offset_serializer_ = std::make_unique<OffsetSerializer>(std::move(*json));
  }
}

Worker::~Worker() { Stop(); }

Status Worker::StartConnector(const std::string& name, const ConfigMap& config,
                              ConnectorContext* context) {
  TRIBUTARY_ASSIGN_OR_RETURN(const ConnectorPlugin* plugin,
                             plugins_.FindConnector(Lookup(config, "connector.class")));
  std::unique_ptr<Connector> connector = plugin->factory();
  connector->Initialize(context);
  TRIBUTARY_RETURN_IF_ERROR(connector->Start(config));
  std::lock_guard lock(mutex_);
  connectors_[name] = std::move(connector);
  spdlog::info("Connector {} started ({})", name, plugin->class_name);
  return Status::Ok();
}

Result<std::vector<ConfigMap>> Worker::ConnectorTaskConfigs(const std::string& name,
                                                            int max_tasks) {
  std::lock_guard lock(mutex_);
  auto it = connectors_.find(name);
  if (it == connectors_.end()) return Status::NotFound("Connector " + name + " is not running");
  TRIBUTARY_ASSIGN_OR_RETURN(std::vector<ConfigMap> configs, it->second->TaskConfigs(max_tasks));
  if (static_cast<int>(configs.size()) > max_tasks) {
    return Status::InvalidConfig("Connector " + name + " produced " +
                                 std::to_string(configs.size()) +
                                 " task configs, more than tasks.max=" + std::to_string(max_tasks));
  }
  return configs;
}

void Worker::StopConnector(const std::string& name) {
  std::unique_ptr<Connector> connector;
  {
    std::lock_guard lock(mutex_);
    auto it = connectors_.find(name);
    if (it == connectors_.end()) return;
    connector = std::move(it->second);
    connectors_.erase(it);
  }
  connector->Stop();
  spdlog::info("Connector {} stopped", name);
}

bool Worker::IsRunning(const std::string& name) const {
  std::lock_guard lock(mutex_);
  return connectors_.count(name) > 0;
}

Result<Worker::Converters> Worker::MakeConverters(const ConfigMap& connector_config) const {
  // A converter named in the connector config takes its settings from the connector config;
  // otherwise the worker's converter and settings apply (Connect's rule).
  auto pick = [&](const std::string& key, const std::string& fallback) {
    std::string name = Lookup(connector_config, key);
    if (!name.empty()) return std::make_pair(name, &connector_config);
    name = Lookup(options_.worker_config, key);
    return std::make_pair(name.empty() ? fallback : name, &options_.worker_config);
  };
  auto settings = [](const ConfigMap& source, const std::string& prefix) {
    ConfigMap result;
    for (auto it = source.lower_bound(prefix);
         it != source.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      result[it->first.substr(prefix.size())] = it->second;
    }
    return result;
  };
  Converters converters;
  for (bool is_key : {true, false}) {
    const std::string key = is_key ? "key.converter" : "value.converter";
    auto [name, source] = pick(key, kJsonConverter);
    TRIBUTARY_ASSIGN_OR_RETURN(auto converter, plugins_.NewConverter(name));
    ConfigMap conf = settings(*source, key + ".");
    conf["converter.type"] = is_key ? "key" : "value";
    TRIBUTARY_RETURN_IF_ERROR(converter->Configure(conf, is_key).WithContext(key));
    (is_key ? converters.key : converters.value) = std::move(converter);
    (is_key ? converters.key_class : converters.value_class) = name;
  }
  auto [name, source] = pick("header.converter", kSimpleHeaderConverter);
  converters.header_class = name;
  TRIBUTARY_ASSIGN_OR_RETURN(converters.header, plugins_.NewHeaderConverter(name));
  ConfigMap conf = settings(*source, "header.converter.");
  conf["converter.type"] = "header";
  TRIBUTARY_RETURN_IF_ERROR(converters.header->Configure(conf).WithContext("header.converter"));
  return converters;
}

Status Worker::StartTask(const ConnectorTaskId& id, const ConfigMap& connector_config,
                         const ConfigMap& task_config, TaskStatusListener* listener,
                         TargetState state,
                         std::function<void(const std::string& topic)> on_topic) {
  if (offset_serializer_ == nullptr) {
    return Status::Internal("no JsonConverter registered: cannot serialize offsets");
  }
  {
    // Checked before the task is built too: its metric group would take over the running
    // task's series.
    std::lock_guard lock(mutex_);
    if (tasks_.count(id))
      return Status::AlreadyExists("Task " + id.ToString() + " is already running");
  }
  TRIBUTARY_ASSIGN_OR_RETURN(const ConnectorPlugin* plugin,
                             plugins_.FindConnector(Lookup(connector_config, "connector.class")));
  TRIBUTARY_ASSIGN_OR_RETURN(ConnectorConfig common,
                             ParseConnectorConfig(plugin->type, connector_config));
  TRIBUTARY_ASSIGN_OR_RETURN(Converters converters, MakeConverters(connector_config));
  TRIBUTARY_ASSIGN_OR_RETURN(
      TransformationChain transformations,
      TransformationChain::Build(
          connector_config,
          [this](const std::string& name) { return plugins_.NewTransformation(name); },
          [this](const std::string& name) { return plugins_.NewPredicate(name); }));
  TRIBUTARY_ASSIGN_OR_RETURN(ErrorHandlingConfig errors,
                             ParseErrorHandlingConfig(plugin->type, connector_config));
  std::unique_ptr<Connector> prototype = plugin->factory();
  // The task's metric group, labelled as Connect labels a task's MBeans.
  std::unique_ptr<MetricGroup> metrics =
      metrics_.NewGroup({{"connector", id.connector}, {"task", std::to_string(id.task)}});

  std::unique_ptr<WorkerTask> task;
  if (plugin->type == ConnectorType::kSource) {
    TRIBUTARY_ASSIGN_OR_RETURN(
        ClientConfig client,
        BuildClientConfig(ClientRole::kProducer, options_.worker_config, connector_config));
    LogIgnored(id, client);
    SourceTaskOptions opts;
    opts.id = id;
    opts.task_config = task_config;
    opts.task = static_cast<SourceConnector&>(*prototype).CreateTask();
    opts.key_converter = std::move(converters.key);
    opts.value_converter = std::move(converters.value);
    opts.header_converter = std::move(converters.header);
    opts.key_converter_class = converters.key_class;
    opts.value_converter_class = converters.value_class;
    opts.header_converter_class = converters.header_class;
    opts.transformations = std::move(transformations);
    opts.errors = errors;
    opts.producer_properties = std::move(client.properties);
    opts.offset_store = &offset_store_;
    opts.offset_serializer = offset_serializer_.get();
    opts.offset_flush_interval = options_.offset_flush_interval;
    opts.offset_flush_timeout = options_.offset_flush_timeout;
    opts.shutdown_timeout = options_.shutdown_timeout;
    opts.listener = listener;
    opts.initial_state = state;
    opts.on_topic = std::move(on_topic);
    opts.metrics = std::move(metrics);
    task = std::make_unique<WorkerSourceTask>(std::move(opts));
  } else {
    TRIBUTARY_ASSIGN_OR_RETURN(
        ClientConfig client,
        BuildClientConfig(ClientRole::kConsumer, options_.worker_config, connector_config));
    LogIgnored(id, client);
    SinkTaskOptions opts;
    opts.id = id;
    opts.task_config = task_config;
    // Connect copies the connector's topics settings into each sink task's config.
    opts.task_config.insert({"topics", Lookup(connector_config, "topics")});
    opts.task = static_cast<SinkConnector&>(*prototype).CreateTask();
    opts.key_converter = std::move(converters.key);
    opts.value_converter = std::move(converters.value);
    opts.header_converter = std::move(converters.header);
    opts.key_converter_class = converters.key_class;
    opts.value_converter_class = converters.value_class;
    opts.header_converter_class = converters.header_class;
    opts.transformations = std::move(transformations);
    opts.errors = errors;
    if (!errors.dlq_topic.empty()) {
      // The DLQ producer takes the connector's producer overrides, as Connect's does.
      TRIBUTARY_ASSIGN_OR_RETURN(
          ClientConfig dlq,
          BuildClientConfig(ClientRole::kProducer, options_.worker_config, connector_config));
      opts.dlq_producer_properties = std::move(dlq.properties);
    }
    opts.consumer_properties = std::move(client.properties);
    if (client.max_poll_records > 0) opts.max_batch = client.max_poll_records;
    opts.topics = common.topics;
    opts.topics_regex = common.topics_regex;
    opts.offset_flush_interval = options_.offset_flush_interval;
    opts.listener = listener;
    opts.initial_state = state;
    opts.on_topic = std::move(on_topic);
    opts.metrics = std::move(metrics);
    task = std::make_unique<WorkerSinkTask>(std::move(opts));
  }
  std::lock_guard lock(mutex_);
  if (tasks_.count(id))
    return Status::AlreadyExists("Task " + id.ToString() + " is already running");
  task->Start();
  tasks_[id] = std::move(task);
  return Status::Ok();
}

void Worker::StopAndAwaitTasks(const std::vector<ConnectorTaskId>& ids) {
  std::vector<std::unique_ptr<WorkerTask>> stopping;
  {
    std::lock_guard lock(mutex_);
    for (const auto& id : ids) {
      auto it = tasks_.find(id);
      if (it == tasks_.end()) continue;
      it->second->Stop();
      stopping.push_back(std::move(it->second));
      tasks_.erase(it);
    }
  }
  auto deadline = std::chrono::steady_clock::now() + options_.shutdown_timeout;
  for (auto& task : stopping) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!task->AwaitStop(std::max(left, std::chrono::milliseconds(0)))) {
      spdlog::warn("{} did not stop within task.shutdown.graceful.timeout.ms; waiting for it",
                   task->id().ToString());
    }
  }
  // Destroying a task joins its thread: nothing is abandoned half-way.
}

std::vector<ConnectorTaskId> Worker::TaskIds(const std::string& connector) const {
  std::lock_guard lock(mutex_);
  std::vector<ConnectorTaskId> ids;
  for (const auto& [id, task] : tasks_) {
    if (id.connector == connector) ids.push_back(id);
  }
  return ids;
}

void Worker::SetTargetState(const std::string& connector, TargetState state) {
  std::lock_guard lock(mutex_);
  for (auto& [id, task] : tasks_) {
    if (id.connector == connector) task->SetTargetState(state);
  }
}

void Worker::Stop() {
  std::vector<ConnectorTaskId> ids;
  std::vector<std::string> names;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, task] : tasks_) ids.push_back(id);
    for (const auto& [name, connector] : connectors_) names.push_back(name);
  }
  StopAndAwaitTasks(ids);
  for (const auto& name : names) StopConnector(name);
}

}  // namespace tributary::runtime
