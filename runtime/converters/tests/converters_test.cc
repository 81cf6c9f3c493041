#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "runtime/converters/builtin_converters.h"
#include "runtime/converters/byte_array_converter.h"
#include "runtime/converters/java_format.h"
#include "runtime/converters/simple_header_converter.h"
#include "runtime/converters/string_converter.h"

namespace tributary::runtime {
namespace {

TEST(JavaFormatTest, DoubleToStringMatchesJava) {
  EXPECT_EQ(JavaDoubleToString(1.0), "1.0");
  EXPECT_EQ(JavaDoubleToString(0.1), "0.1");
  EXPECT_EQ(JavaDoubleToString(-2.5), "-2.5");
  EXPECT_EQ(JavaDoubleToString(100.0), "100.0");
  EXPECT_EQ(JavaDoubleToString(1234567.0), "1234567.0");
  EXPECT_EQ(JavaDoubleToString(1e7), "1.0E7");
  EXPECT_EQ(JavaDoubleToString(1.5e20), "1.5E20");
  EXPECT_EQ(JavaDoubleToString(0.001), "0.001");
  EXPECT_EQ(JavaDoubleToString(0.0001), "1.0E-4");
  EXPECT_EQ(JavaDoubleToString(0.0), "0.0");
  EXPECT_EQ(JavaDoubleToString(-0.0), "-0.0");
  EXPECT_EQ(JavaDoubleToString(std::nan("")), "NaN");
  EXPECT_EQ(JavaDoubleToString(-std::numeric_limits<double>::infinity()), "-Infinity");
  EXPECT_EQ(JavaDoubleToString(123.456), "123.456");
  EXPECT_EQ(JavaDoubleToString(-17.45), "-17.45");
  EXPECT_EQ(JavaDoubleToString(9999999.0), "9999999.0");
  EXPECT_EQ(JavaDoubleToString(12345.678e10), "1.2345678E14");
  EXPECT_EQ(JavaDoubleToString(-1.0e-5), "-1.0E-5");
  EXPECT_EQ(JavaDoubleToString(0.00123), "0.00123");
  EXPECT_EQ(JavaDoubleToString(std::numeric_limits<double>::max()), "1.7976931348623157E308");
  EXPECT_EQ(JavaDoubleToString(std::numeric_limits<double>::infinity()), "Infinity");
  // Short decimals (a path of their own) and their neighbours (the general one).
  EXPECT_EQ(JavaDoubleToString(999999.999), "999999.999");
  EXPECT_EQ(JavaDoubleToString(100.5), "100.5");
  EXPECT_EQ(JavaDoubleToString(0.45), "0.45");
  EXPECT_EQ(JavaDoubleToString(123456789012.345), "1.23456789012345E11");
  EXPECT_EQ(JavaDoubleToString(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(JavaDoubleToString(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(JavaDoubleToString(std::nextafter(17.45, 100.0)), "17.450000000000003");
  EXPECT_EQ(JavaFloatToString(0.1f), "0.1");
  EXPECT_EQ(JavaFloatToString(1.0e10f), "1.0E10");
  EXPECT_EQ(JavaFloatToString(3.4028235e38f), "3.4028235E38");
  // One digit reads back, so Java takes the closest two-digit decimal (subnormals only).
  EXPECT_EQ(JavaDoubleToString(std::numeric_limits<double>::denorm_min()), "4.9E-324");
  EXPECT_EQ(JavaDoubleToString(-std::numeric_limits<double>::denorm_min()), "-4.9E-324");
  EXPECT_EQ(JavaDoubleToString(2 * std::numeric_limits<double>::denorm_min()), "9.9E-324");
  EXPECT_EQ(JavaDoubleToString(4 * std::numeric_limits<double>::denorm_min()), "2.0E-323");
  EXPECT_EQ(JavaFloatToString(std::numeric_limits<float>::denorm_min()), "1.4E-45");
  EXPECT_EQ(JavaDoubleToString(std::numeric_limits<double>::min()), "2.2250738585072014E-308");
  EXPECT_EQ(JavaDoubleToString(1e-300), "1.0E-300");
}

TEST(JavaFormatTest, BigDecimalToStringMatchesJava) {
  EXPECT_EQ(JavaBigDecimalToString({"156", 2}), "1.56");
  EXPECT_EQ(JavaBigDecimalToString({"-5", 2}), "-0.05");
  EXPECT_EQ(JavaBigDecimalToString({"12", -2}), "1.2E+3");
  EXPECT_EQ(JavaBigDecimalToString({"1", 7}), "1E-7");
  EXPECT_EQ(JavaBigDecimalToString({"1", 6}), "0.000001");
  EXPECT_EQ(JavaBigDecimalToString({"0", -3}), "0E+3");
  EXPECT_EQ(JavaBigDecimalToString({"123", 0}), "123");
}

TEST(JavaFormatTest, Base64) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(Base64Decode("Zm9vYg"), "foob");
  EXPECT_EQ(Base64Decode(""), "");
  EXPECT_FALSE(Base64Decode("Zm9v!").has_value());
  EXPECT_FALSE(Base64Decode("Z").has_value());
}

TEST(JavaFormatTest, SanitizeUtf8ReplacesMalformedSequences) {
  EXPECT_EQ(SanitizeUtf8("h\xc3\xa9llo"), "h\xc3\xa9llo");
  EXPECT_EQ(SanitizeUtf8("a\xff"
                         "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(SanitizeUtf8("\xe2\x82"), "\xef\xbf\xbd");
  EXPECT_EQ(SanitizeUtf8("\xed\xa0\x80"), "\xef\xbf\xbd");  // a UTF-16 surrogate
  // Valid text around and between bad sequences is kept as it is, byte for byte.
  EXPECT_EQ(SanitizeUtf8("ab\xe2\x82"
                         "cd\xf0\x9f\x98\x80"
                         "e\xc0\x80"
                         "f\xf4\x90\x80\x80"
                         "g\x80\x80"),
            "ab\xef\xbf\xbd"
            "cd\xf0\x9f\x98\x80"
            "e\xef\xbf\xbd"
            "f\xef\xbf\xbd"
            "g\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(SanitizeUtf8("plain ascii"), "plain ascii");
  EXPECT_EQ(SanitizeUtf8(""), "");
  EXPECT_EQ(SanitizeUtf8("\xc3"), "\xef\xbf\xbd");  // cut short at the end
}

TEST(StringConverterTest, WritesTextAndReadsOptionalString) {
  StringConverter converter;
  ASSERT_TRUE(converter.Configure({}, false).ok());
  EXPECT_EQ(**converter.FromConnectData("t", schemas::String(), Value::String("héllo")), "héllo");
  EXPECT_EQ(**converter.FromConnectData("t", nullptr, Value::Int32(42)), "42");
  EXPECT_EQ(**converter.FromConnectData("t", nullptr, Value::Float64(1.0)), "1.0");
  EXPECT_EQ(**converter.FromConnectData("t", nullptr, Value::Boolean(false)), "false");
  EXPECT_EQ(**converter.FromConnectData("t", nullptr, Value::DecimalValue({"156", 2})), "1.56");
  EXPECT_EQ(**converter.FromConnectData("t", nullptr,
                                        Value::ArrayValue({Value::Int64(1), Value::String("a")})),
            "[1, a]");
  EXPECT_EQ(**converter.FromConnectData("t", nullptr,
                                        Value::MapValue({{Value::String("k"), Value::Int64(1)}})),
            "{k=1}");
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("a", schemas::Int32())
                         .AddField("b", schemas::OptionalString())
                         .BuildOrDie();
  Struct s(schema);
  ASSERT_TRUE(s.Put("a", Value::Int32(1)).ok());
  EXPECT_EQ(**converter.FromConnectData("t", schema, Value::StructValue(s)), "Struct{a=1}");
  EXPECT_FALSE(converter.FromConnectData("t", nullptr, Value())->has_value());

  auto read = converter.ToConnectData("t", "abc");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->schema, schemas::OptionalString());
  EXPECT_EQ(read->value, Value::String("abc"));
  auto null_read = converter.ToConnectData("t", std::nullopt);
  EXPECT_EQ(null_read->schema, schemas::OptionalString());
  EXPECT_TRUE(null_read->value.is_null());
  EXPECT_EQ(converter.ToConnectData("t", "\xff")->value, Value::String("\xef\xbf\xbd"));
}

TEST(StringConverterTest, OnlyUtf8IsSupported) {
  StringConverter converter;
  EXPECT_TRUE(converter.Configure({{"converter.encoding", "utf8"}}, true).ok());
  Status st = converter.Configure({{"converter.encoding", "ISO-8859-1"}}, false);
  EXPECT_EQ(st.code(), StatusCode::kInvalidConfig);
  EXPECT_EQ(st.message(),
            "Invalid value ISO-8859-1 for configuration converter.encoding: only UTF-8 is "
            "supported");
}

TEST(ByteArrayConverterTest, PassesBytesThrough) {
  ByteArrayConverter converter;
  ASSERT_TRUE(converter.Configure({}, false).ok());
  auto out = converter.FromConnectData("t", schemas::Bytes(), Value::BytesValue({0, 1, 0xff}));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(**out, std::string("\x00\x01\xff", 3));
  EXPECT_TRUE(converter.FromConnectData("t", nullptr, Value::BytesValue({1})).ok());
  EXPECT_FALSE(converter.FromConnectData("t", schemas::OptionalBytes(), Value())->has_value());

  auto wrong_schema = converter.FromConnectData("t", schemas::String(), Value::String("x"));
  EXPECT_EQ(wrong_schema.status().code(), StatusCode::kDataError);
  EXPECT_EQ(wrong_schema.status().message(), "Invalid schema type for ByteArrayConverter: STRING");
  auto wrong_value = converter.FromConnectData("t", nullptr, Value::String("x"));
  EXPECT_EQ(wrong_value.status().message(),
            "ByteArrayConverter is not compatible with objects of type string");

  auto read = converter.ToConnectData("t", std::string_view("\x00z", 2));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->schema, schemas::OptionalBytes());
  EXPECT_EQ(read->value, Value::BytesValue({0, 'z'}));
  EXPECT_TRUE(converter.ToConnectData("t", std::nullopt)->value.is_null());
}

TEST(SimpleHeaderConverterTest, WritesValuesAsText) {
  SimpleHeaderConverter converter;
  ASSERT_TRUE(converter.Configure({}).ok());
  auto write = [&](const SchemaPtr& schema, const Value& value) {
    auto r = converter.FromConnectHeader("t", "h", schema, value);
    EXPECT_TRUE(r.ok());
    return r->value_or("<null>");
  };
  EXPECT_EQ(write(schemas::String(), Value::String("plain \"x\"")), "plain \"x\"");
  EXPECT_EQ(write(schemas::Int16(), Value::Int16(-7)), "-7");
  EXPECT_EQ(write(schemas::Float32(), Value::Float32(2.5f)), "2.5");
  EXPECT_EQ(write(nullptr, Value::BytesValue({'h', 'i'})), "aGk=");
  EXPECT_EQ(write(nullptr, Value::ArrayValue({Value::String("a\"b"), Value::Int32(1)})),
            "[\"a\\\"b\",1]");
  EXPECT_EQ(write(nullptr, Value::MapValue({{Value::String("k"), Value::Boolean(true)}})),
            "{\"k\":true}");
  EXPECT_EQ(write(Date::Builder().BuildOrDie(), Value::Int32(19723)), "2024-01-01");
  EXPECT_EQ(write(Time::Builder().BuildOrDie(), Value::Int32(45296789)), "12:34:56.789Z");
  EXPECT_EQ(write(Timestamp::Builder().BuildOrDie(), Value::Int64(1704112496789LL)),
            "2024-01-01T12:34:56.789Z");
  EXPECT_EQ(write(nullptr, Value()), "<null>");
}

TEST(SimpleHeaderConverterTest, ReadsWithSmallInference) {
  SimpleHeaderConverter converter;
  auto read = [&](std::string_view text) {
    auto r = converter.ToConnectHeader("t", "h", text);
    EXPECT_TRUE(r.ok());
    return *r;
  };
  EXPECT_EQ(read("TRUE").value, Value::Boolean(true));
  EXPECT_EQ(read("12").value, Value::Int8(12));
  EXPECT_EQ(read("-300").value, Value::Int16(-300));
  EXPECT_EQ(read("70000").value, Value::Int32(70000));
  EXPECT_EQ(read("5000000000").value, Value::Int64(5000000000LL));
  EXPECT_EQ(read("5000000000").schema, schemas::Int64());
  EXPECT_EQ(read("1.5").value, Value::String("1.5"));
  EXPECT_EQ(read("").value, Value::String(""));
  EXPECT_EQ(read("-").value, Value::String("-"));
  EXPECT_EQ(read("hello").schema, schemas::String());
  auto null_read = converter.ToConnectHeader("t", "h", std::nullopt);
  EXPECT_EQ(null_read->schema, nullptr);
  EXPECT_TRUE(null_read->value.is_null());
}

TEST(BuiltinConvertersTest, RegistersJavaClassNames) {
  std::vector<std::string> names;
  for (const ConverterPlugin& p : BuiltinConverters()) {
    names.push_back(p.class_name);
    ASSERT_TRUE(p.factory);
    std::unique_ptr<Converter> c = p.factory();
    ASSERT_NE(c, nullptr);
    EXPECT_TRUE(c->Configure({}, false).ok()) << p.class_name;
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"org.apache.kafka.connect.json.JsonConverter",
                                      "org.apache.kafka.connect.storage.StringConverter",
                                      "org.apache.kafka.connect.converters.ByteArrayConverter"}));
  auto headers = BuiltinHeaderConverters();
  ASSERT_FALSE(headers.empty());
  EXPECT_EQ(headers[0].class_name, "org.apache.kafka.connect.storage.SimpleHeaderConverter");
  for (const HeaderConverterPlugin& p : headers) {
    std::unique_ptr<HeaderConverter> c = p.factory();
    ASSERT_TRUE(c->Configure({}).ok()) << p.class_name;
    auto out = c->FromConnectHeader("t", "h", schemas::OptionalBytes(), Value());
    ASSERT_TRUE(out.ok()) << p.class_name << ": " << out.status().ToString();
  }
}

}  // namespace
}  // namespace tributary::runtime
