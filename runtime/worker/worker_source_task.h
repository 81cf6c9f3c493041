#pragma once

#include <boost/container/deque.hpp>
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

#include "runtime/api/converter.h"
#include "runtime/api/source_task.h"
#include "runtime/errors/error_handling.h"
#include "runtime/kafka/kafka_client.h"
#include "runtime/storage/offset_storage.h"
#include "runtime/transforms/transformation_chain.h"
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
};

// Runs a SourceTask (Connect's WorkerSourceTask): poll, convert, produce; commit a source offset
// only when Kafka acknowledged that record and every earlier record of the same source partition.
//
// Threads: Poll runs on a poll thread of the task; conversion, sending, CommitRecord and Commit on
// the task thread, overlapping the next Poll.
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
  struct Submitted {
    SourceRecord record;
    PartitionQueue* queue = nullptr;  // nullptr: record without a source partition
    // The converted key and value. librdkafka reads them in place (no copy) until it reports
    // the delivery, so they live here until then.
    std::optional<std::string> key_bytes;
    std::optional<std::string> value_bytes;
    bool acked = false;
  };
  // Records in flight, in the order they were sent, per source partition. A deque keeps element
  // addresses stable under push_back/pop_front, so a Submitted* rides along as the message opaque.
  // The acknowledged prefix is released at once; its last offset waits in `committable` for the
  // next offset flush.
  // Submitted is a few hundred bytes: std::deque would allocate a block per element.
  using SubmittedQueue = boost::container::deque<
      Submitted, void, boost::container::deque_options_t<boost::container::block_size<128u>>>;
  struct PartitionQueue {
    SourceMap partition;
    SubmittedQueue records;
    std::optional<SourceMap> committable;
  };
  class Context;

  // On a thread of its own: polls the task and hands each batch to SendLoop, one at a time, so
  // that the task produces its next batch while the previous one is converted and sent.
  void PollLoop();
  // On the task thread: sends handed-over batches, serves delivery reports (CommitRecord) while
  // waiting for the next, and commits offsets. Returns when stopping or on a fatal error.
  Status SendLoop();
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  void HandleDelivery(const rd_kafka_message_t& message);
  Status SendRecords(std::vector<SourceRecord>& records);
  Status Send(SourceRecord record);
  Submitted* Track(SourceRecord record);
  // Marks a record that will not be sent (dropped by a transform, or its failure tolerated) as
  // done, so that its offset is committed in order (Connect: commitRecord(record, null)).
  void Skip(SourceRecord record);
  // A failure at `stage`: fails the task (error) or, when tolerated, reports and skips the record.
  Status HandleFailure(ErrorStage stage, const std::string& executing_class, const Status& error,
                       SourceRecord& record);
  // Releases the acknowledged prefix of `records`, remembering the newest offset in `queue`.
  static void ReleaseAcknowledged(SubmittedQueue& records, PartitionQueue* queue);
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
  KafkaHandle producer_;
  // The producer's main queue (delivery reports), to wake SendLoop's wait from PollLoop.
  rd_kafka_queue_t* main_queue_ = nullptr;
  // Topic handles by name: producing through a handle skips librdkafka's per-message topic lookup
  // (a lock and a hash probe). Released before the producer.
  std::map<std::string, rd_kafka_topic_t*, std::less<>> topics_;
  rd_kafka_topic_t* TopicHandle(const std::string& name);
  std::list<PartitionQueue> queues_;  // std::list: stable addresses
  PartitionQueue* last_queue_ = nullptr;
  SubmittedQueue unpartitioned_;  // records without source partition, until acknowledged
  std::unique_ptr<OffsetStorageWriter> writer_;
  std::unique_ptr<RetryWithToleranceOperator> errors_;
  Status fatal_;  // first permanent delivery failure, set from the delivery callback
  // PollLoop -> SendLoop handoff.
  std::mutex handoff_mutex_;
  std::condition_variable handoff_cv_;
  std::optional<std::vector<SourceRecord>> handoff_;  // the next batch to send
  Status poll_failure_;                               // a permanent Poll error
  bool handoff_closed_ = false;                       // SendLoop ended: PollLoop must end too
  int64_t in_flight_ = 0;
  bool started_ = false;
  std::set<std::string, std::less<>> reported_topics_;  // already passed to on_topic
};

}  // namespace tributary::runtime
