#pragma once

// DataGenSource: a source connector that generates realistic web page-view events, for demos,
// load tests and end-to-end checks (compare counts between systems). See README.md.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/connector.h"
#include "runtime/api/data.h"
#include "runtime/api/plugin_info.h"
#include "runtime/api/source_task.h"

namespace tributary::connectors::datagen {

inline constexpr const char* kTopicConfig = "topic";
inline constexpr const char* kRateConfig = "rate";
inline constexpr const char* kCountConfig = "count";
inline constexpr const char* kBatchSizeConfig = "batch.size";
inline constexpr const char* kSeedConfig = "seed";
// Set by the connector in each task config: the task's number, 0-based. Not meant for users.
inline constexpr const char* kTaskIndexConfig = "datagen.task.index";

// Source partition / offset field names.
inline constexpr const char* kTaskField = "task";
inline constexpr const char* kSeqField = "seq";

// The connector's ConfigDef (topic, rate, count, batch.size, seed).
const ConfigDef& DataGenConfigDef();

// The value schema of every record: struct tributary.connectors.datagen.PageView, version 1.
const SchemaPtr& PageViewSchema();

// Time as the task sees it. The seam that lets tests drive rate limiting without sleeping.
class DataGenClock {
 public:
  virtual ~DataGenClock() = default;
  // Monotonic microseconds, for rate limiting.
  virtual int64_t NowMicros() = 0;
  // Wall-clock epoch milliseconds, for event_time.
  virtual int64_t WallMillis() = 0;
  // Blocks the calling thread for `micros`.
  virtual void SleepMicros(int64_t micros) = 0;
};

// The real clock (steady_clock, system_clock, this_thread::sleep_for). Thread-safe.
DataGenClock& SystemDataGenClock();

class DataGenSourceConnector : public SourceConnector {
 public:
  static constexpr const char* kClassName = "tributary.connectors.datagen.DataGenSourceConnector";

  std::string Version() const override;
  const ConfigDef& Definition() const override { return DataGenConfigDef(); }
  Status Start(const ConfigMap& props) override;
  // Splits `rate` and `count` (connector totals) across min(max_tasks, rate, count) tasks (0 counts
  // as unlimited), so that every task gets at least one record per second and one record to make.
  // Each config carries the task's share in `rate`/`count` and its number in datagen.task.index.
  Result<std::vector<ConfigMap>> TaskConfigs(int max_tasks) override;
  void Stop() override {}
  std::unique_ptr<SourceTask> CreateTask() const override;

 private:
  ConfigMap props_;
  int64_t rate_ = 0;
  int64_t count_ = 0;
};

// Generates page views for one task. In a task config, `rate` and `count` are this task's own.
// Record number n (0-based) carries source offset {"seq": n + 1}, the number of records this task
// has produced so far; on Start the task continues after the stored seq, so `count` holds across
// restarts. With `seed` set, record n's content (all but event_time) depends only on seed, task
// and n, so a replay reproduces it.
//
// Threading: the task's thread only, as SourceTask says.
class DataGenSourceTask : public SourceTask {
 public:
  DataGenSourceTask() = default;

  std::string Version() const override;
  // InvalidConfig for bad configs, DataError for a stored offset that is not a non-negative
  // integer.
  Status Start(const ConfigMap& props) override;
  // Up to batch.size records, as many as the rate allows now. When none are due it sleeps until the
  // next one is (at most 500 ms) and may return an empty batch; once `count` records were made it
  // returns empty batches after a short sleep.
  Result<std::vector<SourceRecord>> Poll() override;
  void Stop() override {}

  // Replaces the clock (not owned; must outlive the task). Call before Poll.
  void SetClockForTest(DataGenClock* clock) { clock_ = clock; }
  // The number of records made so far, including those restored from the stored offset.
  int64_t next_seq() const { return next_seq_; }

 private:
  // How many records may be made now under the rate limit (waits a little if none).
  int64_t DueRecords();
  Result<SourceRecord> MakeRecord(int64_t seq);

  DataGenClock* clock_ = &SystemDataGenClock();
  std::string topic_;
  int64_t rate_ = 0;
  int64_t count_ = 0;
  int64_t batch_size_ = 1000;
  uint64_t seed_ = 0;
  int64_t task_index_ = 0;
  int64_t next_seq_ = 0;
  bool window_started_ = false;
  int64_t window_start_us_ = 0;  // when the current rate window began
  int64_t window_emitted_ = 0;   // records made since window_start_us_
};

ConnectorPlugin DataGenSourcePlugin();

}  // namespace tributary::connectors::datagen
