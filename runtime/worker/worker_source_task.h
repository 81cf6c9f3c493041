#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/api/converter.h"
#include "runtime/api/metrics.h"
#include "runtime/api/source_task.h"
#include "runtime/errors/error_handling.h"
#include "runtime/kafka/kafka_client.h"
#include "runtime/storage/offset_storage.h"
#include "runtime/transforms/transformation_chain.h"
#include "runtime/worker/task_error_metrics.h"
#include "runtime/worker/worker_task.h"

namespace tributary::runtime {

struct SourceTaskOptions {
  ConnectorTaskId id;
  ConfigMap task_config;
  std::unique_ptr<SourceTask> task;
  std::unique_ptr<Converter> key_converter;
  std::unique_ptr<Converter> value_converter;
  std::unique_ptr<HeaderConverter> header_converter;
  // Class names of the converters, for error reports.
  std::string key_converter_class;
  std::string value_converter_class;
  std::string header_converter_class;
  // Applied to every polled record before conversion; a dropped record counts as done.
  TransformationChain transformations;
  ErrorHandlingConfig errors;  // errors.* (tolerance, retries, log)
  // librdkafka producer properties (bootstrap, security, overrides); the task adds the delivery
  // guarantees itself (acks=all, idempotence, unlimited delivery timeout).
  std::map<std::string, std::string> producer_properties;
  OffsetBackingStore* offset_store = nullptr;     // not owned
  OffsetSerializer* offset_serializer = nullptr;  // not owned
  std::chrono::milliseconds offset_flush_interval{60000};
  std::chrono::milliseconds offset_flush_timeout{5000};
  std::chrono::milliseconds shutdown_timeout{5000};
  TaskStatusListener* listener = nullptr;  // not owned
  TargetState initial_state = TargetState::kStarted;
  // KIP-558: called on the task's thread once per topic Kafka first acknowledges a record of
  // this task for. May be empty.
  std::function<void(const std::string& topic)> on_topic;
  // The task's metrics (labels connector and task), also handed to the task as plugin_metrics().
  // nullptr: nothing is exported.
  std::unique_ptr<MetricGroup> metrics;
};

// Runs a SourceTask (Connect's WorkerSourceTask): poll, convert, produce; commit a source offset
// only when Kafka acknowledged that record and every earlier record of the same source partition.
//
// Threads: Poll runs on a poll thread of the task; conversion, sending, CommitRecord and Commit on
// the task thread, overlapping the next Poll. A task whose Poll never waits
// (SourceTask::PollBlocks() false) is polled on the task thread between sends instead.
//
// Delivery: the producer runs with acks=all, idempotence on and no delivery timeout, so a broker
// outage holds records in the producer (and blocks polling once its queue is full) instead of
// failing them; offsets do not advance meanwhile. A record Kafka rejects for good fails the task.
class WorkerSourceTask : public WorkerTask {
 public:
  explicit WorkerSourceTask(SourceTaskOptions options);
  ~WorkerSourceTask() override;

 protected:
  Status Initialize() override;
  Status Execute() override;
  void Close() override;

 private:
  struct PartitionQueue;
  struct Batch;
  // One record of a batch, from the time it is sent (or skipped) until it is released. Its
  // address rides along as the message opaque.
  struct Submitted {
    SourceRecord* record = nullptr;  // as the task produced it, in its batch
    Batch* batch = nullptr;
    PartitionQueue* queue = nullptr;  // nullptr: record without a source partition
    // The converted key and value. librdkafka reads them in place (no copy) until it reports
    // the delivery, so they live here until then; HandleDelivery frees them.
    std::optional<std::string> key_bytes;
    std::optional<std::string> value_bytes;
    bool acked = false;
  };
  // One batch returned by Poll. Its records stay where Poll put them (CommitRecord gets them from
  // here) and the whole batch is freed at once when its last record is released, so that
  // tracking a record in flight neither moves nor frees it on its own.
  struct Batch {
    std::vector<SourceRecord> records;
    std::vector<Submitted> submitted;  // submitted[i] tracks records[i]; never resized
    size_t unreleased = 0;             // records not released yet
    std::list<Batch>::iterator self;   // in batches_
  };
  // Records in flight of one source partition, in the order they were sent. The acknowledged
  // prefix is released at once, except its newest record with an offset: that one stays in
  // `committable` (keeping its batch) until the next offset flush reads the offset or a newer one
  // replaces it, so that no offset is copied or moved per record.
  struct PartitionQueue {
    SourceMap partition;
    std::deque<Submitted*> records;
    Submitted* committable = nullptr;
  };
  class Context;

  // On a thread of its own: polls the task and hands each batch to SendLoop, so that the task
  // produces its next batch while earlier ones are converted and sent. Frees the
  // released batches.
  void PollLoop();
  // On the task thread: sends handed-over batches, serves delivery reports (CommitRecord) while
  // waiting for the next, and commits offsets. Returns when stopping or on a fatal error.
  Status SendLoop();
  // SendLoop's poll of a task whose Poll never waits (SourceTask::PollBlocks() false): sets
  // `batch` unless the task has nothing, is paused or backs off after a retriable failure; an
  // error fails the task.
  Status PollOnSendThread(std::optional<std::vector<SourceRecord>>* batch);
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  void HandleDelivery(const rd_kafka_message_t& message);
  // Sends the records of `records` in order; returns early when stopping or on a fatal error.
  Status SendRecords(std::vector<SourceRecord> records);
  Status Send(Submitted* submitted);
  // Adds `submitted` to the queue of its source partition.
  void Track(Submitted* submitted);
  // Marks a record that will not be sent (dropped by a transform, or its failure tolerated) as
  // done, so that its offset is committed in order (Connect: commitRecord(record, null)).
  void Skip(Submitted* submitted);
  // A failure at `stage`: fails the task (error) or, when tolerated, reports and skips the record.
  Status HandleFailure(ErrorStage stage, const std::string& executing_class, const Status& error,
                       Submitted* submitted);
  // Releases the acknowledged prefix of the queue of `submitted` (just acknowledged or skipped),
  // remembering the newest offset in the queue.
  void ReleaseAcknowledged(Submitted* submitted);
  // Counts `submitted` as released; hands its batch to PollLoop to free with the last one.
  void Release(Submitted* submitted);
  // Hands the committable offset of every queue to the offset writer.
  Status CollectCommittableOffsets();
  // Collects and starts writing them in the background (a slow store never stalls producing).
  Status StartOffsetCommit();
  // Once a background write finished: SourceTask::Commit() on success, else logs the failure (the
  // offsets stay pending for the next commit).
  void FinishOffsetCommit();
  // Collects, writes and commits synchronously (on stop).
  Status CommitOffsetsNow();

  SourceTaskOptions options_;
  std::unique_ptr<Context> context_;
  // Declared before the producer: delivery reports point into them.
  std::list<Batch> batches_;          // std::list: stable addresses
  std::list<PartitionQueue> queues_;  // std::list: stable addresses
  PartitionQueue* last_queue_ = nullptr;
  KafkaHandle producer_;
  // The producer's main queue (delivery reports), to wake SendLoop's wait from PollLoop.
  rd_kafka_queue_t* main_queue_ = nullptr;
  // Topic handles by name: producing through a handle skips librdkafka's per-message topic lookup
  // (a lock and a hash probe). Released before the producer.
  std::map<std::string, rd_kafka_topic_t*, std::less<>> topics_;
  rd_kafka_topic_t* TopicHandle(const std::string& name);
  std::unique_ptr<OffsetStorageWriter> writer_;
  std::unique_ptr<RetryWithToleranceOperator> errors_;
  Status fatal_;  // first permanent delivery failure, set from the delivery callback
  // PollLoop -> SendLoop handoff.
  std::mutex handoff_mutex_;
  std::condition_variable handoff_cv_;
  // Batches polled and not sent yet, oldest first; at most kMaxBatchesAhead, so that back-pressure
  // from the producer reaches Poll.
  std::deque<std::vector<SourceRecord>> handoff_;
  // Batches whose records were all released, moved out of batches_: PollLoop frees them, so that
  // the task thread, the busier one, does not pay for destroying the records.
  std::list<Batch> released_batches_;
  Status poll_failure_;          // a permanent Poll error
  bool handoff_closed_ = false;  // SendLoop ended: PollLoop must end too
  // The task is polled by SendLoop (PollOnSendThread), without PollLoop; then only SendLoop's
  // thread uses the members below and released_batches_ is freed there.
  bool polls_on_send_thread_ = false;
  std::chrono::milliseconds poll_backoff_{};  // after a retriable Poll failure
  std::chrono::steady_clock::time_point next_poll_;
  int64_t in_flight_ = 0;
  bool started_ = false;
  std::set<std::string, std::less<>> reported_topics_;  // already passed to on_topic
  // Connect's source-task-metrics, updated once per batch (never per record).
  struct Metrics {
    explicit Metrics(MetricGroup& group);
    Counter poll_total;       // source-record-poll-total: records returned by Poll
    Counter write_total;      // source-record-write-total: records handed to the producer
    Gauge active_count;       // source-record-active-count: sent, not acknowledged yet
    TaskErrorMetrics errors;  // task-error-metrics, published per batch and at Close
  };
  // options_.metrics, or a group that exports nothing (tasks built without a registry, in tests).
  MetricGroup& metric_group_;
  Metrics metrics_;
  int64_t sent_in_batch_ = 0;  // records of the current batch handed to the producer
};

}  // namespace tributary::runtime
