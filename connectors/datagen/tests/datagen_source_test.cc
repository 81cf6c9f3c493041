#include "connectors/datagen/datagen_source.h"

#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tributary::connectors::datagen {
namespace {

class FakeOffsetStorageReader : public OffsetStorageReader {
 public:
  std::optional<SourceMap> Offset(const SourceMap& partition) override {
    for (const auto& [p, o] : stored) {
      if (p == partition) return o;
    }
    return std::nullopt;
  }
  std::vector<std::pair<SourceMap, SourceMap>> stored;
};

class FakeSourceTaskContext : public SourceTaskContext {
 public:
  const ConfigMap& configs() const override { return configs_; }
  OffsetStorageReader& offset_storage_reader() override { return reader; }
  FakeOffsetStorageReader reader;

 private:
  ConfigMap configs_;
};

// Time that only moves when the task sleeps.
class FakeClock : public DataGenClock {
 public:
  int64_t NowMicros() override { return now_us; }
  int64_t WallMillis() override { return 1700000000000 + now_us / 1000; }
  void SleepMicros(int64_t micros) override {
    EXPECT_GE(micros, 0);
    max_sleep_us = std::max(max_sleep_us, micros);
    now_us += micros;
  }
  int64_t now_us = 1000000;
  int64_t max_sleep_us = 0;
};

class DataGenSourceTaskTest : public ::testing::Test {
 protected:
  Status StartTask(ConfigMap extra) {
    ConfigMap props = {{"topic", "pageviews"}, {"seed", "42"}};
    for (auto& [k, v] : extra) props[k] = v;
    task_.Initialize(&context_);
    task_.SetClockForTest(&clock_);
    return task_.Start(props);
  }

  FakeSourceTaskContext context_;
  FakeClock clock_;
  DataGenSourceTask task_;
};

TEST_F(DataGenSourceTaskTest, RecordsMatchThePageViewSchema) {
  ASSERT_TRUE(StartTask({{"rate", "0"}, {"batch.size", "500"}}).ok());
  auto records = task_.Poll();
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 500u);
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> event_ids;
  int null_referrers = 0;
  for (const SourceRecord& r : *records) {
    EXPECT_EQ(r.topic, "pageviews");
    ASSERT_TRUE(ValidateValue(r.value_schema, r.value).ok())
        << ValidateValue(r.value_schema, r.value).ToString();
    ASSERT_TRUE(ValidateValue(r.key_schema, r.key).ok());
    EXPECT_EQ(r.key_schema->type(), SchemaType::kString);
    const Struct& s = r.value.as_struct();
    EXPECT_EQ(r.key, *s.Get("user_id"));
    const std::string& id = s.Get("event_id")->as_string();
    EXPECT_TRUE(std::regex_match(id, uuid)) << id;
    event_ids.insert(id);
    EXPECT_EQ(s.Get("page_url")->as_string().rfind("https://shop.example.com/", 0), 0u);
    EXPECT_EQ(s.Get("country")->as_string().size(), 2u);
    EXPECT_GE(s.Get("duration_ms")->as_int32(), 0);
    EXPECT_EQ(s.Get("event_time")->as_int64(), *r.timestamp);
    if (s.Get("referrer")->is_null()) ++null_referrers;
  }
  EXPECT_EQ(event_ids.size(), 500u);
  EXPECT_GT(null_referrers, 0);
  EXPECT_LT(null_referrers, 500);

  const SchemaPtr& schema = PageViewSchema();
  ASSERT_EQ(schema->type(), SchemaType::kStruct);
  EXPECT_TRUE(schema->FindField("event_time")->schema->IsLogical(Timestamp::kLogicalName));
  EXPECT_EQ(schema->FindField("event_time")->schema->type(), SchemaType::kInt64);
  EXPECT_EQ(schema->FindField("duration_ms")->schema->type(), SchemaType::kInt32);
  EXPECT_TRUE(schema->FindField("referrer")->schema->optional());
  EXPECT_FALSE(schema->FindField("user_id")->schema->optional());
}

TEST_F(DataGenSourceTaskTest, OffsetsCountRecordsPerTask) {
  ASSERT_TRUE(StartTask({{"rate", "0"}, {"batch.size", "3"}, {"datagen.task.index", "2"}}).ok());
  auto records = task_.Poll();
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*records)[i].source_partition, (SourceMap{{"task", Value::Int64(2)}}));
    EXPECT_EQ((*records)[i].source_offset, (SourceMap{{"seq", Value::Int64(i + 1)}}));
  }
}

TEST_F(DataGenSourceTaskTest, CountAndBatchSizeAreHonoured) {
  ASSERT_TRUE(StartTask({{"rate", "0"}, {"count", "25"}, {"batch.size", "10"}}).ok());
  std::vector<size_t> sizes;
  for (int i = 0; i < 4; ++i) {
    auto batch = task_.Poll();
    ASSERT_TRUE(batch.ok());
    sizes.push_back(batch->size());
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{10, 10, 5, 0}));
  EXPECT_EQ(task_.next_seq(), 25);
}

TEST_F(DataGenSourceTaskTest, ResumesFromStoredSeqSoCountHoldsAcrossRestarts) {
  context_.reader.stored.push_back({{{"task", Value::Int64(0)}}, {{"seq", Value::Int64(20)}}});
  ASSERT_TRUE(StartTask({{"rate", "0"}, {"count", "25"}}).ok());
  auto batch = task_.Poll();
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->size(), 5u);
  EXPECT_EQ(batch->front().source_offset.at("seq").as_int64(), 21);
  EXPECT_EQ(batch->back().source_offset.at("seq").as_int64(), 25);
  auto done = task_.Poll();
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->empty());
}

TEST_F(DataGenSourceTaskTest, SeededRecordsAreReproducibleAcrossRestarts) {
  ASSERT_TRUE(StartTask({{"rate", "0"}, {"batch.size", "10"}}).ok());
  auto first = task_.Poll();
  ASSERT_TRUE(first.ok());

  // A restarted task that resumes at seq 5 makes the same records 6..10.
  DataGenSourceTask restarted;
  FakeSourceTaskContext context;
  context.reader.stored.push_back({{{"task", Value::Int64(0)}}, {{"seq", Value::Int64(5)}}});
  restarted.Initialize(&context);
  restarted.SetClockForTest(&clock_);
  ASSERT_TRUE(
      restarted.Start({{"topic", "pageviews"}, {"seed", "42"}, {"rate", "0"}, {"batch.size", "5"}})
          .ok());
  auto second = restarted.Poll();
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 5u);
  for (int i = 0; i < 5; ++i) {
    const Struct& a = (*first)[5 + i].value.as_struct();
    const Struct& b = (*second)[i].value.as_struct();
    EXPECT_EQ(*a.Get("event_id"), *b.Get("event_id"));
    EXPECT_EQ(*a.Get("page_url"), *b.Get("page_url"));
    EXPECT_EQ((*first)[5 + i].key, (*second)[i].key);
  }
}

TEST_F(DataGenSourceTaskTest, RateLimitsWithoutLongSleeps) {
  ASSERT_TRUE(StartTask({{"rate", "100"}}).ok());
  const int64_t start = clock_.now_us;
  int64_t total = 0;
  int polls = 0;
  while (clock_.now_us - start < 10 * 1000000) {
    auto batch = task_.Poll();
    ASSERT_TRUE(batch.ok());
    total += static_cast<int64_t>(batch->size());
    ASSERT_LT(++polls, 100000) << "Poll neither produced nor waited";
  }
  // 10 simulated seconds at 100 records/s.
  EXPECT_GE(total, 995);
  EXPECT_LE(total, 1001);
  EXPECT_LE(clock_.max_sleep_us, 500000);
}

TEST_F(DataGenSourceTaskTest, SlowRateNeverBlocksPollForLong) {
  ASSERT_TRUE(StartTask({{"rate", "1"}}).ok());
  int64_t total = 0;
  for (int i = 0; i < 20; ++i) {
    int64_t before = clock_.now_us;
    auto batch = task_.Poll();
    ASSERT_TRUE(batch.ok());
    total += static_cast<int64_t>(batch->size());
    EXPECT_LE(clock_.now_us - before, 1000000);
  }
  // 20 polls of at most 0.5 s each: about 10 s, so about 10 records.
  EXPECT_GE(total, 9);
  EXPECT_LE(total, 11);
}

TEST_F(DataGenSourceTaskTest, CatchUpAfterALongGapIsBounded) {
  ASSERT_TRUE(StartTask({{"rate", "50"}, {"batch.size", "1000"}}).ok());
  ASSERT_TRUE(task_.Poll().ok());
  clock_.now_us += 60 * 1000000;  // the worker was paused for a minute
  auto batch = task_.Poll();
  ASSERT_TRUE(batch.ok());
  EXPECT_LE(batch->size(), 50u);
}

TEST(DataGenRealClockTest, RateIsRespectedInRealTime) {
  DataGenSourceTask task;
  FakeSourceTaskContext context;
  task.Initialize(&context);
  ASSERT_TRUE(task.Start({{"topic", "t"}, {"rate", "100"}, {"count", "20"}}).ok());
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::seconds(10);
  size_t total = 0;
  while (total < 20 && std::chrono::steady_clock::now() < deadline) {
    auto poll_start = std::chrono::steady_clock::now();
    auto batch = task.Poll();
    ASSERT_TRUE(batch.ok());
    total += batch->size();
    EXPECT_LT(std::chrono::steady_clock::now() - poll_start, std::chrono::seconds(1));
  }
  EXPECT_EQ(total, 20u);
  // 20 records at 100/s cannot take much less than 0.2 s.
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(180));
}

TEST(DataGenSourceTaskConfigTest, RejectsBadConfigs) {
  DataGenSourceTask task;
  EXPECT_EQ(task.Start({{"rate", "5"}}).code(), StatusCode::kInvalidConfig);
  EXPECT_EQ(task.Start({{"topic", "t"}, {"rate", "-1"}}).code(), StatusCode::kInvalidConfig);
  EXPECT_EQ(task.Start({{"topic", "t"}, {"count", "lots"}}).code(), StatusCode::kInvalidConfig);
  EXPECT_EQ(task.Start({{"topic", "t"}, {"batch.size", "0"}}).code(), StatusCode::kInvalidConfig);
}

TEST(DataGenSourceTaskConfigTest, BadStoredOffsetIsADataError) {
  DataGenSourceTask task;
  FakeSourceTaskContext context;
  context.reader.stored.push_back({{{"task", Value::Int64(0)}}, {{"seq", Value::String("x")}}});
  task.Initialize(&context);
  EXPECT_EQ(task.Start({{"topic", "t"}}).code(), StatusCode::kDataError);
}

TEST(DataGenSourceConnectorTest, SplitsRateAndCountAcrossTasks) {
  DataGenSourceConnector connector;
  ASSERT_TRUE(connector.Start({{"topic", "t"}, {"rate", "10"}, {"count", "100"}}).ok());
  auto configs = connector.TaskConfigs(3);
  ASSERT_TRUE(configs.ok());
  ASSERT_EQ(configs->size(), 3u);
  std::vector<std::string> rates, counts, indexes;
  for (const auto& c : *configs) {
    rates.push_back(c.at("rate"));
    counts.push_back(c.at("count"));
    indexes.push_back(c.at("datagen.task.index"));
    EXPECT_EQ(c.at("topic"), "t");
  }
  EXPECT_EQ(rates, (std::vector<std::string>{"4", "3", "3"}));
  EXPECT_EQ(counts, (std::vector<std::string>{"34", "33", "33"}));
  EXPECT_EQ(indexes, (std::vector<std::string>{"0", "1", "2"}));
}

TEST(DataGenSourceConnectorTest, NeverGivesATaskAZeroShare) {
  DataGenSourceConnector connector;
  ASSERT_TRUE(connector.Start({{"topic", "t"}, {"rate", "2"}}).ok());
  auto configs = connector.TaskConfigs(5);
  ASSERT_TRUE(configs.ok());
  ASSERT_EQ(configs->size(), 2u);
  EXPECT_EQ((*configs)[1].at("rate"), "1");
  EXPECT_EQ((*configs)[1].at("count"), "0");  // unlimited stays unlimited

  ASSERT_TRUE(connector.Start({{"topic", "t"}, {"rate", "0"}, {"count", "3"}}).ok());
  configs = connector.TaskConfigs(8);
  ASSERT_TRUE(configs.ok());
  ASSERT_EQ(configs->size(), 3u);
  EXPECT_EQ((*configs)[2].at("count"), "1");
  EXPECT_EQ((*configs)[2].at("rate"), "0");
}

TEST(DataGenSourceConnectorTest, PluginNamesAndAliases) {
  ConnectorPlugin plugin = DataGenSourcePlugin();
  EXPECT_EQ(plugin.class_name, "tributary.connectors.datagen.DataGenSourceConnector");
  EXPECT_EQ(plugin.aliases, (std::vector<std::string>{"DataGenSource", "DataGen"}));
  EXPECT_EQ(plugin.type, ConnectorType::kSource);
  auto connector = plugin.factory();
  EXPECT_EQ(connector->type(), ConnectorType::kSource);
  EXPECT_EQ(connector->Start({}).code(), StatusCode::kInvalidConfig);
}

}  // namespace
}  // namespace tributary::connectors::datagen
