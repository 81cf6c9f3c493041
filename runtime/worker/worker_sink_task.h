#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "runtime/api/converter.h"
#include "runtime/api/sink_task.h"
#include "runtime/kafka/kafka_client.h"
#include "runtime/worker/worker_task.h"

namespace tributary::runtime {

struct SinkTaskOptions {
  ConnectorTaskId id;
  ConfigMap task_config;
  std::unique_ptr<SinkTask> task;
  std::unique_ptr<Converter> key_converter;
  std::unique_ptr<Converter> value_converter;
  std::unique_ptr<HeaderConverter> header_converter;
  // librdkafka consumer properties (bootstrap, security, overrides); the task adds group.id
  // (connect-<connector> unless overridden), manual commits and earliest reset.
  std::map<std::string, std::string> consumer_properties;
  std::vector<std::string> topics;  // `topics`, or empty when `topics_regex` is set
  std::string topics_regex;
  int max_batch = 500;  // Connect's consumer max.poll.records default
  std::chrono::milliseconds offset_flush_interval{60000};
  TaskStatusListener* listener = nullptr;  // not owned
  TargetState initial_state = TargetState::kStarted;
};

// Runs a SinkTask (Connect's WorkerSinkTask): consume, convert, Put in batches; commit consumer
// offsets only for what the task says is durable (PreCommit, by default after Flush).
class WorkerSinkTask : public WorkerTask {
 public:
  explicit WorkerSinkTask(SinkTaskOptions options);
  ~WorkerSinkTask() override;

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
  Status ConvertAndBuffer(const rd_kafka_message_t& message);
  Status DeliverBatch();
  // PreCommit then a synchronous commit of what it returned, limited to `partitions` if given.
  Status CommitOffsets(const std::vector<TopicPartition>* only = nullptr);
  void ApplyRewindsAndPauses();
  void PauseAll(bool pause);

  SinkTaskOptions options_;
  std::unique_ptr<Context> context_;
  KafkaHandle consumer_;
  std::vector<SinkRecord> batch_;
  std::set<TopicPartition> assignment_;
  TopicPartitionOffsets current_offsets_;    // next offset after what was Put, per partition
  TopicPartitionOffsets committed_offsets_;  // what was last committed to Kafka
  Status rebalance_error_;
  bool started_ = false;
  bool paused_for_retry_ = false;
  bool paused_by_target_ = false;
};

}  // namespace tributary::runtime
