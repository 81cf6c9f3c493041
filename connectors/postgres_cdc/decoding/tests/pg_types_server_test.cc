// Proves the text parsing against a real PostgreSQL 15: a table with every common type is read
// back with a plain SELECT in text mode (what a snapshot does) and through pgoutput
// (pg_logical_slot_get_binary_changes returns exactly the bytes a replication stream carries),
// with column types taken from the catalog as the connector takes them.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "connectors/common/postgres.h"
#include "connectors/postgres_cdc/decoding/debezium_events.h"
#include "connectors/postgres_cdc/decoding/pg_types.h"
#include "connectors/postgres_cdc/decoding/pgoutput.h"
#include "tests/pg/postgres_server.h"

namespace tributary::connectors::pgcdc {
namespace {

using pg::PgConnection;

// The session settings the connector pins on every connection.
constexpr const char* kSessionSettings =
    "SET DateStyle = ISO; SET IntervalStyle = postgres; SET extra_float_digits = 3; "
    "SET TimeZone = 'UTC'; SET bytea_output = hex; SET lc_monetary = 'C'";

constexpr const char* kCreateTable = R"sql(
CREATE EXTENSION IF NOT EXISTS hstore;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN price AS numeric(8,3);
CREATE TABLE every_type (
  id serial PRIMARY KEY,
  c_bool boolean NOT NULL DEFAULT true,
  c_int2 smallint, c_int4 integer, c_int8 bigint, c_oid oid,
  c_float4 real, c_float8 double precision,
  c_numeric numeric(10,2), c_numeric_var numeric, c_numeric_nan numeric, c_money money,
  c_char char(5), c_varchar varchar(20) DEFAULT 'x', c_text text, c_name name, c_qchar "char",
  c_bytea bytea, c_date date, c_date_bc date, c_time time, c_time3 time(3), c_timetz timetz,
  c_ts timestamp, c_ts3 timestamp(3), c_ts_inf timestamp, c_tstz timestamptz, c_tstz3 timestamptz(3),
  c_interval interval, c_interval_neg interval,
  c_json json, c_jsonb jsonb, c_uuid uuid, c_inet inet, c_cidr cidr, c_macaddr macaddr,
  c_xml xml, c_bit1 bit(1), c_bit bit(10), c_varbit varbit(16),
  c_mood mood, c_price price, c_hstore hstore, c_int4range int4range,
  c_int_arr integer[], c_text_arr text[], c_num_arr numeric(5,2)[], c_tstz_arr timestamptz[],
  c_uuid_arr uuid[], c_bytea_arr bytea[], c_mood_arr mood[], c_bool_arr boolean[]
);
)sql";

constexpr const char* kInsert = R"sql(
INSERT INTO every_type (c_int2, c_int4, c_int8, c_oid, c_float4, c_float8, c_numeric,
  c_numeric_var, c_numeric_nan, c_money, c_char, c_varchar, c_text, c_name, c_qchar, c_bytea,
  c_date, c_date_bc, c_time, c_time3, c_timetz, c_ts, c_ts3, c_ts_inf, c_tstz, c_tstz3,
  c_interval, c_interval_neg, c_json, c_jsonb, c_uuid, c_inet, c_cidr, c_macaddr, c_xml, c_bit1,
  c_bit, c_varbit, c_mood, c_price, c_hstore, c_int4range, c_int_arr, c_text_arr, c_num_arr,
  c_tstz_arr, c_uuid_arr, c_bytea_arr, c_mood_arr, c_bool_arr)
VALUES (-32768, 2147483647, -9223372036854775808, 4294967295, 1.5, 0.1,
  1234.5, -12.345, 'NaN', 1234.56, 'ab', 'héllo', E'multi\nline "q"', 'nm', 'z', '\x00ff10',
  '2026-08-20', '0044-03-15 BC', '13:45:30.123456', '13:45:30.123', '13:45:30.5+02',
  '2026-08-20 10:15:30.123456', '1969-12-31 23:59:59.999', 'infinity',
  '2026-08-20 12:15:30.123456+02', '2026-08-20 10:15:30.1+00',
  '1 year 2 months 3 days 04:05:06.78', '-1 day +02:00:00',
  '{"a": [1, 2]}', '{"vip": true, "a": 1}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '<a>x</a>', B'1', B'1000000011', B'101',
  'ok', 1.5, 'a=>1, "b c"=>NULL', '[1,10)', '{1,NULL,-3}', '{"a,b",NULL,"q\"x"}', '{1.5,NULL}',
  '{"2026-08-20 10:15:30+00"}', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', '{"\\x01ff"}',
  '{sad,happy}', '{t,f}')
)sql";

// What each column must convert to (default modes).
std::map<std::string, Value> Expected() {
  auto dec = [](std::string unscaled, int32_t scale) {
    return Value::DecimalValue(DecimalValue{std::move(unscaled), scale});
  };
  return {
      {"id", Value::Int32(1)},
      {"c_bool", Value::Boolean(true)},
      {"c_int2", Value::Int16(-32768)},
      {"c_int4", Value::Int32(2147483647)},
      {"c_int8", Value::Int64(INT64_MIN)},
      {"c_oid", Value::Int64(4294967295LL)},
      {"c_float4", Value::Float32(1.5f)},
      {"c_float8", Value::Float64(0.1)},
      {"c_numeric", dec("123450", 2)},
      {"c_numeric_var", Value::Null()},  // a VariableScaleDecimal struct, checked apart
      {"c_numeric_nan", Value::Null()},
      {"c_money", dec("123456", 2)},
      {"c_char", Value::String("ab   ")},
      {"c_varchar", Value::String("héllo")},
      {"c_text", Value::String("multi\nline \"q\"")},
      {"c_name", Value::String("nm")},
      {"c_qchar", Value::String("z")},
      {"c_bytea", Value::BytesValue({0x00, 0xff, 0x10})},
      {"c_date", Value::Int32(20685)},
      {"c_date_bc", Value::Int32(-735160)},
      {"c_time", Value::Int64(49530123456)},
      {"c_time3", Value::Int32(49530123)},
      {"c_timetz", Value::String("11:45:30.5Z")},
      {"c_ts", Value::Int64(1787220930123456)},
      {"c_ts3", Value::Int64(-1)},
      {"c_ts_inf", Value::Int64(9223372036825200000LL)},
      {"c_tstz", Value::String("2026-08-20T10:15:30.123456Z")},
      {"c_tstz3", Value::String("2026-08-20T10:15:30.100Z")},
      {"c_interval",
       Value::Int64(std::llround(((14 * 30.4375 + 3) * 86400 + 4 * 3600 + 5 * 60 + 6.78) * 1e6))},
      {"c_interval_neg", Value::Int64(-22 * 3600000000LL)},
      {"c_json", Value::String("{\"a\": [1, 2]}")},
      {"c_jsonb", Value::String("{\"a\": 1, \"vip\": true}")},
      {"c_uuid", Value::String("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")},
      {"c_inet", Value::String("192.168.0.1/24")},
      {"c_cidr", Value::String("10.0.0.0/8")},
      {"c_macaddr", Value::String("08:00:2b:01:02:03")},
      {"c_xml", Value::String("<a>x</a>")},
      {"c_bit1", Value::Boolean(true)},
      {"c_bit", Value::BytesValue({0x03, 0x02})},
      {"c_varbit", Value::BytesValue({0x05})},
      {"c_mood", Value::String("ok")},
      {"c_price", dec("1500", 3)},
      {"c_hstore", Value::String("{\"a\":\"1\",\"b c\":null}")},
      {"c_int4range", Value::String("[1,10)")},
      {"c_int_arr", Value::ArrayValue({Value::Int32(1), Value::Null(), Value::Int32(-3)})},
      {"c_text_arr",
       Value::ArrayValue({Value::String("a,b"), Value::Null(), Value::String("q\"x")})},
      {"c_num_arr", Value::ArrayValue({dec("150", 2), Value::Null()})},
      {"c_tstz_arr", Value::ArrayValue({Value::String("2026-08-20T10:15:30Z")})},
      {"c_uuid_arr", Value::ArrayValue({Value::String("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")})},
      {"c_bytea_arr", Value::ArrayValue({Value::BytesValue({0x01, 0xff})})},
      {"c_mood_arr", Value::ArrayValue({Value::String("sad"), Value::String("happy")})},
      {"c_bool_arr", Value::ArrayValue({Value::Boolean(true), Value::Boolean(false)})},
  };
}

// Column descriptions from the catalog, as the connector reads them.
std::vector<ColumnDescriptor> Catalog(PgConnection& conn) {
  auto columns = conn.Exec(R"sql(
    SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull,
           pg_get_expr(d.adbin, d.adrelid), t.typname, t.typtype, t.typbasetype, t.typtypmod,
           t.typelem, et.typname, et.typtype,
           (SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum
             WHERE enumtypid = CASE WHEN t.typelem <> 0 THEN t.typelem ELSE t.oid END)
      FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      LEFT JOIN pg_type et ON et.oid = t.typelem
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = 'every_type'::regclass AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum)sql");
  EXPECT_TRUE(columns.ok()) << columns.status().ToString();
  std::vector<ColumnDescriptor> out;
  if (!columns.ok()) return out;
  auto split = [](const std::string& s) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (!s.empty()) {
      size_t comma = s.find(',', start);
      parts.push_back(s.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return parts;
  };
  for (int r = 0; r < columns->rows(); ++r) {
    ColumnDescriptor c;
    c.name = columns->Get(r, 0);
    c.type.oid = static_cast<uint32_t>(std::stoul(columns->Get(r, 1)));
    c.type.modifier = std::stoi(columns->Get(r, 2));
    c.not_null = columns->Get(r, 3) == "t";
    if (!columns->IsNull(r, 4)) c.default_expression = columns->Get(r, 4);
    c.type.name = columns->Get(r, 5);
    c.type.typtype = columns->Get(r, 6)[0];
    if (c.type.typtype == 'd') {
      auto base = std::make_shared<PgType>();
      base->oid = static_cast<uint32_t>(std::stoul(columns->Get(r, 7)));
      base->modifier = std::stoi(columns->Get(r, 8));
      c.type.base = base;
    }
    std::string labels = columns->IsNull(r, 12) ? "" : columns->Get(r, 12);
    if (columns->Get(r, 9) != "0" && !BuiltinArrayElementOid(c.type.oid).has_value()) {
      auto element = std::make_shared<PgType>();
      element->oid = static_cast<uint32_t>(std::stoul(columns->Get(r, 9)));
      element->name = columns->Get(r, 10);
      element->typtype = columns->Get(r, 11)[0];
      element->enum_labels = split(labels);
      c.type.element = element;
    } else if (c.type.typtype == 'e') {
      c.type.enum_labels = split(labels);
    }
    out.push_back(std::move(c));
  }
  return out;
}

class PgTypesServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::PostgresServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    auto conn = PgConnection::Connect(server_->Conninfo());
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_ = std::move(conn).value();
    ASSERT_TRUE(conn_->Exec(kSessionSettings).ok());
    auto created = conn_->Exec(kCreateTable);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    auto pub = conn_->Exec("CREATE PUBLICATION pub FOR TABLE every_type");
    ASSERT_TRUE(pub.ok()) << pub.status().ToString();
    auto slot =
        conn_->Exec("SELECT pg_create_logical_replication_slot('decoding_test', 'pgoutput')");
    ASSERT_TRUE(slot.ok()) << slot.status().ToString();
    auto inserted = conn_->Exec(kInsert);
    ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
    descriptors_ = Catalog(*conn_);
    ASSERT_EQ(descriptors_.size(), Expected().size());
    TableDescription d;
    d.topic_prefix = "pg";
    d.schema = "public";
    d.table = "every_type";
    for (const ColumnDescriptor& c : descriptors_) {
      auto m = MapColumn(c, {});
      ASSERT_TRUE(m.ok()) << m.status().ToString();
      d.columns.push_back(TableColumn{*m, true, c.name == "id"});
    }
    auto table = TableSchemas::Create(d);
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    table_ = *table;
  }

  void ExpectRow(const Value& row) {
    ASSERT_EQ(row.kind(), ValueKind::kStruct);
    EXPECT_TRUE(ValidateValue(table_->value_schema(), row).ok())
        << ValidateValue(table_->value_schema(), row).ToString();
    for (const auto& [column, expected] : Expected()) {
      const Value* actual = row.as_struct().Get(column);
      ASSERT_NE(actual, nullptr) << column;
      if (column == "c_numeric_var") continue;  // checked below (struct)
      EXPECT_EQ(*actual, expected) << column << ": " << actual->DebugString();
    }
    const Value* var = row.as_struct().Get("c_numeric_var");
    ASSERT_EQ(var->kind(), ValueKind::kStruct);
    EXPECT_EQ(*var->as_struct().Get("scale"), Value::Int32(3));
    EXPECT_EQ(*var->as_struct().Get("value"),
              Value::BytesValue(DecimalValue{"-12345", 3}.UnscaledBytes()));
  }

  std::unique_ptr<testing::PostgresServer> server_;
  std::unique_ptr<PgConnection> conn_;
  std::vector<ColumnDescriptor> descriptors_;
  std::shared_ptr<const TableSchemas> table_;
};

TEST_F(PgTypesServerTest, MapsTheCatalogAsDebeziumDoes) {
  const SchemaPtr& v = table_->value_schema();
  auto name = [&](const char* field) { return v->FindField(field)->schema->name().value_or(""); };
  EXPECT_EQ(*v->FindField("id")->schema->default_value(), Value::Int32(0));
  EXPECT_FALSE(v->FindField("id")->schema->optional());
  EXPECT_EQ(*v->FindField("c_bool")->schema->default_value(), Value::Boolean(true));
  EXPECT_EQ(*v->FindField("c_varchar")->schema->default_value(), Value::String("x"));
  EXPECT_EQ(v->FindField("c_numeric")->schema->parameters().at("connect.decimal.precision"), "10");
  EXPECT_EQ(name("c_numeric_var"), "io.debezium.data.VariableScaleDecimal");
  EXPECT_EQ(name("c_time"), "io.debezium.time.MicroTime");
  EXPECT_EQ(name("c_time3"), "io.debezium.time.Time");
  EXPECT_EQ(name("c_ts3"), "io.debezium.time.Timestamp");
  EXPECT_EQ(name("c_mood"), "io.debezium.data.Enum");
  EXPECT_EQ(v->FindField("c_mood")->schema->parameters().at("allowed"), "sad,ok,happy");
  EXPECT_EQ(v->FindField("c_price")->schema->parameters().at("scale"), "3");
  EXPECT_EQ(v->FindField("c_bit")->schema->parameters().at("length"), "10");
  EXPECT_EQ(name("c_hstore"), "io.debezium.data.Json");
  EXPECT_EQ(table_->key_schema()->fields().size(), 1u);
}

TEST_F(PgTypesServerTest, ConvertsTheTextOfASelect) {
  auto result = conn_->Exec("SELECT * FROM every_type");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->rows(), 1);
  std::vector<std::string> storage(descriptors_.size());
  std::vector<std::optional<std::string_view>> row(descriptors_.size());
  for (size_t i = 0; i < descriptors_.size(); ++i) {
    if (result->IsNull(0, static_cast<int>(i))) continue;
    storage[i] = result->Get(0, static_cast<int>(i));
    row[i] = storage[i];
  }
  auto value = table_->RowFromText(row);
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  ExpectRow(*value);
  auto key = table_->KeyFromText(row);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key->as_struct().Get("id"), Value::Int32(1));
}

TEST_F(PgTypesServerTest, DecodesTheRealPgoutputStream) {
  ASSERT_TRUE(conn_->Exec("ALTER TABLE every_type REPLICA IDENTITY FULL").ok());
  ASSERT_TRUE(conn_->Exec("UPDATE every_type SET c_int4 = 7").ok());
  ASSERT_TRUE(conn_->Exec("DELETE FROM every_type").ok());
  ASSERT_TRUE(conn_->Exec("TRUNCATE every_type").ok());
  // Commits must be flushed for the slot to decode them (the test server may not sync commits).
  ASSERT_TRUE(conn_->Exec("SET synchronous_commit = on").ok());
  ASSERT_TRUE(conn_->Exec("SELECT pg_logical_emit_message(true, 'audit', 'hello')").ok());
  auto changes = conn_->Exec(
      "SELECT data FROM pg_logical_slot_get_binary_changes('decoding_test', NULL, NULL, "
      "'proto_version', '1', 'publication_names', 'pub', 'messages', 'true')");
  ASSERT_TRUE(changes.ok()) << changes.status().ToString();
  RelationCache relations;
  std::vector<std::string> kinds;
  for (int r = 0; r < changes->rows(); ++r) {
    auto bytes = ParseByteaHex(changes->Get(r, 0));
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    std::string payload(bytes->begin(), bytes->end());
    auto message = DecodePgoutput(payload);
    ASSERT_TRUE(message.ok()) << message.status().ToString();
    kinds.push_back(PgoutputMessageName(*message));
    if (auto* rel = std::get_if<RelationMessage>(&*message)) {
      EXPECT_EQ(rel->name, "every_type");
      EXPECT_EQ(rel->columns.size(), descriptors_.size());
      for (size_t i = 0; i < rel->columns.size() && i < descriptors_.size(); ++i) {
        EXPECT_EQ(rel->columns[i].name, descriptors_[i].name);
        EXPECT_EQ(rel->columns[i].type_oid, descriptors_[i].type.oid);
        EXPECT_EQ(rel->columns[i].type_modifier, descriptors_[i].type.modifier);
      }
      relations.Put(*rel);
    } else if (auto* insert = std::get_if<InsertMessage>(&*message)) {
      ASSERT_NE(relations.Find(insert->relation_oid), nullptr);
      auto row = table_->RowFromTuple(insert->new_tuple);
      ASSERT_TRUE(row.ok()) << row.status().ToString();
      ExpectRow(*row);
    } else if (auto* update = std::get_if<UpdateMessage>(&*message)) {
      EXPECT_EQ(update->old_kind, OldTupleKind::kFull);
      auto before = table_->RowFromTuple(update->old_tuple);
      ASSERT_TRUE(before.ok()) << before.status().ToString();
      ExpectRow(*before);
      auto after = table_->RowFromTuple(update->new_tuple, OldTupleKind::kFull, &update->old_tuple);
      ASSERT_TRUE(after.ok()) << after.status().ToString();
      EXPECT_EQ(*after->as_struct().Get("c_int4"), Value::Int32(7));
    } else if (auto* del = std::get_if<DeleteMessage>(&*message)) {
      EXPECT_EQ(del->old_kind, OldTupleKind::kFull);
      auto key = table_->KeyFromTuple(del->old_tuple);
      ASSERT_TRUE(key.ok());
      EXPECT_EQ(*key->as_struct().Get("id"), Value::Int32(1));
    } else if (auto* msg = std::get_if<LogicalMessage>(&*message)) {
      EXPECT_TRUE(msg->transactional);
      EXPECT_EQ(msg->prefix, "audit");
      EXPECT_EQ(msg->content, "hello");
    }
  }
  // Relation messages precede the first change in each transaction-decoding session.
  std::vector<std::string> dml;
  for (const auto& k : kinds) {
    if (k != "Relation" && k != "Type") dml.push_back(k);
  }
  EXPECT_EQ(dml, (std::vector<std::string>{"Begin", "Insert", "Commit", "Begin", "Update", "Commit",
                                           "Begin", "Delete", "Commit", "Begin", "Truncate",
                                           "Commit", "Begin", "Message", "Commit"}));
}

}  // namespace
}  // namespace tributary::connectors::pgcdc
