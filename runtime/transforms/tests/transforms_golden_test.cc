// Golden tests: every file in golden/ holds cases "input record + transform config -> expected
// record" (or dropped, or an error). Keys and values are written as JsonConverter envelopes
// ({"schema":…,"payload":…}) under "key"/"value", or as plain JSON under "key_schemaless" /
// "value_schemaless"; both sides are compared after a round trip through JsonConverter.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/converters/json_converter.h"
#include "runtime/converters/simple_header_converter.h"
#include "runtime/transforms/builtin_transforms.h"

namespace tributary::runtime {
namespace {

std::string ToText(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return buffer.GetString();
}

JsonConverter& Converter(bool schemas) {
  static JsonConverter with = [] {
    JsonConverter c;
    EXPECT_TRUE(c.Configure({{"schemas.enable", "true"}}, false).ok());
    return c;
  }();
  static JsonConverter without = [] {
    JsonConverter c;
    EXPECT_TRUE(c.Configure({{"schemas.enable", "false"}}, false).ok());
    return c;
  }();
  return schemas ? with : without;
}

// Reads "<name>" (envelope) or "<name>_schemaless" from `obj`.
SchemaAndValue ReadData(const rapidjson::Value& obj, const std::string& name) {
  if (obj.HasMember(name.c_str())) {
    auto r = Converter(true).ToConnectData("t", ToText(obj[name.c_str()]));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : SchemaAndValue{};
  }
  std::string schemaless = name + "_schemaless";
  if (obj.HasMember(schemaless.c_str())) {
    auto r = Converter(false).ToConnectData("t", ToText(obj[schemaless.c_str()]));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : SchemaAndValue{};
  }
  return {};
}

std::string Render(const SchemaPtr& schema, const Value& value) {
  auto r = Converter(schema != nullptr).FromConnectData("t", schema, value);
  if (!r.ok()) return "<" + r.status().ToString() + ">";
  return (schema ? "schema:" : "schemaless:") + r->value_or("null");
}

struct Input {
  ConnectRecord record;
  std::optional<int64_t> offset;
};

Input ReadRecord(const rapidjson::Value& obj) {
  Input in;
  in.record.topic = obj.HasMember("topic") ? obj["topic"].GetString() : "test";
  if (obj.HasMember("partition")) in.record.kafka_partition = obj["partition"].GetInt();
  if (obj.HasMember("offset")) in.offset = obj["offset"].GetInt64();
  if (obj.HasMember("timestamp")) in.record.timestamp = obj["timestamp"].GetInt64();
  SchemaAndValue key = ReadData(obj, "key");
  in.record.key_schema = key.schema;
  in.record.key = key.value;
  SchemaAndValue value = ReadData(obj, "value");
  in.record.value_schema = value.schema;
  in.record.value = value.value;
  if (obj.HasMember("headers")) {
    SimpleHeaderConverter parser;
    for (const auto& h : obj["headers"].GetArray()) {
      auto sv = parser.ToConnectHeader("t", h[0].GetString(), std::string_view(h[1].GetString()));
      in.record.headers.push_back({h[0].GetString(), sv->schema, sv->value});
    }
  }
  return in;
}

std::string HeadersText(const Headers& headers) {
  std::string text;
  for (const Header& h : headers) text += h.key + "=" + ConvertToString(h.schema, h.value) + ";";
  return text;
}

class TransformsGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TransformsGoldenTest, MatchesExpected) {
  std::ifstream file(GetParam());
  std::stringstream text;
  text << file.rdbuf();
  rapidjson::Document doc;
  ASSERT_FALSE(doc.Parse(text.str().c_str()).HasParseError()) << GetParam();
  auto transformations = BuiltinTransformations();
  int cases = 0;
  for (const auto& c : doc.GetArray()) {
    ++cases;
    const std::string name = c["name"].GetString();
    SCOPED_TRACE(name);
    const std::string type = c["type"].GetString();
    std::unique_ptr<Transformation> transform;
    for (const auto& plugin : transformations) {
      if (plugin.class_name == type) transform = plugin.factory();
    }
    ASSERT_NE(transform, nullptr) << "unknown transform " << type;
    ConfigMap config;
    for (const auto& m : c["config"].GetObject()) config[m.name.GetString()] = m.value.GetString();
    Status configured = transform->Configure(config);
    if (c.HasMember("config_error")) {
      ASSERT_FALSE(configured.ok());
      EXPECT_NE(configured.message().find(c["config_error"].GetString()), std::string::npos)
          << configured.message();
      continue;
    }
    ASSERT_TRUE(configured.ok()) << configured.ToString();
    Input in = ReadRecord(c["input"]);
    Result<bool> keep = transform->Apply(in.record, in.offset);
    if (c.HasMember("error")) {
      ASSERT_FALSE(keep.ok());
      EXPECT_NE(keep.status().message().find(c["error"].GetString()), std::string::npos)
          << keep.status().message();
      continue;
    }
    ASSERT_TRUE(keep.ok()) << keep.status().ToString();
    if (c.HasMember("dropped")) {
      EXPECT_FALSE(*keep);
      continue;
    }
    ASSERT_TRUE(*keep);
    Input expected = ReadRecord(c["expected"]);
    EXPECT_EQ(in.record.topic, expected.record.topic);
    EXPECT_EQ(Render(in.record.key_schema, in.record.key),
              Render(expected.record.key_schema, expected.record.key));
    EXPECT_EQ(Render(in.record.value_schema, in.record.value),
              Render(expected.record.value_schema, expected.record.value));
    if (c["expected"].HasMember("headers")) {
      EXPECT_EQ(HeadersText(in.record.headers), HeadersText(expected.record.headers));
    }
  }
  EXPECT_GT(cases, 0);
}

std::vector<std::string> GoldenFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::string(TRIBUTARY_SOURCE_DIR) + "/runtime/transforms/tests/golden")) {
    files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

INSTANTIATE_TEST_SUITE_P(Golden, TransformsGoldenTest, ::testing::ValuesIn(GoldenFiles()),
                         [](const auto& info) {
                           std::string n = std::filesystem::path(info.param).stem().string();
                           for (char& ch : n) {
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace tributary::runtime
