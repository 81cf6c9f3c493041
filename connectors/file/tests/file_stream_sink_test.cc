#include "connectors/file/file_stream_sink.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace tributary::connectors::file {
namespace {

class FileStreamSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/file_sink_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/out.txt";
  }
  void TearDown() override {
    task_.Stop();
    std::filesystem::remove_all(dir_);
  }

  std::string ReadFile() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  static SinkRecord Record(Value value, int64_t offset = 0) {
    SinkRecord r;
    r.topic = "t";
    r.kafka_partition = 0;
    r.kafka_offset = offset;
    r.value = std::move(value);
    return r;
  }

  std::string dir_;
  std::string path_;
  FileStreamSinkTask task_;
};

TEST_F(FileStreamSinkTest, WritesEachValueAsALine) {
  ASSERT_TRUE(task_.Start({{"file", path_}, {"topics", "t"}}).ok());
  std::vector<SinkRecord> records = {Record(Value::String("hello")), Record(Value::Null()),
                                     Record(Value::Int32(42)), Record(Value::Boolean(true)),
                                     Record(Value::String("with\ttab"))};
  ASSERT_TRUE(task_.Put(records).ok());
  ASSERT_TRUE(task_.Flush({{{"t", 0}, 5}}).ok());
  EXPECT_EQ(ReadFile(), "hello\nnull\n42\ntrue\nwith\ttab\n");
}

TEST_F(FileStreamSinkTest, DataIsOnlyWrittenOutByFlush) {
  ASSERT_TRUE(task_.Start({{"file", path_}}).ok());
  std::vector<SinkRecord> records = {Record(Value::String("a")), Record(Value::String("b"))};
  ASSERT_TRUE(task_.Put(records).ok());
  // Buffered, not yet in the file: nothing the worker could commit is lost by a crash here,
  // because the worker commits only after Flush (PreCommit).
  EXPECT_EQ(ReadFile(), "");
  EXPECT_EQ(task_.buffered_bytes_for_test(), 4u);
  auto committed = task_.PreCommit({{{"t", 0}, 2}});
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(committed->at({"t", 0}), 2);
  EXPECT_EQ(task_.buffered_bytes_for_test(), 0u);
  EXPECT_EQ(ReadFile(), "a\nb\n");
}

TEST_F(FileStreamSinkTest, LargePutsAreWrittenOutInBlocks) {
  ASSERT_TRUE(task_.Start({{"file", path_}}).ok());
  std::vector<SinkRecord> records;
  std::string expected;
  for (int i = 0; i < 20000; ++i) {
    records.push_back(Record(Value::String("line " + std::to_string(i)), i));
    expected += "line " + std::to_string(i) + "\n";
  }
  ASSERT_TRUE(task_.Put(records).ok());
  EXPECT_LT(task_.buffered_bytes_for_test(), 64u * 1024);
  ASSERT_TRUE(task_.Flush({}).ok());
  EXPECT_EQ(ReadFile(), expected);
}

TEST_F(FileStreamSinkTest, AppendsToAnExistingFile) {
  {
    std::ofstream out(path_);
    out << "existing\n";
  }
  ASSERT_TRUE(task_.Start({{"file", path_}}).ok());
  std::vector<SinkRecord> records = {Record(Value::String("new"))};
  ASSERT_TRUE(task_.Put(records).ok());
  ASSERT_TRUE(task_.Flush({}).ok());
  EXPECT_EQ(ReadFile(), "existing\nnew\n");
}

TEST_F(FileStreamSinkTest, StopWritesOutWhatIsBuffered) {
  ASSERT_TRUE(task_.Start({{"file", path_}}).ok());
  std::vector<SinkRecord> records = {Record(Value::String("pending"))};
  ASSERT_TRUE(task_.Put(records).ok());
  task_.Stop();
  EXPECT_EQ(ReadFile(), "pending\n");
}

TEST_F(FileStreamSinkTest, UncreatableFileIsAnIoError) {
  Status st = task_.Start({{"file", dir_ + "/no/such/dir/out.txt"}});
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_NE(st.message().find("no/such/dir"), std::string::npos) << st.message();
}

TEST(RenderValueTest, PrimitivesRenderAsText) {
  EXPECT_EQ(RenderValue(Value::Null()), "null");
  EXPECT_EQ(RenderValue(Value::Int64(-7)), "-7");
  EXPECT_EQ(RenderValue(Value::Int8(5)), "5");
  EXPECT_EQ(RenderValue(Value::Float64(1.0)), "1.0");
  EXPECT_EQ(RenderValue(Value::Float64(0.1)), "0.1");
  EXPECT_EQ(RenderValue(Value::Float32(2.5f)), "2.5");
  EXPECT_EQ(RenderValue(Value::Float64(std::numeric_limits<double>::quiet_NaN())), "NaN");
  EXPECT_EQ(RenderValue(Value::Float64(-std::numeric_limits<double>::infinity())), "-Infinity");
  EXPECT_EQ(RenderValue(Value::BytesValue({'r', 'a', 'w'})), "raw");
  EXPECT_EQ(RenderValue(Value::DecimalValue({"-1234", 2})), "-12.34");
}

TEST(RenderValueTest, StructsMapsAndArraysRenderAsJson) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .Name("Example")
                         .AddField("name", schemas::String())
                         .AddField("age", schemas::OptionalInt32())
                         .AddField("tags", SchemaBuilder::Array(schemas::String()).BuildOrDie())
                         .AddField("raw", schemas::OptionalBytes())
                         .BuildOrDie();
  Struct s(schema);
  ASSERT_TRUE(s.Put("name", Value::String("a \"quoted\"\nname")).ok());
  ASSERT_TRUE(s.Put("tags", Value::ArrayValue({Value::String("x"), Value::String("y")})).ok());
  ASSERT_TRUE(s.Put("raw", Value::BytesValue({0x01, 0x02, 0x03, 0x04})).ok());
  EXPECT_EQ(RenderValue(Value::StructValue(s)),
            R"({"name":"a \"quoted\"\nname","age":null,"tags":["x","y"],"raw":"AQIDBA=="})");

  Value map = Value::MapValue(
      {{Value::String("k"), Value::Float64(1.5)}, {Value::Int32(2), Value::Boolean(false)}});
  EXPECT_EQ(RenderValue(map), R"({"k":1.5,"2":false})");
  EXPECT_EQ(RenderValue(Value::ArrayValue({})), "[]");
}

TEST(FileStreamSinkConnectorTest, OneTaskConfigPerTask) {
  FileStreamSinkConnector connector;
  ASSERT_TRUE(connector.Start({{"file", "/tmp/out"}, {"topics", "a,b"}}).ok());
  auto configs = connector.TaskConfigs(3);
  ASSERT_TRUE(configs.ok());
  ASSERT_EQ(configs->size(), 3u);
  EXPECT_EQ((*configs)[2].at("file"), "/tmp/out");
  ConnectorPlugin plugin = FileStreamSinkPlugin();
  EXPECT_EQ(plugin.class_name, "org.apache.kafka.connect.file.FileStreamSinkConnector");
  EXPECT_EQ(plugin.type, ConnectorType::kSink);
  EXPECT_EQ(plugin.factory()->type(), ConnectorType::kSink);
}

}  // namespace
}  // namespace tributary::connectors::file
