#include "runtime/config/worker_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tributary::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(WorkerConfigTest, DefaultsGiveAnEmbeddedQuickstartWorker) {
  auto r = ParseWorkerConfig({});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->embedded_broker);
  EXPECT_EQ(r->bootstrap_servers, "");
  EXPECT_EQ(r->key_converter, "org.apache.kafka.connect.json.JsonConverter");
  EXPECT_EQ(r->value_converter, "org.apache.kafka.connect.json.JsonConverter");
  EXPECT_EQ(r->header_converter, "org.apache.kafka.connect.storage.SimpleHeaderConverter");
  EXPECT_EQ(r->offset_storage_file_filename, "");
  EXPECT_EQ(r->offset_flush_interval_ms, 60000);
  EXPECT_EQ(r->offset_flush_timeout_ms, 5000);
  EXPECT_EQ(r->task_shutdown_graceful_timeout_ms, 5000);
  EXPECT_THAT(r->listeners, ElementsAre("http://:8083"));
  EXPECT_FALSE(r->rest_advertised_port);
  EXPECT_EQ(r->connector_client_config_override_policy, "All");
  EXPECT_EQ(r->mode, WorkerMode::kStandalone);
}

TEST(WorkerConfigTest, ParsesConnectStandaloneProperties) {
  ConfigMap props = {{"bootstrap.servers", "broker1:9092, broker2:9092"},
                     {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
                     {"offset.storage.file.filename", "/tmp/connect.offsets"},
                     {"offset.flush.interval.ms", "10000"},
                     {"listeners", "http://0.0.0.0:8083,https://[::1]:8443"},
                     {"rest.advertised.port", "18083"},
                     {"plugin.path", "/opt/plugins, /usr/lib/tributary"},
                     {"producer.linger.ms", "5"}};
  auto r = ParseWorkerConfig(props);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->embedded_broker);
  EXPECT_EQ(r->bootstrap_servers, "broker1:9092,broker2:9092");
  EXPECT_EQ(r->key_converter, "org.apache.kafka.connect.storage.StringConverter");
  EXPECT_EQ(r->offset_storage_file_filename, "/tmp/connect.offsets");
  EXPECT_EQ(r->offset_flush_interval_ms, 10000);
  EXPECT_THAT(r->listeners, ElementsAre("http://0.0.0.0:8083", "https://[::1]:8443"));
  EXPECT_EQ(r->rest_advertised_port, 18083);
  EXPECT_THAT(r->plugin_path, ElementsAre("/opt/plugins", "/usr/lib/tributary"));
  EXPECT_EQ(r->raw.at("producer.linger.ms"), "5");
}

TEST(WorkerConfigTest, EmptyOrEmbeddedBootstrapMeansEmbedded) {
  EXPECT_TRUE(ParseWorkerConfig({{"bootstrap.servers", ""}})->embedded_broker);
  EXPECT_TRUE(ParseWorkerConfig({{"bootstrap.servers", " Embedded "}})->embedded_broker);
  EXPECT_TRUE(IsEmbeddedBootstrap(""));
  EXPECT_FALSE(IsEmbeddedBootstrap("localhost:9092"));
}

TEST(WorkerConfigTest, ErrorsNameTheKey) {
  auto r = ParseWorkerConfig({{"offset.flush.interval.ms", "soon"},
                              {"listeners", "ftp://:21"},
                              {"rest.advertised.port", "70000"},
                              {"security.protocol", "TLS"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidConfig);
  const std::string& m = r.status().message();
  EXPECT_THAT(m, HasSubstr("Invalid value soon for configuration offset.flush.interval.ms: Not a "
                           "number of type LONG"));
  EXPECT_THAT(m, HasSubstr("Invalid value ftp://:21 for configuration listeners"));
  EXPECT_THAT(m, HasSubstr("configuration rest.advertised.port: Value must be no more than 65535"));
  EXPECT_THAT(m, HasSubstr("Invalid value TLS for configuration security.protocol"));
}

TEST(WorkerConfigTest, ListenerNeedsAPort) {
  auto r = ParseWorkerConfig({{"listeners", "http://localhost"}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("needs a port"));
}

TEST(WorkerConfigTest, DistributedModeRequiresGroupAndTopics) {
  auto missing = ParseWorkerConfig({}, WorkerMode::kDistributed);
  ASSERT_FALSE(missing.ok());
  for (const char* key :
       {"group.id", "config.storage.topic", "offset.storage.topic", "status.storage.topic"}) {
    EXPECT_THAT(missing.status().message(),
                HasSubstr(std::string("Missing required configuration \"") + key +
                          "\" which has no default value."));
  }
  auto ok = ParseWorkerConfig({{"group.id", "connect-cluster"},
                               {"config.storage.topic", "connect-configs"},
                               {"offset.storage.topic", "connect-offsets"},
                               {"status.storage.topic", "connect-status"},
                               {"offset.storage.replication.factor", "-1"}},
                              WorkerMode::kDistributed);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->group_id, "connect-cluster");
  EXPECT_EQ(ok->offset_storage_partitions, 25);
  EXPECT_EQ(ok->offset_storage_replication_factor, -1);
  EXPECT_EQ(ok->status_storage_partitions, 5);
  auto bad_rf = ParseWorkerConfig({{"config.storage.replication.factor", "0"}});
  EXPECT_FALSE(bad_rf.ok());
}

TEST(WorkerConfigTest, DefListsConnectKeysWithTypes) {
  const ConfigDef& def = WorkerConfigDef();
  ASSERT_NE(def.Find("sasl.jaas.config"), nullptr);
  EXPECT_EQ(def.Find("sasl.jaas.config")->type, ConfigType::kPassword);
  EXPECT_EQ(def.Find("key.converter")->type, ConfigType::kClass);
  EXPECT_FALSE(def.Find("group.id")->required());
  EXPECT_TRUE(WorkerConfigDef(WorkerMode::kDistributed).Find("group.id")->required());
}

}  // namespace
}  // namespace tributary::runtime
