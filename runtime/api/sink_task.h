#pragma once

#include <string>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/metrics.h"
#include "runtime/api/record.h"
#include "runtime/api/status.h"

namespace tributary {

// What a sink task may ask of the worker (Connect's SinkTaskContext). Call only from the task's
// thread, inside the SinkTask callbacks.
class SinkTaskContext {
 public:
  virtual ~SinkTaskContext() = default;
  virtual const ConfigMap& configs() const = 0;
  // Rewinds (or forwards) consumption of `partition` so that `offset` is the next record delivered.
  virtual void Offset(const TopicPartition& partition, int64_t offset) = 0;
  // After a retriable Put error, wait this long before delivering the same batch again.
  virtual void Timeout(int64_t timeout_ms) = 0;
  virtual std::vector<TopicPartition> Assignment() const = 0;
  virtual void Pause(const std::vector<TopicPartition>& partitions) = 0;
  virtual void Resume(const std::vector<TopicPartition>& partitions) = 0;
  // Asks for an offset commit (PreCommit) as soon as possible.
  virtual void RequestCommit() = 0;
  // Connect's ErrantRecordReporter: hands `record`, which the task cannot write because of `error`
  // (a type mismatch, a constraint violation), to the connector's error handling (errors.tolerance,
  // errors.log.*, the dead letter queue). Ok: the worker took the record over and the task goes on
  // without it; its offset may be committed once the worker has made the report durable. An error
  // (errors.tolerance=none, or the report could not be written): the task should fail with it.
  // The default, for contexts without error handling, returns `error`.
  virtual Status ReportErrant(const SinkRecord& record, const Status& error) { return error; }
  // Where the task publishes metrics of its own (KIP-877's pluginMetrics()); unlike the rest of
  // this class callable from any thread, valid until the task is destroyed. The default exports
  // nothing.
  virtual MetricGroup& plugin_metrics() { return UnexportedMetricGroup::Instance(); }
};

// Writes records from Kafka to an outside system (Connect's SinkTask).
//
// Threading: every method is called from the task's own thread, in the order Initialize, Start,
// Open, (Put | PreCommit | Open | Close)…, Close, Stop.
class SinkTask {
 public:
  virtual ~SinkTask() = default;

  virtual std::string Version() const = 0;
  void Initialize(SinkTaskContext* context) { context_ = context; }
  virtual Status Start(const ConfigMap& props) = 0;

  // The task now owns these partitions (after a rebalance or at start).
  virtual Status Open(const std::vector<TopicPartition>& partitions) { return Status::Ok(); }

  // Writes or buffers `records`. Called after every poll of the consumer, with no records when
  // none arrived (as in Kafka Connect), so that a task can write what it holds once the topic
  // falls quiet. A retriable error redelivers the same batch after the backoff set with
  // context()->Timeout() (default: errors.retry backoff); another error fails the task.
  // A task may move records out of `records` when it returns OK (the worker then drops the
  // batch); a failing Put must leave them as they were, for the redelivery.
  virtual Status Put(std::vector<SinkRecord>& records) = 0;

  // Makes everything given to Put up to `offsets` durable.
  virtual Status Flush(const TopicPartitionOffsets& offsets) { return Status::Ok(); }

  // The offsets safe to commit to Kafka. Default: Flush(offsets), then all of `offsets`.
  // Return fewer partitions (or lower offsets) when only part of the data is durable.
  virtual Result<TopicPartitionOffsets> PreCommit(const TopicPartitionOffsets& offsets) {
    TRIBUTARY_RETURN_IF_ERROR(Flush(offsets));
    return offsets;
  }

  // The task no longer owns these partitions; release their resources.
  virtual Status Close(const std::vector<TopicPartition>& partitions) { return Status::Ok(); }

  virtual void Stop() = 0;

 protected:
  SinkTaskContext* context() const { return context_; }

 private:
  SinkTaskContext* context_ = nullptr;  // not owned; outlives the task
};

}  // namespace tributary
