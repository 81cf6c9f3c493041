#include "runtime/config/json_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tributary::runtime {
namespace {

using ::testing::HasSubstr;

TEST(JsonConfigTest, FlattensObjectsAndKeepsNumberText) {
  auto r = ParseJsonConfig(
      R"({"tasks.max": 1, "ratio": 1.50, "big": 12345678901234567890, "on": true,
          "consumer": {"max.poll.records": 10}, "topics": ["a", "b", 3], "gone": null})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (ConfigMap{{"tasks.max", "1"},
                           {"ratio", "1.50"},
                           {"big", "12345678901234567890"},
                           {"on", "true"},
                           {"consumer.max.poll.records", "10"},
                           {"topics", "a,b,3"}}));
}

TEST(JsonConfigTest, SyntaxErrorsNameLineAndColumn) {
  auto r = ParseJsonConfig("{\n  \"a\": 1,\n  \"b\" 2\n}\n", "c.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(r.status().message(), HasSubstr("c.json:3:7: "));
  auto trailing = ParseJsonConfig("{} x", "c.json");
  ASSERT_FALSE(trailing.ok());
  EXPECT_THAT(trailing.status().message(), HasSubstr("c.json:1:4"));
}

TEST(JsonConfigTest, RejectsNonObjectsAndNestedLists) {
  EXPECT_FALSE(ParseJsonConfig("[1,2]").ok());
  auto r = ParseJsonConfig(R"({"l": [{"a": 1}]})", "c.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("list \"l\""));
  auto dup = ParseJsonConfig(R"({"a.b": "1", "a": {"b": "2"}})");
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(dup.status().message(), HasSubstr("given twice"));
}

TEST(JsonConfigTest, ParsesCreateConnectorRequest) {
  auto r = ParseConnectorJson(
      R"({"name": "pg", "config": {"connector.class": "PostgresConnector", "tasks.max": "1"},
          "initial_state": "stopped"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "pg");
  EXPECT_EQ(
      r->config,
      (ConfigMap{{"connector.class", "PostgresConnector"}, {"tasks.max", "1"}, {"name", "pg"}}));
  EXPECT_EQ(r->initial_state, "STOPPED");
}

TEST(JsonConfigTest, ParsesFlatConnectorConfig) {
  auto r = ParseConnectorJson(R"({"name": "s", "connector.class": "X"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->name, "s");
  EXPECT_FALSE(r->initial_state);
  EXPECT_EQ(r->config.at("connector.class"), "X");
}

TEST(JsonConfigTest, ConnectorJsonErrors) {
  auto nameless = ParseConnectorJson(R"({"config": {"a": "b"}})");
  ASSERT_FALSE(nameless.ok());
  EXPECT_THAT(nameless.status().message(), HasSubstr("no \"name\""));
  auto mismatch = ParseConnectorJson(R"({"name": "a", "config": {"name": "b"}})");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_THAT(mismatch.status().message(), HasSubstr("doesn't match"));
  auto state = ParseConnectorJson(R"({"name": "a", "config": {}, "initial_state": "x"})");
  EXPECT_FALSE(state.ok());
  auto extra = ParseConnectorJson(R"({"name": "a", "config": {}, "tasks": []})");
  ASSERT_FALSE(extra.ok());
  EXPECT_THAT(extra.status().message(), HasSubstr("unknown field \"tasks\""));
  EXPECT_FALSE(ParseConnectorJson("{").ok());
}

}  // namespace
}  // namespace tributary::runtime
