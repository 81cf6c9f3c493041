#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/metrics.h"
#include "runtime/api/record.h"
#include "runtime/api/status.h"

namespace tributary {

// Reads the offsets the worker stored for this connector (Connect's OffsetStorageReader).
class OffsetStorageReader {
 public:
  virtual ~OffsetStorageReader() = default;
  // The last committed offset of `partition`, or nullopt if none was stored.
  virtual std::optional<SourceMap> Offset(const SourceMap& partition) = 0;
};

class SourceTaskContext {
 public:
  virtual ~SourceTaskContext() = default;
  virtual const ConfigMap& configs() const = 0;
  virtual OffsetStorageReader& offset_storage_reader() = 0;
  // Where the task publishes metrics of its own (KIP-877's pluginMetrics()); callable from any
  // thread, valid until the task is destroyed. The default exports nothing.
  virtual MetricGroup& plugin_metrics() { return UnexportedMetricGroup::Instance(); }
  // For a task whose Poll does not block (SourceTask::PollBlocks() is false): its records are
  // ready, so the worker should call Poll soon. Callable from any thread, cheap, never blocks.
  virtual void RecordsReady() {}
};

// Reads from an outside system and hands records to the worker (Connect's SourceTask).
//
// Threading: Initialize, Start, Commit, CommitRecord and Stop are called from the task's thread,
// Poll from the task's poll thread, so that the worker sends one batch while the task prepares the
// next. Start returns before the first Poll and the last Poll returns before Stop, but Commit and
// CommitRecord may run while Poll does (as in Kafka Connect, where commitRecord is called from
// the producer's thread): state they share with Poll needs a lock or atomics. Poll must return
// within about a second even when nothing arrives, so that pause and stop take effect. A task
// whose PollBlocks() is false is polled on the task's thread instead (see there).
class SourceTask {
 public:
  virtual ~SourceTask() = default;

  virtual std::string Version() const = 0;
  void Initialize(SourceTaskContext* context) { context_ = context; }
  virtual Status Start(const ConfigMap& props) = 0;

  // The next records, or an empty vector if none are ready yet. A retriable Status is retried after
  // a backoff; any other error fails the task with the message as trace.
  virtual Result<std::vector<SourceRecord>> Poll() = 0;
  // Whether Poll waits for records (the default). A task whose records are handed to it by threads
  // of its own (a server) may return false: its Poll then never waits, it calls
  // context()->RecordsReady() whenever records become ready, and the worker polls it on the thread
  // that sends to Kafka rather than on a poll thread, which saves a thread hand-off per batch.
  virtual bool PollBlocks() const { return true; }

  // Called after the worker durably stored source offsets: those of the records acknowledged when
  // the write began (read them back through offset_storage_reader()). Records acknowledged while
  // the write ran are covered by a later Commit().
  virtual Status Commit() { return Status::Ok(); }
  // Called once per record when Kafka acknowledged it; `metadata` is nullptr when the record was
  // dropped (filtered by a transform, or skipped under errors.tolerance=all).
  virtual void CommitRecord(const SourceRecord& record, const RecordMetadata* metadata) {}

  virtual void Stop() = 0;

 protected:
  SourceTaskContext* context() const { return context_; }

 private:
  SourceTaskContext* context_ = nullptr;  // not owned; outlives the task
};

}  // namespace tributary
