#pragma once

// Configuration of the Snowplow collector source: the reference collector's HOCON settings,
// flattened to dotted keys (see README.md for every key).

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "connectors/common/tls_server.h"
#include "runtime/api/config_def.h"
#include "runtime/api/status.h"

namespace tributary::connectors::snowplow {

inline constexpr const char* kTp2Path = "/com.snowplowanalytics.snowplow/tp2";
inline constexpr const char* kRedirectPath = "/r/tp2";
inline constexpr const char* kIgluPath = "/com.snowplowanalytics.iglu/v1";

enum class AckMode { kDurable, kBuffered };
enum class OutputFormat { kThrift, kJson };

struct CollectorConfig {
  std::string interface = "0.0.0.0";
  int port = 8080;
  int threads = 2;
  // Custom 2-segment path -> one of kTp2Path, kRedirectPath, kIgluPath ("paths.<from>=<to>").
  std::map<std::string, std::string, std::less<>> paths;

  bool cookie_enabled = true;
  int64_t cookie_expiration_ms = 365LL * 24 * 3600 * 1000;
  std::string cookie_name = "sp";
  std::vector<std::string> cookie_domains;
  std::string cookie_fallback_domain;  // empty: none
  bool cookie_secure = true;
  bool cookie_http_only = true;
  std::string cookie_same_site = "None";  // empty: no SameSite attribute
  std::string client_cookie_name;         // empty: no client cookie

  bool dnt_enabled = false;
  std::string dnt_name;
  std::string dnt_value;  // a regex the whole cookie value must match

  bool redirect_enabled = false;
  std::vector<std::string> redirect_domains;

  bool cross_domain_enabled = false;
  std::vector<std::string> cross_domain_domains = {"*"};
  bool cross_domain_secure = true;

  int64_t cors_max_age_seconds = 3600;

  // HTTPS ("ssl.*"): with ssl_enable the collector also serves TLS on ssl_port, with the
  // certificate of a PEM keystore; ssl_redirect answers plain-HTTP requests with a 301 to https.
  bool ssl_enable = false;
  bool ssl_redirect = false;
  int ssl_port = 443;
  PemKeystore keystore;
  // "hsts.*": Strict-Transport-Security: max-age=<hsts_max_age_seconds> on every answer.
  bool hsts_enable = false;
  int64_t hsts_max_age_seconds = 365LL * 24 * 3600;

  // GET / ("rootResponse.*"); 404 unless enabled.
  bool root_response_enabled = false;
  int root_response_status = 302;
  std::vector<std::pair<std::string, std::string>> root_response_headers;  // name, value
  std::string root_response_body;

  // Third-party cookie check ("cookieBounce.*").
  bool cookie_bounce_enabled = false;
  std::string cookie_bounce_name = "n3pc";
  std::string cookie_bounce_fallback_nuid = "00000000-0000-4000-A000-000000000000";
  std::string cookie_bounce_forwarded_protocol_header;  // empty: none

  std::string good_topic;
  std::string bad_topic;
  bool ip_as_partition_key = false;
  int64_t max_bytes = 1000000;  // largest good record (Kafka's message.max.bytes default)

  int64_t max_payload_size = 1048576;   // larger payloads become size_violation bad rows
  int64_t drop_payload_size = 2097152;  // larger request bodies are refused with 413
  bool use_forwarded_for = true;
  int64_t idle_timeout_ms = 610000;
  int64_t request_timeout_ms = 30000;  // whole request must arrive within this (else 408)
  int max_connections = 1024;

  // Graceful shutdown (see README.md "Shutdown"): serve this long after Stop (0 here, 10 s in
  // the reference), with /health answering 503 when pre_termination_unhealthy; then stop accepting
  // and let answers in flight finish for at most termination_deadline_ms.
  int64_t pre_termination_period_ms = 0;
  bool pre_termination_unhealthy = false;
  int64_t termination_deadline_ms = 5000;

  AckMode ack_mode = AckMode::kDurable;
  int64_t ack_timeout_ms = 4000;
  int64_t queue_max_records = 10000;
  OutputFormat output_format = OutputFormat::kThrift;
  std::string collector_name;  // CollectorPayload.collector
};

// The ConfigDef of the connector (and its tasks).
const ConfigDef& SnowplowConfigDef();

// Parses and validates `props`; InvalidConfig naming the key on bad input.
Result<CollectorConfig> ParseCollectorConfig(const ConfigMap& props);

// Parses a HOCON-style duration: "<n>" (milliseconds) or "<n> <unit>" with unit ms, s, seconds,
// m, minutes, h, hours, d, days. nullopt when malformed.
std::optional<int64_t> ParseDurationMillis(const std::string& text);

}  // namespace tributary::connectors::snowplow
