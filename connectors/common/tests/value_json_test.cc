#include "connectors/common/value_json.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tributary::connectors {
namespace {

std::string Json(const Value& value) {
  std::string out;
  AppendValueJson(out, value);
  return out;
}

TEST(ValueJsonTest, RendersNestedValues) {
  auto inner = SchemaBuilder::Struct().AddField("n", schemas::Int32()).BuildOrDie();
  Struct s(inner);
  ASSERT_TRUE(s.Put("n", Value::Int32(3)).ok());
  Value map = Value::MapValue(
      {{Value::String("a\"q"), Value::StructValue(s)},
       {Value::String("b"), Value::ArrayValue({Value::Float64(1.5), Value::Null()})},
       {Value::String("c"), Value::BytesValue({1, 2, 3})},
       {Value::String("d"), Value::Float32(NAN)}});
  EXPECT_EQ(Json(map), R"({"a\"q":{"n":3},"b":[1.5,null],"c":"AQID","d":"NaN"})");
}

TEST(ValueJsonTest, PrimitivesAsJsonLiterals) {
  EXPECT_EQ(Json(Value::Null()), "null");
  EXPECT_EQ(Json(Value::Boolean(true)), "true");
  EXPECT_EQ(Json(Value::Int64(-9007199254740993LL)), "-9007199254740993");
  EXPECT_EQ(Json(Value::Float64(1.0)), "1.0");
  EXPECT_EQ(Json(Value::Float32(0.1f)), "0.1");
  EXPECT_EQ(Json(Value::Float64(-INFINITY)), "\"-Infinity\"");
  EXPECT_EQ(Json(Value::DecimalValue({"-1234", 2})), "-12.34");
  EXPECT_EQ(Json(Value::String("tab\there\x01\b\f\\")), R"("tab\there\u0001\b\f\\")");
}

TEST(ValueJsonTest, MapKeysAreText) {
  Value map = Value::MapValue({{Value::Int32(2), Value::Boolean(false)},
                               {Value::Float64(3.0), Value::Null()},
                               {Value::BytesValue({0xff}), Value::Int8(1)}});
  EXPECT_EQ(Json(map), R"({"2":false,"3.0":null,"/w==":1})");
}

TEST(Base64Test, PadsLikeRfc4648) {
  EXPECT_EQ(Base64Encode({}), "");
  EXPECT_EQ(Base64Encode({'f'}), "Zg==");
  EXPECT_EQ(Base64Encode({'f', 'o'}), "Zm8=");
  EXPECT_EQ(Base64Encode({'f', 'o', 'o'}), "Zm9v");
  EXPECT_EQ(Base64Encode({'f', 'o', 'o', 'b', 'a', 'r'}), "Zm9vYmFy");
}

}  // namespace
}  // namespace tributary::connectors
