#pragma once

// PostgreSQL sink: runs Confluent JDBC sink configs (io.confluent.connect.jdbc.JdbcSinkConnector)
// against PostgreSQL through libpq, writing batches with COPY. See
// connectors/postgres_sink/README.md.

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "connectors/common/postgres.h"
#include "runtime/api/config_def.h"
#include "runtime/api/connector.h"
#include "runtime/api/plugin_info.h"
#include "runtime/api/sink_task.h"

namespace tributary::connectors::postgres_sink {

const ConfigDef& PostgresSinkConfigDef();

enum class InsertMode { kInsert, kUpsert, kUpdate };
enum class PkMode { kNone, kKafka, kRecordKey, kRecordValue };

// The parsed configuration.
struct PostgresSinkConfig {
  std::string connector_name;
  std::string conninfo;  // libpq keyword string
  InsertMode insert_mode = InsertMode::kInsert;
  PkMode pk_mode = PkMode::kNone;
  std::vector<std::string> pk_fields;
  std::set<std::string> fields_include;  // empty: all value fields
  std::string table_name_format = "${topic}";
  bool auto_create = false;
  bool auto_evolve = false;
  bool delete_enabled = false;
  int64_t max_retries = 10;
  int64_t retry_backoff_ms = 3000;
  bool quote_identifiers = true;
  std::string value_column = "record_value";
  bool exactly_once = false;
  pg::TableId offsets_table;
  // db.timezone; empty for UTC. Otherwise the session time zone, and Connect Timestamps are
  // written as local time of this zone into TIMESTAMP columns (as the JDBC sink binds them).
  std::string db_timezone;

  // InvalidConfig naming the key for bad or inconsistent values (e.g. delete.enabled without
  // pk.mode=record_key, upsert with pk.mode=none).
  static Result<PostgresSinkConfig> Parse(const ConfigMap& props);
};

class PostgresSinkConnector : public SinkConnector {
 public:
  static constexpr const char* kClassName = "io.confluent.connect.jdbc.JdbcSinkConnector";

  std::string Version() const override;
  const ConfigDef& Definition() const override { return PostgresSinkConfigDef(); }
  Status Start(const ConfigMap& props) override;
  Result<std::vector<ConfigMap>> TaskConfigs(int max_tasks) override;
  void Stop() override {}
  std::unique_ptr<SinkTask> CreateTask() const override;

 private:
  ConfigMap props_;
};

struct Column;
struct RunLayout;
struct PreparedRun;
struct PreparedWrite;

// Runs functions one at a time, in order, on one thread that lives as long as the object (started
// by the first Run). A thread per write (std::async) cost more than its start-up: when a thread
// exits, jemalloc flushes its cache and returns pages to the kernel, and the following writes
// take page faults to get them back.
class WriteThread {
 public:
  WriteThread() = default;
  ~WriteThread();  // runs what was queued, then joins
  WriteThread(const WriteThread&) = delete;
  WriteThread& operator=(const WriteThread&) = delete;

  // Queues `write`; the future holds what it returns.
  std::future<Status> Run(std::function<Status()> write);

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable queued_;
  std::deque<std::packaged_task<Status()>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

// Writes the records of each Put in one transaction, as the JDBC sink commits each put(). In
// at-least-once mode the write runs on a thread of its own while the worker converts the next
// batch; Puts that arrive while it runs gather for the next write (up to kMaxGathered records;
// the Put that would pass the bound prepares the gathered write, then waits and starts it);
// Flush, PreCommit, Close, Stop and the first Put after it wait for it, so PreCommit reports only
// committed records, and a failed write's records are written again ahead of newer ones. Each
// write groups consecutive records with the same table, schemas and kind (row or tombstone) into
// runs, each written in key order; a run is one COPY (insert), or a COPY into a temporary table
// merged with INSERT … ON CONFLICT / UPDATE … FROM / DELETE … USING.
//
// Errors: connection loss and server restarts give a retriable Unavailable (Put: the batch of that
// Put is taken back so the worker redelivers it after retry.backoff.ms; Flush/PreCommit: nothing is
// committed and the buffer is kept) until max.retries consecutive failures, then a fatal error. A
// record the database rejects gives a fatal DataError naming its topic, partition, offset and the
// column.
//
// Exactly-once mode (exactly.once.enabled): the next offset of every partition written is stored
// in the offsets table in the same transaction as the rows; Open seeks to it, records below it are
// skipped, and PreCommit reports only what that table holds.
//
// Threading: the task's thread, and in at-least-once mode one write at a time on a thread of its
// own (WriteThread), during which only that write touches conn_, tables_, committed_ and writing_.
class PostgresSinkTask : public SinkTask {
 public:
  PostgresSinkTask();
  ~PostgresSinkTask() override;

  std::string Version() const override;
  Status Start(const ConfigMap& props) override;
  Status Open(const std::vector<TopicPartition>& partitions) override;
  Status Put(std::vector<SinkRecord>& records) override;
  Status Flush(const TopicPartitionOffsets& offsets) override;
  Result<TopicPartitionOffsets> PreCommit(const TopicPartitionOffsets& offsets) override;
  Status Close(const std::vector<TopicPartition>& partitions) override;
  void Stop() override;

  // At-least-once mode: the most records gathered in the buffer while a write is in flight.
  static constexpr size_t kMaxGathered = 50000;

  size_t buffered_for_test() const { return buffer_.size(); }
  void AwaitWriteForTest() {
    if (in_flight_.valid()) in_flight_.wait();
  }

 private:
  Status EnsureConnected();
  Status LoadOffsets();
  // Writes and commits the buffer in one transaction (with the offsets, exactly-once), then
  // empties it.
  Status WriteBuffer();
  // Writes and commits `records` in one transaction; on failure nothing is committed. The caller
  // empties `records` after a success (the background write's are freed once the next write
  // runs: freed at once, they held it back). isolate: every record alone behind a savepoint; a
  // record failing with a DataError goes to SinkTaskContext::ReportErrant and the others are
  // written.
  Status WriteBufferOnce(std::vector<SinkRecord>& records, bool isolate);
  // Splits `records` into runs, each in the order it is written, with the COPY text when
  // `render` (else WriteRun renders it while the server loads the first pieces). Reads only
  // config_: the task thread prepares the next write while one runs. The result points into
  // `records`.
  Result<PreparedWrite> Prepare(const std::vector<SinkRecord>& records, bool isolate,
                                bool render) const;
  // The transaction of WriteBufferOnce, for a prepared write.
  Status WritePrepared(PreparedWrite& write, bool isolate);
  // Runs `write` on write_thread_ over the buffer, which becomes writing_.
  void StartWrite(std::function<Status()> write);
  // Waits for the write in flight, if any. If it failed, its records return to the front of the
  // buffer; a DataError is then handled by writing them again with `isolate`. `clean`: whether a
  // write was in flight and succeeded (the buffer untouched).
  Status FinishWrite(bool* clean = nullptr);
  Status WriteRun(PreparedRun& run, int& stage_counter);
  Status EnsureTable(const pg::TableId& table, const RunLayout& layout);
  // Maps a retriable failure to a retriable status until max.retries is exceeded.
  Status CountFailure(Status status);
  std::string Q(const std::string& identifier) const;
  // A column's name as KnownTable keeps it: lower-cased when identifiers are not quoted.
  std::string ColumnKey(const std::string& name) const;

  PostgresSinkConfig config_;
  std::unique_ptr<pg::PgConnection> conn_;
  std::vector<SinkRecord> buffer_;
  // What the task knows of a table that exists.
  struct KnownTable {
    // Column name (ColumnKey) -> type OID (0 for a column the task made of a type that binary
    // COPY does not write).
    std::map<std::string, uint32_t> columns;
    // Upsert: whether an immediate, non-partial unique index covers exactly the key columns
    // (what INSERT … ON CONFLICT (key) needs); unknown until the first upsert.
    std::optional<bool> key_unique;
    // Upsert tries a plain COPY into the table first (fast when no key is there yet) unless a
    // recent try met a key already present: then the next `copy_skips` writes merge directly,
    // and each further miss doubles `copy_backoff` (up to 64).
    int copy_skips = 0;
    int copy_backoff = 1;
  };
  // Whether upsert may COPY `run` straight into `table`, going back to the merge on any failure.
  Result<bool> TryCopyFirst(const pg::TableId& table, const std::vector<const Column*>& key);
  std::map<pg::TableId, KnownTable> tables_;
  int retries_ = 0;
  // Exactly-once bookkeeping: next offset the database holds, and offsets to seek to.
  std::map<TopicPartition, int64_t> committed_;
  std::map<TopicPartition, int64_t> last_buffered_;
  std::set<TopicPartition> assigned_;
  std::set<TopicPartition> need_lookup_;
  // At-least-once mode: the records being written, that write, and the thread it runs on
  // (declared last: its destructor waits for the write, which uses the members above).
  std::vector<SinkRecord> writing_;
  std::future<Status> in_flight_;
  WriteThread write_thread_;
};

ConnectorPlugin PostgresSinkPlugin();

}  // namespace tributary::connectors::postgres_sink
