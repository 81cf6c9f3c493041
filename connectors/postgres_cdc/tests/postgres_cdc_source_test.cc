// The PostgreSQL CDC source task against a real PostgreSQL server (tests/pg), driven as the worker
// drives it: Start, Poll, Commit after "storing" an offset, Stop.
#include "connectors/postgres_cdc/postgres_cdc_source.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "tests/harness/harness.h"
#include "tests/pg/postgres_server.h"

namespace tributary::connectors::pgcdc {
namespace {

using testing::PostgresServer;

// The worker's offset store as the task sees it.
class FakeContext : public SourceTaskContext, public OffsetStorageReader {
 public:
  const ConfigMap& configs() const override { return configs_; }
  OffsetStorageReader& offset_storage_reader() override { return *this; }
  std::optional<SourceMap> Offset(const SourceMap& partition) override {
    auto it = stored.find(partition.at("server").as_string());
    if (it == stored.end()) return std::nullopt;
    return it->second;
  }
  // What the worker does once Kafka acknowledged `record` and the offset flush ran.
  void Store(const SourceRecord& record) {
    if (!record.source_offset.empty()) {
      stored[record.source_partition.at("server").as_string()] = record.source_offset;
    }
  }

  ConfigMap configs_;
  std::map<std::string, SourceMap> stored;
};

TEST(StreamPositionTest, OffsetHasDebeziumKeysInEveryShape) {
  // Built by copying a template per shape and setting its values: each shape must carry exactly
  // the keys (and values) of inserting them one by one.
  for (int64_t events : {0, 3}) {
    for (const char* type : {"", "INSERT"}) {
      StreamPosition p;
      p.lsn_commit = 1000;
      p.lsn = 900;
      p.events_at_lsn = events;
      p.tx_id = 77;
      p.ts_usec = 123456;
      p.message_type = type;
      SourceMap want = {{"lsn", Value::Int64(900)},
                        {"lsn_proc", Value::Int64(900)},
                        {"lsn_commit", Value::Int64(1000)},
                        {"txId", Value::Int64(77)},
                        {"ts_usec", Value::Int64(123456)}};
      if (events > 0) want.emplace("lsn_events_processed", Value::Int64(events));
      if (*type != '\0') want.emplace("messageType", Value::String(type));
      EXPECT_EQ(p.ToOffset(), want) << "events " << events << " type '" << type << "'";
      // Each call gives a map of its own.
      SourceMap first = p.ToOffset();
      p.lsn = 901;
      EXPECT_EQ(first.at("lsn").as_int64(), 900);
      EXPECT_EQ(p.ToOffset().at("lsn_proc").as_int64(), 901);
    }
  }
}

const Value* Path(const Value& v, std::initializer_list<const char*> names) {
  const Value* cur = &v;
  for (const char* name : names) {
    if (cur == nullptr || cur->kind() != ValueKind::kStruct) return nullptr;
    cur = cur->as_struct().Get(name);
  }
  return cur;
}

std::string Str(const Value& v, std::initializer_list<const char*> names) {
  const Value* f = Path(v, names);
  if (!f) return "<missing>";
  if (f->is_null()) return "<null>";
  if (f->kind() == ValueKind::kString) return f->as_string();
  auto i = f->AsInteger();
  return i ? std::to_string(*i) : f->DebugString();
}

class PostgresCdcSourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto server = PostgresServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  ConfigMap Props(const std::string& slot, ConfigMap extra = {}) {
    ConfigMap props = {{"name", "pg-cdc"},
                       {"database.hostname", "127.0.0.1"},
                       {"database.port", std::to_string(server_->port())},
                       {"database.user", PostgresServer::kUser},
                       {"database.password", PostgresServer::kPassword},
                       {"database.dbname", PostgresServer::kDatabase},
                       {"topic.prefix", "dbserver1"},
                       {"plugin.name", "pgoutput"},
                       {"slot.name", slot},
                       {"publication.name", "pub_" + slot},
                       {"publication.autocreate.mode", "filtered"},
                       {"table.include.list", "public\\." + slot + "_.*"},
                       {"poll.interval.ms", "100"},
                       {"slot.retry.delay.ms", "100"}};
    for (auto& [k, v] : extra) props[k] = v;
    return props;
  }

  std::unique_ptr<PostgresCdcSourceTask> StartTask(ConfigMap props, FakeContext& context,
                                                   Status* status = nullptr) {
    auto task = std::make_unique<PostgresCdcSourceTask>();
    task->Initialize(&context);
    Status st = task->Start(props);
    if (status) {
      *status = st;
    } else {
      EXPECT_TRUE(st.ok()) << st.ToString();
    }
    return task;
  }

  void Sql(const std::string& sql) {
    auto r = server_->QueryValue(sql);
    ASSERT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  }

  // Polls until `n` records (excluding heartbeats) arrived or 30 s passed.
  std::vector<SourceRecord> PollN(PostgresCdcSourceTask& task, size_t n,
                                  std::chrono::seconds limit = std::chrono::seconds(30)) {
    std::vector<SourceRecord> all;
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (all.size() < n && std::chrono::steady_clock::now() < deadline) {
      auto polled = task.Poll();
      EXPECT_TRUE(polled.ok()) << polled.status().ToString();
      if (!polled.ok()) break;
      for (auto& r : *polled) {
        if (r.topic.rfind("__debezium-heartbeat", 0) == 0) continue;
        all.push_back(std::move(r));
      }
    }
    return all;
  }

  // Polls until streaming has started (the first Poll after Start without snapshot connects).
  void StartStreaming(PostgresCdcSourceTask& task) {
    auto polled = task.Poll();
    ASSERT_TRUE(polled.ok()) << polled.status().ToString();
  }

  static PostgresServer* server_;
};

PostgresServer* PostgresCdcSourceTest::server_ = nullptr;

TEST_F(PostgresCdcSourceTest, InsertUpdateDeleteAsDebeziumWritesThem) {
  Sql("CREATE TABLE s1_customers (id serial PRIMARY KEY, first_name text NOT NULL, "
      "email text)");
  FakeContext context;
  // Batches of one change: each change's last record carries its offset.
  auto task =
      StartTask(Props("s1", {{"snapshot.mode", "no_data"}, {"max.batch.size", "1"}}), context);
  StartStreaming(*task);
  Sql("INSERT INTO s1_customers (first_name, email) VALUES ('Anne', 'annek@noanswer.org')");
  Sql("UPDATE s1_customers SET first_name = 'Anne Marie' WHERE id = 1");
  Sql("DELETE FROM s1_customers WHERE id = 1");
  auto records = PollN(*task, 4);
  ASSERT_EQ(records.size(), 4u);
  for (const auto& r : records) {
    EXPECT_EQ(r.topic, "dbserver1.public.s1_customers");
    ASSERT_TRUE(r.key_schema);
    EXPECT_EQ(r.key_schema->name().value_or(""), "dbserver1.public.s1_customers.Key");
    EXPECT_EQ(Str(r.key, {"id"}), "1");
    EXPECT_EQ(r.source_partition.at("server").as_string(), "dbserver1");
  }
  const Value& c = records[0].value;
  EXPECT_EQ(records[0].value_schema->name().value_or(""), "dbserver1.public.s1_customers.Envelope");
  EXPECT_EQ(records[0].value_schema->version().value_or(0), 2);
  EXPECT_EQ(Str(c, {"op"}), "c");
  EXPECT_EQ(Str(c, {"before"}), "<null>");
  EXPECT_EQ(Str(c, {"after", "id"}), "1");
  EXPECT_EQ(Str(c, {"after", "first_name"}), "Anne");
  EXPECT_EQ(Str(c, {"after", "email"}), "annek@noanswer.org");
  EXPECT_EQ(Str(c, {"source", "version"}), kDebeziumVersion);
  EXPECT_EQ(Str(c, {"source", "connector"}), "postgresql");
  EXPECT_EQ(Str(c, {"source", "name"}), "dbserver1");
  EXPECT_EQ(Str(c, {"source", "db"}), "test");
  EXPECT_EQ(Str(c, {"source", "schema"}), "public");
  EXPECT_EQ(Str(c, {"source", "table"}), "s1_customers");
  EXPECT_EQ(Str(c, {"source", "snapshot"}), "false");
  EXPECT_NE(Str(c, {"source", "txId"}), "<null>");
  EXPECT_NE(Str(c, {"source", "lsn"}), "<null>");
  EXPECT_NE(Str(c, {"ts_ms"}), "<null>");
  // The offset in Debezium's format.
  const SourceMap& off = records[0].source_offset;
  for (const char* key : {"lsn", "lsn_proc", "lsn_commit", "txId", "ts_usec"}) {
    EXPECT_TRUE(off.count(key)) << key;
  }
  EXPECT_EQ(off.at("lsn").as_int64(), std::stoll(Str(c, {"source", "lsn"})));
  EXPECT_EQ(off.at("txId").as_int64(), std::stoll(Str(c, {"source", "txId"})));

  const Value& u = records[1].value;
  EXPECT_EQ(Str(u, {"op"}), "u");
  EXPECT_EQ(Str(u, {"before"}), "<null>");  // REPLICA IDENTITY DEFAULT: no old row
  EXPECT_EQ(Str(u, {"after", "first_name"}), "Anne Marie");

  const Value& d = records[2].value;
  EXPECT_EQ(Str(d, {"op"}), "d");
  EXPECT_EQ(Str(d, {"before", "id"}), "1");
  EXPECT_EQ(Str(d, {"before", "email"}), "<null>");  // not part of the key
  EXPECT_EQ(Str(d, {"after"}), "<null>");

  EXPECT_TRUE(records[3].value.is_null());  // tombstone
  EXPECT_EQ(records[3].value_schema, nullptr);
  // The delete carries no offset, the tombstone (the change's last record) the position after
  // the change: a half-stored change is replayed whole.
  EXPECT_TRUE(records[2].source_offset.empty());
  EXPECT_FALSE(records[3].source_offset.empty());
  task->Stop();
}

TEST_F(PostgresCdcSourceTest, ReplicaIdentityFullToastAndTruncate) {
  Sql("CREATE TABLE s2_full (id int PRIMARY KEY, name text)");
  Sql("ALTER TABLE s2_full REPLICA IDENTITY FULL");
  Sql("CREATE TABLE s2_toast (id int PRIMARY KEY, n int, big text)");
  Sql("ALTER TABLE s2_toast ALTER COLUMN big SET STORAGE EXTERNAL");
  FakeContext context;
  auto task = StartTask(Props("s2", {{"snapshot.mode", "no_data"},
                                     {"skipped.operations", "none"},
                                     {"tombstones.on.delete", "false"}}),
                        context);
  StartStreaming(*task);
  Sql("INSERT INTO s2_full VALUES (1, 'a')");
  Sql("UPDATE s2_full SET name = 'b' WHERE id = 1");
  Sql("DELETE FROM s2_full WHERE id = 1");
  Sql("INSERT INTO s2_toast VALUES (1, 0, repeat('x', 10000))");
  Sql("UPDATE s2_toast SET n = 1 WHERE id = 1");
  Sql("TRUNCATE s2_full");
  auto records = PollN(*task, 6);
  ASSERT_EQ(records.size(), 6u);
  EXPECT_EQ(Str(records[1].value, {"op"}), "u");
  EXPECT_EQ(Str(records[1].value, {"before", "name"}), "a");  // FULL: whole old row
  EXPECT_EQ(Str(records[1].value, {"after", "name"}), "b");
  EXPECT_EQ(Str(records[2].value, {"op"}), "d");
  EXPECT_EQ(Str(records[2].value, {"before", "name"}), "b");
  EXPECT_EQ(Str(records[3].value, {"after", "big"}), std::string(10000, 'x'));
  EXPECT_EQ(Str(records[4].value, {"op"}), "u");
  EXPECT_EQ(Str(records[4].value, {"after", "n"}), "1");
  EXPECT_EQ(Str(records[4].value, {"after", "big"}), "__debezium_unavailable_value");
  EXPECT_EQ(Str(records[5].value, {"op"}), "t");
  EXPECT_EQ(records[5].topic, "dbserver1.public.s2_full");
  EXPECT_TRUE(records[5].key.is_null());
  EXPECT_EQ(Str(records[5].value, {"after"}), "<null>");
  task->Stop();
}

TEST_F(PostgresCdcSourceTest, SnapshotThenStreamingLosesAndDoublesNothing) {
  Sql("CREATE TABLE s3_items (id int PRIMARY KEY, v text)");
  Sql("CREATE TABLE s3_other (id int PRIMARY KEY)");
  Sql("INSERT INTO s3_items SELECT g, 'v' || g FROM generate_series(1, 3000) g");
  Sql("INSERT INTO s3_other VALUES (1), (2)");
  FakeContext context;
  auto task = StartTask(Props("s3", {{"snapshot.fetch.size", "500"},
                                     {"max.batch.size", "400"},
                                     {"max.queue.size", "800"},
                                     {"slot.drop.on.stop", "true"}}),
                        context);
  EXPECT_TRUE(task->snapshot_running_for_test());
  // Writers run while the snapshot is read.
  std::thread writer([&] {
    for (int i = 3001; i <= 3400; ++i) {
      Sql("INSERT INTO s3_items VALUES (" + std::to_string(i) + ", 'w')");
      if (i % 2 == 0) Sql("DELETE FROM s3_items WHERE id = " + std::to_string(i - 3000));
    }
  });
  std::vector<SourceRecord> records;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::set<int> present;
  // Done when the writer's last change (it deletes id 400 after inserting 3400) arrived: an empty
  // poll after the writer finished does not prove that the server has sent everything.
  bool saw_last_change = false;
  while (!saw_last_change && std::chrono::steady_clock::now() < deadline) {
    auto polled = task->Poll();
    ASSERT_TRUE(polled.ok()) << polled.status().ToString();
    for (auto& r : *polled) {
      if (!r.value.is_null() && Str(r.value, {"op"}) == "d" &&
          Str(r.value, {"before", "id"}) == "400") {
        saw_last_change = true;
      }
      records.push_back(std::move(r));
    }
  }
  ASSERT_TRUE(saw_last_change);
  writer.join();
  // Replay the events over a set of ids: each insert/read adds an absent id, each delete removes a
  // present one; at the end the set equals the table.
  int reads = 0;
  for (const auto& r : records) {
    if (r.topic != "dbserver1.public.s3_items" || r.value.is_null()) continue;
    std::string op = Str(r.value, {"op"});
    if (op == "r" || op == "c") {
      int id = std::stoi(Str(r.value, {"after", "id"}));
      EXPECT_TRUE(present.insert(id).second) << "doubled: " << id;
      reads += op == "r";
    } else if (op == "d") {
      int id = std::stoi(Str(r.value, {"before", "id"}));
      EXPECT_EQ(present.erase(id), 1u) << "delete of absent row " << id;
    }
  }
  auto count = server_->QueryValue("SELECT count(*) FROM s3_items");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(present.size(), static_cast<size_t>(std::stoi(*count)));
  EXPECT_GE(reads, 3000 - 200);
  // Snapshot markers: first row overall "first", last of a non-last table, last overall "last".
  ASSERT_GE(records.size(), 3002u);
  EXPECT_EQ(Str(records[0].value, {"op"}), "r");
  EXPECT_EQ(Str(records[0].value, {"source", "snapshot"}), "first");
  EXPECT_EQ(records[0].source_offset.at("snapshot").as_string(), "INITIAL");
  // Tables in name order: s3_items (3000 rows) then s3_other (2 rows).
  EXPECT_EQ(Str(records[1].value, {"source", "snapshot"}), "true");
  EXPECT_EQ(Str(records[2999].value, {"source", "snapshot"}), "last_in_data_collection");
  EXPECT_EQ(Str(records[3000].value, {"source", "snapshot"}), "first_in_data_collection");
  EXPECT_EQ(records[3000].topic, "dbserver1.public.s3_other");
  EXPECT_FALSE(records[3000].source_offset.at("last_snapshot_record").as_bool());
  size_t last_read = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    if (Str(records[i].value, {"op"}) == "r") last_read = i;
  }
  EXPECT_EQ(Str(records[last_read].value, {"source", "snapshot"}), "last");
  EXPECT_TRUE(records[last_read].source_offset.at("last_snapshot_record").as_bool());
  task->Stop();
  EXPECT_EQ(*server_->QueryValue("SELECT count(*) FROM pg_replication_slots WHERE slot_name='s3'"),
            "0");
}

TEST_F(PostgresCdcSourceTest, RestartResumesExactlyAfterStoredChangeAndConfirmsSlot) {
  Sql("CREATE TABLE s4_t (id int PRIMARY KEY)");
  FakeContext context;
  // Batches of one change, so that an offset mid-transaction can be stored.
  ConfigMap props = Props("s4", {{"snapshot.mode", "no_data"}, {"max.batch.size", "1"}});
  auto task = StartTask(props, context);
  StartStreaming(*task);
  // Several transactions; the second one has 5 rows from one statement.
  Sql("INSERT INTO s4_t VALUES (1)");
  Sql("INSERT INTO s4_t SELECT generate_series(2, 6)");
  Sql("INSERT INTO s4_t VALUES (7)");
  auto records = PollN(*task, 7);
  ASSERT_EQ(records.size(), 7u);
  // The worker stored everything up to id 4 (mid-transaction) and called Commit().
  context.Store(records[3]);
  ASSERT_TRUE(task->Commit().ok());
  ASSERT_TRUE(task->Poll().ok());  // Poll confirms what Commit() found stored
  Lsn confirmed = task->confirmed_lsn_for_test();
  EXPECT_EQ(confirmed, static_cast<Lsn>(records[3].source_offset.at("lsn_commit").as_int64()));
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        auto v = server_->QueryValue(
            "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name='s4'");
        return v.ok() && ParseLsn(*v).ok() && *ParseLsn(*v) >= confirmed;
      },
      std::chrono::seconds(10)));
  task->Stop();
  task.reset();

  Sql("INSERT INTO s4_t VALUES (8)");
  auto again = StartTask(props, context);
  auto resumed = PollN(*again, 4);
  ASSERT_EQ(resumed.size(), 4u);
  std::vector<std::string> ids;
  for (const auto& r : resumed) ids.push_back(Str(r.value, {"after", "id"}));
  EXPECT_EQ(ids, (std::vector<std::string>{"5", "6", "7", "8"}));
  // Stored after the last change: a restart emits nothing old.
  context.Store(resumed.back());
  again->Stop();
  again.reset();
  auto third = StartTask(props, context);
  Sql("INSERT INTO s4_t VALUES (9)");
  auto last = PollN(*third, 1);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(Str(last[0].value, {"after", "id"}), "9");
  third->Stop();
}

TEST_F(PostgresCdcSourceTest, OnlyTheLastRecordOfABatchCarriesTheOffsetAndARestartResumesThere) {
  Sql("CREATE TABLE s9_t (id int PRIMARY KEY)");
  FakeContext context;
  ConfigMap props = Props("s9", {{"snapshot.mode", "no_data"}, {"max.batch.size", "20"}});
  auto task = StartTask(props, context);
  StartStreaming(*task);
  // Deletes (two records per change, the tombstone last) and inserts in one transaction.
  Sql("INSERT INTO s9_t SELECT generate_series(1, 30)");
  Sql("BEGIN; DELETE FROM s9_t WHERE id <= 10; INSERT INTO s9_t SELECT generate_series(31, 60); "
      "COMMIT");
  const size_t total = 30 + 2 * 10 + 30;
  std::vector<SourceRecord> all;
  std::vector<size_t> batch_ends;  // index in `all` of each batch's last record
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (all.size() < total && std::chrono::steady_clock::now() < deadline) {
    auto polled = task->Poll();
    ASSERT_TRUE(polled.ok()) << polled.status().ToString();
    for (size_t i = 0; i < polled->size(); ++i) {
      SourceRecord& r = (*polled)[i];
      ASSERT_EQ(r.topic, "dbserver1.public.s9_t");
      EXPECT_EQ(r.source_offset.empty(), i + 1 != polled->size()) << "record " << all.size();
      all.push_back(std::move(r));
    }
    if (!polled->empty()) batch_ends.push_back(all.size() - 1);
  }
  ASSERT_EQ(all.size(), total);
  ASSERT_GE(batch_ends.size(), 3u);  // at most 20 records per batch
  for (size_t end : batch_ends) {
    const SourceMap& offset = all[end].source_offset;
    // The position after the batch's last change: its own event's lsn; never a delete whose
    // tombstone is still to come.
    EXPECT_FALSE(Str(all[end].value, {"op"}) == "d") << end;
    const Value* source = all[end].value.is_null() ? Path(all[end - 1].value, {"source"})
                                                   : Path(all[end].value, {"source"});
    ASSERT_TRUE(source != nullptr);
    EXPECT_EQ(offset.at("lsn").as_int64(), std::stoll(Str(*source, {"lsn"}))) << end;
    EXPECT_EQ(offset.at("txId").as_int64(), std::stoll(Str(*source, {"txId"}))) << end;
  }
  // Stored at the end of a batch inside the second transaction: a restart emits exactly the
  // records after it.
  size_t stored = batch_ends.back();
  for (size_t end : batch_ends) {
    if (end > 30 && end + 1 < total) {
      stored = end;
      break;
    }
  }
  ASSERT_LT(stored + 1, total);
  context.Store(all[stored]);
  task->Stop();
  task.reset();
  auto again = StartTask(props, context);
  auto resumed = PollN(*again, total - stored - 1);
  ASSERT_EQ(resumed.size(), total - stored - 1);
  for (size_t i = 0; i < resumed.size(); ++i) {
    const SourceRecord& want = all[stored + 1 + i];
    EXPECT_EQ(Str(resumed[i].key, {"id"}), Str(want.key, {"id"})) << i;
    EXPECT_EQ(resumed[i].value.is_null(), want.value.is_null()) << i;
  }
  again->Stop();
}

TEST_F(PostgresCdcSourceTest, HundredThousandRowTransaction) {
  Sql("CREATE TABLE s5_big (id int PRIMARY KEY, payload text)");
  FakeContext context;
  auto task = StartTask(Props("s5", {{"snapshot.mode", "no_data"}, {"slot.drop.on.stop", "true"}}),
                        context);
  StartStreaming(*task);
  Sql("INSERT INTO s5_big SELECT g, md5(g::text) FROM generate_series(1, 100000) g");
  auto records = PollN(*task, 100000, std::chrono::seconds(120));
  ASSERT_EQ(records.size(), 100000u);
  for (size_t i = 0; i < records.size(); i += 9973) {
    EXPECT_EQ(Str(records[i].value, {"after", "id"}), std::to_string(i + 1));
  }
  std::string tx = Str(records.front().value, {"source", "txId"});
  EXPECT_EQ(Str(records.back().value, {"source", "txId"}), tx);
  task->Stop();
}

// libpq buffers about 16 KiB of the stream (≈130 inserts here); a Poll goes on reading what the
// socket already holds, so that batches are full while the server is ahead.
TEST_F(PostgresCdcSourceTest, OnePollTakesEveryChangeAlreadySentUpToTheBatchSize) {
  Sql("CREATE TABLE s10_t (id int PRIMARY KEY, payload text)");
  FakeContext context;
  auto task = StartTask(Props("s10", {{"snapshot.mode", "no_data"},
                                      {"max.batch.size", "2048"},
                                      {"slot.drop.on.stop", "true"}}),
                        context);
  StartStreaming(*task);
  Sql("INSERT INTO s10_t SELECT g, md5(g::text) FROM generate_series(1, 1500) g");
  auto end = server_->QueryValue("SELECT pg_current_wal_lsn()");
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  std::string sent_all =
      "SELECT count(*) FROM pg_stat_replication r JOIN pg_replication_slots s "
      "ON s.active_pid = r.pid WHERE s.slot_name = 's10' AND r.sent_lsn >= '" +
      *end + "'";
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        auto sent = server_->QueryValue(sent_all);
        return sent.ok() && *sent == "1";
      },
      std::chrono::seconds(30)));
  auto polled = task->Poll();
  ASSERT_TRUE(polled.ok()) << polled.status().ToString();
  size_t changes = 0;
  for (const SourceRecord& r : *polled) changes += r.topic == "dbserver1.public.s10_t";
  EXPECT_EQ(changes, 1500u);
  task->Stop();
}

TEST_F(PostgresCdcSourceTest, DroppedSlotIsAClearFailure) {
  Sql("CREATE TABLE s6_t (id int PRIMARY KEY)");
  FakeContext context;
  ConfigMap props = Props("s6", {{"snapshot.mode", "no_data"}});
  auto task = StartTask(props, context);
  StartStreaming(*task);
  Sql("INSERT INTO s6_t VALUES (1)");
  auto records = PollN(*task, 1);
  ASSERT_EQ(records.size(), 1u);
  context.Store(records[0]);
  task->Stop();
  task.reset();
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return server_->QueryValue("SELECT pg_drop_replication_slot('s6')").ok(); },
      std::chrono::seconds(10)));
  Status st;
  auto again = StartTask(props, context, &st);
  EXPECT_EQ(st.code(), StatusCode::kNotFound) << st.ToString();
  EXPECT_FALSE(st.retriable());
  EXPECT_NE(st.message().find("s6"), std::string::npos);
}

TEST_F(PostgresCdcSourceTest, HeartbeatsCarryThePositionOnAnIdleDatabase) {
  Sql("CREATE TABLE s7_t (id int PRIMARY KEY)");
  Sql("CREATE TABLE ignored_s7 (id int PRIMARY KEY)");
  FakeContext context;
  auto task = StartTask(Props("s7", {{"snapshot.mode", "no_data"},
                                     {"heartbeat.interval.ms", "100"},
                                     {"status.update.interval.ms", "100"},
                                     {"slot.drop.on.stop", "true"}}),
                        context);
  StartStreaming(*task);
  auto slot_lsn = [&] {
    auto v = server_->QueryValue(
        "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name='s7'");
    return v.ok() && ParseLsn(*v).ok() ? *ParseLsn(*v) : Lsn{0};
  };
  Lsn before = slot_lsn();
  // Writes to a table outside the capture list only.
  Sql("INSERT INTO ignored_s7 SELECT generate_series(1, 1000)");
  std::string wal = *server_->QueryValue("SELECT pg_current_wal_lsn()::text");
  Lsn target = *ParseLsn(wal);
  bool advanced = testing::WaitUntil(
      [&] {
        auto polled = task->Poll();
        if (!polled.ok()) return false;
        for (const auto& r : *polled) {
          EXPECT_EQ(r.topic, "__debezium-heartbeat.dbserver1");
          EXPECT_EQ(Str(r.key, {"serverName"}), "dbserver1");
          context.Store(r);
        }
        (void)task->Commit();
        return slot_lsn() >= target;
      },
      std::chrono::seconds(30));
  EXPECT_TRUE(advanced) << "slot stayed at " << FormatLsn(slot_lsn()) << " (was "
                        << FormatLsn(before) << "), WAL at " << wal;
  task->Stop();
}

// A lost replication connection (here: its walsender terminated; a server restart looks the same
// to the task) is reconnected with backoff, resuming after the last change read.
TEST_F(PostgresCdcSourceTest, ReconnectsAfterLostConnectionWithoutLossOrRepeat) {
  Sql("CREATE TABLE s8_t (id int PRIMARY KEY)");
  FakeContext context;
  auto task = StartTask(Props("s8", {{"snapshot.mode", "no_data"}}), context);
  StartStreaming(*task);
  Sql("INSERT INTO s8_t VALUES (1)");
  auto first = PollN(*task, 1);
  ASSERT_EQ(first.size(), 1u);
  Sql("SELECT pg_terminate_backend(pid) FROM pg_stat_replication "
      "WHERE application_name = 'tributary-cdc'");
  Sql("INSERT INTO s8_t VALUES (2)");
  auto next = PollN(*task, 1);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(Str(next[0].value, {"after", "id"}), "2");
  task->Stop();
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return server_->QueryValue("SELECT pg_drop_replication_slot('s8')").ok(); },
      std::chrono::seconds(10)));
}

// pg_logical_emit_message: transactional messages inside their transaction's events,
// non-transactional ones on their own; both as op=m on <prefix>.message, filtered by prefix, and
// neither repeated after a restart from a stored offset.
TEST_F(PostgresCdcSourceTest, LogicalDecodingMessagesFilteredByPrefixAndNotRepeated) {
  auto version = server_->QueryValue("SHOW server_version_num");
  ASSERT_TRUE(version.ok());
  if (std::stoi(*version) < 140000) GTEST_SKIP() << "pgoutput sends messages from PostgreSQL 14";
  Sql("CREATE TABLE m1_t (id int PRIMARY KEY)");
  FakeContext context;
  ConfigMap props = Props("m1", {{"snapshot.mode", "no_data"},
                                 {"message.prefix.exclude.list", "skip.*"},
                                 {"max.batch.size", "1"}});
  auto task = StartTask(props, context);
  StartStreaming(*task);
  Sql("BEGIN; INSERT INTO m1_t VALUES (1); "
      "SELECT pg_logical_emit_message(true, 'audit', 'in tx'); "
      "SELECT pg_logical_emit_message(true, 'skipped', 'no'); COMMIT");
  Sql("SELECT pg_logical_emit_message(false, 'audit', '\\x00ff'::bytea)");
  Sql("SELECT pg_logical_emit_message(false, 'skip-me', 'no')");
  Sql("INSERT INTO m1_t VALUES (2)");
  auto records = PollN(*task, 4);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].topic, "dbserver1.public.m1_t");
  EXPECT_EQ(Str(records[0].value, {"after", "id"}), "1");

  const SourceRecord& tx_msg = records[1];
  EXPECT_EQ(tx_msg.topic, "dbserver1.message");
  ASSERT_TRUE(tx_msg.value_schema);
  EXPECT_EQ(tx_msg.value_schema->name(), "io.debezium.connector.postgresql.MessageValue");
  EXPECT_EQ(Str(tx_msg.key, {"prefix"}), "audit");
  EXPECT_EQ(Str(tx_msg.value, {"op"}), "m");
  EXPECT_EQ(Str(tx_msg.value, {"message", "prefix"}), "audit");
  const Value* content = Path(tx_msg.value, {"message", "content"});
  ASSERT_TRUE(content && content->kind() == ValueKind::kBytes);
  EXPECT_EQ(std::string(content->as_bytes().begin(), content->as_bytes().end()), "in tx");
  EXPECT_EQ(Str(tx_msg.value, {"source", "table"}), "");
  EXPECT_EQ(Str(tx_msg.value, {"source", "txId"}), Str(records[0].value, {"source", "txId"}));
  EXPECT_EQ(Str(tx_msg.value, {"source", "ts_ms"}), Str(records[0].value, {"source", "ts_ms"}));
  EXPECT_EQ(tx_msg.source_offset.at("messageType").as_string(), "MESSAGE");
  EXPECT_EQ(tx_msg.source_offset.at("lsn_commit"), records[0].source_offset.at("lsn_commit"));

  const SourceRecord& plain = records[2];
  EXPECT_EQ(plain.topic, "dbserver1.message");
  EXPECT_EQ(Str(plain.value, {"message", "prefix"}), "audit");
  content = Path(plain.value, {"message", "content"});
  ASSERT_TRUE(content && content->kind() == ValueKind::kBytes);
  EXPECT_EQ(content->as_bytes(), (Bytes{0x00, 0xff}));
  EXPECT_EQ(Str(plain.value, {"source", "txId"}), "<null>");
  EXPECT_EQ(plain.source_offset.at("messageType").as_string(), "MESSAGE");
  // Its own LSN is the restart point: later than the transaction before it.
  EXPECT_GT(plain.source_offset.at("lsn_commit").as_int64(),
            records[0].source_offset.at("lsn_commit").as_int64());
  EXPECT_EQ(plain.source_offset.at("lsn_commit"), plain.source_offset.at("lsn"));
  EXPECT_EQ(Str(records[3].value, {"after", "id"}), "2");

  // Stored up to the non-transactional message: a restart emits what follows it, once.
  context.Store(plain);
  ASSERT_TRUE(task->Commit().ok());
  task->Stop();
  task.reset();
  auto again = StartTask(props, context);
  Sql("SELECT pg_logical_emit_message(false, 'audit', 'after restart')");
  auto resumed = PollN(*again, 2);
  ASSERT_EQ(resumed.size(), 2u);
  EXPECT_EQ(Str(resumed[0].value, {"after", "id"}), "2");
  EXPECT_EQ(resumed[1].topic, "dbserver1.message");
  content = Path(resumed[1].value, {"message", "content"});
  ASSERT_TRUE(content && content->kind() == ValueKind::kBytes);
  EXPECT_EQ(std::string(content->as_bytes().begin(), content->as_bytes().end()), "after restart");
  auto more = again->Poll();
  ASSERT_TRUE(more.ok());
  for (const auto& r : *more) EXPECT_NE(r.topic, "dbserver1.message") << "repeated message";
  again->Stop();
}

}  // namespace
}  // namespace tributary::connectors::pgcdc
