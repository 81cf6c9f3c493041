#include "connectors/postgres_sink/postgres_sink.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iterator>
#include <optional>
#include <unordered_map>

#include "connectors/common/value_json.h"

namespace tributary::connectors::postgres_sink {
namespace {

using pg::QuoteIdentifier;
using pg::TableId;

constexpr const char* kConnectionUrl = "connection.url";
constexpr const char* kConnectionUser = "connection.user";
constexpr const char* kConnectionPassword = "connection.password";
constexpr const char* kInsertMode = "insert.mode";
constexpr const char* kPkMode = "pk.mode";
constexpr const char* kPkFields = "pk.fields";
constexpr const char* kFieldsWhitelist = "fields.whitelist";
constexpr const char* kFieldsInclude = "fields.include";
constexpr const char* kTableNameFormat = "table.name.format";
constexpr const char* kAutoCreate = "auto.create";
constexpr const char* kAutoEvolve = "auto.evolve";
constexpr const char* kBatchSize = "batch.size";
constexpr const char* kDeleteEnabled = "delete.enabled";
constexpr const char* kMaxRetries = "max.retries";
constexpr const char* kRetryBackoffMs = "retry.backoff.ms";
constexpr const char* kQuoteIdentifiers = "quote.sql.identifiers";
constexpr const char* kDbTimezone = "db.timezone";
constexpr const char* kValueColumn = "string.output.value.column.name";
constexpr const char* kExactlyOnce = "exactly.once.enabled";
constexpr const char* kOffsetsTable = "exactly.once.offsets.table";

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// ---------------------------------------------------------------------------------------------
// Columns and how each is taken from a record.

enum class Source { kTopic, kPartition, kOffset, kKeyWhole, kKeyField, kValueWhole, kValueField };

}  // namespace

struct Column {
  std::string name;
  std::string sql_type;
  bool optional = true;
  bool pk = false;
  Source source = Source::kValueField;
  int field_index = -1;
  SchemaPtr schema;   // null: render by value kind (schemaless)
  bool json = false;  // render as JSON text (jsonb)
  // The PostgreSQL type (OID) whose binary COPY form the values are written in when the table's
  // column has it (BinaryFits), or 0: text only.
  uint32_t binary_oid = 0;
};

// How the records of one run map to one table.
struct RunLayout {
  TableId table;
  std::vector<Column> columns;  // pk columns first
  bool tombstones = false;      // a run of deletes
  std::vector<const Column*> PkColumns() const {
    std::vector<const Column*> out;
    for (const auto& c : columns)
      if (c.pk) out.push_back(&c);
    return out;
  }
};

// A run of records made ready for WriteRun: in the order it is written (by key, see SortByKey),
// with its COPY text when `rendered`.
struct PreparedRun {
  RunLayout layout;
  std::vector<const SinkRecord*> records;
  std::string copy_text;
  bool rendered = false;
  bool binary = false;  // copy_text is in COPY's binary format
};

// A write made ready before it runs (PostgresSinkTask::Prepare).
struct PreparedWrite {
  std::vector<PreparedRun> runs;
  std::vector<std::pair<const SinkRecord*, Status>> errant;  // isolate: records with no layout
  std::map<TopicPartition, int64_t> next;                    // next offset of each partition
};

namespace {

// Connect schema -> PostgreSQL column type, as the JDBC sink's PostgreSqlDatabaseDialect, plus
// STRUCT/MAP (and arrays of them) -> jsonb where the JDBC sink fails.
std::string SqlType(const Schema& schema, bool* json) {
  *json = false;
  if (schema.IsLogical(Decimal::kLogicalName)) return "DECIMAL";
  if (schema.IsLogical(Date::kLogicalName)) return "DATE";
  if (schema.IsLogical(Time::kLogicalName)) return "TIME";
  if (schema.IsLogical(Timestamp::kLogicalName)) return "TIMESTAMP";
  switch (schema.type()) {
    case SchemaType::kInt8:
    case SchemaType::kInt16:
      return "SMALLINT";
    case SchemaType::kInt32:
      return "INT";
    case SchemaType::kInt64:
      return "BIGINT";
    case SchemaType::kFloat32:
      return "REAL";
    case SchemaType::kFloat64:
      return "DOUBLE PRECISION";
    case SchemaType::kBoolean:
      return "BOOLEAN";
    case SchemaType::kString:
      return "TEXT";
    case SchemaType::kBytes:
      return "BYTEA";
    case SchemaType::kArray: {
      const Schema* element = schema.value_schema().get();
      if (element && element->type() != SchemaType::kArray &&
          element->type() != SchemaType::kStruct && element->type() != SchemaType::kMap) {
        bool ignored;
        return SqlType(*element, &ignored) + "[]";
      }
      *json = true;
      return "JSONB";
    }
    case SchemaType::kMap:
    case SchemaType::kStruct:
      *json = true;
      return "JSONB";
  }
  return "TEXT";
}

// A column type for a schemaless primitive (a key without schema).
std::string SqlTypeOfKind(const Value& value, bool* json) {
  *json = false;
  switch (value.kind()) {
    case ValueKind::kBoolean:
      return "BOOLEAN";
    case ValueKind::kInt8:
    case ValueKind::kInt16:
    case ValueKind::kInt32:
    case ValueKind::kInt64:
      return "BIGINT";
    case ValueKind::kFloat32:
    case ValueKind::kFloat64:
      return "DOUBLE PRECISION";
    case ValueKind::kBytes:
      return "BYTEA";
    case ValueKind::kDecimal:
      return "DECIMAL";
    case ValueKind::kString:
    case ValueKind::kNull:
      return "TEXT";
    default:
      *json = true;
      return "JSONB";
  }
}

// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += (m <= 2);
}

void AppendDate(std::string& out, int64_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, y, m, d);
  char buf[40];
  if (y <= 0) {
    std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02u BC", static_cast<long long>(1 - y), m, d);
  } else {
    std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  }
  out += buf;
}

void AppendTimeOfDay(std::string& out, int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld.%03lld",
                static_cast<long long>(ms / 3600000), static_cast<long long>(ms / 60000 % 60),
                static_cast<long long>(ms / 1000 % 60), static_cast<long long>(ms % 1000));
  out += buf;
}

template <typename F>
void AppendFloat(std::string& out, F v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "Infinity" : "-Infinity";
  } else {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof(buf), v);
    out.append(buf, res.ptr);
  }
}

// The PostgreSQL text form of a non-null value (before COPY escaping). `schema` may be null.
// utc_offset: a Timestamp gets "+00" (for timestamptz columns under a non-UTC session zone).
void AppendText(std::string& out, const Value& value, const Schema* schema, bool json,
                bool utc_offset = false);

void AppendArrayElement(std::string& out, const Value& value, const Schema* schema) {
  if (value.is_null()) {
    out += "NULL";
    return;
  }
  std::string text;
  AppendText(text, value, schema, false);
  out.push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

void AppendText(std::string& out, const Value& value, const Schema* schema, bool json,
                bool utc_offset) {
  if (json) return AppendValueJson(out, value);
  if (schema && schema->name()) {
    if (schema->IsLogical(Date::kLogicalName) && value.AsInteger())
      return AppendDate(out, *value.AsInteger());
    if (schema->IsLogical(Time::kLogicalName) && value.AsInteger())
      return AppendTimeOfDay(out, *value.AsInteger());
    if (schema->IsLogical(Timestamp::kLogicalName) && value.AsInteger()) {
      int64_t ms = *value.AsInteger();
      int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86400000 - 1) / 86400000);
      AppendDate(out, days);
      out.push_back(' ');
      AppendTimeOfDay(out, ms - days * 86400000);
      // "BC" must come last for timestamps.
      if (utc_offset) out += "+00";
      if (auto bc = out.rfind(" BC "); bc != std::string::npos) {
        out.erase(bc, 3);
        out += " BC";
      }
      return;
    }
  }
  switch (value.kind()) {
    case ValueKind::kNull:
      return;
    case ValueKind::kBoolean:
      out += value.as_bool() ? "t" : "f";
      return;
    case ValueKind::kInt8:
    case ValueKind::kInt16:
    case ValueKind::kInt32:
    case ValueKind::kInt64: {
      char buf[24];
      out.append(buf, std::to_chars(buf, buf + sizeof(buf), *value.AsInteger()).ptr);
      return;
    }
    case ValueKind::kFloat32:
      return AppendFloat(out, value.as_float32());
    case ValueKind::kFloat64:
      return AppendFloat(out, value.as_float64());
    case ValueKind::kString:
      out += value.as_string();
      return;
    case ValueKind::kBytes: {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      for (uint8_t b : value.as_bytes()) {
        out.push_back(kHex[b >> 4]);
        out.push_back(kHex[b & 15]);
      }
      return;
    }
    case ValueKind::kDecimal:
      out += value.as_decimal().ToString();
      return;
    case ValueKind::kArray: {
      const Schema* element = schema ? schema->value_schema().get() : nullptr;
      out.push_back('{');
      bool first = true;
      for (const Value& v : value.as_array()) {
        if (!first) out.push_back(',');
        first = false;
        AppendArrayElement(out, v, element);
      }
      out.push_back('}');
      return;
    }
    case ValueKind::kMap:
    case ValueKind::kStruct:
      return AppendValueJson(out, value);
  }
}

// Appends `text` escaped for COPY's text format: the stretches between special characters whole.
void AppendCopyEscaped(std::string& out, std::string_view text) {
  size_t clean = 0;  // start of the stretch not appended yet
  for (size_t i = 0; i < text.size(); ++i) {
    const char* escaped;
    switch (text[i]) {
      case '\\':
        escaped = "\\\\";
        break;
      case '\n':
        escaped = "\\n";
        break;
      case '\r':
        escaped = "\\r";
        break;
      case '\t':
        escaped = "\\t";
        break;
      default:
        continue;
    }
    out.append(text.substr(clean, i - clean));
    out += escaped;
    clean = i + 1;
  }
  out.append(text.substr(clean));
}

const Value* ColumnValue(const SinkRecord& r, const Column& c, Value& scratch) {
  switch (c.source) {
    case Source::kTopic:
      scratch = Value::String(r.topic);
      return &scratch;
    case Source::kPartition:
      scratch = Value::Int32(r.kafka_partition.value_or(-1));
      return &scratch;
    case Source::kOffset:
      scratch = Value::Int64(r.kafka_offset);
      return &scratch;
    case Source::kKeyWhole:
      return &r.key;
    case Source::kValueWhole:
      return &r.value;
    case Source::kKeyField:
      return r.key.kind() == ValueKind::kStruct ? &r.key.as_struct().Get(c.field_index) : nullptr;
    case Source::kValueField:
      return r.value.kind() == ValueKind::kStruct ? &r.value.as_struct().Get(c.field_index)
                                                  : nullptr;
  }
  return nullptr;
}

// The columns a run's COPY writes: all, or only the key for a run of deletes.
std::vector<const Column*> CopyColumns(const RunLayout& layout) {
  std::vector<const Column*> columns;
  for (const auto& c : layout.columns)
    if (!layout.tombstones || c.pk) columns.push_back(&c);
  return columns;
}

// Under a non-UTC db.timezone, Timestamp columns go through the stage as timestamptz (written
// with an explicit +00) and reach the table as local time of that zone.
std::vector<const Column*> ZonedColumns(const std::vector<const Column*>& columns,
                                        const PostgresSinkConfig& config) {
  std::vector<const Column*> zoned;
  if (config.db_timezone.empty()) return zoned;
  for (const Column* c : columns)
    if (!c->json && c->schema && c->schema->IsLogical(Timestamp::kLogicalName)) zoned.push_back(c);
  return zoned;
}

// One key column's value of a record, as SortByKey compares it.
struct KeyPart {
  int64_t number = 0;
  std::string_view text;
};

// The value of an integer kind, or nullopt (Value::AsInteger, without the call).
std::optional<int64_t> IntegerOf(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kInt8:
      return v.as_int8();
    case ValueKind::kInt16:
      return v.as_int16();
    case ValueKind::kInt32:
      return v.as_int32();
    case ValueKind::kInt64:
      return v.as_int64();
    default:
      return std::nullopt;
  }
}

// False when the column's value is neither an integer nor a string.
bool KeyPartOf(const SinkRecord& r, const Column& c, KeyPart& part) {
  switch (c.source) {
    case Source::kTopic:
      part.text = r.topic;
      return true;
    case Source::kPartition:
      part.number = r.kafka_partition.value_or(-1);
      return true;
    case Source::kOffset:
      part.number = r.kafka_offset;
      return true;
    default:
      break;
  }
  Value unused;  // the other sources point into the record
  const Value* v = ColumnValue(r, c, unused);
  if (!v) return false;
  if (auto n = IntegerOf(*v)) {
    part.number = *n;
    return true;
  }
  if (v->kind() != ValueKind::kString) return false;
  part.text = v->as_string();
  return true;
}

bool operator<(const KeyPart& a, const KeyPart& b) {
  if (a.number != b.number) return a.number < b.number;
  return a.text < b.text;
}

// Orders `run` by its key columns when they all hold integers or strings (strings by bytes,
// which is the index's order under the C collation and close to it under others); records of
// one key keep their order, so the last one stays last. Kafka hands a topic over partition by
// partition, so rows of a table keyed by a sequence arrive scattered over the key range, and
// PostgreSQL then inserts into B-tree pages at random; in key order it fills them one after the
// other (1 M rows keyed 0..n in random order, 50 000 per COPY into a table with a primary key:
// ≈400 000 rows/s, the same rows sorted per COPY ≈555 000).
void SortByKey(std::vector<const SinkRecord*>& run, const std::vector<const Column*>& key) {
  const size_t width = key.size();
  if (width == 0 || run.size() < 2) return;
  // The first column's part sits in the entry sorted (most keys are one column); the others,
  // compared only on a tie, in `rest`.
  struct Entry {
    KeyPart first;
    size_t index;
  };
  std::vector<Entry> entries(run.size());
  std::vector<KeyPart> rest(run.size() * (width - 1));
  for (size_t i = 0; i < run.size(); ++i) {
    entries[i].index = i;
    if (!KeyPartOf(*run[i], *key[0], entries[i].first)) return;
    for (size_t j = 1; j < width; ++j)
      if (!KeyPartOf(*run[i], *key[j], rest[i * (width - 1) + j - 1])) return;
  }
  auto before = [&](const Entry& a, const Entry& b) {
    if (a.first < b.first) return true;
    if (b.first < a.first) return false;
    for (size_t j = 0; j + 1 < width; ++j) {
      const KeyPart& x = rest[a.index * (width - 1) + j];
      const KeyPart& y = rest[b.index * (width - 1) + j];
      if (x < y) return true;
      if (y < x) return false;
    }
    return a.index < b.index;
  };
  if (std::is_sorted(entries.begin(), entries.end(), before)) return;
  std::sort(entries.begin(), entries.end(), before);
  std::vector<const SinkRecord*> sorted;
  sorted.reserve(run.size());
  for (const Entry& e : entries) sorted.push_back(run[e.index]);
  run.swap(sorted);
}

// Appends one COPY text row (columns tab-separated, newline-terminated).
void AppendRow(std::string& out, const SinkRecord& r, const std::vector<const Column*>& columns,
               std::string& cell, bool utc_offset = false) {
  Value scratch;
  bool first = true;
  for (const Column* c : columns) {
    if (!first) out.push_back('\t');
    first = false;
    const Value* v = ColumnValue(r, *c, scratch);
    if (!v || v->is_null()) {
      out += "\\N";
      continue;
    }
    // Numbers and booleans need no escaping, strings are escaped where they are: neither goes
    // through `cell`.
    const bool plain = !c->json && !(c->schema && c->schema->name());
    const ValueKind kind = v->kind();
    if (plain && kind == ValueKind::kString) {
      AppendCopyEscaped(out, v->as_string());
    } else if (plain && (kind == ValueKind::kBoolean || IntegerOf(*v) ||
                         kind == ValueKind::kFloat32 || kind == ValueKind::kFloat64)) {
      AppendText(out, *v, nullptr, false);
    } else {
      cell.clear();
      AppendText(cell, *v, c->schema.get(), c->json, utc_offset);
      AppendCopyEscaped(out, cell);
    }
  }
  out.push_back('\n');
}

// PostgreSQL's type OIDs that binary COPY writes.
constexpr uint32_t kBoolOid = 16, kByteaOid = 17, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23,
                   kTextOid = 25, kFloat4Oid = 700, kFloat8Oid = 701, kBpcharOid = 1042,
                   kVarcharOid = 1043;

// Column::binary_oid: the type of the column auto.create makes for it, when its values have a
// binary form that is simple and exact (primitives without a logical type); else 0.
uint32_t BinaryOid(const Column& c) {
  switch (c.source) {
    case Source::kTopic:
      return kTextOid;
    case Source::kPartition:
      return kInt4Oid;
    case Source::kOffset:
      return kInt8Oid;
    default:
      break;
  }
  if (c.json || !c.schema || c.schema->name()) return 0;
  switch (c.schema->type()) {
    case SchemaType::kInt8:
    case SchemaType::kInt16:
      return kInt2Oid;
    case SchemaType::kInt32:
      return kInt4Oid;
    case SchemaType::kInt64:
      return kInt8Oid;
    case SchemaType::kFloat32:
      return kFloat4Oid;
    case SchemaType::kFloat64:
      return kFloat8Oid;
    case SchemaType::kBoolean:
      return kBoolOid;
    case SchemaType::kString:
      return kTextOid;
    case SchemaType::kBytes:
      return kByteaOid;
    default:
      return 0;
  }
}

// Whether a column of type `table_oid` reads binary values of type `binary_oid`: the same type,
// or text into varchar or char (whose binary form is text's).
bool BinaryFits(uint32_t binary_oid, uint32_t table_oid) {
  if (binary_oid == 0) return false;
  if (binary_oid == table_oid) return true;
  return binary_oid == kTextOid && (table_oid == kVarcharOid || table_oid == kBpcharOid);
}

void AppendBigEndian(std::string& out, uint64_t v, int bytes) {
  char buf[8];
  for (int i = 0; i < bytes; ++i) buf[i] = static_cast<char>(v >> (8 * (bytes - 1 - i)));
  out.append(buf, bytes);
}

// Appends one row in COPY's binary format; false if a value does not have its column's kind.
bool AppendRowBinary(std::string& out, const SinkRecord& r,
                     const std::vector<const Column*>& columns) {
  AppendBigEndian(out, columns.size(), 2);
  Value scratch;
  for (const Column* c : columns) {
    const Value* v = ColumnValue(r, *c, scratch);
    if (!v || v->is_null()) {
      AppendBigEndian(out, 0xffffffff, 4);  // -1: NULL
      continue;
    }
    auto fixed = [&](uint64_t bits, int bytes) {
      AppendBigEndian(out, bytes, 4);
      AppendBigEndian(out, bits, bytes);
    };
    auto variable = [&](const void* data, size_t size) {
      AppendBigEndian(out, size, 4);
      out.append(static_cast<const char*>(data), size);
    };
    const ValueKind kind = v->kind();
    std::optional<int64_t> integer = IntegerOf(*v);
    switch (c->binary_oid) {
      case kInt2Oid:
      case kInt4Oid:
      case kInt8Oid: {
        if (!integer) return false;
        const int bytes = c->binary_oid == kInt2Oid ? 2 : c->binary_oid == kInt4Oid ? 4 : 8;
        fixed(static_cast<uint64_t>(*integer), bytes);
        break;
      }
      case kFloat4Oid: {
        if (kind != ValueKind::kFloat32) return false;
        uint32_t bits;
        float f = v->as_float32();
        std::memcpy(&bits, &f, 4);
        fixed(bits, 4);
        break;
      }
      case kFloat8Oid: {
        if (kind != ValueKind::kFloat64) return false;
        uint64_t bits;
        double d = v->as_float64();
        std::memcpy(&bits, &d, 8);
        fixed(bits, 8);
        break;
      }
      case kBoolOid:
        if (kind != ValueKind::kBoolean) return false;
        fixed(v->as_bool() ? 1 : 0, 1);
        break;
      case kTextOid:
        if (kind != ValueKind::kString) return false;
        variable(v->as_string().data(), v->as_string().size());
        break;
      case kByteaOid:
        if (kind != ValueKind::kBytes) return false;
        variable(v->as_bytes().data(), v->as_bytes().size());
        break;
      default:
        return false;
    }
  }
  return true;
}

// Renders `run` as a whole COPY in binary format into `out`; false (and `out` empty) if a value
// does not fit its column.
bool RenderBinary(std::string& out, const std::vector<const SinkRecord*>& run,
                  const std::vector<const Column*>& columns) {
  static constexpr char kHeader[] =
      "PGCOPY\n\377\r\n\0"  // signature
      "\0\0\0\0"            // flags
      "\0\0\0\0";           // header extension length
  out.assign(kHeader, sizeof(kHeader) - 1);
  for (const SinkRecord* r : run) {
    if (!AppendRowBinary(out, *r, columns)) {
      out.clear();
      return false;
    }
  }
  AppendBigEndian(out, 0xffff, 2);  // trailer: -1
  return true;
}

std::string RecordName(const SinkRecord& r) {
  return "record (topic=" + r.topic +
         ", partition=" + std::to_string(r.kafka_partition.value_or(-1)) +
         ", offset=" + std::to_string(r.kafka_offset) + ")";
}

bool SameSchema(const SchemaPtr& a, const SchemaPtr& b) { return a == b || SchemaEquals(a, b); }

// Adds the record's key columns (pk.mode=record_key).
Status AddKeyColumns(const SinkRecord& r, const PostgresSinkConfig& config,
                     std::vector<Column>& cols) {
  if (!r.key_schema) {
    if (r.key.is_null())
      return Status::DataError(RecordName(r) + " has a null key, but pk.mode=record_key");
    if (r.key.kind() == ValueKind::kMap || r.key.kind() == ValueKind::kStruct) {
      return Status::DataError(RecordName(r) +
                               " has a schemaless structured key; pk.mode=record_key needs a "
                               "primitive key or a key with a struct schema");
    }
    if (config.pk_fields.size() != 1)
      return Status::InvalidConfig(
          "pk.mode=record_key with a primitive key needs exactly one name in pk.fields");
    Column c{config.pk_fields[0], "", false, true, Source::kKeyWhole};
    c.sql_type = SqlTypeOfKind(r.key, &c.json);
    cols.push_back(c);
    return Status::Ok();
  }
  const Schema& ks = *r.key_schema;
  if (ks.type() != SchemaType::kStruct) {
    if (config.pk_fields.size() != 1)
      return Status::InvalidConfig(
          "pk.mode=record_key with a primitive key needs exactly one name in pk.fields");
    Column c{config.pk_fields[0], "", false, true, Source::kKeyWhole, -1, r.key_schema};
    c.sql_type = SqlType(ks, &c.json);
    cols.push_back(c);
    return Status::Ok();
  }
  std::vector<std::string> names = config.pk_fields;
  if (names.empty())
    for (const auto& f : ks.fields()) names.push_back(f.name);
  for (const auto& name : names) {
    const Field* f = ks.FindField(name);
    if (!f) return Status::InvalidConfig("pk.fields: key schema has no field '" + name + "'");
    Column c{f->name, "", false, true, Source::kKeyField, f->index, f->schema};
    c.sql_type = SqlType(*f->schema, &c.json);
    cols.push_back(c);
  }
  return Status::Ok();
}

// The layout of `r` (whose table is `table`).
Result<RunLayout> LayoutFor(const SinkRecord& r, const TableId& table,
                            const PostgresSinkConfig& config) {
  RunLayout layout;
  layout.table = table;
  layout.tombstones = r.value.is_null() && config.delete_enabled;
  if (r.value.is_null() && !config.delete_enabled) {
    return Status::DataError(RecordName(r) +
                             " has a null value (tombstone) and delete.enabled=false");
  }
  auto& cols = layout.columns;
  switch (config.pk_mode) {
    case PkMode::kNone:
      break;
    case PkMode::kKafka: {
      std::vector<std::string> names = config.pk_fields;
      if (names.empty()) names = {"__connect_topic", "__connect_partition", "__connect_offset"};
      if (names.size() != 3)
        return Status::InvalidConfig("pk.mode=kafka needs 3 names in pk.fields (or none)");
      cols.push_back({names[0], "TEXT", false, true, Source::kTopic});
      cols.push_back({names[1], "INT", false, true, Source::kPartition});
      cols.push_back({names[2], "BIGINT", false, true, Source::kOffset});
      break;
    }
    case PkMode::kRecordKey:
      TRIBUTARY_RETURN_IF_ERROR(AddKeyColumns(r, config, cols));
      break;
    case PkMode::kRecordValue:
      break;  // below, from the value struct
  }
  if (layout.tombstones) return layout;

  const Schema* vs = r.value_schema.get();
  if (vs && vs->type() == SchemaType::kStruct) {
    if (r.value.kind() != ValueKind::kStruct)
      return Status::DataError(RecordName(r) + " has a struct schema but a non-struct value");
    // Value fields named like a key column are the key column (as in the JDBC sink).
    std::set<std::string> pk_names;
    for (const auto& c : cols) pk_names.insert(c.name);
    if (config.pk_mode == PkMode::kRecordValue) {
      std::vector<std::string> names = config.pk_fields;
      if (names.empty())
        for (const auto& f : vs->fields()) names.push_back(f.name);
      for (const auto& name : names) {
        const Field* f = vs->FindField(name);
        if (!f) return Status::InvalidConfig("pk.fields: value schema has no field '" + name + "'");
        Column c{f->name, "", false, true, Source::kValueField, f->index, f->schema};
        c.sql_type = SqlType(*f->schema, &c.json);
        cols.push_back(c);
        pk_names.insert(name);
      }
    }
    for (const auto& f : vs->fields()) {
      if (pk_names.count(f.name)) continue;
      if (!config.fields_include.empty() && !config.fields_include.count(f.name)) continue;
      Column c{f.name, "", f.schema->optional(), false, Source::kValueField, f.index, f.schema};
      c.sql_type = SqlType(*f.schema, &c.json);
      cols.push_back(c);
    }
    return layout;
  }
  if (config.pk_mode == PkMode::kRecordValue) {
    return Status::DataError(RecordName(r) +
                             " has no struct value schema, but pk.mode=record_value needs one");
  }
  // A value without a struct schema goes into one column: jsonb when schemaless, else the
  // mapped type (TEXT for StringConverter values).
  Column c{config.value_column, "", true, false, Source::kValueWhole, -1, r.value_schema};
  if (vs) {
    c.sql_type = SqlType(*vs, &c.json);
  } else {
    c.sql_type = "JSONB";
    c.json = true;
  }
  cols.push_back(c);
  return layout;
}

// "line N" from a COPY error's context, or 0.
size_t CopyLine(const std::string& message) {
  size_t at = message.find(", line ");
  if (at == std::string::npos) return 0;
  size_t n = 0;
  std::from_chars(message.data() + at + 7, message.data() + message.size(), n);
  return n;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Configuration

const ConfigDef& PostgresSinkConfigDef() {
  static const ConfigDef* def = [] {
    auto* d = new ConfigDef();
    d->Define(kConnectionUrl, ConfigType::kString, kNoDefault, Importance::kHigh,
              "JDBC URL (jdbc:postgresql://host:port/db?user=…), libpq URI (postgresql://…) or "
              "libpq keyword string.",
              validators::NonEmptyString());
    d->Define(kConnectionUser, ConfigType::kString, kNullDefault, Importance::kHigh,
              "Database user (overrides the URL's).");
    d->Define(kConnectionPassword, ConfigType::kPassword, kNullDefault, Importance::kHigh,
              "Database password (overrides the URL's).");
    d->Define("connection.attempts", ConfigType::kInt, "3", Importance::kLow,
              "Accepted for compatibility; connection failures are retried per max.retries.",
              validators::AtLeast(1));
    d->Define("connection.backoff.ms", ConfigType::kLong, "10000", Importance::kLow,
              "Accepted for compatibility; see retry.backoff.ms.", validators::AtLeast(0));
    d->Define(kInsertMode, ConfigType::kString, "insert", Importance::kHigh,
              "insert: COPY into the table; upsert: INSERT … ON CONFLICT (pk) DO UPDATE; update: "
              "UPDATE rows matching the primary key.",
              validators::OneOf({"insert", "upsert", "update"}), "[insert, upsert, update]");
    d->Define(kPkMode, ConfigType::kString, "none", Importance::kHigh,
              "Where the primary key comes from: none, kafka (topic/partition/offset), "
              "record_key, record_value.",
              validators::OneOf({"none", "kafka", "record_key", "record_value"}),
              "[none, kafka, record_key, record_value]");
    d->Define(kPkFields, ConfigType::kList, "", Importance::kMedium,
              "Primary key column names; their meaning depends on pk.mode.");
    d->Define(kFieldsWhitelist, ConfigType::kList, "", Importance::kMedium,
              "Value fields to write (empty: all). Alias of fields.include.");
    d->Define(kFieldsInclude, ConfigType::kList, "", Importance::kMedium,
              "Value fields to write (empty: all). Alias of fields.whitelist.");
    d->Define(kTableNameFormat, ConfigType::kString, "${topic}", Importance::kMedium,
              "Destination table; ${topic} is replaced by the record's topic. 'a.b' is schema a, "
              "table b.",
              validators::NonEmptyString());
    d->Define(kAutoCreate, ConfigType::kBoolean, "false", Importance::kMedium,
              "CREATE TABLE when the destination table is missing.");
    d->Define(kAutoEvolve, ConfigType::kBoolean, "false", Importance::kMedium,
              "ALTER TABLE … ADD COLUMN (nullable) for fields the table lacks.");
    d->Define(kBatchSize, ConfigType::kInt, "3000", Importance::kMedium,
              "Accepted for compatibility: every put() is written whole in one transaction, as "
              "the JDBC sink commits each put(); COPY streams the rows, so there is no statement "
              "batch to size.",
              validators::AtLeast(1));
    d->Define(kDeleteEnabled, ConfigType::kBoolean, "false", Importance::kMedium,
              "Tombstones delete the row with the record key's primary key (needs "
              "pk.mode=record_key).");
    d->Define(kMaxRetries, ConfigType::kInt, "10", Importance::kMedium,
              "Consecutive retriable failures (connection loss, restarts) before the task fails.",
              validators::AtLeast(0));
    d->Define(kRetryBackoffMs, ConfigType::kInt, "3000", Importance::kMedium,
              "Wait between retries.", validators::AtLeast(0));
    d->Define(kQuoteIdentifiers, ConfigType::kString, "always", Importance::kMedium,
              "always: quote table and column names (case-sensitive); never: leave them bare.",
              validators::OneOf({"always", "never"}), "[always, never]");
    d->Define(kDbTimezone, ConfigType::kString, "UTC", Importance::kMedium,
              "Time zone (a PostgreSQL/IANA name such as Europe/Paris) in which Connect "
              "Timestamps are written to TIMESTAMP columns.",
              validators::NonEmptyString());
    d->Define(kValueColumn, ConfigType::kString, "record_value", Importance::kLow,
              "Column for values without a struct schema: schemaless values (jsonb) and "
              "primitive values such as strings.",
              validators::NonEmptyString());
    d->Define("dialect.name", ConfigType::kString, "", Importance::kLow,
              "Accepted for compatibility; only PostgreSqlDatabaseDialect (or empty) is valid.",
              validators::OneOf({"", "PostgreSqlDatabaseDialect"}, false));
    d->Define("table.types", ConfigType::kList, "TABLE", Importance::kLow,
              "Accepted for compatibility.");
    d->Define(kExactlyOnce, ConfigType::kBoolean, "false", Importance::kMedium,
              "Store Kafka offsets in the database, in the same transaction as the rows, and "
              "resume from them (exactly-once). Default: at-least-once via consumer offsets.");
    d->Define(kOffsetsTable, ConfigType::kString, "tributary_sink_offsets", Importance::kLow,
              "Table holding the offsets in exactly-once mode (created if missing).",
              validators::NonEmptyString());
    return d;
  }();
  return *def;
}

Result<PostgresSinkConfig> PostgresSinkConfig::Parse(const ConfigMap& props) {
  TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig parsed, PostgresSinkConfigDef().Parse(props));
  PostgresSinkConfig c;
  if (auto it = props.find("name"); it != props.end()) c.connector_name = it->second;
  TRIBUTARY_ASSIGN_OR_RETURN(
      c.conninfo,
      pg::ToLibpqConninfo(parsed.GetString(kConnectionUrl), parsed.GetString(kConnectionUser),
                          parsed.GetString(kConnectionPassword)));
  std::string mode = Lower(parsed.GetString(kInsertMode));
  c.insert_mode = mode == "upsert"   ? InsertMode::kUpsert
                  : mode == "update" ? InsertMode::kUpdate
                                     : InsertMode::kInsert;
  std::string pk = Lower(parsed.GetString(kPkMode));
  c.pk_mode = pk == "kafka"          ? PkMode::kKafka
              : pk == "record_key"   ? PkMode::kRecordKey
              : pk == "record_value" ? PkMode::kRecordValue
                                     : PkMode::kNone;
  c.pk_fields = parsed.GetList(kPkFields);
  for (const auto& f : parsed.GetList(kFieldsWhitelist)) c.fields_include.insert(f);
  for (const auto& f : parsed.GetList(kFieldsInclude)) c.fields_include.insert(f);
  c.table_name_format = parsed.GetString(kTableNameFormat);
  c.auto_create = parsed.GetBool(kAutoCreate);
  c.auto_evolve = parsed.GetBool(kAutoEvolve);
  c.delete_enabled = parsed.GetBool(kDeleteEnabled);
  c.max_retries = parsed.GetLong(kMaxRetries);
  c.retry_backoff_ms = parsed.GetLong(kRetryBackoffMs);
  c.quote_identifiers = Lower(parsed.GetString(kQuoteIdentifiers)) == "always";
  c.value_column = parsed.GetString(kValueColumn);
  c.exactly_once = parsed.GetBool(kExactlyOnce);
  c.offsets_table = TableId::Parse(parsed.GetString(kOffsetsTable));
  if (std::string tz = parsed.GetString(kDbTimezone);
      tz != "UTC" && tz != "Etc/UTC" && tz != "GMT" && tz != "Z") {
    c.db_timezone = tz;
  }
  if (c.delete_enabled && c.pk_mode != PkMode::kRecordKey) {
    return Status::InvalidConfig(
        "Invalid value true for configuration delete.enabled: it requires pk.mode=record_key");
  }
  if (c.insert_mode != InsertMode::kInsert && c.pk_mode == PkMode::kNone) {
    return Status::InvalidConfig("Invalid value " + mode +
                                 " for configuration insert.mode: it requires key field names "
                                 "to be known (set pk.mode to kafka, record_key or record_value)");
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Connector

std::string PostgresSinkConnector::Version() const { return TRIBUTARY_VERSION; }

Status PostgresSinkConnector::Start(const ConfigMap& props) {
  auto parsed = PostgresSinkConfig::Parse(props);
  if (!parsed.ok()) return parsed.status();
  props_ = props;
  return Status::Ok();
}

Result<std::vector<ConfigMap>> PostgresSinkConnector::TaskConfigs(int max_tasks) {
  return std::vector<ConfigMap>(static_cast<size_t>(std::max(max_tasks, 1)), props_);
}

std::unique_ptr<SinkTask> PostgresSinkConnector::CreateTask() const {
  return std::make_unique<PostgresSinkTask>();
}

// ---------------------------------------------------------------------------------------------
// Task

WriteThread::~WriteThread() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  queued_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::future<Status> WriteThread::Run(std::function<Status()> write) {
  std::packaged_task<Status()> task(std::move(write));
  std::future<Status> result = task.get_future();
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(task));
    if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  }
  queued_.notify_one();
  return result;
}

void WriteThread::Loop() {
  std::unique_lock lock(mu_);
  while (true) {
    queued_.wait(lock, [this] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping, and nothing left to run
    std::packaged_task<Status()> task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

PostgresSinkTask::PostgresSinkTask() = default;
PostgresSinkTask::~PostgresSinkTask() = default;

std::string PostgresSinkTask::Version() const { return TRIBUTARY_VERSION; }

std::string PostgresSinkTask::ColumnKey(const std::string& name) const {
  return config_.quote_identifiers ? name : Lower(name);
}

std::string PostgresSinkTask::Q(const std::string& identifier) const {
  return config_.quote_identifiers ? QuoteIdentifier(identifier) : identifier;
}

Status PostgresSinkTask::Start(const ConfigMap& props) {
  TRIBUTARY_ASSIGN_OR_RETURN(config_, PostgresSinkConfig::Parse(props));
  // A database that is down at start is not fatal: Put/Flush retry.
  Status st = EnsureConnected();
  if (!st.ok() && !st.retriable()) return st;
  return Status::Ok();
}

Status PostgresSinkTask::EnsureConnected() {
  if (conn_ && conn_->ok()) return Status::Ok();
  conn_.reset();
  tables_.clear();
  TRIBUTARY_ASSIGN_OR_RETURN(auto conn, pg::PgConnection::Connect(config_.conninfo));
  const std::string zone = config_.db_timezone.empty() ? "UTC" : config_.db_timezone;
  TRIBUTARY_RETURN_IF_ERROR(conn->Exec("SET TIME ZONE " + pg::QuoteLiteral(zone))
                                .status()
                                .WithContext("db.timezone '" + zone + "'"));
  if (config_.exactly_once) {
    std::string offsets = config_.offsets_table.Sql(true);
    TRIBUTARY_RETURN_IF_ERROR(
        conn->Exec("CREATE TABLE IF NOT EXISTS " + offsets +
                   " (connector TEXT NOT NULL, topic TEXT NOT NULL, kafka_partition INT NOT NULL,"
                   " next_offset BIGINT NOT NULL, PRIMARY KEY (connector, topic, kafka_partition))")
            .status());
  }
  conn_ = std::move(conn);
  if (config_.exactly_once) {
    // A lost connection may have hidden whether the last COMMIT happened: ask the database.
    need_lookup_.insert(assigned_.begin(), assigned_.end());
  }
  return Status::Ok();
}

Status PostgresSinkTask::LoadOffsets() {
  if (!config_.exactly_once || need_lookup_.empty()) return Status::Ok();
  TRIBUTARY_RETURN_IF_ERROR(EnsureConnected());
  auto rows = conn_->ExecParams("SELECT topic, kafka_partition, next_offset FROM " +
                                    config_.offsets_table.Sql(true) + " WHERE connector = $1",
                                {config_.connector_name});
  if (!rows.ok()) return rows.status();
  std::map<TopicPartition, int64_t> stored;
  for (int i = 0; i < rows->rows(); ++i) {
    stored[{rows->Get(i, 0), std::stoi(rows->Get(i, 1))}] = std::stoll(rows->Get(i, 2));
  }
  for (const auto& tp : need_lookup_) {
    auto it = stored.find(tp);
    if (it == stored.end()) continue;
    int64_t previous = committed_.count(tp) ? committed_[tp] : -1;
    committed_[tp] = it->second;
    if (it->second != previous) {
      // Resume from what the database holds; drop what it already has.
      std::erase_if(buffer_, [&](const SinkRecord& r) {
        return r.topic == tp.topic && r.kafka_partition == tp.partition &&
               r.kafka_offset < it->second;
      });
      if (!last_buffered_.count(tp) || last_buffered_[tp] < it->second - 1) {
        last_buffered_[tp] = it->second - 1;
        context()->Offset(tp, it->second);
      }
    }
  }
  need_lookup_.clear();
  return Status::Ok();
}

Status PostgresSinkTask::Open(const std::vector<TopicPartition>& partitions) {
  for (const auto& tp : partitions) {
    assigned_.insert(tp);
    if (config_.exactly_once) need_lookup_.insert(tp);
  }
  Status st = LoadOffsets();
  // Retried from Put when the database is unreachable right now.
  if (!st.ok() && !st.retriable()) return st;
  return Status::Ok();
}

Status PostgresSinkTask::Close(const std::vector<TopicPartition>& partitions) {
  // Whatever the outcome: records of these partitions that are not committed are delivered again
  // to their next owner, from the committed consumer offsets.
  (void)FinishWrite();
  for (const auto& tp : partitions) {
    std::erase_if(buffer_, [&](const SinkRecord& r) {
      return r.topic == tp.topic && r.kafka_partition == tp.partition;
    });
    assigned_.erase(tp);
    committed_.erase(tp);
    last_buffered_.erase(tp);
    need_lookup_.erase(tp);
  }
  return Status::Ok();
}

Status PostgresSinkTask::CountFailure(Status status) {
  if (!status.retriable()) return status;
  conn_.reset();  // reconnect next time; a broken transaction must not be reused
  tables_.clear();
  if (++retries_ > config_.max_retries) {
    return status.WithRetriable(false).WithContext("PostgreSQL sink gave up after " +
                                                   std::to_string(config_.max_retries) +
                                                   " retries (max.retries)");
  }
  context()->Timeout(config_.retry_backoff_ms);
  return status;
}

Status PostgresSinkTask::Put(std::vector<SinkRecord>& records) {
  // While PostgreSQL is still busy with the last write, records gather for the next one (up to a
  // bound), so that transactions grow when the database is the slower side.
  const bool writing = in_flight_.valid() &&
                       in_flight_.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
  if (writing && buffer_.size() + records.size() <= kMaxGathered) {
    buffer_.insert(buffer_.end(), std::make_move_iterator(records.begin()),
                   std::make_move_iterator(records.end()));
    return Status::Ok();
  }
  // The buffer is full while the last write still runs: the next write is made ready here, in
  // the meantime (split, sorted, rendered), so that PostgreSQL then waits only for the round
  // trips in between; this Put's records start the buffer after it.
  std::optional<PreparedWrite> next;
  if (writing && !buffer_.empty()) {
    auto prepared = Prepare(buffer_, /*isolate=*/false, /*render=*/true);
    if (prepared.ok()) next = std::move(*prepared);  // else the write meets the error itself
  }
  // A failed earlier write keeps its records in the buffer, ahead of these; this Put's records
  // are not taken, so the worker redelivers them.
  bool clean = false;
  Status st = FinishWrite(&clean);
  if (st.ok()) st = LoadOffsets();
  if (!st.ok()) return CountFailure(st);
  if (next && clean) {
    StartWrite([this, write = std::move(*next)]() mutable { return WritePrepared(write, false); });
    buffer_.insert(buffer_.end(), std::make_move_iterator(records.begin()),
                   std::make_move_iterator(records.end()));
    return Status::Ok();
  }
  for (auto& r : records) {
    if (config_.exactly_once) {
      TopicPartition tp{r.topic, r.kafka_partition.value_or(-1)};
      auto c = committed_.find(tp);
      if (c != committed_.end() && r.kafka_offset < c->second) continue;
      auto l = last_buffered_.find(tp);
      if (l != last_buffered_.end() && r.kafka_offset <= l->second) continue;
      last_buffered_[tp] = r.kafka_offset;
    }
    // Taken when this Put cannot fail any more (SinkTask::Put's contract); exactly-once writes
    // below, and a retriable failure there has the worker deliver `records` again.
    if (config_.exactly_once) {
      buffer_.push_back(r);
    } else {
      buffer_.push_back(std::move(r));
    }
  }
  if (buffer_.empty()) return Status::Ok();  // an empty put (the topic is quiet)
  if (!config_.exactly_once) {
    StartWrite([this] { return WriteBufferOnce(writing_, false); });
    return Status::Ok();
  }
  st = WriteBuffer();
  if (st.ok()) {
    retries_ = 0;
    return st;
  }
  if (st.retriable()) {
    // The worker redelivers this batch after the backoff: take its records back (the buffer
    // holds nothing else, each Put writing all of it).
    buffer_.clear();
    last_buffered_.clear();
    for (const auto& [tp, next] : committed_) last_buffered_[tp] = next - 1;
  }
  return CountFailure(st);
}

void PostgresSinkTask::StartWrite(std::function<Status()> write) {
  // Written while the worker converts the next batch; the next call learns the outcome.
  // Swapped, not moved: both buffers keep their capacity instead of growing again each write.
  // The last write's records are freed while this one runs (see WriteBufferOnce).
  std::vector<SinkRecord> written;
  written.swap(writing_);
  writing_.swap(buffer_);
  in_flight_ = write_thread_.Run(std::move(write));
  written.clear();
  buffer_.swap(written);
}

Status PostgresSinkTask::FinishWrite(bool* clean) {
  if (clean) *clean = false;
  if (!in_flight_.valid()) return Status::Ok();
  Status st = in_flight_.get();
  if (st.ok()) {
    if (clean) *clean = true;
    retries_ = 0;
    return st;
  }
  // Nothing of it was committed: its records go back to the buffer, ahead of any newer ones.
  buffer_.insert(buffer_.begin(), std::make_move_iterator(writing_.begin()),
                 std::make_move_iterator(writing_.end()));
  writing_.clear();
  if (st.code() == StatusCode::kDataError) {
    st = WriteBufferOnce(buffer_, /*isolate=*/true);
    if (st.ok()) buffer_.clear();
  }
  return st;
}

Status PostgresSinkTask::Flush(const TopicPartitionOffsets& offsets) {
  Status st = FinishWrite();
  if (st.ok()) st = LoadOffsets();
  if (st.ok()) st = WriteBuffer();
  if (st.ok()) {
    retries_ = 0;
    return st;
  }
  return CountFailure(st);
}

Result<TopicPartitionOffsets> PostgresSinkTask::PreCommit(const TopicPartitionOffsets& offsets) {
  TRIBUTARY_RETURN_IF_ERROR(Flush(offsets));
  if (!config_.exactly_once) return offsets;
  TopicPartitionOffsets safe;
  for (const auto& [tp, offset] : offsets) {
    if (auto it = committed_.find(tp); it != committed_.end()) safe[tp] = it->second;
  }
  return safe;
}

void PostgresSinkTask::Stop() {
  if (in_flight_.valid()) in_flight_.wait();
  buffer_.clear();
  conn_.reset();
}

Status PostgresSinkTask::EnsureTable(const TableId& table, const RunLayout& layout) {
  auto known = tables_.find(table);
  if (known == tables_.end()) {
    auto rows = conn_->ExecParams(
        "SELECT a.attname, a.atttypid FROM pg_attribute a WHERE a.attrelid = to_regclass($1) "
        "AND a.attnum > 0 AND NOT a.attisdropped",
        {table.Sql(config_.quote_identifiers)});
    if (!rows.ok()) return rows.status();
    auto exists = conn_->ExecParams("SELECT to_regclass($1) IS NOT NULL",
                                    {table.Sql(config_.quote_identifiers)});
    if (!exists.ok()) return exists.status();
    if (exists->Get(0, 0) == "t") {
      std::map<std::string, uint32_t> cols;
      for (int i = 0; i < rows->rows(); ++i)
        cols[rows->Get(i, 0)] = static_cast<uint32_t>(std::stoul(rows->Get(i, 1)));
      known = tables_.emplace(table, KnownTable{std::move(cols)}).first;
    }
  }
  if (known == tables_.end()) {
    if (!config_.auto_create) {
      return Status::InvalidConfig("Table " + table.ToString() +
                                   " is missing and auto-creation is disabled (auto.create)");
    }
    std::string sql = "CREATE TABLE " + table.Sql(config_.quote_identifiers) + " (";
    std::string pk;
    std::map<std::string, uint32_t> cols;
    for (size_t i = 0; i < layout.columns.size(); ++i) {
      const Column& c = layout.columns[i];
      if (i > 0) sql += ", ";
      sql += Q(c.name) + " " + c.sql_type + (c.optional && !c.pk ? "" : " NOT NULL");
      if (c.pk) pk += (pk.empty() ? "" : ", ") + Q(c.name);
      cols[ColumnKey(c.name)] = c.binary_oid;  // the type c.sql_type names, where it has one
    }
    if (!pk.empty()) sql += ", PRIMARY KEY (" + pk + ")";
    sql += ")";
    TRIBUTARY_RETURN_IF_ERROR(conn_->Exec(sql).status());
    tables_[table] = KnownTable{std::move(cols)};
    return Status::Ok();
  }
  std::vector<const Column*> missing;
  for (const auto& c : layout.columns) {
    if (!known->second.columns.count(ColumnKey(c.name))) missing.push_back(&c);
  }
  if (missing.empty()) return Status::Ok();
  if (!config_.auto_evolve) {
    std::string names;
    for (const Column* c : missing) names += (names.empty() ? "" : ", ") + c->name;
    return Status::InvalidConfig("Table " + table.ToString() + " is missing columns [" + names +
                                 "] and auto-evolution is disabled (auto.evolve)");
  }
  for (const Column* c : missing) {
    if (c->pk) {
      return Status::InvalidConfig("Table " + table.ToString() + " lacks primary key column " +
                                   c->name + "; auto.evolve adds only non-key columns");
    }
    TRIBUTARY_RETURN_IF_ERROR(conn_
                                  ->Exec("ALTER TABLE " + table.Sql(config_.quote_identifiers) +
                                         " ADD COLUMN " + Q(c->name) + " " + c->sql_type)
                                  .status());
    known->second.columns[ColumnKey(c->name)] = c->binary_oid;
  }
  return Status::Ok();
}

Status PostgresSinkTask::WriteRun(PreparedRun& prepared, int& stage_counter) {
  const RunLayout& layout = prepared.layout;
  TRIBUTARY_RETURN_IF_ERROR(EnsureTable(layout.table, layout));
  const bool keyed = layout.tombstones || config_.insert_mode != InsertMode::kInsert;
  const std::vector<const Column*> columns = CopyColumns(layout);
  const std::vector<const Column*> pk_columns = layout.PkColumns();

  std::string& data = prepared.copy_text;
  bool& rendered = prepared.rendered;
  // COPY's binary format when every column's type in the table takes its values' binary form
  // (PostgreSQL parses it with less work than text); else text.
  const KnownTable& known_table = tables_.at(layout.table);
  bool binary = std::all_of(columns.begin(), columns.end(), [&](const Column* c) {
    auto type = known_table.columns.find(ColumnKey(c->name));
    return type != known_table.columns.end() && BinaryFits(c->binary_oid, type->second);
  });
  if (rendered && prepared.binary != binary) {
    data.clear();
    rendered = false;
  }
  std::string cell;
  std::vector<const SinkRecord*>& run = prepared.records;
  // Keeps only the last record per key in `run` (INSERT … ON CONFLICT may touch a row once per
  // statement); true if it dropped any.
  auto keep_last_per_key = [&] {
    std::vector<std::string> keys(run.size());
    std::unordered_map<std::string_view, size_t> last;  // views of `keys`, which stays as it is
    last.reserve(run.size());
    for (size_t i = 0; i < run.size(); ++i) {
      AppendRow(keys[i], *run[i], pk_columns, cell);
      last[keys[i]] = i;
    }
    if (last.size() == run.size()) return false;
    std::vector<const SinkRecord*> kept;
    for (size_t i = 0; i < run.size(); ++i)
      if (last[keys[i]] == i) kept.push_back(run[i]);
    run.swap(kept);
    return true;
  };
  const std::vector<const Column*> zoned = ZonedColumns(columns, config_);
  std::string target = layout.table.Sql(config_.quote_identifiers);
  std::string col_list;
  for (const Column* c : columns) col_list += (col_list.empty() ? "" : ", ") + Q(c->name);
  // COPY of the run's rows into `table`. Unless Prepare rendered them, the first one renders them
  // into `data` while the server loads what it was sent, a piece at a time (rendering all first
  // left PostgreSQL idle meanwhile); a later one (the merge's stage after a failed COPY-first)
  // sends `data` again.
  auto copy_rows = [&](const std::string& table) -> Status {
    if (!rendered && binary) {
      // Whole, not in pieces: binary rows are quick to make, and a value of another kind than
      // its column's (no binary form then) is known before the COPY starts.
      binary = RenderBinary(data, run, columns);
      rendered = binary;
    }
    const std::string sql =
        "COPY " + table + " (" + col_list + ") FROM STDIN" + (binary ? " (FORMAT binary)" : "");
    if (rendered) return conn_->CopyIn(sql, data);
    TRIBUTARY_RETURN_IF_ERROR(conn_->BeginCopyIn(sql));
    constexpr size_t kPiece = 256 * 1024;
    data.reserve(run.size() * 64);
    size_t sent = 0;
    for (const SinkRecord* r : run) {
      AppendRow(data, *r, columns, cell, !zoned.empty());
      if (data.size() - sent < kPiece) continue;
      conn_->SendCopyData(std::string_view(data).substr(sent));
      sent = data.size();
    }
    conn_->SendCopyData(std::string_view(data).substr(sent));
    rendered = true;
    return conn_->EndCopyIn();
  };
  auto name_error = [&](Status st) {
    if (st.code() != StatusCode::kDataError) return st;
    size_t line = CopyLine(st.message());
    if (line >= 1 && line <= run.size()) return st.WithContext(RecordName(*run[line - 1]));
    return st.WithContext("a batch of " + std::to_string(run.size()) + " records (first " +
                          RecordName(*run.front()) + ")");
  };
  if (!keyed && zoned.empty()) return name_error(copy_rows(target));
  if (config_.insert_mode == InsertMode::kUpsert && !layout.tombstones && zoned.empty()) {
    TRIBUTARY_ASSIGN_OR_RETURN(bool copy_first, TryCopyFirst(layout.table, pk_columns));
    if (copy_first) {
      // When no key of the run is in the table and none repeats in it, the upsert is an insert;
      // a key that is there or repeats fails the COPY (unique violation) and the savepoint undoes
      // it before the merge below. So the run is not searched for repeated keys first.
      TRIBUTARY_RETURN_IF_ERROR(conn_->Exec("SAVEPOINT tributary_copy_first").status());
      Status copied = copy_rows(target);
      KnownTable& known = tables_[layout.table];
      if (copied.ok()) {
        known.copy_backoff = 1;
        return conn_->Exec("RELEASE SAVEPOINT tributary_copy_first").status();
      }
      if (copied.code() == StatusCode::kUnavailable) return copied;
      known.copy_skips = known.copy_backoff;
      known.copy_backoff = std::min(known.copy_backoff * 2, 64);
      TRIBUTARY_RETURN_IF_ERROR(conn_->Exec("ROLLBACK TO SAVEPOINT tributary_copy_first").status());
    }
  }
  if (keyed && keep_last_per_key()) {
    data.clear();  // rendered with the dropped records: rendered again without them
    rendered = false;
  }
  std::string stage = QuoteIdentifier("__tributary_stage_" + std::to_string(stage_counter++));
  TRIBUTARY_RETURN_IF_ERROR(conn_
                                ->Exec("CREATE TEMP TABLE " + stage + " ON COMMIT DROP AS SELECT " +
                                       col_list + " FROM " + target + " WITH NO DATA")
                                .status());
  if (!zoned.empty()) {
    std::string alter;
    for (const Column* c : zoned) {
      alter +=
          (alter.empty() ? " ALTER COLUMN " : ", ALTER COLUMN ") + Q(c->name) + " TYPE timestamptz";
    }
    TRIBUTARY_RETURN_IF_ERROR(conn_->Exec("ALTER TABLE " + stage + alter).status());
  }
  TRIBUTARY_RETURN_IF_ERROR(name_error(copy_rows(stage)));
  // What the merge reads of column `c` of stage row `prefix`.
  const std::string zone = pg::QuoteLiteral(config_.db_timezone);
  auto staged = [&](const Column* c, const std::string& prefix) {
    bool local = std::find(zoned.begin(), zoned.end(), c) != zoned.end();
    return local ? "(" + prefix + Q(c->name) + " AT TIME ZONE " + zone + ")" : prefix + Q(c->name);
  };
  std::string select_list;
  for (const Column* c : columns) select_list += (select_list.empty() ? "" : ", ") + staged(c, "");
  if (!keyed) {
    return name_error(conn_
                          ->Exec("INSERT INTO " + target + " (" + col_list + ") SELECT " +
                                 select_list + " FROM " + stage)
                          .status());
  }
  std::string pk_list, match, set_list;
  for (const Column* c : pk_columns) {
    pk_list += (pk_list.empty() ? "" : ", ") + Q(c->name);
    match +=
        std::string(match.empty() ? "" : " AND ") + "t." + Q(c->name) + " = " + staged(c, "s.");
  }
  for (const Column* c : columns) {
    if (c->pk) continue;
    set_list += (set_list.empty() ? "" : ", ") + Q(c->name) + " = ";
    set_list +=
        config_.insert_mode == InsertMode::kUpdate ? staged(c, "s.") : "EXCLUDED." + Q(c->name);
  }
  std::string sql;
  if (layout.tombstones) {
    sql = "DELETE FROM " + target + " t USING " + stage + " s WHERE " + match;
  } else if (config_.insert_mode == InsertMode::kUpsert) {
    sql = "INSERT INTO " + target + " (" + col_list + ") SELECT " + select_list + " FROM " + stage +
          " ON CONFLICT (" + pk_list + ") DO " +
          (set_list.empty() ? "NOTHING" : "UPDATE SET " + set_list);
  } else {
    if (set_list.empty()) return Status::Ok();  // nothing to update
    sql = "UPDATE " + target + " t SET " + set_list + " FROM " + stage + " s WHERE " + match;
  }
  return name_error(conn_->Exec(sql).status());
}

Result<bool> PostgresSinkTask::TryCopyFirst(const TableId& table,
                                            const std::vector<const Column*>& key) {
  KnownTable& known = tables_[table];
  if (!known.key_unique) {
    // INSERT … ON CONFLICT (key) needs such an index, so a COPY that succeeds against it stores
    // exactly what the merge would have; without one (or with a deferred constraint) the COPY
    // could store duplicates, so the merge alone runs and reports what is wrong.
    std::vector<std::optional<std::string>> params = {table.Sql(config_.quote_identifiers),
                                                      std::to_string(key.size())};
    std::string names;
    for (const Column* c : key) {
      params.push_back(config_.quote_identifiers ? c->name : Lower(c->name));
      names += (names.empty() ? "$" : ", $") + std::to_string(params.size());
    }
    TRIBUTARY_ASSIGN_OR_RETURN(
        pg::PgResult rows,
        conn_->ExecParams(
            "SELECT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = to_regclass($1) "
            "AND i.indisunique AND i.indimmediate AND i.indisvalid AND i.indpred IS NULL "
            "AND i.indexprs IS NULL AND i.indnkeyatts = $2::int "
            "AND (SELECT array_agg(a.attname::text ORDER BY a.attname::text) FROM pg_attribute a "
            "WHERE a.attrelid = i.indrelid AND a.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts "
            "- "
            "1])) = (SELECT array_agg(n ORDER BY n) FROM unnest(ARRAY[" +
                names + "]::text[]) n))",
            params));
    known.key_unique = rows.Get(0, 0) == "t";
  }
  if (!*known.key_unique) return false;
  if (known.copy_skips > 0) {
    --known.copy_skips;
    return false;
  }
  return true;
}

Status PostgresSinkTask::WriteBuffer() {
  Status st = WriteBufferOnce(buffer_, /*isolate=*/false);
  // One bad record fails the whole batch: write it again one record at a time, so that the good
  // records land and each bad one goes to the task's error handling (errors.tolerance, DLQ).
  if (st.code() == StatusCode::kDataError) st = WriteBufferOnce(buffer_, /*isolate=*/true);
  if (st.ok()) buffer_.clear();
  return st;
}

Status PostgresSinkTask::WriteBufferOnce(std::vector<SinkRecord>& records, bool isolate) {
  if (records.empty()) return Status::Ok();
  TRIBUTARY_RETURN_IF_ERROR(EnsureConnected());
  // After a reconnect, first learn whether the last transaction committed (exactly-once, where
  // `records` is buffer_, which LoadOffsets trims).
  TRIBUTARY_RETURN_IF_ERROR(LoadOffsets());
  if (records.empty()) return Status::Ok();
  TRIBUTARY_ASSIGN_OR_RETURN(PreparedWrite write, Prepare(records, isolate, /*render=*/false));
  return WritePrepared(write, isolate);
}

Result<PreparedWrite> PostgresSinkTask::Prepare(const std::vector<SinkRecord>& records,
                                                bool isolate, bool render) const {
  PreparedWrite write;
  // Split the records into runs sharing table, schemas and kind, and note each partition's next
  // offset (in the same pass: a pass over 50 000 records is milliseconds of cache misses). The
  // offset is looked up once per stretch of records of one partition, not per record.
  const SinkRecord* prev = nullptr;
  int64_t* partition_next = nullptr;
  const SinkRecord* prev_in_partition = nullptr;
  for (const SinkRecord& r : records) {
    if (!prev_in_partition || r.kafka_partition != prev_in_partition->kafka_partition ||
        r.topic != prev_in_partition->topic) {
      partition_next = &write.next[TopicPartition{r.topic, r.kafka_partition.value_or(-1)}];
      prev_in_partition = &r;
    }
    *partition_next = std::max(*partition_next, r.kafka_offset + 1);
    bool tombstone = r.value.is_null();
    if (!isolate && prev && r.topic == prev->topic && tombstone == prev->value.is_null() &&
        SameSchema(r.key_schema, prev->key_schema) &&
        SameSchema(r.value_schema, prev->value_schema) &&
        // Schemaless keys: the column type follows the key's kind.
        (r.key_schema || r.key.kind() == prev->key.kind())) {
      write.runs.back().records.push_back(&r);
      prev = &r;
      continue;
    }
    std::string name = config_.table_name_format;
    for (size_t at; (at = name.find("${topic}")) != std::string::npos;)
      name.replace(at, 8, r.topic);
    auto layout = LayoutFor(r, TableId::Parse(name), config_);
    if (!layout.ok() && isolate && layout.status().code() == StatusCode::kDataError) {
      write.errant.emplace_back(&r, layout.status());
      continue;
    }
    if (!layout.ok()) return layout.status();
    for (Column& c : layout->columns) c.binary_oid = BinaryOid(c);
    write.runs.push_back({std::move(*layout), {&r}});
    prev = &r;
  }
  std::string cell;
  for (PreparedRun& run : write.runs) {
    SortByKey(run.records, run.layout.PkColumns());
    if (!render) continue;
    const std::vector<const Column*> columns = CopyColumns(run.layout);
    // Binary when each column has a binary form (WriteRun checks that the table's types take
    // it); text otherwise.
    run.binary = std::all_of(columns.begin(), columns.end(),
                             [](const Column* c) { return c->binary_oid != 0; }) &&
                 RenderBinary(run.copy_text, run.records, columns);
    if (!run.binary) {
      const bool utc_offset = !ZonedColumns(columns, config_).empty();
      for (const SinkRecord* r : run.records)
        AppendRow(run.copy_text, *r, columns, cell, utc_offset);
    }
    run.rendered = true;
  }
  return write;
}

Status PostgresSinkTask::WritePrepared(PreparedWrite& write, bool isolate) {
  TRIBUTARY_RETURN_IF_ERROR(EnsureConnected());
  Status st = conn_->Exec("BEGIN").status();
  for (size_t i = 0; st.ok() && i < write.errant.size(); ++i) {
    st = context()->ReportErrant(*write.errant[i].first, write.errant[i].second);
  }
  int stage_counter = 0;
  for (size_t i = 0; st.ok() && i < write.runs.size(); ++i) {
    PreparedRun& run = write.runs[i];
    if (!isolate) {
      st = WriteRun(run, stage_counter);
      continue;
    }
    // Each record alone, behind a savepoint that undoes just its failure.
    st = conn_->Exec("SAVEPOINT tributary_record").status();
    if (st.ok()) st = WriteRun(run, stage_counter);
    if (st.code() == StatusCode::kDataError) {
      Status failure = st;
      st = conn_->Exec("ROLLBACK TO SAVEPOINT tributary_record").status();
      tables_.clear();  // a table created behind the savepoint is gone again
      if (st.ok()) st = context()->ReportErrant(*run.records.front(), failure);
    }
  }
  if (st.ok() && config_.exactly_once) {
    std::string sql = "INSERT INTO " + config_.offsets_table.Sql(true) +
                      " (connector, topic, kafka_partition, next_offset) VALUES ";
    bool first = true;
    for (const auto& [tp, offset] : write.next) {
      sql += std::string(first ? "" : ", ") + "(" + pg::QuoteLiteral(config_.connector_name) +
             ", " + pg::QuoteLiteral(tp.topic) + ", " + std::to_string(tp.partition) + ", " +
             std::to_string(offset) + ")";
      first = false;
    }
    sql +=
        " ON CONFLICT (connector, topic, kafka_partition) DO UPDATE SET next_offset = "
        "EXCLUDED.next_offset";
    st = conn_->Exec(sql).status();
  }
  if (st.ok()) st = conn_->Exec("COMMIT").status();
  if (!st.ok()) {
    tables_.clear();  // DDL of the failed transaction was rolled back
    if (conn_->ok()) (void)conn_->Exec("ROLLBACK");
    return st;
  }
  for (const auto& [tp, offset] : write.next) committed_[tp] = std::max(committed_[tp], offset);
  return Status::Ok();
}

ConnectorPlugin PostgresSinkPlugin() {
  ConnectorPlugin plugin;
  plugin.class_name = PostgresSinkConnector::kClassName;
  plugin.aliases = {"PostgresSink", "PostgresSinkConnector"};
  plugin.type = ConnectorType::kSink;
  plugin.version = TRIBUTARY_VERSION;
  plugin.factory = [] { return std::make_unique<PostgresSinkConnector>(); };
  return plugin;
}

}  // namespace tributary::connectors::postgres_sink
