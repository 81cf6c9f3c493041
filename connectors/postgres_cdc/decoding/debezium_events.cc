#include "connectors/postgres_cdc/decoding/debezium_events.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <regex>
#include <set>
#include <utility>

namespace tributary::connectors::pgcdc {

namespace {

constexpr const char* kSnapshotAllowed =
    "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental";

// Field positions of the schemas built below (declaration order): events are built with
// positional puts, which skip a lookup by name per field (these run for every event). The event
// tests compare whole JSON documents, so a wrong position shows there.
enum SourceField : int {
  kSrcVersion,
  kSrcConnector,
  kSrcName,
  kSrcTsMs,
  kSrcSnapshot,
  kSrcDb,
  kSrcSequence,
  kSrcTsUs,
  kSrcTsNs,
  kSrcSchema,
  kSrcTable,
  kSrcTxId,
  kSrcLsn,
  kSrcXmin,
  kSrcOrigin,
  kSrcOriginLsn,
};
enum EnvelopeField : int {
  kEnvBefore,
  kEnvAfter,
  kEnvSource,
  kEnvTransaction,
  kEnvOp,
  kEnvTsMs,
  kEnvTsUs,
  kEnvTsNs,
};
enum TransactionField : int { kTxId, kTxTotalOrder, kTxDataCollectionOrder };

SchemaPtr BuildSourceSchema() {
  SchemaBuilder snapshot = SchemaBuilder::String();
  snapshot.Name("io.debezium.data.Enum")
      .Version(1)
      .Parameter("allowed", kSnapshotAllowed)
      .DefaultValue(Value::String("false"))
      .Optional();
  SchemaBuilder b = SchemaBuilder::Struct();
  b.Name(kSourceSchemaName).Version(1);
  b.AddField("version", schemas::String())
      .AddField("connector", schemas::String())
      .AddField("name", schemas::String())
      .AddField("ts_ms", schemas::Int64())
      .AddField("snapshot", snapshot.BuildOrDie())
      .AddField("db", schemas::String())
      .AddField("sequence", schemas::OptionalString())
      .AddField("ts_us", schemas::OptionalInt64())
      .AddField("ts_ns", schemas::OptionalInt64())
      .AddField("schema", schemas::String())
      .AddField("table", schemas::String())
      .AddField("txId", schemas::OptionalInt64())
      .AddField("lsn", schemas::OptionalInt64())
      .AddField("xmin", schemas::OptionalInt64())
      .AddField("origin", schemas::OptionalString())
      .AddField("origin_lsn", schemas::OptionalInt64());
  return b.BuildOrDie();
}

SchemaPtr BuildTransactionBlockSchema() {
  SchemaBuilder b = SchemaBuilder::Struct();
  b.Name("event.block").Version(1).Optional();
  b.AddField("id", schemas::String())
      .AddField("total_order", schemas::Int64())
      .AddField("data_collection_order", schemas::Int64());
  return b.BuildOrDie();
}

Value OptionalInt64(const std::optional<int64_t>& v) {
  return v.has_value() ? Value::Int64(*v) : Value::Null();
}

Value OptionalLsn(const std::optional<Lsn>& v) {
  return v.has_value() ? Value::Int64(static_cast<int64_t>(*v)) : Value::Null();
}

Value TransactionValue(const std::optional<TransactionBlock>& transaction) {
  if (!transaction.has_value()) return Value::Null();
  Struct s(TransactionBlockSchema());
  s.at(kTxId) = Value::String(transaction->id);
  s.at(kTxTotalOrder) = Value::Int64(transaction->total_order);
  s.at(kTxDataCollectionOrder) = Value::Int64(transaction->data_collection_order);
  return Value::StructValue(std::move(s));
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Saturating ×1000 (µs -> ns) so hostile timestamps cannot overflow.
int64_t MicrosToNanos(int64_t us) {
  constexpr int64_t kMax = INT64_MAX / 1000;
  if (us > kMax) return INT64_MAX;
  if (us < -kMax) return INT64_MIN;
  return us * 1000;
}

std::string OpText(Operation op) { return std::string(1, static_cast<char>(op)); }

}  // namespace

const char* SnapshotMarkerText(SnapshotMarker marker) {
  switch (marker) {
    case SnapshotMarker::kFalse:
      return "false";
    case SnapshotMarker::kTrue:
      return "true";
    case SnapshotMarker::kFirst:
      return "first";
    case SnapshotMarker::kFirstInDataCollection:
      return "first_in_data_collection";
    case SnapshotMarker::kLastInDataCollection:
      return "last_in_data_collection";
    case SnapshotMarker::kLast:
      return "last";
    case SnapshotMarker::kIncremental:
      return "incremental";
  }
  return "false";
}

const SchemaPtr& SourceSchema() {
  static const SchemaPtr schema = BuildSourceSchema();
  return schema;
}

const SchemaPtr& TransactionBlockSchema() {
  static const SchemaPtr schema = BuildTransactionBlockSchema();
  return schema;
}

namespace {

// source.sequence: ["<last commit lsn>","<lsn>"], JSON nulls for absent parts. Built in place:
// this runs for every event.
Value SequenceValue(const std::optional<Lsn>& last_commit_lsn, const std::optional<Lsn>& lsn) {
  // At most 2 * (20 digits + 2 quotes) + 3 bytes, written on the stack and copied once.
  char text[64];
  char* p = text;
  auto part = [&p](const std::optional<Lsn>& part_lsn) {
    if (!part_lsn.has_value()) {
      std::memcpy(p, "null", 4);
      p += 4;
      return;
    }
    *p++ = '"';
    p = std::to_chars(p, p + 20, *part_lsn).ptr;
    *p++ = '"';
  };
  *p++ = '[';
  part(last_commit_lsn);
  *p++ = ',';
  part(lsn);
  *p++ = ']';
  return Value::String(std::string(text, p));
}

// Whether the source blocks of `a` and `b` can differ only in lsn and sequence.
bool SameButLsn(const SourceInfo& a, const SourceInfo& b) {
  return a.ts_us == b.ts_us && a.snapshot == b.snapshot && a.tx_id == b.tx_id &&
         a.last_commit_lsn == b.last_commit_lsn && a.xmin == b.xmin &&
         a.origin_lsn == b.origin_lsn && a.table == b.table && a.schema == b.schema &&
         a.name == b.name && a.db == b.db && a.version == b.version && a.origin == b.origin;
}

}  // namespace

Value SourceValue(const SourceInfo& info) {
  Struct s(SourceSchema());
  s.at(kSrcVersion) = Value::String(info.version);
  s.at(kSrcConnector) = Value::String(kConnectorName);
  s.at(kSrcName) = Value::String(info.name);
  s.at(kSrcTsMs) = Value::Int64(FloorDiv(info.ts_us, 1000));
  s.at(kSrcSnapshot) = Value::String(SnapshotMarkerText(info.snapshot));
  s.at(kSrcDb) = Value::String(info.db);
  s.at(kSrcSequence) = SequenceValue(info.last_commit_lsn, info.lsn);
  s.at(kSrcTsUs) = Value::Int64(info.ts_us);
  s.at(kSrcTsNs) = Value::Int64(MicrosToNanos(info.ts_us));
  s.at(kSrcSchema) = Value::String(info.schema);
  s.at(kSrcTable) = Value::String(info.table);
  s.at(kSrcTxId) = OptionalInt64(info.tx_id);
  s.at(kSrcLsn) = OptionalLsn(info.lsn);
  s.at(kSrcXmin) = OptionalInt64(info.xmin);
  s.at(kSrcOrigin) = info.origin.has_value() ? Value::String(*info.origin) : Value::Null();
  s.at(kSrcOriginLsn) = OptionalLsn(info.origin_lsn);
  return Value::StructValue(std::move(s));
}

Value SourceBlockCache::Get(const SourceInfo& info) {
  if (!info_.has_value() || !SameButLsn(*info_, info)) {
    proto_ = SourceValue(info);
    info_ = info;
    return proto_;
  }
  info_->lsn = info.lsn;
  return WithLsn();
}

Value SourceBlockCache::GetWithLsn(Lsn lsn) {
  info_->lsn = lsn;
  return WithLsn();
}

Value SourceBlockCache::WithLsn() const {
  Value block = proto_;  // shares the struct until as_struct() below copies it
  Struct& s = block.as_struct();
  s.at(kSrcSequence) = SequenceValue(info_->last_commit_lsn, info_->lsn);
  s.at(kSrcLsn) = OptionalLsn(info_->lsn);
  return block;
}

Result<std::shared_ptr<const TableSchemas>> TableSchemas::Create(TableDescription description) {
  if (description.table.empty())
    return Status::InvalidArgument("table description: empty table name");
  auto out = std::shared_ptr<TableSchemas>(new TableSchemas());
  out->data_collection_ =
      description.topic_prefix + "." + description.schema + "." + description.table;
  const std::string& name = out->data_collection_;

  SchemaBuilder value = SchemaBuilder::Struct();
  value.Name(name + ".Value").Optional();
  SchemaBuilder key = SchemaBuilder::Struct();
  key.Name(name + ".Key");
  std::set<std::string> seen;
  int value_fields = 0;
  int key_fields = 0;
  for (const TableColumn& column : description.columns) {
    const std::string& field = column.mapping.column;
    if (!seen.insert(field).second) {
      return Status::InvalidArgument("table " + description.schema + "." + description.table +
                                     ": duplicate column " + field);
    }
    if (column.mapping.schema == nullptr) {
      return Status::InvalidArgument("table " + description.schema + "." + description.table +
                                     ": column " + field + " has no schema");
    }
    if (column.included) {
      value.AddField(field, column.mapping.schema);
      out->value_field_.push_back(value_fields++);
    } else {
      out->value_field_.push_back(-1);
    }
    if (column.key) {
      key.AddField(field, column.mapping.schema);
      out->key_field_.push_back(key_fields++);
      out->key_in_value_.push_back(column.included ? out->value_field_.back() : -1);
    } else {
      out->key_field_.push_back(-1);
    }
  }
  TRIBUTARY_ASSIGN_OR_RETURN(out->value_schema_, value.Build());
  if (key_fields > 0) {
    TRIBUTARY_ASSIGN_OR_RETURN(out->key_schema_, key.Build());
  }
  out->keys_in_value_ = std::find(out->key_in_value_.begin(), out->key_in_value_.end(), -1) ==
                        out->key_in_value_.end();
  SchemaBuilder envelope = SchemaBuilder::Struct();
  envelope.Name(name + ".Envelope").Version(kEnvelopeVersion);
  envelope.AddField("before", out->value_schema_)
      .AddField("after", out->value_schema_)
      .AddField("source", SourceSchema())
      .AddField("transaction", TransactionBlockSchema())
      .AddField("op", schemas::String())
      .AddField("ts_ms", schemas::OptionalInt64())
      .AddField("ts_us", schemas::OptionalInt64())
      .AddField("ts_ns", schemas::OptionalInt64());
  TRIBUTARY_ASSIGN_OR_RETURN(out->envelope_schema_, envelope.Build());
  out->description_ = std::move(description);
  return std::shared_ptr<const TableSchemas>(std::move(out));
}

Result<Value> TableSchemas::ColumnValue(size_t index, const TupleColumn& column, OldTupleKind kind,
                                        const TupleData* toast_source) const {
  const ColumnMapping& mapping = description_.columns[index].mapping;
  switch (column.kind) {
    case TupleColumn::Kind::kNull:
      // In a key-only old tuple, 'n' means "not part of the key", not NULL.
      if (kind == OldTupleKind::kKey) return FallbackValue(mapping.schema);
      if (!mapping.schema->optional()) {
        return Status::DataError("table " + description_.schema + "." + description_.table +
                                 ": NOT NULL column " + mapping.column + " is null");
      }
      return Value::Null();
    case TupleColumn::Kind::kUnchangedToast:
      if (toast_source != nullptr && index < toast_source->size()) {
        const TupleColumn& old = (*toast_source)[index];
        if (old.kind == TupleColumn::Kind::kText) return ConvertText(mapping, old.data);
      }
      return UnavailableValue(mapping, description_.unavailable_value_placeholder);
    case TupleColumn::Kind::kText:
      return ConvertText(mapping, column.data);
    case TupleColumn::Kind::kBinary:
      return Status::DataError("table " + description_.schema + "." + description_.table +
                               ": column " + mapping.column +
                               " arrived in binary format, which is not supported");
  }
  return Status::Internal("unhandled tuple column kind");
}

template <class ColumnValueFn>
Result<Value> TableSchemas::BuildStruct(const SchemaPtr& schema, const std::vector<int>& fields,
                                        size_t count, const char* input,
                                        ColumnValueFn column_value) const {
  const auto& columns = description_.columns;
  if (count != columns.size()) {
    return Status::DataError("table " + description_.schema + "." + description_.table + ": " +
                             input + " has " + std::to_string(count) + " columns, the table has " +
                             std::to_string(columns.size()));
  }
  Struct out(schema);
  for (size_t i = 0; i < columns.size(); ++i) {
    if (fields[i] < 0) continue;
    TRIBUTARY_ASSIGN_OR_RETURN(out.at(fields[i]), column_value(i));
  }
  return Value::StructValue(std::move(out));
}

Result<Value> TableSchemas::TextValue(size_t i, const std::optional<std::string_view>& text,
                                      bool not_null_checked) const {
  const ColumnMapping& mapping = description_.columns[i].mapping;
  if (text.has_value()) return ConvertText(mapping, *text);
  if (not_null_checked && !mapping.schema->optional()) {
    return Status::DataError("table " + description_.schema + "." + description_.table +
                             ": NOT NULL column " + mapping.column + " is null");
  }
  return Value();
}

Result<Value> TableSchemas::RowFromTuple(const TupleData& tuple, OldTupleKind kind,
                                         const TupleData* toast_source) const {
  return BuildStruct(value_schema_, value_field_, tuple.size(), "tuple",
                     [&](size_t i) { return ColumnValue(i, tuple[i], kind, toast_source); });
}

Result<Value> TableSchemas::RowFromText(
    const std::vector<std::optional<std::string_view>>& values) const {
  return BuildStruct(value_schema_, value_field_, values.size(), "row",
                     [&](size_t i) { return TextValue(i, values[i], true); });
}

Value TableSchemas::KeyFromRow(const Value& row) const {
  if (key_schema_ == nullptr || row.kind() != ValueKind::kStruct) return Value::Null();
  Struct key(key_schema_);
  const Struct& r = row.as_struct();
  if (r.schema() == value_schema_) {
    // A row of this table: the key fields by position (this runs for every streamed change).
    for (size_t i = 0; i < key_in_value_.size(); ++i) {
      if (key_in_value_[i] >= 0) key.at(static_cast<int>(i)) = r.Get(key_in_value_[i]);
    }
    return Value::StructValue(std::move(key));
  }
  for (const Field& f : key_schema_->fields()) {
    const Value* v = r.Get(f.name);
    if (v != nullptr) (void)key.Put(f.name, *v);
  }
  return Value::StructValue(std::move(key));
}

Result<Value> TableSchemas::KeyFromTuple(const TupleData& tuple) const {
  if (key_schema_ == nullptr) return Value::Null();
  return BuildStruct(key_schema_, key_field_, tuple.size(), "tuple", [&](size_t i) {
    return ColumnValue(i, tuple[i], OldTupleKind::kFull, nullptr);
  });
}

Result<Value> TableSchemas::KeyFromText(
    const std::vector<std::optional<std::string_view>>& values) const {
  if (key_schema_ == nullptr) return Value::Null();
  return BuildStruct(key_schema_, key_field_, values.size(), "row",
                     [&](size_t i) { return TextValue(i, values[i], false); });
}

ChangeEvent TableSchemas::BuildEvent(Operation op, Value key, Value before, Value after,
                                     const SourceInfo& info, int64_t ts_ns,
                                     const std::optional<TransactionBlock>& transaction) const {
  return BuildEvent(op, std::move(key), std::move(before), std::move(after), SourceValue(info),
                    ts_ns, transaction);
}

ChangeEvent TableSchemas::BuildEvent(Operation op, Value key, Value before, Value after,
                                     Value source, int64_t ts_ns,
                                     const std::optional<TransactionBlock>& transaction) const {
  Struct envelope(envelope_schema_);
  envelope.at(kEnvBefore) = std::move(before);
  envelope.at(kEnvAfter) = std::move(after);
  envelope.at(kEnvSource) = std::move(source);
  envelope.at(kEnvTransaction) = TransactionValue(transaction);
  envelope.at(kEnvOp) = Value::String(OpText(op));
  envelope.at(kEnvTsMs) = Value::Int64(FloorDiv(ts_ns, 1000000));
  envelope.at(kEnvTsUs) = Value::Int64(FloorDiv(ts_ns, 1000));
  envelope.at(kEnvTsNs) = Value::Int64(ts_ns);
  ChangeEvent event;
  if (!key.is_null()) event.key_schema = key_schema_;
  event.key = std::move(key);
  event.value_schema = envelope_schema_;
  event.value = Value::StructValue(std::move(envelope));
  return event;
}

ChangeEvent TableSchemas::BuildTruncateEvent(
    const SourceInfo& info, int64_t ts_ns,
    const std::optional<TransactionBlock>& transaction) const {
  return BuildEvent(Operation::kTruncate, Value::Null(), Value::Null(), Value::Null(), info, ts_ns,
                    transaction);
}

ChangeEvent TableSchemas::BuildTombstone(Value key) const {
  ChangeEvent event;
  if (!key.is_null()) event.key_schema = key_schema_;
  event.key = std::move(key);
  return event;
}

namespace {

SchemaPtr MessageKeySchema() {
  static const SchemaPtr schema = [] {
    SchemaBuilder b = SchemaBuilder::Struct();
    b.Name("io.debezium.connector.postgresql.MessageKey").Version(1);
    b.AddField("prefix", schemas::OptionalString());
    return b.BuildOrDie();
  }();
  return schema;
}

SchemaPtr MessageBlockSchema(bool bytes) {
  SchemaBuilder b = SchemaBuilder::Struct();
  b.Name("io.debezium.connector.postgresql.Message").Version(1).Optional();
  b.AddField("prefix", schemas::OptionalString());
  b.AddField("content", bytes ? schemas::OptionalBytes() : schemas::OptionalString());
  return b.BuildOrDie();
}

SchemaPtr MessageValueSchema(BinaryHandlingMode mode) {
  static const SchemaPtr with_bytes = [] {
    SchemaBuilder b = SchemaBuilder::Struct();
    b.Name("io.debezium.connector.postgresql.MessageValue").Version(1);
    b.AddField("op", schemas::String())
        .AddField("ts_ms", schemas::OptionalInt64())
        .AddField("source", SourceSchema())
        .AddField("transaction", TransactionBlockSchema())
        .AddField("message", MessageBlockSchema(true));
    return b.BuildOrDie();
  }();
  static const SchemaPtr with_string = [] {
    SchemaBuilder b = SchemaBuilder::Struct();
    b.Name("io.debezium.connector.postgresql.MessageValue").Version(1);
    b.AddField("op", schemas::String())
        .AddField("ts_ms", schemas::OptionalInt64())
        .AddField("source", SourceSchema())
        .AddField("transaction", TransactionBlockSchema())
        .AddField("message", MessageBlockSchema(false));
    return b.BuildOrDie();
  }();
  return mode == BinaryHandlingMode::kBytes ? with_bytes : with_string;
}

}  // namespace

ChangeEvent BuildMessageEvent(const LogicalMessage& message, const SourceInfo& info, int64_t ts_ns,
                              BinaryHandlingMode binary_mode,
                              const std::optional<TransactionBlock>& transaction) {
  ChangeEvent event;
  event.key_schema = MessageKeySchema();
  Struct key(event.key_schema);
  (void)key.Put("prefix", Value::String(message.prefix));
  event.key = Value::StructValue(std::move(key));

  event.value_schema = MessageValueSchema(binary_mode);
  const SchemaPtr& block_schema = event.value_schema->FindField("message")->schema;
  Struct block(block_schema);
  (void)block.Put("prefix", Value::String(message.prefix));
  Bytes content(message.content.begin(), message.content.end());
  if (binary_mode == BinaryHandlingMode::kBytes) {
    (void)block.Put("content", Value::BytesValue(std::move(content)));
  } else {
    // Reuse the bytea conversion for the string encodings.
    ColumnMapping m;
    m.column = "content";
    m.type_name = "bytea";
    m.conversion = ValueConversion::kBytes;
    m.binary_mode = binary_mode;
    m.schema = schemas::OptionalString();
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex = "\\x";
    for (uint8_t b : content) {
      hex.push_back(kHex[b >> 4]);
      hex.push_back(kHex[b & 15]);
    }
    auto v = ConvertText(m, hex);
    (void)block.Put("content", v.ok() ? std::move(v).value() : Value::Null());
  }
  Struct value(event.value_schema);
  (void)value.Put("op", Value::String(OpText(Operation::kMessage)));
  (void)value.Put("ts_ms", Value::Int64(FloorDiv(ts_ns, 1000000)));
  (void)value.Put("source", SourceValue(info));
  (void)value.Put("transaction", TransactionValue(transaction));
  (void)value.Put("message", Value::StructValue(std::move(block)));
  event.value = Value::StructValue(std::move(value));
  return event;
}

ChangeEvent BuildHeartbeat(std::string_view topic_prefix, int64_t ts_ms) {
  static const SchemaPtr key_schema = [] {
    SchemaBuilder b = SchemaBuilder::Struct();
    b.Name("io.debezium.connector.common.ServerNameKey").Version(1);
    b.AddField("serverName", schemas::String());
    return b.BuildOrDie();
  }();
  static const SchemaPtr value_schema = [] {
    SchemaBuilder b = SchemaBuilder::Struct();
    b.Name("io.debezium.connector.common.Heartbeat").Version(1);
    b.AddField("ts_ms", schemas::Int64());
    return b.BuildOrDie();
  }();
  ChangeEvent event;
  event.key_schema = key_schema;
  Struct key(key_schema);
  (void)key.Put("serverName", Value::String(std::string(topic_prefix)));
  event.key = Value::StructValue(std::move(key));
  event.value_schema = value_schema;
  Struct value(value_schema);
  (void)value.Put("ts_ms", Value::Int64(ts_ms));
  event.value = Value::StructValue(std::move(value));
  return event;
}

namespace {

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

}  // namespace

Result<std::vector<MessageKeyColumns>> ParseMessageKeyColumns(std::string_view config) {
  std::vector<MessageKeyColumns> out;
  size_t start = 0;
  while (start <= config.size()) {
    size_t end = config.find(';', start);
    std::string entry =
        Trim(config.substr(start, end == std::string_view::npos ? end : end - start));
    start = end == std::string_view::npos ? config.size() + 1 : end + 1;
    if (entry.empty()) continue;
    size_t colon = entry.rfind(':');
    auto bad = [&](const std::string& why) {
      return Status::InvalidConfig("Invalid value " + entry +
                                   " for configuration message.key.columns: " + why);
    };
    if (colon == std::string::npos) return bad("expected <table regex>:<column>,…");
    MessageKeyColumns m;
    m.table_regex = Trim(std::string_view(entry).substr(0, colon));
    std::string_view cols = std::string_view(entry).substr(colon + 1);
    size_t c = 0;
    while (c <= cols.size()) {
      size_t comma = cols.find(',', c);
      std::string col = Trim(cols.substr(c, comma == std::string_view::npos ? comma : comma - c));
      if (!col.empty()) m.columns.push_back(col);
      c = comma == std::string_view::npos ? cols.size() + 1 : comma + 1;
    }
    if (m.table_regex.empty() || m.columns.empty()) return bad("empty table pattern or columns");
    try {
      std::regex check(m.table_regex);
    } catch (const std::regex_error& e) {
      return bad(std::string("invalid regular expression: ") + e.what());
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::optional<std::vector<std::string>> KeyColumnsFor(const std::vector<MessageKeyColumns>& config,
                                                      std::string_view schema,
                                                      std::string_view table) {
  std::string id = std::string(schema) + "." + std::string(table);
  for (const MessageKeyColumns& m : config) {
    try {
      if (std::regex_match(id, std::regex(m.table_regex))) return m.columns;
    } catch (const std::regex_error&) {
      // Validated by ParseMessageKeyColumns; an unparsable pattern simply matches nothing.
    }
  }
  return std::nullopt;
}

}  // namespace tributary::connectors::pgcdc
