#pragma once

// PostgreSQL CDC source, Debezium-compatible: io.debezium.connector.postgresql.PostgresConnector
// configs, events, topics and offsets, read from a pgoutput logical replication slot through
// libpq. See README.md.

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "connectors/common/postgres.h"
#include "connectors/postgres_cdc/cdc_config.h"
#include "connectors/postgres_cdc/decoding/debezium_events.h"
#include "connectors/postgres_cdc/decoding/pgoutput.h"
#include "connectors/postgres_cdc/replication_connection.h"
#include "runtime/api/connector.h"
#include "runtime/api/plugin_info.h"
#include "runtime/api/source_task.h"

namespace tributary::connectors::pgcdc {

class PostgresCdcSourceConnector : public SourceConnector {
 public:
  static constexpr const char* kClassName = "io.debezium.connector.postgresql.PostgresConnector";

  std::string Version() const override;
  const ConfigDef& Definition() const override { return PostgresCdcConfigDef(); }
  Status Start(const ConfigMap& props) override;
  // Always exactly one task, whatever tasks.max says (as Debezium: one slot, one reader).
  Result<std::vector<ConfigMap>> TaskConfigs(int max_tasks) override;
  void Stop() override {}
  std::unique_ptr<SourceTask> CreateTask() const override;

 private:
  ConfigMap props_;
};

// Where the stream stands, in Debezium's offset terms. `lsn_commit` is where a restart starts
// (and what is confirmed to the slot once stored): the commit LSN of the transaction being read
// (the server re-sends a transaction whose commit record starts at or after the start point), or
// the end LSN of the last transaction read completely. `lsn`/`events_at_lsn` say how far into
// that transaction the events go (several changes can share one LSN).
struct StreamPosition {
  Lsn lsn_commit = 0;
  Lsn lsn = 0;
  int64_t events_at_lsn = 0;  // 0: no transaction in progress at this position
  int64_t tx_id = 0;
  int64_t ts_usec = 0;
  std::string message_type;  // INSERT, UPDATE, DELETE, TRUNCATE, MESSAGE, COMMIT
  SourceMap ToOffset() const;
};

// Reads one replication slot: an optional initial snapshot (exported from slot creation), then
// the stream. The offset of the last record of every batch lets a restart resume after the last
// stored change without losing or repeating changes (the streamed records before it in the batch
// carry none); the slot is confirmed (standby status update) only up to the
// `lsn_commit` of the offset the worker has stored (read back in Commit()).
//
// Errors: lost connections and server restarts are retried (reconnect with backoff, at most
// slot.max.retries consecutive failures); a missing slot or publication, bad values and
// unsupported messages fail the task.
//
// Threading: SourceTask's contract. Commit() only publishes the stored LSN (an atomic); Poll, which
// owns the connections, confirms it to the slot.
class PostgresCdcSourceTask : public SourceTask {
 public:
  PostgresCdcSourceTask();
  ~PostgresCdcSourceTask() override;
  std::string Version() const override;
  Status Start(const ConfigMap& props) override;
  Result<std::vector<SourceRecord>> Poll() override;
  Status Commit() override;
  void Stop() override;

  // The LSN last confirmed to the slot.
  Lsn confirmed_lsn_for_test() const { return confirmed_; }
  bool snapshot_running_for_test() const { return phase_ == Phase::kSnapshot; }

 private:
  enum class Phase { kSnapshot, kStreaming, kDone };
  struct CapturedTable {
    bool captured = false;
    std::shared_ptr<const TableSchemas> schemas;
  };
  struct SnapshotTable {
    uint32_t oid = 0;
    std::string schema;
    std::string table;
    double reltuples = 0;
  };
  struct PendingRow {
    size_t table = 0;
    std::vector<std::optional<std::string>> values;
    bool first_in_table = false;
  };

  Status ConnectSql();
  Status EnsurePublication(bool may_create);
  Result<std::vector<SnapshotTable>> ListCapturedTables();
  Result<std::shared_ptr<const TableSchemas>> DescribeTable(
      uint32_t oid, const std::string& schema, const std::string& table,
      const std::vector<RelationColumn>* stream_columns);
  Result<PgType> LoadType(uint32_t oid, int32_t modifier, int depth);

  Status BeginSnapshot(const std::string& snapshot_name, Lsn point);
  Status SnapshotStep(std::vector<SourceRecord>& out);
  Status EmitSnapshotRow(PendingRow row, bool last_in_table, bool final,
                         std::vector<SourceRecord>& out);
  Status StartStreaming();
  Status Reconnect();
  Status HandleMessage(const XLogData& data, std::vector<SourceRecord>& out);
  Status HandleChange(const PgoutputMessage& message, Lsn lsn, std::vector<SourceRecord>& out);
  // A message with `transactional` false (pg_logical_emit_message(false, …)): outside any
  // transaction, it moves the position to its own LSN.
  Status HandleNonTransactionalMessage(const LogicalMessage& message, Lsn lsn,
                                       std::vector<SourceRecord>& out);
  void MaybeHeartbeat(std::vector<SourceRecord>& out);
  Status SendStatus(bool reply_requested);
  void Disconnect();
  // A record of the change at `position_`, without an offset (remembers the position for
  // AttachOffset).
  SourceRecord MakeRecord(const std::string& topic, ChangeEvent event);
  // Gives the last record of `out` (a streamed batch) the offset of the position after its
  // change, unless it has one. The records before it carry none: the worker commits an offset
  // only once every record before it was acknowledged, so the batch's last offset covers them
  // (a restart replays from the last stored one, as it would from any of theirs), and building
  // a 7-entry map per record was ~8% of the CPU per change. A change's records are never split
  // between batches, so the offset is always at a change's end.
  void AttachOffset(std::vector<SourceRecord>& out) const;
  SourceInfo StreamSourceInfo(const TableSchemas& table) const;
  // source_blocks_.Get(StreamSourceInfo(table)) for relation `oid`, without building the
  // SourceInfo when the last block was of the same table, transaction and position_.lsn_commit
  // (no origin): then only its lsn differs.
  Value StreamSourceBlock(uint32_t oid, const TableSchemas& table);
  // source block of a logical decoding message (schema and table "").
  SourceInfo MessageSourceInfo(bool transactional) const;
  int64_t NowNanos() const;

  PostgresCdcConfig config_;
  TypeMappingOptions type_options_;
  SourceMap partition_;
  Phase phase_ = Phase::kStreaming;
  std::unique_ptr<pg::PgConnection> sql_;
  std::unique_ptr<ReplicationConnection> repl_;
  std::unique_ptr<ReplicationConnection> snapshot_exporter_;  // temporary slot, if used
  bool streaming_ = false;

  // Snapshot state.
  std::vector<SnapshotTable> snapshot_tables_;
  size_t snapshot_index_ = 0;
  bool cursor_open_ = false;
  int64_t table_rows_ = 0;
  int64_t snapshot_ts_us_ = 0;
  int64_t snapshot_tx_id_ = 0;
  Lsn snapshot_point_ = 0;
  std::shared_ptr<const TableSchemas> snapshot_schemas_;
  std::optional<PendingRow> pending_row_;
  bool first_snapshot_row_ = true;
  std::vector<std::shared_ptr<const TableSchemas>> snapshot_table_schemas_;
  // Debezium's snapshot metrics (MBean debezium.postgres:type=connector-metrics,context=snapshot,
  // server=<topic.prefix>) through plugin_metrics(), as debezium_postgres_snapshot_*; registered
  // when a snapshot begins (so, as in Debezium, absent when none ran since the task started) and
  // updated once per fetch.
  struct SnapshotMetrics {
    Gauge total_table_count;
    Gauge remaining_table_count;
    Gauge running;
    Gauge completed;
    Gauge duration_seconds;
    std::vector<Gauge> rows_scanned;    // per snapshot_tables_ entry
    std::vector<Gauge> rows_estimated;  // pg_class.reltuples, per snapshot_tables_ entry
  };
  SnapshotMetrics snapshot_metrics_;
  std::chrono::steady_clock::time_point snapshot_started_;
  void RegisterSnapshotMetrics();
  void UpdateSnapshotMetrics();

  // Streaming state.
  RelationCache relations_;
  std::unordered_map<uint32_t, CapturedTable> tables_;
  std::map<uint32_t, PgType> type_cache_;
  bool in_transaction_ = false;
  BeginMessage begin_;
  std::optional<OriginMessage> origin_;
  Lsn start_lsn_ = 0;
  StreamPosition position_;  // after the last change read
  // position_ when the last record was made: the offset Poll attaches to its batch's last record.
  StreamPosition record_position_;
  SourceBlockCache source_blocks_;  // source blocks of streamed events (Poll's thread)
  // What the last block of source_blocks_ was built from besides its lsn; `table` is held so
  // that its address cannot be reused by another table meanwhile.
  struct SourceBlockKey {
    std::shared_ptr<const TableSchemas> table;
    uint32_t xid = 0;
    int64_t commit_time = 0;
    Lsn lsn_commit = 0;
  };
  std::optional<SourceBlockKey> source_block_key_;
  bool has_position_ = false;
  // Resume: a transaction whose commit LSN equals resume_.lsn_commit was partly emitted before.
  std::optional<StreamPosition> resume_;
  bool skipping_transaction_ = false;
  // Transaction metadata.
  int64_t tx_total_order_ = 0;
  std::map<std::string, int64_t> tx_collection_order_;
  bool tx_begin_emitted_ = false;

  Lsn received_ = 0;   // highest LSN seen from the server
  Lsn confirmed_ = 0;  // highest LSN confirmed to the slot
  // lsn_commit of the stored offset, set by Commit() (task thread), confirmed by Poll.
  std::atomic<Lsn> stored_commit_lsn_{0};
  Lsn keepalive_end_ = 0;
  std::chrono::steady_clock::time_point next_status_;
  std::chrono::steady_clock::time_point next_heartbeat_;
  std::chrono::steady_clock::time_point next_reconnect_;
  int failures_ = 0;
  bool needs_reconnect_ = false;
};

ConnectorPlugin PostgresCdcSourcePlugin();

}  // namespace tributary::connectors::pgcdc
