#include "runtime/storage/offset_storage.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace tributary::runtime
