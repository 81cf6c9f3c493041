#include "connectors/postgres_cdc/decoding/debezium_events.h"

#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "runtime/converters/json_converter.h"

namespace tributary::connectors::pgcdc {
namespace {

// reference/debezium-postgres.md §1.11: topic.prefix=pg1, database shop,
// public.customers(id serial primary key, name varchar(255) not null, balance numeric(10,2),
// updated_at timestamptz, meta jsonb).
std::shared_ptr<const TableSchemas> Customers(const TypeMappingOptions& options = {}) {
  TableDescription d;
  d.topic_prefix = "pg1";
  d.schema = "public";
  d.table = "customers";
  auto add = [&](const char* name, uint32_t type, int32_t mod, bool not_null, bool key,
                 std::optional<std::string> def = std::nullopt) {
    ColumnDescriptor c;
    c.name = name;
    c.type.oid = type;
    c.type.modifier = mod;
    c.not_null = not_null;
    c.default_expression = std::move(def);
    auto m = MapColumn(c, options);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    d.columns.push_back(TableColumn{*m, true, key});
  };
  add("id", oid::kInt4, -1, true, true, "nextval('customers_id_seq'::regclass)");
  add("name", oid::kVarchar, 259, true, false);
  add("balance", oid::kNumeric, ((10 << 16) | 2) + 4, false, false);
  add("updated_at", oid::kTimestamptz, -1, false, false);
  add("meta", oid::kJsonb, -1, false, false);
  auto t = TableSchemas::Create(std::move(d));
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return *t;
}

SourceInfo Source(int64_t ts_us, uint32_t xid, Lsn last_commit, Lsn lsn) {
  SourceInfo s;
  s.name = "pg1";
  s.db = "shop";
  s.ts_us = ts_us;
  s.schema = "public";
  s.table = "customers";
  s.tx_id = xid;
  s.last_commit_lsn = last_commit;
  s.lsn = lsn;
  return s;
}

TupleColumn T(std::string text) { return {TupleColumn::Kind::kText, std::move(text)}; }
TupleColumn N() { return {TupleColumn::Kind::kNull, ""}; }
TupleColumn U() { return {TupleColumn::Kind::kUnchangedToast, ""}; }

std::string Json(const SchemaPtr& schema, const Value& value) {
  runtime::JsonConverter converter;
  auto out = converter.FromConnectData("pg1.public.customers", schema, value);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() && out->has_value() ? **out : "null";
}

// The payload part of {"schema":…,"payload":…}.
std::string Payload(const std::string& json) {
  size_t at = json.find(",\"payload\":");
  return at == std::string::npos ? json : json.substr(at + 11, json.size() - at - 12);
}
std::string SchemaPart(const std::string& json) {
  size_t at = json.find(",\"payload\":");
  return at == std::string::npos ? json : json.substr(10, at - 10);
}

const char* kValueFields =
    "[{\"type\":\"int32\",\"optional\":false,\"default\":0,\"field\":\"id\"},"
    "{\"type\":\"string\",\"optional\":false,\"field\":\"name\"},"
    "{\"type\":\"bytes\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Decimal\","
    "\"version\":1,\"parameters\":{PARAMS},\"field\":\"balance\"},"
    "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.time.ZonedTimestamp\","
    "\"version\":1,\"field\":\"updated_at\"},"
    "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Json\",\"version\":1,"
    "\"field\":\"meta\"}]";

std::string ExpectedEnvelopeSchema(const std::string& decimal_params) {
  std::string fields = kValueFields;
  fields.replace(fields.find("PARAMS"), 6, decimal_params);
  return "{\"type\":\"struct\",\"fields\":["
         "{\"type\":\"struct\",\"fields\":" +
         fields +
         ",\"optional\":true,\"name\":\"pg1.public.customers.Value\",\"field\":\"before\"},"
         "{\"type\":\"struct\",\"fields\":" +
         fields +
         ",\"optional\":true,\"name\":\"pg1.public.customers.Value\",\"field\":\"after\"},"
         "{\"type\":\"struct\",\"fields\":["
         "{\"type\":\"string\",\"optional\":false,\"field\":\"version\"},"
         "{\"type\":\"string\",\"optional\":false,\"field\":\"connector\"},"
         "{\"type\":\"string\",\"optional\":false,\"field\":\"name\"},"
         "{\"type\":\"int64\",\"optional\":false,\"field\":\"ts_ms\"},"
         "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Enum\",\"version\":1,"
         "\"parameters\":{\"allowed\":\"true,first,first_in_data_collection,last_in_data_"
         "collection,"
         "last,false,incremental\"},\"default\":\"false\",\"field\":\"snapshot\"},"
         "{\"type\":\"string\",\"optional\":false,\"field\":\"db\"},"
         "{\"type\":\"string\",\"optional\":true,\"field\":\"sequence\"},"
         "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_us\"},"
         "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ns\"},"
         "{\"type\":\"string\",\"optional\":false,\"field\":\"schema\"},"
         "{\"type\":\"string\",\"optional\":false,\"field\":\"table\"},"
         "{\"type\":\"int64\",\"optional\":true,\"field\":\"txId\"},"
         "{\"type\":\"int64\",\"optional\":true,\"field\":\"lsn\"},"
         "{\"type\":\"int64\",\"optional\":true,\"field\":\"xmin\"},"
         "{\"type\":\"string\",\"optional\":true,\"field\":\"origin\"},"
         "{\"type\":\"int64\",\"optional\":true,\"field\":\"origin_lsn\"}],"
         "\"optional\":false,\"name\":\"io.debezium.connector.postgresql.Source\",\"version\":1,"
         "\"field\":\"source\"},"
         "{\"type\":\"struct\",\"fields\":["
         "{\"type\":\"string\",\"optional\":false,\"field\":\"id\"},"
         "{\"type\":\"int64\",\"optional\":false,\"field\":\"total_order\"},"
         "{\"type\":\"int64\",\"optional\":false,\"field\":\"data_collection_order\"}],"
         "\"optional\":true,\"name\":\"event.block\",\"version\":1,\"field\":\"transaction\"},"
         "{\"type\":\"string\",\"optional\":false,\"field\":\"op\"},"
         "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ms\"},"
         "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_us\"},"
         "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ns\"}],"
         "\"optional\":false,\"name\":\"pg1.public.customers.Envelope\",\"version\":2}";
}

// Connect schema parameters are a sorted map in our API, so "connect.decimal.precision" is
// written before "scale" (Debezium's LinkedHashMap writes scale first); same content.
const char* kDecimalParams = "\"connect.decimal.precision\":\"10\",\"scale\":\"2\"";

TEST(DebeziumEventsTest, SchemasMatchTheReferenceExample) {
  auto t = Customers();
  EXPECT_EQ(t->data_collection(), "pg1.public.customers");
  runtime::JsonConverter converter;
  EXPECT_EQ(
      *converter.SchemaToJson(t->key_schema()),
      "{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,"
      "\"default\":0,\"field\":\"id\"}],\"optional\":false,\"name\":\"pg1.public.customers.Key\"}");
  Value row = *t->RowFromTuple({T("42"), T("Ada"), T("1234.50"), N(), N()});
  ChangeEvent e =
      t->BuildEvent(Operation::kCreate, t->KeyFromRow(row), Value(), row, Source(1, 1, 1, 1), 0);
  EXPECT_EQ(SchemaPart(Json(e.value_schema, e.value)), ExpectedEnvelopeSchema(kDecimalParams));
}

TEST(DebeziumEventsTest, InsertMatchesTheReferenceExample) {
  auto t = Customers();
  TupleData tuple = {T("42"), T("Ada"), T("1234.50"), T("2026-08-20 10:15:30.123456+00"),
                     T("{\"vip\": true}")};
  auto row = t->RowFromTuple(tuple);
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  auto key = t->KeyFromTuple(tuple);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, t->KeyFromRow(*row));
  ChangeEvent e =
      t->BuildEvent(Operation::kCreate, *key, Value(), *row,
                    Source(1787220930123456, 771, 23935480, 23935568), 1787220930190311042);
  EXPECT_EQ(Payload(Json(e.key_schema, e.key)), "{\"id\":42}");
  EXPECT_EQ(Payload(Json(e.value_schema, e.value)),
            "{\"before\":null,"
            "\"after\":{\"id\":42,\"name\":\"Ada\",\"balance\":\"AeI6\",\"updated_at\":"
            "\"2026-08-20T10:15:30.123456Z\",\"meta\":\"{\\\"vip\\\": true}\"},"
            "\"source\":{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"pg1\","
            "\"ts_ms\":1787220930123,\"snapshot\":\"false\",\"db\":\"shop\","
            "\"sequence\":\"[\\\"23935480\\\",\\\"23935568\\\"]\",\"ts_us\":1787220930123456,"
            "\"ts_ns\":1787220930123456000,\"schema\":\"public\",\"table\":\"customers\","
            "\"txId\":771,\"lsn\":23935568,\"xmin\":null,\"origin\":null,\"origin_lsn\":null},"
            "\"transaction\":null,\"op\":\"c\",\"ts_ms\":1787220930190,\"ts_us\":1787220930190311,"
            "\"ts_ns\":1787220930190311042}");
  EXPECT_TRUE(ValidateValue(e.value_schema, e.value).ok());
}

TEST(DebeziumEventsTest, SourceBlockCacheGivesSourceValue) {
  // Events of one transaction and table (only lsn changes), then a change of every other field
  // one at a time: each block must equal SourceValue's, and blocks handed out earlier keep their
  // own values.
  std::vector<SourceInfo> infos;
  SourceInfo s = Source(1787220930123456, 771, 23935480, 23935568);
  infos.push_back(s);
  for (Lsn lsn : {23935600, 23935700, 23935700}) {
    s.lsn = lsn;
    infos.push_back(s);
  }
  s.lsn.reset();
  infos.push_back(s);
  s.lsn = 23935800;
  infos.push_back(s);
  std::vector<std::function<void(SourceInfo&)>> changes = {
      [](SourceInfo& i) { i.ts_us += 1; },
      [](SourceInfo& i) { i.tx_id = 772; },
      [](SourceInfo& i) { i.last_commit_lsn = 23935900; },
      [](SourceInfo& i) { i.last_commit_lsn.reset(); },
      [](SourceInfo& i) { i.table = "orders"; },
      [](SourceInfo& i) { i.schema = "sales"; },
      [](SourceInfo& i) { i.name = "pg2"; },
      [](SourceInfo& i) { i.db = "shop2"; },
      [](SourceInfo& i) { i.origin = "origin-a"; },
      [](SourceInfo& i) { i.origin_lsn = 5; },
      [](SourceInfo& i) { i.xmin = 9; },
      [](SourceInfo& i) { i.snapshot = SnapshotMarker::kTrue; },
      [](SourceInfo& i) { i.version = "other"; },
  };
  for (const auto& change : changes) {
    change(s);
    infos.push_back(s);
    s.lsn = *s.lsn + 8;
    infos.push_back(s);
  }
  SourceBlockCache cache;
  std::vector<Value> blocks;
  for (const SourceInfo& info : infos) {
    blocks.push_back(cache.Get(info));
    EXPECT_EQ(blocks.back(), SourceValue(info)) << blocks.size();
  }
  for (size_t i = 0; i < infos.size(); ++i) EXPECT_EQ(blocks[i], SourceValue(infos[i])) << i;
  auto t = Customers();
  ChangeEvent a = t->BuildEvent(Operation::kCreate, Value(), Value(), Value(), infos[1], 7);
  ChangeEvent b = t->BuildEvent(Operation::kCreate, Value(), Value(), Value(), blocks[1], 7);
  EXPECT_EQ(a.value, b.value);

  // GetWithLsn: the last SourceInfo with another lsn, also between Get() calls.
  SourceInfo last = infos.back();
  for (Lsn lsn : {Lsn{23936000}, Lsn{23936000}, Lsn{23936100}}) {
    last.lsn = lsn;
    Value block = cache.GetWithLsn(lsn);
    EXPECT_EQ(block, SourceValue(last)) << lsn;
    EXPECT_EQ(cache.Get(last), SourceValue(last)) << lsn;
  }
  last.lsn = 23936200;
  (void)cache.GetWithLsn(23936200);
  last.tx_id = 900;
  EXPECT_EQ(cache.Get(last), SourceValue(last));
}

TEST(DebeziumEventsTest, UpdateWithDefaultIdentityHasNoBefore) {
  auto t = Customers();
  TupleData tuple = {T("42"), T("Ada L."), T("1234.50"), T("2026-08-20 10:16:01.512345+00"),
                     T("{\"vip\": true}")};
  auto row = t->RowFromTuple(tuple);
  ASSERT_TRUE(row.ok());
  ChangeEvent e =
      t->BuildEvent(Operation::kUpdate, t->KeyFromRow(*row), Value(), *row,
                    Source(1787220961512345, 772, 23935784, 23936016), 1787220961570118503);
  EXPECT_EQ(Payload(Json(e.value_schema, e.value)),
            "{\"before\":null,"
            "\"after\":{\"id\":42,\"name\":\"Ada L.\",\"balance\":\"AeI6\",\"updated_at\":"
            "\"2026-08-20T10:16:01.512345Z\",\"meta\":\"{\\\"vip\\\": true}\"},"
            "\"source\":{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"pg1\","
            "\"ts_ms\":1787220961512,\"snapshot\":\"false\",\"db\":\"shop\","
            "\"sequence\":\"[\\\"23935784\\\",\\\"23936016\\\"]\",\"ts_us\":1787220961512345,"
            "\"ts_ns\":1787220961512345000,\"schema\":\"public\",\"table\":\"customers\","
            "\"txId\":772,\"lsn\":23936016,\"xmin\":null,\"origin\":null,\"origin_lsn\":null},"
            "\"transaction\":null,\"op\":\"u\",\"ts_ms\":1787220961570,\"ts_us\":1787220961570118,"
            "\"ts_ns\":1787220961570118503}");
}

TEST(DebeziumEventsTest, DeleteWithKeyTupleAndTombstone) {
  auto t = Customers();
  // REPLICA IDENTITY DEFAULT: a 'K' tuple, non-key columns 'n'; NOT NULL name falls back to "".
  TupleData old_key = {T("42"), N(), N(), N(), N()};
  auto before = t->RowFromTuple(old_key, OldTupleKind::kKey);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  ChangeEvent e =
      t->BuildEvent(Operation::kDelete, *t->KeyFromTuple(old_key), *before, Value(),
                    Source(1787221000000321, 773, 23936064, 23936400), 1787221000051007220);
  EXPECT_EQ(Payload(Json(e.value_schema, e.value)),
            "{\"before\":{\"id\":42,\"name\":\"\",\"balance\":null,\"updated_at\":null,"
            "\"meta\":null},\"after\":null,"
            "\"source\":{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"pg1\","
            "\"ts_ms\":1787221000000,\"snapshot\":\"false\",\"db\":\"shop\","
            "\"sequence\":\"[\\\"23936064\\\",\\\"23936400\\\"]\",\"ts_us\":1787221000000321,"
            "\"ts_ns\":1787221000000321000,\"schema\":\"public\",\"table\":\"customers\","
            "\"txId\":773,\"lsn\":23936400,\"xmin\":null,\"origin\":null,\"origin_lsn\":null},"
            "\"transaction\":null,\"op\":\"d\",\"ts_ms\":1787221000051,\"ts_us\":1787221000051007,"
            "\"ts_ns\":1787221000051007220}");
  ChangeEvent tomb = t->BuildTombstone(e.key);
  EXPECT_EQ(Payload(Json(tomb.key_schema, tomb.key)), "{\"id\":42}");
  EXPECT_EQ(tomb.value_schema, nullptr);
  EXPECT_TRUE(tomb.value.is_null());
  runtime::JsonConverter converter;
  auto v = converter.FromConnectData("t", tomb.value_schema, tomb.value);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->has_value());  // a Kafka null
}

TEST(DebeziumEventsTest, FullIdentityBeforeAndToastFromOldTuple) {
  auto t = Customers();
  TupleData old_row = {T("42"), T("Ada"), T("1.00"), N(), T("{\"big\": 1}")};
  TupleData new_row = {T("42"), T("Ada L."), T("2.00"), N(), U()};
  auto before = t->RowFromTuple(old_row);
  auto after = t->RowFromTuple(new_row, OldTupleKind::kFull, &old_row);
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_EQ(*after->as_struct().Get("meta"), Value::String("{\"big\": 1}"));
  EXPECT_EQ(*before->as_struct().Get("name"), Value::String("Ada"));
  // Without an old tuple, Debezium's placeholder.
  auto placeholder = t->RowFromTuple(new_row);
  ASSERT_TRUE(placeholder.ok());
  EXPECT_EQ(*placeholder->as_struct().Get("meta"), Value::String("__debezium_unavailable_value"));
}

TEST(DebeziumEventsTest, SnapshotReadFromTextRow) {
  auto t = Customers();
  std::vector<std::optional<std::string_view>> row = {
      "42", "Ada", "1234.50", "2026-08-20 10:15:30.123456+00", std::nullopt};
  auto value = t->RowFromText(row);
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  SourceInfo s = Source(1787220930123456, 700, 0, 23935000);
  s.last_commit_lsn.reset();
  s.snapshot = SnapshotMarker::kFirst;
  ChangeEvent e = t->BuildEvent(Operation::kRead, *t->KeyFromText(row), Value(), *value, s, 5);
  const Struct& env = e.value.as_struct();
  EXPECT_EQ(*env.Get("op"), Value::String("r"));
  const Struct& src = env.Get("source")->as_struct();
  EXPECT_EQ(*src.Get("snapshot"), Value::String("first"));
  EXPECT_EQ(*src.Get("sequence"), Value::String("[null,\"23935000\"]"));
  EXPECT_TRUE(env.Get("after")->as_struct().Get("meta")->is_null());
  // A NOT NULL column that is NULL, and a bad value, are errors naming the column.
  row[1] = std::nullopt;
  auto bad = t->RowFromText(row);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("name"), std::string::npos);
  row[1] = "Ada";
  row[2] = "12x";
  bad = t->RowFromText(row);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("column balance"), std::string::npos);
  EXPECT_FALSE(t->RowFromText({"1"}).ok());
}

TEST(DebeziumEventsTest, TupleErrors) {
  auto t = Customers();
  EXPECT_FALSE(t->RowFromTuple({T("1")}).ok());
  auto binary = t->RowFromTuple({{TupleColumn::Kind::kBinary, "x"}, T("a"), N(), N(), N()});
  ASSERT_FALSE(binary.ok());
  EXPECT_NE(binary.status().message().find("binary"), std::string::npos);
  EXPECT_FALSE(t->RowFromTuple({N(), T("a"), N(), N(), N()}).ok());  // NOT NULL id is null
}

TEST(DebeziumEventsTest, TruncateTransactionAndExcludedColumns) {
  auto t = Customers();
  SourceInfo s = Source(1000000, 9, 1, 2);
  ChangeEvent trunc = t->BuildTruncateEvent(s, 2000000000);
  EXPECT_EQ(trunc.key_schema, nullptr);
  EXPECT_TRUE(trunc.key.is_null());
  const Struct& env = trunc.value.as_struct();
  EXPECT_EQ(*env.Get("op"), Value::String("t"));
  EXPECT_TRUE(env.Get("before")->is_null());
  EXPECT_TRUE(env.Get("after")->is_null());
  EXPECT_EQ(*env.Get("ts_ms"), Value::Int64(2000));
  EXPECT_TRUE(ValidateValue(trunc.value_schema, trunc.value).ok());

  TransactionBlock tx{"771:23935568", 3, 2};
  ChangeEvent withtx = t->BuildEvent(Operation::kCreate, Value(), Value(), Value(), s, 0, tx);
  const Struct& block = withtx.value.as_struct().Get("transaction")->as_struct();
  EXPECT_EQ(*block.Get("id"), Value::String("771:23935568"));
  EXPECT_EQ(*block.Get("total_order"), Value::Int64(3));

  // A column left out of the value (column.exclude.list) still feeds the key.
  TableDescription d = t->description();
  d.columns[0].included = false;
  auto excluded = TableSchemas::Create(d);
  ASSERT_TRUE(excluded.ok());
  EXPECT_EQ((*excluded)->value_schema()->fields().size(), 4u);
  TupleData tuple = {T("7"), T("x"), N(), N(), N()};
  auto row = (*excluded)->RowFromTuple(tuple);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->as_struct().Get("id"), nullptr);
  EXPECT_EQ(*(*excluded)->KeyFromTuple(tuple)->as_struct().Get("id"), Value::Int32(7));
  // ...so its key cannot come from the row.
  EXPECT_TRUE(t->keys_in_value());
  EXPECT_FALSE((*excluded)->keys_in_value());
  // No key columns: no key schema, null key.
  for (auto& c : d.columns) c.key = false;
  auto keyless = TableSchemas::Create(d);
  ASSERT_TRUE(keyless.ok());
  EXPECT_EQ((*keyless)->key_schema(), nullptr);
  EXPECT_TRUE((*keyless)->KeyFromTuple(tuple)->is_null());
  EXPECT_TRUE((*keyless)->keys_in_value());
  EXPECT_TRUE((*keyless)->KeyFromRow(*row).is_null());
  // Duplicate column names are rejected.
  d.columns[1].mapping.column = d.columns[2].mapping.column;
  EXPECT_FALSE(TableSchemas::Create(d).ok());
}

TEST(DebeziumEventsTest, KeyFromRowTakesKeyColumnsByPosition) {
  // Two key columns after a non-key one: KeyFromRow of a row of this table takes them by
  // position, of a row with an equal schema built elsewhere by name; both as KeyFromTuple.
  TableDescription d = Customers()->description();
  d.columns[0].key = false;
  d.columns[1].key = true;
  d.columns[3].key = true;
  auto t = TableSchemas::Create(d);
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE((*t)->keys_in_value());
  TupleData tuple = {T("42"), T("Ada"), T("1234.50"), T("2026-08-20 10:15:30.123456+00"), N()};
  auto row = (*t)->RowFromTuple(tuple);
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  auto key = (*t)->KeyFromTuple(tuple);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(Json((*t)->key_schema(), *key), Json((*t)->key_schema(), (*t)->KeyFromRow(*row)));
  EXPECT_EQ(Payload(Json((*t)->key_schema(), (*t)->KeyFromRow(*row))),
            "{\"name\":\"Ada\",\"updated_at\":\"2026-08-20T10:15:30.123456Z\"}");
  auto twin = TableSchemas::Create(d);
  ASSERT_TRUE(twin.ok());
  auto twin_row = (*twin)->RowFromTuple(tuple);
  ASSERT_TRUE(twin_row.ok());
  EXPECT_EQ((*t)->KeyFromRow(*twin_row), *key);
}

TEST(DebeziumEventsTest, DecimalStringModeInTheExample) {
  TypeMappingOptions o;
  o.decimal_mode = DecimalHandlingMode::kString;
  auto t = Customers(o);
  auto row = t->RowFromTuple({T("42"), T("Ada"), T("1234.50"), N(), N()});
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(*row->as_struct().Get("balance"), Value::String("1234.50"));
  EXPECT_EQ(t->value_schema()->FindField("balance")->schema->type(), SchemaType::kString);
}

TEST(DebeziumEventsTest, LogicalMessageEvent) {
  LogicalMessage m;
  m.transactional = false;
  m.lsn = 100;
  m.prefix = "audit";
  m.content = "hi";
  SourceInfo s;
  s.name = "pg1";
  s.db = "shop";
  s.ts_us = 5000;
  s.lsn = 100;
  ChangeEvent e = BuildMessageEvent(m, s, 7000000, BinaryHandlingMode::kBytes);
  EXPECT_EQ(e.key_schema->name(), "io.debezium.connector.postgresql.MessageKey");
  EXPECT_EQ(e.value_schema->name(), "io.debezium.connector.postgresql.MessageValue");
  std::string json = Json(e.value_schema, e.value);
  EXPECT_NE(json.find("\"op\":\"m\",\"ts_ms\":7,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"message\":{\"prefix\":\"audit\",\"content\":\"aGk=\"}"), std::string::npos)
      << json;
  EXPECT_EQ(json.find("ts_us\":7"), std::string::npos);  // no ts_us/ts_ns in MessageValue
  EXPECT_NE(json.find("\"schema\":\"\",\"table\":\"\",\"txId\":null"), std::string::npos) << json;
  ChangeEvent hex = BuildMessageEvent(m, s, 0, BinaryHandlingMode::kHex);
  EXPECT_EQ(*hex.value.as_struct().Get("message")->as_struct().Get("content"),
            Value::String("6869"));
  EXPECT_TRUE(ValidateValue(hex.value_schema, hex.value).ok());
}

TEST(DebeziumEventsTest, Heartbeat) {
  ChangeEvent h = BuildHeartbeat("pg1", 1234);
  EXPECT_EQ(Payload(Json(h.key_schema, h.key)), "{\"serverName\":\"pg1\"}");
  EXPECT_EQ(Payload(Json(h.value_schema, h.value)), "{\"ts_ms\":1234}");
  EXPECT_EQ(h.value_schema->name(), "io.debezium.connector.common.Heartbeat");
}

TEST(DebeziumEventsTest, MessageKeyColumns) {
  auto config = ParseMessageKeyColumns("public.customers:name,id; inventory\\..*:sku");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_EQ(config->size(), 2u);
  EXPECT_EQ(KeyColumnsFor(*config, "public", "customers"),
            (std::vector<std::string>{"name", "id"}));
  EXPECT_EQ(KeyColumnsFor(*config, "inventory", "items"), (std::vector<std::string>{"sku"}));
  EXPECT_FALSE(KeyColumnsFor(*config, "public", "customers2").has_value());  // anchored
  EXPECT_TRUE(ParseMessageKeyColumns("")->empty());
  for (const char* bad : {"public.customers", "t:", ":a", "(:a"}) {
    auto r = ParseMessageKeyColumns(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidConfig);
    EXPECT_NE(r.status().message().find("message.key.columns"), std::string::npos);
  }
}

}  // namespace
}  // namespace tributary::connectors::pgcdc
