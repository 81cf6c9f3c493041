#pragma once

// The configuration of the PostgreSQL CDC source, keyed and defaulted as Debezium's
// PostgresConnectorConfig spells it (see README.md for the keys and the deviations).

#include <cstdint>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/status.h"

namespace tributary::connectors::pgcdc {

const ConfigDef& PostgresCdcConfigDef();

enum class SnapshotMode { kInitial, kAlways, kNoData, kInitialOnly, kWhenNeeded };
enum class PublicationAutocreateMode { kAllTables, kDisabled, kFiltered, kNoTables };

// Anchored (full-match) regular expressions, as Debezium's include/exclude lists use them.
struct RegexList {
  std::vector<std::string> patterns;
  std::vector<std::regex> regexes;
  bool empty() const { return regexes.empty(); }
  bool Matches(const std::string& text) const;
};

// message.key.columns: for tables matching `table`, these columns form the key.
struct KeyColumnsRule {
  std::regex table;
  std::vector<std::string> columns;
};

struct PostgresCdcConfig {
  std::string connector_name;
  // libpq keyword string for ordinary connections (no replication parameter).
  std::string conninfo;
  std::string dbname;
  std::string topic_prefix;
  std::string slot_name;
  bool slot_drop_on_stop = false;
  std::string publication_name;
  PublicationAutocreateMode publication_mode = PublicationAutocreateMode::kAllTables;
  RegexList schema_include, schema_exclude, table_include, table_exclude;
  RegexList column_include, column_exclude;
  // message.prefix.include.list / exclude.list: logical decoding messages (op=m) captured.
  RegexList message_prefix_include, message_prefix_exclude;
  std::vector<KeyColumnsRule> key_columns;
  SnapshotMode snapshot_mode = SnapshotMode::kInitial;
  int64_t snapshot_fetch_size = 10240;
  int64_t heartbeat_interval_ms = 0;
  std::string heartbeat_action_query;
  std::string heartbeat_topic;  // <topic.heartbeat.prefix>.<topic.prefix>
  bool tombstones_on_delete = true;
  // Operations not emitted: subset of 'c', 'u', 'd', 't'.
  std::string skipped_operations = "t";
  std::string decimal_handling_mode = "precise";
  std::string time_precision_mode = "adaptive";
  std::string binary_handling_mode = "bytes";
  std::string unavailable_value_placeholder = "__debezium_unavailable_value";
  bool provide_transaction_metadata = false;
  std::string transaction_topic;  // <topic.prefix>.<topic.transaction>
  int64_t max_batch_size = 2048;
  int64_t max_queue_size = 8192;
  int64_t poll_interval_ms = 500;
  int64_t status_update_interval_ms = 10000;
  int64_t retry_delay_ms = 10000;  // slot.retry.delay.ms: first reconnect backoff
  int64_t max_retries = 6;         // slot.max.retries: consecutive reconnect failures tolerated

  bool Skips(char op) const { return skipped_operations.find(op) != std::string::npos; }
  // Captured by schema/table include/exclude lists ("schema.table").
  bool IncludesTable(const std::string& schema, const std::string& table) const;
  // Column captured by column include/exclude lists ("schema.table.column").
  bool IncludesColumn(const std::string& schema, const std::string& table,
                      const std::string& column) const;
  // A logical decoding message with this prefix is captured (message.prefix.include/exclude).
  bool IncludesMessagePrefix(const std::string& prefix) const;
  // The message.key.columns override for the table, or nullptr.
  const std::vector<std::string>* KeyColumnsFor(const std::string& schema,
                                                const std::string& table) const;

  // InvalidConfig naming the key for missing/invalid values, bad regular expressions, both an
  // include and an exclude list for the same thing, or an unsupported plugin.name.
  static Result<PostgresCdcConfig> Parse(const ConfigMap& props);
};

}  // namespace tributary::connectors::pgcdc
