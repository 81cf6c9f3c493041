#include "connectors/postgres_cdc/cdc_config.h"

#include <algorithm>
#include <cctype>

namespace tributary::connectors::pgcdc {
namespace {

constexpr const char* kHostname = "database.hostname";
constexpr const char* kPort = "database.port";
constexpr const char* kUser = "database.user";
constexpr const char* kPassword = "database.password";
constexpr const char* kDbname = "database.dbname";
constexpr const char* kSslmode = "database.sslmode";
constexpr const char* kTopicPrefix = "topic.prefix";
constexpr const char* kPluginName = "plugin.name";
constexpr const char* kSlotName = "slot.name";
constexpr const char* kSlotDropOnStop = "slot.drop.on.stop";
constexpr const char* kPublicationName = "publication.name";
constexpr const char* kPublicationMode = "publication.autocreate.mode";
constexpr const char* kSchemaInclude = "schema.include.list";
constexpr const char* kSchemaExclude = "schema.exclude.list";
constexpr const char* kTableInclude = "table.include.list";
constexpr const char* kTableExclude = "table.exclude.list";
constexpr const char* kColumnInclude = "column.include.list";
constexpr const char* kColumnExclude = "column.exclude.list";
constexpr const char* kKeyColumns = "message.key.columns";
constexpr const char* kMessagePrefixInclude = "message.prefix.include.list";
constexpr const char* kMessagePrefixExclude = "message.prefix.exclude.list";
constexpr const char* kSnapshotMode = "snapshot.mode";
constexpr const char* kSnapshotFetchSize = "snapshot.fetch.size";
constexpr const char* kHeartbeatInterval = "heartbeat.interval.ms";
constexpr const char* kHeartbeatQuery = "heartbeat.action.query";
constexpr const char* kHeartbeatPrefix = "topic.heartbeat.prefix";
constexpr const char* kTombstones = "tombstones.on.delete";
constexpr const char* kSkipped = "skipped.operations";
constexpr const char* kDecimalMode = "decimal.handling.mode";
constexpr const char* kTimeMode = "time.precision.mode";
constexpr const char* kBinaryMode = "binary.handling.mode";
constexpr const char* kPlaceholder = "unavailable.value.placeholder";
constexpr const char* kTxMetadata = "provide.transaction.metadata";
constexpr const char* kTopicTransaction = "topic.transaction";
constexpr const char* kMaxBatch = "max.batch.size";
constexpr const char* kMaxQueue = "max.queue.size";
constexpr const char* kPollInterval = "poll.interval.ms";
constexpr const char* kStatusInterval = "status.update.interval.ms";
constexpr const char* kSlotMaxRetries = "slot.max.retries";
constexpr const char* kSlotRetryDelay = "slot.retry.delay.ms";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// A libpq conninfo value in single quotes with \ and ' escaped.
std::string ConninfoValue(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

Status BadValue(const std::string& key, const std::string& value, const std::string& why) {
  return Status::InvalidConfig("Invalid value " + value + " for configuration " + key + ": " + why);
}

Result<RegexList> ParseRegexList(const ParsedConfig& parsed, const char* key) {
  RegexList list;
  for (const std::string& raw : parsed.GetList(key)) {
    std::string p = Trim(raw);
    if (p.empty()) continue;
    try {
      list.regexes.emplace_back(p, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      return BadValue(key, p, std::string("not a valid regular expression (") + e.what() + ")");
    }
    list.patterns.push_back(p);
  }
  return list;
}

// "schema.tableRegex:col1,col2;regex2:col3"
Result<std::vector<KeyColumnsRule>> ParseKeyColumns(const std::string& text) {
  std::vector<KeyColumnsRule> rules;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(';', pos);
    if (end == std::string::npos) end = text.size();
    std::string entry = Trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (entry.empty()) continue;
    size_t colon = entry.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == entry.size()) {
      return BadValue(kKeyColumns, text,
                      "each entry must be <fully-qualified table regex>:<column>[,<column>…]");
    }
    KeyColumnsRule rule;
    try {
      rule.table = std::regex(Trim(entry.substr(0, colon)));
    } catch (const std::regex_error& e) {
      return BadValue(kKeyColumns, text, std::string("bad table regular expression: ") + e.what());
    }
    std::string cols = entry.substr(colon + 1);
    size_t cpos = 0;
    while (cpos <= cols.size()) {
      size_t cend = cols.find(',', cpos);
      if (cend == std::string::npos) cend = cols.size();
      std::string c = Trim(cols.substr(cpos, cend - cpos));
      if (!c.empty()) rule.columns.push_back(c);
      cpos = cend + 1;
    }
    if (rule.columns.empty()) return BadValue(kKeyColumns, text, "an entry lists no columns");
    rules.push_back(std::move(rule));
  }
  return rules;
}

ConfigValidator SkippedOperations() {
  return [](const ConfigValue& v) -> std::optional<std::string> {
    const auto* list = std::get_if<std::vector<std::string>>(&v);
    if (!list) return std::nullopt;
    for (const std::string& raw : *list) {
      std::string op = Lower(Trim(raw));
      if (op != "c" && op != "u" && op != "d" && op != "t" && op != "none" && !op.empty()) {
        return "operations must be a subset of c, u, d, t, or none";
      }
    }
    return std::nullopt;
  };
}

}  // namespace

bool RegexList::Matches(const std::string& text) const {
  for (const std::regex& r : regexes) {
    if (std::regex_match(text, r)) return true;
  }
  return false;
}

bool PostgresCdcConfig::IncludesTable(const std::string& schema, const std::string& table) const {
  if (!schema_include.empty() && !schema_include.Matches(schema)) return false;
  if (schema_exclude.Matches(schema)) return false;
  std::string id = schema + "." + table;
  if (!table_include.empty() && !table_include.Matches(id)) return false;
  if (table_exclude.Matches(id)) return false;
  return true;
}

bool PostgresCdcConfig::IncludesColumn(const std::string& schema, const std::string& table,
                                       const std::string& column) const {
  if (column_include.empty() && column_exclude.empty()) return true;
  std::string id = schema + "." + table + "." + column;
  if (!column_include.empty()) return column_include.Matches(id);
  return !column_exclude.Matches(id);
}

bool PostgresCdcConfig::IncludesMessagePrefix(const std::string& prefix) const {
  if (!message_prefix_include.empty()) return message_prefix_include.Matches(prefix);
  return !message_prefix_exclude.Matches(prefix);
}

const std::vector<std::string>* PostgresCdcConfig::KeyColumnsFor(const std::string& schema,
                                                                 const std::string& table) const {
  std::string id = schema + "." + table;
  for (const KeyColumnsRule& rule : key_columns) {
    if (std::regex_match(id, rule.table)) return &rule.columns;
  }
  return nullptr;
}

const ConfigDef& PostgresCdcConfigDef() {
  static const ConfigDef* def = [] {
    auto* d = new ConfigDef();
    d->Define(kHostname, ConfigType::kString, kNoDefault, Importance::kHigh,
              "Host name or address of the PostgreSQL server.", validators::NonEmptyString());
    d->Define(kPort, ConfigType::kInt, "5432", Importance::kHigh, "Port of the server.",
              validators::Between(1, 65535));
    d->Define(kUser, ConfigType::kString, kNoDefault, Importance::kHigh,
              "Role to connect as (needs REPLICATION and SELECT on the captured tables).",
              validators::NonEmptyString());
    d->Define(kPassword, ConfigType::kPassword, kNullDefault, Importance::kHigh,
              "Password of database.user.");
    d->Define(kDbname, ConfigType::kString, kNoDefault, Importance::kHigh,
              "The database to capture changes from.", validators::NonEmptyString());
    d->Define(
        kSslmode, ConfigType::kString, "prefer", Importance::kMedium,
        "libpq sslmode: disable, allow, prefer, require, verify-ca, verify-full.",
        validators::OneOf({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}),
        "[disable, allow, prefer, require, verify-ca, verify-full]");
    d->Define(kTopicPrefix, ConfigType::kString, kNoDefault, Importance::kHigh,
              "Logical name of the server: prefix of every topic and schema name, source.name "
              "and the offset partition {\"server\": …}. Never change it.",
              validators::NonEmptyString());
    d->Define(kPluginName, ConfigType::kString, "pgoutput", Importance::kMedium,
              "Logical decoding plugin. Only pgoutput is supported (Debezium's default "
              "decoderbufs is not).",
              validators::OneOf({"pgoutput"}), "[pgoutput]");
    d->Define(kSlotName, ConfigType::kString, "debezium", Importance::kMedium,
              "Replication slot name ([a-z0-9_], at most 63 characters).",
              [](const ConfigValue& v) -> std::optional<std::string> {
                const auto* s = std::get_if<std::string>(&v);
                if (!s) return std::nullopt;
                if (s->empty() || s->size() > 63) return "must have 1 to 63 characters";
                for (char c : *s) {
                  if (!(std::islower(static_cast<unsigned char>(c)) ||
                        std::isdigit(static_cast<unsigned char>(c)) || c == '_')) {
                    return "may contain only lower-case letters, digits and underscores";
                  }
                }
                return std::nullopt;
              });
    d->Define(kSlotDropOnStop, ConfigType::kBoolean, "false", Importance::kLow,
              "Drop the slot when the task stops gracefully (testing only: changes made while "
              "the connector is stopped are lost).");
    d->Define(kSlotMaxRetries, ConfigType::kInt, "6", Importance::kLow,
              "Consecutive failed reconnect attempts before the task fails.",
              validators::AtLeast(0));
    d->Define(kSlotRetryDelay, ConfigType::kLong, "10000", Importance::kLow,
              "Delay before the first reconnect attempt; doubles up to 60 s.",
              validators::AtLeast(0));
    d->Define(kPublicationName, ConfigType::kString, "dbz_publication", Importance::kMedium,
              "Publication streamed by pgoutput.", validators::NonEmptyString());
    d->Define(kPublicationMode, ConfigType::kString, "all_tables", Importance::kMedium,
              "all_tables: CREATE PUBLICATION … FOR ALL TABLES if missing; filtered: create or "
              "alter it to the captured tables; no_tables: create it without tables; disabled: "
              "it must exist.",
              validators::OneOf({"all_tables", "disabled", "filtered", "no_tables"}),
              "[all_tables, disabled, filtered, no_tables]");
    d->Define(kSchemaInclude, ConfigType::kList, kNullDefault, Importance::kMedium,
              "Regular expressions of captured schema names.");
    d->Define(kSchemaExclude, ConfigType::kList, kNullDefault, Importance::kMedium,
              "Regular expressions of schema names not captured.");
    d->Define(kTableInclude, ConfigType::kList, kNullDefault, Importance::kMedium,
              "Regular expressions of captured tables (schema.table).");
    d->Define(kTableExclude, ConfigType::kList, kNullDefault, Importance::kMedium,
              "Regular expressions of tables (schema.table) not captured.");
    d->Define(kColumnInclude, ConfigType::kList, kNullDefault, Importance::kMedium,
              "Regular expressions of captured columns (schema.table.column).");
    d->Define(kColumnExclude, ConfigType::kList, kNullDefault, Importance::kMedium,
              "Regular expressions of columns (schema.table.column) left out of values.");
    d->Define(kMessagePrefixInclude, ConfigType::kList, kNullDefault, Importance::kMedium,
              "Regular expressions of logical decoding message prefixes captured (op=m, "
              "PostgreSQL 14 or later).");
    d->Define(kMessagePrefixExclude, ConfigType::kList, kNullDefault, Importance::kMedium,
              "Regular expressions of logical decoding message prefixes not captured.");
    d->Define(kKeyColumns, ConfigType::kString, kNullDefault, Importance::kMedium,
              "Custom record keys: <schema.table regex>:<col>[,<col>…][;…].");
    d->Define(kSnapshotMode, ConfigType::kString, "initial", Importance::kMedium,
              "initial: snapshot when no offset is stored; always: snapshot at every start; "
              "no_data: never snapshot; initial_only: snapshot, then stop streaming; "
              "when_needed: snapshot when no offset is stored or the slot cannot resume it.",
              validators::OneOf({"initial", "always", "no_data", "never", "initial_only",
                                 "when_needed", "exported"}),
              "[initial, always, no_data, initial_only, when_needed]");
    d->Define(kSnapshotFetchSize, ConfigType::kInt, "10240", Importance::kMedium,
              "Rows fetched per round trip while snapshotting.", validators::AtLeast(1));
    d->Define(kHeartbeatInterval, ConfigType::kInt, "0", Importance::kMedium,
              "Emit a heartbeat record (and confirm the slot position) this often; 0 = off.",
              validators::AtLeast(0));
    d->Define(kHeartbeatQuery, ConfigType::kString, kNullDefault, Importance::kMedium,
              "SQL run on every heartbeat (e.g. an update of a published heartbeat table).");
    d->Define(kHeartbeatPrefix, ConfigType::kString, "__debezium-heartbeat", Importance::kLow,
              "Heartbeat topic: <prefix>.<topic.prefix>.", validators::NonEmptyString());
    d->Define(kTombstones, ConfigType::kBoolean, "true", Importance::kMedium,
              "Emit a tombstone (null value) after every delete event.");
    d->Define(kSkipped, ConfigType::kList, "t", Importance::kMedium,
              "Operations not emitted: c, u, d, t, or none.", SkippedOperations());
    d->Define(kDecimalMode, ConfigType::kString, "precise", Importance::kMedium,
              "NUMERIC/DECIMAL as Connect Decimal (precise), double or string.",
              validators::OneOf({"precise", "double", "string"}), "[precise, double, string]");
    d->Define(kTimeMode, ConfigType::kString, "adaptive", Importance::kMedium,
              "Temporal types: adaptive, adaptive_time_microseconds or connect.",
              validators::OneOf({"adaptive", "adaptive_time_microseconds", "connect"}),
              "[adaptive, adaptive_time_microseconds, connect]");
    d->Define(kBinaryMode, ConfigType::kString, "bytes", Importance::kLow,
              "bytea as bytes, base64, base64-url-safe or hex strings.",
              validators::OneOf({"bytes", "base64", "base64-url-safe", "hex"}),
              "[bytes, base64, base64-url-safe, hex]");
    d->Define(kPlaceholder, ConfigType::kString, "__debezium_unavailable_value", Importance::kLow,
              "Value of unchanged TOASTed columns that were not sent.");
    d->Define(kTxMetadata, ConfigType::kBoolean, "false", Importance::kLow,
              "Emit BEGIN/END records to <topic.prefix>.transaction and fill each event's "
              "transaction block.");
    d->Define(kTopicTransaction, ConfigType::kString, "transaction", Importance::kLow,
              "Transaction metadata topic suffix.", validators::NonEmptyString());
    d->Define(kMaxBatch, ConfigType::kInt, "2048", Importance::kMedium,
              "Most records returned by one poll.", validators::AtLeast(1));
    d->Define(kMaxQueue, ConfigType::kInt, "8192", Importance::kMedium,
              "Accepted for compatibility; must exceed max.batch.size (there is no separate "
              "queue: poll reads the stream directly).",
              validators::AtLeast(1));
    d->Define(kPollInterval, ConfigType::kLong, "500", Importance::kMedium,
              "How long a poll waits for changes before returning nothing.",
              validators::AtLeast(0));
    d->Define(kStatusInterval, ConfigType::kInt, "10000", Importance::kLow,
              "Interval of standby status updates to the server.", validators::AtLeast(1));
    return d;
  }();
  return *def;
}

Result<PostgresCdcConfig> PostgresCdcConfig::Parse(const ConfigMap& props) {
  TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig parsed, PostgresCdcConfigDef().Parse(props));
  PostgresCdcConfig c;
  if (auto it = props.find("name"); it != props.end()) c.connector_name = it->second;
  c.dbname = parsed.GetString(kDbname);
  c.conninfo = "host=" + ConninfoValue(parsed.GetString(kHostname)) +
               " port=" + std::to_string(parsed.GetInt(kPort)) +
               " user=" + ConninfoValue(parsed.GetString(kUser)) +
               " dbname=" + ConninfoValue(c.dbname) +
               " sslmode=" + ConninfoValue(Lower(parsed.GetString(kSslmode)));
  if (parsed.Has(kPassword) && !parsed.GetString(kPassword).empty()) {
    c.conninfo += " password=" + ConninfoValue(parsed.GetString(kPassword));
  }
  c.topic_prefix = parsed.GetString(kTopicPrefix);
  c.slot_name = parsed.GetString(kSlotName);
  c.slot_drop_on_stop = parsed.GetBool(kSlotDropOnStop);
  c.max_retries = parsed.GetLong(kSlotMaxRetries);
  c.retry_delay_ms = parsed.GetLong(kSlotRetryDelay);
  c.publication_name = parsed.GetString(kPublicationName);
  std::string pm = Lower(parsed.GetString(kPublicationMode));
  c.publication_mode = pm == "disabled"    ? PublicationAutocreateMode::kDisabled
                       : pm == "filtered"  ? PublicationAutocreateMode::kFiltered
                       : pm == "no_tables" ? PublicationAutocreateMode::kNoTables
                                           : PublicationAutocreateMode::kAllTables;
  TRIBUTARY_ASSIGN_OR_RETURN(c.schema_include, ParseRegexList(parsed, kSchemaInclude));
  TRIBUTARY_ASSIGN_OR_RETURN(c.schema_exclude, ParseRegexList(parsed, kSchemaExclude));
  TRIBUTARY_ASSIGN_OR_RETURN(c.table_include, ParseRegexList(parsed, kTableInclude));
  TRIBUTARY_ASSIGN_OR_RETURN(c.table_exclude, ParseRegexList(parsed, kTableExclude));
  TRIBUTARY_ASSIGN_OR_RETURN(c.column_include, ParseRegexList(parsed, kColumnInclude));
  TRIBUTARY_ASSIGN_OR_RETURN(c.column_exclude, ParseRegexList(parsed, kColumnExclude));
  TRIBUTARY_ASSIGN_OR_RETURN(c.message_prefix_include,
                             ParseRegexList(parsed, kMessagePrefixInclude));
  TRIBUTARY_ASSIGN_OR_RETURN(c.message_prefix_exclude,
                             ParseRegexList(parsed, kMessagePrefixExclude));
  auto exclusive = [](const RegexList& a, const RegexList& b, const char* key_a,
                      const char* key_b) -> Status {
    if (a.empty() || b.empty()) return Status::Ok();
    return Status::InvalidConfig(std::string("Invalid value for configuration ") + key_b +
                                 ": it cannot be used together with " + key_a);
  };
  TRIBUTARY_RETURN_IF_ERROR(
      exclusive(c.schema_include, c.schema_exclude, kSchemaInclude, kSchemaExclude));
  TRIBUTARY_RETURN_IF_ERROR(
      exclusive(c.table_include, c.table_exclude, kTableInclude, kTableExclude));
  TRIBUTARY_RETURN_IF_ERROR(
      exclusive(c.column_include, c.column_exclude, kColumnInclude, kColumnExclude));
  TRIBUTARY_RETURN_IF_ERROR(exclusive(c.message_prefix_include, c.message_prefix_exclude,
                                      kMessagePrefixInclude, kMessagePrefixExclude));
  if (parsed.Has(kKeyColumns)) {
    TRIBUTARY_ASSIGN_OR_RETURN(c.key_columns, ParseKeyColumns(parsed.GetString(kKeyColumns)));
  }
  std::string sm = Lower(parsed.GetString(kSnapshotMode));
  c.snapshot_mode = sm == "always"                       ? SnapshotMode::kAlways
                    : (sm == "no_data" || sm == "never") ? SnapshotMode::kNoData
                    : sm == "initial_only"               ? SnapshotMode::kInitialOnly
                    : sm == "when_needed"                ? SnapshotMode::kWhenNeeded
                                                         : SnapshotMode::kInitial;
  c.snapshot_fetch_size = parsed.GetLong(kSnapshotFetchSize);
  c.heartbeat_interval_ms = parsed.GetLong(kHeartbeatInterval);
  if (parsed.Has(kHeartbeatQuery)) c.heartbeat_action_query = parsed.GetString(kHeartbeatQuery);
  c.heartbeat_topic = parsed.GetString(kHeartbeatPrefix) + "." + c.topic_prefix;
  c.tombstones_on_delete = parsed.GetBool(kTombstones);
  c.skipped_operations.clear();
  for (const std::string& raw : parsed.GetList(kSkipped)) {
    std::string op = Lower(Trim(raw));
    if (op.size() == 1) c.skipped_operations += op;
  }
  c.decimal_handling_mode = Lower(parsed.GetString(kDecimalMode));
  c.time_precision_mode = Lower(parsed.GetString(kTimeMode));
  c.binary_handling_mode = Lower(parsed.GetString(kBinaryMode));
  c.unavailable_value_placeholder = parsed.GetString(kPlaceholder);
  c.provide_transaction_metadata = parsed.GetBool(kTxMetadata);
  c.transaction_topic = c.topic_prefix + "." + parsed.GetString(kTopicTransaction);
  c.max_batch_size = parsed.GetLong(kMaxBatch);
  c.max_queue_size = parsed.GetLong(kMaxQueue);
  if (c.max_queue_size <= c.max_batch_size) {
    return BadValue(
        kMaxQueue, std::to_string(c.max_queue_size),
        "must be larger than max.batch.size (" + std::to_string(c.max_batch_size) + ")");
  }
  c.poll_interval_ms = parsed.GetLong(kPollInterval);
  c.status_update_interval_ms = parsed.GetLong(kStatusInterval);
  return c;
}

}  // namespace tributary::connectors::pgcdc
