// The Postgres sink task against a real PostgreSQL server (tests/pg).
#include "connectors/postgres_sink/postgres_sink.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <thread>

#include "tests/pg/postgres_server.h"

namespace tributary::connectors::postgres_sink {
namespace {

using testing::PostgresServer;

class FakeContext : public SinkTaskContext {
 public:
  const ConfigMap& configs() const override { return configs_; }
  void Offset(const TopicPartition& tp, int64_t offset) override { rewinds[tp] = offset; }
  void Timeout(int64_t ms) override { timeout_ms = ms; }
  std::vector<TopicPartition> Assignment() const override { return {}; }
  void Pause(const std::vector<TopicPartition>&) override {}
  void Resume(const std::vector<TopicPartition>&) override {}
  void RequestCommit() override {}
  // With `tolerate`, takes every errant record as errors.tolerance=all would.
  Status ReportErrant(const SinkRecord& record, const Status& error) override {
    if (!tolerate) return error;
    errant.emplace_back(record.kafka_offset, error.ToString());
    return Status::Ok();
  }

  bool tolerate = false;
  std::vector<std::pair<int64_t, std::string>> errant;  // offset, error
  ConfigMap configs_;
  std::map<TopicPartition, int64_t> rewinds;
  int64_t timeout_ms = -1;
};

class PostgresSinkTest : public ::testing::Test {
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

  ConfigMap Props(ConfigMap extra) {
    ConfigMap props = {{"name", "pg-sink"},
                       {"connection.url", server_->JdbcUrl()},
                       {"connection.user", PostgresServer::kUser},
                       {"connection.password", PostgresServer::kPassword},
                       {"retry.backoff.ms", "10"}};
    for (auto& [k, v] : extra) props[k] = v;
    return props;
  }

  std::unique_ptr<PostgresSinkTask> StartTask(ConfigMap extra, FakeContext* context = nullptr) {
    auto task = std::make_unique<PostgresSinkTask>();
    task->Initialize(context ? context : &context_);
    Status st = task->Start(Props(std::move(extra)));
    EXPECT_TRUE(st.ok()) << st.ToString();
    return task;
  }

  std::string Query(const std::string& sql) {
    auto r = server_->QueryValue(sql);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : "<error>";
  }

  static SinkRecord Record(std::string topic, int64_t offset, SchemaPtr value_schema, Value value,
                           SchemaPtr key_schema = nullptr, Value key = Value()) {
    SinkRecord r;
    r.topic = std::move(topic);
    r.kafka_partition = 0;
    r.kafka_offset = offset;
    r.value_schema = std::move(value_schema);
    r.value = std::move(value);
    r.key_schema = std::move(key_schema);
    r.key = std::move(key);
    return r;
  }

  static Value Row(const SchemaPtr& schema, std::vector<std::pair<std::string, Value>> fields) {
    Struct s(schema);
    for (auto& [k, v] : fields) EXPECT_TRUE(s.Put(k, v).ok()) << k;
    return Value::StructValue(std::move(s));
  }

  // Makes records of `topic` (partition 0) whose value is a struct with one field, n = offset.
  static std::function<SinkRecord(int64_t)> CountingRecords(std::string topic) {
    auto schema = SchemaBuilder::Struct().AddField("n", schemas::Int64()).BuildOrDie();
    return [schema, topic](int64_t offset) {
      return Record(topic, offset, schema, Row(schema, {{"n", Value::Int64(offset)}}));
    };
  }

  // From now on, each row inserted into `table` logs the first word of the statement that
  // inserted it (COPY or INSERT) in `table`_log; InsertingStatements lists them.
  void LogInsertingStatements(const std::string& table) {
    const std::string log = table + "_log";
    Query("CREATE TABLE " + log + " (stmt text); CREATE FUNCTION " + log +
          "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO " + log +
          " VALUES (split_part(current_query(), ' ', 1)); RETURN NEW; END $$; CREATE TRIGGER " +
          log + " BEFORE INSERT ON " + table + " FOR EACH ROW EXECUTE FUNCTION " + log + "()");
  }
  std::string InsertingStatements(const std::string& table) {
    return Query("SELECT string_agg(DISTINCT stmt, ',') FROM " + table + "_log");
  }

  // A second session holding an exclusive lock on `table` until it commits, so that the task's
  // next write waits in PostgreSQL; null (and a failed expectation) if it could not lock.
  std::unique_ptr<pg::PgConnection> LockTable(const std::string& table) {
    auto locker = pg::PgConnection::Connect(server_->Conninfo());
    EXPECT_TRUE(locker.ok()) << locker.status().ToString();
    if (!locker.ok()) return nullptr;
    const bool locked = (*locker)->Exec("BEGIN").ok() &&
                        (*locker)->Exec("LOCK TABLE " + table + " IN EXCLUSIVE MODE").ok();
    EXPECT_TRUE(locked) << "could not lock " << table;
    return locked ? std::move(*locker) : nullptr;
  }

  // Adds a field of each primitive type: i8, i16, i32, i64, f32, f64, b, s (optional), by.
  static SchemaBuilder WithPrimitiveFields(SchemaBuilder builder) {
    builder.AddField("i8", schemas::Int8())
        .AddField("i16", schemas::Int16())
        .AddField("i32", schemas::Int32())
        .AddField("i64", schemas::Int64())
        .AddField("f32", schemas::Float32())
        .AddField("f64", schemas::Float64())
        .AddField("b", schemas::Bool())
        .AddField("s", schemas::OptionalString())
        .AddField("by", schemas::Bytes());
    return builder;
  }

  // A struct of (id int32, name string).
  static SchemaPtr IdAndName() {
    return SchemaBuilder::Struct()
        .AddField("id", schemas::Int32())
        .AddField("name", schemas::String())
        .BuildOrDie();
  }

  static Status PutAndFlush(PostgresSinkTask& task, std::vector<SinkRecord> records) {
    TRIBUTARY_RETURN_IF_ERROR(task.Put(records));
    return task.Flush({});
  }

  static PostgresServer* server_;
  FakeContext context_;
};

PostgresServer* PostgresSinkTest::server_ = nullptr;

TEST_F(PostgresSinkTest, AutoCreateMapsEveryConnectType) {
  auto inner = SchemaBuilder::Struct().AddField("x", schemas::Int32()).BuildOrDie();
  auto schema =
      WithPrimitiveFields(SchemaBuilder::Struct())
          .AddField("dec", Decimal::Builder(2).BuildOrDie())
          .AddField("d", Date::Builder().BuildOrDie())
          .AddField("t", Time::Builder().BuildOrDie())
          .AddField("ts", Timestamp::Builder().BuildOrDie())
          .AddField("arr", SchemaBuilder::Array(schemas::String()).BuildOrDie())
          .AddField("nested", inner)
          .AddField("m", SchemaBuilder::Map(schemas::String(), schemas::Int64()).BuildOrDie())
          .BuildOrDie();
  Struct nested(inner);
  ASSERT_TRUE(nested.Put("x", Value::Int32(5)).ok());
  Value v = Row(schema, {{"i8", Value::Int8(-8)},
                         {"i16", Value::Int16(16)},
                         {"i32", Value::Int32(32)},
                         {"i64", Value::Int64(1LL << 40)},
                         {"f32", Value::Float32(1.5f)},
                         {"f64", Value::Float64(NAN)},
                         {"b", Value::Boolean(true)},
                         {"s", Value::String("tab\there \\ \"q\"\nnew\rend\t")},
                         {"by", Value::BytesValue({0, 255})},
                         {"dec", Value::DecimalValue({"-12345", 2})},
                         {"d", Value::Int32(19723)},     // 2024-01-01
                         {"t", Value::Int32(45296789)},  // 12:34:56.789
                         {"ts", Value::Int64(-1000)},    // 1969-12-31 23:59:59
                         {"arr", Value::ArrayValue({Value::String("a,\"b"), Value::String("c")})},
                         {"nested", Value::StructValue(nested)},
                         {"m", Value::MapValue({{Value::String("k"), Value::Int64(1)}})}});
  auto task = StartTask({{"auto.create", "true"}, {"table.name.format", "types_${topic}"}});
  ASSERT_TRUE(PutAndFlush(*task, {Record("all", 0, schema, v)}).ok());

  EXPECT_EQ(Query("SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod) || ':' || "
                  "attnotnull, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = "
                  "'types_all'::regclass AND attnum > 0"),
            "i8:smallint:true,i16:smallint:true,i32:integer:true,i64:bigint:true,f32:real:true,"
            "f64:double precision:true,b:boolean:true,s:text:false,by:bytea:true,dec:numeric:true,"
            "d:date:true,t:time without time zone:true,ts:timestamp without time zone:true,"
            "arr:text[]:true,nested:jsonb:true,m:jsonb:true");
  EXPECT_EQ(Query("SELECT concat_ws('|', i8, i16, i32, i64, f32, f64, b, by, dec, d, t, ts, arr, "
                  "nested, m) FROM types_all"),
            "-8|16|32|1099511627776|1.5|NaN|t|\\x00ff|-123.45|2024-01-01|12:34:56.789|"
            "1969-12-31 23:59:59|{\"a,\\\"b\",c}|{\"x\": 5}|{\"k\": 1}");
  EXPECT_EQ(Query("SELECT s FROM types_all"), "tab\there \\ \"q\"\nnew\rend\t");
}

TEST_F(PostgresSinkTest, InsertsIntoAnExistingTableWithQuotedIdentifiers) {
  Query("CREATE SCHEMA app; CREATE TABLE app.\"Events\" (\"Id\" int, \"Name\" text, extra text)");
  auto schema = SchemaBuilder::Struct()
                    .AddField("Id", schemas::Int32())
                    .AddField("Name", schemas::String())
                    .AddField("dropped", schemas::String())
                    .BuildOrDie();
  auto task = StartTask({{"table.name.format", "app.${topic}"}, {"fields.whitelist", "Name,Id"}});
  std::vector<SinkRecord> records;
  for (int i = 0; i < 5; ++i) {
    records.push_back(Record("Events", i, schema,
                             Row(schema, {{"Id", Value::Int32(i)},
                                          {"Name", Value::String("n" + std::to_string(i))},
                                          {"dropped", Value::String("x")}})));
  }
  ASSERT_TRUE(PutAndFlush(*task, records).ok());
  EXPECT_EQ(Query("SELECT string_agg(\"Id\" || \"Name\", ',' ORDER BY \"Id\") FROM app.\"Events\""),
            "0n0,1n1,2n2,3n3,4n4");
}

TEST_F(PostgresSinkTest, UnquotedIdentifiersFoldToLowerCase) {
  auto schema = SchemaBuilder::Struct().AddField("Amount", schemas::Int64()).BuildOrDie();
  auto task = StartTask({{"auto.create", "true"}, {"quote.sql.identifiers", "never"}});
  ASSERT_TRUE(PutAndFlush(*task, {Record("MixedCase", 0, schema,
                                         Row(schema, {{"Amount", Value::Int64(9)}}))})
                  .ok());
  EXPECT_EQ(Query("SELECT amount FROM mixedcase"), "9");
}

TEST_F(PostgresSinkTest, UpsertWithRecordKeyLastWriteWinsAndTombstonesDelete) {
  auto key = SchemaBuilder::Struct().AddField("id", schemas::Int64()).BuildOrDie();
  auto value = SchemaBuilder::Struct()
                   .AddField("id", schemas::Int64())
                   .AddField("name", schemas::String())
                   .BuildOrDie();
  auto k = [&](int64_t id) { return Row(key, {{"id", Value::Int64(id)}}); };
  auto v = [&](int64_t id, std::string name) {
    return Row(value, {{"id", Value::Int64(id)}, {"name", Value::String(std::move(name))}});
  };
  auto task = StartTask({{"auto.create", "true"},
                         {"insert.mode", "upsert"},
                         {"pk.mode", "record_key"},
                         {"delete.enabled", "true"}});
  ASSERT_TRUE(PutAndFlush(*task, {Record("users", 0, value, v(1, "a"), key, k(1)),
                                  Record("users", 1, value, v(2, "b"), key, k(2)),
                                  Record("users", 2, value, v(1, "a2"), key, k(1)),
                                  Record("users", 3, value, v(3, "c"), key, k(3))})
                  .ok());
  EXPECT_EQ(Query("SELECT string_agg(id || name, ',' ORDER BY id) FROM users"), "1a2,2b,3c");
  // A tombstone deletes; a later record for the same key in the same batch re-inserts.
  ASSERT_TRUE(PutAndFlush(*task, {Record("users", 4, nullptr, Value(), key, k(2)),
                                  Record("users", 5, nullptr, Value(), key, k(3)),
                                  Record("users", 6, value, v(3, "c2"), key, k(3))})
                  .ok());
  EXPECT_EQ(Query("SELECT string_agg(id || name, ',' ORDER BY id) FROM users"), "1a2,3c2");
  EXPECT_EQ(Query("SELECT string_agg(attname, ',') FROM pg_index i JOIN pg_attribute a ON "
                  "a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indisprimary "
                  "AND i.indrelid = 'users'::regclass"),
            "id");
}

// Upsert COPYs a run straight into the table while none of its keys is there or repeats, and
// merges with INSERT … ON CONFLICT otherwise; a trigger logs which statement stored each row.
TEST_F(PostgresSinkTest, UpsertCopiesFreshKeysAndMergesPresentOnes) {
  Query("CREATE TABLE upserts (id int PRIMARY KEY, name text)");
  LogInsertingStatements("upserts");
  auto value = IdAndName();
  auto task =
      StartTask({{"insert.mode", "upsert"}, {"pk.mode", "record_value"}, {"pk.fields", "id"}});
  int64_t offset = 0;
  // Puts rows (id, name) and returns the statements that stored them.
  auto put = [&](std::vector<std::pair<int, std::string>> rows) {
    Query("TRUNCATE upserts_log");
    std::vector<SinkRecord> records;
    for (auto& [id, name] : rows) {
      records.push_back(
          Record("upserts", offset++, value,
                 Row(value, {{"id", Value::Int32(id)}, {"name", Value::String(name)}})));
    }
    Status st = PutAndFlush(*task, std::move(records));
    EXPECT_TRUE(st.ok()) << st.ToString();
    return InsertingStatements("upserts");
  };
  EXPECT_EQ(put({{1, "a"}, {2, "b"}}), "COPY");
  EXPECT_EQ(put({{2, "b2"}, {3, "c"}}), "INSERT");  // 2 is there: the COPY is undone, merged
  EXPECT_EQ(put({{4, "d"}}), "INSERT");             // right after a miss, one write merges
  EXPECT_EQ(put({{5, "e"}}), "COPY");
  // A key repeated within the run fails the COPY as well: merged, the last record wins.
  EXPECT_EQ(put({{6, "f"}, {7, "g"}, {6, "f2"}}), "INSERT");
  EXPECT_EQ(Query("SELECT string_agg(id || name, ',' ORDER BY id) FROM upserts"),
            "1a,2b2,3c,4d,5e,6f2,7g");
}

// A run of more than one piece (256 KiB) goes to the server while the rest is rendered; a COPY
// undone after the first pieces were loaded is sent again, whole, to the merge's stage.
TEST_F(PostgresSinkTest, UpsertOfARunOfManyPiecesFallsBackToTheMergeWithEveryRow) {
  Query("CREATE TABLE big_upserts (id int PRIMARY KEY, name text)");
  LogInsertingStatements("big_upserts");
  auto value = IdAndName();
  auto task =
      StartTask({{"insert.mode", "upsert"}, {"pk.mode", "record_value"}, {"pk.fields", "id"}});
  auto row = [&](int64_t offset, int id, std::string name) {
    return Record("big_upserts", offset, value,
                  Row(value, {{"id", Value::Int32(id)}, {"name", Value::String(std::move(name))}}));
  };
  ASSERT_TRUE(PutAndFlush(*task, {row(0, 5999, "old")}).ok());
  std::vector<SinkRecord> records;
  const std::string pad(100, 'x');
  for (int id = 0; id < 6000; ++id) records.push_back(row(1 + id, id, pad + std::to_string(id)));
  Query("TRUNCATE big_upserts_log");
  Status st = PutAndFlush(*task, std::move(records));  // ≈ 650 KB of rows; 5999 is present
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(InsertingStatements("big_upserts"), "INSERT");
  EXPECT_EQ(Query("SELECT count(*) FROM big_upserts WHERE name = '" + pad + "' || id"), "6000");
}

// A bad record after the first pieces were sent fails the COPY and is named, nothing is stored.
TEST_F(PostgresSinkTest, BadRecordLateInARunOfManyPiecesIsNamed) {
  Query("CREATE TABLE many_ints (n int NOT NULL, pad text)");
  auto schema = SchemaBuilder::Struct()
                    .AddField("n", schemas::String())
                    .AddField("pad", schemas::String())
                    .BuildOrDie();
  auto task = StartTask({});
  std::vector<SinkRecord> records;
  const std::string pad(100, 'x');
  for (int i = 0; i < 6000; ++i) {
    records.push_back(
        Record("many_ints", i, schema,
               Row(schema, {{"n", Value::String(i == 5500 ? "five" : std::to_string(i))},
                            {"pad", Value::String(pad)}})));
  }
  Status st = PutAndFlush(*task, std::move(records));
  ASSERT_EQ(st.code(), StatusCode::kDataError) << st.ToString();
  EXPECT_NE(st.message().find("topic=many_ints, partition=0, offset=5500"), std::string::npos)
      << st.ToString();
  EXPECT_EQ(Query("SELECT count(*) FROM many_ints"), "0");
}

// Keyed rows reach the table in key order (B-tree pages filled one after the other), and of
// records sharing a key the last one still wins; a bad record is still named by its offset.
TEST_F(PostgresSinkTest, UpsertWritesRowsInKeyOrderAndTheLastRecordOfAKeyWins) {
  Query("CREATE TABLE key_order (id int PRIMARY KEY, name text NOT NULL)");
  Query(
      "CREATE TABLE key_order_log (seq serial, id int); CREATE FUNCTION key_order_log() "
      "RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO key_order_log (id) VALUES "
      "(NEW.id); RETURN NEW; END $$; CREATE TRIGGER key_order_log BEFORE INSERT ON key_order "
      "FOR EACH ROW EXECUTE FUNCTION key_order_log()");
  auto value = IdAndName();
  auto task =
      StartTask({{"insert.mode", "upsert"}, {"pk.mode", "record_value"}, {"pk.fields", "id"}});
  int64_t offset = 0;
  auto records = [&](std::vector<std::pair<int, Value>> rows) {
    std::vector<SinkRecord> out;
    for (auto& [id, name] : rows) {
      out.push_back(Record("key_order", offset++, value,
                           Row(value, {{"id", Value::Int32(id)}, {"name", name}})));
    }
    return out;
  };
  // Fresh keys: one COPY, in key order.
  ASSERT_TRUE(PutAndFlush(*task, records({{30, Value::String("c")},
                                          {10, Value::String("a")},
                                          {20, Value::String("b")}}))
                  .ok());
  EXPECT_EQ(Query("SELECT string_agg(id::text, ',' ORDER BY seq) FROM key_order_log"), "10,20,30");
  // A repeated key: merged, the later record wins whatever the order of the keys.
  Query("TRUNCATE key_order_log");
  ASSERT_TRUE(PutAndFlush(*task, records({{50, Value::String("e")},
                                          {40, Value::String("d")},
                                          {50, Value::String("e2")},
                                          {5, Value::String("z")}}))
                  .ok());
  EXPECT_EQ(Query("SELECT string_agg(id::text, ',' ORDER BY seq) FROM key_order_log"), "5,40,50");
  EXPECT_EQ(Query("SELECT string_agg(id || name, ',' ORDER BY id) FROM key_order"),
            "5z,10a,20b,30c,40d,50e2");
  // The bad record (a null name, offset 8) is the last by offset but the first by key.
  Status st = PutAndFlush(*task, records({{70, Value::String("g")}, {1, Value()}}));
  ASSERT_EQ(st.code(), StatusCode::kDataError) << st.ToString();
  EXPECT_NE(st.message().find("topic=key_order, partition=0, offset=8"), std::string::npos)
      << st.ToString();
}

// The unique index may list the key columns in another order, and include other columns.
TEST_F(PostgresSinkTest, UpsertCopiesIntoATableWithACompositeKeyInAnotherOrder) {
  Query("CREATE TABLE upserts2 (a int, b text, v text, PRIMARY KEY (b, a) INCLUDE (v))");
  LogInsertingStatements("upserts2");
  auto value = SchemaBuilder::Struct()
                   .AddField("a", schemas::Int32())
                   .AddField("b", schemas::String())
                   .AddField("v", schemas::String())
                   .BuildOrDie();
  auto task =
      StartTask({{"insert.mode", "upsert"}, {"pk.mode", "record_value"}, {"pk.fields", "a,b"}});
  ASSERT_TRUE(PutAndFlush(*task, {Record("upserts2", 0, value,
                                         Row(value, {{"a", Value::Int32(1)},
                                                     {"b", Value::String("x")},
                                                     {"v", Value::String("v1")}}))})
                  .ok());
  EXPECT_EQ(InsertingStatements("upserts2"), "COPY");
  EXPECT_EQ(Query("SELECT a || b || v FROM upserts2"), "1xv1");
}

// Without a unique index on the key, COPY could store duplicates: the merge alone runs, and
// fails as INSERT … ON CONFLICT does.
TEST_F(PostgresSinkTest, UpsertWithoutUniqueKeyIndexFailsWithoutWriting) {
  Query("CREATE TABLE upserts_nokey (id int, name text)");
  auto value = IdAndName();
  auto task =
      StartTask({{"insert.mode", "upsert"}, {"pk.mode", "record_value"}, {"pk.fields", "id"}});
  Status st = PutAndFlush(
      *task, {Record("upserts_nokey", 0, value,
                     Row(value, {{"id", Value::Int32(1)}, {"name", Value::String("a")}}))});
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("ON CONFLICT"), std::string::npos) << st.ToString();
  EXPECT_EQ(Query("SELECT count(*) FROM upserts_nokey"), "0");
}

TEST_F(PostgresSinkTest, UpdateModeOnlyTouchesExistingRows) {
  Query("CREATE TABLE accounts (id int PRIMARY KEY, balance int)");
  Query("INSERT INTO accounts VALUES (1, 10), (2, 20)");
  auto value = SchemaBuilder::Struct()
                   .AddField("id", schemas::Int32())
                   .AddField("balance", schemas::Int32())
                   .BuildOrDie();
  auto task =
      StartTask({{"insert.mode", "update"}, {"pk.mode", "record_value"}, {"pk.fields", "id"}});
  ASSERT_TRUE(
      PutAndFlush(*task,
                  {Record("accounts", 0, value,
                          Row(value, {{"id", Value::Int32(2)}, {"balance", Value::Int32(25)}})),
                   Record("accounts", 1, value,
                          Row(value, {{"id", Value::Int32(3)}, {"balance", Value::Int32(30)}}))})
          .ok());
  EXPECT_EQ(Query("SELECT string_agg(id || '=' || balance, ',' ORDER BY id) FROM accounts"),
            "1=10,2=25");
}

TEST_F(PostgresSinkTest, KafkaPrimaryKeyAndPrimitiveRecordKey) {
  auto task = StartTask({{"auto.create", "true"}, {"pk.mode", "kafka"}});
  auto rec = Record("kafka_pk", 41, schemas::String(), Value::String("hello"));
  ASSERT_TRUE(PutAndFlush(*task, {rec}).ok());
  EXPECT_EQ(Query("SELECT __connect_topic || '/' || __connect_partition || '/' || "
                  "__connect_offset || '/' || record_value FROM kafka_pk"),
            "kafka_pk/0/41/hello");

  auto task2 = StartTask({{"auto.create", "true"},
                          {"pk.mode", "record_key"},
                          {"pk.fields", "user_id"},
                          {"insert.mode", "upsert"}});
  auto r = Record("prim_key", 0, schemas::String(), Value::String("v1"), schemas::Int64(),
                  Value::Int64(7));
  auto r2 = Record("prim_key", 1, schemas::String(), Value::String("v2"), schemas::Int64(),
                   Value::Int64(7));
  ASSERT_TRUE(PutAndFlush(*task2, {r}).ok());
  ASSERT_TRUE(PutAndFlush(*task2, {r2}).ok());
  EXPECT_EQ(
      Query("SELECT count(*) || ':' || max(user_id) || ':' || max(record_value) FROM prim_key"),
      "1:7:v2");
}

TEST_F(PostgresSinkTest, AutoEvolveAddsNullableColumns) {
  auto v1 = SchemaBuilder::Struct().AddField("a", schemas::Int32()).BuildOrDie();
  auto v2 = SchemaBuilder::Struct()
                .AddField("a", schemas::Int32())
                .AddField("b", schemas::String())
                .BuildOrDie();
  auto task = StartTask({{"auto.create", "true"}, {"auto.evolve", "true"}});
  ASSERT_TRUE(
      PutAndFlush(*task, {Record("evolving", 0, v1, Row(v1, {{"a", Value::Int32(1)}})),
                          Record("evolving", 1, v2,
                                 Row(v2, {{"a", Value::Int32(2)}, {"b", Value::String("x")}}))})
          .ok());
  EXPECT_EQ(Query("SELECT string_agg(a || coalesce(b, '-'), ',' ORDER BY a) FROM evolving"),
            "1-,2x");
  EXPECT_EQ(Query("SELECT attnotnull FROM pg_attribute WHERE attrelid = 'evolving'::regclass AND "
                  "attname = 'b'"),
            "f");

  auto strict = StartTask({});
  auto v3 = SchemaBuilder::Struct().AddField("c", schemas::Int32()).BuildOrDie();
  Status st = PutAndFlush(*strict, {Record("evolving", 2, v3, Row(v3, {{"c", Value::Int32(1)}}))});
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(st.retriable());
  EXPECT_NE(st.message().find("missing columns [c]"), std::string::npos) << st.ToString();
  Status missing = PutAndFlush(*StartTask({}),
                               {Record("no_such_table", 0, v1, Row(v1, {{"a", Value::Int32(1)}}))});
  EXPECT_NE(missing.message().find("auto.create"), std::string::npos) << missing.ToString();
}

TEST_F(PostgresSinkTest, SchemalessValuesGoToJsonb) {
  auto task = StartTask({{"auto.create", "true"}, {"pk.mode", "kafka"}});
  Value doc = Value::MapValue(
      {{Value::String("user"), Value::MapValue({{Value::String("id"), Value::Int64(5)}})},
       {Value::String("tags"), Value::ArrayValue({Value::String("a"), Value::Boolean(false)})}});
  ASSERT_TRUE(PutAndFlush(*task, {Record("json_events", 0, nullptr, doc)}).ok());
  EXPECT_EQ(Query("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                  "'json_events'::regclass AND attname = 'record_value'"),
            "jsonb");
  EXPECT_EQ(Query("SELECT record_value->'user'->>'id' || record_value::text FROM json_events"),
            "5{\"tags\": [\"a\", false], \"user\": {\"id\": 5}}");
}

// Primitive columns go in COPY's binary format when the table's types take it, with every value
// as it was; a column of another type (bigint for an int32) has the run go as text. A trigger
// logs each inserting statement's options.
TEST_F(PostgresSinkTest, BinaryCopyForPrimitiveColumnsTextWhereTheTableTypeDiffers) {
  auto schema = WithPrimitiveFields(SchemaBuilder::Struct()).BuildOrDie();
  auto row = [&](int sign, double f64, Value s) {
    return Row(schema, {{"i8", Value::Int8(static_cast<int8_t>(sign * 128 - (sign < 0 ? 0 : 1)))},
                        {"i16", Value::Int16(static_cast<int16_t>(sign * 32767))},
                        {"i32", Value::Int32(sign * 2147483647)},
                        {"i64", Value::Int64(sign * (1LL << 62))},
                        {"f32", Value::Float32(sign * 1.5f)},
                        {"f64", Value::Float64(f64)},
                        {"b", Value::Boolean(sign > 0)},
                        {"s", std::move(s)},
                        {"by", Value::BytesValue({0, 9, 10, 92, 255})}});
  };
  const auto stmt_log = [&](const std::string& table) {
    Query("CREATE TABLE " + table + "_log (stmt text); CREATE FUNCTION " + table +
          "_log() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO " + table +
          "_log VALUES (current_query()); RETURN NEW; END $$; CREATE TRIGGER " + table +
          "_log BEFORE INSERT ON " + table + " FOR EACH ROW EXECUTE FUNCTION " + table + "_log()");
  };
  auto task = StartTask({{"auto.create", "true"}});
  // The first write creates the table (and so knows its types).
  ASSERT_TRUE(
      PutAndFlush(*task, {Record("prims", 0, schema, row(1, -0.25, Value::String("a")))}).ok());
  stmt_log("prims");
  ASSERT_TRUE(
      PutAndFlush(*task, {Record("prims", 1, schema, row(-1, NAN, Value::String("t\tn\n\\ é"))),
                          Record("prims", 2, schema, row(1, -INFINITY, Value::String(""))),
                          Record("prims", 3, schema, row(1, 1e-300, Value()))})
          .ok());
  EXPECT_EQ(Query("SELECT count(*) FILTER (WHERE stmt LIKE '%(FORMAT binary)') || '/' || count(*) "
                  "FROM prims_log"),
            "3/3");
  EXPECT_EQ(Query("SELECT string_agg(concat_ws('|', i8, i16, i32, i64, f32, f64, b, "
                  "coalesce(s, '<null>'), by), ',' ORDER BY f64 DESC NULLS LAST) FROM prims"),
            "-128|-32767|-2147483647|-4611686018427387904|-1.5|NaN|f|t\tn\n\\ é|"
            "\\x00090a5cff,"  // NaN sorts above every number in PostgreSQL
            "127|32767|2147483647|4611686018427387904|1.5|1e-300|t|<null>|\\x00090a5cff,"
            "127|32767|2147483647|4611686018427387904|1.5|-0.25|t|a|\\x00090a5cff,"
            "127|32767|2147483647|4611686018427387904|1.5|-Infinity|t||\\x00090a5cff");

  // The same records into a table whose i32 is bigint and s varchar: text, then binary again.
  Query(
      "CREATE TABLE wider (i8 smallint, i16 smallint, i32 bigint, i64 bigint, f32 real, "
      "f64 float8, b bool, s varchar(20), by bytea)");
  stmt_log("wider");
  ASSERT_TRUE(
      PutAndFlush(*task, {Record("wider", 0, schema, row(-1, 2.5, Value::String("w")))}).ok());
  EXPECT_EQ(Query("SELECT count(*) FILTER (WHERE stmt LIKE '%(FORMAT binary)') FROM wider_log"),
            "0");
  EXPECT_EQ(Query("SELECT i32 || '|' || s FROM wider"), "-2147483647|w");
  Query("ALTER TABLE wider ALTER COLUMN i32 TYPE int");
  auto fresh = StartTask({});  // learns the table's types anew
  ASSERT_TRUE(
      PutAndFlush(*fresh, {Record("wider", 1, schema, row(1, 3.5, Value::String("v")))}).ok());
  EXPECT_EQ(Query("SELECT count(*) FILTER (WHERE stmt LIKE '%(FORMAT binary)') FROM wider_log"),
            "1");
  EXPECT_EQ(Query("SELECT string_agg(s, ',' ORDER BY s) FROM wider"), "v,w");
  // Types changed behind the task's back: PostgreSQL fails the binary COPY as a protocol
  // violation, retriable; the retry reads the types anew.
  Query("ALTER TABLE wider ALTER COLUMN i32 TYPE bigint");
  Status again = PutAndFlush(*fresh, {Record("wider", 2, schema, row(1, 4.5, Value::String("u")))});
  EXPECT_TRUE(again.retriable()) << again.ToString();
  again = fresh->Flush({});
  ASSERT_TRUE(again.ok()) << again.ToString();
  EXPECT_EQ(Query("SELECT string_agg(s, ',' ORDER BY s) FROM wider"), "u,v,w");

  // A row the table rejects in a binary COPY is named.
  Query("ALTER TABLE prims ADD CHECK (f64 <> 200)");
  Status st = PutAndFlush(*task, {Record("prims", 4, schema, row(1, 1, Value::String("x"))),
                                  Record("prims", 5, schema, row(1, 200, Value::String("y")))});
  ASSERT_EQ(st.code(), StatusCode::kDataError) << st.ToString();
  EXPECT_NE(st.message().find("topic=prims, partition=0, offset=5"), std::string::npos)
      << st.ToString();
}

TEST_F(PostgresSinkTest, BadRecordIsAFatalDataErrorNamingRecordAndColumn) {
  Query("CREATE TABLE strict_ints (n int NOT NULL)");
  auto schema = SchemaBuilder::Struct().AddField("n", schemas::String()).BuildOrDie();
  auto task = StartTask({});
  Status st = PutAndFlush(
      *task, {Record("strict_ints", 10, schema, Row(schema, {{"n", Value::String("1")}})),
              Record("strict_ints", 11, schema, Row(schema, {{"n", Value::String("one")}}))});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kDataError) << st.ToString();
  EXPECT_FALSE(st.retriable());
  EXPECT_NE(st.message().find("topic=strict_ints, partition=0, offset=11"), std::string::npos)
      << st.ToString();
  EXPECT_NE(st.message().find("column n"), std::string::npos) << st.ToString();
  EXPECT_EQ(Query("SELECT count(*) FROM strict_ints"), "0");  // one transaction per write
}

TEST_F(PostgresSinkTest, ToleratedBadRecordsGoToTheErrantReporterAndTheRestLands) {
  Query("CREATE TABLE some_ints (n int NOT NULL)");
  auto schema = SchemaBuilder::Struct().AddField("n", schemas::String()).BuildOrDie();
  FakeContext ctx;
  ctx.tolerate = true;
  auto task = StartTask({{"exactly.once.enabled", "true"}}, &ctx);
  auto rec = [&](int64_t offset, const char* n) {
    return Record("some_ints", offset, schema, Row(schema, {{"n", Value::String(n)}}));
  };
  std::vector<SinkRecord> batch = {rec(10, "1"), rec(11, "one"), rec(12, "3"), rec(13, "four")};
  ASSERT_TRUE(task->Put(batch).ok());
  auto committed = task->PreCommit({{{"some_ints", 0}, 14}});
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  EXPECT_EQ(committed->at({"some_ints", 0}), 14);  // the errant records count as handled
  EXPECT_EQ(Query("SELECT string_agg(n::text, ',' ORDER BY n) FROM some_ints"), "1,3");
  ASSERT_EQ(ctx.errant.size(), 2u);
  EXPECT_EQ(ctx.errant[0].first, 11);
  EXPECT_NE(ctx.errant[0].second.find("column n"), std::string::npos) << ctx.errant[0].second;
  EXPECT_EQ(ctx.errant[1].first, 13);
}

TEST_F(PostgresSinkTest, ToleratedConstraintViolationInUpsertSkipsOnlyThatRow) {
  Query("CREATE TABLE positive (id bigint PRIMARY KEY, n int CHECK (n > 0))");
  auto schema = SchemaBuilder::Struct()
                    .AddField("id", schemas::Int64())
                    .AddField("n", schemas::Int32())
                    .BuildOrDie();
  FakeContext ctx;
  ctx.tolerate = true;
  auto task = StartTask(
      {{"insert.mode", "upsert"}, {"pk.mode", "record_value"}, {"pk.fields", "id"}}, &ctx);
  auto rec = [&](int64_t offset, int32_t n) {
    return Record("positive", offset, schema,
                  Row(schema, {{"id", Value::Int64(offset)}, {"n", Value::Int32(n)}}));
  };
  ASSERT_TRUE(PutAndFlush(*task, {rec(1, 5), rec(2, -5), rec(3, 7)}).ok());
  EXPECT_EQ(Query("SELECT string_agg(id::text, ',' ORDER BY id) FROM positive"), "1,3");
  ASSERT_EQ(ctx.errant.size(), 1u);
  EXPECT_EQ(ctx.errant[0].first, 2);
  EXPECT_NE(ctx.errant[0].second.find("positive_n_check"), std::string::npos)
      << ctx.errant[0].second;
}

TEST_F(PostgresSinkTest, DbTimezoneWritesTimestampsAsLocalTimeOfThatZone) {
  Query("CREATE TABLE tz_events (id bigint PRIMARY KEY, local_at timestamp, instant timestamptz)");
  auto schema = SchemaBuilder::Struct()
                    .AddField("id", schemas::Int64())
                    .AddField("local_at", Timestamp::Builder().BuildOrDie())
                    .AddField("instant", Timestamp::Builder().BuildOrDie())
                    .BuildOrDie();
  auto rec = [&](int64_t offset, int64_t id, int64_t ms) {
    return Record("tz_events", offset, schema,
                  Row(schema, {{"id", Value::Int64(id)},
                               {"local_at", Value::Int64(ms)},
                               {"instant", Value::Int64(ms)}}));
  };
  constexpr int64_t kJuly1At10Utc = 1719828000000;     // 2024-07-01T10:00:00Z, Paris is UTC+2
  constexpr int64_t kJanuary1At10Utc = 1704103200000;  // 2024-01-01T10:00:00Z, Paris is UTC+1
  {
    auto task = StartTask({{"db.timezone", "Europe/Paris"}});
    ASSERT_TRUE(PutAndFlush(*task, {rec(0, 1, kJuly1At10Utc)}).ok());
  }
  {
    auto task = StartTask({{"db.timezone", "Europe/Paris"},
                           {"insert.mode", "upsert"},
                           {"pk.mode", "record_value"},
                           {"pk.fields", "id"}});
    ASSERT_TRUE(
        PutAndFlush(*task, {rec(1, 2, kJanuary1At10Utc), rec(2, 1, kJanuary1At10Utc)}).ok());
  }
  EXPECT_EQ(Query("SELECT string_agg(id || '=' || local_at::text || '|' || "
                  "(instant AT TIME ZONE 'UTC')::text, ',' ORDER BY id) FROM tz_events"),
            "1=2024-01-01 11:00:00|2024-01-01 10:00:00,2=2024-01-01 11:00:00|2024-01-01 10:00:00");
  {
    auto task = StartTask({{"db.timezone", "Europe/Paris"}});
    ASSERT_TRUE(PutAndFlush(*task, {rec(3, 3, kJuly1At10Utc)}).ok());
  }
  EXPECT_EQ(Query("SELECT local_at::text || '|' || (instant AT TIME ZONE 'UTC')::text FROM "
                  "tz_events WHERE id = 3"),
            "2024-07-01 12:00:00|2024-07-01 10:00:00");
}

TEST_F(PostgresSinkTest, UnknownDbTimezoneIsAClearError) {
  auto task = std::make_unique<PostgresSinkTask>();
  task->Initialize(&context_);
  Status st = task->Start(Props({{"db.timezone", "Mars/Olympus"}}));
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.ToString().find("db.timezone 'Mars/Olympus'"), std::string::npos) << st.ToString();
}

TEST_F(PostgresSinkTest, ExactlyOnceResumesFromTheDatabase) {
  auto rec = [counting = CountingRecords("eos")](int64_t offset) {
    SinkRecord r = counting(offset);
    r.kafka_partition = 1;
    return r;
  };
  TopicPartition tp{"eos", 1};
  ConfigMap props = {{"auto.create", "true"}, {"exactly.once.enabled", "true"}};
  {
    FakeContext ctx;
    auto task = StartTask(props, &ctx);
    ASSERT_TRUE(task->Open({tp}).ok());
    EXPECT_TRUE(ctx.rewinds.empty());  // nothing stored yet
    std::vector<SinkRecord> batch = {rec(0), rec(1), rec(2)};
    ASSERT_TRUE(task->Put(batch).ok());
    auto committed = task->PreCommit({{tp, 3}});
    ASSERT_TRUE(committed.ok());
    EXPECT_EQ(committed->at(tp), 3);
    // Written, but the task dies before the consumer group's offsets move past it.
    std::vector<SinkRecord> more = {rec(3)};
    ASSERT_TRUE(task->Put(more).ok());
  }
  EXPECT_EQ(Query("SELECT next_offset FROM tributary_sink_offsets WHERE connector = 'pg-sink' AND "
                  "topic = 'eos' AND kafka_partition = 1"),
            "4");
  FakeContext ctx;
  auto task = StartTask(props, &ctx);
  ASSERT_TRUE(task->Open({tp}).ok());
  EXPECT_EQ(ctx.rewinds[tp], 4);
  // The consumer may still deliver records the database has (its offsets lag): they are skipped.
  std::vector<SinkRecord> replay = {rec(1), rec(2), rec(3), rec(4)};
  ASSERT_TRUE(task->Put(replay).ok());
  auto committed = task->PreCommit({{tp, 5}});
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(committed->at(tp), 5);
  EXPECT_EQ(Query("SELECT string_agg(n::text, ',' ORDER BY n) FROM eos"), "0,1,2,3,4");
}

TEST_F(PostgresSinkTest, DatabaseRestartIsRetriedWithoutLosingTheBatch) {
  auto rec = CountingRecords("restarts");
  FakeContext ctx;
  auto task = StartTask({{"auto.create", "true"}, {"exactly.once.enabled", "true"}}, &ctx);
  ASSERT_TRUE(task->Open({{"restarts", 0}}).ok());
  ASSERT_TRUE(PutAndFlush(*task, {rec(0)}).ok());
  ASSERT_TRUE(server_->Stop().ok());
  // A Put that cannot write takes its batch back for redelivery and asks for the backoff.
  std::vector<SinkRecord> batch = {rec(1), rec(2)};
  Status put = task->Put(batch);
  EXPECT_TRUE(put.retriable()) << put.ToString();
  EXPECT_EQ(task->buffered_for_test(), 0u);
  EXPECT_EQ(ctx.timeout_ms, 10);
  EXPECT_TRUE(task->Flush({}).ok());  // nothing left to write
  ASSERT_TRUE(server_->StartAgain().ok());
  ASSERT_TRUE(task->Put(batch).ok());  // the worker's redelivery
  EXPECT_EQ(Query("SELECT string_agg(n::text, ',' ORDER BY n) FROM restarts"), "0,1,2");
}

// At-least-once mode writes a Put in the background; the outcome reaches the next call.
TEST_F(PostgresSinkTest, BackgroundWriteThatFailsIsWrittenAgainAheadOfTheNextBatch) {
  auto rec = CountingRecords("later");
  FakeContext ctx;
  auto task = StartTask({{"auto.create", "true"}}, &ctx);
  ASSERT_TRUE(PutAndFlush(*task, {rec(0)}).ok());
  ASSERT_TRUE(server_->Stop().ok());
  std::vector<SinkRecord> first = {rec(1), rec(2)};
  ASSERT_TRUE(task->Put(first).ok());
  task->AwaitWriteForTest();  // (a Put during the write would be gathered for the next one)
  std::vector<SinkRecord> second = {rec(3)};
  Status put = task->Put(second);  // learns that `first` was not written
  EXPECT_TRUE(put.retriable()) << put.ToString();
  EXPECT_EQ(task->buffered_for_test(), 2u);  // `first`, not `second`: the worker redelivers it
  ASSERT_TRUE(server_->StartAgain().ok());
  ASSERT_TRUE(task->Put(second).ok());  // the worker's redelivery
  auto committed = task->PreCommit({{{"later", 0}, 4}});
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  EXPECT_EQ(committed->at({"later", 0}), 4);
  EXPECT_EQ(Query("SELECT string_agg(n::text, ',' ORDER BY n) FROM later"), "0,1,2,3");
}

TEST_F(PostgresSinkTest, PutsDuringABackgroundWriteGatherForTheNextWrite) {
  auto rec = CountingRecords("gather");
  FakeContext ctx;
  // Were the second Put to wait for the first write, the lock wait would end in an error.
  auto task =
      StartTask({{"auto.create", "true"},
                 {"connection.url", server_->Conninfo() + " options='-c lock_timeout=5000'"}},
                &ctx);
  ASSERT_TRUE(PutAndFlush(*task, {rec(0)}).ok());
  // Another session holds the table, so the next write waits in PostgreSQL.
  auto locker = LockTable("gather");
  ASSERT_NE(locker, nullptr);
  std::vector<SinkRecord> first = {rec(1)};
  ASSERT_TRUE(task->Put(first).ok());
  std::vector<SinkRecord> second = {rec(2), rec(3)};
  ASSERT_TRUE(task->Put(second).ok());
  EXPECT_EQ(task->buffered_for_test(), 2u);  // not written yet: gathered for the next write
  ASSERT_TRUE(locker->Exec("COMMIT").ok());
  auto committed = task->PreCommit({{{"gather", 0}, 4}});
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  EXPECT_EQ(task->buffered_for_test(), 0u);
  EXPECT_EQ(Query("SELECT string_agg(n::text, ',' ORDER BY n) FROM gather"), "0,1,2,3");
}

// A Put that overfills the buffer during a write prepares the next write meanwhile, waits for the
// first, starts the prepared one and keeps its own records for the write after.
// Counts the writes run on the calling thread (a thread that is reused keeps counting).
int CountWriteOnThisThread() {
  thread_local int writes = 0;
  return ++writes;
}

TEST(WriteThreadTest, RunsWritesInOrderOnOneThreadThatOutlivesThemAndDrainsOnDestruction) {
  std::vector<int> order;
  std::vector<int> count_on_thread;
  std::vector<std::thread::id> threads;
  auto write = [&](int n, Status result) {
    return [&, n, result] {
      if (n == 1) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // 2 waits for it
      order.push_back(n);
      count_on_thread.push_back(CountWriteOnThisThread());
      threads.push_back(std::this_thread::get_id());
      return result;
    };
  };
  std::future<Status> last;
  {
    WriteThread writer;
    std::future<Status> first = writer.Run(write(1, Status::Ok()));
    ASSERT_TRUE(first.get().ok());
    writer.Run(write(2, Status::Ok()));
    last = writer.Run(write(3, Status::IoError("third")));
  }  // the destructor runs what was queued before it joins
  ASSERT_EQ(last.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(last.get().ToString(), Status::IoError("third").ToString());
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(count_on_thread, (std::vector<int>{1, 2, 3}));  // one thread ran all three
  ASSERT_EQ(threads.size(), 3u);
  EXPECT_NE(threads[0], std::this_thread::get_id());
}

TEST_F(PostgresSinkTest, PutThatFillsTheBufferStartsThePreparedNextWrite) {
  auto rec = CountingRecords("prepared");
  FakeContext ctx;
  auto task = StartTask({{"auto.create", "true"}}, &ctx);
  ASSERT_TRUE(PutAndFlush(*task, {rec(0)}).ok());
  auto locker = LockTable("prepared");
  ASSERT_NE(locker, nullptr);
  std::vector<SinkRecord> first = {rec(1)};
  ASSERT_TRUE(task->Put(first).ok());  // waits in PostgreSQL for the lock
  // Gathered up to the bound.
  std::vector<SinkRecord> second;
  for (int64_t i = 0; i < static_cast<int64_t>(PostgresSinkTask::kMaxGathered); ++i)
    second.push_back(rec(2 + i));
  ASSERT_TRUE(task->Put(second).ok());
  EXPECT_EQ(task->buffered_for_test(), PostgresSinkTask::kMaxGathered);
  const int64_t last = 2 + static_cast<int64_t>(PostgresSinkTask::kMaxGathered);
  std::vector<SinkRecord> third = {rec(last)};
  std::thread unlock([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_TRUE(locker->Exec("COMMIT").ok());
  });
  Status put = task->Put(third);  // prepares `second`, waits for `first`, starts `second`
  unlock.join();
  ASSERT_TRUE(put.ok()) << put.ToString();
  EXPECT_EQ(task->buffered_for_test(), 1u);  // `third`, for the next write
  auto committed = task->PreCommit({{{"prepared", 0}, last + 1}});
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  EXPECT_EQ(task->buffered_for_test(), 0u);
  EXPECT_EQ(
      Query("SELECT count(*) || ' ' || min(n) || ' ' || max(n) || ' ' || count(DISTINCT n) "
            "FROM prepared"),
      std::to_string(last + 1) + " 0 " + std::to_string(last) + " " + std::to_string(last + 1));
}

TEST_F(PostgresSinkTest, GivesUpAfterMaxRetries) {
  auto task = StartTask({{"max.retries", "1"},
                         {"connection.url", "postgresql://127.0.0.1:1/test?connect_timeout=2"}});
  std::vector<SinkRecord> batch = {CountingRecords("t")(1)};
  ASSERT_TRUE(task->Put(batch).ok());  // written in the background
  EXPECT_TRUE(task->Flush({}).retriable());
  EXPECT_EQ(task->buffered_for_test(), 1u);  // kept for the next attempt
  Status st = task->Flush({});
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(st.retriable());
  EXPECT_NE(st.message().find("max.retries"), std::string::npos) << st.ToString();
}

TEST(PostgresSinkConfigTest, RejectsInconsistentSettings) {
  ConfigMap base = {{"connection.url", "jdbc:postgresql://h/db"}};
  auto with = [&](ConfigMap extra) {
    ConfigMap p = base;
    for (auto& [k, v] : extra) p[k] = v;
    return PostgresSinkConfig::Parse(p).status();
  };
  EXPECT_TRUE(with({}).ok());
  EXPECT_EQ(with({{"delete.enabled", "true"}}).code(), StatusCode::kInvalidConfig);
  EXPECT_EQ(with({{"insert.mode", "upsert"}}).code(), StatusCode::kInvalidConfig);
  EXPECT_EQ(with({{"insert.mode", "merge"}}).code(), StatusCode::kInvalidConfig);
  EXPECT_EQ(with({{"connection.url", "jdbc:mysql://h/db"}}).code(), StatusCode::kInvalidConfig);
  EXPECT_EQ(with({{"db.timezone", ""}}).code(), StatusCode::kInvalidConfig);
  EXPECT_EQ(PostgresSinkConfig::Parse({}).status().code(), StatusCode::kInvalidConfig);
  auto plugin = PostgresSinkPlugin();
  EXPECT_EQ(plugin.class_name, "io.confluent.connect.jdbc.JdbcSinkConnector");
  EXPECT_EQ(plugin.aliases[0], "PostgresSink");
}

}  // namespace
}  // namespace tributary::connectors::postgres_sink
