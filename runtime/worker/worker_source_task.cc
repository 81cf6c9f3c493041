#include "runtime/worker/worker_source_task.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <string_view>
#include <thread>
#include <utility>

namespace tributary::runtime {

namespace {

constexpr auto kIdleKafkaPoll = std::chrono::milliseconds(100);
constexpr auto kMinRetryBackoff = std::chrono::milliseconds(300);
constexpr auto kMaxRetryBackoff = std::chrono::milliseconds(60000);
// Batches PollLoop may hand over ahead of SendLoop. More than one made the file-source benchmark
// slower on a loaded 2-core machine (more records in flight, the poll thread competing with the
// task and librdkafka threads for the cores).
constexpr size_t kMaxBatchesAhead = 1;

std::string DescribeRecord(const SourceRecord& record) {
  std::string partition;
  for (const auto& [k, v] : record.source_partition) {
    partition += (partition.empty() ? "" : ", ") + k + "=" + v.DebugString();
  }
  return "record for topic '" + record.topic + "' from source partition {" + partition + "}";
}

}  // namespace

class WorkerSourceTask::Context : public SourceTaskContext {
 public:
  Context(const ConfigMap& configs, std::string connector, OffsetBackingStore& store,
          OffsetSerializer& serializer, MetricGroup& metrics)
      : configs_(configs), reader_(std::move(connector), store, serializer), metrics_(metrics) {}
  const ConfigMap& configs() const override { return configs_; }
  OffsetStorageReader& offset_storage_reader() override { return reader_; }
  MetricGroup& plugin_metrics() override { return metrics_; }
  // Ends SendLoop's wait for delivery reports, so that it polls a non-blocking task at once.
  void RecordsReady() override {
    if (main_queue != nullptr) rd_kafka_queue_yield(main_queue);
  }
  rd_kafka_queue_t* main_queue = nullptr;  // set before the task starts

 private:
  const ConfigMap& configs_;
  OffsetStorageReaderImpl reader_;
  MetricGroup& metrics_;
};

WorkerSourceTask::Metrics::Metrics(MetricGroup& group)
    : poll_total(group.AddCounter(
          "kafka_connect_source_task_metrics_source_record_poll_total",
          "Records the task returned from poll (before transformations) since it started.")),
      write_total(group.AddCounter(
          "kafka_connect_source_task_metrics_source_record_write_total",
          "Records left after transformations and handed to the producer since the task "
          "started.")),
      active_count(
          group.AddGauge("kafka_connect_source_task_metrics_source_record_active_count",
                         "Records sent to Kafka and not acknowledged yet (as of the last batch).")),
      errors(group) {}

WorkerSourceTask::WorkerSourceTask(SourceTaskOptions options)
    : WorkerTask(options.id, options.listener, options.initial_state),
      options_(std::move(options)),
      metric_group_(options_.metrics ? *options_.metrics : UnexportedMetricGroup::Instance()),
      metrics_(metric_group_) {}

WorkerSourceTask::~WorkerSourceTask() {
  // The thread must end before members it uses are destroyed.
  Stop();
  AwaitStop(std::chrono::hours(1));
}

Status WorkerSourceTask::Initialize() {
  std::map<std::string, std::string> props = options_.producer_properties;
  // The delivery guarantees are not negotiable: at-least-once with ordering per partition.
  props["acks"] = "all";
  props["enable.idempotence"] = "true";
  props["message.timeout.ms"] = "0";  // never give up on a record while the broker is away
  props.try_emplace("client.id", "connector-producer-" + id().ToString());
  // At most what the idempotent producer can have in flight (5 requests of batch.size, 1 MB):
  // records queued beyond that cannot be sent any sooner, and full batches that must wait for a
  // free request slot make librdkafka's broker thread spin (CDC events with schemas, ~3 KB each:
  // +50 % CPU on that thread with Connect's buffer.memory of 32 MiB). librdkafka's own default
  // (1 GiB) would also let a slow broker grow the worker by hundreds of MiB.
  props.try_emplace("queue.buffering.max.kbytes", "4096");
  TRIBUTARY_ASSIGN_OR_RETURN(
      producer_, CreateKafkaHandle(RD_KAFKA_PRODUCER, props, [this](rd_kafka_conf_t* conf) {
        rd_kafka_conf_set_opaque(conf, this);
        rd_kafka_conf_set_dr_msg_cb(conf, &WorkerSourceTask::OnDelivery);
      }));
  main_queue_ = rd_kafka_queue_get_main(producer_.get());
  writer_ = std::make_unique<OffsetStorageWriter>(id().connector, *options_.offset_store,
                                                  *options_.offset_serializer);
  errors_ = std::make_unique<RetryWithToleranceOperator>(
      options_.errors, id().ToString(), [this](std::chrono::milliseconds d) { WaitFor(d); },
      [this] { return stopping(); });
  if (options_.errors.log_enable) {
    errors_->AddReporter(std::make_unique<LogReporter>(
        id().ToString(), options_.errors.log_include_messages, &errors_->metrics()));
  }
  context_ = std::make_unique<Context>(options_.task_config, id().connector, *options_.offset_store,
                                       *options_.offset_serializer, metric_group_);
  context_->main_queue = main_queue_;
  options_.task->Initialize(context_.get());
  started_ = true;
  return options_.task->Start(options_.task_config).WithContext("source task start");
}

Status WorkerSourceTask::Execute() {
  // A task that never waits in Poll is polled by SendLoop itself: no poll thread, no hand-off.
  polls_on_send_thread_ = !options_.task->PollBlocks();
  poll_backoff_ = kMinRetryBackoff;
  if (polls_on_send_thread_) return SendLoop();
  std::thread poller([this] { PollLoop(); });
  Status st = SendLoop();
  {
    std::lock_guard lock(handoff_mutex_);
    handoff_closed_ = true;
  }
  handoff_cv_.notify_all();
  poller.join();  // Poll returns within about a second (SourceTask's contract)
  return st;
}

void WorkerSourceTask::PollLoop() {
  auto backoff = kMinRetryBackoff;
  while (!stopping()) {
    std::list<Batch> released;
    {
      std::lock_guard lock(handoff_mutex_);
      released.swap(released_batches_);
    }
    released.clear();  // here, not on the task thread
    if (paused()) {
      WaitFor(kIdleKafkaPoll);
      continue;
    }
    Result<std::vector<SourceRecord>> polled = options_.task->Poll();
    std::unique_lock lock(handoff_mutex_);
    if (handoff_closed_) return;  // not sent, so never committed: replayed after a restart
    if (!polled.ok()) {
      if (!polled.status().retriable()) {
        poll_failure_ = polled.status().WithContext("source task poll");
        return;
      }
      lock.unlock();
      spdlog::warn("{} Poll failed, retrying in {} ms: {}", id().ToString(), backoff.count(),
                   polled.status().ToString());
      WaitFor(backoff);
      backoff = std::min(backoff * 2, kMaxRetryBackoff);
      continue;
    }
    backoff = kMinRetryBackoff;
    if (polled->empty()) continue;
    metrics_.poll_total.Increment(static_cast<int64_t>(polled->size()));
    // Back-pressure from the producer reaches Poll through here.
    handoff_cv_.wait(lock,
                     [this] { return handoff_.size() < kMaxBatchesAhead || handoff_closed_; });
    if (handoff_closed_) return;
    handoff_.push_back(std::move(*polled));
    lock.unlock();
    rd_kafka_queue_yield(main_queue_);  // ends the sender's wait in rd_kafka_poll at once
  }
}

Status WorkerSourceTask::SendLoop() {
  auto next_commit = std::chrono::steady_clock::now() + options_.offset_flush_interval;
  while (!stopping()) {
    if (!fatal_.ok()) return fatal_;
    ReportTargetStateIfChanged();
    if (std::chrono::steady_clock::now() >= next_commit) {
      Status st = StartOffsetCommit();
      if (!st.ok())
        spdlog::error("{} Failed to commit offsets: {}", id().ToString(), st.ToString());
      next_commit = std::chrono::steady_clock::now() + options_.offset_flush_interval;
    }
    FinishOffsetCommit();
    std::optional<std::vector<SourceRecord>> batch;
    if (polls_on_send_thread_) {
      TRIBUTARY_RETURN_IF_ERROR(PollOnSendThread(&batch));
    } else {
      std::lock_guard lock(handoff_mutex_);
      if (!poll_failure_.ok()) return poll_failure_;
      if (!handoff_.empty()) {
        batch = std::move(handoff_.front());
        handoff_.pop_front();
      }
    }
    if (!batch) {
      // Serves delivery reports (and so CommitRecord) while waiting; a new batch ends the wait.
      // The wait ends by the next offset commit too, so that offsets of records acknowledged
      // while idle are committed on time rather than up to kIdleKafkaPoll late.
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_commit -
                                                               std::chrono::steady_clock::now());
      wait = std::clamp(wait, std::chrono::milliseconds(0), kIdleKafkaPoll);
      rd_kafka_poll(producer_.get(), static_cast<int>(wait.count()));
      metrics_.active_count.Set(in_flight_);
      continue;
    }
    handoff_cv_.notify_all();
    Status sent = SendRecords(std::move(*batch));
    metrics_.write_total.Increment(std::exchange(sent_in_batch_, 0));
    metrics_.errors.Publish(errors_->metrics());
    TRIBUTARY_RETURN_IF_ERROR(sent);
    rd_kafka_poll(producer_.get(), 0);  // serve delivery reports
    metrics_.active_count.Set(in_flight_);
  }
  return fatal_;
}

Status WorkerSourceTask::PollOnSendThread(std::optional<std::vector<SourceRecord>>* batch) {
  released_batches_.clear();  // nobody else frees them in this mode
  if (paused() || std::chrono::steady_clock::now() < next_poll_) return Status::Ok();
  Result<std::vector<SourceRecord>> polled = options_.task->Poll();
  if (!polled.ok()) {
    if (!polled.status().retriable()) return polled.status().WithContext("source task poll");
    // No sleeping here: delivery reports keep being served while the task backs off.
    spdlog::warn("{} Poll failed, retrying in {} ms: {}", id().ToString(), poll_backoff_.count(),
                 polled.status().ToString());
    next_poll_ = std::chrono::steady_clock::now() + poll_backoff_;
    poll_backoff_ = std::min(poll_backoff_ * 2, kMaxRetryBackoff);
    return Status::Ok();
  }
  poll_backoff_ = kMinRetryBackoff;
  if (polled->empty()) return Status::Ok();
  metrics_.poll_total.Increment(static_cast<int64_t>(polled->size()));
  *batch = std::move(*polled);
  return Status::Ok();
}

Status WorkerSourceTask::SendRecords(std::vector<SourceRecord> records) {
  if (records.empty()) return Status::Ok();
  Batch& batch = batches_.emplace_back();
  batch.self = std::prev(batches_.end());
  batch.records = std::move(records);
  batch.submitted.resize(batch.records.size());
  batch.unreleased = batch.records.size();
  for (size_t i = 0; i < batch.records.size(); ++i) {
    // Records not sent because of a stop are never committed: replayed after a restart.
    if (stopping()) return Status::Ok();
    Submitted* submitted = &batch.submitted[i];
    submitted->record = &batch.records[i];
    submitted->batch = &batch;
    // The last record's release may free the batch: nothing of it is touched after the loop.
    const bool last = i + 1 == batch.records.size();
    TRIBUTARY_RETURN_IF_ERROR(Send(submitted));
    if (!fatal_.ok()) return fatal_;
    if (last) break;
  }
  return Status::Ok();
}

Status WorkerSourceTask::Send(Submitted* submitted) {
  // CommitRecord and error reports get the record as the task produced it, before transforms (as
  // in Connect), so a chain that may change it works on a copy.
  const SourceRecord* record = submitted->record;
  std::optional<SourceRecord> transformed;
  if (!options_.transformations.empty()) {
    transformed = *submitted->record;
    std::string failed_class;
    Result<bool> keep = options_.transformations.Apply(*transformed, std::nullopt, &failed_class);
    if (!keep.ok()) {
      return HandleFailure(ErrorStage::kTransformation, failed_class, keep.status(), submitted);
    }
    if (!*keep) {
      Skip(submitted);
      return Status::Ok();
    }
    record = &*transformed;
  }
  const std::string& topic = record->topic;
  auto key = errors_->ExecuteWithRetry([&] {
    return options_.key_converter->FromConnectData(topic, record->key_schema, record->key);
  });
  if (!key.ok()) {
    return HandleFailure(
        ErrorStage::kKeyConverter, options_.key_converter_class,
        key.status().WithContext("Failed to convert the key of " + DescribeRecord(*record)),
        submitted);
  }
  auto value = errors_->ExecuteWithRetry([&] {
    return options_.value_converter->FromConnectData(topic, record->value_schema, record->value);
  });
  if (!value.ok()) {
    return HandleFailure(
        ErrorStage::kValueConverter, options_.value_converter_class,
        value.status().WithContext("Failed to convert the value of " + DescribeRecord(*record)),
        submitted);
  }
  rd_kafka_headers_t* headers = nullptr;
  if (!record->headers.empty()) {
    headers = rd_kafka_headers_new(record->headers.size());
    for (const Header& header : record->headers) {
      auto bytes = options_.header_converter->FromConnectHeader(topic, header.key, header.schema,
                                                                header.value);
      if (!bytes.ok()) {
        rd_kafka_headers_destroy(headers);
        return HandleFailure(ErrorStage::kHeaderConverter, options_.header_converter_class,
                             bytes.status().WithContext("Failed to convert header '" + header.key +
                                                        "' of " + DescribeRecord(*record)),
                             submitted);
      }
      rd_kafka_header_add(headers, header.key.data(), static_cast<ssize_t>(header.key.size()),
                          *bytes ? (*bytes)->data() : nullptr, *bytes ? (*bytes)->size() : 0);
    }
  }
  const int32_t partition = record->kafka_partition.value_or(RD_KAFKA_PARTITION_UA);
  const int64_t timestamp = record->timestamp.value_or(0);
  rd_kafka_topic_t* topic_handle = TopicHandle(record->topic);
  if (topic_handle == nullptr) {
    if (headers) rd_kafka_headers_destroy(headers);
    return Status::InvalidArgument(
        "Cannot send " + DescribeRecord(*record) +
        ": invalid topic name: " + rd_kafka_err2str(rd_kafka_last_error()));
  }
  Track(submitted);
  submitted->key_bytes = std::move(*key);
  submitted->value_bytes = std::move(*value);
  // A missing key or value is a Kafka null (nullptr), distinct from an empty one.
  auto& key_bytes = submitted->key_bytes;
  auto& value_bytes = submitted->value_bytes;
  const void* key_data = key_bytes ? key_bytes->data() : nullptr;
  const size_t key_size = key_bytes ? key_bytes->size() : 0;
  void* value_data = value_bytes ? value_bytes->data() : nullptr;
  const size_t value_size = value_bytes ? value_bytes->size() : 0;

  while (true) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_.get(), RD_KAFKA_V_RKT(topic_handle), RD_KAFKA_V_PARTITION(partition),
        // No copy: the bytes stay in `submitted` until delivered.
        RD_KAFKA_V_MSGFLAGS(0), RD_KAFKA_V_KEY(key_data, key_size),
        RD_KAFKA_V_VALUE(value_data, value_size), RD_KAFKA_V_TIMESTAMP(timestamp),
        RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(submitted), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;  // librdkafka now owns `headers`
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      // Back-pressure: wait for deliveries to free room rather than polling more records.
      rd_kafka_poll(producer_.get(), 10);
      if (stopping()) {
        if (headers) rd_kafka_headers_destroy(headers);
        return Status::Ok();  // not sent, so its offset is never committed: replayed on restart
      }
      continue;
    }
    if (headers) rd_kafka_headers_destroy(headers);
    return StatusFromKafkaError(err, "Failed to send " + DescribeRecord(*submitted->record));
  }
  ++in_flight_;
  ++sent_in_batch_;
  return Status::Ok();
}

namespace {

// The Java producer's partitioner (murmur2_random, CreateKafkaHandle's default) except on a topic
// with one partition, where there is nothing to choose: it hashed every key anyway (CDC keys are
// ~250 bytes of JSON).
int32_t Murmur2RandomUnlessSingle(const rd_kafka_topic_t* topic, const void* key, size_t key_size,
                                  int32_t partition_count, void* topic_opaque,
                                  void* message_opaque) {
  if (partition_count == 1) return 0;
  return rd_kafka_msg_partitioner_murmur2_random(topic, key, key_size, partition_count,
                                                 topic_opaque, message_opaque);
}

}  // namespace

rd_kafka_topic_t* WorkerSourceTask::TopicHandle(const std::string& name) {
  auto it = topics_.find(name);
  if (it != topics_.end()) return it->second;
  // The producer's topic settings; the partitioner replaced only while it is the default one.
  rd_kafka_topic_conf_t* conf = rd_kafka_default_topic_conf_dup(producer_.get());
  if (conf != nullptr) {
    char partitioner[64];
    size_t size = sizeof(partitioner);
    if (rd_kafka_topic_conf_get(conf, "partitioner", partitioner, &size) == RD_KAFKA_CONF_OK &&
        std::string_view(partitioner) == "murmur2_random") {
      rd_kafka_topic_conf_set_partitioner_cb(conf, &Murmur2RandomUnlessSingle);
    }
  }
  // Takes `conf` (also on failure).
  rd_kafka_topic_t* handle = rd_kafka_topic_new(producer_.get(), name.c_str(), conf);
  if (handle != nullptr) topics_.emplace(name, handle);
  return handle;
}

void WorkerSourceTask::Track(Submitted* submitted) {
  const SourceMap& partition = submitted->record->source_partition;
  if (partition.empty()) return;  // nothing to commit: released when acknowledged
  if (last_queue_ == nullptr || last_queue_->partition != partition) {
    last_queue_ = nullptr;
    for (PartitionQueue& queue : queues_) {
      if (queue.partition == partition) {
        last_queue_ = &queue;
        break;
      }
    }
    if (last_queue_ == nullptr) last_queue_ = &queues_.emplace_back(PartitionQueue{partition});
  }
  submitted->queue = last_queue_;
  last_queue_->records.push_back(submitted);
}

void WorkerSourceTask::Skip(Submitted* submitted) {
  Track(submitted);
  submitted->acked = true;
  options_.task->CommitRecord(*submitted->record, nullptr);
  ReleaseAcknowledged(submitted);
}

Status WorkerSourceTask::HandleFailure(ErrorStage stage, const std::string& executing_class,
                                       const Status& error, Submitted* submitted) {
  ProcessingContext context;
  context.stage = stage;
  context.executing_class = executing_class;
  context.error = error;
  context.source = submitted->record;
  TRIBUTARY_RETURN_IF_ERROR(errors_->HandleFailure(context));
  Skip(submitted);
  return Status::Ok();
}

void WorkerSourceTask::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  static_cast<WorkerSourceTask*>(opaque)->HandleDelivery(*message);
}

void WorkerSourceTask::HandleDelivery(const rd_kafka_message_t& message) {
  auto* submitted = static_cast<Submitted*>(message._private);
  --in_flight_;
  // librdkafka is done with the bytes. Freed here, on the thread that converted them, the
  // allocator's thread cache hands them to the next records; freed with their batch on the poll
  // thread, every buffer crossed threads and took jemalloc's slow paths on both.
  submitted->key_bytes.reset();
  submitted->value_bytes.reset();
  if (message.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (fatal_.ok()) {
      fatal_ =
          StatusFromKafkaError(message.err, "Kafka refused " + DescribeRecord(*submitted->record))
              .WithRetriable(false);
    }
    return;  // never acked: its offset (and every later one) stays uncommitted
  }
  submitted->acked = true;
  RecordMetadata metadata{rd_kafka_topic_name(message.rkt), message.partition, message.offset,
                          std::nullopt};
  if (options_.on_topic && reported_topics_.find(metadata.topic) == reported_topics_.end()) {
    reported_topics_.insert(metadata.topic);
    options_.on_topic(metadata.topic);
  }
  rd_kafka_timestamp_type_t ts_type;
  int64_t ts = rd_kafka_message_timestamp(&message, &ts_type);
  if (ts_type != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE) metadata.timestamp = ts;
  options_.task->CommitRecord(*submitted->record, &metadata);
  ReleaseAcknowledged(submitted);
}

void WorkerSourceTask::ReleaseAcknowledged(Submitted* submitted) {
  PartitionQueue* queue = submitted->queue;
  if (queue == nullptr) {
    Release(submitted);
    return;
  }
  auto& records = queue->records;
  while (!records.empty() && records.front()->acked) {
    Submitted* done = records.front();
    records.pop_front();
    // Only the newest offset of the released prefix matters.
    if (done->record->source_offset.empty()) {
      Release(done);
      continue;
    }
    if (queue->committable != nullptr) Release(queue->committable);
    queue->committable = done;
  }
}

void WorkerSourceTask::Release(Submitted* submitted) {
  Batch* batch = submitted->batch;
  if (--batch->unreleased != 0) return;
  std::lock_guard lock(handoff_mutex_);
  released_batches_.splice(released_batches_.end(), batches_, batch->self);
}

Status WorkerSourceTask::CollectCommittableOffsets() {
  rd_kafka_poll(producer_.get(), 0);
  for (PartitionQueue& queue : queues_) {
    if (queue.committable == nullptr) continue;
    TRIBUTARY_RETURN_IF_ERROR(
        writer_->Offset(queue.partition, queue.committable->record->source_offset));
    Release(queue.committable);
    queue.committable = nullptr;
  }
  return Status::Ok();
}

Status WorkerSourceTask::StartOffsetCommit() {
  TRIBUTARY_RETURN_IF_ERROR(CollectCommittableOffsets());
  writer_->StartFlush();
  return Status::Ok();
}

void WorkerSourceTask::FinishOffsetCommit() {
  std::optional<Status> flushed = writer_->TakeFlushResult();
  if (!flushed) return;
  Status st = flushed->ok() ? options_.task->Commit() : *flushed;
  if (!st.ok()) spdlog::error("{} Failed to commit offsets: {}", id().ToString(), st.ToString());
}

Status WorkerSourceTask::CommitOffsetsNow() {
  TRIBUTARY_RETURN_IF_ERROR(CollectCommittableOffsets());
  if (!writer_->HasPending()) return Status::Ok();
  TRIBUTARY_RETURN_IF_ERROR(writer_->Flush());
  return options_.task->Commit();
}

void WorkerSourceTask::Close() {
  if (errors_) metrics_.errors.Publish(errors_->metrics());
  if (started_) options_.task->Stop();
  if (producer_) {
    // Give in-flight records the shutdown budget to be acknowledged, then commit what was.
    rd_kafka_flush(producer_.get(), static_cast<int>(options_.shutdown_timeout.count()));
    Status st = CommitOffsetsNow();
    if (!st.ok())
      spdlog::error("{} Failed to commit offsets on stop: {}", id().ToString(), st.ToString());
    if (in_flight_ > 0) {
      spdlog::warn(
          "{} Stopping with {} records not acknowledged by Kafka; their offsets were not "
          "committed and they will be sent again after restart",
          id().ToString(), in_flight_);
      rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
      rd_kafka_poll(producer_.get(), 0);
    }
    if (main_queue_ != nullptr) rd_kafka_queue_destroy(main_queue_);
    main_queue_ = nullptr;
    for (auto& [name, handle] : topics_) rd_kafka_topic_destroy(handle);
    topics_.clear();
    producer_.reset();
  }
}

}  // namespace tributary::runtime
