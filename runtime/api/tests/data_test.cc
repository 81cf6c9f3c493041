#include "runtime/api/data.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

namespace tributary {
namespace {

TEST(SchemaTypeTest, NamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(SchemaType::kStruct); ++i) {
    auto type = static_cast<SchemaType>(i);
    EXPECT_EQ(SchemaTypeFromName(SchemaTypeName(type)), type);
  }
  EXPECT_STREQ(SchemaTypeName(SchemaType::kFloat32), "float");
  EXPECT_STREQ(SchemaTypeName(SchemaType::kFloat64), "double");
  EXPECT_FALSE(SchemaTypeFromName("float32").has_value());
  EXPECT_TRUE(IsPrimitive(SchemaType::kBytes));
  EXPECT_FALSE(IsPrimitive(SchemaType::kMap));
}

TEST(SchemaBuilderTest, BuildsStructWithFields) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .Name("com.example.User")
                         .Version(3)
                         .Doc("a user")
                         .Parameter("k", "v")
                         .AddField("id", schemas::Int64())
                         .AddField("name", schemas::OptionalString())
                         .BuildOrDie();
  ASSERT_EQ(schema->fields().size(), 2u);
  EXPECT_EQ(schema->fields()[1].index, 1);
  ASSERT_NE(schema->FindField("name"), nullptr);
  EXPECT_EQ(schema->FindField("name")->schema, schemas::OptionalString());
  EXPECT_EQ(schema->FindField("missing"), nullptr);
  EXPECT_EQ(*schema->name(), "com.example.User");
  EXPECT_EQ(*schema->version(), 3);
  EXPECT_EQ(schema->parameters().at("k"), "v");
}

TEST(SchemaBuilderTest, ReportsMisuseFromBuild) {
  auto not_struct = SchemaBuilder::Int32().AddField("a", schemas::Int32()).Build();
  ASSERT_FALSE(not_struct.ok());
  EXPECT_EQ(not_struct.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(not_struct.status().message(), "Cannot create fields on type INT32");

  auto duplicate = SchemaBuilder::Struct()
                       .AddField("a", schemas::Int32())
                       .AddField("a", schemas::Int8())
                       .Build();
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.status().message(),
            "Cannot create field because of field name duplication a");

  EXPECT_FALSE(SchemaBuilder::Array(nullptr).Build().ok());
  EXPECT_FALSE(SchemaBuilder::Map(schemas::String(), nullptr).Build().ok());
  EXPECT_FALSE(SchemaBuilder::String().Name("a").Name("b").Build().ok());
}

TEST(SchemaBuilderTest, ChecksDefaultValue) {
  auto good = SchemaBuilder::Int32().DefaultValue(Value::Int32(7)).Build();
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*(*good)->default_value(), Value::Int32(7));

  auto bad = SchemaBuilder::Int32().DefaultValue(Value::String("x")).Build();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("Invalid default value"), std::string::npos);

  // A struct default is built against the same schema without the default.
  SchemaPtr inner = SchemaBuilder::Struct().AddField("a", schemas::Int32()).BuildOrDie();
  Struct s(inner);
  ASSERT_TRUE(s.Put("a", Value::Int32(1)).ok());
  auto with_default = SchemaBuilder::Struct()
                          .AddField("a", schemas::Int32())
                          .DefaultValue(Value::StructValue(s))
                          .Build();
  EXPECT_TRUE(with_default.ok()) << with_default.status().ToString();
}

TEST(SchemaTest, EqualsIsStructural) {
  auto make = [](std::string doc) {
    return SchemaBuilder::Struct()
        .AddField("xs", SchemaBuilder::Array(schemas::Int32()).BuildOrDie())
        .AddField("m", SchemaBuilder::Map(schemas::String(), schemas::OptionalBytes()).BuildOrDie())
        .Doc(std::move(doc))
        .BuildOrDie();
  };
  EXPECT_TRUE(SchemaEquals(make("a"), make("a")));
  EXPECT_FALSE(SchemaEquals(make("a"), make("b")));
  EXPECT_TRUE(SchemaEquals(nullptr, nullptr));
  EXPECT_FALSE(SchemaEquals(nullptr, schemas::Int8()));
  EXPECT_FALSE(SchemaEquals(schemas::Int8(), schemas::OptionalInt8()));
}

TEST(SchemaTest, PredefinedSchemasAreSingletons) {
  EXPECT_EQ(schemas::String(), schemas::String());
  EXPECT_FALSE(schemas::String()->optional());
  EXPECT_TRUE(schemas::OptionalFloat64()->optional());
  EXPECT_EQ(schemas::OptionalFloat64()->type(), SchemaType::kFloat64);
  EXPECT_EQ(schemas::Bool()->type(), SchemaType::kBoolean);
}

TEST(LogicalTypeTest, BuildersMatchConnect) {
  SchemaPtr decimal = Decimal::Builder(2).BuildOrDie();
  EXPECT_EQ(decimal->type(), SchemaType::kBytes);
  EXPECT_TRUE(decimal->IsLogical(Decimal::kLogicalName));
  EXPECT_EQ(*decimal->version(), 1);
  EXPECT_EQ(*Decimal::ScaleOf(*decimal), 2);
  EXPECT_EQ(Date::Builder().BuildOrDie()->type(), SchemaType::kInt32);
  EXPECT_EQ(Time::Builder().BuildOrDie()->type(), SchemaType::kInt32);
  EXPECT_EQ(Timestamp::Builder().BuildOrDie()->type(), SchemaType::kInt64);

  auto missing = Decimal::ScaleOf(*SchemaBuilder::Bytes().Name(Decimal::kLogicalName).BuildOrDie());
  EXPECT_FALSE(missing.ok());
  auto bad = Decimal::ScaleOf(*SchemaBuilder::Bytes().Parameter("scale", "x").BuildOrDie());
  EXPECT_FALSE(bad.ok());
}

TEST(DecimalValueTest, ToString) {
  EXPECT_EQ((DecimalValue{"1234", 2}).ToString(), "12.34");
  EXPECT_EQ((DecimalValue{"-5", 2}).ToString(), "-0.05");
  EXPECT_EQ((DecimalValue{"12", -2}).ToString(), "1200");
  EXPECT_EQ((DecimalValue{"0", 2}).ToString(), "0.00");
  EXPECT_EQ((DecimalValue{"7", 0}).ToString(), "7");
  EXPECT_EQ((DecimalValue{"123", 3}).ToString(), "0.123");
  // Absurd scales from outside data do not allocate gigabytes.
  EXPECT_EQ((DecimalValue{"1", 2000000000}).ToString(), "1E-2000000000");
}

TEST(DecimalValueTest, Parse) {
  auto check = [](std::string_view text, std::string unscaled, int32_t scale) {
    auto r = DecimalValue::Parse(text);
    ASSERT_TRUE(r.ok()) << text;
    EXPECT_EQ(r->unscaled, unscaled) << text;
    EXPECT_EQ(r->scale, scale) << text;
  };
  check("12.34", "1234", 2);
  check("-0.05", "-5", 2);
  check("-1e3", "-1", -3);
  check("1.5E-2", "15", 3);
  check("+007", "7", 0);
  check("-0.00", "0", 2);
  check(".5", "5", 1);
  for (std::string_view bad : {"", "-", "1.2.3", "abc", "1e", "1e+", "12a", "1e99999999999999"}) {
    EXPECT_FALSE(DecimalValue::Parse(bad).ok()) << bad;
  }
}

TEST(DecimalValueTest, UnscaledBytesMatchJavaBigInteger) {
  auto bytes = [](std::string unscaled) {
    return DecimalValue{std::move(unscaled), 0}.UnscaledBytes();
  };
  EXPECT_EQ(bytes("0"), (Bytes{0x00}));
  EXPECT_EQ(bytes("1"), (Bytes{0x01}));
  EXPECT_EQ(bytes("127"), (Bytes{0x7F}));
  EXPECT_EQ(bytes("128"), (Bytes{0x00, 0x80}));
  EXPECT_EQ(bytes("255"), (Bytes{0x00, 0xFF}));
  EXPECT_EQ(bytes("256"), (Bytes{0x01, 0x00}));
  EXPECT_EQ(bytes("-1"), (Bytes{0xFF}));
  EXPECT_EQ(bytes("-128"), (Bytes{0x80}));
  EXPECT_EQ(bytes("-129"), (Bytes{0xFF, 0x7F}));
  EXPECT_EQ(bytes("-256"), (Bytes{0xFF, 0x00}));
  EXPECT_EQ(bytes("1234"), (Bytes{0x04, 0xD2}));
  // 2^64 = 18446744073709551616
  EXPECT_EQ(bytes("18446744073709551616"), (Bytes{0x01, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(bytes("-9223372036854775808"), (Bytes{0x80, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(DecimalValueTest, UnscaledBytesRoundTrip) {
  const char* values[] = {"0",
                          "1",
                          "-1",
                          "127",
                          "-128",
                          "32768",
                          "-32769",
                          "4294967296",
                          "123456789012345678901234567890123456789",
                          "-98765432109876543210987654321098765432109876543210"};
  for (const char* v : values) {
    DecimalValue d{v, 4};
    DecimalValue back = DecimalValue::FromUnscaledBytes(d.UnscaledBytes(), 4);
    EXPECT_EQ(back, d) << v;
  }
  EXPECT_EQ(DecimalValue::FromUnscaledBytes({0xFF, 0x00}, 0).unscaled, "-256");
  EXPECT_EQ(DecimalValue::FromUnscaledBytes({0x80}, 0).unscaled, "-128");
  EXPECT_EQ(DecimalValue::FromUnscaledBytes({0x00, 0x00, 0x80}, 0).unscaled, "128");
  EXPECT_EQ(DecimalValue::FromUnscaledBytes({}, 0).unscaled, "0");
}

TEST(ValueTest, FactoriesAndAccessors) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_EQ(Value::Int8(-3).as_int8(), -3);
  EXPECT_EQ(Value::Int16(300).AsInteger(), 300);
  EXPECT_EQ(Value::Int64(1LL << 40).AsInteger(), 1LL << 40);
  EXPECT_FALSE(Value::String("1").AsInteger().has_value());
  EXPECT_EQ(Value::BytesValue({1, 2}).as_bytes(), (Bytes{1, 2}));
  EXPECT_EQ(Value::DecimalValue({"15", 1}).as_decimal().ToString(), "1.5");
  EXPECT_EQ(Value::Float32(1.5f).kind(), ValueKind::kFloat32);
  EXPECT_NE(Value::Int32(1), Value::Int64(1));  // widths are never guessed
}

TEST(ValueTest, CopyOnWrite) {
  Value a = Value::ArrayValue({Value::Int32(1), Value::Int32(2)});
  Value b = a;
  b.as_array().push_back(Value::Int32(3));
  EXPECT_EQ(a.as_array().size(), 2u);
  EXPECT_EQ(b.as_array().size(), 3u);

  Value m = Value::MapValue({MapEntry{Value::String("k"), Value::Int32(1)}});
  Value m2 = m;
  m2.as_map()[0].value = Value::Int32(9);
  EXPECT_EQ(*m.Find("k"), Value::Int32(1));
  EXPECT_EQ(*m2.Find("k"), Value::Int32(9));
  EXPECT_EQ(m.Find("nope"), nullptr);

  SchemaPtr schema = SchemaBuilder::Struct().AddField("a", schemas::Int32()).BuildOrDie();
  Value s = Value::StructValue(Struct(schema));
  Value s2 = s;
  ASSERT_TRUE(s2.as_struct().Put("a", Value::Int32(5)).ok());
  EXPECT_TRUE(s.as_struct().Get("a")->is_null());
  EXPECT_EQ(*s2.Find("a"), Value::Int32(5));
}

TEST(ValueTest, EqualityIsDeep) {
  EXPECT_EQ(Value::ArrayValue({Value::String("x")}), Value::ArrayValue({Value::String("x")}));
  EXPECT_NE(Value::ArrayValue({Value::String("x")}), Value::ArrayValue({Value::String("y")}));
  // Maps compare regardless of insertion order.
  Value m1 = Value::MapValue(
      {{Value::String("a"), Value::Int32(1)}, {Value::String("b"), Value::Int32(2)}});
  Value m2 = Value::MapValue(
      {{Value::String("b"), Value::Int32(2)}, {Value::String("a"), Value::Int32(1)}});
  EXPECT_EQ(m1, m2);
  double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(Value::Float64(nan), Value::Float64(nan));

  auto schema = [] { return SchemaBuilder::Struct().AddField("a", schemas::Int32()).BuildOrDie(); };
  Struct s1(schema());
  Struct s2(schema());
  ASSERT_TRUE(s1.Put("a", Value::Int32(1)).ok());
  ASSERT_TRUE(s2.Put("a", Value::Int32(1)).ok());
  EXPECT_EQ(s1, s2);  // different schema objects, same structure
}

TEST(ValueTest, DebugString) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("a", schemas::Int32())
                         .AddField("b", schemas::String())
                         .BuildOrDie();
  Struct s(schema);
  ASSERT_TRUE(s.Put("a", Value::Int32(1)).ok());
  ASSERT_TRUE(s.Put("b", Value::String("x")).ok());
  EXPECT_EQ(Value::StructValue(s).DebugString(), "Struct{a=1,b=\"x\"}");
  EXPECT_EQ(Value::ArrayValue({Value::Int8(1), Value()}).DebugString(), "[1, null]");
  EXPECT_EQ(Value::BytesValue({0xAB}).DebugString(), "bytes[ab]");
}

TEST(StructTest, PutGetAndValidate) {
  SchemaPtr schema =
      SchemaBuilder::Struct()
          .AddField("id", schemas::Int64())
          .AddField("note", schemas::OptionalString())
          .AddField("n", SchemaBuilder::Int32().DefaultValue(Value::Int32(3)).BuildOrDie())
          .BuildOrDie();
  Struct s(schema);
  EXPECT_EQ(s.Put("nope", Value::Int32(1)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.Get("nope"), nullptr);
  Status missing = s.Validate();
  EXPECT_EQ(missing.code(), StatusCode::kDataError);
  EXPECT_EQ(missing.message(),
            "Invalid value: null used for required field: \"id\", schema type: INT64");
  ASSERT_TRUE(s.Put("id", Value::Int32(1)).ok());
  Status wrong = s.Validate();
  EXPECT_EQ(wrong.code(), StatusCode::kDataError);
  EXPECT_NE(wrong.message().find("with type INT64"), std::string::npos) << wrong.message();
  ASSERT_TRUE(s.Put("id", Value::Int64(1)).ok());
  EXPECT_TRUE(s.Validate().ok());
  EXPECT_TRUE(s.Get("note")->is_null());
}

TEST(StructTest, PutByIndex) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("id", schemas::Int64())
                         .AddField("note", schemas::OptionalString())
                         .BuildOrDie();
  Struct s(schema);
  ASSERT_TRUE(s.Put(1, Value::String("hi")).ok());
  EXPECT_EQ(*s.Get("note"), Value::String("hi"));
  EXPECT_TRUE(s.Get("id")->is_null());
  EXPECT_EQ(s.Put(2, Value::Int64(1)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.Put(-1, Value::Int64(1)).code(), StatusCode::kInvalidArgument);
}

TEST(StructTest, CopiesShareUntilChanged) {
  SchemaPtr inner = SchemaBuilder::Struct().AddField("x", schemas::String()).BuildOrDie();
  SchemaPtr outer = SchemaBuilder::Struct()
                        .AddField("id", schemas::Int64())
                        .AddField("inner", inner)
                        .BuildOrDie();
  Struct in(inner);
  in.at(0) = Value::String("a long string that is not stored inline in std::string");
  Struct s(outer);
  s.at(0) = Value::Int64(1);
  s.at(1) = Value::StructValue(in);

  // A copy reads what the original holds, and a change to either stays its own, at any depth.
  Struct copy = s;
  EXPECT_EQ(copy, s);
  copy.at(1).as_struct().at(0) = Value::String("b");
  EXPECT_EQ(*s.Get(1).as_struct().Get("x"), in.Get(0));
  EXPECT_EQ(*copy.Get(1).as_struct().Get("x"), Value::String("b"));
  ASSERT_TRUE(s.Put("id", Value::Int64(2)).ok());
  EXPECT_EQ(copy.Get(0), Value::Int64(1));
  EXPECT_EQ(in.Get(0).as_string(), "a long string that is not stored inline in std::string");

  // Assignment shares too; the assigned-to Struct lets go of what it held.
  Struct other(inner);
  other = s;
  EXPECT_EQ(other, s);
  other = Struct(inner);
  EXPECT_EQ(other.schema(), inner);
  EXPECT_EQ(s.Get(0), Value::Int64(2));
  const Struct& same = other;
  other = same;  // self-assignment keeps the value
  EXPECT_EQ(other.schema(), inner);

  // A moved-from Struct has no schema and no values; it can be assigned again.
  Struct moved = std::move(other);
  EXPECT_EQ(moved.schema(), inner);
  EXPECT_EQ(other.schema(), nullptr);  // NOLINT(bugprone-use-after-move): the documented state
  EXPECT_TRUE(other.values().empty());
  EXPECT_EQ(other.Put("x", Value::String("y")).code(), StatusCode::kInvalidArgument);
  EXPECT_THROW((void)other.Get(0), std::out_of_range);
  other = moved;
  EXPECT_EQ(other, moved);

  // A struct without a schema has no fields.
  Struct bare(nullptr);
  EXPECT_TRUE(bare.values().empty());
  EXPECT_EQ(bare.Validate().code(), StatusCode::kDataError);
}

TEST(StructTest, CopiesOnOtherThreadsAreIndependent) {
  SchemaPtr schema = SchemaBuilder::Struct().AddField("n", schemas::Int64()).BuildOrDie();
  Struct shared(schema);
  shared.at(0) = Value::Int64(-1);
  // Each thread copies the shared struct many times, changes its copies and drops them; the
  // reference count must stay exact (ASan reports a double free or a leak, TSan a race).
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&shared, t] {
      for (int i = 0; i < 10000; ++i) {
        Value copy = Value::StructValue(shared);
        copy.as_struct().at(0) = Value::Int64(t);
        if (copy.as_struct().Get(0) != Value::Int64(t)) std::abort();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(shared.Get(0), Value::Int64(-1));
}

TEST(ValidateValueTest, ChecksNestedValuesAndLogicalTypes) {
  EXPECT_TRUE(ValidateValue(nullptr, Value::String("anything")).ok());
  EXPECT_TRUE(ValidateValue(schemas::OptionalInt8(), Value()).ok());
  Status null_required = ValidateValue(schemas::Int8(), Value());
  EXPECT_EQ(null_required.message(),
            "Invalid value: null used for required value, schema type: INT8");

  SchemaPtr arr = SchemaBuilder::Array(schemas::String()).BuildOrDie();
  EXPECT_TRUE(ValidateValue(arr, Value::ArrayValue({Value::String("a")})).ok());
  Status bad_elem = ValidateValue(arr, Value::ArrayValue({Value::Int32(1)}));
  EXPECT_NE(bad_elem.message().find("element of array value"), std::string::npos)
      << bad_elem.message();

  SchemaPtr map = SchemaBuilder::Map(schemas::String(), schemas::Int32()).BuildOrDie();
  Status bad_key = ValidateValue(map, Value::MapValue({{Value::Int32(1), Value::Int32(1)}}));
  EXPECT_NE(bad_key.message().find("key of map value"), std::string::npos) << bad_key.message();

  SchemaPtr decimal = Decimal::Builder(2).BuildOrDie();
  EXPECT_TRUE(ValidateValue(decimal, Value::DecimalValue({"100", 2})).ok());
  Status bytes_for_decimal = ValidateValue(decimal, Value::BytesValue({1}));
  EXPECT_NE(bytes_for_decimal.message().find("\"org.apache.kafka.connect.data.Decimal\""),
            std::string::npos);
  EXPECT_TRUE(ValidateValue(Date::Builder().BuildOrDie(), Value::Int32(19000)).ok());

  SchemaPtr st = SchemaBuilder::Struct().AddField("a", schemas::Int32()).BuildOrDie();
  SchemaPtr other = SchemaBuilder::Struct().AddField("b", schemas::Int32()).BuildOrDie();
  Struct wrong_schema(other);
  ASSERT_TRUE(wrong_schema.Put("b", Value::Int32(1)).ok());
  EXPECT_EQ(ValidateValue(st, Value::StructValue(wrong_schema)).message(),
            "Struct schemas do not match.");
}

}  // namespace
}  // namespace tributary
