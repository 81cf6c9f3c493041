#pragma once

// Debezium change events for PostgreSQL (reference/debezium-postgres.md §1): the key, the
// Envelope value (before, after, source, transaction, op, ts_ms, ts_us, ts_ns), the
// io.debezium.connector.postgresql.Source block, tombstones, truncate and logical-message events,
// heartbeats.
//
// The caller describes a table once (TableDescription -> TableSchemas, rebuilt whenever a Relation
// message changes it), then turns each decoded tuple or snapshot row into a row Struct and builds
// events from rows and a SourceInfo. Events come back as schema/value pairs ready for a
// SourceRecord; topics and offsets are the caller's business.
//
// Pure; TableSchemas is immutable after Create() and may be shared between threads.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/postgres_cdc/decoding/pg_types.h"
#include "connectors/postgres_cdc/decoding/pgoutput.h"
#include "connectors/postgres_cdc/decoding/replication_protocol.h"
#include "runtime/api/data.h"
#include "runtime/api/status.h"

namespace tributary::connectors::pgcdc {

// The Debezium release whose format we reproduce; source.version carries it.
inline constexpr const char* kDebeziumVersion = "3.6.1.Final";
inline constexpr const char* kConnectorName = "postgresql";
inline constexpr const char* kSourceSchemaName = "io.debezium.connector.postgresql.Source";
inline constexpr int32_t kEnvelopeVersion = 2;

// Envelope.Operation.
enum class Operation : char {
  kRead = 'r',
  kCreate = 'c',
  kUpdate = 'u',
  kDelete = 'd',
  kTruncate = 't',
  kMessage = 'm',
};

// source.snapshot (io.debezium.data.Enum).
enum class SnapshotMarker {
  kFalse,  // streaming (rendered "false")
  kTrue,
  kFirst,
  kFirstInDataCollection,
  kLastInDataCollection,
  kLast,
  kIncremental,
};
const char* SnapshotMarkerText(SnapshotMarker marker);

// Everything the source block says about one event.
struct SourceInfo {
  std::string version = kDebeziumVersion;
  std::string name;  // topic.prefix
  std::string db;    // database.dbname
  // Event time in Unix microseconds: the commit time from Begin while streaming, the database's
  // CURRENT_TIMESTAMP while snapshotting. ts_ms/ts_us/ts_ns are derived from it.
  int64_t ts_us = 0;
  SnapshotMarker snapshot = SnapshotMarker::kFalse;
  // source.sequence = ["<last_commit_lsn>","<lsn>"] (decimal; JSON null when absent).
  std::optional<Lsn> last_commit_lsn;
  std::string schema;  // "" for message events
  std::string table;   // "" for message events
  std::optional<int64_t> tx_id;
  std::optional<Lsn> lsn;
  std::optional<int64_t> xmin;
  std::optional<std::string> origin;
  std::optional<Lsn> origin_lsn;
};

// The io.debezium.connector.postgresql.Source schema (version 1, 16 fields in Debezium's order).
const SchemaPtr& SourceSchema();
// The `event.block` transaction schema (version 1): id, total_order, data_collection_order.
const SchemaPtr& TransactionBlockSchema();
// The source Struct for `info` (snapshot "false" is written as the value "false").
Value SourceValue(const SourceInfo& info);

// SourceValue() for a stream of events, cheaper when consecutive events differ only in their lsn
// (the events of one table in one transaction): the block of the previous call is copied and its
// lsn and sequence replaced instead of building all 16 fields again. Same values as
// SourceValue(info). One per thread (not thread-safe); the returned values may share storage
// with the cache (copy-on-write, as all Values).
class SourceBlockCache {
 public:
  Value Get(const SourceInfo& info);
  // Get() of the last call's SourceInfo with `lsn` as its lsn, for a caller that knows nothing
  // else differs (same table, transaction and origin): no SourceInfo built or compared. Requires
  // an earlier Get().
  Value GetWithLsn(Lsn lsn);

 private:
  // proto_ with info_'s lsn (and sequence).
  Value WithLsn() const;

  std::optional<SourceInfo> info_;  // what proto_ was built from (lsn: the last call's)
  Value proto_;
};

// The envelope's `transaction` block (provide.transaction.metadata=true); id is "<txId>:<lsn>".
struct TransactionBlock {
  std::string id;
  int64_t total_order = 0;            // 1-based position of the event in the transaction
  int64_t data_collection_order = 0;  // 1-based position among the events of this table
};

// One column of a captured table, in the order tuples and snapshot rows deliver them (the order
// of the Relation message's columns / of the SELECT list).
struct TableColumn {
  ColumnMapping mapping;  // mapping.column is the field name
  // False for a column left out by column.exclude.list or an unsupported type: it is skipped in
  // rows (still parsed into the key if it is a key column).
  bool included = true;
  bool key =
      false;  // part of the record key (primary key / replica identity or message.key.columns)
};

struct TableDescription {
  std::string topic_prefix;  // topic.prefix
  std::string schema;        // PostgreSQL schema (namespace)
  std::string table;
  std::vector<TableColumn> columns;
  char replica_identity = 'd';  // from the Relation message: 'd', 'n', 'f', 'i'
  std::string unavailable_value_placeholder = "__debezium_unavailable_value";
};

// What a SourceRecord needs. A tombstone has a null value and null value schema; an event without
// key (table without primary key, truncate) has a null key and null key schema.
struct ChangeEvent {
  SchemaPtr key_schema;
  Value key;
  SchemaPtr value_schema;
  Value value;
};

// The schemas of one table and the conversion of its rows.
class TableSchemas {
 public:
  // Builds `<prefix>.<schema>.<table>.Key` (key columns, required struct; none if there are no key
  // columns), `.Value` (included columns) and `.Envelope` (version 2). InvalidArgument for an
  // empty table name or duplicate column names.
  static Result<std::shared_ptr<const TableSchemas>> Create(TableDescription description);

  const TableDescription& description() const { return description_; }
  // `<prefix>.<schema>.<table>`: the default topic and the schema name prefix.
  const std::string& data_collection() const { return data_collection_; }
  const SchemaPtr& key_schema() const { return key_schema_; }  // null without key columns
  const SchemaPtr& value_schema() const { return value_schema_; }
  const SchemaPtr& envelope_schema() const { return envelope_schema_; }

  // A row Struct (value schema) from a pgoutput tuple with one column per table column.
  //   'n' -> null, or FallbackValue() for a NOT NULL column when `kind` is kKey (a key-only old
  //          tuple leaves non-key columns empty);
  //   'u' -> the column of `toast_source` (the old tuple of the same message, REPLICA IDENTITY
  //          FULL) when it has a value there, else UnavailableValue() with the placeholder;
  //   't' -> ConvertText(); 'b' -> DataError (binary mode is not supported).
  // DataError naming the table and column for a bad value or a column-count mismatch.
  Result<Value> RowFromTuple(const TupleData& tuple, OldTupleKind kind = OldTupleKind::kFull,
                             const TupleData* toast_source = nullptr) const;
  // A row Struct from text values (a snapshot SELECT in text mode), nullopt = SQL NULL.
  Result<Value> RowFromText(const std::vector<std::optional<std::string_view>>& row) const;
  // The key Struct taken from a row Struct built by this object; null without key columns.
  // Only for tables whose key columns are all included in the value (else use KeyFrom*()).
  Value KeyFromRow(const Value& row) const;
  // Whether every key column is included in the value, so that KeyFromRow() of a row gives what
  // KeyFrom*() of the tuple or text it was built from gives (same conversion of the same column).
  bool keys_in_value() const { return keys_in_value_; }
  // The key Struct straight from a tuple or text row (works for key columns left out of the
  // value); null without key columns. DataError for a bad key value.
  Result<Value> KeyFromTuple(const TupleData& tuple) const;
  Result<Value> KeyFromText(const std::vector<std::optional<std::string_view>>& row) const;

  // Envelope events. `before`/`after` are row Structs (or null values); `key` comes from
  // KeyFrom*(). `ts_ns` is the connector's processing time in Unix nanoseconds (ts_ms, ts_us are
  // derived). info.schema/table should name this table.
  ChangeEvent BuildEvent(Operation op, Value key, Value before, Value after, const SourceInfo& info,
                         int64_t ts_ns,
                         const std::optional<TransactionBlock>& transaction = std::nullopt) const;
  // The same with the source block already built (SourceValue() or SourceBlockCache::Get()).
  ChangeEvent BuildEvent(Operation op, Value key, Value before, Value after, Value source,
                         int64_t ts_ns,
                         const std::optional<TransactionBlock>& transaction = std::nullopt) const;
  // A truncate event: null key, envelope with only source, op "t", ts_*.
  ChangeEvent BuildTruncateEvent(
      const SourceInfo& info, int64_t ts_ns,
      const std::optional<TransactionBlock>& transaction = std::nullopt) const;
  // The tombstone following a delete: same key, null value and value schema.
  ChangeEvent BuildTombstone(Value key) const;

 private:
  TableSchemas() = default;
  Result<Value> ColumnValue(size_t index, const TupleColumn& column, OldTupleKind kind,
                            const TupleData* toast_source) const;
  // A Struct of `schema` whose field fields[i] (when >= 0) is column_value(i) for each table
  // column i. `count` is the number of values the input has ("a tuple" or "a row" in the
  // DataError when it is not the table's column count).
  template <class ColumnValueFn>
  Result<Value> BuildStruct(const SchemaPtr& schema, const std::vector<int>& fields, size_t count,
                            const char* input, ColumnValueFn column_value) const;
  // The value of column i of a text row (snapshot): nullopt is SQL NULL; DataError for a NULL in
  // a NOT NULL column when `not_null_checked`.
  Result<Value> TextValue(size_t i, const std::optional<std::string_view>& text,
                          bool not_null_checked) const;

  TableDescription description_;
  std::string data_collection_;
  SchemaPtr key_schema_;
  SchemaPtr value_schema_;
  SchemaPtr envelope_schema_;
  std::vector<int> value_field_;   // per table column: index in the value struct, or -1
  std::vector<int> key_field_;     // per table column: index in the key struct, or -1
  std::vector<int> key_in_value_;  // per key field: index in the value struct, or -1
  bool keys_in_value_ = false;
};

// message.key.columns: "<schema.table regex>:<col>,<col>;<regex>:<col>…". Each regex is matched
// against the whole "schema.table" (anchored, as Debezium does).
struct MessageKeyColumns {
  std::string table_regex;
  std::vector<std::string> columns;
};
// InvalidConfig naming the bad entry (missing ':', empty column list, invalid regex).
Result<std::vector<MessageKeyColumns>> ParseMessageKeyColumns(std::string_view config);
// The key columns configured for `schema`.`table` (first matching entry), or nullopt when none
// matches (then the primary key / replica identity decides).
std::optional<std::vector<std::string>> KeyColumnsFor(const std::vector<MessageKeyColumns>& config,
                                                      std::string_view schema,
                                                      std::string_view table);

// Logical decoding message event (op "m", topic `<prefix>.message`): key
// io.debezium.connector.postgresql.MessageKey {prefix}, value ...MessageValue {op, ts_ms, source,
// transaction, message {prefix, content}} (no ts_us/ts_ns, as in Debezium's code). `content` is
// bytes, or a string per binary.handling.mode (base64 / base64-url-safe / hex).
ChangeEvent BuildMessageEvent(const LogicalMessage& message, const SourceInfo& info, int64_t ts_ns,
                              BinaryHandlingMode binary_mode,
                              const std::optional<TransactionBlock>& transaction = std::nullopt);

// Heartbeat record (topic `__debezium-heartbeat.<prefix>`): key
// io.debezium.connector.common.ServerNameKey {serverName}, value
// io.debezium.connector.common.Heartbeat {ts_ms}.
ChangeEvent BuildHeartbeat(std::string_view topic_prefix, int64_t ts_ms);

}  // namespace tributary::connectors::pgcdc
