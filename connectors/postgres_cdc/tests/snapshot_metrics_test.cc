// Debezium's snapshot metrics of the PostgreSQL CDC source against a real PostgreSQL server
// (tests/pg), exported through the worker's metrics registry as GET /metrics renders them.
#include <gtest/gtest.h>

#include <string>

#include "connectors/postgres_cdc/postgres_cdc_source.h"
#include "runtime/metrics/metrics_registry.h"
#include "tests/pg/postgres_server.h"

namespace tributary::connectors::pgcdc {
namespace {

using testing::PostgresServer;

// A context with no stored offsets whose plugin_metrics() is a group of a real registry, labelled
// as the worker labels a task's group.
class MetricsContext : public SourceTaskContext, public OffsetStorageReader {
 public:
  explicit MetricsContext(runtime::MetricsRegistry& registry)
      : group_(registry.NewGroup({{"connector", "pg-cdc"}, {"task", "0"}})) {}
  const ConfigMap& configs() const override { return configs_; }
  OffsetStorageReader& offset_storage_reader() override { return *this; }
  std::optional<SourceMap> Offset(const SourceMap&) override { return std::nullopt; }
  MetricGroup& plugin_metrics() override { return *group_; }

 private:
  ConfigMap configs_;
  std::unique_ptr<MetricGroup> group_;
};

// The value of the series `name{labels}` in `exposition`, or "<absent>".
std::string Sample(const std::string& exposition, const std::string& series) {
  std::string prefix = series + " ";
  size_t pos = 0;
  while ((pos = exposition.find(prefix, pos)) != std::string::npos) {
    if (pos == 0 || exposition[pos - 1] == '\n') {
      size_t start = pos + prefix.size();
      return exposition.substr(start, exposition.find('\n', start) - start);
    }
    pos += prefix.size();
  }
  return "<absent>";
}

constexpr const char* kLabels = "connector=\"pg-cdc\",task=\"0\",server=\"dbserver1\"";
std::string Table(const char* table) {
  return std::string("{") + kLabels + ",table=\"public." + table + "\"}";
}

TEST(PostgresCdcSnapshotMetricsTest, RowsScannedPerTableAndCompletion) {
  auto server = PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  for (const char* sql :
       {"CREATE TABLE sm_big (id int PRIMARY KEY, v text)",
        "INSERT INTO sm_big SELECT i, 'row ' || i FROM generate_series(1, 250) i",
        "CREATE TABLE sm_small (id int PRIMARY KEY)", "INSERT INTO sm_small VALUES (1), (2), (3)",
        "CREATE TABLE sm_empty (id int PRIMARY KEY)", "ANALYZE sm_big", "ANALYZE sm_small"}) {
    auto r = (*server)->QueryValue(sql);
    ASSERT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  }
  runtime::MetricsRegistry registry;
  MetricsContext context(registry);
  PostgresCdcSourceTask task;
  task.Initialize(&context);
  ConfigMap props = {{"name", "pg-cdc"},
                     {"database.hostname", "127.0.0.1"},
                     {"database.port", std::to_string((*server)->port())},
                     {"database.user", PostgresServer::kUser},
                     {"database.password", PostgresServer::kPassword},
                     {"database.dbname", PostgresServer::kDatabase},
                     {"topic.prefix", "dbserver1"},
                     {"slot.name", "sm"},
                     {"publication.name", "pub_sm"},
                     {"publication.autocreate.mode", "filtered"},
                     {"table.include.list", "public\\.sm_.*"},
                     {"snapshot.mode", "initial"},
                     {"snapshot.fetch.size", "100"},
                     {"max.batch.size", "50"},
                     {"poll.interval.ms", "100"}};
  Status started = task.Start(props);
  ASSERT_TRUE(started.ok()) << started.ToString();

  const std::string server_labels = std::string("{") + kLabels + "}";
  std::string m = registry.RenderPrometheus();
  EXPECT_EQ(Sample(m, "debezium_postgres_snapshot_total_table_count" + server_labels), "3");
  EXPECT_EQ(Sample(m, "debezium_postgres_snapshot_remaining_table_count" + server_labels), "3");
  EXPECT_EQ(Sample(m, "debezium_postgres_snapshot_running" + server_labels), "1");
  EXPECT_EQ(Sample(m, "debezium_postgres_snapshot_completed" + server_labels), "0");
  EXPECT_EQ(Sample(m, "debezium_postgres_snapshot_rows_scanned" + Table("sm_big")), "0");
  EXPECT_EQ(Sample(m, "debezium_postgres_snapshot_rows_estimated" + Table("sm_big")), "250");
  EXPECT_EQ(Sample(m, "debezium_postgres_snapshot_rows_estimated" + Table("sm_small")), "3");
  EXPECT_NE(m.find("# TYPE debezium_postgres_snapshot_rows_scanned gauge\n"), std::string::npos);

  // Tables are snapshotted in name order (sm_big, sm_empty, sm_small); one fetch of 100 rows
  // fills a batch of 50.
  auto first = task.Poll();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  m = registry.RenderPrometheus();
  EXPECT_EQ(Sample(m, "debezium_postgres_snapshot_rows_scanned" + Table("sm_big")), "100");
  EXPECT_EQ(Sample(m, "debezium_postgres_snapshot_remaining_table_count" + server_labels), "3");
  EXPECT_EQ(Sample(m, "debezium_postgres_snapshot_running" + server_labels), "1");

  size_t records = first->size();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (task.snapshot_running_for_test() && std::chrono::steady_clock::now() < deadline) {
    auto polled = task.Poll();
    ASSERT_TRUE(polled.ok()) << polled.status().ToString();
    records += polled->size();
  }
  ASSERT_FALSE(task.snapshot_running_for_test());
  EXPECT_EQ(records, 253u);
  m = registry.RenderPrometheus();
  EXPECT_EQ(Sample(m, "debezium_postgres_snapshot_rows_scanned" + Table("sm_big")), "250");
  EXPECT_EQ(Sample(m, "debezium_postgres_snapshot_rows_scanned" + Table("sm_small")), "3");
  EXPECT_EQ(Sample(m, "debezium_postgres_snapshot_rows_scanned" + Table("sm_empty")), "0");
  EXPECT_EQ(Sample(m, "debezium_postgres_snapshot_remaining_table_count" + server_labels), "0");
  EXPECT_EQ(Sample(m, "debezium_postgres_snapshot_running" + server_labels), "0");
  EXPECT_EQ(Sample(m, "debezium_postgres_snapshot_completed" + server_labels), "1");
  EXPECT_NE(Sample(m, "debezium_postgres_snapshot_duration_seconds" + server_labels), "<absent>");
  task.Stop();
}

}  // namespace
}  // namespace tributary::connectors::pgcdc
