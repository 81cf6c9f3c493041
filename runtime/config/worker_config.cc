#include "runtime/config/worker_config.h"

#include <cctype>

namespace tributary::runtime {

namespace {

constexpr const char* kJsonConverter = "org.apache.kafka.connect.json.JsonConverter";
constexpr const char* kSimpleHeaderConverter =
    "org.apache.kafka.connect.storage.SimpleHeaderConverter";

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Each listener is "<http|https>://[host]:<port>", as Connect's RestServerConfig requires.
std::optional<std::string> CheckListener(const std::string& listener) {
  size_t scheme_end = listener.find("://");
  if (scheme_end == std::string::npos) {
    return "Listener \"" + listener + "\" must look like http://host:port or https://host:port";
  }
  std::string scheme = Lower(listener.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") {
    return "Listener \"" + listener + "\" uses an unsupported protocol (http or https only)";
  }
  std::string authority = listener.substr(scheme_end + 3);
  size_t colon = authority.rfind(':');
  std::string port = colon == std::string::npos ? "" : authority.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    return "Listener \"" + listener + "\" needs a port between 0 and 65535";
  }
  return std::nullopt;
}

ConfigValidator ListenersValidator() {
  return [](const ConfigValue& value) -> std::optional<std::string> {
    const auto* list = std::get_if<std::vector<std::string>>(&value);
    if (list == nullptr) return std::nullopt;
    if (list->empty()) return "At least one listener is needed";
    for (const std::string& l : *list) {
      if (auto error = CheckListener(l)) return error;
    }
    return std::nullopt;
  };
}

ConfigDef BuildDef(WorkerMode mode) {
  ConfigDef def;
  const Importance kHigh = Importance::kHigh;
  const Importance kMedium = Importance::kMedium;
  const Importance kLow = Importance::kLow;
  def.Define("bootstrap.servers", ConfigType::kList, "embedded", kHigh,
             "Kafka brokers as host:port pairs. \"embedded\" or empty starts an in-process broker "
             "(demos and tests only; in memory, never for production).")
      .Define("client.id", ConfigType::kString, "", kLow, "Client id prefix for Kafka clients.")
      .Define("key.converter", ConfigType::kClass, kJsonConverter, kHigh,
              "Converter for record keys. Connect requires it; Tributary defaults to "
              "JsonConverter.")
      .Define("value.converter", ConfigType::kClass, kJsonConverter, kHigh,
              "Converter for record values. Connect requires it; Tributary defaults to "
              "JsonConverter.")
      .Define("header.converter", ConfigType::kClass, kSimpleHeaderConverter, kLow,
              "Converter for record headers.")
      .Define("offset.storage.file.filename", ConfigType::kString, "", kHigh,
              "Standalone: file that stores source offsets; empty keeps them in memory.")
      .Define("offset.flush.interval.ms", ConfigType::kLong, "60000", kLow,
              "How often task offsets are committed.", validators::AtLeast(0))
      .Define("offset.flush.timeout.ms", ConfigType::kLong, "5000", kLow,
              "How long to wait for records to be acknowledged before an offset commit gives up.",
              validators::AtLeast(0))
      .Define("task.shutdown.graceful.timeout.ms", ConfigType::kLong, "5000", kLow,
              "How long to wait for tasks to stop before giving up.", validators::AtLeast(0))
      .Define("listeners", ConfigType::kList, "http://:8083", kLow,
              "REST listeners: http://host:port or https://host:port, comma separated.",
              ListenersValidator())
      .Define("rest.advertised.host.name", ConfigType::kString, kNullDefault, kLow,
              "Host name given to other workers to reach this one.")
      .Define("rest.advertised.port", ConfigType::kInt, kNullDefault, kLow,
              "Port given to other workers to reach this one.", validators::Between(0, 65535))
      .Define("rest.advertised.listener", ConfigType::kString, kNullDefault, kLow,
              "Protocol given to other workers to reach this one.",
              validators::OneOf({"http", "https"}), "[http, https]")
      .Define("plugin.path", ConfigType::kList, kNullDefault, kLow,
              "Directories holding connector plugins (shared libraries).")
      .Define("config.providers", ConfigType::kList, "", kLow,
              "Names of config providers. ${env:...} and ${file:...} are always available.")
      .Define("connector.client.config.override.policy", ConfigType::kString, "All", kMedium,
              "Which client overrides connectors may set.",
              validators::OneOf({"All", "None", "Principal"}, false), "[All, None, Principal]")
      .Define("topic.creation.enable", ConfigType::kBoolean, "true", kLow,
              "Whether source connectors may create topics (KIP-158).")
      .Define("security.protocol", ConfigType::kString, "PLAINTEXT", kMedium,
              "Protocol used to talk to brokers.",
              validators::OneOf({"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}),
              "[PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL]")
      .Define("sasl.mechanism", ConfigType::kString, "GSSAPI", kMedium,
              "SASL mechanism: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, GSSAPI, OAUTHBEARER.")
      .Define("sasl.jaas.config", ConfigType::kPassword, kNullDefault, kMedium,
              "JAAS login module line; PlainLoginModule and ScramLoginModule are translated for "
              "librdkafka.")
      .Define("ssl.truststore.location", ConfigType::kString, kNullDefault, kMedium,
              "CA certificates (PEM) used to verify brokers.")
      .Define("ssl.truststore.password", ConfigType::kPassword, kNullDefault, kMedium,
              "Truststore password (not used with PEM files).")
      .Define("ssl.truststore.type", ConfigType::kString, "JKS", kMedium,
              "Truststore format; only PEM can be read by Tributary.")
      .Define("ssl.keystore.location", ConfigType::kString, kNullDefault, kMedium,
              "Client certificate and key (PKCS12 or PEM).")
      .Define("ssl.keystore.password", ConfigType::kPassword, kNullDefault, kMedium,
              "Keystore password.")
      .Define("ssl.keystore.type", ConfigType::kString, "JKS", kMedium, "Keystore format.")
      .Define("ssl.key.password", ConfigType::kPassword, kNullDefault, kMedium,
              "Password of the private key.")
      .Define("ssl.endpoint.identification.algorithm", ConfigType::kString, "https", kLow,
              "\"https\" verifies the broker host name; empty disables the check.");
  // Distributed keys: required there, optional in standalone mode.
  const bool distributed = mode == WorkerMode::kDistributed;
  for (const char* key :
       {"group.id", "config.storage.topic", "offset.storage.topic", "status.storage.topic"}) {
    std::string doc = std::string("Distributed: ") + key + ".";
    if (distributed) {
      def.Define(key, ConfigType::kString, kNoDefault, kHigh, doc, validators::NonEmptyString());
    } else {
      def.Define(key, ConfigType::kString, kNullDefault, kHigh, doc);
    }
  }
  auto rf = [](const ConfigValue& v) -> std::optional<std::string> {
    const auto* i = std::get_if<int64_t>(&v);
    if (i != nullptr && *i != -1 && *i < 1) {
      return "Replication factor must be positive or -1 to use the broker's default";
    }
    return std::nullopt;
  };
  def.Define("config.storage.replication.factor", ConfigType::kShort, "3", kLow,
             "Replication factor of the config topic.", rf)
      .Define("offset.storage.partitions", ConfigType::kInt, "25", kLow,
              "Partitions of the offsets topic.", validators::AtLeast(1))
      .Define("offset.storage.replication.factor", ConfigType::kShort, "3", kLow,
              "Replication factor of the offsets topic.", rf)
      .Define("status.storage.partitions", ConfigType::kInt, "5", kLow,
              "Partitions of the status topic.", validators::AtLeast(1))
      .Define("status.storage.replication.factor", ConfigType::kShort, "3", kLow,
              "Replication factor of the status topic.", rf)
      .Define("session.timeout.ms", ConfigType::kInt, "10000", kHigh, "Group session timeout.",
              validators::AtLeast(1))
      .Define("heartbeat.interval.ms", ConfigType::kInt, "3000", kHigh, "Group heartbeat interval.",
              validators::AtLeast(1))
      .Define("rebalance.timeout.ms", ConfigType::kInt, "60000", kHigh,
              "Maximum time for a rebalance.", validators::AtLeast(1))
      .Define("scheduled.rebalance.max.delay.ms", ConfigType::kInt, "300000", kLow,
              "How long lost work waits for its worker before being reassigned.",
              validators::AtLeast(0));
  return def;
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ",";
    out += items[i];
  }
  return out;
}

}  // namespace

const ConfigDef& WorkerConfigDef(WorkerMode mode) {
  static const ConfigDef kStandalone = BuildDef(WorkerMode::kStandalone);
  static const ConfigDef kDistributed = BuildDef(WorkerMode::kDistributed);
  return mode == WorkerMode::kDistributed ? kDistributed : kStandalone;
}

bool IsEmbeddedBootstrap(const std::string& bootstrap_servers) {
  size_t b = bootstrap_servers.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return true;
  size_t e = bootstrap_servers.find_last_not_of(" \t\r\n");
  return Lower(bootstrap_servers.substr(b, e - b + 1)) == "embedded";
}

Result<WorkerConfig> ParseWorkerConfig(const ConfigMap& props, WorkerMode mode) {
  TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig parsed, WorkerConfigDef(mode).Parse(props));
  WorkerConfig c;
  c.mode = mode;
  c.bootstrap_servers = JoinList(parsed.GetList("bootstrap.servers"));
  c.embedded_broker = IsEmbeddedBootstrap(c.bootstrap_servers);
  if (c.embedded_broker) c.bootstrap_servers.clear();
  c.client_id = parsed.GetString("client.id");
  c.key_converter = parsed.GetString("key.converter");
  c.value_converter = parsed.GetString("value.converter");
  c.header_converter = parsed.GetString("header.converter");
  c.offset_storage_file_filename = parsed.GetString("offset.storage.file.filename");
  c.offset_flush_interval_ms = parsed.GetLong("offset.flush.interval.ms");
  c.offset_flush_timeout_ms = parsed.GetLong("offset.flush.timeout.ms");
  c.task_shutdown_graceful_timeout_ms = parsed.GetLong("task.shutdown.graceful.timeout.ms");
  c.listeners = parsed.GetList("listeners");
  c.rest_advertised_host_name = parsed.GetString("rest.advertised.host.name");
  if (parsed.Has("rest.advertised.port")) {
    c.rest_advertised_port = parsed.GetInt("rest.advertised.port");
  }
  c.rest_advertised_listener = parsed.GetString("rest.advertised.listener");
  c.plugin_path = parsed.GetList("plugin.path");
  c.config_providers = parsed.GetList("config.providers");
  c.connector_client_config_override_policy =
      parsed.GetString("connector.client.config.override.policy");
  c.topic_creation_enable = parsed.GetBool("topic.creation.enable");
  c.group_id = parsed.GetString("group.id");
  c.config_storage_topic = parsed.GetString("config.storage.topic");
  c.offset_storage_topic = parsed.GetString("offset.storage.topic");
  c.status_storage_topic = parsed.GetString("status.storage.topic");
  c.config_storage_replication_factor = parsed.GetInt("config.storage.replication.factor");
  c.offset_storage_partitions = parsed.GetInt("offset.storage.partitions");
  c.offset_storage_replication_factor = parsed.GetInt("offset.storage.replication.factor");
  c.status_storage_partitions = parsed.GetInt("status.storage.partitions");
  c.status_storage_replication_factor = parsed.GetInt("status.storage.replication.factor");
  c.session_timeout_ms = parsed.GetLong("session.timeout.ms");
  c.heartbeat_interval_ms = parsed.GetLong("heartbeat.interval.ms");
  c.rebalance_timeout_ms = parsed.GetLong("rebalance.timeout.ms");
  c.scheduled_rebalance_max_delay_ms = parsed.GetLong("scheduled.rebalance.max.delay.ms");
  c.raw = props;
  return c;
}

}  // namespace tributary::runtime
