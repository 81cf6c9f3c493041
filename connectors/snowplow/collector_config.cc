#include "connectors/snowplow/collector_config.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <regex>

namespace tributary::connectors::snowplow {
namespace {

ConfigValidator Duration() {
  return [](const ConfigValue& v) -> std::optional<std::string> {
    const auto* s = std::get_if<std::string>(&v);
    if (s && !ParseDurationMillis(*s)) return "not a duration such as \"365 days\" or \"500 ms\"";
    return std::nullopt;
  };
}

// RFC 9110 token (header field name).
bool IsHeaderToken(const std::string& name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    unsigned char c = static_cast<unsigned char>(ch);
    return std::isalnum(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(ch) != std::string_view::npos;
  });
}

}  // namespace

std::optional<int64_t> ParseDurationMillis(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  size_t digits_start = i;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == digits_start || i - digits_start > 15) return std::nullopt;
  int64_t n = std::stoll(text.substr(digits_start, i - digits_start));
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  std::string unit = text.substr(i);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.back()))) unit.pop_back();
  static const std::map<std::string, int64_t> kUnits = {{"", 1},
                                                        {"ms", 1},
                                                        {"millis", 1},
                                                        {"milliseconds", 1},
                                                        {"s", 1000},
                                                        {"second", 1000},
                                                        {"seconds", 1000},
                                                        {"m", 60000},
                                                        {"minute", 60000},
                                                        {"minutes", 60000},
                                                        {"h", 3600000},
                                                        {"hour", 3600000},
                                                        {"hours", 3600000},
                                                        {"d", 86400000},
                                                        {"day", 86400000},
                                                        {"days", 86400000}};
  auto it = kUnits.find(unit);
  if (it == kUnits.end()) return std::nullopt;
  return n * it->second;
}

const ConfigDef& SnowplowConfigDef() {
  static const ConfigDef* def = [] {
    auto* d = new ConfigDef();
    using validators::AtLeast;
    using validators::Between;
    using validators::OneOf;
    d->Define("interface", ConfigType::kString, "0.0.0.0", Importance::kHigh,
              "Address the collector's HTTP server binds to.");
    d->Define("port", ConfigType::kInt, "8080", Importance::kHigh,
              "Port of the collector's HTTP server (0: any free port).", Between(0, 65535));
    d->Define("server.threads", ConfigType::kInt, "2", Importance::kLow,
              "Threads serving HTTP requests.", Between(1, 256));
    d->Define("streams.good", ConfigType::kString, kNoDefault, Importance::kHigh,
              "Topic for good CollectorPayload records.", validators::NonEmptyString());
    d->Define("streams.bad", ConfigType::kString, kNoDefault, Importance::kHigh,
              "Topic for size_violation bad rows (JSON).", validators::NonEmptyString());
    d->Define("streams.useIpAddressAsPartitionKey", ConfigType::kBoolean, "false",
              Importance::kMedium,
              "Use the client IP as the record key instead of a random UUID per request (still "
              "a UUID when the IP is unknown).");
    d->Define("streams.maxBytes", ConfigType::kInt, "1000000", Importance::kMedium,
              "Largest good record in bytes; bigger payloads are split (POST batches) or become "
              "bad rows.",
              Between(1000, INT32_MAX));
    d->Define("cookie.enabled", ConfigType::kBoolean, "true", Importance::kMedium,
              "Set the network user id cookie.");
    d->Define("cookie.expiration", ConfigType::kString, "365 days", Importance::kLow,
              "Lifetime of the cookie, e.g. \"365 days\".", Duration());
    d->Define("cookie.name", ConfigType::kString, "sp", Importance::kMedium,
              "Name of the network user id cookie.", validators::NonEmptyString());
    d->Define("cookie.domains", ConfigType::kList, "", Importance::kLow,
              "Cookie domains; the first one that a host of the Origin header equals or ends "
              "with (\".\" + domain) becomes the Domain attribute.");
    d->Define("cookie.fallbackDomain", ConfigType::kString, "", Importance::kLow,
              "Domain attribute when no cookie.domains entry matches (empty: none).");
    d->Define("cookie.secure", ConfigType::kBoolean, "true", Importance::kLow,
              "Secure attribute of the cookie.");
    d->Define("cookie.httpOnly", ConfigType::kBoolean, "true", Importance::kLow,
              "HttpOnly attribute of the cookie.");
    d->Define("cookie.sameSite", ConfigType::kString, "None", Importance::kLow,
              "SameSite attribute: Strict, Lax, None, or empty for none.",
              OneOf({"Strict", "Lax", "None", ""}), "[Strict, Lax, None, \"\"]");
    d->Define("cookie.clientCookieName", ConfigType::kString, "", Importance::kLow,
              "Name of a second cookie with the same value readable by scripts (empty: none).");
    d->Define("doNotTrackCookie.enabled", ConfigType::kBoolean, "false", Importance::kLow,
              "Drop events from clients that carry the do-not-track cookie.");
    d->Define("doNotTrackCookie.name", ConfigType::kString, "", Importance::kLow,
              "Name of the do-not-track cookie.");
    d->Define("doNotTrackCookie.value", ConfigType::kString, "", Importance::kLow,
              "Regular expression the do-not-track cookie's whole value must match.");
    d->Define("enableDefaultRedirect", ConfigType::kBoolean, "false", Importance::kLow,
              "Serve click redirects on /r/tp2 (otherwise /r/* answers 404).");
    d->Define("redirectDomains", ConfigType::kList, "", Importance::kLow,
              "Hosts redirects may go to (empty: any).");
    d->Define("crossDomain.enabled", ConfigType::kBoolean, "false", Importance::kLow,
              "Serve /crossdomain.xml.");
    d->Define("crossDomain.domains", ConfigType::kList, "*", Importance::kLow,
              "Domains listed in /crossdomain.xml.");
    d->Define("crossDomain.secure", ConfigType::kBoolean, "true", Importance::kLow,
              "The secure attribute in /crossdomain.xml.");
    d->Define("cors.accessControlMaxAge", ConfigType::kString, "60 minutes", Importance::kLow,
              "Access-Control-Max-Age of CORS preflight answers.", Duration());
    d->Define("ssl.enable", ConfigType::kBoolean, "false", Importance::kMedium,
              "Also serve HTTPS on ssl.port, with the certificate chain and key of the PEM "
              "keystore ssl.keystore.location (the reference collector takes them from the JVM's "
              "default keystore).");
    d->Define("ssl.redirect", ConfigType::kBoolean, "false", Importance::kLow,
              "With ssl.enable: answer every plain-HTTP request with 301 to the same URL over "
              "https on ssl.port; nothing is written.");
    d->Define("ssl.port", ConfigType::kInt, "443", Importance::kMedium,
              "Port of the HTTPS server (0: any free port).", Between(0, 65535));
    d->Define("ssl.keystore.location", ConfigType::kString, "", Importance::kMedium,
              "PEM file holding the private key and the certificate chain (Kafka's PEM keystore).");
    d->Define("ssl.keystore.type", ConfigType::kString, "PEM", Importance::kLow,
              "Keystore format; only PEM is supported.");
    d->Define("ssl.key.password", ConfigType::kPassword, "", Importance::kLow,
              "Password of an encrypted private key in the keystore (empty: not encrypted).");
    d->Define("hsts.enable", ConfigType::kBoolean, "false", Importance::kLow,
              "Send Strict-Transport-Security: max-age=<hsts.maxAge> with every answer.");
    d->Define("hsts.maxAge", ConfigType::kString, "365 days", Importance::kLow,
              "max-age of the Strict-Transport-Security header, e.g. \"365 days\".", Duration());
    d->Define("rootResponse.enabled", ConfigType::kBoolean, "false", Importance::kLow,
              "Answer GET / with rootResponse.statusCode, .headers.* and .body (otherwise 404).");
    d->Define("rootResponse.statusCode", ConfigType::kInt, "302", Importance::kLow,
              "Status of the GET / answer.", Between(100, 599));
    d->Define(
        "rootResponse.body", ConfigType::kString, "", Importance::kLow,
        "Body of the GET / answer. Headers are given as rootResponse.headers.<Name>=<value>.");
    d->Define(
        "cookieBounce.enabled", ConfigType::kBoolean, "false", Importance::kLow,
        "Answer a pixel request without a network user id with a 302 to the same URL plus "
        "<cookieBounce.name>=true, to find out whether the client keeps third-party cookies.");
    d->Define("cookieBounce.name", ConfigType::kString, "n3pc", Importance::kLow,
              "Query parameter marking the bounced request.", validators::NonEmptyString());
    d->Define("cookieBounce.fallbackNetworkUserId", ConfigType::kString,
              "00000000-0000-4000-A000-000000000000", Importance::kLow,
              "Network user id of a bounced request that still carries no cookie.",
              validators::NonEmptyString());
    d->Define("cookieBounce.forwardedProtocolHeader", ConfigType::kString, "", Importance::kLow,
              "Header (e.g. X-Forwarded-Proto) whose value is the scheme of the bounce URL (empty: "
              "the scheme the collector was reached with).");
    d->Define("networking.maxPayloadSize", ConfigType::kInt, "1048576", Importance::kLow,
              "Payloads bigger than this become size_violation bad rows without splitting.",
              AtLeast(1));
    d->Define("networking.dropPayloadSize", ConfigType::kInt, "2097152", Importance::kLow,
              "Request bodies bigger than this are refused with 413; nothing is written.",
              AtLeast(1));
    d->Define("networking.useForwardedFor", ConfigType::kBoolean, "true", Importance::kLow,
              "Take the client IP from the first X-Forwarded-For entry when present (the "
              "reference's behaviour); false: always the socket's peer address.");
    d->Define("networking.idleTimeout", ConfigType::kString, "610 seconds", Importance::kLow,
              "Idle keep-alive connections are closed after this.", Duration());
    d->Define(
        "networking.responseHeaderTimeout", ConfigType::kString, "30 seconds", Importance::kLow,
        "A request must arrive completely within this, else the connection is closed.", Duration());
    d->Define("networking.maxConnections", ConfigType::kInt, "1024", Importance::kLow,
              "Concurrent connections; more are closed on accept.", AtLeast(1));
    d->Define("preTerminationPeriod", ConfigType::kString, "0 seconds", Importance::kLow,
              "After the task is told to stop, keep the port open this long (for load balancers to "
              "take the instance out); tracking requests are answered 503 meanwhile because the "
              "worker no longer takes records. The reference waits 10 seconds.",
              Duration());
    d->Define("preTerminationUnhealthy", ConfigType::kBoolean, "false", Importance::kLow,
              "Answer /health with 503 during preTerminationPeriod.");
    d->Define("terminationDeadline", ConfigType::kString, "5 seconds", Importance::kLow,
              "After preTerminationPeriod, how long answers still in flight (requests waiting for "
              "Kafka's acknowledgement) may take before they are answered 503.",
              Duration());
    d->Define("ack.mode", ConfigType::kString, "durable", Importance::kHigh,
              "durable: answer only after Kafka acknowledged every record of the request (503 "
              "after ack.timeout.ms). buffered: answer at once, as the reference collector does.",
              OneOf({"durable", "buffered"}), "[durable, buffered]");
    d->Define("ack.timeout.ms", ConfigType::kLong, "4000", Importance::kMedium,
              "How long a durable request waits for Kafka before it is answered 503.", AtLeast(1));
    d->Define("queue.max.records", ConfigType::kLong, "10000", Importance::kLow,
              "Records waiting for the worker; requests that do not fit are answered 503.",
              AtLeast(1));
    d->Define("output.format", ConfigType::kString, "thrift", Importance::kMedium,
              "thrift: CollectorPayload in Thrift binary protocol (for Snowplow Enrich). json: the "
              "same fields as a JSON object.",
              OneOf({"thrift", "json"}), "[thrift, json]");
    d->Define("collector.name", ConfigType::kString, "", Importance::kLow,
              "CollectorPayload.collector (empty: tributary-<version>-kafkasink).");
    return d;
  }();
  return *def;
}

Result<CollectorConfig> ParseCollectorConfig(const ConfigMap& props) {
  auto parsed = SnowplowConfigDef().Parse(props);
  if (!parsed.ok()) return parsed.status();
  const ParsedConfig& p = *parsed;
  CollectorConfig c;
  c.interface = p.GetString("interface");
  c.port = p.GetInt("port");
  c.threads = p.GetInt("server.threads");
  for (const auto& [from, to] : p.OriginalsWithPrefix("paths.")) {
    if (to != kTp2Path && to != kRedirectPath && to != kIgluPath) {
      return Status::InvalidConfig("Invalid value " + to + " for configuration paths." + from +
                                   ": must be one of " + kTp2Path + ", " + kRedirectPath + ", " +
                                   kIgluPath);
    }
    std::string key = from.empty() || from[0] != '/' ? "/" + from : from;
    if (std::count(key.begin(), key.end(), '/') != 2) {
      return Status::InvalidConfig("Invalid configuration paths." + from +
                                   ": the custom path must have two segments (/vendor/version)");
    }
    c.paths[key] = to;
  }
  c.cookie_enabled = p.GetBool("cookie.enabled");
  c.cookie_expiration_ms = *ParseDurationMillis(p.GetString("cookie.expiration"));
  c.cookie_name = p.GetString("cookie.name");
  c.cookie_domains = p.GetList("cookie.domains");
  c.cookie_fallback_domain = p.GetString("cookie.fallbackDomain");
  c.cookie_secure = p.GetBool("cookie.secure");
  c.cookie_http_only = p.GetBool("cookie.httpOnly");
  c.cookie_same_site = p.GetString("cookie.sameSite");
  c.client_cookie_name = p.GetString("cookie.clientCookieName");
  c.dnt_enabled = p.GetBool("doNotTrackCookie.enabled");
  c.dnt_name = p.GetString("doNotTrackCookie.name");
  c.dnt_value = p.GetString("doNotTrackCookie.value");
  if (c.dnt_enabled) {
    try {
      std::regex re(c.dnt_value);
    } catch (const std::regex_error& e) {
      return Status::InvalidConfig("Invalid value " + c.dnt_value +
                                   " for configuration doNotTrackCookie.value: " + e.what());
    }
  }
  c.redirect_enabled = p.GetBool("enableDefaultRedirect");
  c.redirect_domains = p.GetList("redirectDomains");
  c.cross_domain_enabled = p.GetBool("crossDomain.enabled");
  c.cross_domain_domains = p.GetList("crossDomain.domains");
  c.cross_domain_secure = p.GetBool("crossDomain.secure");
  c.cors_max_age_seconds = *ParseDurationMillis(p.GetString("cors.accessControlMaxAge")) / 1000;
  c.ssl_enable = p.GetBool("ssl.enable");
  c.ssl_redirect = p.GetBool("ssl.redirect");
  c.ssl_port = p.GetInt("ssl.port");
  c.keystore.keystore_location = p.GetString("ssl.keystore.location");
  c.keystore.keystore_type = p.GetString("ssl.keystore.type");
  c.keystore.key_password = p.GetString("ssl.key.password");
  if (c.ssl_enable && c.keystore.keystore_location.empty()) {
    return Status::InvalidConfig(
        "Missing required configuration ssl.keystore.location: ssl.enable=true needs a PEM file "
        "with the collector's private key and certificate chain");
  }
  c.hsts_enable = p.GetBool("hsts.enable");
  c.hsts_max_age_seconds = *ParseDurationMillis(p.GetString("hsts.maxAge")) / 1000;
  c.root_response_enabled = p.GetBool("rootResponse.enabled");
  c.root_response_status = p.GetInt("rootResponse.statusCode");
  c.root_response_body = p.GetString("rootResponse.body");
  for (const auto& [name, value] : p.OriginalsWithPrefix("rootResponse.headers.")) {
    if (!IsHeaderToken(name)) {
      return Status::InvalidConfig("Invalid configuration rootResponse.headers." + name +
                                   ": not a valid HTTP header name");
    }
    if (value.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
      return Status::InvalidConfig("Invalid value for configuration rootResponse.headers." + name +
                                   ": contains a line break or NUL");
    }
    c.root_response_headers.emplace_back(name, value);
  }
  c.cookie_bounce_enabled = p.GetBool("cookieBounce.enabled");
  c.cookie_bounce_name = p.GetString("cookieBounce.name");
  c.cookie_bounce_fallback_nuid = p.GetString("cookieBounce.fallbackNetworkUserId");
  c.cookie_bounce_forwarded_protocol_header = p.GetString("cookieBounce.forwardedProtocolHeader");
  c.good_topic = p.GetString("streams.good");
  c.bad_topic = p.GetString("streams.bad");
  c.ip_as_partition_key = p.GetBool("streams.useIpAddressAsPartitionKey");
  c.max_bytes = p.GetInt("streams.maxBytes");
  c.max_payload_size = p.GetInt("networking.maxPayloadSize");
  c.drop_payload_size = p.GetInt("networking.dropPayloadSize");
  c.use_forwarded_for = p.GetBool("networking.useForwardedFor");
  c.idle_timeout_ms = *ParseDurationMillis(p.GetString("networking.idleTimeout"));
  c.request_timeout_ms = *ParseDurationMillis(p.GetString("networking.responseHeaderTimeout"));
  c.max_connections = p.GetInt("networking.maxConnections");
  c.pre_termination_period_ms = *ParseDurationMillis(p.GetString("preTerminationPeriod"));
  c.pre_termination_unhealthy = p.GetBool("preTerminationUnhealthy");
  c.termination_deadline_ms = *ParseDurationMillis(p.GetString("terminationDeadline"));
  c.ack_mode = p.GetString("ack.mode") == "buffered" ? AckMode::kBuffered : AckMode::kDurable;
  c.ack_timeout_ms = p.GetLong("ack.timeout.ms");
  c.queue_max_records = p.GetLong("queue.max.records");
  c.output_format =
      p.GetString("output.format") == "json" ? OutputFormat::kJson : OutputFormat::kThrift;
  c.collector_name = p.GetString("collector.name");
  if (c.collector_name.empty()) {
    c.collector_name = std::string("tributary-") + TRIBUTARY_VERSION + "-kafkasink";
  }
  return c;
}

}  // namespace tributary::connectors::snowplow
