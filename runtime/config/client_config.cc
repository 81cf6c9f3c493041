#include "runtime/config/client_config.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>

#include "runtime/config/worker_config.h"

namespace tributary::runtime {

namespace {

// librdkafka 2.0.2 properties that can be set from text (CONFIGURATION.md, callbacks and
// pointers left out). Keys in this set pass through unchanged.
const std::set<std::string>& LibrdkafkaProperties() {
  static const std::set<std::string> kNames = {
      "client.id",
      "metadata.broker.list",
      "bootstrap.servers",
      "message.max.bytes",
      "message.copy.max.bytes",
      "receive.message.max.bytes",
      "max.in.flight.requests.per.connection",
      "max.in.flight",
      "topic.metadata.refresh.interval.ms",
      "metadata.max.age.ms",
      "topic.metadata.refresh.fast.interval.ms",
      "topic.metadata.refresh.fast.cnt",
      "topic.metadata.refresh.sparse",
      "topic.metadata.propagation.max.ms",
      "topic.blacklist",
      "debug",
      "socket.timeout.ms",
      "socket.blocking.max.ms",
      "socket.send.buffer.bytes",
      "socket.receive.buffer.bytes",
      "socket.keepalive.enable",
      "socket.nagle.disable",
      "socket.max.fails",
      "broker.address.ttl",
      "broker.address.family",
      "socket.connection.setup.timeout.ms",
      "connections.max.idle.ms",
      "reconnect.backoff.jitter.ms",
      "reconnect.backoff.ms",
      "reconnect.backoff.max.ms",
      "statistics.interval.ms",
      "enabled_events",
      "log_level",
      "log.queue",
      "log.thread.name",
      "enable.random.seed",
      "log.connection.close",
      "internal.termination.signal",
      "api.version.request",
      "api.version.request.timeout.ms",
      "api.version.fallback.ms",
      "broker.version.fallback",
      "allow.auto.create.topics",
      "security.protocol",
      "ssl.cipher.suites",
      "ssl.curves.list",
      "ssl.sigalgs.list",
      "ssl.key.location",
      "ssl.key.password",
      "ssl.key.pem",
      "ssl.certificate.location",
      "ssl.certificate.pem",
      "ssl.ca.location",
      "ssl.ca.pem",
      "ssl.ca.certificate.stores",
      "ssl.crl.location",
      "ssl.keystore.location",
      "ssl.keystore.password",
      "ssl.providers",
      "ssl.engine.location",
      "ssl.engine.id",
      "enable.ssl.certificate.verification",
      "ssl.endpoint.identification.algorithm",
      "sasl.mechanisms",
      "sasl.mechanism",
      "sasl.kerberos.service.name",
      "sasl.kerberos.principal",
      "sasl.kerberos.kinit.cmd",
      "sasl.kerberos.keytab",
      "sasl.kerberos.min.time.before.relogin",
      "sasl.username",
      "sasl.password",
      "sasl.oauthbearer.config",
      "enable.sasl.oauthbearer.unsecure.jwt",
      "sasl.oauthbearer.method",
      "sasl.oauthbearer.client.id",
      "sasl.oauthbearer.client.secret",
      "sasl.oauthbearer.scope",
      "sasl.oauthbearer.extensions",
      "sasl.oauthbearer.token.endpoint.url",
      "plugin.library.paths",
      "group.id",
      "group.instance.id",
      "partition.assignment.strategy",
      "session.timeout.ms",
      "heartbeat.interval.ms",
      "group.protocol.type",
      "coordinator.query.interval.ms",
      "max.poll.interval.ms",
      "enable.auto.commit",
      "auto.commit.interval.ms",
      "enable.auto.offset.store",
      "queued.min.messages",
      "queued.max.messages.kbytes",
      "fetch.wait.max.ms",
      "fetch.message.max.bytes",
      "max.partition.fetch.bytes",
      "fetch.max.bytes",
      "fetch.min.bytes",
      "fetch.error.backoff.ms",
      "offset.store.method",
      "isolation.level",
      "enable.partition.eof",
      "check.crcs",
      "client.rack",
      "transactional.id",
      "transaction.timeout.ms",
      "enable.idempotence",
      "enable.gapless.guarantee",
      "queue.buffering.max.messages",
      "queue.buffering.max.kbytes",
      "queue.buffering.max.ms",
      "linger.ms",
      "message.send.max.retries",
      "retries",
      "retry.backoff.ms",
      "queue.buffering.backpressure.threshold",
      "compression.codec",
      "compression.type",
      "batch.num.messages",
      "batch.size",
      "delivery.report.only.error",
      "sticky.partitioning.linger.ms",
      "request.required.acks",
      "acks",
      "request.timeout.ms",
      "message.timeout.ms",
      "delivery.timeout.ms",
      "queuing.strategy",
      "produce.offset.report",
      "partitioner",
      "compression.level",
      "auto.commit.enable",
      "auto.offset.reset",
      "offset.store.path",
      "offset.store.sync.interval.ms",
      "consume.callback.max.messages",
  };
  return kNames;
}

// Java client names whose librdkafka property has another name.
const std::map<std::string, std::string>& RenamedProperties() {
  static const std::map<std::string, std::string> kRenamed = {
      {"max.request.size", "message.max.bytes"},
      {"fetch.max.wait.ms", "fetch.wait.max.ms"},
      {"send.buffer.bytes", "socket.send.buffer.bytes"},
      {"receive.buffer.bytes", "socket.receive.buffer.bytes"},
  };
  return kRenamed;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n\f");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n\f");
  return s.substr(b, e - b + 1);
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Kafka's wording, with the value hidden: these values are often secrets.
Status Invalid(const std::string& key, const std::string& reason) {
  return Status::InvalidConfig("Invalid value [hidden] for configuration " + key + ": " + reason);
}

// --- JAAS -------------------------------------------------------------------------------------

struct JaasEntry {
  std::string login_module;
  std::string control_flag;
  std::map<std::string, std::string> options;
};

// A small tokenizer for the one-entry JAAS syntax Kafka accepts in sasl.jaas.config:
//   <LoginModuleClass> <flag> [<name>=<value>]* ;
// Values may be bare words or quoted with " or ' (backslash escapes as in Java's
// StreamTokenizer); // and /* */ comments are skipped.
class JaasParser {
 public:
  explicit JaasParser(const std::string& text) : s_(text) {}

  // Returns the entry or an error text (never containing option values).
  std::variant<JaasEntry, std::string> Parse() {
    JaasEntry entry;
    SkipSpace();
    if (!ReadWord(&entry.login_module)) return std::string("expected a login module class name");
    SkipSpace();
    if (!ReadWord(&entry.control_flag))
      return std::string("expected a control flag after the login module");
    std::string flag = Lower(entry.control_flag);
    if (flag != "required" && flag != "requisite" && flag != "sufficient" && flag != "optional") {
      return std::string("the control flag must be required, requisite, sufficient or optional");
    }
    while (true) {
      SkipSpace();
      if (pos_ >= s_.size()) return std::string("the login module entry must end with ';'");
      if (s_[pos_] == ';') {
        ++pos_;
        break;
      }
      std::string name;
      if (!ReadWord(&name)) return std::string("expected an option name");
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '=') {
        return "expected '=' after option " + name;
      }
      ++pos_;
      SkipSpace();
      std::string value;
      if (pos_ < s_.size() && (s_[pos_] == '"' || s_[pos_] == '\'')) {
        if (!ReadQuoted(&value)) return "unterminated quoted value for option " + name;
      } else if (!ReadWord(&value)) {
        return "expected a value for option " + name;
      }
      entry.options[name] = std::move(value);
    }
    SkipSpace();
    if (pos_ < s_.size()) return std::string("must contain exactly one login module");
    return entry;
  }

 private:
  static bool IsWordChar(char c) {
    return !std::isspace(static_cast<unsigned char>(c)) && c != '=' && c != ';' && c != '"' &&
           c != '\'';
  }

  void SkipSpace() {
    while (pos_ < s_.size()) {
      if (std::isspace(static_cast<unsigned char>(s_[pos_]))) {
        ++pos_;
      } else if (s_.compare(pos_, 2, "//") == 0) {
        size_t nl = s_.find('\n', pos_);
        pos_ = nl == std::string::npos ? s_.size() : nl + 1;
      } else if (s_.compare(pos_, 2, "/*") == 0) {
        size_t end = s_.find("*/", pos_ + 2);
        pos_ = end == std::string::npos ? s_.size() : end + 2;
      } else {
        break;
      }
    }
  }

  bool ReadWord(std::string* out) {
    size_t start = pos_;
    while (pos_ < s_.size() && IsWordChar(s_[pos_])) ++pos_;
    *out = s_.substr(start, pos_ - start);
    return !out->empty();
  }

  bool ReadQuoted(std::string* out) {
    char quote = s_[pos_++];
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == quote) return true;
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) return false;
      char e = s_[pos_++];
      switch (e) {
        case 'n':
          out->push_back('\n');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        default:
          out->push_back(e);  // \" \' \\ and any other character stand for themselves
      }
    }
    return false;
  }

  const std::string& s_;
  size_t pos_ = 0;
};

std::string SimpleClassName(const std::string& fqcn) {
  size_t dot = fqcn.rfind('.');
  return dot == std::string::npos ? fqcn : fqcn.substr(dot + 1);
}

// Applies sasl.jaas.config to `out`. `mechanism` is the effective sasl.mechanism (may be empty).
Status TranslateJaas(const std::string& key, const std::string& jaas, std::string* mechanism,
                     std::map<std::string, std::string>* out) {
  JaasParser parser(jaas);
  auto parsed = parser.Parse();
  if (auto* error = std::get_if<std::string>(&parsed)) return Invalid(key, *error);
  JaasEntry& entry = std::get<JaasEntry>(parsed);
  std::string module = SimpleClassName(entry.login_module);
  std::string mech = Upper(*mechanism);

  if (module == "PlainLoginModule" || module == "ScramLoginModule") {
    bool plain = module == "PlainLoginModule";
    if (plain && mech.empty()) {
      *mechanism = mech = "PLAIN";
    }
    if (plain && mech != "PLAIN") {
      return Invalid(key, "PlainLoginModule needs sasl.mechanism=PLAIN, not " + mech);
    }
    if (!plain && mech != "SCRAM-SHA-256" && mech != "SCRAM-SHA-512") {
      return Invalid(key, "ScramLoginModule needs sasl.mechanism=SCRAM-SHA-256 or SCRAM-SHA-512");
    }
    auto user = entry.options.find("username");
    auto pass = entry.options.find("password");
    if (user == entry.options.end() || pass == entry.options.end()) {
      return Invalid(key, module + " needs both username=\"...\" and password=\"...\"");
    }
    out->emplace("sasl.username", user->second);  // explicit sasl.username/password win
    out->emplace("sasl.password", pass->second);
    return Status::Ok();
  }
  if (module == "Krb5LoginModule") {
    if (auto it = entry.options.find("keyTab"); it != entry.options.end()) {
      out->emplace("sasl.kerberos.keytab", it->second);
    }
    if (auto it = entry.options.find("principal"); it != entry.options.end()) {
      out->emplace("sasl.kerberos.principal", it->second);
    }
    return Status::Ok();
  }
  if (module == "OAuthBearerLoginModule") {
    return Invalid(key,
                   "OAuthBearerLoginModule is not supported yet; use librdkafka's "
                   "sasl.oauthbearer.* settings with sasl.oauthbearer.method=oidc instead");
  }
  return Invalid(key, "login module " + entry.login_module +
                          " is not supported (PlainLoginModule, ScramLoginModule, "
                          "Krb5LoginModule are)");
}

// The store type Java would use: the explicit type, else a guess from the file name (Java's
// default is JKS; PEM and PKCS12 files are recognised by extension).
std::string StoreType(const std::string& type, const std::string& location, bool truststore) {
  if (!type.empty()) return Upper(Trim(type));
  std::string lower = Lower(location);
  if (EndsWith(lower, ".jks")) return "JKS";
  if (EndsWith(lower, ".p12") || EndsWith(lower, ".pfx")) return "PKCS12";
  if (EndsWith(lower, ".pem") || EndsWith(lower, ".crt") || EndsWith(lower, ".cer") ||
      EndsWith(lower, ".key")) {
    return "PEM";
  }
  return truststore ? "PEM" : "PKCS12";
}

// Maps a Java partition.assignment.strategy list to librdkafka names; unknown entries dropped.
std::string TranslateAssignors(const std::string& value) {
  std::string out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    std::string item =
        Trim(value.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    std::string simple = SimpleClassName(item);
    std::string mapped;
    if (simple == "RangeAssignor" || item == "range") {
      mapped = "range";
    } else if (simple == "RoundRobinAssignor" || item == "roundrobin") {
      mapped = "roundrobin";
    } else if (simple == "CooperativeStickyAssignor" || item == "cooperative-sticky") {
      mapped = "cooperative-sticky";
    }
    if (!mapped.empty()) {
      if (!out.empty()) out += ",";
      out += mapped;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<ClientConfig> Translate(const ConfigMap& java,
                               const std::map<std::string, std::string>& shown_names) {
  auto shown = [&](const std::string& key) {
    auto it = shown_names.find(key);
    return it == shown_names.end() ? key : it->second;
  };
  auto get = [&](const std::string& key) -> std::string {
    auto it = java.find(key);
    return it == java.end() ? std::string() : it->second;
  };
  auto has = [&](const std::string& key) { return java.count(key) > 0; };

  ClientConfig result;
  auto& props = result.properties;
  std::set<std::string> consumed;  // keys handled by a translation below

  // Explicit librdkafka settings and plain pass-throughs first, so translations never override
  // what the user set by librdkafka's own name.
  for (const auto& [key, value] : java) {
    if (LibrdkafkaProperties().count(key) > 0) {
      props[key] = value;
    } else if (auto it = RenamedProperties().find(key); it != RenamedProperties().end()) {
      if (!has(it->second)) props[it->second] = value;
      consumed.insert(key);
    }
  }

  // SASL.
  std::string mechanism = get("sasl.mechanism");
  if (mechanism.empty()) mechanism = get("sasl.mechanisms");
  if (has("sasl.jaas.config")) {
    consumed.insert("sasl.jaas.config");
    TRIBUTARY_RETURN_IF_ERROR(
        TranslateJaas(shown("sasl.jaas.config"), get("sasl.jaas.config"), &mechanism, &props));
    if (!has("sasl.mechanism") && !has("sasl.mechanisms") && !mechanism.empty()) {
      props["sasl.mechanism"] = mechanism;
    }
  }

  // Trust store.
  if (has("ssl.truststore.location")) {
    consumed.insert("ssl.truststore.location");
    consumed.insert("ssl.truststore.type");
    std::string location = get("ssl.truststore.location");
    std::string type = StoreType(get("ssl.truststore.type"), location, true);
    if (type != "PEM") {
      return Invalid(shown("ssl.truststore.location"),
                     "a " + type +
                         " truststore cannot be read; convert it to PEM (keytool -exportcert "
                         "-rfc) and set ssl.truststore.type=PEM");
    }
    if (!has("ssl.ca.location")) props["ssl.ca.location"] = location;
  } else if (has("ssl.truststore.type") && Upper(Trim(get("ssl.truststore.type"))) == "PEM") {
    consumed.insert("ssl.truststore.type");
  }
  if (has("ssl.truststore.certificates")) {
    consumed.insert("ssl.truststore.certificates");
    if (!has("ssl.ca.pem")) props["ssl.ca.pem"] = get("ssl.truststore.certificates");
  }

  // Key store.
  if (has("ssl.keystore.location")) {
    consumed.insert("ssl.keystore.type");
    std::string location = get("ssl.keystore.location");
    std::string type = StoreType(get("ssl.keystore.type"), location, false);
    if (type == "PEM") {
      props.erase("ssl.keystore.location");
      props.erase("ssl.keystore.password");
      consumed.insert("ssl.keystore.password");
      if (!has("ssl.certificate.location")) props["ssl.certificate.location"] = location;
      if (!has("ssl.key.location")) props["ssl.key.location"] = location;
    } else if (type != "PKCS12") {
      return Invalid(shown("ssl.keystore.location"),
                     "a " + type +
                         " keystore cannot be read; convert it to PKCS12 or PEM and set "
                         "ssl.keystore.type");
    }
  }
  if (has("ssl.keystore.certificate.chain")) {
    consumed.insert("ssl.keystore.certificate.chain");
    if (!has("ssl.certificate.pem"))
      props["ssl.certificate.pem"] = get("ssl.keystore.certificate.chain");
  }
  if (has("ssl.keystore.key")) {
    consumed.insert("ssl.keystore.key");
    if (!has("ssl.key.pem")) props["ssl.key.pem"] = get("ssl.keystore.key");
  }

  // Host name verification: Java's "" disables it, librdkafka spells that "none".
  if (has("ssl.endpoint.identification.algorithm")) {
    std::string v = Lower(Trim(get("ssl.endpoint.identification.algorithm")));
    if (v.empty() || v == "none") {
      props["ssl.endpoint.identification.algorithm"] = "none";
    } else if (v == "https") {
      props["ssl.endpoint.identification.algorithm"] = "https";
    } else {
      return Status::InvalidConfig("Invalid value " + v + " for configuration " +
                                   shown("ssl.endpoint.identification.algorithm") +
                                   ": only https or an empty value (no check) are supported");
    }
  }

  // Java's IANA cipher names (TLS_ECDHE_...) mean nothing to OpenSSL.
  if (has("ssl.cipher.suites")) {
    std::string v = Trim(get("ssl.cipher.suites"));
    if (v.rfind("TLS_", 0) == 0 || v.rfind("SSL_", 0) == 0) {
      props.erase("ssl.cipher.suites");
      result.ignored.push_back(shown("ssl.cipher.suites"));
      consumed.insert("ssl.cipher.suites");
    }
  }

  // A whole number of at least `min` under `key`, which is consumed.
  auto whole_number = [&](const std::string& key, int64_t min,
                          const std::string& unit) -> Result<int64_t> {
    consumed.insert(key);
    const std::string v = Trim(get(key));
    int64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n < min) {
      return Invalid(shown(key),
                     "expected a number of " + unit + " of at least " + std::to_string(min));
    }
    return n;
  };
  // Java's buffer.memory (bytes of records the producer may hold) is librdkafka's
  // queue.buffering.max.kbytes.
  if (has("buffer.memory")) {
    TRIBUTARY_ASSIGN_OR_RETURN(int64_t bytes, whole_number("buffer.memory", 1024, "bytes"));
    if (!has("queue.buffering.max.kbytes")) {
      props["queue.buffering.max.kbytes"] = std::to_string(bytes / 1024);
    }
  }
  if (has("max.poll.records")) {
    TRIBUTARY_ASSIGN_OR_RETURN(int64_t records, whole_number("max.poll.records", 1, "records"));
    result.max_poll_records =
        static_cast<int>(std::min<int64_t>(records, std::numeric_limits<int>::max()));
  }

  if (has("auto.offset.reset") && Lower(Trim(get("auto.offset.reset"))) == "none") {
    props["auto.offset.reset"] = "error";
  }
  if (has("partition.assignment.strategy")) {
    std::string mapped = TranslateAssignors(get("partition.assignment.strategy"));
    if (mapped.empty()) {
      props.erase("partition.assignment.strategy");
      result.ignored.push_back(shown("partition.assignment.strategy"));
    } else {
      props["partition.assignment.strategy"] = mapped;
    }
  }

  for (const auto& [key, value] : java) {
    if (LibrdkafkaProperties().count(key) == 0 && consumed.count(key) == 0) {
      result.ignored.push_back(shown(key));
    }
  }
  return result;
}

bool IsTopLevelClientKey(const std::string& key) {
  return key == "bootstrap.servers" || key == "client.id" || key == "security.protocol" ||
         key.rfind("sasl.", 0) == 0 || key.rfind("ssl.", 0) == 0;
}

}  // namespace

Result<ClientConfig> TranslateClientConfig(const ConfigMap& java_style) {
  return Translate(java_style, {});
}

Result<ClientConfig> BuildClientConfig(ClientRole role, const ConfigMap& worker,
                                       const ConfigMap& connector) {
  std::string worker_prefix;
  std::string override_prefix;
  switch (role) {
    case ClientRole::kProducer:
      worker_prefix = "producer.";
      override_prefix = "producer.override.";
      break;
    case ClientRole::kConsumer:
      worker_prefix = "consumer.";
      override_prefix = "consumer.override.";
      break;
    case ClientRole::kAdmin:
      worker_prefix = "admin.";
      override_prefix = "admin.override.";
      break;
  }
  ConfigMap merged;
  std::map<std::string, std::string> shown;
  auto layer = [&](const ConfigMap& source, const std::string& prefix, bool top_level) {
    for (const auto& [key, value] : source) {
      std::string name;
      if (top_level) {
        if (!IsTopLevelClientKey(key)) continue;
        name = key;
      } else {
        if (key.size() <= prefix.size() || key.compare(0, prefix.size(), prefix) != 0) continue;
        name = key.substr(prefix.size());
      }
      merged[name] = value;
      shown[name] = key;
    }
  };
  layer(worker, "", true);
  layer(worker, worker_prefix, false);
  layer(connector, override_prefix, false);

  auto bootstrap = merged.find("bootstrap.servers");
  if (bootstrap != merged.end() && IsEmbeddedBootstrap(bootstrap->second)) {
    merged.erase(bootstrap);
  }
  return Translate(merged, shown);
}

std::string Redacted(const std::map<std::string, std::string>& properties) {
  std::string out;
  for (const auto& [key, value] : properties) {
    std::string lower = Lower(key);
    bool secret = lower.find("password") != std::string::npos ||
                  lower.find("secret") != std::string::npos ||
                  lower.find("jaas") != std::string::npos || lower == "ssl.key.pem" ||
                  lower == "ssl.keystore.key" || lower == "sasl.oauthbearer.config";
    if (!out.empty()) out += ", ";
    out += key + "=" + (secret ? "[hidden]" : value);
  }
  return out;
}

}  // namespace tributary::runtime
