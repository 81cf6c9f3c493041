#include "runtime/storage/offset_storage.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <thread>

#include "runtime/converters/json_converter.h"

namespace tributary::runtime {
namespace {

std::unique_ptr<OffsetSerializer> MakeSerializer() {
  auto json = std::make_unique<JsonConverter>();
  EXPECT_TRUE(json->Configure({{"schemas.enable", "false"}}, false).ok());
  return std::make_unique<OffsetSerializer>(std::move(json));
}

TEST(OffsetStorageTest, KeysUseConnectsFormat) {
  auto serializer = MakeSerializer();
  auto key = serializer->Key("file-source", {{"filename", Value::String("/tmp/in.txt")}});
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(*key, R"(["file-source",{"filename":"/tmp/in.txt"}])");
  auto value = serializer->ValueOf({{"position", Value::Int64(30)}});
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, R"({"position":30})");
}

TEST(OffsetStorageTest, ParsesKeysBack) {
  auto serializer = MakeSerializer();
  auto parsed = serializer->ParseKey(R"(["conn",{"server":"db"}])");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->first, "conn");
  EXPECT_EQ(parsed->second.at("server"), Value::String("db"));
  EXPECT_FALSE(serializer->ParseKey(R"({"not":"an array"})").ok());
}

TEST(OffsetStorageTest, WriterFlushesAndReaderReadsBackPerConnector) {
  auto serializer = MakeSerializer();
  MemoryOffsetBackingStore store;
  SourceMap partition{{"filename", Value::String("a.txt")}};
  OffsetStorageWriter writer("conn-a", store, *serializer);
  ASSERT_TRUE(writer.Offset(partition, {{"position", Value::Int64(10)}}).ok());
  ASSERT_TRUE(writer.Offset(partition, {{"position", Value::Int64(20)}}).ok());  // newest wins
  EXPECT_TRUE(writer.HasPending());
  ASSERT_TRUE(writer.Flush().ok());
  EXPECT_FALSE(writer.HasPending());

  OffsetStorageReaderImpl reader("conn-a", store, *serializer);
  auto offset = reader.Offset(partition);
  ASSERT_TRUE(offset.has_value());
  EXPECT_EQ(offset->at("position").AsInteger(), 20);
  // Another connector's namespace does not see it.
  OffsetStorageReaderImpl other("conn-b", store, *serializer);
  EXPECT_FALSE(other.Offset(partition).has_value());
}

// A store whose Set blocks until released and fails while `fail` is set.
class GatedStore : public MemoryOffsetBackingStore {
 public:
  Status Set(const std::vector<OffsetEntry>& entries) override {
    std::unique_lock lock(gate_mutex_);
    gate_.wait(lock, [this] { return open_; });
    if (fail_) return Status::IoError("disk full");
    return MemoryOffsetBackingStore::Set(entries);
  }
  void Open(bool fail) {
    std::lock_guard lock(gate_mutex_);
    open_ = true;
    fail_ = fail;
    gate_.notify_all();
  }

 private:
  std::mutex gate_mutex_;
  std::condition_variable gate_;
  bool open_ = false;
  bool fail_ = false;
};

std::optional<Status> AwaitFlushResult(OffsetStorageWriter& writer) {
  for (int i = 0; i < 5000; ++i) {
    if (auto result = writer.TakeFlushResult()) return result;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::nullopt;
}

TEST(OffsetStorageTest, BackgroundFlushDoesNotBlockAndReportsOnce) {
  auto serializer = MakeSerializer();
  GatedStore store;
  SourceMap partition{{"filename", Value::String("a.txt")}};
  OffsetStorageWriter writer("conn", store, *serializer);
  ASSERT_TRUE(writer.Offset(partition, {{"position", Value::Int64(10)}}).ok());
  ASSERT_TRUE(writer.StartFlush());  // returns although the store is blocked
  EXPECT_FALSE(writer.HasPending());
  EXPECT_FALSE(writer.StartFlush());  // nothing pending
  ASSERT_TRUE(writer.Offset(partition, {{"position", Value::Int64(20)}}).ok());
  EXPECT_FALSE(writer.StartFlush());  // one flush at a time
  EXPECT_FALSE(writer.TakeFlushResult().has_value());
  store.Open(/*fail=*/false);
  auto result = AwaitFlushResult(writer);
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->ok());
  EXPECT_FALSE(writer.TakeFlushResult().has_value());  // reported once
  OffsetStorageReaderImpl reader("conn", store, *serializer);
  EXPECT_EQ(reader.Offset(partition)->at("position").AsInteger(), 10);
  ASSERT_TRUE(writer.Flush().ok());  // the newer offset, synchronously
  EXPECT_EQ(reader.Offset(partition)->at("position").AsInteger(), 20);
}

TEST(OffsetStorageTest, FailedBackgroundFlushKeepsOffsetsUnlessSuperseded) {
  auto serializer = MakeSerializer();
  GatedStore store;
  SourceMap a{{"filename", Value::String("a.txt")}};
  SourceMap b{{"filename", Value::String("b.txt")}};
  OffsetStorageWriter writer("conn", store, *serializer);
  ASSERT_TRUE(writer.Offset(a, {{"position", Value::Int64(1)}}).ok());
  ASSERT_TRUE(writer.Offset(b, {{"position", Value::Int64(1)}}).ok());
  ASSERT_TRUE(writer.StartFlush());
  ASSERT_TRUE(writer.Offset(a, {{"position", Value::Int64(2)}}).ok());  // newer while writing
  store.Open(/*fail=*/true);
  auto result = AwaitFlushResult(writer);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->code(), StatusCode::kIoError);
  store.Open(/*fail=*/false);
  ASSERT_TRUE(writer.Flush().ok());
  OffsetStorageReaderImpl reader("conn", store, *serializer);
  EXPECT_EQ(reader.Offset(a)->at("position").AsInteger(), 2);  // the newer one, not the failed 1
  EXPECT_EQ(reader.Offset(b)->at("position").AsInteger(), 1);  // put back and written
}

}  // namespace
}  // namespace tributary::runtime
