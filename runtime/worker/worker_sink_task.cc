#include "runtime/worker/worker_sink_task.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

namespace tributary::runtime {

namespace {

constexpr auto kConsumerPoll = std::chrono::milliseconds(100);
constexpr auto kDefaultRedeliveryBackoff = std::chrono::milliseconds(300);

std::vector<TopicPartition> ToVector(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> result;
  for (int i = 0; i < list->cnt; ++i)
    result.push_back({list->elems[i].topic, list->elems[i].partition});
  return result;
}

TopicPartitionList ToList(const std::vector<TopicPartition>& partitions) {
  TopicPartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const auto& tp : partitions)
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
  return list;
}

}  // namespace

// The task's view of the worker. Requests are recorded and applied by the task loop between
// callbacks, on the task thread.
class WorkerSinkTask::Context : public SinkTaskContext {
 public:
  explicit Context(WorkerSinkTask& owner) : owner_(owner) {}
  const ConfigMap& configs() const override { return owner_.options_.task_config; }
  void Offset(const TopicPartition& partition, int64_t offset) override {
    rewinds[partition] = offset;
  }
  void Timeout(int64_t timeout_ms) override { timeout = std::chrono::milliseconds(timeout_ms); }
  std::vector<TopicPartition> Assignment() const override {
    return {owner_.assignment_.begin(), owner_.assignment_.end()};
  }
  void Pause(const std::vector<TopicPartition>& partitions) override {
    for (const auto& tp : partitions) {
      paused.insert(tp);
      pending_pause_changes = true;
    }
  }
  void Resume(const std::vector<TopicPartition>& partitions) override {
    for (const auto& tp : partitions) {
      paused.erase(tp);
      pending_pause_changes = true;
    }
  }
  void RequestCommit() override { commit_requested = true; }
  Status ReportErrant(const SinkRecord& record, const Status& error) override {
    return owner_.ReportErrant(record, error);
  }
  MetricGroup& plugin_metrics() override { return owner_.metric_group_; }

  TopicPartitionOffsets rewinds;
  std::set<TopicPartition> paused;
  bool pending_pause_changes = false;
  std::chrono::milliseconds timeout{-1};
  bool commit_requested = false;

 private:
  WorkerSinkTask& owner_;
};

WorkerSinkTask::Metrics::Metrics(MetricGroup& group)
    : read_total(group.AddCounter("kafka_connect_sink_task_metrics_sink_record_read_total",
                                  "Records the task consumed from Kafka since it started.")),
      send_total(group.AddCounter(
          "kafka_connect_sink_task_metrics_sink_record_send_total",
          "Records left after transformations and put to the task since it started.")),
      commit_completion_total(
          group.AddCounter("kafka_connect_sink_task_metrics_offset_commit_completion_total",
                           "Offset commits to Kafka that completed successfully.")),
      errors(group) {}

WorkerSinkTask::WorkerSinkTask(SinkTaskOptions options)
    : WorkerTask(options.id, options.listener, options.initial_state),
      options_(std::move(options)),
      metric_group_(options_.metrics ? *options_.metrics : UnexportedMetricGroup::Instance()),
      metrics_(metric_group_) {}

WorkerSinkTask::~WorkerSinkTask() {
  Stop();
  AwaitStop(std::chrono::hours(1));
}

std::map<std::string, std::string> WorkerSinkTask::ConsumerProperties(
    const SinkTaskOptions& options) {
  std::map<std::string, std::string> props = options.consumer_properties;
  props.try_emplace("group.id", "connect-" + options.id.connector);
  props.try_emplace("client.id", "connector-consumer-" + options.id.ToString());
  props.try_emplace("auto.offset.reset", "earliest");
  // librdkafka before 2.2 stops fetching for a whole second once the task's queue holds
  // queued.min.messages (100 000 by default): a ceiling of ~100 000 records/s per task, whatever
  // the sink's speed. Memory stays bounded by queued.max.messages.kbytes (64 MiB by default).
  props.try_emplace("queued.min.messages", "10000000");
  // Offsets are committed by us, only after the sink made the data durable.
  props["enable.auto.commit"] = "false";
  props["enable.auto.offset.store"] = "false";
  return props;
}

Status WorkerSinkTask::Initialize() {
  TRIBUTARY_ASSIGN_OR_RETURN(consumer_,
                             CreateKafkaHandle(RD_KAFKA_CONSUMER, ConsumerProperties(options_),
                                               [this](rd_kafka_conf_t* conf) {
                                                 rd_kafka_conf_set_opaque(conf, this);
                                                 rd_kafka_conf_set_rebalance_cb(
                                                     conf, &WorkerSinkTask::OnRebalance);
                                               }));
  rd_kafka_poll_set_consumer(consumer_.get());
  errors_ = std::make_unique<RetryWithToleranceOperator>(
      options_.errors, id().ToString(), [this](std::chrono::milliseconds d) { WaitFor(d); },
      [this] { return stopping(); });
  if (options_.errors.log_enable) {
    errors_->AddReporter(std::make_unique<LogReporter>(
        id().ToString(), options_.errors.log_include_messages, &errors_->metrics()));
  }
  if (!options_.errors.dlq_topic.empty()) {
    TRIBUTARY_ASSIGN_OR_RETURN(
        auto dlq, DeadLetterQueueReporter::Create(options_.errors, options_.dlq_producer_properties,
                                                  id().connector, id().task, &errors_->metrics()));
    errors_->AddReporter(std::move(dlq));
  }
  context_ = std::make_unique<Context>(*this);
  options_.task->Initialize(context_.get());
  started_ = true;
  TRIBUTARY_RETURN_IF_ERROR(
      options_.task->Start(options_.task_config).WithContext("sink task start"));

  std::vector<std::string> subscription = options_.topics;
  if (!options_.topics_regex.empty()) {
    // librdkafka treats a subscription starting with '^' as a regular expression.
    subscription = {options_.topics_regex.front() == '^' ? options_.topics_regex
                                                         : "^" + options_.topics_regex};
  }
  TopicPartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(subscription.size())));
  for (const auto& topic : subscription) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  return StatusFromKafkaError(rd_kafka_subscribe(consumer_.get(), list.get()), "subscribe");
}

Status WorkerSinkTask::Execute() {
  auto next_commit = std::chrono::steady_clock::now() + options_.offset_flush_interval;
  while (!stopping()) {
    metrics_.errors.Publish(errors_->metrics());
    if (!rebalance_error_.ok()) return rebalance_error_;
    ReportTargetStateIfChanged();
    if (paused() != paused_by_target_) {
      paused_by_target_ = paused();
      PauseAll(paused_by_target_ || paused_for_retry_);
    }
    ApplyRewindsAndPauses();

    if (!batch_.empty()) {
      // Redelivery of a batch the task could not take last time.
      WaitFor(context_->timeout.count() >= 0 ? context_->timeout : kDefaultRedeliveryBackoff);
      HoldFetched();
      if (stopping()) break;
      TRIBUTARY_RETURN_IF_ERROR(DeliverBatch());
    } else {
      TRIBUTARY_RETURN_IF_ERROR(PollBatch());
      TRIBUTARY_RETURN_IF_ERROR(DeliverBatch());
    }

    if (context_->commit_requested || std::chrono::steady_clock::now() >= next_commit) {
      context_->commit_requested = false;
      TRIBUTARY_RETURN_IF_ERROR(CommitOffsets());
      next_commit = std::chrono::steady_clock::now() + options_.offset_flush_interval;
    }
  }
  return rebalance_error_;
}

rd_kafka_message_t* WorkerSinkTask::NextMessage(int timeout_ms) {
  if (held_.empty()) return rd_kafka_consumer_poll(consumer_.get(), timeout_ms);
  rd_kafka_message_t* message = held_.front();
  held_.pop_front();
  return message;
}

void WorkerSinkTask::HoldFetched() {
  while (rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer_.get(), 0)) {
    held_.push_back(message);
  }
}

Status WorkerSinkTask::PollBatch() {
  rd_kafka_message_t* message = NextMessage(static_cast<int>(kConsumerPoll.count()));
  int count = 0;
  int64_t read = 0;  // records, not consumer events
  while (message != nullptr) {
    Status st;
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++read;
      st = ConvertAndBuffer(*message);
    } else if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      // Consumer errors are informational (librdkafka retries by itself) unless fatal.
      char reason[256];
      if (rd_kafka_fatal_error(consumer_.get(), reason, sizeof(reason)) !=
          RD_KAFKA_RESP_ERR_NO_ERROR) {
        st = Status::IoError(std::string("fatal consumer error: ") + reason);
      } else {
        spdlog::warn("{} Consumer error: {}", id().ToString(), rd_kafka_message_errstr(message));
      }
    }
    rd_kafka_message_destroy(message);
    if (!st.ok()) {
      metrics_.read_total.Increment(read);
      return st;
    }
    if (++count >= options_.max_batch || !rebalance_error_.ok()) break;
    message = NextMessage(0);
  }
  metrics_.read_total.Increment(read);
  return rebalance_error_;
}

Status WorkerSinkTask::ConvertAndBuffer(const rd_kafka_message_t& message) {
  SinkRecord record;
  record.topic = rd_kafka_topic_name(message.rkt);
  record.kafka_partition = message.partition;
  record.kafka_offset = message.offset;
  if (options_.on_topic && reported_topics_.find(record.topic) == reported_topics_.end()) {
    reported_topics_.insert(record.topic);
    options_.on_topic(record.topic);  // Connect records the consumed topic, before transforms
  }
  auto where = [&] {
    return "topic '" + record.topic + "' partition " + std::to_string(message.partition) +
           " offset " + std::to_string(message.offset);
  };
  std::optional<std::string_view> key;
  if (message.key) key = std::string_view(static_cast<const char*>(message.key), message.key_len);
  std::optional<std::string_view> value;
  if (message.payload)
    value = std::string_view(static_cast<const char*>(message.payload), message.len);

  auto k = errors_->ExecuteWithRetry(
      [&] { return options_.key_converter->ToConnectData(record.topic, key); });
  if (!k.ok()) {
    return HandleFailure(
        ErrorStage::kKeyConverter, options_.key_converter_class,
        k.status().WithContext("Failed to convert the key of the record at " + where()), message);
  }
  auto v = errors_->ExecuteWithRetry(
      [&] { return options_.value_converter->ToConnectData(record.topic, value); });
  if (!v.ok()) {
    return HandleFailure(
        ErrorStage::kValueConverter, options_.value_converter_class,
        v.status().WithContext("Failed to convert the value of the record at " + where()), message);
  }
  record.key_schema = std::move(k->schema);
  record.key = std::move(k->value);
  record.value_schema = std::move(v->schema);
  record.value = std::move(v->value);

  rd_kafka_timestamp_type_t ts_type;
  int64_t ts = rd_kafka_message_timestamp(&message, &ts_type);
  if (ts_type == RD_KAFKA_TIMESTAMP_CREATE_TIME) {
    record.timestamp = ts;
    record.timestamp_type = TimestampType::kCreateTime;
  } else if (ts_type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME) {
    record.timestamp = ts;
    record.timestamp_type = TimestampType::kLogAppendTime;
  }

  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name;
    const void* data;
    size_t size;
    for (size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &data, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      std::optional<std::string_view> bytes;
      if (data) bytes = std::string_view(static_cast<const char*>(data), size);
      auto h = options_.header_converter->ToConnectHeader(record.topic, name, bytes);
      if (!h.ok()) {
        return HandleFailure(
            ErrorStage::kHeaderConverter, options_.header_converter_class,
            h.status().WithContext("Failed to convert header '" + std::string(name) +
                                   "' of the record at " + where()),
            message);
      }
      record.headers.push_back({name, std::move(h->schema), std::move(h->value)});
    }
  }
  if (!options_.transformations.empty()) {
    std::string failed_class;
    Result<bool> keep = options_.transformations.Apply(record, record.kafka_offset, &failed_class);
    if (!keep.ok()) {
      return HandleFailure(
          ErrorStage::kTransformation, failed_class,
          keep.status().WithContext("Failed to transform the record at " + where()), message);
    }
    if (!*keep) {
      MarkConsumed(message);
      return Status::Ok();
    }
  }
  MarkConsumed(message);
  batch_.push_back(std::move(record));
  return Status::Ok();
}

void WorkerSinkTask::MarkConsumed(const rd_kafka_message_t& message) {
  // Messages come in runs from one partition: its entry is kept at hand rather than looked up
  // (a TopicPartition built and compared by topic name) for every record.
  if (pending_slot_ == nullptr || message.rkt != pending_slot_topic_ ||
      message.partition != pending_slot_partition_) {
    pending_slot_ =
        &pending_offsets_[TopicPartition{rd_kafka_topic_name(message.rkt), message.partition}];
    pending_slot_topic_ = message.rkt;
    pending_slot_partition_ = message.partition;
  }
  *pending_slot_ = std::max(*pending_slot_, message.offset + 1);
}

Status WorkerSinkTask::HandleFailure(ErrorStage stage, const std::string& executing_class,
                                     const Status& error, const rd_kafka_message_t& message) {
  ConsumedRecord consumed = ConsumedRecordFromMessage(message);
  ProcessingContext context;
  context.stage = stage;
  context.executing_class = executing_class;
  context.error = error;
  context.consumed = &consumed;
  TRIBUTARY_RETURN_IF_ERROR(errors_->HandleFailure(context));
  MarkConsumed(message);
  return Status::Ok();
}

Status WorkerSinkTask::ReportErrant(const SinkRecord& record, const Status& error) {
  // The record as Kafka holds it, converted back from what the task got (as Connect does for a
  // record it cannot map to the consumed one): the DLQ gets bytes a consumer can read.
  ConsumedRecord consumed;
  consumed.topic = record.topic;
  consumed.partition = record.kafka_partition.value_or(-1);
  consumed.offset = record.kafka_offset;
  consumed.timestamp = record.timestamp;
  if (auto key =
          options_.key_converter->FromConnectData(record.topic, record.key_schema, record.key);
      key.ok()) {
    consumed.key = std::move(*key);
  }
  if (auto value = options_.value_converter->FromConnectData(record.topic, record.value_schema,
                                                             record.value);
      value.ok()) {
    consumed.value = std::move(*value);
  }
  for (const Header& header : record.headers) {
    auto bytes = options_.header_converter->FromConnectHeader(record.topic, header.key,
                                                              header.schema, header.value);
    if (bytes.ok()) consumed.headers.emplace_back(header.key, std::move(*bytes));
  }
  ProcessingContext context;
  context.stage = ErrorStage::kTaskPut;
  auto task_class = options_.task_config.find("task.class");
  if (task_class == options_.task_config.end())
    task_class = options_.task_config.find("connector.class");
  if (task_class != options_.task_config.end()) context.executing_class = task_class->second;
  context.error = error;
  context.consumed = &consumed;
  context.errant = true;
  return errors_->HandleFailure(context);
}

void WorkerSinkTask::MergePendingOffsets() {
  for (const auto& [tp, offset] : pending_offsets_) {
    if (!assignment_.count(tp)) continue;
    auto& current = current_offsets_[tp];
    current = std::max(current, offset);
  }
  pending_offsets_.clear();
  pending_slot_ = nullptr;
}

Status WorkerSinkTask::DeliverBatch() {
  // Called after every poll, with no records too, as Connect does: a task that buffers or writes
  // in the background gets to finish its work when the topic falls quiet, not only at the next
  // offset commit.
  Status st = options_.task->Put(batch_);
  if (st.ok()) {
    metrics_.send_total.Increment(static_cast<int64_t>(batch_.size()));
    // By consumed position, not by record.topic, which a transform may have changed.
    MergePendingOffsets();
    batch_.clear();
    if (paused_for_retry_) {
      paused_for_retry_ = false;
      PauseAll(paused_by_target_);
    }
    return Status::Ok();
  }
  if (!st.retriable()) return st.WithContext("sink task put");
  spdlog::warn("{} Put failed, will redeliver {} records: {}", id().ToString(), batch_.size(),
               st.ToString());
  if (!paused_for_retry_) {
    paused_for_retry_ = true;
    PauseAll(true);  // keep the group alive without fetching more while we retry
  }
  return Status::Ok();
}

Status WorkerSinkTask::CommitOffsets(const std::vector<TopicPartition>* only) {
  TopicPartitionOffsets offsets;
  for (const auto& [tp, offset] : current_offsets_) {
    if (only && std::find(only->begin(), only->end(), tp) == only->end()) continue;
    offsets[tp] = offset;
  }
  if (offsets.empty()) return Status::Ok();
  // Records sent to the dead-letter queue must be there before their offsets are committed.
  TRIBUTARY_RETURN_IF_ERROR(errors_->Flush(std::chrono::milliseconds(30000)));
  Result<TopicPartitionOffsets> safe = options_.task->PreCommit(offsets);
  if (!safe.ok()) {
    if (safe.status().retriable()) {
      spdlog::warn("{} Offset commit skipped, sink not ready: {}", id().ToString(),
                   safe.status().ToString());
      return Status::Ok();
    }
    return safe.status().WithContext("sink task flush");
  }
  TopicPartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(safe->size())));
  for (const auto& [tp, offset] : *safe) {
    if (!assignment_.count(tp)) continue;
    auto committed = committed_offsets_.find(tp);
    if (committed != committed_offsets_.end() && committed->second == offset) continue;
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  }
  if (list->cnt == 0) return Status::Ok();
  rd_kafka_resp_err_t err = rd_kafka_commit(consumer_.get(), list.get(), /*async=*/0);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // Not fatal: the data is durable in the sink; the next commit covers it.
    spdlog::warn("{} Offset commit failed: {}", id().ToString(), rd_kafka_err2str(err));
    return Status::Ok();
  }
  for (int i = 0; i < list->cnt; ++i) {
    committed_offsets_[{list->elems[i].topic, list->elems[i].partition}] = list->elems[i].offset;
  }
  metrics_.commit_completion_total.Increment();
  return Status::Ok();
}

void WorkerSinkTask::ApplyRewindsAndPauses() {
  if (!context_->rewinds.empty()) {
    TopicPartitionList list(
        rd_kafka_topic_partition_list_new(static_cast<int>(context_->rewinds.size())));
    for (const auto& [tp, offset] : context_->rewinds) {
      if (!assignment_.count(tp)) continue;
      rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset =
          offset;
      current_offsets_[tp] = offset;
      pending_offsets_.erase(tp);
      pending_slot_ = nullptr;
    }
    context_->rewinds.clear();
    if (list->cnt > 0) {
      rd_kafka_error_t* error = rd_kafka_seek_partitions(consumer_.get(), list.get(), 5000);
      if (error) {
        spdlog::warn("{} Seek failed: {}", id().ToString(), rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
      }
    }
  }
  if (context_->pending_pause_changes) {
    context_->pending_pause_changes = false;
    PauseAll(paused_by_target_ || paused_for_retry_);
  }
}

void WorkerSinkTask::PauseAll(bool pause) {
  std::vector<TopicPartition> pause_list, resume_list;
  for (const auto& tp : assignment_) {
    (pause || context_->paused.count(tp) ? pause_list : resume_list).push_back(tp);
  }
  if (!pause_list.empty()) rd_kafka_pause_partitions(consumer_.get(), ToList(pause_list).get());
  if (!resume_list.empty()) rd_kafka_resume_partitions(consumer_.get(), ToList(resume_list).get());
}

void WorkerSinkTask::OnRebalance(rd_kafka_t*, rd_kafka_resp_err_t err,
                                 rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<WorkerSinkTask*>(opaque)->HandleRebalance(err, partitions);
}

void WorkerSinkTask::HandleRebalance(rd_kafka_resp_err_t err,
                                     rd_kafka_topic_partition_list_t* partitions) {
  const bool cooperative =
      std::strcmp(rd_kafka_rebalance_protocol(consumer_.get()), "COOPERATIVE") == 0;
  std::vector<TopicPartition> changed = ToVector(partitions);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_assign(consumer_.get(), partitions))
        rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(consumer_.get(), partitions);
    }
    assignment_.insert(changed.begin(), changed.end());
    spdlog::info("{} Partitions assigned: {}", id().ToString(), changed.size());
    Status st = options_.task->Open(changed);
    if (!st.ok() && rebalance_error_.ok()) rebalance_error_ = st.WithContext("sink task open");
    if (paused_by_target_ || paused_for_retry_) PauseAll(true);
    return;
  }
  // Revocation: commit what is durable for these partitions, then let the task release them.
  std::vector<TopicPartition> owned;
  for (const auto& tp : changed) {
    if (assignment_.count(tp)) owned.push_back(tp);
  }
  if (!owned.empty()) {
    std::erase_if(batch_, [&](const SinkRecord& r) {
      return std::find(owned.begin(), owned.end(), TopicPartition{r.topic, *r.kafka_partition}) !=
             owned.end();
    });
    std::erase_if(held_, [&](rd_kafka_message_t* m) {
      bool revoked =
          std::find(owned.begin(), owned.end(),
                    TopicPartition{rd_kafka_topic_name(m->rkt), m->partition}) != owned.end();
      if (revoked)
        rd_kafka_message_destroy(m);  // not delivered, not committed: the new owner reads it
      return revoked;
    });
    Status st = CommitOffsets(&owned);
    if (st.ok()) st = options_.task->Close(owned);
    if (!st.ok() && rebalance_error_.ok())
      rebalance_error_ = st.WithContext("partition revocation");
    for (const auto& tp : owned) {
      assignment_.erase(tp);
      current_offsets_.erase(tp);
      committed_offsets_.erase(tp);
      pending_offsets_.erase(tp);
      pending_slot_ = nullptr;
    }
  }
  if (cooperative) {
    if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(consumer_.get(), partitions))
      rd_kafka_error_destroy(e);
  } else {
    rd_kafka_assign(consumer_.get(), nullptr);
  }
}

void WorkerSinkTask::Close() {
  if (errors_) metrics_.errors.Publish(errors_->metrics());
  if (consumer_ && started_) {
    std::vector<TopicPartition> owned(assignment_.begin(), assignment_.end());
    batch_.clear();  // not Put: not committed, so consumed again after restart
    for (rd_kafka_message_t* message : held_) rd_kafka_message_destroy(message);
    held_.clear();
    Status st = CommitOffsets();
    if (!st.ok())
      spdlog::error("{} Final offset commit failed: {}", id().ToString(), st.ToString());
    st = options_.task->Close(owned);
    if (!st.ok()) spdlog::error("{} Closing partitions failed: {}", id().ToString(), st.ToString());
    assignment_.clear();
    current_offsets_.clear();
  }
  if (started_) options_.task->Stop();
  if (consumer_) {
    rd_kafka_consumer_close(consumer_.get());
    consumer_.reset();
  }
}

}  // namespace tributary::runtime
