#include "connectors/postgres_cdc/decoding/pg_types.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tributary::connectors::pgcdc {
namespace {

ColumnDescriptor Col(uint32_t type_oid, int32_t modifier = -1, bool not_null = false) {
  ColumnDescriptor c;
  c.name = "c";
  c.type.oid = type_oid;
  c.type.modifier = modifier;
  c.not_null = not_null;
  return c;
}

ColumnMapping Map(const ColumnDescriptor& c, const TypeMappingOptions& options = {}) {
  auto m = MapColumn(c, options);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : ColumnMapping{};
}

Value Conv(const ColumnMapping& m, std::string_view text) {
  auto v = ConvertText(m, text);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  if (v.ok()) {
    EXPECT_TRUE(ValidateValue(m.schema, *v).ok()) << ValidateValue(m.schema, *v).ToString();
  }
  return v.ok() ? *v : Value();
}

std::string NameOf(const ColumnMapping& m) { return m.schema->name().value_or(""); }

int32_t NumericTypmod(int p, int s) { return ((p << 16) | s) + 4; }

TEST(PgTypesTest, ParsesHandlingModes) {
  EXPECT_EQ(*ParseDecimalHandlingMode("PRECISE"), DecimalHandlingMode::kPrecise);
  EXPECT_EQ(*ParseDecimalHandlingMode("string"), DecimalHandlingMode::kString);
  EXPECT_EQ(*ParseTimePrecisionMode("adaptive_time_microseconds"),
            TimePrecisionMode::kAdaptiveTimeMicroseconds);
  EXPECT_EQ(*ParseBinaryHandlingMode("base64-url-safe"), BinaryHandlingMode::kBase64UrlSafe);
  EXPECT_EQ(*ParseIntervalHandlingMode("string"), IntervalHandlingMode::kString);
  EXPECT_EQ(*ParseHstoreHandlingMode("map"), HstoreHandlingMode::kMap);
  auto bad = ParseDecimalHandlingMode("exact");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidConfig);
  EXPECT_NE(bad.status().message().find("decimal.handling.mode"), std::string::npos);
}

TEST(PgTypesTest, IntegersBooleansFloats) {
  auto b = Map(Col(oid::kBool));
  EXPECT_EQ(b.schema->type(), SchemaType::kBoolean);
  EXPECT_TRUE(b.schema->optional());
  EXPECT_EQ(Conv(b, "t"), Value::Boolean(true));
  EXPECT_EQ(Conv(b, "f"), Value::Boolean(false));
  EXPECT_EQ(Conv(Map(Col(oid::kInt2)), "-32768"), Value::Int16(-32768));
  EXPECT_EQ(Conv(Map(Col(oid::kInt4, -1, true)), "2147483647"), Value::Int32(2147483647));
  EXPECT_FALSE(Map(Col(oid::kInt4, -1, true)).schema->optional());
  EXPECT_EQ(Conv(Map(Col(oid::kInt8)), "-9223372036854775808"), Value::Int64(INT64_MIN));
  EXPECT_EQ(Conv(Map(Col(oid::kOid)), "4294967295"), Value::Int64(4294967295LL));
  EXPECT_EQ(Conv(Map(Col(oid::kFloat4)), "1.5"), Value::Float32(1.5f));
  EXPECT_EQ(Conv(Map(Col(oid::kFloat8)), "-1.25e-10"), Value::Float64(-1.25e-10));
  EXPECT_TRUE(std::isnan(Conv(Map(Col(oid::kFloat8)), "NaN").as_float64()));
  EXPECT_EQ(Conv(Map(Col(oid::kFloat8)), "-Infinity"), Value::Float64(-INFINITY));
  // The from_chars fast path and the strtod path agree at the edges.
  EXPECT_EQ(Conv(Map(Col(oid::kFloat8)), "1e+308"), Value::Float64(1e308));
  EXPECT_EQ(Conv(Map(Col(oid::kFloat8)), "+2.5"), Value::Float64(2.5));
  EXPECT_EQ(Conv(Map(Col(oid::kFloat8)), "0.1"), Value::Float64(0.1));
  EXPECT_EQ(Conv(Map(Col(oid::kFloat8)), "4.9406564584124654e-324"),
            Value::Float64(4.9406564584124654e-324));
  EXPECT_EQ(Conv(Map(Col(oid::kFloat8)), "1e-400"), Value::Float64(std::strtod("1e-400", nullptr)));
  EXPECT_FALSE(ConvertText(Map(Col(oid::kFloat8)), "1.5e").ok());
  EXPECT_FALSE(ConvertText(Map(Col(oid::kFloat8)), "0x1p3").ok());
  EXPECT_FALSE(ConvertText(Map(Col(oid::kFloat8)), "1.5 ").ok());
  // Bad text names the column, the type and the text.
  auto bad = ConvertText(Map(Col(oid::kInt2)), "70000");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kDataError);
  EXPECT_NE(bad.status().message().find("column c (int2)"), std::string::npos);
  EXPECT_NE(bad.status().message().find("'70000'"), std::string::npos);
  EXPECT_FALSE(ConvertText(Map(Col(oid::kBool)), "yes").ok());
  EXPECT_FALSE(ConvertText(Map(Col(oid::kFloat8)), "0x10").ok());
  EXPECT_FALSE(ConvertText(Map(Col(oid::kInt4)), " 1").ok());
}

TEST(PgTypesTest, NumericPrecise) {
  auto m = Map(Col(oid::kNumeric, NumericTypmod(10, 2)));
  EXPECT_EQ(NameOf(m), "org.apache.kafka.connect.data.Decimal");
  EXPECT_EQ(m.schema->parameters().at("scale"), "2");
  EXPECT_EQ(m.schema->parameters().at("connect.decimal.precision"), "10");
  EXPECT_EQ(m.schema->version(), 1);
  EXPECT_EQ(Conv(m, "1234.50"), Value::DecimalValue(DecimalValue{"123450", 2}));
  EXPECT_EQ(Conv(m, "-0.05"), Value::DecimalValue(DecimalValue{"-5", 2}));
  // NaN: null when optional, an error when NOT NULL.
  EXPECT_TRUE(Conv(m, "NaN").is_null());
  auto required = Map(Col(oid::kNumeric, NumericTypmod(10, 2), true));
  EXPECT_FALSE(ConvertText(required, "NaN").ok());
  EXPECT_FALSE(ConvertText(m, "12.a").ok());
}

TEST(PgTypesTest, NumericWithoutScaleIsVariableScaleDecimal) {
  auto m = Map(Col(oid::kNumeric));
  EXPECT_EQ(NameOf(m), "io.debezium.data.VariableScaleDecimal");
  EXPECT_EQ(m.schema->type(), SchemaType::kStruct);
  EXPECT_EQ(m.schema->doc(), "Variable scaled decimal");
  ASSERT_EQ(m.schema->fields().size(), 2u);
  Value v = Conv(m, "-12.345");
  EXPECT_EQ(*v.as_struct().Get("scale"), Value::Int32(3));
  EXPECT_EQ(*v.as_struct().Get("value"),
            Value::BytesValue(DecimalValue{"-12345", 3}.UnscaledBytes()));
}

TEST(PgTypesTest, NumericDoubleAndStringModes) {
  TypeMappingOptions dbl;
  dbl.decimal_mode = DecimalHandlingMode::kDouble;
  auto d = Map(Col(oid::kNumeric, NumericTypmod(10, 2)), dbl);
  EXPECT_EQ(d.schema->type(), SchemaType::kFloat64);
  EXPECT_FALSE(d.schema->name().has_value());
  EXPECT_EQ(Conv(d, "1234.50"), Value::Float64(1234.5));
  EXPECT_TRUE(std::isnan(Conv(d, "NaN").as_float64()));
  EXPECT_EQ(Conv(d, "Infinity"), Value::Float64(INFINITY));
  TypeMappingOptions str;
  str.decimal_mode = DecimalHandlingMode::kString;
  auto s = Map(Col(oid::kNumeric), str);
  EXPECT_EQ(s.schema->type(), SchemaType::kString);
  EXPECT_EQ(Conv(s, "1234.50"), Value::String("1234.50"));
  EXPECT_EQ(Conv(s, "NaN"), Value::String("NAN"));
  EXPECT_EQ(Conv(s, "-Infinity"), Value::String("NEGATIVE_INFINITY"));
}

TEST(PgTypesTest, Money) {
  auto m = Map(Col(oid::kMoney));
  EXPECT_EQ(NameOf(m), "org.apache.kafka.connect.data.Decimal");
  EXPECT_EQ(m.schema->parameters().at("scale"), "2");
  EXPECT_EQ(Conv(m, "$1,234.56"), Value::DecimalValue(DecimalValue{"123456", 2}));
  EXPECT_EQ(Conv(m, "-$0.50"), Value::DecimalValue(DecimalValue{"-50", 2}));
  TypeMappingOptions str;
  str.decimal_mode = DecimalHandlingMode::kString;
  EXPECT_EQ(Conv(Map(Col(oid::kMoney), str), "$1,234.56"), Value::String("1234.56"));
}

TEST(PgTypesTest, TextLikeTypesAreStrings) {
  for (uint32_t t : {oid::kText, oid::kVarchar, oid::kBpchar, oid::kChar, oid::kName, oid::kInet,
                     oid::kCidr, oid::kMacaddr, oid::kMacaddr8, oid::kInt4range, oid::kTstzrange}) {
    auto m = Map(Col(t));
    EXPECT_EQ(m.schema->type(), SchemaType::kString) << t;
    EXPECT_FALSE(m.schema->name().has_value()) << t;
    EXPECT_EQ(Conv(m, "a b "), Value::String("a b ")) << t;
  }
  EXPECT_EQ(NameOf(Map(Col(oid::kJson))), "io.debezium.data.Json");
  EXPECT_EQ(NameOf(Map(Col(oid::kJsonb))), "io.debezium.data.Json");
  EXPECT_EQ(Conv(Map(Col(oid::kJsonb)), "{\"vip\": true}"), Value::String("{\"vip\": true}"));
  EXPECT_EQ(NameOf(Map(Col(oid::kXml))), "io.debezium.data.Xml");
  EXPECT_EQ(NameOf(Map(Col(oid::kUuid))), "io.debezium.data.Uuid");
  EXPECT_EQ(Map(Col(oid::kUuid)).schema->version(), 1);
}

TEST(PgTypesTest, ByteaUnderEveryBinaryMode) {
  auto bytes = Map(Col(oid::kBytea));
  EXPECT_EQ(bytes.schema->type(), SchemaType::kBytes);
  EXPECT_EQ(Conv(bytes, "\\x00ff10"), Value::BytesValue({0x00, 0xff, 0x10}));
  EXPECT_EQ(Conv(bytes, "\\x"), Value::BytesValue({}));
  EXPECT_FALSE(ConvertText(bytes, "\\000").ok());
  EXPECT_FALSE(ConvertText(bytes, "\\x0").ok());
  EXPECT_FALSE(ConvertText(bytes, "\\xzz").ok());
  TypeMappingOptions o;
  o.binary_mode = BinaryHandlingMode::kBase64;
  EXPECT_EQ(Conv(Map(Col(oid::kBytea), o), "\\xfbff"), Value::String("+/8="));
  o.binary_mode = BinaryHandlingMode::kBase64UrlSafe;
  EXPECT_EQ(Conv(Map(Col(oid::kBytea), o), "\\xfbff"), Value::String("-_8="));
  o.binary_mode = BinaryHandlingMode::kHex;
  EXPECT_EQ(Map(Col(oid::kBytea), o).schema->type(), SchemaType::kString);
  EXPECT_EQ(Conv(Map(Col(oid::kBytea), o), "\\xFBFF"), Value::String("fbff"));
}

TEST(PgTypesTest, Bits) {
  auto bit1 = Map(Col(oid::kBit, 1));
  EXPECT_EQ(bit1.schema->type(), SchemaType::kBoolean);
  EXPECT_EQ(Conv(bit1, "1"), Value::Boolean(true));
  auto bits = Map(Col(oid::kBit, 10));
  EXPECT_EQ(NameOf(bits), "io.debezium.data.Bits");
  EXPECT_EQ(bits.schema->parameters().at("length"), "10");
  // Rightmost character is bit 0; little-endian bytes.
  EXPECT_EQ(Conv(bits, "1000000011"), Value::BytesValue({0x03, 0x02}));
  auto varbit = Map(Col(oid::kVarbit, 16));
  EXPECT_EQ(Conv(varbit, "101"), Value::BytesValue({0x05}));
  EXPECT_FALSE(ConvertText(varbit, "102").ok());
}

TEST(PgTypesTest, DateUnderEveryTimeMode) {
  auto d = Map(Col(oid::kDate));
  EXPECT_EQ(NameOf(d), "io.debezium.time.Date");
  EXPECT_EQ(d.schema->type(), SchemaType::kInt32);
  EXPECT_EQ(Conv(d, "1970-01-01"), Value::Int32(0));
  EXPECT_EQ(Conv(d, "2026-08-20"), Value::Int32(20685));
  EXPECT_EQ(Conv(d, "1969-12-31"), Value::Int32(-1));
  EXPECT_EQ(Conv(d, "0001-01-01 BC"), Value::Int32(-719528));
  EXPECT_EQ(Conv(d, "10000-01-01"), Value::Int32(2932897));
  EXPECT_FALSE(ConvertText(d, "2026-02-30").ok());
  EXPECT_FALSE(ConvertText(d, "2026-1-1").ok());
  TypeMappingOptions connect;
  connect.time_precision_mode = TimePrecisionMode::kConnect;
  auto cd = Map(Col(oid::kDate), connect);
  EXPECT_EQ(NameOf(cd), Date::kLogicalName);
  EXPECT_EQ(Conv(cd, "1970-01-02"), Value::Int32(1));
}

TEST(PgTypesTest, TimeUnderEveryTimeMode) {
  auto t6 = Map(Col(oid::kTime));
  EXPECT_EQ(NameOf(t6), "io.debezium.time.MicroTime");
  EXPECT_EQ(Conv(t6, "13:45:30.123456"), Value::Int64(49530123456));
  EXPECT_EQ(Conv(t6, "24:00:00"), Value::Int64(86400000000));
  auto t3 = Map(Col(oid::kTime, 3));
  EXPECT_EQ(NameOf(t3), "io.debezium.time.Time");
  EXPECT_EQ(Conv(t3, "13:45:30.123"), Value::Int32(49530123));
  TypeMappingOptions micro;
  micro.time_precision_mode = TimePrecisionMode::kAdaptiveTimeMicroseconds;
  EXPECT_EQ(NameOf(Map(Col(oid::kTime, 3), micro)), "io.debezium.time.MicroTime");
  TypeMappingOptions connect;
  connect.time_precision_mode = TimePrecisionMode::kConnect;
  auto ct = Map(Col(oid::kTime), connect);
  EXPECT_EQ(NameOf(ct), Time::kLogicalName);
  EXPECT_EQ(Conv(ct, "00:00:01.5"), Value::Int32(1500));
  EXPECT_FALSE(ConvertText(t6, "25:00:00").ok());
}

TEST(PgTypesTest, TimestampUnderEveryTimeMode) {
  auto ts = Map(Col(oid::kTimestamp));
  EXPECT_EQ(NameOf(ts), "io.debezium.time.MicroTimestamp");
  EXPECT_EQ(Conv(ts, "2026-08-20 10:15:30.123456"), Value::Int64(1787220930123456));
  EXPECT_EQ(Conv(ts, "1969-12-31 23:59:59.5"), Value::Int64(-500000));
  EXPECT_EQ(Conv(ts, "infinity"), Value::Int64(9223372036825200000LL));
  EXPECT_EQ(Conv(ts, "-infinity"), Value::Int64(-9223372036832400000LL));
  auto ts3 = Map(Col(oid::kTimestamp, 3));
  EXPECT_EQ(NameOf(ts3), "io.debezium.time.Timestamp");
  EXPECT_EQ(Conv(ts3, "2026-08-20 10:15:30.123"), Value::Int64(1787220930123));
  EXPECT_EQ(Conv(ts3, "1969-12-31 23:59:59.999"), Value::Int64(-1));
  TypeMappingOptions micro;
  micro.time_precision_mode = TimePrecisionMode::kAdaptiveTimeMicroseconds;
  EXPECT_EQ(NameOf(Map(Col(oid::kTimestamp, 3), micro)), "io.debezium.time.Timestamp");
  TypeMappingOptions connect;
  connect.time_precision_mode = TimePrecisionMode::kConnect;
  auto ct = Map(Col(oid::kTimestamp), connect);
  EXPECT_EQ(NameOf(ct), Timestamp::kLogicalName);
  EXPECT_EQ(Conv(ct, "2026-08-20 10:15:30.123456"), Value::Int64(1787220930123));
}

TEST(PgTypesTest, TimestamptzIsZonedTimestampInUtc) {
  auto m = Map(Col(oid::kTimestamptz));
  EXPECT_EQ(NameOf(m), "io.debezium.time.ZonedTimestamp");
  EXPECT_EQ(Conv(m, "2026-08-20 10:15:30.123456+00"), Value::String("2026-08-20T10:15:30.123456Z"));
  EXPECT_EQ(Conv(m, "2026-08-20 12:15:30.5+02"), Value::String("2026-08-20T10:15:30.5Z"));
  EXPECT_EQ(Conv(m, "2026-01-01 00:30:00+05:30"), Value::String("2025-12-31T19:00:00Z"));
  EXPECT_EQ(Conv(m, "infinity"), Value::String("infinity"));
  EXPECT_EQ(Conv(m, "0044-03-15 12:00:00+00 BC"), Value::String("-0043-03-15T12:00:00Z"));
  // Declared precision pads the fraction.
  EXPECT_EQ(Conv(Map(Col(oid::kTimestamptz, 3)), "2026-08-20 10:15:30.1+00"),
            Value::String("2026-08-20T10:15:30.100Z"));
  EXPECT_FALSE(ConvertText(m, "2026-08-20 10:15:30").ok());
}

TEST(PgTypesTest, TimetzIsZonedTimeInUtc) {
  auto m = Map(Col(oid::kTimetz));
  EXPECT_EQ(NameOf(m), "io.debezium.time.ZonedTime");
  EXPECT_EQ(Conv(m, "13:45:30.123+02"), Value::String("11:45:30.123Z"));
  EXPECT_EQ(Conv(m, "01:00:00-03:30"), Value::String("04:30:00Z"));
  EXPECT_EQ(Conv(m, "01:00:00+03"), Value::String("22:00:00Z"));
}

TEST(PgTypesTest, IntervalUnderBothModes) {
  auto m = Map(Col(oid::kInterval));
  EXPECT_EQ(NameOf(m), "io.debezium.time.MicroDuration");
  EXPECT_EQ(m.schema->type(), SchemaType::kInt64);
  EXPECT_EQ(Conv(m, "00:00:01.5"), Value::Int64(1500000));
  EXPECT_EQ(Conv(m, "3 days"), Value::Int64(3 * 86400000000LL));
  EXPECT_EQ(Conv(m, "-1 days +02:00:00"), Value::Int64(-22 * 3600000000LL));
  EXPECT_EQ(Conv(m, "1 mon"), Value::Int64(static_cast<int64_t>(30.4375 * 86400e6)));
  EXPECT_EQ(
      Conv(m, "1 year 2 mons 3 days 04:05:06.78"),
      Value::Int64(std::llround(((14 * 30.4375 + 3) * 86400 + 4 * 3600 + 5 * 60 + 6.78) * 1e6)));
  TypeMappingOptions str;
  str.interval_mode = IntervalHandlingMode::kString;
  auto s = Map(Col(oid::kInterval), str);
  EXPECT_EQ(NameOf(s), "io.debezium.time.Interval");
  EXPECT_EQ(Conv(s, "1 year 2 mons 3 days 04:05:06.78"), Value::String("P1Y2M3DT4H5M6.78S"));
  EXPECT_EQ(Conv(s, "00:00:00"), Value::String("P0Y0M0DT0H0M0S"));
  EXPECT_EQ(Conv(s, "-00:00:01.5"), Value::String("P0Y0M0DT0H0M-1.5S"));
  EXPECT_EQ(Conv(s, "1 year -2 mons"), Value::String("P1Y-2M0DT0H0M0S"));
  EXPECT_FALSE(ConvertText(m, "1 fortnight").ok());
  EXPECT_FALSE(ConvertText(m, "").ok());
  EXPECT_FALSE(ConvertText(m, "@ 1 day").ok());
}

TEST(PgTypesTest, EnumsDomainsAndExtensionTypes) {
  ColumnDescriptor e = Col(16400);
  e.type.name = "mood";
  e.type.typtype = 'e';
  e.type.enum_labels = {"sad", "ok", "happy"};
  auto m = Map(e);
  EXPECT_EQ(NameOf(m), "io.debezium.data.Enum");
  EXPECT_EQ(m.schema->parameters().at("allowed"), "sad,ok,happy");
  EXPECT_EQ(Conv(m, "ok"), Value::String("ok"));

  ColumnDescriptor domain = Col(16500);
  domain.type.name = "price";
  domain.type.typtype = 'd';
  auto base = std::make_shared<PgType>();
  base->oid = oid::kNumeric;
  base->modifier = NumericTypmod(8, 3);
  domain.type.base = base;
  auto dm = Map(domain);
  EXPECT_EQ(dm.schema->parameters().at("scale"), "3");
  EXPECT_EQ(Conv(dm, "1.500"), Value::DecimalValue(DecimalValue{"1500", 3}));

  ColumnDescriptor hstore = Col(16600);
  hstore.type.name = "hstore";
  auto hj = Map(hstore);
  EXPECT_EQ(NameOf(hj), "io.debezium.data.Json");
  EXPECT_EQ(Conv(hj, "\"a\"=>\"1\", \"b\"=>NULL, \"q\\\"k\"=>\"x\""),
            Value::String("{\"a\":\"1\",\"b\":null,\"q\\\"k\":\"x\"}"));
  TypeMappingOptions map_mode;
  map_mode.hstore_mode = HstoreHandlingMode::kMap;
  auto hm = Map(hstore, map_mode);
  EXPECT_EQ(hm.schema->type(), SchemaType::kMap);
  Value v = Conv(hm, "\"a\"=>\"1\"");
  ASSERT_EQ(v.as_map().size(), 1u);
  EXPECT_EQ(v.as_map()[0].key, Value::String("a"));
  EXPECT_FALSE(ConvertText(hm, "\"a\"=\"1\"").ok());
  EXPECT_EQ(Conv(hm, ""), Value::MapValue({}));

  ColumnDescriptor citext = Col(16700);
  citext.type.name = "citext";
  EXPECT_EQ(Map(citext).schema->type(), SchemaType::kString);
}

TEST(PgTypesTest, UnknownTypesAreLeftOutOrCapturedAsText) {
  ColumnDescriptor point = Col(oid::kPoint);
  auto dropped = MapColumn(point, {});
  ASSERT_FALSE(dropped.ok());
  EXPECT_EQ(dropped.status().code(), StatusCode::kNotFound);
  EXPECT_NE(dropped.status().message().find("include.unknown.datatypes"), std::string::npos);
  TypeMappingOptions include;
  include.include_unknown_datatypes = true;
  auto m = Map(point, include);
  EXPECT_EQ(m.schema->type(), SchemaType::kString);
  EXPECT_EQ(Conv(m, "(1,2)"), Value::String("(1,2)"));
  ColumnDescriptor custom = Col(99999);
  custom.type.name = "my_composite";
  custom.type.typtype = 'c';
  EXPECT_EQ(MapColumn(custom, {}).status().code(), StatusCode::kNotFound);
}

TEST(PgTypesTest, ArrayLiteralParsing) {
  auto a = ParseArrayLiteral("{1,NULL,\"a b\",\"c\\\"d\",\"NULL\",\"\",x\\,y}");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->size(), 7u);
  EXPECT_EQ((*a)[0], "1");
  EXPECT_FALSE((*a)[1].has_value());
  EXPECT_EQ((*a)[2], "a b");
  EXPECT_EQ((*a)[3], "c\"d");
  EXPECT_EQ((*a)[4], "NULL");  // quoted: the string NULL
  EXPECT_EQ((*a)[5], "");
  EXPECT_EQ((*a)[6], "x,y");
  EXPECT_TRUE(ParseArrayLiteral("{}")->empty());
  EXPECT_EQ(ParseArrayLiteral("[0:1]={5,6}")->size(), 2u);
  for (const char* bad : {"", "{", "{1,", "{1,}", "{{1},{2}}", "[1:2][1:2]={{1,2},{3,4}}", "{1}x",
                          "{\"a}", "1,2", "{a\"b}"}) {
    EXPECT_FALSE(ParseArrayLiteral(bad).ok()) << bad;
  }
}

TEST(PgTypesTest, ArraysOfCommonTypes) {
  auto ints = Map(Col(1007));
  EXPECT_EQ(ints.schema->type(), SchemaType::kArray);
  EXPECT_TRUE(ints.schema->optional());
  EXPECT_EQ(ints.schema->value_schema()->type(), SchemaType::kInt32);
  EXPECT_TRUE(ints.schema->value_schema()->optional());
  EXPECT_EQ(Conv(ints, "{1,NULL,-3}"),
            Value::ArrayValue({Value::Int32(1), Value::Null(), Value::Int32(-3)}));
  auto texts = Map(Col(1009));
  EXPECT_EQ(Conv(texts, "{\"a,b\",c}"),
            Value::ArrayValue({Value::String("a,b"), Value::String("c")}));
  auto nums = Map(Col(1231, NumericTypmod(5, 2)));
  EXPECT_EQ(nums.schema->value_schema()->parameters().at("scale"), "2");
  EXPECT_EQ(Conv(nums, "{1.50}"), Value::ArrayValue({Value::DecimalValue(DecimalValue{"150", 2})}));
  auto tstz = Map(Col(1185));
  EXPECT_EQ(Conv(tstz, "{\"2026-08-20 10:15:30+00\"}"),
            Value::ArrayValue({Value::String("2026-08-20T10:15:30Z")}));
  auto uuids = Map(Col(2951));
  EXPECT_EQ(NameOf(ColumnMapping{"", "", uuids.schema->value_schema()}), "io.debezium.data.Uuid");
  auto bytea = Map(Col(1001));
  EXPECT_EQ(Conv(bytea, "{\"\\\\x01ff\"}"), Value::ArrayValue({Value::BytesValue({1, 0xff})}));
  // Arrays of an enum come with the element's catalog description.
  ColumnDescriptor moods = Col(16401);
  moods.type.name = "_mood";
  auto mood = std::make_shared<PgType>();
  mood->oid = 16400;
  mood->name = "mood";
  mood->typtype = 'e';
  mood->enum_labels = {"sad", "happy"};
  moods.type.element = mood;
  auto mm = Map(moods);
  EXPECT_EQ(mm.type_name, "mood[]");
  EXPECT_EQ(Conv(mm, "{sad,happy}"),
            Value::ArrayValue({Value::String("sad"), Value::String("happy")}));
  // A bad element names the column.
  auto bad = ConvertText(ints, "{1,x}");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("column c (int4[])"), std::string::npos);
  // Debezium leaves some arrays out (money[], interval[], …).
  EXPECT_EQ(MapColumn(Col(791), {}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(MapColumn(Col(1187), {}).status().code(), StatusCode::kNotFound);
}

TEST(PgTypesTest, DefaultsFromTheCatalog) {
  ColumnDescriptor serial = Col(oid::kInt4, -1, true);
  serial.default_expression = "nextval('customers_id_seq'::regclass)";
  auto m = Map(serial);
  ASSERT_NE(m.schema->default_value(), nullptr);
  EXPECT_EQ(*m.schema->default_value(), Value::Int32(0));
  ColumnDescriptor text = Col(oid::kVarchar);
  text.default_expression = "'it''s'::character varying";
  EXPECT_EQ(*Map(text).schema->default_value(), Value::String("it's"));
  ColumnDescriptor num = Col(oid::kInt8);
  num.default_expression = "'-5'::integer";
  EXPECT_EQ(*Map(num).schema->default_value(), Value::Int64(-5));
  num.default_expression = "42";
  EXPECT_EQ(*Map(num).schema->default_value(), Value::Int64(42));
  ColumnDescriptor b = Col(oid::kBool, -1, true);
  b.default_expression = "true";
  EXPECT_EQ(*Map(b).schema->default_value(), Value::Boolean(true));
  ColumnDescriptor none = Col(oid::kText);
  EXPECT_EQ(Map(none).schema->default_value(), nullptr);
}

TEST(PgTypesTest, UnavailableAndFallbackValues) {
  const std::string ph = "__debezium_unavailable_value";
  EXPECT_EQ(UnavailableValue(Map(Col(oid::kText)), ph), Value::String(ph));
  EXPECT_EQ(UnavailableValue(Map(Col(oid::kJsonb)), ph), Value::String(ph));
  EXPECT_EQ(UnavailableValue(Map(Col(oid::kBytea)), ph),
            Value::BytesValue(Bytes(ph.begin(), ph.end())));
  EXPECT_EQ(UnavailableValue(Map(Col(1009)), ph), Value::ArrayValue({Value::String(ph)}));
  EXPECT_EQ(UnavailableValue(Map(Col(1007)), ph).as_array().size(), ph.size());
  EXPECT_TRUE(UnavailableValue(Map(Col(oid::kInt4)), ph).is_null());
  EXPECT_EQ(UnavailableValue(Map(Col(oid::kInt4, -1, true)), ph), Value::Int32(0));
  EXPECT_EQ(FallbackValue(Map(Col(oid::kVarchar, -1, true)).schema), Value::String(""));
  EXPECT_TRUE(FallbackValue(Map(Col(oid::kVarchar)).schema).is_null());
  EXPECT_EQ(FallbackValue(Map(Col(oid::kNumeric, NumericTypmod(10, 2), true)).schema),
            Value::DecimalValue(DecimalValue{"0", 2}));
}

}  // namespace
}  // namespace tributary::connectors::pgcdc
