// Wiring of a standalone worker: configuration, embedded broker, offset store, plugins, worker,
// herder and REST server, then connectors; stops cleanly on SIGTERM/SIGINT.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "cli/version.h"
#include "connectors/builtin_connectors.h"
#include "rest-api/rest_server.h"
#include "runtime/config/client_config.h"
#include "runtime/config/config_file.h"
#include "runtime/config/json_config.h"
#include "runtime/config/placeholders.h"
#include "runtime/config/worker_config.h"
#include "runtime/config/yaml_config.h"
#include "runtime/converters/builtin_converters.h"
#include "runtime/herder/standalone_herder.h"
#include "runtime/kafka/embedded_broker.h"
#include "runtime/kafka/kafka_client.h"
#include "runtime/storage/offset_backing_store.h"
#include "runtime/transforms/builtin_transforms.h"
#include "runtime/worker/plugin_loader.h"

namespace tributary::cli {

namespace {

using runtime::NamedConfig;

int Fail(const Status& status) {
  spdlog::error("{}", status.message());
  return 1;
}

Result<NamedConfig> LoadConnectorFile(const std::string& path) {
  if (path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0) {
    TRIBUTARY_ASSIGN_OR_RETURN(std::string text, runtime::ReadConfigFile(path));
    return runtime::ParseConnectorJson(text, path);
  }
  TRIBUTARY_ASSIGN_OR_RETURN(ConfigMap config, runtime::LoadConfigFile(path));
  auto name = config.find("name");
  if (name == config.end() || name->second.empty()) {
    return Status::InvalidConfig(
        path + ": Missing required configuration \"name\" which has no default value.");
  }
  return NamedConfig{name->second, config, std::nullopt};
}

runtime::Plugins BuiltinPlugins() {
  runtime::Plugins plugins;
  for (auto& plugin : connectors::BuiltinConnectors()) plugins.AddConnector(std::move(plugin));
  for (auto& plugin : runtime::BuiltinConverters()) plugins.AddConverter(std::move(plugin));
  for (auto& plugin : runtime::BuiltinHeaderConverters())
    plugins.AddHeaderConverter(std::move(plugin));
  for (auto& plugin : runtime::BuiltinTransformations())
    plugins.AddTransformation(std::move(plugin));
  for (auto& plugin : runtime::BuiltinPredicates()) plugins.AddPredicate(std::move(plugin));
  return plugins;
}

// A boolean worker key that WorkerConfigDef does not declare (it keeps unknown keys in `raw`),
// parsed as Kafka's ConfigDef does: true/false in any case, surrounding spaces ignored.
Result<bool> BoolSetting(const ConfigMap& raw, const std::string& key, bool fallback) {
  auto it = raw.find(key);
  if (it == raw.end()) return fallback;
  std::string value;
  for (char c : it->second) {
    if (c != ' ' && c != '\t') value.push_back(static_cast<char>(std::tolower(c)));
  }
  if (value == "true") return true;
  if (value == "false") return false;
  return Status::InvalidConfig("Invalid value " + it->second + " for configuration " + key +
                               ": Expected value to be either true or false");
}

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

// Asks the cluster for its id in the background, so start-up does not wait on the network.
std::thread FetchClusterId(runtime::StandaloneHerder& herder, const ConfigMap& worker_raw) {
  return std::thread([&herder, worker_raw] {
    auto client = runtime::BuildClientConfig(runtime::ClientRole::kProducer, worker_raw);
    if (!client.ok()) return;
    client->properties["log_level"] = "3";
    auto handle = runtime::CreateKafkaHandle(RD_KAFKA_PRODUCER, client->properties);
    if (!handle.ok()) return;
    std::string id = runtime::KafkaClusterId(handle->get(), 10000);
    if (!id.empty()) herder.SetKafkaClusterId(id);
  });
}

int RunWorker(ConfigMap worker_props, const std::vector<NamedConfig>& connectors) {
  const auto start = std::chrono::steady_clock::now();
  Result<ConfigMap> resolved = runtime::ResolvePlaceholders(worker_props);
  if (!resolved.ok()) return Fail(resolved.status());
  Result<runtime::WorkerConfig> config = runtime::ParseWorkerConfig(*resolved);
  if (!config.ok()) return Fail(config.status());

  std::unique_ptr<runtime::EmbeddedBroker> broker;
  if (config->embedded_broker) {
    auto started = runtime::EmbeddedBroker::Start();
    if (!started.ok()) return Fail(started.status());
    broker = std::move(*started);
    config->raw["bootstrap.servers"] = broker->bootstrap_servers();
    spdlog::warn("=====================================================================");
    spdlog::warn(
        "bootstrap.servers is unset or 'embedded': started the EMBEDDED Kafka broker at {}",
        broker->bootstrap_servers());
    spdlog::warn("It keeps data in memory only (newest ~5 MiB per partition) and is gone when the");
    spdlog::warn("worker stops. For development and demos only - never for production.");
    spdlog::warn("=====================================================================");
  }

  std::unique_ptr<runtime::OffsetBackingStore> offsets;
  if (config->offset_storage_file_filename.empty()) {
    spdlog::warn("offset.storage.file.filename is not set: source offsets are kept in memory only");
    offsets = std::make_unique<runtime::MemoryOffsetBackingStore>();
  } else {
    offsets =
        std::make_unique<runtime::FileOffsetBackingStore>(config->offset_storage_file_filename);
  }
  if (Status st = offsets->Start(); !st.ok()) return Fail(st);

  runtime::Plugins plugins = BuiltinPlugins();
  // Connector plugins from plugin.path; a library that fails to load is logged and skipped.
  runtime::LoadPlugins(config->plugin_path, plugins);
  runtime::WorkerOptions options;
  options.worker_config = config->raw;
  options.offset_flush_interval = std::chrono::milliseconds(config->offset_flush_interval_ms);
  options.offset_flush_timeout = std::chrono::milliseconds(config->offset_flush_timeout_ms);
  options.shutdown_timeout = std::chrono::milliseconds(config->task_shutdown_graceful_timeout_ms);

  // The REST server comes up before the connectors (answering 503 "starting" on /health), and
  // its bound port completes the advertised worker id.
  rest::RestServerConfig rest_config;
  std::string listeners;
  for (const auto& l : config->listeners) listeners += (listeners.empty() ? "" : ",") + l;
  rest_config.listeners = listeners.empty() ? "http://:8083" : listeners;
  rest_config.version = kVersion;
  rest_config.commit = kCommit;
  Result<bool> topic_tracking = BoolSetting(config->raw, "topic.tracking.enable", true);
  if (!topic_tracking.ok()) return Fail(topic_tracking.status());
  Result<bool> topic_reset = BoolSetting(config->raw, "topic.tracking.allow.reset", true);
  if (!topic_reset.ok()) return Fail(topic_reset.status());
  rest_config.tls = rest::RestTlsConfigFromWorker(config->raw);
  if (auto it = config->raw.find("rest.basic.auth.credentials.file");
      it != config->raw.end() && !it->second.empty()) {
    auto authenticator = rest::BasicAuthenticator::LoadFile(it->second);
    if (!authenticator.ok()) return Fail(authenticator.status());
    rest_config.authenticator = std::move(*authenticator);
    spdlog::info("REST API requires HTTP Basic authentication (users from {}); /health stays open",
                 it->second);
  }
  rest_config.topic_tracking_enable = *topic_tracking;
  rest_config.topic_tracking_allow_reset = *topic_reset;

  auto worker = std::make_unique<runtime::Worker>(options, plugins, *offsets);
  // Connectors created or changed over REST are kept next to the offsets file, so a restarted
  // worker (a sidecar, say) comes back as it was; without an offsets file they live in memory.
  // Active topics (KIP-558) likewise, in <offsets>.topics.json.
  runtime::StandaloneHerderOptions herder_options;
  if (!config->offset_storage_file_filename.empty()) {
    herder_options.connectors_file = config->offset_storage_file_filename + ".connectors.json";
    herder_options.topics_file = config->offset_storage_file_filename + ".topics.json";
  }
  herder_options.topic_tracking = *topic_tracking;
  auto herder = std::make_unique<runtime::StandaloneHerder>(*worker, herder_options);
  rest_config.metrics = &worker->metrics();  // the worker outlives the server
  auto rest = std::make_unique<rest::RestServer>(rest_config, herder.get());
  if (Status st = rest->Start(); !st.ok()) return Fail(st);
  herder->SetWorkerId(
      (config->rest_advertised_host_name.empty() ? HostName() : config->rest_advertised_host_name) +
      ":" + std::to_string(config->rest_advertised_port.value_or(rest->port())));
  for (const auto& url : rest->ListenerUrls()) spdlog::info("REST API listening on {}", url);

  if (Status st = herder->RestorePersisted(); !st.ok()) {
    herder->Stop();
    rest->Stop();
    return Fail(st);
  }
  // Connectors from the command line are re-applied on every start; a restored target state
  // (paused or stopped over REST) is kept.
  for (const NamedConfig& connector : connectors) {
    runtime::ConnectorTargetState state = runtime::ConnectorTargetState::kStarted;
    if (connector.initial_state && *connector.initial_state == "PAUSED")
      state = runtime::ConnectorTargetState::kPaused;
    if (connector.initial_state && *connector.initial_state == "STOPPED")
      state = runtime::ConnectorTargetState::kStopped;
    Status st = herder->ApplyCommandLineConnector(connector.name, connector.config, state);
    if (!st.ok()) {
      herder->Stop();
      rest->Stop();
      return Fail(st.WithContext("Failed to create connector " + connector.name));
    }
  }
  herder->SetReady();
  std::thread cluster_id = FetchClusterId(*herder, config->raw);
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  spdlog::info("Tributary worker started in {} ms with {} connector(s)", elapsed.count(),
               connectors.size());

  int signal = WaitForShutdownSignal();
  spdlog::info("Received signal {}: stopping tasks, flushing and committing offsets", signal);
  rest->Stop();
  herder->Stop();
  cluster_id.join();
  spdlog::info("Tributary worker stopped");
  return 0;
}

}  // namespace

int RunStandalone(const std::string& worker_file, const std::vector<std::string>& connector_files) {
  Result<ConfigMap> worker = runtime::LoadConfigFile(worker_file);
  if (!worker.ok()) return Fail(worker.status());
  std::vector<NamedConfig> connectors;
  for (const auto& file : connector_files) {
    Result<NamedConfig> connector = LoadConnectorFile(file);
    if (!connector.ok()) return Fail(connector.status());
    connectors.push_back(std::move(*connector));
  }
  return RunWorker(std::move(*worker), connectors);
}

int RunYaml(const std::string& file) {
  Result<runtime::WorkerConfigFile> parsed = runtime::LoadWorkerConfigFile(file);
  if (!parsed.ok()) return Fail(parsed.status());
  return RunWorker(std::move(parsed->worker), parsed->connectors);
}

}  // namespace tributary::cli
