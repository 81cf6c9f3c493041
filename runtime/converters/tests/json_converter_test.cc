// JsonConverter against golden files. Each file under golden/ holds '#' comment lines describing
// the input (built in MakeCases below) and the converter config, then one line with the exact
// bytes JsonConverter must write. Set TRIBUTARY_UPDATE_GOLDEN=1 to rewrite the files after an
// intended change, and review the diff.
#include "runtime/converters/json_converter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <vector>

namespace tributary::runtime {
namespace {

struct GoldenCase {
  std::string name;
  std::string description;
  ConfigMap config;
  SchemaPtr schema;
  Value value;
  // The value read back, when it differs from `value` (schemaless reads infer their own types).
  std::optional<Value> read_back;
  // The schema read back, when it differs from `schema`.
  std::optional<SchemaPtr> read_back_schema;
};

SchemaPtr AllPrimitivesSchema() {
  return SchemaBuilder::Struct()
      .Name("com.example.AllTypes")
      .AddField("i8", schemas::Int8())
      .AddField("i16", schemas::Int16())
      .AddField("i32", schemas::Int32())
      .AddField("i64", schemas::Int64())
      .AddField("f32", schemas::Float32())
      .AddField("f64", schemas::Float64())
      .AddField("flag", schemas::Bool())
      .AddField("text", schemas::String())
      .AddField("blob", schemas::Bytes())
      .AddField("maybe", schemas::OptionalString())
      .BuildOrDie();
}

Value Str(const char* s) { return Value::String(s); }

std::vector<GoldenCase> MakeCases() {
  std::vector<GoldenCase> cases;

  {
    SchemaPtr schema = AllPrimitivesSchema();
    Struct s(schema);
    (void)s.Put("i8", Value::Int8(-8));
    (void)s.Put("i16", Value::Int16(1600));
    (void)s.Put("i32", Value::Int32(-320000));
    (void)s.Put("i64", Value::Int64(6400000000000LL));
    (void)s.Put("f32", Value::Float32(1.5f));
    (void)s.Put("f64", Value::Float64(0.1));
    (void)s.Put("flag", Value::Boolean(true));
    (void)s.Put("text", Str("h\u00e9llo \"quoted\"\n"));
    (void)s.Put("blob", Value::BytesValue({0x00, 0x01, 0xFE, 0xFF}));
    cases.push_back({"all_primitives",
                     "struct with every primitive type; optional field left null",
                     {},
                     schema,
                     Value::StructValue(s)});
  }
  cases.push_back({"int32_top", "int32 schema, value 42", {}, schemas::Int32(), Value::Int32(42)});
  cases.push_back({"float64_large",
                   "float64 1e20 and Java's exponent notation",
                   {},
                   schemas::Float64(),
                   Value::Float64(1e20)});
  cases.push_back({"float64_nan",
                   "float64 NaN is written as the string \"NaN\" (Jackson)",
                   {},
                   schemas::Float64(),
                   Value::Float64(std::nan(""))});
  cases.push_back({"bytes_top",
                   "bytes schema, base64 payload",
                   {},
                   schemas::Bytes(),
                   Value::BytesValue({'h', 'i', '!'})});
  cases.push_back({"string_optional_null",
                   "optional string schema with a null value",
                   {},
                   schemas::OptionalString(),
                   Value()});
  cases.push_back({"null_schema_envelope",
                   "no schema but a value, schemas.enable=true",
                   {},
                   nullptr,
                   Str("hi"),
                   std::nullopt});
  cases.push_back({"array_int32",
                   "array of int32",
                   {},
                   SchemaBuilder::Array(schemas::Int32()).BuildOrDie(),
                   Value::ArrayValue({Value::Int32(1), Value::Int32(2), Value::Int32(3)})});
  cases.push_back({"map_string_keys",
                   "map<string,int64> written as a JSON object",
                   {},
                   SchemaBuilder::Map(schemas::String(), schemas::Int64()).BuildOrDie(),
                   Value::MapValue({{Str("a"), Value::Int64(1)}, {Str("b"), Value::Int64(2)}})});
  cases.push_back({"map_int_keys",
                   "map<int32,string> written as an array of [key, value] pairs",
                   {},
                   SchemaBuilder::Map(schemas::Int32(), schemas::OptionalString()).BuildOrDie(),
                   Value::MapValue({{Value::Int32(1), Str("one")}, {Value::Int32(2), Value()}})});
  {
    SchemaPtr address = SchemaBuilder::Struct()
                            .Name("com.example.Address")
                            .Version(2)
                            .Doc("where")
                            .Parameter("p1", "v1")
                            .Parameter("p2", "v2")
                            .AddField("street", schemas::String())
                            .AddField("zip", SchemaBuilder::Int32().Optional().BuildOrDie())
                            .BuildOrDie();
    SchemaPtr person =
        SchemaBuilder::Struct()
            .Name("com.example.Person")
            .AddField("name", SchemaBuilder::String().Doc("full name").BuildOrDie())
            .AddField("age",
                      SchemaBuilder::Int32().Optional().DefaultValue(Value::Int32(18)).BuildOrDie())
            .AddField("address", address)
            .AddField("tags", SchemaBuilder::Array(schemas::String()).Optional().BuildOrDie())
            .BuildOrDie();
    Struct a(address);
    (void)a.Put("street", Str("Main St"));
    (void)a.Put("zip", Value::Int32(12345));
    Struct p(person);
    (void)p.Put("name", Str("Ann"));
    (void)p.Put("address", Value::StructValue(a));
    (void)p.Put("tags", Value::ArrayValue({Str("x")}));
    Struct expected = p;
    (void)expected.Put("age", Value::Int32(18));
    cases.push_back({"nested_struct",
                     "nested struct; doc, name, version, parameters; null age replaced by its "
                     "default 18",
                     {},
                     person,
                     Value::StructValue(p),
                     Value::StructValue(expected)});
    cases.push_back({"nested_struct_keep_null",
                     "same with replace.null.with.default=false: null age stays null",
                     {{"replace.null.with.default", "false"}},
                     person,
                     Value::StructValue(p)});
  }
  cases.push_back({"default_top",
                   "required int32 with default 7 and a null value",
                   {},
                   SchemaBuilder::Int32().DefaultValue(Value::Int32(7)).BuildOrDie(),
                   Value(),
                   Value::Int32(7)});
  {
    SchemaPtr decimal = Decimal::Builder(2).BuildOrDie();
    cases.push_back({"decimal_base64",
                     "Decimal(scale 2) 1.56 as base64 of unscaled 156",
                     {},
                     decimal,
                     Value::DecimalValue({"156", 2})});
    cases.push_back({"decimal_base64_negative",
                     "Decimal(scale 2) -1.28 as base64",
                     {},
                     decimal,
                     Value::DecimalValue({"-128", 2})});
    cases.push_back({"decimal_numeric",
                     "Decimal(scale 2) 1.56 with decimal.format=NUMERIC",
                     {{"decimal.format", "NUMERIC"}},
                     decimal,
                     Value::DecimalValue({"156", 2})});
    SchemaPtr big = Decimal::Builder(10).BuildOrDie();
    cases.push_back({"decimal_numeric_big",
                     "Decimal(scale 10) beyond double precision, NUMERIC",
                     {{"decimal.format", "numeric"}},
                     big,
                     Value::DecimalValue({"-123456789012345678901234567890", 10})});
    cases.push_back(
        {"decimal_default",
         "optional Decimal with a default, BASE64",
         {},
         Decimal::Builder(1).Optional().DefaultValue(Value::DecimalValue({"5", 1})).BuildOrDie(),
         Value::DecimalValue({"-15", 1})});
  }
  {
    SchemaPtr schema = SchemaBuilder::Struct()
                           .AddField("d", Date::Builder().BuildOrDie())
                           .AddField("t", Time::Builder().BuildOrDie())
                           .AddField("ts", Timestamp::Builder().BuildOrDie())
                           .BuildOrDie();
    Struct s(schema);
    (void)s.Put("d", Value::Int32(19723));
    (void)s.Put("t", Value::Int32(45296789));
    (void)s.Put("ts", Value::Int64(1704067200123LL));
    cases.push_back({"date_time_timestamp",
                     "Date, Time and Timestamp logical types",
                     {},
                     schema,
                     Value::StructValue(s)});
  }
  // Schemaless.
  cases.push_back(
      {"schemaless_map",
       "schemas.enable=false, no schema, nested map/array/number values",
       {{"schemas.enable", "false"}},
       nullptr,
       Value::MapValue(
           {{Str("n"), Value::Int64(1)},
            {Str("list"), Value::ArrayValue({Value::Float64(2.5), Value::Boolean(false), Value()})},
            {Str("s"), Str("x")}})});
  cases.push_back({"schemaless_with_schema",
                   "schemas.enable=false with a schema: the payload alone, encoded with the schema",
                   {{"schemas.enable", "false"}},
                   SchemaBuilder::Map(schemas::Int32(), schemas::Bytes()).BuildOrDie(),
                   Value::MapValue({{Value::Int32(5), Value::BytesValue({1, 2})}}),
                   Value::ArrayValue({Value::ArrayValue({Value::Int64(5), Str("AQI=")})}),
                   SchemaPtr()});
  cases.push_back({"schemaless_int_widths",
                   "schemaless int32 reads back as int64",
                   {{"schemas.enable", "false"}},
                   nullptr,
                   Value::Int32(-3),
                   Value::Int64(-3)});
  return cases;
}

std::string GoldenPath(const std::string& name) {
  return std::string(TRIBUTARY_SOURCE_DIR) + "/runtime/converters/tests/golden/" + name + ".json";
}

// Returns the expected bytes (last line) of a golden file.
std::optional<std::string> ReadGolden(const std::string& name) {
  std::ifstream in(GoldenPath(name), std::ios::binary);
  if (!in) return std::nullopt;
  std::string line;
  std::optional<std::string> expected;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '#') continue;
    expected = line;
  }
  return expected;
}

void WriteGolden(const GoldenCase& c, const std::string& bytes) {
  std::ofstream out(GoldenPath(c.name), std::ios::binary | std::ios::trunc);
  out << "# " << c.description << "\n";
  out << "# config:";
  if (c.config.empty()) out << " (defaults)";
  for (const auto& [k, v] : c.config) out << " " << k << "=" << v;
  out << "\n" << bytes << "\n";
}

class JsonConverterGoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(JsonConverterGoldenTest, WritesGoldenBytesAndReadsThemBack) {
  const GoldenCase& c = GetParam();
  JsonConverter converter;
  ASSERT_TRUE(converter.Configure(c.config, false).ok());
  auto written = converter.FromConnectData("t", c.schema, c.value);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  ASSERT_TRUE(written->has_value());
  const std::string& bytes = **written;
  if (std::getenv("TRIBUTARY_UPDATE_GOLDEN") != nullptr) WriteGolden(c, bytes);
  std::optional<std::string> expected = ReadGolden(c.name);
  ASSERT_TRUE(expected.has_value()) << "missing golden file " << GoldenPath(c.name);
  EXPECT_EQ(bytes, *expected);

  auto read = converter.ToConnectData("t", bytes);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  SchemaPtr want_schema = c.read_back_schema            ? *c.read_back_schema
                          : converter.schemas_enabled() ? c.schema
                                                        : nullptr;
  EXPECT_TRUE(SchemaEquals(read->schema, want_schema));
  const Value& want = c.read_back ? *c.read_back : c.value;
  if (c.name == "float64_nan") {
    EXPECT_TRUE(std::isnan(read->value.as_float64()));
  } else {
    EXPECT_EQ(read->value, want) << read->value.DebugString() << " vs " << want.DebugString();
  }
  // Writing what was read gives the same bytes again (when the value read is the one written).
  if (!c.read_back && converter.schemas_enabled()) {
    auto again = converter.FromConnectData("t", read->schema, read->value);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(**again, bytes);
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, JsonConverterGoldenTest, ::testing::ValuesIn(MakeCases()),
                         [](const auto& info) { return info.param.name; });

// ---- Behaviour and errors

Result<SchemaAndValue> Read(std::string_view json, ConfigMap config = {}) {
  JsonConverter converter;
  EXPECT_TRUE(converter.Configure(config, false).ok());
  return converter.ToConnectData("t", json);
}

std::string ReadError(std::string_view json, ConfigMap config = {}) {
  auto r = Read(json, std::move(config));
  EXPECT_FALSE(r.ok()) << json;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kDataError);
  return r.status().message();
}

TEST(JsonConverterTest, MatchesJavaBytesForKnownCases) {
  // Byte strings taken from the behaviour of Connect's JsonConverter.
  JsonConverter converter;
  auto decimal = converter.FromConnectData("t", Decimal::Builder(2).BuildOrDie(),
                                           Value::DecimalValue({"156", 2}));
  ASSERT_TRUE(decimal.ok());
  EXPECT_EQ(**decimal,
            "{\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka."
            "connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"}},\"payload\":"
            "\"AJw=\"}");
  auto date = converter.FromConnectData("t", Date::Builder().BuildOrDie(), Value::Int32(10000));
  EXPECT_EQ(**date,
            "{\"schema\":{\"type\":\"int32\",\"optional\":false,\"name\":\"org.apache.kafka."
            "connect.data.Date\",\"version\":1},\"payload\":10000}");
}

TEST(JsonConverterTest, SameBytesWithoutASchemaCache) {
  JsonConverter cached;
  JsonConverter uncached;
  ASSERT_TRUE(uncached.Configure({{"schemas.cache.size", "0"}}, false).ok());
  auto schema = SchemaBuilder::Struct().AddField("n", schemas::Int32()).BuildOrDie();
  Struct row(schema);
  ASSERT_TRUE(row.Put("n", Value::Int32(7)).ok());
  for (int i = 0; i < 2; ++i) {
    auto a = cached.FromConnectData("t", schema, Value::StructValue(row));
    auto b = uncached.FromConnectData("t", schema, Value::StructValue(row));
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(**a, **b);
    EXPECT_EQ(**b,
              "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\","
              "\"optional\":false,\"field\":\"n\"}],\"optional\":false},\"payload\":{\"n\":7}}");
  }
  auto null_schema = uncached.FromConnectData("t", nullptr, Value::String("x"));
  ASSERT_TRUE(null_schema.ok());
  EXPECT_EQ(**null_schema, "{\"schema\":null,\"payload\":\"x\"}");
}

TEST(JsonConverterTest, EscapesStringsAsJackson) {
  // Every control character, the two that JSON must escape, and bytes that are copied as they
  // are ('/', DEL, UTF-8), in a key as well as a value.
  std::string text;
  for (int c = 0; c < 0x20; ++c) text.push_back(static_cast<char>(c));
  text += "\"\\/\x7f\xc3\xa9";
  std::string expected =
      "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000B\\f\\r\\u000E"
      "\\u000F\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001A"
      "\\u001B\\u001C\\u001D\\u001E\\u001F\\\"\\\\/\x7f\xc3\xa9\"";
  JsonConverter plain;
  ASSERT_TRUE(plain.Configure({{"schemas.enable", "false"}}, false).ok());
  auto value = plain.FromConnectData("t", schemas::String(), Value::String(text));
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(**value, expected);
  Value::Map map;
  map.push_back(MapEntry{Value::String(text), Value::String("x")});
  auto keyed = plain.FromConnectData("t", nullptr, Value::MapValue(map));
  ASSERT_TRUE(keyed.ok());
  EXPECT_EQ(**keyed, "{" + expected + ":\"x\"}");
  auto read = plain.ToConnectData("t", **value);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->value.as_string(), text);
  // One byte to escape at every position of a string longer than two 8-byte words (the writer
  // checks words at a time, then the tail), next to bytes it must leave alone.
  for (const char* special : {"\x01", "\x1f", "\"", "\\", "\n"}) {
    const std::string escaped = special[0] == '\x01'   ? "\\u0001"
                                : special[0] == '\x1f' ? "\\u001F"
                                : special[0] == '\n'   ? "\\n"
                                                       : std::string("\\") + special;
    for (size_t pos = 0; pos < 19; ++pos) {
      std::string s(19, 'a');
      s[0] = ' ';
      s[18] = static_cast<char>(0xe9);
      s[pos] = special[0];
      std::string want = "\"" + s.substr(0, pos) + escaped + s.substr(pos + 1) + "\"";
      auto out = plain.FromConnectData("t", schemas::String(), Value::String(s));
      ASSERT_TRUE(out.ok());
      EXPECT_EQ(**out, want) << "position " << pos;
    }
  }
}

TEST(JsonConverterTest, EscapesStringsOfEveryShortLength) {
  // The writer checks the last 1-7 bytes of a string as overlapping 4-byte words (or bytes below
  // 4) and copies short strings in overlapping words: every length and position up to 24.
  JsonConverter plain;
  ASSERT_TRUE(plain.Configure({{"schemas.enable", "false"}}, false).ok());
  for (size_t size = 0; size <= 24; ++size) {
    std::string s;
    for (size_t i = 0; i < size; ++i) s.push_back(static_cast<char>('a' + i));
    auto out = plain.FromConnectData("t", schemas::String(), Value::String(s));
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(**out, "\"" + s + "\"");
    for (size_t pos = 0; pos < size; ++pos) {
      for (char special : {'\x02', '"', '\\'}) {
        std::string t = s;
        t[pos] = special;
        const std::string escaped = special == '\x02' ? "\\u0002" : std::string("\\") + special;
        auto got = plain.FromConnectData("t", schemas::String(), Value::String(t));
        ASSERT_TRUE(got.ok());
        EXPECT_EQ(**got, "\"" + s.substr(0, pos) + escaped + s.substr(pos + 1) + "\"")
            << "size " << size << " position " << pos;
      }
    }
  }
}

TEST(JsonConverterTest, WritesIntegersOfEveryLength) {
  // Numbers of 9 digits and more are written in 8-digit chunks: every length, the chunk
  // boundaries, zeros inside chunks, and the extremes.
  JsonConverter plain;
  ASSERT_TRUE(plain.Configure({{"schemas.enable", "false"}}, false).ok());
  std::vector<int64_t> values = {0,
                                 std::numeric_limits<int64_t>::max(),
                                 std::numeric_limits<int64_t>::min(),
                                 100000000,
                                 10000000000000000,
                                 1787221000051007220,
                                 1000000000000000001,
                                 -100000000};
  int64_t power = 1;
  for (int digits = 1; digits <= 18; ++digits) {
    power *= 10;
    for (int64_t v : {power - 1, power, power + 1, power + 7 * (power / 10), -power, 1 - power}) {
      values.push_back(v);
    }
  }
  for (int64_t v : values) {
    auto out = plain.FromConnectData("t", schemas::Int64(), Value::Int64(v));
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(**out, std::to_string(v));
  }
}

TEST(JsonConverterTest, StructKeysRenderedOnceAreEscapedAndPerSchema) {
  // Field names are rendered as JSON keys once per struct schema and cached by the schema's
  // address: names that need escaping, and many schemas used in turn (more than the slots of
  // the cache's front table, and than the cache holds, so that it is emptied on the way), each
  // keep their own keys.
  JsonConverter converter;
  ASSERT_TRUE(converter.Configure({{"schemas.enable", "false"}}, false).ok());
  auto odd = SchemaBuilder::Struct()
                 .AddField("a\"b", schemas::Int32())
                 .AddField("tab\there", schemas::Int32())
                 .AddField("\xc3\xa9t\xc3\xa9", schemas::Int32())
                 .AddField("", schemas::Int32())
                 .BuildOrDie();
  Struct row(odd);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(row.Put(i, Value::Int32(i)).ok());
  for (int round = 0; round < 2; ++round) {
    auto out = converter.FromConnectData("t", odd, Value::StructValue(row));
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(**out, "{\"a\\\"b\":0,\"tab\\there\":1,\"\xc3\xa9t\xc3\xa9\":2,\"\":3}");
  }
  {
    // A copy of a converter that has written (a cache of its own) writes the same bytes.
    JsonConverter copy = converter;
    auto out = copy.FromConnectData("t", odd, Value::StructValue(row));
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(**out, "{\"a\\\"b\":0,\"tab\\there\":1,\"\xc3\xa9t\xc3\xa9\":2,\"\":3}");
    copy = converter;
    EXPECT_EQ(**copy.FromConnectData("t", odd, Value::StructValue(row)), **out);
  }
  std::vector<SchemaPtr> schemas_in_turn;
  for (int i = 0; i < 1500; ++i) {
    schemas_in_turn.push_back(SchemaBuilder::Struct()
                                  .AddField("f" + std::to_string(i), schemas::Int32())
                                  .AddField("g", schemas::Int32())
                                  .BuildOrDie());
  }
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 1500; ++i) {
      Struct s(schemas_in_turn[i]);
      ASSERT_TRUE(s.Put(0, Value::Int32(i)).ok());
      ASSERT_TRUE(s.Put(1, Value::Int32(-i)).ok());
      auto out = converter.FromConnectData("t", schemas_in_turn[i], Value::StructValue(s));
      ASSERT_TRUE(out.ok());
      EXPECT_EQ(**out, "{\"f" + std::to_string(i) + "\":" + std::to_string(i) +
                           ",\"g\":" + std::to_string(-i) + "}");
    }
  }
  // Structs nested in structs, many pairs: where an inner schema takes the outer one's cache
  // slot, the outer struct's remaining keys must still be its own. Each outer struct nests 8 of
  // 300 inner schemas, paired out of order (all kept alive, so that addresses are not reused):
  // 2400 pairs, of which some share a slot whatever the allocator. The inner key is longer than
  // all of the outer ones, so that a stale outer entry cannot pass for a valid one.
  const std::string long_name(120, 'x');
  std::vector<SchemaPtr> inners;
  for (int i = 0; i < 300; ++i) {
    inners.push_back(SchemaBuilder::Struct()
                         .AddField(long_name + std::to_string(i), schemas::Int32())
                         .BuildOrDie());
  }
  std::vector<SchemaPtr> outers;
  for (int i = 0; i < 300; ++i) {
    SchemaBuilder b = SchemaBuilder::Struct();
    b.AddField("a", schemas::Int32());
    std::string want = "{\"a\":0";
    for (int k = 0; k < 8; ++k) {
      const int j = (i * 37 + k * 101) % 300;
      b.AddField("n" + std::to_string(k), inners[j]);
      want += ",\"n" + std::to_string(k) + "\":{\"" + long_name + std::to_string(j) +
              "\":" + std::to_string(k) + "}";
    }
    b.AddField("z" + std::to_string(i), schemas::Int32());
    want += ",\"z" + std::to_string(i) + "\":9}";
    outers.push_back(b.BuildOrDie());
    const SchemaPtr& outer = outers.back();
    Struct out_struct(outer);
    ASSERT_TRUE(out_struct.Put(0, Value::Int32(0)).ok());
    for (int k = 0; k < 8; ++k) {
      Struct in(outer->fields()[k + 1].schema);
      ASSERT_TRUE(in.Put(0, Value::Int32(k)).ok());
      ASSERT_TRUE(out_struct.Put(k + 1, Value::StructValue(in)).ok());
    }
    ASSERT_TRUE(out_struct.Put(9, Value::Int32(9)).ok());
    for (int round = 0; round < 2; ++round) {
      auto out = converter.FromConnectData("t", outer, Value::StructValue(out_struct));
      ASSERT_TRUE(out.ok());
      EXPECT_EQ(**out, want) << "outer " << i;
    }
  }
}

TEST(JsonConverterTest, PayloadsOfChangingSizeKeepTheirEnvelope) {
  // The output buffer is sized from the previous payload; larger and smaller ones must not be
  // cut or padded.
  JsonConverter converter;
  auto schema = SchemaBuilder::Struct().AddField("s", schemas::String()).BuildOrDie();
  for (size_t size : {1, 5000, 3, 70000, 0, 64}) {
    Struct row(schema);
    ASSERT_TRUE(row.Put("s", Value::String(std::string(size, 'a'))).ok());
    auto out = converter.FromConnectData("t", schema, Value::StructValue(row));
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(**out,
              "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\","
              "\"optional\":false,\"field\":\"s\"}],\"optional\":false},\"payload\":{\"s\":\"" +
                  std::string(size, 'a') + "\"}}");
  }
}

TEST(JsonConverterTest, TombstonesAndNulls) {
  JsonConverter converter;
  auto tombstone = converter.FromConnectData("t", nullptr, Value());
  ASSERT_TRUE(tombstone.ok());
  EXPECT_FALSE(tombstone->has_value());
  auto null_read = converter.ToConnectData("t", std::nullopt);
  ASSERT_TRUE(null_read.ok());
  EXPECT_EQ(null_read->schema, nullptr);
  EXPECT_TRUE(null_read->value.is_null());

  auto required_null = converter.FromConnectData("t", schemas::Int32(), Value());
  ASSERT_FALSE(required_null.ok());
  EXPECT_EQ(required_null.status().message(),
            "Conversion error: null value for field that is required and has no default value");

  JsonConverter plain;
  ASSERT_TRUE(plain.Configure({{"schemas.enable", "false"}}, false).ok());
  auto optional_null = plain.FromConnectData("t", schemas::OptionalInt32(), Value());
  ASSERT_TRUE(optional_null.ok());
  EXPECT_EQ(**optional_null, "null");
  auto read_null = plain.ToConnectData("t", "null");
  ASSERT_TRUE(read_null.ok());
  EXPECT_TRUE(read_null->value.is_null());
  auto read_empty = plain.ToConnectData("t", "");
  ASSERT_TRUE(read_empty.ok());
  EXPECT_TRUE(read_empty->value.is_null());
}

TEST(JsonConverterTest, RejectsWrongEnvelope) {
  const std::string expected = JsonConverter::kEnvelopeError;
  EXPECT_EQ(ReadError("{\"schema\":null,\"payload\":1,\"extra\":2}"), expected);
  EXPECT_EQ(ReadError("{\"payload\":1}"), expected);
  EXPECT_EQ(ReadError("{\"a\":1,\"b\":2}"), expected);
  EXPECT_EQ(ReadError("[1,2]"), expected);
  EXPECT_EQ(ReadError("42"), expected);
  EXPECT_EQ(ReadError(""), expected);
  // The same input is fine without schemas.
  auto plain = Read("{\"a\":1,\"b\":2}", {{"schemas.enable", "false"}});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain->value.Find("b"), Value::Int64(2));
}

TEST(JsonConverterTest, RejectsMalformedJson) {
  std::string msg = ReadError("{\"schema\":null,\"payload\":");
  EXPECT_EQ(
      msg.rfind("Converting byte[] to Kafka Connect data failed due to serialization error: ", 0),
      0u)
      << msg;
  EXPECT_NE(ReadError("{} trailing", {{"schemas.enable", "false"}}).find("serialization error"),
            std::string::npos);
  EXPECT_NE(ReadError("\"\xff\"", {{"schemas.enable", "false"}}).find("serialization error"),
            std::string::npos);
  // A NUL byte is not the end of the input.
  EXPECT_NE(ReadError(std::string("{}\0{}", 5), {{"schemas.enable", "false"}}).find("at byte 2"),
            std::string::npos);
  std::string deep(2000, '[');
  EXPECT_NE(ReadError(deep, {{"schemas.enable", "false"}}).find("nesting depth"),
            std::string::npos);
}

TEST(JsonConverterTest, RejectsBadSchemas) {
  EXPECT_EQ(ReadError("{\"schema\":{\"optional\":true},\"payload\":1}"),
            "Schema must contain 'type' field");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"int128\"},\"payload\":1}"),
            "Unknown schema type: int128");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"array\"},\"payload\":[]}"),
            "Array schema did not specify the element type");
  EXPECT_EQ(
      ReadError("{\"schema\":{\"type\":\"map\",\"values\":{\"type\":\"int8\"}},\"payload\":{}}"),
      "Map schema did not specify the key type");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"struct\",\"fields\":{}},\"payload\":{}}"),
            "Struct schema's \"fields\" argument is not an array.");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int8\"}]},"
                      "\"payload\":{}}"),
            "Struct schema's field name not specified properly");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"int8\",\"parameters\":{\"a\":1}},\"payload\":1}"),
            "Schema parameters must have string values.");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int8\",\"field\":"
                      "\"a\"},{\"type\":\"int8\",\"field\":\"a\"}]},\"payload\":{}}"),
            "Cannot create field because of field name duplication a");
}

TEST(JsonConverterTest, RejectsPayloadTypeMismatch) {
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":null}"),
            "Invalid null value for required INT32 field");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"int32\"},\"payload\":\"7\"}"),
            "Invalid JSON for INT32 field: expected a number but found STRING");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"int8\"},\"payload\":300}"),
            "Invalid JSON for INT8 field: 300 is not an integer in range");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"int64\"},\"payload\":1.5}"),
            "Invalid JSON for INT64 field: 1.5 is not an integer in range");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"string\"},\"payload\":1}"),
            "Invalid JSON for STRING field: expected a string but found NUMBER");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"boolean\"},\"payload\":1}"),
            "Invalid JSON for BOOLEAN field: expected a boolean but found NUMBER");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"bytes\"},\"payload\":\"!!\"}"),
            "Invalid bytes field");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"struct\",\"fields\":[]},\"payload\":[]}"),
            "Structs should be encoded as JSON objects, but found ARRAY");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"string\"},\"values\":{"
                      "\"type\":\"int8\"}},\"payload\":[]}"),
            "Maps with string fields should be encoded as JSON objects, but found ARRAY");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int8\"},\"values\":{"
                      "\"type\":\"int8\"}},\"payload\":{}}"),
            "Maps with non-string fields should be encoded as JSON array of tuples, but found "
            "OBJECT");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int8\"},\"values\":{"
                      "\"type\":\"int8\"}},\"payload\":[[1]]}"),
            "Found invalid map entry, expected length 2 but found :1");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"int32\",\"name\":\"org.apache.kafka.connect.data."
                      "Date\"},\"payload\":\"2024-01-01\"}"),
            "Invalid type for Date, underlying representation should be integer but was STRING");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data."
                      "Decimal\",\"parameters\":{\"scale\":\"2\"}},\"payload\":true}"),
            "Invalid type for Decimal, underlying representation should be numeric or bytes but "
            "was BOOLEAN");
  EXPECT_EQ(ReadError("{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data."
                      "Decimal\"},\"payload\":\"AA==\"}"),
            "Invalid Decimal schema: scale parameter not found.");
}

TEST(JsonConverterTest, WriteTypeMismatchIsDataError) {
  JsonConverter converter;
  auto r = converter.FromConnectData("t", schemas::Int32(), Str("x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataError);
  EXPECT_EQ(r.status().message(), "Invalid type for INT32: string");
  SchemaPtr a = SchemaBuilder::Struct().AddField("a", schemas::Int32()).BuildOrDie();
  SchemaPtr b = SchemaBuilder::Struct().AddField("b", schemas::Int32()).BuildOrDie();
  auto mismatch = converter.FromConnectData("t", a, Value::StructValue(Struct(b)));
  EXPECT_EQ(mismatch.status().message(), "Mismatching schema.");
  auto scale = converter.FromConnectData("t", Decimal::Builder(2).BuildOrDie(),
                                         Value::DecimalValue({"1", 3}));
  EXPECT_EQ(scale.status().message(),
            "BigDecimal has mismatching scale value for given Decimal schema");
}

TEST(JsonConverterTest, ReadsDecimalsInEitherFormat) {
  const std::string schema =
      "{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{"
      "\"scale\":\"3\"}}";
  auto numeric = Read("{\"schema\":" + schema + ",\"payload\":-12.5}");
  ASSERT_TRUE(numeric.ok()) << numeric.status().ToString();
  EXPECT_EQ(numeric->value.as_decimal(), (DecimalValue{"-12500", 3}));
  auto exponent = Read("{\"schema\":" + schema + ",\"payload\":1.5E-2}");
  ASSERT_TRUE(exponent.ok());
  EXPECT_EQ(exponent->value.as_decimal(), (DecimalValue{"15", 3}));
  auto base64 = Read("{\"schema\":" + schema + ",\"payload\":\"/w==\"}");
  ASSERT_TRUE(base64.ok());
  EXPECT_EQ(base64->value.as_decimal(), (DecimalValue{"-1", 3}));
  std::string too_precise = ReadError("{\"schema\":" + schema + ",\"payload\":0.0001}");
  EXPECT_NE(too_precise.find("more fractional digits"), std::string::npos) << too_precise;
}

TEST(JsonConverterTest, SchemalessInference) {
  auto r = Read(
      "{\"i\":1,\"big\":123456789012345678901,\"f\":2.5,\"s\":\"x\",\"b\":true,"
      "\"n\":null,\"a\":[1],\"o\":{\"k\":\"v\"},\"i\":2}",
      {{"schemas.enable", "false"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->schema, nullptr);
  const Value& v = r->value;
  EXPECT_EQ(*v.Find("i"), Value::Int64(2));  // the last duplicate wins, as in Jackson
  EXPECT_EQ(v.Find("big")->kind(), ValueKind::kFloat64);
  EXPECT_EQ(*v.Find("f"), Value::Float64(2.5));
  EXPECT_EQ(*v.Find("b"), Value::Boolean(true));
  EXPECT_TRUE(v.Find("n")->is_null());
  EXPECT_EQ(*v.Find("a"), Value::ArrayValue({Value::Int64(1)}));
  EXPECT_EQ(*v.Find("o")->Find("k"), Str("v"));
  EXPECT_EQ(v.as_map().size(), 8u);
}

TEST(JsonConverterTest, SchemaCacheReturnsSameSchemaObject) {
  JsonConverter converter;
  const std::string json =
      "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"a\"}";
  auto first = converter.ToConnectData("t", json);
  auto second = converter.ToConnectData("t", json);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->schema.get(), second->schema.get());

  JsonConverter uncached;
  ASSERT_TRUE(uncached.Configure({{"schemas.cache.size", "0"}}, false).ok());
  auto a = uncached.ToConnectData("t", json);
  auto b = uncached.ToConnectData("t", json);
  EXPECT_NE(a->schema.get(), b->schema.get());
  EXPECT_TRUE(SchemaEquals(a->schema, b->schema));
}

// A record whose envelope starts with the previous record's schema bytes has only its payload
// parsed; whatever follows the schema, a converter that took that shortcut must answer exactly
// as one reading the record from scratch.
TEST(JsonConverterTest, RecordsRepeatingASchemaReadAsFromScratch) {
  const std::string prefix =
      "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"id\",\"type\":\"int64\","
      "\"optional\":false},{\"field\":\"url\",\"type\":\"string\",\"optional\":true}],"
      "\"optional\":false}, \"payload\" :";
  const std::vector<std::string> inputs = {
      prefix + "{\"id\":1,\"url\":\"/a\"}}",
      prefix + " {\"id\":2} } \n",
      prefix + "{\"id\":3,\"url\":null}}",
      prefix + "{\"id\":4}",                          // no closing brace
      prefix + "{\"id\":5}}}",                        // one too many
      prefix + "{\"id\":6},\"payload\":{\"id\":7}}",  // a second payload
      prefix + "{\"id\":8},\"extra\":1}",             // a third member
      prefix + "{\"id\":\"nine\"}}",                  // payload of the wrong type
      prefix + "{\"url\":\"/x\"}}",                   // required field missing
      prefix + "{\"id\":10,\"url\":\"\xff\"}}",       // invalid UTF-8
      prefix + "null}",
      prefix + "}",
      prefix + "{\"id\":11}} x",
      prefix,
  };
  JsonConverter warm;
  ASSERT_TRUE(warm.ToConnectData("t", inputs[0]).ok());
  SchemaPtr schema = warm.ToConnectData("t", inputs[0])->schema;
  for (const std::string& input : inputs) {
    SCOPED_TRACE(input);
    JsonConverter fresh;
    auto expected = fresh.ToConnectData("t", input);
    auto actual = warm.ToConnectData("t", input);
    ASSERT_EQ(actual.ok(), expected.ok()) << (actual.ok() ? expected : actual).status().message();
    if (!expected.ok()) {
      EXPECT_EQ(actual.status().message(), expected.status().message());
      EXPECT_EQ(actual.status().code(), expected.status().code());
      continue;
    }
    EXPECT_EQ(actual->value, expected->value);
    EXPECT_EQ(actual->schema.get(), schema.get());
  }
  // Another schema is read as such, and becomes the one repeated.
  const std::string other = "{\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":7}";
  for (int i = 0; i < 2; ++i) {
    auto read = warm.ToConnectData("t", other);
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read->schema->type(), SchemaType::kInt32);
    EXPECT_EQ(read->value, Value::Int32(7));
  }
  // Configure forgets it: without a schema cache every record gets a schema of its own.
  ASSERT_TRUE(warm.Configure({{"schemas.cache.size", "0"}}, false).ok());
  auto a = warm.ToConnectData("t", other);
  auto b = warm.ToConnectData("t", other);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->schema.get(), b->schema.get());
}

// The envelope of records with every type the schema-guided payload reader handles (all but
// arrays and maps), up to the payload.
const std::string kGuidedPrefix =
    R"({"schema":{"type":"struct","fields":[)"
    R"({"field":"i8","type":"int8","optional":false},)"
    R"({"field":"i16","type":"int16","optional":false},)"
    R"({"field":"i32","type":"int32","optional":false},)"
    R"({"field":"i64","type":"int64","optional":false},)"
    R"({"field":"f32","type":"float","optional":true},)"
    R"({"field":"f64","type":"double","optional":true},)"
    R"({"field":"b","type":"boolean","optional":true},)"
    R"({"field":"s","type":"string","optional":true},)"
    R"({"field":"by","type":"bytes","optional":true},)"
    R"({"field":"dec","type":"bytes","optional":true,)"
    R"("name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}},)"
    R"({"field":"date","type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Date"},)"
    R"({"field":"time","type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Time"},)"
    R"({"field":"ts","type":"int64","optional":true,)"
    R"("name":"org.apache.kafka.connect.data.Timestamp"},)"
    R"({"field":"def","type":"int32","optional":true,"default":42},)"
    R"({"field":"nested","type":"struct","optional":true,"fields":[)"
    R"({"field":"x","type":"int32","optional":false},)"
    R"({"field":"y","type":"string","optional":true,"default":"why"}]},)"
    R"({"field":"\u00e9t\u00e9","type":"int16","optional":true}],)"
    R"("optional":false},"payload":)";

// Reads `payloads` (each followed by the envelope's closing brace) with a converter that read
// a record of kGuidedPrefix before, and with a fresh one each: both answer the same, value or
// error. Returns how many the warm converter read without a JsonNode tree.
size_t ExpectGuidedReadsAsFromScratch(const std::vector<std::string>& payloads,
                                      const ConfigMap& config) {
  JsonConverter warm;
  EXPECT_TRUE(warm.Configure(config, false).ok());
  auto primer = warm.ToConnectData("t", kGuidedPrefix + R"({"i8":1,"i16":2,"i32":3,"i64":4}})");
  EXPECT_TRUE(primer.ok()) << primer.status().message();
  size_t before = warm.SchemaGuidedReadsForTest();
  for (const std::string& payload : payloads) {
    const std::string input = kGuidedPrefix + payload + "}";
    SCOPED_TRACE(input);
    JsonConverter fresh;
    EXPECT_TRUE(fresh.Configure(config, false).ok());
    auto expected = fresh.ToConnectData("t", input);
    auto actual = warm.ToConnectData("t", input);
    EXPECT_EQ(actual.ok(), expected.ok()) << (actual.ok() ? expected : actual).status().message();
    if (actual.ok() != expected.ok()) continue;
    if (!expected.ok()) {
      EXPECT_EQ(actual.status().message(), expected.status().message());
      EXPECT_EQ(actual.status().code(), expected.status().code());
      continue;
    }
    EXPECT_EQ(actual->value, expected->value);
    EXPECT_EQ(actual->schema.get(), primer->schema.get());
  }
  return warm.SchemaGuidedReadsForTest() - before;
}

// The payloads of records that repeat a schema are read straight into Connect values, exactly
// as through the JsonNode tree.
TEST(JsonConverterTest, SchemaGuidedReadsMatchTheFullParse) {
  const std::vector<std::string> payloads = {
      R"({"i8":-128,"i16":32767,"i32":-2147483648,"i64":9223372036854775807,"f32":1.5,)"
      R"("f64":-0.000123,"b":true,"s":"a\"b\\c\/d\b\f\n\r\t x","by":"AQID","dec":"AQ==",)"
      R"("date":19000,"time":3600000,"ts":1700000000000,"def":7,"nested":{"x":1,"y":"z"}})",
      // Members in another order, whitespace everywhere, optional ones null or missing.
      " \t\n{ \"nested\" : null ,\r\n\"b\" : false , \"i64\":-9223372036854775808, \"i32\" : 0,"
      "\"i16\":-0,\"i8\":127 , \"s\" : null, \"def\": null } \n",
      R"({"i8":0,"i16":0,"i32":0,"i64":0,"def":null,"nested":{"x":-5}})",
      R"({"i8":0,"i16":0,"i32":0,"i64":0,"nested":{"y":null,"x":2147483647}})",
      // Numbers as each type takes them; decimals rescaled to the schema's scale.
      R"({"i8":1,"i16":2,"i32":3,"i64":4,"f32":3.4028235,"f64":5,"dec":12.5})",
      R"({"i8":1,"i16":2,"i32":3,"i64":4,"f32":-0,"f64":0.1000000000000000055511151231257827,)"
      R"("dec":-0.10})",
      R"({"i8":1,"i16":2,"i32":3,"i64":4,"f64":0.0,"dec":0,"date":-2147483648,"ts":-1})",
      // Strings: empty, UTF-8 of every length, escapes at either end.
      "{\"i8\":1,\"i16\":2,\"i32\":3,\"i64\":4,\"s\":\"\",\"by\":\"\"}",
      "{\"i8\":1,\"i16\":2,\"i32\":3,\"i64\":4,\"s\":\"\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80"
      "\xef\xbf\xbf\xf4\x8f\xbf\xbf\xed\x9f\xbf\"}",
      R"({"i8":1,"i16":2,"i32":3,"i64":4,"s":"\n","by":"AQ=="})",
      "{\"i8\":1,\"i16\":2,\"i32\":3,\"i64\":4,\"\xc3\xa9t\xc3\xa9\":5,\"nested\":{\"x\":0}}",
  };
  for (const char* replace : {"true", "false"}) {
    SCOPED_TRACE(replace);
    EXPECT_EQ(ExpectGuidedReadsAsFromScratch(payloads, {{"replace.null.with.default", replace},
                                                        {"decimal.format", "NUMERIC"}}),
              payloads.size());
  }
}

// Whatever the schema-guided reader does not handle exactly goes to the full parse: valid
// records it leaves alone, and every malformed or mismatched one, which then fails with the full
// parse's error.
TEST(JsonConverterTest, SchemaGuidedReadsFallBackToTheFullParse) {
  const std::string ok = R"("i8":1,"i16":2,"i32":3,"i64":4)";
  const std::vector<std::string> payloads = {
      // Valid, left to the full parse.
      "{" + ok + R"(,"f64":1e3})",
      "{" + ok + R"(,"f32":1E-2})",
      "{" + ok + R"(,"f64":"Infinity"})",
      "{" + ok + R"(,"f64":"-Infinity"})",
      "{" + ok + R"(,"s":"\u00e9\ud83d\ude00"})",
      "{" + ok + R"(,"zzz":1})",
      "{" + ok + R"(,"zzz":[1,{"a":null}]})",
      "{" + ok + R"(,"b":true,"b":false})",
      R"({"i8":1.0,"i16":2e0,"i32":3.00,"i64":4E1})",
      R"({"i\u0038":1,"i16":2,"i32":3,"i64":4})",
      "{" + ok + R"(,"dec":1.5e1})",
      "{" + ok + ",\"f64\":1" + std::string(310, '0') + "}",
      "{" + ok + ",\"f64\":-1" + std::string(305, '0') + "}",
      // Out of range, mismatched, malformed.
      R"({"i8":128,"i16":2,"i32":3,"i64":4})",
      R"({"i8":-129,"i16":2,"i32":3,"i64":4})",
      R"({"i8":1,"i16":32768,"i32":3,"i64":4})",
      R"({"i8":1,"i16":2,"i32":2147483648,"i64":4})",
      R"({"i8":1,"i16":2,"i32":3,"i64":9223372036854775808})",
      R"({"i8":1,"i16":2,"i32":3,"i64":-9223372036854775809})",
      R"({"i8":1.5,"i16":2,"i32":3,"i64":4})",
      R"({"i8":"1","i16":2,"i32":3,"i64":4})",
      R"({"i8":null,"i16":2,"i32":3,"i64":4})",
      R"({"i16":2,"i32":3,"i64":4})",
      R"({"i8":01,"i16":2,"i32":3,"i64":4})",
      R"({"i8":-,"i16":2,"i32":3,"i64":4})",
      R"({"i8":1,"i16":2,"i32":3,"i64":4,})",
      R"({"i8":1,"i16":2,"i32":3,"i64":4 "b":true})",
      R"({"i8" 1,"i16":2,"i32":3,"i64":4})",
      R"({'i8':1,"i16":2,"i32":3,"i64":4})",
      R"({"i8":1,"i16":2,"i32":3,"i64":4)",
      R"({"i8":1,"i16":2,"i32":3,"i64":4}})",
      R"({"i8":1,"i16":2,"i32":3,"i64":4} 5)",
      R"([1,2,3,4])",
      "null",
      "",
      "{" + ok + R"(,"f64":1e400})",
      "{" + ok + R"(,"f32":1e39})",
      "{" + ok + R"(,"f64":1.})",
      "{" + ok + R"(,"f64":.5})",
      "{" + ok + R"(,"f64":+1})",
      "{" + ok + ",\"f64\":1" + std::string(320, '0') + "}",
      "{" + ok + R"(,"f64":"1.5"})",
      "{" + ok + R"(,"b":1})",
      "{" + ok + R"(,"b":tru})",
      "{" + ok + R"(,"b":truex})",
      "{" + ok + R"(,"b":nul})",
      "{" + ok + R"(,"s":5})",
      "{" + ok + R"(,"s":"ab})",
      "{" + ok + R"(,"s":"a\x"})",
      "{" + ok + R"(,"s":"a\u12"})",
      "{" + ok + R"(,"s":"a\ud800"})",
      "{" + ok + ",\"s\":\"a\x01b\"}",
      "{" + ok + ",\"s\":\"a\tb\"}",
      "{" + ok + std::string(",\"s\":\"a\0b\"}", 12),
      "{" + ok + std::string("}\0", 2),
      "{" + ok + ",\"s\":\"\xc0\xaf\"}",
      "{" + ok + ",\"s\":\"\xc3\"}",
      "{" + ok + ",\"s\":\"\xe0\x80\x80\"}",
      "{" + ok + ",\"s\":\"\xed\xa0\x80\"}",
      "{" + ok + ",\"s\":\"\xf0\x8f\xbf\xbf\"}",
      "{" + ok + ",\"s\":\"\xf4\x90\x80\x80\"}",
      "{" + ok + ",\"s\":\"\xf5\x80\x80\x80\"}",
      "{" + ok + ",\"s\":\"\x80\"}",
      "{" + ok + ",\"s\":\"\xe6\x97",
      "{" + ok + ",\"\xc3\xa9t\xc3\":1}",
      "{" + ok + ",\"a\nb\":1}",
      "{" + ok + R"(,"by":"A"})",
      "{" + ok + R"(,"by":"A*=="})",
      "{" + ok + R"(,"by":5})",
      "{" + ok + R"(,"dec":""})",
      "{" + ok + R"(,"dec":"*"})",
      "{" + ok + R"(,"dec":1.234})",
      "{" + ok + R"(,"dec":true})",
      "{" + ok + R"(,"date":2147483648})",
      "{" + ok + R"(,"time":-2147483649})",
      "{" + ok + R"(,"date":1.5})",
      "{" + ok + R"(,"ts":"1"})",
      "{" + ok + R"(,"ts":1.0})",
      "{" + ok + R"(,"ts":99999999999999999999})",
      "{" + ok + R"(,"nested":{"x":null}})",
      "{" + ok + R"(,"nested":{}})",
      "{" + ok + R"(,"nested":[]})",
      "{" + ok + R"(,"nested":5})",
      "{" + ok + R"(,"nested":{"x":1,"x":2}})",
      "{" + ok + R"(,"nested":{"x":1})",
  };
  for (const char* replace : {"true", "false"}) {
    SCOPED_TRACE(replace);
    EXPECT_EQ(ExpectGuidedReadsAsFromScratch(payloads, {{"replace.null.with.default", replace}}),
              0u);
  }
}

// Structs of more than 64 fields (the reader's one-word set of fields read) read the same too.
TEST(JsonConverterTest, SchemaGuidedReadsOfWideStructs) {
  std::string prefix = R"({"schema":{"type":"struct","fields":[)";
  std::string all = "{", reversed;
  for (int i = 0; i < 70; ++i) {
    std::string name = "f" + std::to_string(i);
    prefix += (i ? "," : "") + std::string(R"({"field":")") + name + R"(","type":"int32",)" +
              (i % 2 ? R"("optional":true})" : R"("optional":false})");
    all += (i ? ",\"" : "\"") + name + "\":" + std::to_string(i);
    reversed = "\"" + name + "\":" + std::to_string(-i) + (i ? "," : "") + reversed;
  }
  prefix += R"(],"optional":false},"payload":)";
  all += "}";
  const std::vector<std::string> inputs = {
      prefix + all + "}",
      prefix + "{" + reversed + "}}",
      prefix + all.substr(0, all.find(",\"f69\"")) + "}}",      // an optional field missing
      prefix + all.substr(0, all.find(",\"f68\"")) + "}}",      // a required one missing
      prefix + all.substr(0, all.size() - 1) + ",\"f66\":1}}",  // a field repeated
  };
  JsonConverter warm;
  ASSERT_TRUE(warm.ToConnectData("t", inputs[0]).ok());
  for (const std::string& input : inputs) {
    SCOPED_TRACE(input);
    JsonConverter fresh;
    auto expected = fresh.ToConnectData("t", input);
    auto actual = warm.ToConnectData("t", input);
    ASSERT_EQ(actual.ok(), expected.ok());
    if (expected.ok()) {
      EXPECT_EQ(actual->value, expected->value);
    } else {
      EXPECT_EQ(actual.status().message(), expected.status().message());
    }
  }
  EXPECT_EQ(warm.SchemaGuidedReadsForTest(), 3u);
}

// A schema with an array or a map anywhere has its payloads read through the tree.
TEST(JsonConverterTest, SchemaGuidedReadsLeaveArraysAndMapsToTheTree) {
  const std::string prefix =
      R"({"schema":{"type":"struct","fields":[{"field":"id","type":"int64","optional":false},)"
      R"({"field":"m","type":"map","keys":{"type":"string"},"values":{"type":"int32"},)"
      R"("optional":true}],"optional":false},"payload":)";
  JsonConverter converter;
  for (int i = 0; i < 3; ++i) {
    auto read = converter.ToConnectData("t", prefix + R"({"id":1,"m":{"a":1}}})");
    ASSERT_TRUE(read.ok()) << read.status().message();
  }
  EXPECT_EQ(converter.SchemaGuidedReadsForTest(), 0u);
  // A primitive schema is read without a tree too.
  const std::string text = R"({"schema":{"type":"string","optional":false},"payload":"abc"})";
  for (int i = 0; i < 3; ++i) {
    auto read = converter.ToConnectData("t", text);
    ASSERT_TRUE(read.ok()) << read.status().message();
    EXPECT_EQ(read->value, Value::String("abc"));
  }
  EXPECT_EQ(converter.SchemaGuidedReadsForTest(), 2u);
}

TEST(JsonConverterTest, ConfigValidation) {
  JsonConverter converter;
  Status bad = converter.Configure({{"decimal.format", "HEX"}}, false);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidConfig);
  EXPECT_NE(bad.message().find("decimal.format"), std::string::npos);
  EXPECT_EQ(converter.Configure({{"schemas.enable", "maybe"}}, false).code(),
            StatusCode::kInvalidConfig);
  ASSERT_TRUE(converter.Configure({{"decimal.format", "numeric"}}, true).ok());
  EXPECT_EQ(converter.decimal_format(), JsonConverter::DecimalFormat::kNumeric);
  EXPECT_NE(converter.Definition().Find("schemas.cache.size"), nullptr);
}

TEST(LruCacheTest, EvictsLeastRecentlyUsed) {
  LruCache<int, int> cache(2);
  cache.Put(1, 10);
  cache.Put(2, 20);
  ASSERT_NE(cache.Get(1), nullptr);  // 1 is now the most recent
  cache.Put(3, 30);
  EXPECT_EQ(cache.Get(2), nullptr);
  EXPECT_EQ(*cache.Get(1), 10);
  EXPECT_EQ(*cache.Get(3), 30);
  EXPECT_EQ(cache.size(), 2u);
}

}  // namespace
}  // namespace tributary::runtime
