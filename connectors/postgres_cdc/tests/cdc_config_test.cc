// Configuration of the PostgreSQL CDC source: Debezium's keys, defaults and errors.
#include "connectors/postgres_cdc/cdc_config.h"

#include <gtest/gtest.h>

#include "connectors/postgres_cdc/postgres_cdc_source.h"

namespace tributary::connectors::pgcdc {
namespace {

ConfigMap Base() {
  return {{"database.hostname", "db"},
          {"database.user", "u"},
          {"database.password", "p'w"},
          {"database.dbname", "inventory"},
          {"topic.prefix", "dbserver1"}};
}

TEST(PostgresCdcConfigTest, DebeziumDefaults) {
  auto c = PostgresCdcConfig::Parse(Base());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->slot_name, "debezium");
  EXPECT_EQ(c->publication_name, "dbz_publication");
  EXPECT_EQ(c->publication_mode, PublicationAutocreateMode::kAllTables);
  EXPECT_EQ(c->snapshot_mode, SnapshotMode::kInitial);
  EXPECT_EQ(c->snapshot_fetch_size, 10240);
  EXPECT_EQ(c->heartbeat_interval_ms, 0);
  EXPECT_TRUE(c->tombstones_on_delete);
  EXPECT_EQ(c->skipped_operations, "t");
  EXPECT_EQ(c->decimal_handling_mode, "precise");
  EXPECT_EQ(c->time_precision_mode, "adaptive");
  EXPECT_FALSE(c->provide_transaction_metadata);
  EXPECT_FALSE(c->slot_drop_on_stop);
  EXPECT_EQ(c->max_batch_size, 2048);
  EXPECT_EQ(c->max_queue_size, 8192);
  EXPECT_EQ(c->poll_interval_ms, 500);
  EXPECT_EQ(c->heartbeat_topic, "__debezium-heartbeat.dbserver1");
  EXPECT_EQ(c->transaction_topic, "dbserver1.transaction");
  EXPECT_NE(c->conninfo.find("port=5432"), std::string::npos);
  EXPECT_NE(c->conninfo.find("password='p\\'w'"), std::string::npos);
}

TEST(PostgresCdcConfigTest, ErrorsNameTheKey) {
  auto expect_error = [](ConfigMap props, const std::string& key) {
    auto c = PostgresCdcConfig::Parse(props);
    ASSERT_FALSE(c.ok()) << key;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidConfig);
    EXPECT_NE(c.status().message().find(key), std::string::npos) << c.status().message();
  };
  ConfigMap p = Base();
  p.erase("topic.prefix");
  expect_error(p, "topic.prefix");
  p = Base();
  p["snapshot.mode"] = "sometimes";
  expect_error(p, "snapshot.mode");
  p = Base();
  p["plugin.name"] = "decoderbufs";
  expect_error(p, "plugin.name");
  p = Base();
  p["slot.name"] = "Bad-Slot";
  expect_error(p, "slot.name");
  p = Base();
  p["publication.autocreate.mode"] = "some";
  expect_error(p, "publication.autocreate.mode");
  p = Base();
  p["table.include.list"] = "public.(";
  expect_error(p, "table.include.list");
  p = Base();
  p["table.include.list"] = "public.a";
  p["table.exclude.list"] = "public.b";
  expect_error(p, "table.exclude.list");
  p = Base();
  p["skipped.operations"] = "c,x";
  expect_error(p, "skipped.operations");
  p = Base();
  p["max.queue.size"] = "100";
  p["max.batch.size"] = "200";
  expect_error(p, "max.queue.size");
  p = Base();
  p["message.key.columns"] = "public.t";
  expect_error(p, "message.key.columns");
  p = Base();
  p["decimal.handling.mode"] = "exact";
  expect_error(p, "decimal.handling.mode");
}

TEST(PostgresCdcConfigTest, FiltersAndKeyColumns) {
  ConfigMap p = Base();
  p["table.include.list"] = "public.orders, inventory\\..*";
  p["column.exclude.list"] = "public.orders.secret";
  p["message.key.columns"] = "public.orders:customer,id;inventory.*:sku";
  p["skipped.operations"] = "none";
  auto c = PostgresCdcConfig::Parse(p);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->IncludesTable("public", "orders"));
  EXPECT_FALSE(c->IncludesTable("public", "orders2"));  // anchored
  EXPECT_TRUE(c->IncludesTable("inventory", "products"));
  EXPECT_FALSE(c->IncludesColumn("public", "orders", "secret"));
  EXPECT_TRUE(c->IncludesColumn("public", "orders", "id"));
  ASSERT_NE(c->KeyColumnsFor("public", "orders"), nullptr);
  EXPECT_EQ(*c->KeyColumnsFor("public", "orders"), (std::vector<std::string>{"customer", "id"}));
  EXPECT_EQ(*c->KeyColumnsFor("inventory", "x"), (std::vector<std::string>{"sku"}));
  EXPECT_EQ(c->KeyColumnsFor("public", "other"), nullptr);
  EXPECT_FALSE(c->Skips('t'));
}

TEST(PostgresCdcConfigTest, MessagePrefixLists) {
  ConfigMap p = Base();
  auto all = PostgresCdcConfig::Parse(p);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_TRUE(all->IncludesMessagePrefix("anything"));
  p["message.prefix.include.list"] = "audit, app\\..*";
  auto include = PostgresCdcConfig::Parse(p);
  ASSERT_TRUE(include.ok()) << include.status().ToString();
  EXPECT_TRUE(include->IncludesMessagePrefix("audit"));
  EXPECT_TRUE(include->IncludesMessagePrefix("app.x"));
  EXPECT_FALSE(include->IncludesMessagePrefix("audit2"));  // anchored
  p["message.prefix.exclude.list"] = "x";
  auto both = PostgresCdcConfig::Parse(p);
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.status().code(), StatusCode::kInvalidConfig);
  EXPECT_NE(both.status().message().find("message.prefix.exclude.list"), std::string::npos);
  p.erase("message.prefix.include.list");
  auto exclude = PostgresCdcConfig::Parse(p);
  ASSERT_TRUE(exclude.ok()) << exclude.status().ToString();
  EXPECT_FALSE(exclude->IncludesMessagePrefix("x"));
  EXPECT_TRUE(exclude->IncludesMessagePrefix("xy"));
}

TEST(PostgresCdcConnectorTest, OneTaskAndDebeziumClassName) {
  PostgresCdcSourceConnector connector;
  ASSERT_TRUE(connector.Start(Base()).ok());
  auto tasks = connector.TaskConfigs(4);
  ASSERT_TRUE(tasks.ok());
  EXPECT_EQ(tasks->size(), 1u);
  ConnectorPlugin plugin = PostgresCdcSourcePlugin();
  EXPECT_EQ(plugin.class_name, "io.debezium.connector.postgresql.PostgresConnector");
  EXPECT_EQ(plugin.aliases, std::vector<std::string>{"PostgresCdcSource"});
  ConfigMap bad = Base();
  bad["snapshot.mode"] = "x";
  EXPECT_EQ(connector.Start(bad).code(), StatusCode::kInvalidConfig);
  EXPECT_FALSE(connector.Validate(bad).empty());
}

}  // namespace
}  // namespace tributary::connectors::pgcdc
