#include "runtime/config/yaml_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tributary::runtime {
namespace {

using ::testing::HasSubstr;

TEST(YamlConfigTest, FlattensNestedMapsWithDots) {
  auto r = ParseYamlConfig(
      "bootstrap.servers: localhost:9092\n"
      "consumer:\n"
      "  max.poll.records: 10\n"
      "  security:\n"
      "    protocol: SSL\n"
      "quoted: \"  spaced  \"\n"
      "flag: true\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (ConfigMap{{"bootstrap.servers", "localhost:9092"},
                           {"consumer.max.poll.records", "10"},
                           {"consumer.security.protocol", "SSL"},
                           {"quoted", "  spaced  "},
                           {"flag", "true"}}));
}

TEST(YamlConfigTest, JoinsListsAndDropsNulls) {
  auto r = ParseYamlConfig("topics: [a, b, c]\nblock:\n  - x\n  - y\nunset:\nalso: ~\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (ConfigMap{{"topics", "a,b,c"}, {"block", "x,y"}}));
}

TEST(YamlConfigTest, EmptyDocumentIsEmptyMap) {
  auto r = ParseYamlConfig("");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(YamlConfigTest, SyntaxErrorsNamePosition) {
  auto r = ParseYamlConfig("a: 1\nb: [unclosed\n", "conf.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(r.status().message(), HasSubstr("conf.yaml:"));
  EXPECT_THAT(r.status().message(), ::testing::MatchesRegex("conf\\.yaml:[0-9]+:[0-9]+: .*"));
}

TEST(YamlConfigTest, StructuralErrorsNamePosition) {
  auto top = ParseYamlConfig("- a\n- b\n", "c.yaml");
  ASSERT_FALSE(top.ok());
  EXPECT_THAT(top.status().message(), HasSubstr("c.yaml:1:1"));
  auto nested_list = ParseYamlConfig("ok: 1\nlist:\n  - {a: 1}\n", "c.yaml");
  ASSERT_FALSE(nested_list.ok());
  EXPECT_THAT(nested_list.status().message(), HasSubstr("c.yaml:3:5"));
  EXPECT_THAT(nested_list.status().message(), HasSubstr("list"));
  auto dup = ParseYamlConfig("a.b: 1\na:\n  b: 2\n", "c.yaml");
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(dup.status().message(), HasSubstr("\"a.b\" is given twice"));
  auto complex_key = ParseYamlConfig("? [a, b]\n: 1\n", "c.yaml");
  EXPECT_FALSE(complex_key.ok());
}

TEST(YamlConfigTest, ParsesWorkerFileWithConnectorList) {
  auto r = ParseWorkerConfigFile(
      "worker:\n"
      "  bootstrap.servers: embedded\n"
      "  producer:\n"
      "    linger.ms: 5\n"
      "connectors:\n"
      "  - name: file-source\n"
      "    config:\n"
      "      connector.class: FileStreamSource\n"
      "      file: /tmp/in.txt\n"
      "  - name: sink\n"
      "    initial_state: paused\n"
      "    config: {connector.class: FileStreamSink, topics: [a, b]}\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->worker, (ConfigMap{{"bootstrap.servers", "embedded"}, {"producer.linger.ms", "5"}}));
  ASSERT_EQ(r->connectors.size(), 2u);
  EXPECT_EQ(r->connectors[0].name, "file-source");
  EXPECT_EQ(r->connectors[0].config, (ConfigMap{{"name", "file-source"},
                                                {"connector.class", "FileStreamSource"},
                                                {"file", "/tmp/in.txt"}}));
  EXPECT_FALSE(r->connectors[0].initial_state);
  EXPECT_EQ(r->connectors[1].config.at("topics"), "a,b");
  EXPECT_EQ(r->connectors[1].initial_state, "PAUSED");
}

TEST(YamlConfigTest, ParsesWorkerFileWithConnectorMapInOrder) {
  auto r = ParseWorkerConfigFile(
      "connectors:\n"
      "  zeta:\n"
      "    connector.class: A\n"
      "  alpha:\n"
      "    connector.class: B\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->worker.empty());
  ASSERT_EQ(r->connectors.size(), 2u);
  EXPECT_EQ(r->connectors[0].name, "zeta");
  EXPECT_EQ(r->connectors[1].name, "alpha");
  EXPECT_EQ(r->connectors[1].config.at("name"), "alpha");
}

TEST(YamlConfigTest, WorkerFileErrorsArePositioned) {
  auto unknown = ParseWorkerConfigFile("worker: {}\nconnector: []\n", "t.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("t.yaml:2:1"));
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown section \"connector\""));

  auto twice = ParseWorkerConfigFile("connectors:\n  - name: a\n  - name: a\n", "t.yaml");
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(twice.status().message(), HasSubstr("t.yaml:3:5"));
  EXPECT_THAT(twice.status().message(), HasSubstr("defined twice"));

  auto nameless = ParseWorkerConfigFile("connectors:\n  - config: {a: 1}\n", "t.yaml");
  ASSERT_FALSE(nameless.ok());
  EXPECT_THAT(nameless.status().message(), HasSubstr("non-empty name"));

  auto mismatch =
      ParseWorkerConfigFile("connectors:\n  - name: a\n    config: {name: b}\n", "t.yaml");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_THAT(mismatch.status().message(), HasSubstr("different name"));

  auto state =
      ParseWorkerConfigFile("connectors:\n  - name: a\n    initial_state: sleeping\n", "t.yaml");
  ASSERT_FALSE(state.ok());
  EXPECT_THAT(state.status().message(), HasSubstr("RUNNING, PAUSED or STOPPED"));

  auto bad_syntax = ParseWorkerConfigFile("worker: {a: 1\n", "t.yaml");
  ASSERT_FALSE(bad_syntax.ok());
  EXPECT_THAT(bad_syntax.status().message(), HasSubstr("t.yaml:"));
}

}  // namespace
}  // namespace tributary::runtime
