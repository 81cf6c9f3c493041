#include "connectors/file/file_stream_source.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace tributary::connectors::file {
namespace {

// Offsets as the worker would hand them back: a list of (partition, offset) pairs.
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

class FileStreamSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/file_source_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/input.txt";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Append(const std::string& text) {
    std::ofstream out(path_, std::ios::binary | std::ios::app);
    out << text;
  }

  Status StartTask(ConfigMap extra = {}) {
    ConfigMap props = {{"file", path_}, {"topic", "lines"}};
    for (auto& [k, v] : extra) props[k] = v;
    task_.Initialize(&context_);
    task_.SetIdleWaitMsForTest(5);
    return task_.Start(props);
  }

  // Polls until `n` records arrived (or a 10 s deadline passed); returns what arrived.
  std::vector<SourceRecord> PollFor(size_t n) {
    std::vector<SourceRecord> all;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (all.size() < n && std::chrono::steady_clock::now() < deadline) {
      auto batch = task_.Poll();
      EXPECT_TRUE(batch.ok()) << batch.status().ToString();
      if (!batch.ok()) break;
      for (auto& r : *batch) all.push_back(std::move(r));
    }
    return all;
  }

  static std::vector<std::string> Lines(const std::vector<SourceRecord>& records) {
    std::vector<std::string> lines;
    for (const auto& r : records) lines.push_back(r.value.as_string());
    return lines;
  }
  static std::vector<int64_t> Positions(const std::vector<SourceRecord>& records) {
    std::vector<int64_t> positions;
    for (const auto& r : records) positions.push_back(r.source_offset.at("position").as_int64());
    return positions;
  }

  std::string dir_;
  std::string path_;
  FakeSourceTaskContext context_;
  FileStreamSourceTask task_;
};

TEST_F(FileStreamSourceTest, ReadsLinesInOrderSplittingOnLfCrLfAndCr) {
  Append("a\nbb\r\nc\rd\n\nlast\n");
  ASSERT_TRUE(StartTask().ok());
  auto records = PollFor(6);
  EXPECT_EQ(Lines(records), (std::vector<std::string>{"a", "bb", "c", "d", "", "last"}));
  EXPECT_EQ(Positions(records), (std::vector<int64_t>{2, 6, 8, 10, 11, 16}));
}

TEST_F(FileStreamSourceTest, RecordsHaveConnectShape) {
  Append("hello\n");
  ASSERT_TRUE(StartTask().ok());
  auto records = PollFor(1);
  ASSERT_EQ(records.size(), 1u);
  const SourceRecord& r = records[0];
  EXPECT_EQ(r.topic, "lines");
  EXPECT_EQ(r.key_schema, nullptr);
  EXPECT_TRUE(r.key.is_null());
  ASSERT_NE(r.value_schema, nullptr);
  EXPECT_EQ(r.value_schema->type(), SchemaType::kString);
  EXPECT_FALSE(r.value_schema->optional());
  EXPECT_FALSE(r.kafka_partition.has_value());
  EXPECT_TRUE(r.timestamp.has_value());
  EXPECT_EQ(r.source_partition, (SourceMap{{"filename", Value::String(path_)}}));
  EXPECT_EQ(r.source_offset, (SourceMap{{"position", Value::Int64(6)}}));
}

TEST_F(FileStreamSourceTest, PartialLastLineWaitsForItsTerminator) {
  Append("complete\nparti");
  ASSERT_TRUE(StartTask().ok());
  auto first = task_.Poll();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Lines(*first), (std::vector<std::string>{"complete"}));
  auto idle = task_.Poll();
  ASSERT_TRUE(idle.ok());
  EXPECT_TRUE(idle->empty());
  Append("al line\n");
  auto rest = PollFor(1);
  EXPECT_EQ(Lines(rest), (std::vector<std::string>{"partial line"}));
  EXPECT_EQ(Positions(rest), (std::vector<int64_t>{22}));
}

TEST_F(FileStreamSourceTest, TrailingCarriageReturnWaitsToSeeIfLfFollows) {
  Append("x\r");
  ASSERT_TRUE(StartTask().ok());
  auto idle = task_.Poll();
  ASSERT_TRUE(idle.ok());
  EXPECT_TRUE(idle->empty());
  Append("\ny\r");
  auto records = PollFor(1);
  EXPECT_EQ(Lines(records), (std::vector<std::string>{"x"}));
  EXPECT_EQ(Positions(records), (std::vector<int64_t>{3}));
  Append("z\n");
  records = PollFor(2);
  EXPECT_EQ(Lines(records), (std::vector<std::string>{"y", "z"}));
  EXPECT_EQ(Positions(records), (std::vector<int64_t>{5, 7}));
}

TEST_F(FileStreamSourceTest, ResumesFromStoredPosition) {
  Append("one\ntwo\nthree\n");
  context_.reader.stored.push_back(
      {{{"filename", Value::String(path_)}}, {{"position", Value::Int64(4)}}});
  ASSERT_TRUE(StartTask().ok());
  auto records = PollFor(2);
  EXPECT_EQ(Lines(records), (std::vector<std::string>{"two", "three"}));
  EXPECT_EQ(Positions(records), (std::vector<int64_t>{8, 14}));
}

TEST_F(FileStreamSourceTest, IgnoresOffsetsOfOtherFiles) {
  Append("one\ntwo\n");
  context_.reader.stored.push_back(
      {{{"filename", Value::String(path_ + ".other")}}, {{"position", Value::Int64(4)}}});
  ASSERT_TRUE(StartTask().ok());
  EXPECT_EQ(Lines(PollFor(2)), (std::vector<std::string>{"one", "two"}));
}

TEST_F(FileStreamSourceTest, StoredPositionOfWrongTypeIsAnError) {
  Append("one\n");
  context_.reader.stored.push_back(
      {{{"filename", Value::String(path_)}}, {{"position", Value::String("4")}}});
  Status st = StartTask();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kDataError);
}

TEST_F(FileStreamSourceTest, BatchSizeIsRespected) {
  std::string text;
  for (int i = 0; i < 25; ++i) text += "line" + std::to_string(i) + "\n";
  Append(text);
  ASSERT_TRUE(StartTask({{"batch.size", "10"}}).ok());
  std::vector<size_t> sizes;
  for (int i = 0; i < 3; ++i) {
    auto batch = task_.Poll();
    ASSERT_TRUE(batch.ok());
    sizes.push_back(batch->size());
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{10, 10, 5}));
}

TEST_F(FileStreamSourceTest, TailsFileAsItGrows) {
  Append("first\n");
  ASSERT_TRUE(StartTask().ok());
  EXPECT_EQ(Lines(PollFor(1)), (std::vector<std::string>{"first"}));
  auto idle = task_.Poll();
  ASSERT_TRUE(idle.ok());
  EXPECT_TRUE(idle->empty());
  Append("second\nthird\n");
  auto more = PollFor(2);
  EXPECT_EQ(Lines(more), (std::vector<std::string>{"second", "third"}));
  EXPECT_EQ(Positions(more), (std::vector<int64_t>{13, 19}));
}

TEST_F(FileStreamSourceTest, ReadsLargeFileAcrossBlockBoundaries) {
  std::string text;
  const int kLines = 50000;
  for (int i = 0; i < kLines; ++i) {
    text += "record number " + std::to_string(i);
    text += (i % 3 == 0) ? "\r\n" : "\n";
  }
  Append(text);
  ASSERT_TRUE(StartTask().ok());
  auto records = PollFor(kLines);
  ASSERT_EQ(records.size(), static_cast<size_t>(kLines));
  for (int i = 0; i < kLines; ++i) {
    ASSERT_EQ(records[i].value.as_string(), "record number " + std::to_string(i));
  }
  EXPECT_EQ(Positions(records).back(), static_cast<int64_t>(text.size()));
  EXPECT_EQ(task_.position(), static_cast<int64_t>(text.size()));
}

TEST_F(FileStreamSourceTest, WaitsForMissingFileToAppear) {
  ASSERT_TRUE(StartTask().ok());
  auto idle = task_.Poll();
  ASSERT_TRUE(idle.ok()) << idle.status().ToString();
  EXPECT_TRUE(idle->empty());
  Append("created later\n");
  EXPECT_EQ(Lines(PollFor(1)), (std::vector<std::string>{"created later"}));
}

TEST_F(FileStreamSourceTest, UnreadablePathIsAClearError) {
  path_ = dir_;  // a directory cannot be read as lines
  Status st = StartTask();
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_NE(st.message().find("directory"), std::string::npos) << st.message();
  EXPECT_FALSE(st.retriable());
}

TEST_F(FileStreamSourceTest, PollAfterStopReturnsNothing) {
  Append("a\n");
  ASSERT_TRUE(StartTask().ok());
  task_.Stop();
  auto batch = task_.Poll();
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE(batch->empty());
}

TEST_F(FileStreamSourceTest, MissingTopicIsInvalidConfig) {
  FileStreamSourceTask task;
  Status st = task.Start({{"file", path_}});
  EXPECT_EQ(st.code(), StatusCode::kInvalidConfig);
  EXPECT_NE(st.message().find("topic"), std::string::npos) << st.message();
}

TEST(FileStreamSourceStdinTest, ReadsStdinWhenNoFileIsGiven) {
  // Put a pipe in place of stdin for the duration of the test.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  int saved_stdin = dup(STDIN_FILENO);
  ASSERT_GE(saved_stdin, 0);
  ASSERT_EQ(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
  close(fds[0]);

  FakeSourceTaskContext context;
  FileStreamSourceTask task;
  task.Initialize(&context);
  task.SetIdleWaitMsForTest(5);
  ASSERT_TRUE(task.Start({{"topic", "t"}, {"file", ""}}).ok());
  auto idle = task.Poll();  // nothing written yet: returns without blocking
  ASSERT_TRUE(idle.ok());
  EXPECT_TRUE(idle->empty());

  const std::string text = "from\r\nstdin\npartial";
  ASSERT_EQ(write(fds[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fds[1]);  // end of input: the partial line is never completed
  std::vector<SourceRecord> records;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (records.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    auto batch = task.Poll();
    ASSERT_TRUE(batch.ok());
    for (auto& r : *batch) records.push_back(std::move(r));
  }
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].value.as_string(), "from");
  EXPECT_EQ(records[1].value.as_string(), "stdin");
  // Connect tracks no position for stdin: partition and offset values are null.
  EXPECT_EQ(records[0].source_partition, (SourceMap{{"filename", Value::Null()}}));
  EXPECT_EQ(records[0].source_offset, (SourceMap{{"position", Value::Null()}}));
  EXPECT_EQ(task.position(), std::nullopt);
  auto after_eof = task.Poll();
  ASSERT_TRUE(after_eof.ok());
  EXPECT_TRUE(after_eof->empty());
  task.Stop();

  ASSERT_EQ(dup2(saved_stdin, STDIN_FILENO), STDIN_FILENO);
  close(saved_stdin);
}

TEST(FileStreamSourceConnectorTest, YieldsOneTaskConfigWhateverTasksMax) {
  FileStreamSourceConnector connector;
  ConfigMap props = {{"file", "/tmp/x"}, {"topic", "t"}, {"tasks.max", "4"}};
  ASSERT_TRUE(connector.Start(props).ok());
  auto configs = connector.TaskConfigs(4);
  ASSERT_TRUE(configs.ok());
  ASSERT_EQ(configs->size(), 1u);
  EXPECT_EQ((*configs)[0].at("file"), "/tmp/x");
  EXPECT_EQ((*configs)[0].at("topic"), "t");
}

TEST(FileStreamSourceConnectorTest, RejectsBadConfig) {
  FileStreamSourceConnector connector;
  EXPECT_EQ(connector.Start({{"file", "/tmp/x"}}).code(), StatusCode::kInvalidConfig);
  EXPECT_EQ(connector.Start({{"topic", "t"}, {"batch.size", "zero"}}).code(),
            StatusCode::kInvalidConfig);
  EXPECT_EQ(connector.Start({{"topic", "t"}, {"batch.size", "0"}}).code(),
            StatusCode::kInvalidConfig);
  EXPECT_FALSE(connector.Validate({{"topic", ""}}).empty());
}

TEST(FileStreamSourceConnectorTest, PluginHasConnectClassName) {
  ConnectorPlugin plugin = FileStreamSourcePlugin();
  EXPECT_EQ(plugin.class_name, "org.apache.kafka.connect.file.FileStreamSourceConnector");
  EXPECT_EQ(plugin.type, ConnectorType::kSource);
  auto connector = plugin.factory();
  ASSERT_NE(connector, nullptr);
  EXPECT_EQ(connector->type(), ConnectorType::kSource);
  EXPECT_NE(connector->Definition().Find("batch.size"), nullptr);
}

}  // namespace
}  // namespace tributary::connectors::file
