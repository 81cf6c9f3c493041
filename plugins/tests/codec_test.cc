// Round trips of the plugin encoding (tributary/sdk/codec.h) for every runtime/api type that
// crosses the C ABI, and rejection of malformed buffers.
#include "tributary/sdk/codec.h"

#include <gtest/gtest.h>

namespace tributary::sdk {
namespace {

SchemaPtr RichSchema() {
  SchemaPtr address = SchemaBuilder::Struct()
                          .Name("Address")
                          .Optional()
                          .AddField("city", schemas::String())
                          .AddField("zip", schemas::OptionalInt32())
                          .BuildOrDie();
  return SchemaBuilder::Struct()
      .Name("com.example.Everything")
      .Version(3)
      .Doc("all kinds")
      .Parameter("p", "v")
      .AddField("b", schemas::Bool())
      .AddField("i8", schemas::Int8())
      .AddField("i16", schemas::Int16())
      .AddField("i32", SchemaBuilder::Int32().DefaultValue(Value::Int32(7)).BuildOrDie())
      .AddField("i64", schemas::Int64())
      .AddField("f32", schemas::Float32())
      .AddField("f64", schemas::Float64())
      .AddField("s", schemas::OptionalString())
      .AddField("bytes", schemas::Bytes())
      .AddField("tags", SchemaBuilder::Array(schemas::String()).BuildOrDie())
      .AddField("attrs", SchemaBuilder::Map(schemas::String(), schemas::Int64()).BuildOrDie())
      .AddField("address", address)
      .AddField("amount", Decimal::Builder(2).BuildOrDie())
      .AddField("day", Date::Builder().BuildOrDie())
      .AddField("at", Timestamp::Builder().BuildOrDie())
      .BuildOrDie();
}

Value RichValue(const SchemaPtr& schema) {
  Struct address(schema->FindField("address")->schema);
  EXPECT_TRUE(address.Put("city", Value::String("Oslo")).ok());
  Struct s(schema);
  EXPECT_TRUE(s.Put("b", Value::Boolean(true)).ok());
  EXPECT_TRUE(s.Put("i8", Value::Int8(-8)).ok());
  EXPECT_TRUE(s.Put("i16", Value::Int16(-16)).ok());
  EXPECT_TRUE(s.Put("i32", Value::Int32(32)).ok());
  EXPECT_TRUE(s.Put("i64", Value::Int64(int64_t{1} << 40)).ok());
  EXPECT_TRUE(s.Put("f32", Value::Float32(1.5f)).ok());
  EXPECT_TRUE(s.Put("f64", Value::Float64(-2.25)).ok());
  EXPECT_TRUE(s.Put("bytes", Value::BytesValue({0, 1, 255})).ok());
  EXPECT_TRUE(s.Put("tags", Value::ArrayValue({Value::String("a"), Value::String("b")})).ok());
  EXPECT_TRUE(
      s.Put("attrs", Value::MapValue({MapEntry{Value::String("k"), Value::Int64(1)}})).ok());
  EXPECT_TRUE(s.Put("address", Value::StructValue(address)).ok());
  EXPECT_TRUE(s.Put("amount", Value::DecimalValue(DecimalValue{"-1234", 2})).ok());
  EXPECT_TRUE(s.Put("day", Value::Int32(19000)).ok());
  EXPECT_TRUE(s.Put("at", Value::Int64(1700000000000)).ok());
  return Value::StructValue(std::move(s));
}

TEST(PluginCodecTest, SourceBatchRoundTripsSchemasValuesHeadersAndOffsets) {
  SchemaPtr schema = RichSchema();
  std::vector<SourceRecord> records(3);
  for (int i = 0; i < 3; ++i) {
    SourceRecord& r = records[i];
    r.topic = "t";
    if (i == 1) r.kafka_partition = 4;
    r.key_schema = schemas::String();
    r.key = Value::String("k" + std::to_string(i));
    r.value_schema = schema;
    r.value = RichValue(schema);
    r.timestamp = 1000 + i;
    r.headers = {Header{"h", schemas::Int32(), Value::Int32(i)},
                 Header{"schemaless", nullptr, Value::String("x")}};
    r.source_partition = {{"file", Value::String("/a")}};
    r.source_offset = {{"pos", Value::Int64(i)}, {"done", Value::Boolean(false)}};
  }
  std::string encoded;
  Writer(&encoded).SourceBatch(records);

  std::unordered_map<std::string, SchemaPtr> cache;
  std::vector<SourceRecord> decoded;
  Reader reader(encoded);
  reader.UseSchemaCache(&cache);
  ASSERT_TRUE(reader.SourceBatch(&decoded)) << reader.error();
  EXPECT_TRUE(reader.AtEnd());
  ASSERT_EQ(decoded.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const SourceRecord& a = records[i];
    const SourceRecord& b = decoded[i];
    EXPECT_EQ(b.topic, a.topic);
    EXPECT_EQ(b.kafka_partition, a.kafka_partition);
    EXPECT_TRUE(SchemaEquals(b.key_schema, a.key_schema));
    EXPECT_EQ(b.key, a.key);
    EXPECT_TRUE(SchemaEquals(b.value_schema, a.value_schema));
    EXPECT_EQ(b.value, a.value) << b.value.DebugString();
    EXPECT_TRUE(ValidateValue(b.value_schema, b.value).ok());
    EXPECT_EQ(b.timestamp, a.timestamp);
    ASSERT_EQ(b.headers.size(), 2u);
    EXPECT_EQ(b.headers[0].value, Value::Int32(i));
    EXPECT_EQ(b.headers[1].schema, nullptr);
    EXPECT_EQ(b.source_partition, a.source_partition);
    EXPECT_EQ(b.source_offset, a.source_offset);
  }
  // One schema object shared by all records, and by the next batch through the cache.
  EXPECT_EQ(decoded[0].value_schema.get(), decoded[2].value_schema.get());
  std::vector<SourceRecord> again;
  Reader second(encoded);
  second.UseSchemaCache(&cache);
  ASSERT_TRUE(second.SourceBatch(&again));
  EXPECT_EQ(again[0].value_schema.get(), decoded[0].value_schema.get());
  EXPECT_EQ(*again[0].value_schema->FindField("i32")->schema->default_value(), Value::Int32(7));
}

// The writer stages a batch in chunks (strings of any size, some bigger than the stage, split
// across chunk boundaries) and appends after what the output string already holds.
TEST(PluginCodecTest, BatchesBiggerThanTheWritersStageRoundTrip) {
  const size_t sizes[] = {0, 1, 15, 16, 2047, 2048, 2049, 4095, 4096, 9000};
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("text", schemas::String())
                         .AddField("n", schemas::OptionalInt64())
                         .BuildOrDie();
  std::vector<SinkRecord> records(300);
  for (size_t i = 0; i < records.size(); ++i) {
    SinkRecord& r = records[i];
    r.topic = "topic-" + std::to_string(i % 7);
    r.kafka_offset = static_cast<int64_t>(i);
    r.key = Value::String(std::string(sizes[(i + 3) % std::size(sizes)], 'k'));
    r.value_schema = schema;
    Struct value(schema);
    EXPECT_TRUE(
        value.Put(0, Value::String(std::string(sizes[i % std::size(sizes)], 'a' + i % 26))).ok());
    if (i % 2) {
      EXPECT_TRUE(value.Put(1, Value::Int64(static_cast<int64_t>(i))).ok());
    }
    r.value = Value::StructValue(std::move(value));
    r.headers = {Header{"h", nullptr, Value::String(std::string(i % 50, 'h'))}};
  }
  std::string encoded = "prefix";
  Writer(&encoded).SinkBatch(records);
  ASSERT_EQ(encoded.substr(0, 6), "prefix");
  std::vector<SinkRecord> decoded;
  Reader reader(reinterpret_cast<const uint8_t*>(encoded.data()) + 6, encoded.size() - 6);
  ASSERT_TRUE(reader.SinkBatch(&decoded)) << reader.error();
  EXPECT_TRUE(reader.AtEnd());
  ASSERT_EQ(decoded.size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(decoded[i].topic, records[i].topic);
    EXPECT_EQ(decoded[i].kafka_offset, records[i].kafka_offset);
    EXPECT_EQ(decoded[i].key, records[i].key);
    EXPECT_EQ(decoded[i].value, records[i].value) << i;
    EXPECT_EQ(decoded[i].headers[0].value, records[i].headers[0].value);
  }
  // Outside a batch every call writes through at once.
  std::string direct;
  Writer w(&direct);
  w.Str("abc");
  EXPECT_EQ(direct.size(), 7u);
}

TEST(PluginCodecTest, SinkBatchConfigsOffsetsAndDescriptorsRoundTrip) {
  SinkRecord r;
  r.topic = "orders";
  r.kafka_partition = 2;
  r.kafka_offset = 99;
  r.timestamp_type = TimestampType::kLogAppendTime;
  r.value = Value::MapValue({MapEntry{Value::String("a"), Value::Null()}});
  std::string encoded;
  Writer(&encoded).SinkBatch({r});
  std::vector<SinkRecord> decoded;
  Reader reader(encoded);
  ASSERT_TRUE(reader.SinkBatch(&decoded)) << reader.error();
  ASSERT_EQ(decoded.size(), 1u);
  EXPECT_EQ(decoded[0].kafka_offset, 99);
  EXPECT_EQ(decoded[0].timestamp_type, TimestampType::kLogAppendTime);
  EXPECT_EQ(decoded[0].value, r.value);

  TopicPartitionOffsets offsets{{{"a", 0}, 5}, {{"b", 3}, 7}};
  std::vector<ConfigMap> configs{{{"x", "1"}}, {}};
  ValidationErrors errors{{"topic", {"Missing"}}, {"ok", {}}};
  ConnectorDescriptor d;
  d.class_name = "com.example.X";
  d.aliases = {"X"};
  d.type = ConnectorType::kSink;
  d.version = "1.2";
  d.flags = 1;
  ConfigDef def;
  def.Define("topic", ConfigType::kString, kNoDefault, Importance::kHigh, "doc");
  def.Define("n", ConfigType::kInt, "5", Importance::kLow, "n");
  def.Define("opt", ConfigType::kPassword, kNullDefault, Importance::kMedium, "o");
  d.config_keys = def.keys();
  std::string buf;
  Writer w(&buf);
  w.Offsets(offsets);
  w.ConfigList(configs);
  w.Validation(errors);
  w.Descriptors({d});
  Reader rd(buf);
  TopicPartitionOffsets offsets2;
  std::vector<ConfigMap> configs2;
  ValidationErrors errors2;
  std::vector<ConnectorDescriptor> ds;
  ASSERT_TRUE(rd.Offsets(&offsets2) && rd.ConfigList(&configs2) && rd.Validation(&errors2) &&
              rd.Descriptors(&ds))
      << rd.error();
  EXPECT_TRUE(rd.AtEnd());
  EXPECT_EQ(offsets2, offsets);
  EXPECT_EQ(configs2, configs);
  EXPECT_EQ(errors2, errors);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].class_name, "com.example.X");
  EXPECT_EQ(ds[0].type, ConnectorType::kSink);
  ASSERT_EQ(ds[0].config_keys.size(), 3u);
  EXPECT_TRUE(ds[0].config_keys[0].required());
  EXPECT_EQ(ds[0].config_keys[1].default_value, "5");
  EXPECT_TRUE(ds[0].config_keys[2].null_default);
  EXPECT_EQ(ds[0].config_keys[2].type, ConfigType::kPassword);
}

TEST(PluginCodecTest, RejectsTruncatedAndOversizedBuffers) {
  SourceRecord r;
  r.topic = "t";
  r.value = Value::String("hello");
  std::string encoded;
  Writer(&encoded).SourceBatch({r});
  for (size_t n = 0; n < encoded.size(); ++n) {
    std::vector<SourceRecord> out;
    Reader reader(reinterpret_cast<const uint8_t*>(encoded.data()), n);
    EXPECT_FALSE(reader.SourceBatch(&out)) << "prefix of " << n << " bytes accepted";
    EXPECT_FALSE(reader.error().empty());
  }
  // A count far beyond the buffer is refused before anything is allocated.
  std::string huge;
  Writer(&huge).U32(0);
  Writer(&huge).U32(0xFFFFFFF0u);
  std::vector<SourceRecord> out;
  Reader reader(huge);
  EXPECT_FALSE(reader.SourceBatch(&out));
  EXPECT_NE(reader.error().find("exceeds"), std::string::npos);
}

TEST(PluginCodecTest, RejectsStructValuesWithoutOrNotMatchingTheirSchema) {
  // A struct value referring to schema 0 with no schema table.
  std::string dangling;
  Writer w(&dangling);
  w.U8(static_cast<uint8_t>(ValueKind::kStruct));
  w.U32(0);
  w.U32(0);
  Value v;
  Reader reader(dangling);
  EXPECT_FALSE(reader.Val(&v));
  EXPECT_NE(reader.error().find("schema reference out of range"), std::string::npos)
      << reader.error();

  // An inline struct schema with one field, but two field values.
  SchemaPtr schema = SchemaBuilder::Struct().AddField("a", schemas::Int32()).BuildOrDie();
  std::string mismatched;
  Writer m(&mismatched);
  m.U8(static_cast<uint8_t>(ValueKind::kStruct));
  m.U32(kInlineSchemaRef);
  m.InlineSchema(*schema);
  m.U32(2);
  m.Val(Value::Int32(1));
  m.Val(Value::Int32(2));
  Reader second(mismatched);
  EXPECT_FALSE(second.Val(&v));
  EXPECT_NE(second.error().find("does not match its schema"), std::string::npos) << second.error();
}

}  // namespace
}  // namespace tributary::sdk
