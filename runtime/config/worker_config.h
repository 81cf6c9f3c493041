#pragma once

// The worker's configuration, with keys spelled as Kafka Connect spells them (WorkerConfig,
// StandaloneConfig, DistributedConfig), so an existing worker.properties works unchanged.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/status.h"

namespace tributary::runtime {

enum class WorkerMode { kStandalone, kDistributed };

// Typed view of the worker configuration. `raw` keeps every given property, including client
// settings (producer.*, consumer.*, admin.*, ssl.*, sasl.*) that client_config.h translates.
struct WorkerConfig {
  WorkerMode mode = WorkerMode::kStandalone;
  // True when bootstrap.servers is "embedded" (the default) or empty: the worker starts the
  // in-process broker; `bootstrap_servers` is then empty.
  bool embedded_broker = true;
  std::string bootstrap_servers;
  std::string client_id;

  std::string key_converter;
  std::string value_converter;
  std::string header_converter;

  // Empty: offsets are kept in memory only.
  std::string offset_storage_file_filename;
  int64_t offset_flush_interval_ms = 60000;
  int64_t offset_flush_timeout_ms = 5000;
  int64_t task_shutdown_graceful_timeout_ms = 5000;

  std::vector<std::string> listeners;  // e.g. "http://:8083"
  std::string rest_advertised_host_name;
  std::optional<int32_t> rest_advertised_port;
  std::string rest_advertised_listener;
  std::vector<std::string> plugin_path;
  std::vector<std::string> config_providers;
  std::string connector_client_config_override_policy;
  bool topic_creation_enable = true;

  // Distributed mode (empty in standalone mode unless given).
  std::string group_id;
  std::string config_storage_topic;
  std::string offset_storage_topic;
  std::string status_storage_topic;
  int32_t config_storage_replication_factor = 3;
  int32_t offset_storage_partitions = 25;
  int32_t offset_storage_replication_factor = 3;
  int32_t status_storage_partitions = 5;
  int32_t status_storage_replication_factor = 3;
  int64_t session_timeout_ms = 10000;
  int64_t heartbeat_interval_ms = 3000;
  int64_t rebalance_timeout_ms = 60000;
  int64_t scheduled_rebalance_max_delay_ms = 300000;

  ConfigMap raw;
};

// The worker's ConfigDef for `mode`: the distributed keys (group.id, *.storage.topic) are required
// in distributed mode and optional (null) in standalone mode. Keys not defined here are accepted
// and kept in `raw` (client prefixes, converter options, provider parameters). Thread-safe; the
// returned object lives for the whole program.
const ConfigDef& WorkerConfigDef(WorkerMode mode = WorkerMode::kStandalone);

// True for the bootstrap.servers values that mean "start the embedded broker".
bool IsEmbeddedBootstrap(const std::string& bootstrap_servers);

// Parses and validates worker properties (placeholders should already be resolved). Returns
// InvalidConfig listing every problem in Kafka's wording ("Invalid value x for configuration
// listeners: ..."; "Missing required configuration \"group.id\" which has no default value.").
Result<WorkerConfig> ParseWorkerConfig(const ConfigMap& props,
                                       WorkerMode mode = WorkerMode::kStandalone);

}  // namespace tributary::runtime
