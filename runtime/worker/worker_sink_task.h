#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "runtime/api/converter.h"
#include "runtime/api/metrics.h"
#include "runtime/api/sink_task.h"
#include "runtime/errors/error_handling.h"
#include "runtime/kafka/kafka_client.h"
#include "runtime/transforms/transformation_chain.h"
#include "runtime/worker/task_error_metrics.h"
#include "runtime/worker/worker_task.h"

namespace tributary::runtime {

struct SinkTaskOptions {
  ConnectorTaskId id;
  ConfigMap task_config;
  std::unique_ptr<SinkTask> task;
  std::unique_ptr<Converter> key_converter;
  std::unique_ptr<Converter> value_converter;
  std::unique_ptr<HeaderConverter> header_converter;
  // Class names of the converters, for error reports and the DLQ headers.
  std::string key_converter_class;
  std::string value_converter_class;
  std::string header_converter_class;
  // Applied to every consumed record after conversion.
  TransformationChain transformations;
  ErrorHandlingConfig errors;  // errors.* (tolerance, retries, log, dead-letter queue)
  // librdkafka producer properties for the dead-letter queue producer (used when
  // errors.deadletterqueue.topic.name is set).
  std::map<std::string, std::string> dlq_producer_properties;
  // librdkafka consumer properties (bootstrap, security, overrides); the task adds group.id
  // (connect-<connector> unless overridden), manual commits and earliest reset.
  std::map<std::string, std::string> consumer_properties;
  std::vector<std::string> topics;  // `topics`, or empty when `topics_regex` is set
  std::string topics_regex;
  int max_batch = 500;  // Connect's consumer max.poll.records default
  std::chrono::milliseconds offset_flush_interval{60000};
  TaskStatusListener* listener = nullptr;  // not owned
  TargetState initial_state = TargetState::kStarted;
  // KIP-558: called on the task's thread once per topic this task consumes a record from
  // (the topic as consumed, before transforms). May be empty.
  std::function<void(const std::string& topic)> on_topic;
  // The task's metrics (labels connector and task), also handed to the task as plugin_metrics().
  // nullptr: nothing is exported.
  std::unique_ptr<MetricGroup> metrics;
};

// Runs a SinkTask (Connect's WorkerSinkTask): consume, convert, Put in batches; commit consumer
// offsets only for what the task says is durable (PreCommit, by default after Flush).
class WorkerSinkTask : public WorkerTask {
 public:
  explicit WorkerSinkTask(SinkTaskOptions options);
  ~WorkerSinkTask() override;

  // The task's librdkafka consumer configuration: options.consumer_properties with the task's
  // defaults added and the commit settings it relies on forced.
  static std::map<std::string, std::string> ConsumerProperties(const SinkTaskOptions& options);

 protected:
  Status Initialize() override;
  Status Execute() override;
  void Close() override;

 private:
  class Context;

  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void HandleRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  Status PollBatch();
  // The next message: a held one first, else from the consumer (waiting up to `timeout_ms`).
  rd_kafka_message_t* NextMessage(int timeout_ms);
  // While a batch waits for redelivery: polls the consumer, which keeps the group membership
  // alive and serves rebalances, and holds whatever it returns. (rd_kafka_poll may not be used:
  // the consumer queue it would serve can hold fetched messages.)
  void HoldFetched();
  Status ConvertAndBuffer(const rd_kafka_message_t& message);
  // Notes that `message` was delivered or skipped: its partition's next offset moves past it.
  void MarkConsumed(const rd_kafka_message_t& message);
  // A conversion or transform failure of `message`: fails the task (error) or, when tolerated,
  // reports it (log, DLQ) and marks the record as done.
  Status HandleFailure(ErrorStage stage, const std::string& executing_class, const Status& error,
                       const rd_kafka_message_t& message);
  // SinkTaskContext::ReportErrant: the record goes through the error handling (log, DLQ) as a
  // failure of the task's put; an error when not tolerated.
  Status ReportErrant(const SinkRecord& record, const Status& error);
  // Every consumed record (Put, dropped by a transform, or tolerated) counts as done once
  // everything before it was Put: pending offsets move into current_offsets_ after each
  // successful Put (or when nothing is waiting to be Put).
  void MergePendingOffsets();
  Status DeliverBatch();
  // PreCommit then a synchronous commit of what it returned, limited to `partitions` if given.
  Status CommitOffsets(const std::vector<TopicPartition>* only = nullptr);
  void ApplyRewindsAndPauses();
  void PauseAll(bool pause);

  SinkTaskOptions options_;
  std::unique_ptr<Context> context_;
  KafkaHandle consumer_;
  std::vector<SinkRecord> batch_;
  // Messages fetched before the partitions were paused for a redelivery, held for after it.
  std::deque<rd_kafka_message_t*> held_;
  std::set<TopicPartition> assignment_;
  std::set<std::string, std::less<>> reported_topics_;  // already passed to on_topic
  TopicPartitionOffsets current_offsets_;    // next offset after what was Put, per partition
  TopicPartitionOffsets committed_offsets_;  // what was last committed to Kafka
  TopicPartitionOffsets pending_offsets_;    // next offset after consumed records not yet Put
  // MarkConsumed's last entry of pending_offsets_ and its partition; null after any erase.
  int64_t* pending_slot_ = nullptr;
  const rd_kafka_topic_t* pending_slot_topic_ = nullptr;
  int32_t pending_slot_partition_ = -1;
  std::unique_ptr<RetryWithToleranceOperator> errors_;
  Status rebalance_error_;
  bool started_ = false;
  bool paused_for_retry_ = false;
  bool paused_by_target_ = false;
  // Connect's sink-task-metrics, updated once per batch or commit (never per record).
  struct Metrics {
    explicit Metrics(MetricGroup& group);
    Counter read_total;               // sink-record-read-total: records consumed
    Counter send_total;               // sink-record-send-total: records Put after transforms
    Counter commit_completion_total;  // offset-commit-completion-total: commits that succeeded
    TaskErrorMetrics errors;          // task-error-metrics, published per batch and at Close
  };
  // options_.metrics, or a group that exports nothing (tasks built without a registry, in tests).
  MetricGroup& metric_group_;
  Metrics metrics_;
};

}  // namespace tributary::runtime
