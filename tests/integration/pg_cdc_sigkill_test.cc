// End to end on the real binary: PostgreSQL WAL -> CDC source -> Kafka. A writer commits small
// transactions into four tables while the worker is killed with SIGKILL at random moments and
// restarted. Afterwards every committed row is on its table's topic, first occurrences in commit
// order (duplicates of a replayed suffix are allowed: delivery is at-least-once).
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include "runtime/kafka/embedded_broker.h"
#include "runtime/kafka/kafka_client.h"
#include "tests/harness/harness.h"
#include "tests/pg/postgres_server.h"

namespace tributary::testing {
namespace {

using std::chrono::seconds;

constexpr int kTables = 4;
constexpr int kRowsPerTable = 3000;  // the mock broker keeps ~5 MiB per partition
constexpr int kRowsPerTransaction = 10;

class PgCdcSigkillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pg = PostgresServer::Start();
    ASSERT_TRUE(pg.ok()) << pg.status().ToString();
    pg_ = std::move(*pg);
    auto broker = runtime::EmbeddedBroker::Start();
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    broker_ = std::move(*broker);
    for (int t = 0; t < kTables; ++t) {
      ASSERT_TRUE(pg_->QueryValue("CREATE TABLE t" + std::to_string(t) +
                                  " (id int PRIMARY KEY, payload text)")
                      .ok());
      ASSERT_TRUE(broker_->CreateTopic(Topic(t), 1).ok());
    }
    WriteProperties(dir_.File("worker.properties"),
                    {{"bootstrap.servers", broker_->bootstrap_servers()},
                     {"key.converter", "org.apache.kafka.connect.json.JsonConverter"},
                     {"key.converter.schemas.enable", "false"},
                     {"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
                     {"value.converter.schemas.enable", "false"},
                     {"offset.storage.file.filename", dir_.File("offsets.json")},
                     {"offset.flush.interval.ms", "300"},
                     {"listeners", "http://127.0.0.1:0"}});
    WriteProperties(dir_.File("cdc.properties"),
                    {{"name", "pg-cdc"},
                     {"connector.class", "io.debezium.connector.postgresql.PostgresConnector"},
                     {"database.hostname", "127.0.0.1"},
                     {"database.port", std::to_string(pg_->port())},
                     {"database.user", PostgresServer::kUser},
                     {"database.password", PostgresServer::kPassword},
                     {"database.dbname", PostgresServer::kDatabase},
                     {"topic.prefix", "dbserver1"},
                     {"plugin.name", "pgoutput"},
                     {"publication.autocreate.mode", "filtered"},
                     {"table.include.list", "public\\.t[0-9]+"},
                     {"poll.interval.ms", "100"},
                     {"slot.retry.delay.ms", "200"},
                     {"slot.max.retries", "20"}});
  }

  static std::string Topic(int t) { return "dbserver1.public.t" + std::to_string(t); }

  std::unique_ptr<Process> StartWorker() {
    return std::make_unique<Process>(
        std::vector<std::string>{TributaryBinary(), "standalone", dir_.File("worker.properties"),
                                 dir_.File("cdc.properties")},
        dir_.File("worker" + std::to_string(++starts_) + ".log"));
  }

  // The ids of the record keys ({"id":N}) on `topic`, in topic order, reading until `min`
  // distinct ids arrived (or 60 s passed).
  std::vector<int> ReadIds(const std::string& topic, size_t min) {
    auto consumer = runtime::CreateKafkaHandle(RD_KAFKA_CONSUMER,
                                               {{"bootstrap.servers", broker_->bootstrap_servers()},
                                                {"group.id", "itest"},
                                                {"enable.auto.commit", "false"}});
    EXPECT_TRUE(consumer.ok());
    if (!consumer.ok()) return {};
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(consumer->get(), list);
    rd_kafka_topic_partition_list_destroy(list);
    std::vector<int> ids;
    std::set<int> distinct;
    auto deadline = std::chrono::steady_clock::now() + seconds(60);
    while (distinct.size() < min && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer->get(), 100);
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->key != nullptr) {
        std::string key(static_cast<const char*>(m->key), m->key_len);
        size_t pos = key.find("\"id\":");
        if (pos != std::string::npos) {
          int id = std::stoi(key.substr(pos + 5));
          ids.push_back(id);
          distinct.insert(id);
        }
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(consumer->get());
    return ids;
  }

  TempDir dir_;
  std::unique_ptr<PostgresServer> pg_;
  std::unique_ptr<runtime::EmbeddedBroker> broker_;
  int starts_ = 0;
};

TEST_F(PgCdcSigkillTest, SigkillDuringHeavyWritesLosesNoCommittedChange) {
  unsigned seed = std::random_device{}();
  if (const char* env = std::getenv("TRIBUTARY_TEST_SEED")) seed = std::stoul(env);
  std::printf("seed %u (TRIBUTARY_TEST_SEED to repeat)\n", seed);
  std::mt19937 rng(seed);

  auto worker = StartWorker();
  // Wait until the slot exists, so that every write below is captured.
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto v = pg_->QueryValue("SELECT count(*) FROM pg_replication_slots");
        return v.ok() && *v == "1";
      },
      seconds(30)))
      << worker->Log();

  std::atomic<bool> writer_failed{false};
  std::atomic<int> committed{0};
  std::thread writer([&] {
    PGconn* conn = PQconnectdb(pg_->Conninfo().c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      writer_failed = true;
      PQfinish(conn);
      return;
    }
    int next[kTables] = {1, 1, 1, 1};
    for (int tx = 0; tx < kTables * kRowsPerTable / kRowsPerTransaction; ++tx) {
      int t = tx % kTables;
      std::string table = "t" + std::to_string(t);
      std::string sql = "INSERT INTO " + table + " SELECT g, md5(g::text) FROM generate_series(" +
                        std::to_string(next[t]) + ", " +
                        std::to_string(next[t] + kRowsPerTransaction - 1) + ") g";
      PGresult* r = PQexec(conn, sql.c_str());
      if (PQresultStatus(r) != PGRES_COMMAND_OK) writer_failed = true;
      PQclear(r);
      next[t] += kRowsPerTransaction;
      committed += kRowsPerTransaction;
    }
    PQfinish(conn);
  });

  // Strike at random numbers of committed rows.
  std::uniform_int_distribution<int> pick(1, kTables * kRowsPerTable * 9 / 10);
  std::vector<int> points = {pick(rng), pick(rng), pick(rng)};
  std::sort(points.begin(), points.end());
  for (int kill = 0; kill < 3; ++kill) {
    ASSERT_TRUE(WaitUntil([&] { return committed >= points[kill] || writer_failed; }, seconds(60)));
    worker->Kill(SIGKILL);
    ASSERT_TRUE(worker->Wait(seconds(30)).has_value());
    std::printf("SIGKILL %d with %d rows committed\n", kill + 1, committed.load());
    worker = StartWorker();
  }
  writer.join();
  ASSERT_FALSE(writer_failed);

  for (int t = 0; t < kTables; ++t) {
    std::vector<int> ids = ReadIds(Topic(t), kRowsPerTable);
    std::set<int> seen;
    int last_first = 0;
    bool ordered = true;
    for (int id : ids) {
      if (seen.insert(id).second) {
        ordered = ordered && id == last_first + 1;
        last_first = id;
      }
    }
    EXPECT_EQ(seen.size(), static_cast<size_t>(kRowsPerTable)) << Topic(t) << "\n" << worker->Log();
    EXPECT_TRUE(ordered) << Topic(t) << ": first occurrences out of commit order";
    std::printf("%s: %zu records for %zu rows\n", Topic(t).c_str(), ids.size(), seen.size());
  }
  worker->Kill(SIGTERM);
  EXPECT_EQ(worker->Wait(seconds(30)), 0) << worker->Log();
}

}  // namespace
}  // namespace tributary::testing
