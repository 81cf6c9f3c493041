// WorkerSourceTask and WorkerSinkTask against the embedded broker, with test doubles of the
// connector task interfaces.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>
#include <utility>

#include "runtime/converters/json_converter.h"
#include "runtime/converters/simple_header_converter.h"
#include "runtime/converters/string_converter.h"
#include "runtime/kafka/embedded_broker.h"
#include "runtime/transforms/builtin_transforms.h"
#include "runtime/transforms/transformation_chain.h"
#include "runtime/worker/plugins.h"
#include "runtime/worker/worker_sink_task.h"
#include "runtime/worker/worker_source_task.h"

namespace tributary::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// The transformation chain that connector properties `props` configure, from the built-in
// transformations and predicates.
Result<TransformationChain> BuiltinChain(const ConfigMap& props) {
  Plugins plugins;
  for (auto& plugin : BuiltinTransformations()) plugins.AddTransformation(std::move(plugin));
  return TransformationChain::Build(
      props, [&](const std::string& name) { return plugins.NewTransformation(name); },
      [&](const std::string& name) { return plugins.NewPredicate(name); });
}

bool WaitUntil(const std::function<bool()>& condition, milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

struct RecordingListener : TaskStatusListener {
  void OnTaskState(const ConnectorTaskId&, State s, const std::string& t) override {
    std::lock_guard lock(mutex);
    state = s;
    trace = t;
  }
  State Current() {
    std::lock_guard lock(mutex);
    return state;
  }
  std::mutex mutex;
  State state = State::kUnassigned;
  std::string trace;
};

// Emits `total` records numbered 0.., one source partition, offset {"n": i + 1}.
class CountingSourceTask : public SourceTask {
 public:
  explicit CountingSourceTask(int total, std::atomic<int>* committed_records)
      : total_(total), committed_records_(committed_records) {}
  std::string Version() const override { return "test"; }
  Status Start(const ConfigMap&) override { return Status::Ok(); }
  Result<std::vector<SourceRecord>> Poll() override {
    std::vector<SourceRecord> records;
    while (next_ < total_ && records.size() < 100) {
      SourceRecord r;
      r.topic = "numbers";
      r.value_schema = schemas::String();
      r.value = Value::String(std::to_string(next_));
      r.source_partition = {{"p", Value::String("only")}};
      r.source_offset = {{"n", Value::Int64(next_ + 1)}};
      records.push_back(std::move(r));
      ++next_;
    }
    if (records.empty()) std::this_thread::sleep_for(milliseconds(5));
    return records;
  }
  void CommitRecord(const SourceRecord& record, const RecordMetadata* metadata) override {
    if (metadata == nullptr) return;
    ++*committed_records_;
    std::lock_guard lock(mutex);
    last_record_topic = record.topic;
    last_written_topic = metadata->topic;
  }
  std::mutex mutex;
  std::string last_record_topic;
  std::string last_written_topic;
  void Stop() override {}

 private:
  int total_;
  int next_ = 0;
  std::atomic<int>* committed_records_;
};

class WorkerTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto broker = EmbeddedBroker::Start();
    ASSERT_TRUE(broker.ok());
    broker_ = std::move(*broker);
    ASSERT_TRUE(broker_->CreateTopic("numbers", 1).ok());
    auto json = std::make_unique<JsonConverter>();
    ASSERT_TRUE(json->Configure({{"schemas.enable", "false"}}, false).ok());
    serializer_ = std::make_unique<OffsetSerializer>(std::move(json));
  }

  std::unique_ptr<Converter> NewStringConverter(bool is_key) {
    auto c = std::make_unique<StringConverter>();
    EXPECT_TRUE(c->Configure({}, is_key).ok());
    return c;
  }

  // A worker source task of connector `connector` running `task` against the embedded broker,
  // with string converters and the fixture's offset store.
  std::unique_ptr<WorkerSourceTask> NewWorkerSourceTask(const std::string& connector,
                                                        std::unique_ptr<SourceTask> task,
                                                        TransformationChain chain,
                                                        milliseconds offset_flush_interval) {
    SourceTaskOptions o;
    o.id = {connector, 0};
    o.task = std::move(task);
    o.transformations = std::move(chain);
    o.key_converter = NewStringConverter(true);
    o.value_converter = NewStringConverter(false);
    o.header_converter = std::make_unique<SimpleHeaderConverter>();
    o.producer_properties = {{"bootstrap.servers", broker_->bootstrap_servers()}};
    o.offset_store = &store_;
    o.offset_serializer = serializer_.get();
    o.offset_flush_interval = offset_flush_interval;
    o.listener = &listener_;
    return std::make_unique<WorkerSourceTask>(std::move(o));
  }

  std::unique_ptr<WorkerSourceTask> NewSourceTask(int total, std::atomic<int>* acked,
                                                  TransformationChain chain = {},
                                                  CountingSourceTask** task_out = nullptr) {
    auto task = std::make_unique<CountingSourceTask>(total, acked);
    if (task_out) *task_out = task.get();
    return NewWorkerSourceTask("counting", std::move(task), std::move(chain), milliseconds(50));
  }

  // Runs a CountingSourceTask to completion: topic "numbers" holds "0".."n-1".
  void ProduceNumbers(int n) {
    std::atomic<int> acked{0};
    auto source = NewSourceTask(n, &acked);
    source->Start();
    ASSERT_TRUE(WaitUntil([&] { return acked.load() == n; }, seconds(30)));
    source->Stop();
    ASSERT_TRUE(source->AwaitStop(seconds(10)));
  }

  // Options for a sink task `name` reading topic "numbers" with string converters.
  SinkTaskOptions SinkOptions(const std::string& name, std::unique_ptr<SinkTask> task,
                              TaskStatusListener* listener) {
    SinkTaskOptions o;
    o.id = {name, 0};
    o.task = std::move(task);
    o.key_converter = NewStringConverter(true);
    o.value_converter = NewStringConverter(false);
    o.header_converter = std::make_unique<SimpleHeaderConverter>();
    // The embedded broker can hold a JoinGroup up to the rebalance timeout (max.poll.interval.ms,
    // 5 min by default) when a regex subscription rejoins mid-join: keep it short in tests.
    o.consumer_properties = {{"bootstrap.servers", broker_->bootstrap_servers()},
                             {"session.timeout.ms", "6000"},
                             {"max.poll.interval.ms", "10000"}};
    o.topics = {"numbers"};
    o.offset_flush_interval = milliseconds(50);
    o.listener = listener;
    return o;
  }

  int64_t CommittedN() {
    auto offset = OffsetStorageReaderImpl("counting", store_, *serializer_)
                      .Offset({{"p", Value::String("only")}});
    if (!offset) return -1;
    return offset->at("n").AsInteger().value_or(-1);
  }

  std::unique_ptr<EmbeddedBroker> broker_;
  MemoryOffsetBackingStore store_;
  std::unique_ptr<OffsetSerializer> serializer_;
  RecordingListener listener_;
};

TEST_F(WorkerTaskTest, SourceCommitsOffsetsOnlyAfterProducerAck) {
  // With the broker down nothing can be acknowledged, so no offset may be stored.
  ASSERT_TRUE(broker_->BrokerDown(1).ok());
  std::atomic<int> acked{0};
  auto task = NewSourceTask(500, &acked);
  task->Start();
  ASSERT_TRUE(WaitUntil([&] { return listener_.Current() == State::kRunning; }, seconds(10)));
  auto until = std::chrono::steady_clock::now() + milliseconds(1500);
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_EQ(CommittedN(), -1) << "offset committed without an acknowledgement";
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(acked.load(), 0);
  ASSERT_TRUE(broker_->BrokerUp(1).ok());
  ASSERT_TRUE(WaitUntil([&] { return CommittedN() == 500; }, seconds(30))) << CommittedN();
  EXPECT_EQ(acked.load(), 500);
  task->Stop();
  EXPECT_TRUE(task->AwaitStop(seconds(10)));
}

TEST_F(WorkerTaskTest, SourceCommitRecordGetsTheRecordBeforeTransforms) {
  auto chain =
      BuiltinChain({{"transforms", "route"},
                    {"transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter"},
                    {"transforms.route.regex", "numbers"},
                    {"transforms.route.replacement", "renamed"}});
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  std::atomic<int> acked{0};
  CountingSourceTask* counting = nullptr;
  auto task = NewSourceTask(10, &acked, std::move(*chain), &counting);
  task->Start();
  ASSERT_TRUE(WaitUntil([&] { return acked.load() == 10; }, seconds(30)));
  {
    std::lock_guard lock(counting->mutex);
    EXPECT_EQ(counting->last_record_topic, "numbers");   // as the task produced it
    EXPECT_EQ(counting->last_written_topic, "renamed");  // where Kafka stored it
  }
  task->Stop();
  EXPECT_TRUE(task->AwaitStop(seconds(10)));
}

TEST_F(WorkerTaskTest, SourceStopCommitsEverythingAcknowledged) {
  std::atomic<int> acked{0};
  auto task = NewSourceTask(300, &acked);
  task->Start();
  ASSERT_TRUE(WaitUntil([&] { return acked.load() == 300; }, seconds(30)));
  task->Stop();
  ASSERT_TRUE(task->AwaitStop(seconds(10)));
  EXPECT_EQ(CommittedN(), 300);
}

// Records what it is given, moving the records out of the batch as Put's contract allows (the
// worker's offsets must not depend on them); PreCommit reports only the offsets below
// `durable_limit` as safe.
class HoldingSinkTask : public SinkTask {
 public:
  std::string Version() const override { return "test"; }
  Status Start(const ConfigMap&) override { return Status::Ok(); }
  Status Put(std::vector<SinkRecord>& records) override {
    std::lock_guard lock(mutex);
    for (auto& r : records) {
      SinkRecord taken = std::move(r);
      values.push_back(taken.value.as_string());
    }
    return Status::Ok();
  }
  // Values received so far (the worker calls Put on its own thread).
  size_t Count() {
    std::lock_guard lock(mutex);
    return values.size();
  }
  Result<TopicPartitionOffsets> PreCommit(const TopicPartitionOffsets& offsets) override {
    TopicPartitionOffsets safe;
    for (const auto& [tp, offset] : offsets) safe[tp] = std::min<int64_t>(offset, durable_limit);
    return safe;
  }
  void Stop() override {}

  std::mutex mutex;
  std::vector<std::string> values;
  std::atomic<int64_t> durable_limit{0};
};

// Refuses the first `failures` batches with a retriable error, then behaves like HoldingSinkTask.
class FlakySinkTask : public HoldingSinkTask {
 public:
  explicit FlakySinkTask(int failures) : failures_(failures) {}
  Status Put(std::vector<SinkRecord>& records) override {
    if (failures_ > 0) {
      --failures_;
      context()->Timeout(20);
      return Status::Unavailable("database briefly away");
    }
    return HoldingSinkTask::Put(records);
  }

 private:
  int failures_;
};

int64_t CommittedOffset(const std::string& bootstrap, const std::string& group) {
  auto consumer =
      CreateKafkaHandle(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstrap}, {"group.id", group}});
  EXPECT_TRUE(consumer.ok());
  TopicPartitionList list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), "numbers", 0);
  EXPECT_EQ(rd_kafka_committed(consumer->get(), list.get(), 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  int64_t offset = list->elems[0].offset;
  rd_kafka_consumer_close(consumer->get());
  return offset;
}

TEST_F(WorkerTaskTest, SinkSubscribesByTopicsRegex) {
  ProduceNumbers(50);

  auto sink_task = std::make_unique<HoldingSinkTask>();
  HoldingSinkTask* sink = sink_task.get();
  RecordingListener sink_listener;
  SinkTaskOptions o = SinkOptions("regex", std::move(sink_task), &sink_listener);
  o.consumer_properties["topic.metadata.refresh.interval.ms"] = "500";
  o.topics.clear();
  o.topics_regex = "num.*";
  auto task = std::make_unique<WorkerSinkTask>(std::move(o));
  task->Start();
  EXPECT_TRUE(WaitUntil([&] { return sink->Count() == 50; }, seconds(60)));
  task->Stop();
  ASSERT_TRUE(task->AwaitStop(seconds(15)));
}

// Records a transform dropped count as consumed at the partition they were read from, also when
// an earlier transform renamed their topic.
TEST_F(WorkerTaskTest, SinkCommitsPastRecordsDroppedAfterARename) {
  ProduceNumbers(30);
  auto chain =
      BuiltinChain({{"transforms", "route,drop"},
                    {"transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter"},
                    {"transforms.route.regex", "numbers"},
                    {"transforms.route.replacement", "renamed"},
                    {"transforms.drop.type", "Filter"}});
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  auto sink_task = std::make_unique<HoldingSinkTask>();
  HoldingSinkTask* sink = sink_task.get();
  sink->durable_limit = 1000;
  RecordingListener sink_listener;
  SinkTaskOptions o = SinkOptions("dropped", std::move(sink_task), &sink_listener);
  o.transformations = std::move(*chain);
  auto task = std::make_unique<WorkerSinkTask>(std::move(o));
  task->Start();
  EXPECT_TRUE(WaitUntil(
      [&] { return CommittedOffset(broker_->bootstrap_servers(), "connect-dropped") == 30; },
      seconds(60)));
  task->Stop();
  ASSERT_TRUE(task->AwaitStop(seconds(15)));
  std::lock_guard lock(sink->mutex);
  EXPECT_TRUE(sink->values.empty());
}

// Counts the puts that came without records.
class EmptyPutCountingSinkTask : public HoldingSinkTask {
 public:
  Status Put(std::vector<SinkRecord>& records) override {
    if (records.empty()) ++empty_puts;
    return HoldingSinkTask::Put(records);
  }
  std::atomic<int> empty_puts{0};
};

// As in Connect, Put follows every poll, also when nothing arrived: a task that holds records
// (writing in the background, gathering) finishes them when the topic falls quiet, not only at
// the next offset commit.
TEST_F(WorkerTaskTest, SinkTaskIsPutToWhenTheTopicIsQuiet) {
  ProduceNumbers(50);
  auto sink_task = std::make_unique<EmptyPutCountingSinkTask>();
  EmptyPutCountingSinkTask* sink = sink_task.get();
  RecordingListener sink_listener;
  auto task =
      std::make_unique<WorkerSinkTask>(SinkOptions("quiet", std::move(sink_task), &sink_listener));
  task->Start();
  ASSERT_TRUE(WaitUntil([&] { return sink->Count() == 50; }, seconds(60)));
  const int before = sink->empty_puts.load();
  EXPECT_TRUE(WaitUntil([&] { return sink->empty_puts.load() >= before + 3; }, seconds(10)));
  task->Stop();
  ASSERT_TRUE(task->AwaitStop(seconds(15)));
}

TEST(WorkerSinkTaskConfigTest, ConsumerDefaultsYieldToTheWorkersPropertiesButCommitsStayManual) {
  SinkTaskOptions o;
  o.id = {"pg", 2};
  auto props = WorkerSinkTask::ConsumerProperties(o);
  EXPECT_EQ(props["group.id"], "connect-pg");
  EXPECT_EQ(props["client.id"], "connector-consumer-pg-2");
  EXPECT_EQ(props["auto.offset.reset"], "earliest");
  // Not librdkafka's 100 000, which pauses fetching for a second at a time under load.
  EXPECT_EQ(props["queued.min.messages"], "10000000");
  EXPECT_EQ(props["enable.auto.commit"], "false");

  o.consumer_properties = {
      {"queued.min.messages", "5000"}, {"group.id", "mine"}, {"enable.auto.commit", "true"}};
  props = WorkerSinkTask::ConsumerProperties(o);
  EXPECT_EQ(props["queued.min.messages"], "5000");
  EXPECT_EQ(props["group.id"], "mine");
  EXPECT_EQ(props["enable.auto.commit"], "false");
  EXPECT_EQ(props["enable.auto.offset.store"], "false");
}

TEST_F(WorkerTaskTest, SinkRedeliversAfterRetriableErrorsWithMessagesStillQueued) {
  ProduceNumbers(400);

  // Small batches leave most records fetched but undelivered while the task refuses a batch:
  // the retry wait must keep them (librdkafka aborts if they are served by rd_kafka_poll).
  auto sink_task = std::make_unique<FlakySinkTask>(5);
  HoldingSinkTask* sink = sink_task.get();
  sink->durable_limit = 400;
  RecordingListener sink_listener;
  SinkTaskOptions o = SinkOptions("flaky", std::move(sink_task), &sink_listener);
  o.max_batch = 20;
  auto task = std::make_unique<WorkerSinkTask>(std::move(o));
  task->Start();
  ASSERT_TRUE(WaitUntil([&] { return sink->Count() >= 400; }, seconds(30)));
  {
    std::lock_guard lock(sink->mutex);
    ASSERT_EQ(sink->values.size(), 400u);  // nothing lost, nothing twice
    for (int i = 0; i < 400; ++i) ASSERT_EQ(sink->values[i], std::to_string(i));
  }
  EXPECT_NE(sink_listener.Current(), State::kFailed) << sink_listener.trace;
  task->Stop();
  ASSERT_TRUE(task->AwaitStop(seconds(15)));
  EXPECT_EQ(CommittedOffset(broker_->bootstrap_servers(), "connect-flaky"), 400);
}

TEST_F(WorkerTaskTest, SinkCommitsOnlyWhatPreCommitReportsDurable) {
  ProduceNumbers(200);

  auto sink_task = std::make_unique<HoldingSinkTask>();
  HoldingSinkTask* sink = sink_task.get();
  sink->durable_limit = 120;
  RecordingListener sink_listener;
  SinkTaskOptions o = SinkOptions("holding", std::move(sink_task), &sink_listener);
  auto task = std::make_unique<WorkerSinkTask>(std::move(o));
  task->Start();
  ASSERT_TRUE(WaitUntil([&] { return sink->Count() == 200; }, seconds(30)));
  {
    std::lock_guard lock(sink->mutex);
    for (int i = 0; i < 200; ++i) ASSERT_EQ(sink->values[i], std::to_string(i));
  }
  task->Stop();
  ASSERT_TRUE(task->AwaitStop(seconds(15)));
  EXPECT_EQ(CommittedOffset(broker_->bootstrap_servers(), "connect-holding"), 120);
}

// Reports every record whose value is a multiple of 10 as errant; keeps the others.
class ErrantSinkTask : public HoldingSinkTask {
 public:
  Status Put(std::vector<SinkRecord>& records) override {
    std::vector<SinkRecord> good;
    for (auto& r : records) {
      if (std::stoi(r.value.as_string()) % 10 == 0) {
        TRIBUTARY_RETURN_IF_ERROR(
            context()->ReportErrant(r, Status::DataError("value " + r.value.as_string())));
      } else {
        good.push_back(r);
      }
    }
    return HoldingSinkTask::Put(good);
  }
};

// Reads every record of `topic` partition 0: value and the value of header `header`.
std::vector<std::pair<std::string, std::string>> ReadTopic(const std::string& bootstrap,
                                                           const std::string& topic, size_t count,
                                                           const std::string& header) {
  std::vector<std::pair<std::string, std::string>> out;
  auto consumer = CreateKafkaHandle(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstrap},
                                                        {"group.id", "reader-" + topic},
                                                        {"auto.offset.reset", "earliest"}});
  EXPECT_TRUE(consumer.ok());
  TopicPartitionList list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), 0)->offset =
      RD_KAFKA_OFFSET_BEGINNING;
  EXPECT_EQ(rd_kafka_assign(consumer->get(), list.get()), RD_KAFKA_RESP_ERR_NO_ERROR);
  auto deadline = std::chrono::steady_clock::now() + seconds(30);
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer->get(), 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string value(static_cast<const char*>(m->payload), m->len);
      std::string header_value;
      rd_kafka_headers_t* headers = nullptr;
      const void* data = nullptr;
      size_t size = 0;
      if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
          rd_kafka_header_get_last(headers, header.c_str(), &data, &size) ==
              RD_KAFKA_RESP_ERR_NO_ERROR) {
        header_value.assign(static_cast<const char*>(data), size);
      }
      out.emplace_back(std::move(value), std::move(header_value));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(consumer->get());
  return out;
}

TEST_F(WorkerTaskTest, SinkErrantRecordsGoToTheDeadLetterQueueAndCountAsHandled) {
  ProduceNumbers(50);
  ASSERT_TRUE(broker_->CreateTopic("numbers-dlq", 1).ok());

  auto sink_task = std::make_unique<ErrantSinkTask>();
  HoldingSinkTask* sink = sink_task.get();
  sink->durable_limit = 50;
  RecordingListener sink_listener;
  SinkTaskOptions o = SinkOptions("errant", std::move(sink_task), &sink_listener);
  o.errors.tolerance = ErrorTolerance::kAll;
  o.errors.dlq_topic = "numbers-dlq";
  o.errors.dlq_replication_factor = 1;
  o.errors.dlq_context_headers = true;
  o.dlq_producer_properties = {{"bootstrap.servers", broker_->bootstrap_servers()}};
  auto task = std::make_unique<WorkerSinkTask>(std::move(o));
  task->Start();
  ASSERT_TRUE(WaitUntil([&] { return sink->Count() == 45; }, seconds(30)));
  task->Stop();
  ASSERT_TRUE(task->AwaitStop(seconds(15)));
  EXPECT_NE(sink_listener.Current(), State::kFailed) << sink_listener.trace;
  EXPECT_EQ(CommittedOffset(broker_->bootstrap_servers(), "connect-errant"), 50);
  auto dlq = ReadTopic(broker_->bootstrap_servers(), "numbers-dlq", 5, "__connect.errors.stage");
  ASSERT_EQ(dlq.size(), 5u);
  for (size_t i = 0; i < dlq.size(); ++i) {
    EXPECT_EQ(dlq[i].first, std::to_string(i * 10));
    EXPECT_EQ(dlq[i].second, "TASK_PUT");
  }
}

TEST_F(WorkerTaskTest, SinkErrantRecordFailsTheTaskWithoutTolerance) {
  ProduceNumbers(5);
  auto sink_task = std::make_unique<ErrantSinkTask>();
  RecordingListener sink_listener;
  SinkTaskOptions o = SinkOptions("intolerant", std::move(sink_task), &sink_listener);
  auto task = std::make_unique<WorkerSinkTask>(std::move(o));
  task->Start();
  ASSERT_TRUE(WaitUntil([&] { return sink_listener.Current() == State::kFailed; }, seconds(30)));
  {
    std::lock_guard lock(sink_listener.mutex);
    EXPECT_NE(sink_listener.trace.find("value 0"), std::string::npos) << sink_listener.trace;
  }
  task->Stop();
  ASSERT_TRUE(task->AwaitStop(seconds(15)));
}

// Emits `total` records in batches of 7, cycling over source partitions {"p": "a"}, {"p": "b"}
// and none; the offset of a partition is {"n": records of that partition so far}.
class InterleavedSourceTask : public SourceTask {
 public:
  explicit InterleavedSourceTask(int total) : total_(total) {}
  std::string Version() const override { return "test"; }
  Status Start(const ConfigMap&) override { return Status::Ok(); }
  Result<std::vector<SourceRecord>> Poll() override {
    std::vector<SourceRecord> records;
    while (next_ < total_ && records.size() < 7) {
      SourceRecord r;
      r.topic = "numbers";
      r.value_schema = schemas::String();
      r.value = Value::String(std::to_string(next_));
      int which = next_ % 3;
      if (which < 2) {
        r.source_partition = {{"p", Value::String(which == 0 ? "a" : "b")}};
        r.source_offset = {{"n", Value::Int64(++per_partition_[which])}};
      }
      records.push_back(std::move(r));
      ++next_;
    }
    if (records.empty()) std::this_thread::sleep_for(milliseconds(5));
    return records;
  }
  void CommitRecord(const SourceRecord& record, const RecordMetadata* metadata) override {
    std::lock_guard lock(mutex);
    ++(metadata != nullptr ? acked : dropped);
    // The record is the one Poll returned, intact until CommitRecord.
    EXPECT_EQ(record.topic, "numbers");
    EXPECT_EQ(record.source_partition.empty(), record.source_offset.empty());
  }
  void Stop() override {}
  int Acked() {
    std::lock_guard lock(mutex);
    return acked;
  }
  int Dropped() {
    std::lock_guard lock(mutex);
    return dropped;
  }

 private:
  std::mutex mutex;
  int acked = 0;
  int dropped = 0;
  int total_;
  int next_ = 0;
  int per_partition_[2] = {0, 0};
};

class InterleavedSourceTest : public WorkerTaskTest {
 protected:
  std::unique_ptr<WorkerSourceTask> NewTask(InterleavedSourceTask** source,
                                            TransformationChain chain = {}) {
    auto task = std::make_unique<InterleavedSourceTask>(300);
    *source = task.get();
    return NewWorkerSourceTask("interleaved", std::move(task), std::move(chain), milliseconds(20));
  }
  int64_t Committed(const std::string& partition) {
    auto offset = OffsetStorageReaderImpl("interleaved", store_, *serializer_)
                      .Offset({{"p", Value::String(partition)}});
    if (!offset) return -1;
    return offset->at("n").AsInteger().value_or(-1);
  }
};

TEST_F(InterleavedSourceTest, SourceCommitsTheLastOffsetOfEachSourcePartitionAcrossBatches) {
  // 300 records: 100 per partition "a" and "b", 100 without a source partition, in batches that
  // each mix the three.
  InterleavedSourceTask* source = nullptr;
  auto task = NewTask(&source);
  task->Start();
  ASSERT_TRUE(
      WaitUntil([&] { return Committed("a") == 100 && Committed("b") == 100; }, seconds(30)))
      << Committed("a") << " " << Committed("b");
  EXPECT_EQ(source->Acked(), 300);
  EXPECT_EQ(source->Dropped(), 0);
  task->Stop();
  ASSERT_TRUE(task->AwaitStop(seconds(10)));
}

TEST_F(InterleavedSourceTest, SourceRecordsDroppedByATransformStillAdvanceTheOffset) {
  auto chain = BuiltinChain({{"transforms", "drop"}, {"transforms.drop.type", "Filter"}});
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  InterleavedSourceTask* source = nullptr;
  auto task = NewTask(&source, std::move(*chain));
  task->Start();
  ASSERT_TRUE(
      WaitUntil([&] { return Committed("a") == 100 && Committed("b") == 100; }, seconds(30)))
      << Committed("a") << " " << Committed("b");
  EXPECT_EQ(source->Dropped(), 300);
  EXPECT_EQ(source->Acked(), 0);
  task->Stop();
  ASSERT_TRUE(task->AwaitStop(seconds(10)));
}

// Returns one record, then blocks in Poll until CommitRecord acknowledged it (or 10 s pass).
class WaitsForAckSourceTask : public SourceTask {
 public:
  std::string Version() const override { return "test"; }
  Status Start(const ConfigMap&) override { return Status::Ok(); }
  Result<std::vector<SourceRecord>> Poll() override {
    std::vector<SourceRecord> records;
    if (!sent_) {
      sent_ = true;
      SourceRecord r;
      r.topic = "numbers";
      r.value_schema = schemas::String();
      r.value = Value::String("hello");
      records.push_back(std::move(r));
      return records;
    }
    std::unique_lock lock(mutex);
    if (first_wait_done) {
      cv.wait_for(lock, milliseconds(20));
      return records;
    }
    acked_during_poll = cv.wait_for(lock, seconds(10), [this] { return acked; });
    first_wait_done = true;
    return records;
  }
  void CommitRecord(const SourceRecord&, const RecordMetadata* metadata) override {
    std::lock_guard lock(mutex);
    acked = metadata != nullptr;
    cv.notify_all();
  }
  void Stop() override {}

  std::mutex mutex;
  std::condition_variable cv;
  bool acked = false;
  bool first_wait_done = false;
  bool acked_during_poll = false;  // within the first Poll after the record was sent

 private:
  bool sent_ = false;
};

TEST_F(WorkerTaskTest, SourceCommitRecordArrivesWhilePollWaits) {
  // A task that waits for its acknowledgements inside Poll (as the Snowplow collector's clients
  // wait for their answer) must get them without returning from Poll first.
  SourceTaskOptions o;
  o.id = {"waits", 0};
  auto task = std::make_unique<WaitsForAckSourceTask>();
  WaitsForAckSourceTask* source = task.get();
  o.task = std::move(task);
  o.key_converter = NewStringConverter(true);
  o.value_converter = NewStringConverter(false);
  o.header_converter = std::make_unique<SimpleHeaderConverter>();
  o.producer_properties = {{"bootstrap.servers", broker_->bootstrap_servers()}};
  o.offset_store = &store_;
  o.offset_serializer = serializer_.get();
  o.listener = &listener_;
  auto worker_task = std::make_unique<WorkerSourceTask>(std::move(o));
  worker_task->Start();
  ASSERT_TRUE(WaitUntil(
      [&] {
        std::lock_guard lock(source->mutex);
        return source->first_wait_done;
      },
      seconds(30)));
  {
    std::lock_guard lock(source->mutex);
    EXPECT_TRUE(source->acked_during_poll);
  }
  worker_task->Stop();
  ASSERT_TRUE(worker_task->AwaitStop(seconds(15)));
}

// Records are pushed to it from another thread (as the Snowplow collector's HTTP threads do); Poll
// never waits and the pusher calls RecordsReady() when the queue was empty.
class PushedSourceTask : public SourceTask {
 public:
  std::string Version() const override { return "test"; }
  Status Start(const ConfigMap&) override { return Status::Ok(); }
  bool PollBlocks() const override { return false; }
  Result<std::vector<SourceRecord>> Poll() override {
    std::lock_guard lock(mutex_);
    poll_thread_ = std::this_thread::get_id();
    ++polls_;
    return std::exchange(queue_, {});
  }
  void CommitRecord(const SourceRecord&, const RecordMetadata* metadata) override {
    std::lock_guard lock(mutex_);
    if (metadata != nullptr) ++acked_;
    commit_thread_ = std::this_thread::get_id();
  }
  void Stop() override {}

  void Push(int n) {
    bool was_empty;
    {
      std::lock_guard lock(mutex_);
      was_empty = queue_.empty();
      for (int i = 0; i < n; ++i) {
        SourceRecord r;
        r.topic = "numbers";
        r.value_schema = schemas::String();
        r.value = Value::String("pushed");
        queue_.push_back(std::move(r));
      }
    }
    if (was_empty) context()->RecordsReady();
  }
  int Acked() {
    std::lock_guard lock(mutex_);
    return acked_;
  }
  int Polls() {
    std::lock_guard lock(mutex_);
    return polls_;
  }
  bool PolledOnTheTaskThread() {
    std::lock_guard lock(mutex_);
    return poll_thread_ == commit_thread_;
  }

 private:
  std::mutex mutex_;
  std::vector<SourceRecord> queue_;
  int acked_ = 0;
  int polls_ = 0;
  std::thread::id poll_thread_;
  std::thread::id commit_thread_;
};

TEST_F(WorkerTaskTest, SourceWhosePollNeverWaitsIsPolledOnTheTaskThreadWhenWoken) {
  auto task = std::make_unique<PushedSourceTask>();
  PushedSourceTask* source = task.get();
  // Offsets are flushed rarely, so that only RecordsReady() ends the idle wait early.
  auto worker_task = NewWorkerSourceTask("pushed", std::move(task), {}, seconds(60));
  worker_task->Start();
  ASSERT_TRUE(WaitUntil([&] { return listener_.Current() == State::kRunning; }, seconds(10)));
  // Idle: the task is polled when the wait for delivery reports ends (every 100 ms at most),
  // not in a busy loop.
  const int polls_before = source->Polls();
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_LT(source->Polls() - polls_before, 50);
  // Each push is sent once the worker is woken: without the wake-up every round trip would wait
  // out the idle wait (100 ms), 3 s in all.
  const auto start = std::chrono::steady_clock::now();
  for (int i = 1; i <= 30; ++i) {
    const int expected = source->Acked() + i % 3 + 1;
    source->Push(i % 3 + 1);
    ASSERT_TRUE(WaitUntil([&] { return source->Acked() == expected; }, seconds(30)));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(2));
  EXPECT_TRUE(source->PolledOnTheTaskThread());
  worker_task->Stop();
  ASSERT_TRUE(worker_task->AwaitStop(seconds(15)));
}

// Emits one record per key of `keys` (string keys) to `topic`, once; remembers the partition
// Kafka acknowledged each one in.
class KeyedSourceTask : public SourceTask {
 public:
  KeyedSourceTask(std::string topic, std::vector<std::string> keys)
      : topic_(std::move(topic)), keys_(std::move(keys)) {}
  std::string Version() const override { return "test"; }
  Status Start(const ConfigMap&) override { return Status::Ok(); }
  Result<std::vector<SourceRecord>> Poll() override {
    std::vector<SourceRecord> records;
    if (sent_) {
      std::this_thread::sleep_for(milliseconds(5));
      return records;
    }
    sent_ = true;
    for (const std::string& key : keys_) {
      SourceRecord r;
      r.topic = topic_;
      r.key_schema = schemas::String();
      r.key = Value::String(key);
      r.value_schema = schemas::String();
      r.value = Value::String("v");
      records.push_back(std::move(r));
    }
    return records;
  }
  void CommitRecord(const SourceRecord& record, const RecordMetadata* metadata) override {
    if (metadata == nullptr) return;
    std::lock_guard lock(mutex_);
    partitions_[record.key.as_string()] = metadata->partition;
  }
  void Stop() override {}
  std::map<std::string, int32_t> Partitions() {
    std::lock_guard lock(mutex_);
    return partitions_;
  }

 private:
  std::string topic_;
  std::vector<std::string> keys_;
  bool sent_ = false;
  std::mutex mutex_;
  std::map<std::string, int32_t> partitions_;
};

TEST_F(WorkerTaskTest, SourceKeysChooseThePartitionAsKafkasJavaProducer) {
  // Kafka's Java producer: murmur2(key) & 0x7fffffff mod partitions. The hashes are the test
  // vectors of Kafka's UtilsTest.testMurmur2. A topic with one partition skips the hash.
  const std::map<std::string, int32_t> kMurmur2 = {{"21", -973932308},
                                                   {"foobar", -790332482},
                                                   {"a-little-bit-long-string", -985981536},
                                                   {"a-little-bit-longer-string", -1486304829},
                                                   {"abc", 479470107}};
  std::vector<std::string> keys;
  for (const auto& [key, hash] : kMurmur2) keys.push_back(key);
  ASSERT_TRUE(broker_->CreateTopic("keyed7", 7).ok());
  for (const auto& [topic, count] : {std::pair<std::string, int32_t>{"keyed7", 7},
                                     std::pair<std::string, int32_t>{"numbers", 1}}) {
    auto task = std::make_unique<KeyedSourceTask>(topic, keys);
    KeyedSourceTask* source = task.get();
    auto worker_task = NewWorkerSourceTask("keyed-" + topic, std::move(task), {}, seconds(60));
    worker_task->Start();
    ASSERT_TRUE(WaitUntil([&] { return source->Partitions().size() == keys.size(); }, seconds(30)));
    std::map<std::string, int32_t> partitions = source->Partitions();
    for (const auto& [key, hash] : kMurmur2) {
      EXPECT_EQ(partitions[key], static_cast<int32_t>((hash & 0x7fffffff) % count))
          << topic << " " << key;
    }
    worker_task->Stop();
    ASSERT_TRUE(worker_task->AwaitStop(seconds(15)));
  }
}

}  // namespace
}  // namespace tributary::runtime
