#include "connectors/postgres_cdc/postgres_cdc_source.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

namespace tributary::connectors::pgcdc {
namespace {

constexpr int64_t kMaxPollWaitMs = 1000;  // Poll returns within about a second (SourceTask)
constexpr int64_t kMaxReconnectDelayMs = 60000;

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<int64_t> OffsetInt(const SourceMap& offset, const char* key) {
  auto it = offset.find(key);
  if (it == offset.end()) return std::nullopt;
  return it->second.AsInteger();
}

std::string OffsetString(const SourceMap& offset, const char* key) {
  auto it = offset.find(key);
  if (it == offset.end()) return "";
  if (it->second.kind() == ValueKind::kString) return it->second.as_string();
  if (it->second.kind() == ValueKind::kBoolean) return it->second.as_bool() ? "true" : "false";
  return "";
}

bool OffsetBool(const SourceMap& offset, const char* key) {
  auto it = offset.find(key);
  if (it == offset.end()) return false;
  if (it->second.kind() == ValueKind::kBoolean) return it->second.as_bool();
  if (it->second.kind() == ValueKind::kString) return it->second.as_string() == "true";
  return false;
}

const char* MessageType(const PgoutputMessage& m) {
  if (std::holds_alternative<InsertMessage>(m)) return "INSERT";
  if (std::holds_alternative<UpdateMessage>(m)) return "UPDATE";
  if (std::holds_alternative<DeleteMessage>(m)) return "DELETE";
  if (std::holds_alternative<LogicalMessage>(m)) return "MESSAGE";
  return "TRUNCATE";
}

// Transaction metadata records (Debezium's TransactionMonitor), built here because the decoding
// library does not cover them.
const SchemaPtr& TxKeySchema() {
  static const SchemaPtr s = SchemaBuilder::Struct()
                                 .Name("io.debezium.connector.common.TransactionMetadataKey")
                                 .AddField("id", schemas::String())
                                 .BuildOrDie();
  return s;
}
const SchemaPtr& TxCollectionSchema() {
  static const SchemaPtr s = SchemaBuilder::Struct()
                                 .Name("event.collection")
                                 .Version(1)
                                 .AddField("data_collection", schemas::String())
                                 .AddField("event_count", schemas::Int64())
                                 .BuildOrDie();
  return s;
}
const SchemaPtr& TxValueSchema() {
  static const SchemaPtr s =
      SchemaBuilder::Struct()
          .Name("io.debezium.connector.common.TransactionMetadataValue")
          .AddField("status", schemas::String())
          .AddField("id", schemas::String())
          .AddField("event_count", schemas::OptionalInt64())
          .AddField("data_collections",
                    SchemaBuilder::Array(TxCollectionSchema()).Optional().BuildOrDie())
          .AddField("ts_ms", schemas::Int64())
          .BuildOrDie();
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Connector

std::string PostgresCdcSourceConnector::Version() const { return TRIBUTARY_VERSION; }

Status PostgresCdcSourceConnector::Start(const ConfigMap& props) {
  auto parsed = PostgresCdcConfig::Parse(props);
  if (!parsed.ok()) return parsed.status();
  props_ = props;
  return Status::Ok();
}

Result<std::vector<ConfigMap>> PostgresCdcSourceConnector::TaskConfigs(int /*max_tasks*/) {
  return std::vector<ConfigMap>{props_};
}

std::unique_ptr<SourceTask> PostgresCdcSourceConnector::CreateTask() const {
  return std::make_unique<PostgresCdcSourceTask>();
}

ConnectorPlugin PostgresCdcSourcePlugin() {
  ConnectorPlugin plugin;
  plugin.class_name = PostgresCdcSourceConnector::kClassName;
  plugin.aliases = {"PostgresCdcSource"};
  plugin.type = ConnectorType::kSource;
  plugin.version = TRIBUTARY_VERSION;
  plugin.factory = [] { return std::make_unique<PostgresCdcSourceConnector>(); };
  return plugin;
}

// ---------------------------------------------------------------------------------------------
// Offsets

namespace {

// The offset's keys for one shape (with or without lsn_events_processed and messageType), values
// zero: ToOffset copies one and sets its values, which costs about half of inserting the keys
// one by one (no key comparisons or rebalancing, the tree copied as it is).
SourceMap OffsetTemplate(bool with_events, bool with_message_type) {
  SourceMap offset;
  for (const char* key : {"lsn", "lsn_commit", "lsn_proc", "ts_usec", "txId"}) {
    offset.emplace(key, Value::Int64(0));
  }
  if (with_events) offset.emplace("lsn_events_processed", Value::Int64(0));
  if (with_message_type) offset.emplace("messageType", Value::String(""));
  return offset;
}

}  // namespace

SourceMap StreamPosition::ToOffset() const {
  static const SourceMap kTemplates[2][2] = {
      {OffsetTemplate(false, false), OffsetTemplate(false, true)},
      {OffsetTemplate(true, false), OffsetTemplate(true, true)}};
  const bool with_events = events_at_lsn > 0;
  const bool with_message_type = !message_type.empty();
  // Built for every record. The keys in the map's order: lsn, lsn_commit,
  // [lsn_events_processed], lsn_proc, [messageType], ts_usec, txId.
  SourceMap offset = kTemplates[with_events][with_message_type];
  auto it = offset.begin();
  (it++)->second = Value::Int64(static_cast<int64_t>(lsn));
  (it++)->second = Value::Int64(static_cast<int64_t>(lsn_commit));
  if (with_events) (it++)->second = Value::Int64(events_at_lsn);
  (it++)->second = Value::Int64(static_cast<int64_t>(lsn));
  if (with_message_type) (it++)->second = Value::String(message_type);
  (it++)->second = Value::Int64(ts_usec);
  it->second = Value::Int64(tx_id);
  return offset;
}

// ---------------------------------------------------------------------------------------------
// Task

PostgresCdcSourceTask::PostgresCdcSourceTask() = default;
PostgresCdcSourceTask::~PostgresCdcSourceTask() { Disconnect(); }

std::string PostgresCdcSourceTask::Version() const { return TRIBUTARY_VERSION; }

int64_t PostgresCdcSourceTask::NowNanos() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status PostgresCdcSourceTask::ConnectSql() {
  TRIBUTARY_ASSIGN_OR_RETURN(
      sql_, pg::PgConnection::Connect(config_.conninfo + " " + PinnedSessionOptions() +
                                      " application_name=tributary-cdc-sql"));
  return Status::Ok();
}

Status PostgresCdcSourceTask::Start(const ConfigMap& props) {
  TRIBUTARY_ASSIGN_OR_RETURN(config_, PostgresCdcConfig::Parse(props));
  TRIBUTARY_ASSIGN_OR_RETURN(type_options_.decimal_mode,
                             ParseDecimalHandlingMode(config_.decimal_handling_mode));
  TRIBUTARY_ASSIGN_OR_RETURN(type_options_.time_precision_mode,
                             ParseTimePrecisionMode(config_.time_precision_mode));
  TRIBUTARY_ASSIGN_OR_RETURN(type_options_.binary_mode,
                             ParseBinaryHandlingMode(config_.binary_handling_mode));
  type_options_.unavailable_value_placeholder = config_.unavailable_value_placeholder;
  partition_ = {{"server", Value::String(config_.topic_prefix)}};

  std::optional<SourceMap> offset;
  if (context()) offset = context()->offset_storage_reader().Offset(partition_);

  TRIBUTARY_RETURN_IF_ERROR(ConnectSql());
  TRIBUTARY_ASSIGN_OR_RETURN(repl_, ReplicationConnection::Connect(config_.conninfo));
  TRIBUTARY_ASSIGN_OR_RETURN(SystemIdentity identity, repl_->IdentifySystem());
  spdlog::info("postgres-cdc {}: connected to system {} timeline {} at {}", config_.topic_prefix,
               identity.system_id, identity.timeline, FormatLsn(identity.xlog_pos));

  TRIBUTARY_ASSIGN_OR_RETURN(
      pg::PgResult slot,
      sql_->ExecParams("SELECT plugin, database, confirmed_flush_lsn::text, active "
                       "FROM pg_replication_slots WHERE slot_name = $1",
                       {config_.slot_name}));
  bool slot_exists = slot.rows() == 1;
  if (slot_exists) {
    if (slot.Get(0, 0) != "pgoutput" || slot.Get(0, 1) != config_.dbname) {
      return Status::InvalidConfig("Invalid value " + config_.slot_name +
                                   " for configuration slot.name: the slot exists for plugin " +
                                   slot.Get(0, 0) + " on database " + slot.Get(0, 1));
    }
    if (!slot.IsNull(0, 2)) {
      auto confirmed = ParseLsn(slot.Get(0, 2));
      if (confirmed.ok()) confirmed_ = *confirmed;
    }
  }

  // What the stored offset says.
  bool snapshot_done = false;
  bool have_stream_offset = false;
  if (offset && !offset->empty()) {
    bool in_snapshot =
        offset->count("snapshot") > 0 && OffsetString(*offset, "snapshot") != "false";
    snapshot_done = !in_snapshot || OffsetBool(*offset, "last_snapshot_record") ||
                    OffsetBool(*offset, "snapshot_completed");
    if (snapshot_done) {
      StreamPosition p;
      auto lsn = OffsetInt(*offset, "lsn");
      auto proc = OffsetInt(*offset, "lsn_proc");
      auto commit = OffsetInt(*offset, "lsn_commit");
      p.lsn = static_cast<Lsn>(proc.value_or(lsn.value_or(0)));
      p.lsn_commit = static_cast<Lsn>(commit.value_or(static_cast<int64_t>(p.lsn)));
      p.tx_id = OffsetInt(*offset, "txId").value_or(0);
      p.ts_usec = OffsetInt(*offset, "ts_usec").value_or(0);
      p.message_type = OffsetString(*offset, "messageType");
      p.events_at_lsn = OffsetInt(*offset, "lsn_events_processed").value_or(0);
      if (p.message_type == "COMMIT" || in_snapshot) p.events_at_lsn = 0;
      have_stream_offset = true;
      position_ = p;
      has_position_ = true;
      if (p.events_at_lsn > 0) resume_ = p;
      start_lsn_ = p.lsn_commit;
    }
  }

  bool snapshot = false;
  switch (config_.snapshot_mode) {
    case SnapshotMode::kAlways:
      snapshot = true;
      break;
    case SnapshotMode::kNoData:
      snapshot = false;
      break;
    case SnapshotMode::kInitial:
    case SnapshotMode::kInitialOnly:
      snapshot = !snapshot_done;
      break;
    case SnapshotMode::kWhenNeeded:
      snapshot = !snapshot_done || !slot_exists;
      break;
  }
  if (have_stream_offset && !slot_exists && !snapshot) {
    return Status::NotFound(
        "replication slot \"" + config_.slot_name +
        "\" does not exist but offsets for this connector are stored: changes since then are "
        "lost. Delete the connector's offsets to start over, or use snapshot.mode=when_needed "
        "or always to take a new snapshot");
  }
  if (config_.snapshot_mode == SnapshotMode::kInitialOnly && snapshot_done) {
    phase_ = Phase::kDone;
    spdlog::info(
        "postgres-cdc {}: snapshot.mode=initial_only and the snapshot is complete; "
        "not streaming",
        config_.topic_prefix);
    return Status::Ok();
  }

  TRIBUTARY_RETURN_IF_ERROR(EnsurePublication(!slot_exists));

  if (!slot_exists) {
    TRIBUTARY_ASSIGN_OR_RETURN(CreatedSlot created,
                               repl_->CreateSlot(config_.slot_name, false, snapshot));
    spdlog::info("postgres-cdc {}: created replication slot {} at {}", config_.topic_prefix,
                 config_.slot_name, FormatLsn(created.consistent_point));
    if (snapshot) return BeginSnapshot(created.snapshot_name, created.consistent_point);
    start_lsn_ = created.consistent_point;
    return Status::Ok();  // streaming starts on the first Poll
  }
  if (snapshot) {
    // The slot exists, so it cannot export a snapshot any more. A temporary slot exports one at
    // its own consistent point P; the snapshot shows every transaction committed before P, and
    // streaming the real slot from P yields exactly the ones after.
    TRIBUTARY_ASSIGN_OR_RETURN(snapshot_exporter_,
                               ReplicationConnection::Connect(config_.conninfo));
    std::string temp = config_.slot_name.substr(0, 40) + "_snap_" + std::to_string(::getpid());
    TRIBUTARY_ASSIGN_OR_RETURN(CreatedSlot created,
                               snapshot_exporter_->CreateSlot(temp, true, true));
    return BeginSnapshot(created.snapshot_name, created.consistent_point);
  }
  return Status::Ok();
}

Status PostgresCdcSourceTask::EnsurePublication(bool may_create) {
  TRIBUTARY_ASSIGN_OR_RETURN(
      pg::PgResult pub,
      sql_->ExecParams("SELECT puballtables FROM pg_publication WHERE pubname = $1",
                       {config_.publication_name}));
  bool exists = pub.rows() == 1;
  const std::string name = pg::QuoteIdentifier(config_.publication_name);
  std::string publish;
  for (auto [op, word] : {std::pair{'c', "insert"}, std::pair{'u', "update"},
                          std::pair{'d', "delete"}, std::pair{'t', "truncate"}}) {
    if (config_.Skips(op)) continue;
    if (!publish.empty()) publish += ", ";
    publish += word;
  }
  // As Debezium: skipped.operations also limits what a created publication publishes.
  const std::string with =
      publish.empty() ? std::string() : " WITH (publish = " + pg::QuoteLiteral(publish) + ")";
  if (config_.publication_mode == PublicationAutocreateMode::kFiltered) {
    TRIBUTARY_ASSIGN_OR_RETURN(std::vector<SnapshotTable> tables, ListCapturedTables());
    if (tables.empty()) {
      return Status::InvalidConfig(
          "Invalid value filtered for configuration publication.autocreate.mode: no table "
          "matches the include/exclude lists");
    }
    std::string list;
    for (const auto& t : tables) {
      if (!list.empty()) list += ", ";
      list += pg::QuoteIdentifier(t.schema) + "." + pg::QuoteIdentifier(t.table);
    }
    if (!exists && !may_create) {
      return Status::NotFound("publication \"" + config_.publication_name +
                              "\" does not exist (was it dropped?)");
    }
    std::string sql = exists ? "ALTER PUBLICATION " + name + " SET TABLE " + list
                             : "CREATE PUBLICATION " + name + " FOR TABLE " + list + with;
    TRIBUTARY_RETURN_IF_ERROR(sql_->Exec(sql).status());
    return Status::Ok();
  }
  if (exists) return Status::Ok();
  if (config_.publication_mode == PublicationAutocreateMode::kDisabled) {
    return Status::NotFound("publication \"" + config_.publication_name +
                            "\" does not exist and publication.autocreate.mode=disabled");
  }
  if (!may_create) {
    // Creating it now would silently skip every change made while it was missing.
    return Status::NotFound("publication \"" + config_.publication_name +
                            "\" does not exist (was it dropped?); the slot already exists, so "
                            "re-creating it could lose changes");
  }
  std::string sql = "CREATE PUBLICATION " + name;
  if (config_.publication_mode == PublicationAutocreateMode::kAllTables) sql += " FOR ALL TABLES";
  sql += with;
  TRIBUTARY_RETURN_IF_ERROR(sql_->Exec(sql).status());
  spdlog::info("postgres-cdc {}: created publication {}", config_.topic_prefix,
               config_.publication_name);
  return Status::Ok();
}

Result<std::vector<PostgresCdcSourceTask::SnapshotTable>>
PostgresCdcSourceTask::ListCapturedTables() {
  TRIBUTARY_ASSIGN_OR_RETURN(
      pg::PgResult r,
      sql_->Exec("SELECT c.oid, n.nspname, c.relname, c.reltuples FROM pg_class c "
                 "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' "
                 "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                 "AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' "
                 "ORDER BY n.nspname, c.relname"));
  std::vector<SnapshotTable> tables;
  for (int i = 0; i < r.rows(); ++i) {
    SnapshotTable t;
    t.oid = static_cast<uint32_t>(std::stoul(r.Get(i, 0)));
    t.schema = r.Get(i, 1);
    t.table = r.Get(i, 2);
    t.reltuples = std::atof(r.Get(i, 3).c_str());
    if (config_.IncludesTable(t.schema, t.table)) tables.push_back(std::move(t));
  }
  return tables;
}

Result<PgType> PostgresCdcSourceTask::LoadType(uint32_t oid, int32_t modifier, int depth) {
  if (auto it = type_cache_.find(oid); it != type_cache_.end()) {
    PgType t = it->second;
    t.modifier = modifier;
    return t;
  }
  if (depth > 4) return Status::DataError("type " + std::to_string(oid) + " nests too deeply");
  TRIBUTARY_ASSIGN_OR_RETURN(
      pg::PgResult r,
      sql_->ExecParams("SELECT t.typname, t.typtype, t.typelem, t.typbasetype, t.typtypmod, "
                       "t.typcategory, ARRAY(SELECT e.enumlabel::text FROM pg_enum e "
                       "WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) "
                       "FROM pg_type t WHERE t.oid = $1",
                       {std::to_string(oid)}));
  PgType type;
  type.oid = oid;
  type.modifier = modifier;
  if (r.rows() != 1) return type;  // dropped meanwhile: the OID alone decides
  type.name = r.Get(0, 0);
  type.typtype = r.Get(0, 1).empty() ? 0 : r.Get(0, 1)[0];
  uint32_t elem = static_cast<uint32_t>(std::stoul(r.Get(0, 2)));
  uint32_t base = static_cast<uint32_t>(std::stoul(r.Get(0, 3)));
  int32_t base_mod = std::atoi(r.Get(0, 4).c_str());
  std::string category = r.Get(0, 5);
  if (type.typtype == 'e') {
    TRIBUTARY_ASSIGN_OR_RETURN(auto labels, ParseArrayLiteral(r.Get(0, 6)));
    for (auto& l : labels) {
      if (l) type.enum_labels.push_back(*l);
    }
  }
  if (type.typtype == 'd' && base != 0) {
    TRIBUTARY_ASSIGN_OR_RETURN(PgType b, LoadType(base, base_mod, depth + 1));
    type.base = std::make_shared<const PgType>(std::move(b));
  }
  if (category == "A" && elem != 0 && !BuiltinArrayElementOid(oid)) {
    TRIBUTARY_ASSIGN_OR_RETURN(PgType e, LoadType(elem, -1, depth + 1));
    type.element = std::make_shared<const PgType>(std::move(e));
  }
  type_cache_[oid] = type;
  return type;
}

Result<std::shared_ptr<const TableSchemas>> PostgresCdcSourceTask::DescribeTable(
    uint32_t oid, const std::string& schema, const std::string& table,
    const std::vector<RelationColumn>* stream_columns) {
  TRIBUTARY_ASSIGN_OR_RETURN(
      pg::PgResult r,
      sql_->ExecParams(
          "SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull, "
          "pg_get_expr(d.adbin, d.adrelid), "
          "EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary "
          "AND a.attnum = ANY (i.indkey)), "
          "EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisreplident "
          "AND a.attnum = ANY (i.indkey)) "
          "FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND "
          "d.adnum = a.attnum WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped "
          "AND a.attgenerated = '' ORDER BY a.attnum",
          {std::to_string(oid)}));
  struct CatalogColumn {
    uint32_t type_oid;
    int32_t modifier;
    bool not_null;
    std::optional<std::string> default_expression;
    bool pk;
    bool replident;
  };
  std::vector<std::string> order;
  std::map<std::string, CatalogColumn> catalog;
  bool any_pk = false;
  for (int i = 0; i < r.rows(); ++i) {
    CatalogColumn c{static_cast<uint32_t>(std::stoul(r.Get(i, 1))),
                    std::atoi(r.Get(i, 2).c_str()),
                    r.Get(i, 3) == "t",
                    r.IsNull(i, 4) ? std::nullopt : std::optional<std::string>(r.Get(i, 4)),
                    r.Get(i, 5) == "t",
                    r.Get(i, 6) == "t"};
    any_pk = any_pk || c.pk;
    order.push_back(r.Get(i, 0));
    catalog.emplace(r.Get(i, 0), c);
  }
  std::vector<RelationColumn> columns;
  if (stream_columns) {
    columns = *stream_columns;
  } else {
    for (const auto& name : order) {
      RelationColumn rc;
      rc.name = name;
      rc.type_oid = catalog[name].type_oid;
      rc.type_modifier = catalog[name].modifier;
      columns.push_back(rc);
    }
  }
  const std::vector<std::string>* key_override = config_.KeyColumnsFor(schema, table);
  TableDescription desc;
  desc.topic_prefix = config_.topic_prefix;
  desc.schema = schema;
  desc.table = table;
  desc.unavailable_value_placeholder = config_.unavailable_value_placeholder;
  for (const RelationColumn& rc : columns) {
    auto it = catalog.find(rc.name);
    ColumnDescriptor cd;
    cd.name = rc.name;
    bool key = false;
    if (it != catalog.end()) {
      cd.not_null = it->second.not_null;
      cd.default_expression = it->second.default_expression;
      key = any_pk ? it->second.pk : it->second.replident;
    }
    if (key_override) {
      key = std::find(key_override->begin(), key_override->end(), rc.name) != key_override->end();
    }
    TRIBUTARY_ASSIGN_OR_RETURN(cd.type, LoadType(rc.type_oid, rc.type_modifier, 0));
    TableColumn column;
    column.key = key;
    column.included = config_.IncludesColumn(schema, table, rc.name);
    auto mapping = MapColumn(cd, type_options_);
    if (!mapping.ok()) {
      if (mapping.status().code() != StatusCode::kNotFound) return mapping.status();
      spdlog::warn("postgres-cdc {}: column {}.{}.{} has an unsupported type ({}); left out",
                   config_.topic_prefix, schema, table, rc.name, cd.type.name);
      TypeMappingOptions lenient = type_options_;
      lenient.include_unknown_datatypes = true;
      TRIBUTARY_ASSIGN_OR_RETURN(column.mapping, MapColumn(cd, lenient));
      column.included = false;
    } else {
      column.mapping = std::move(*mapping);
    }
    desc.columns.push_back(std::move(column));
  }
  return TableSchemas::Create(std::move(desc));
}

// ---------------------------------------------------------------------------------------------
// Snapshot

Status PostgresCdcSourceTask::BeginSnapshot(const std::string& snapshot_name, Lsn point) {
  phase_ = Phase::kSnapshot;
  snapshot_point_ = point;
  start_lsn_ = point;
  has_position_ = false;
  resume_.reset();
  TRIBUTARY_RETURN_IF_ERROR(
      sql_->Exec("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ").status());
  if (!snapshot_name.empty()) {
    TRIBUTARY_RETURN_IF_ERROR(
        sql_->Exec("SET TRANSACTION SNAPSHOT " + pg::QuoteLiteral(snapshot_name)).status());
  }
  // The snapshot is imported: the exporting temporary slot is no longer needed.
  snapshot_exporter_.reset();
  TRIBUTARY_ASSIGN_OR_RETURN(pg::PgResult xid, sql_->Exec("SELECT txid_current()"));
  snapshot_tx_id_ = std::atoll(xid.Get(0, 0).c_str());
  TRIBUTARY_ASSIGN_OR_RETURN(snapshot_tables_, ListCapturedTables());
  snapshot_index_ = 0;
  first_snapshot_row_ = true;
  spdlog::info("postgres-cdc {}: snapshot of {} table(s) at {} started", config_.topic_prefix,
               snapshot_tables_.size(), FormatLsn(point));
  RegisterSnapshotMetrics();
  return Status::Ok();
}

void PostgresCdcSourceTask::RegisterSnapshotMetrics() {
  MetricGroup& group =
      context() != nullptr ? context()->plugin_metrics() : UnexportedMetricGroup::Instance();
  const MetricLabels server = {{"server", config_.topic_prefix}};
  SnapshotMetrics& m = snapshot_metrics_;
  m.total_table_count =
      group.AddGauge("debezium_postgres_snapshot_total_table_count",
                     "Tables included in the snapshot (TotalTableCount).", server);
  m.remaining_table_count =
      group.AddGauge("debezium_postgres_snapshot_remaining_table_count",
                     "Tables the snapshot has not copied yet (RemainingTableCount).", server);
  m.running = group.AddGauge("debezium_postgres_snapshot_running",
                             "1 while the snapshot runs (SnapshotRunning).", server);
  m.completed = group.AddGauge("debezium_postgres_snapshot_completed",
                               "1 once the snapshot completed (SnapshotCompleted).", server);
  m.duration_seconds = group.AddGauge(
      "debezium_postgres_snapshot_duration_seconds",
      "Seconds the snapshot has taken so far, or took (SnapshotDurationInSeconds).", server);
  m.rows_scanned.clear();
  m.rows_estimated.clear();
  for (const SnapshotTable& t : snapshot_tables_) {
    MetricLabels labels = server;
    labels.emplace_back("table", t.schema + "." + t.table);
    m.rows_scanned.push_back(group.AddGauge("debezium_postgres_snapshot_rows_scanned",
                                            "Rows of the table read by the snapshot so far "
                                            "(RowsScanned).",
                                            labels));
    m.rows_estimated.push_back(group.AddGauge(
        "debezium_postgres_snapshot_rows_estimated",
        "Rows of the table as PostgreSQL estimates them (pg_class.reltuples; -1: never analyzed).",
        labels));
    m.rows_scanned.back().Set(0);
    m.rows_estimated.back().Set(t.reltuples < 0 ? -1 : static_cast<int64_t>(t.reltuples));
  }
  m.total_table_count.Set(static_cast<int64_t>(snapshot_tables_.size()));
  m.running.Set(1);
  m.completed.Set(0);
  snapshot_started_ = std::chrono::steady_clock::now();
  UpdateSnapshotMetrics();
}

void PostgresCdcSourceTask::UpdateSnapshotMetrics() {
  SnapshotMetrics& m = snapshot_metrics_;
  m.remaining_table_count.Set(static_cast<int64_t>(snapshot_tables_.size() - snapshot_index_));
  if (snapshot_index_ < m.rows_scanned.size() && cursor_open_) {
    m.rows_scanned[snapshot_index_].Set(table_rows_);
  }
  m.duration_seconds.Set(std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::steady_clock::now() - snapshot_started_)
                             .count());
}

Status PostgresCdcSourceTask::EmitSnapshotRow(PendingRow row, bool last_in_table, bool final,
                                              std::vector<SourceRecord>& out) {
  const TableSchemas& table = *snapshot_table_schemas_[row.table];
  std::vector<std::optional<std::string_view>> views;
  views.reserve(row.values.size());
  for (const auto& v : row.values) {
    views.push_back(v ? std::optional<std::string_view>(*v) : std::nullopt);
  }
  TRIBUTARY_ASSIGN_OR_RETURN(Value after, table.RowFromText(views));
  TRIBUTARY_ASSIGN_OR_RETURN(Value key, table.KeyFromText(views));
  SourceInfo info;
  info.name = config_.topic_prefix;
  info.db = config_.dbname;
  info.ts_us = snapshot_ts_us_;
  info.schema = table.description().schema;
  info.table = table.description().table;
  info.tx_id = snapshot_tx_id_;
  info.lsn = snapshot_point_;
  bool last_table = row.table + 1 == snapshot_tables_.size();
  if (last_in_table) {
    info.snapshot = last_table ? SnapshotMarker::kLast : SnapshotMarker::kLastInDataCollection;
  } else if (row.first_in_table) {
    info.snapshot = row.table == 0 || first_snapshot_row_ ? SnapshotMarker::kFirst
                                                          : SnapshotMarker::kFirstInDataCollection;
  } else {
    info.snapshot = SnapshotMarker::kTrue;
  }
  first_snapshot_row_ = false;
  ChangeEvent event = table.BuildEvent(Operation::kRead, std::move(key), Value(), std::move(after),
                                       info, NowNanos());
  SourceRecord record;
  record.topic = table.data_collection();
  record.key_schema = std::move(event.key_schema);
  record.key = std::move(event.key);
  record.value_schema = std::move(event.value_schema);
  record.value = std::move(event.value);
  record.source_partition = partition_;
  SourceMap offset;
  offset["lsn"] = Value::Int64(static_cast<int64_t>(snapshot_point_));
  offset["lsn_commit"] = Value::Int64(static_cast<int64_t>(snapshot_point_));
  offset["txId"] = Value::Int64(snapshot_tx_id_);
  offset["ts_usec"] = Value::Int64(snapshot_ts_us_);
  offset["snapshot"] = Value::String("INITIAL");
  offset["last_snapshot_record"] = Value::Boolean(final);
  if (final) offset["snapshot_completed"] = Value::Boolean(true);
  record.source_offset = std::move(offset);
  out.push_back(std::move(record));
  return Status::Ok();
}

Status PostgresCdcSourceTask::SnapshotStep(std::vector<SourceRecord>& out) {
  if (!cursor_open_) {
    if (snapshot_index_ == snapshot_tables_.size()) {
      if (pending_row_) {
        PendingRow row = std::move(*pending_row_);
        pending_row_.reset();
        TRIBUTARY_RETURN_IF_ERROR(EmitSnapshotRow(std::move(row), true, true, out));
      }
      TRIBUTARY_RETURN_IF_ERROR(sql_->Exec("COMMIT").status());
      spdlog::info("postgres-cdc {}: snapshot completed", config_.topic_prefix);
      UpdateSnapshotMetrics();
      snapshot_metrics_.running.Set(0);
      snapshot_metrics_.completed.Set(1);
      // Streaming continues from the snapshot's consistent point.
      position_ = StreamPosition{};
      position_.lsn_commit = snapshot_point_;
      position_.lsn = snapshot_point_;
      position_.message_type = "COMMIT";
      has_position_ = true;
      phase_ =
          config_.snapshot_mode == SnapshotMode::kInitialOnly ? Phase::kDone : Phase::kStreaming;
      return Status::Ok();
    }
    const SnapshotTable& t = snapshot_tables_[snapshot_index_];
    TRIBUTARY_ASSIGN_OR_RETURN(snapshot_schemas_, DescribeTable(t.oid, t.schema, t.table, nullptr));
    snapshot_table_schemas_.resize(snapshot_tables_.size());
    snapshot_table_schemas_[snapshot_index_] = snapshot_schemas_;
    std::string columns;
    for (const TableColumn& c : snapshot_schemas_->description().columns) {
      if (!columns.empty()) columns += ", ";
      columns += pg::QuoteIdentifier(c.mapping.column);
    }
    if (columns.empty()) columns = "NULL";
    TRIBUTARY_ASSIGN_OR_RETURN(
        pg::PgResult ts,
        sql_->Exec("SELECT (extract(epoch FROM current_timestamp) * 1000000)::int8"));
    snapshot_ts_us_ = std::atoll(ts.Get(0, 0).c_str());
    TRIBUTARY_RETURN_IF_ERROR(sql_->Exec("DECLARE tributary_snapshot NO SCROLL CURSOR FOR SELECT " +
                                         columns + " FROM " + pg::QuoteIdentifier(t.schema) + "." +
                                         pg::QuoteIdentifier(t.table))
                                  .status());
    cursor_open_ = true;
    table_rows_ = 0;
    spdlog::info("postgres-cdc {}: snapshot of {}.{} started (~{} rows estimated)",
                 config_.topic_prefix, t.schema, t.table,
                 static_cast<int64_t>(std::max(0.0, t.reltuples)));
  }
  const SnapshotTable& t = snapshot_tables_[snapshot_index_];
  TRIBUTARY_ASSIGN_OR_RETURN(
      pg::PgResult rows, sql_->Exec("FETCH FORWARD " + std::to_string(config_.snapshot_fetch_size) +
                                    " FROM tributary_snapshot"));
  int n = rows.rows();
  int ncols = PQnfields(rows.get());
  for (int i = 0; i < n; ++i) {
    PendingRow row;
    row.table = snapshot_index_;
    row.first_in_table = table_rows_ == 0;
    row.values.reserve(static_cast<size_t>(ncols));
    for (int c = 0; c < ncols && !snapshot_schemas_->description().columns.empty(); ++c) {
      if (rows.IsNull(i, c)) {
        row.values.emplace_back(std::nullopt);
      } else {
        row.values.emplace_back(std::string(PQgetvalue(rows.get(), i, c),
                                            static_cast<size_t>(PQgetlength(rows.get(), i, c))));
      }
    }
    ++table_rows_;
    if (pending_row_) {
      PendingRow prev = std::move(*pending_row_);
      bool last_in_table = prev.table != snapshot_index_;
      TRIBUTARY_RETURN_IF_ERROR(EmitSnapshotRow(std::move(prev), last_in_table, false, out));
    }
    pending_row_ = std::move(row);
  }
  spdlog::info("postgres-cdc {}: snapshot of {}.{}: {} of ~{} rows", config_.topic_prefix, t.schema,
               t.table, table_rows_, static_cast<int64_t>(std::max(0.0, t.reltuples)));
  UpdateSnapshotMetrics();
  if (n < config_.snapshot_fetch_size) {
    TRIBUTARY_RETURN_IF_ERROR(sql_->Exec("CLOSE tributary_snapshot").status());
    cursor_open_ = false;
    ++snapshot_index_;
    UpdateSnapshotMetrics();
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Streaming

Status PostgresCdcSourceTask::StartStreaming() {
  relations_.Clear();
  tables_.clear();
  in_transaction_ = false;
  skipping_transaction_ = false;
  Lsn start = has_position_ ? position_.lsn_commit : start_lsn_;
  if (has_position_ && position_.events_at_lsn > 0) resume_ = position_;
  TRIBUTARY_RETURN_IF_ERROR(repl_->StartReplication(config_.slot_name, start,
                                                    config_.publication_name,
                                                    /*messages=*/true));
  spdlog::info("postgres-cdc {}: streaming from slot {} at {}", config_.topic_prefix,
               config_.slot_name, FormatLsn(start));
  streaming_ = true;
  failures_ = 0;
  auto now = std::chrono::steady_clock::now();
  next_status_ = now + std::chrono::milliseconds(config_.status_update_interval_ms);
  next_heartbeat_ = now + std::chrono::milliseconds(config_.heartbeat_interval_ms);
  return Status::Ok();
}

void PostgresCdcSourceTask::Disconnect() {
  streaming_ = false;
  repl_.reset();
  snapshot_exporter_.reset();
  sql_.reset();
}

Status PostgresCdcSourceTask::Reconnect() {
  Disconnect();
  TRIBUTARY_RETURN_IF_ERROR(ConnectSql());
  TRIBUTARY_ASSIGN_OR_RETURN(
      pg::PgResult slot, sql_->ExecParams("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1",
                                          {config_.slot_name}));
  if (slot.rows() != 1) {
    return Status::NotFound("replication slot \"" + config_.slot_name +
                            "\" no longer exists (was it dropped?); not re-creating it, since "
                            "changes made meanwhile would be lost");
  }
  TRIBUTARY_RETURN_IF_ERROR(EnsurePublication(false));
  TRIBUTARY_ASSIGN_OR_RETURN(repl_, ReplicationConnection::Connect(config_.conninfo));
  return StartStreaming();
}

Status PostgresCdcSourceTask::SendStatus(bool reply_requested) {
  next_status_ = std::chrono::steady_clock::now() +
                 std::chrono::milliseconds(config_.status_update_interval_ms);
  return repl_->SendStatus(std::max(received_, confirmed_), confirmed_, reply_requested);
}

SourceInfo PostgresCdcSourceTask::StreamSourceInfo(const TableSchemas& table) const {
  SourceInfo info;
  info.name = config_.topic_prefix;
  info.db = config_.dbname;
  info.ts_us = PostgresMicrosToUnixMicros(begin_.commit_time);
  info.last_commit_lsn = position_.lsn_commit;
  info.schema = table.description().schema;
  info.table = table.description().table;
  info.tx_id = begin_.xid;
  info.lsn = position_.lsn;
  if (origin_) {
    info.origin = origin_->name;
    info.origin_lsn = origin_->commit_lsn;
  }
  return info;
}

Value PostgresCdcSourceTask::StreamSourceBlock(uint32_t oid, const TableSchemas& table) {
  const SourceBlockKey* key = source_block_key_ ? &*source_block_key_ : nullptr;
  if (key != nullptr && key->table.get() == &table && key->xid == begin_.xid &&
      key->commit_time == begin_.commit_time && key->lsn_commit == position_.lsn_commit &&
      !origin_) {
    return source_blocks_.GetWithLsn(position_.lsn);
  }
  source_block_key_.reset();
  auto captured = tables_.find(oid);
  if (!origin_ && captured != tables_.end() && captured->second.schemas.get() == &table) {
    source_block_key_ = SourceBlockKey{captured->second.schemas, begin_.xid, begin_.commit_time,
                                       position_.lsn_commit};
  }
  return source_blocks_.Get(StreamSourceInfo(table));
}

SourceRecord PostgresCdcSourceTask::MakeRecord(const std::string& topic, ChangeEvent event) {
  SourceRecord record;
  record.topic = topic;
  record.key_schema = std::move(event.key_schema);
  record.key = std::move(event.key);
  record.value_schema = std::move(event.value_schema);
  record.value = std::move(event.value);
  record.source_partition = partition_;
  // The offset is added by Poll to the last record of its batch only (see AttachOffset).
  record_position_ = position_;
  return record;
}

void PostgresCdcSourceTask::AttachOffset(std::vector<SourceRecord>& out) const {
  if (!out.empty() && out.back().source_offset.empty()) {
    out.back().source_offset = record_position_.ToOffset();
  }
}

Status PostgresCdcSourceTask::HandleChange(const PgoutputMessage& message, Lsn lsn,
                                           std::vector<SourceRecord>& out) {
  // Position bookkeeping happens for every change, emitted or not, so that counting changes at
  // one LSN gives the same result on every replay of the transaction.
  if (position_.lsn == lsn && position_.events_at_lsn > 0) {
    ++position_.events_at_lsn;
  } else {
    position_.lsn = lsn;
    position_.events_at_lsn = 1;
  }
  position_.message_type = MessageType(message);
  has_position_ = true;
  if (skipping_transaction_) return Status::Ok();
  if (resume_) {
    if (lsn < resume_->lsn ||
        (lsn == resume_->lsn && position_.events_at_lsn <= resume_->events_at_lsn)) {
      return Status::Ok();  // emitted before the restart
    }
    resume_.reset();
  }

  int64_t ts_ns = NowNanos();
  auto table_of = [&](uint32_t oid) -> Result<const TableSchemas*> {
    auto it = tables_.find(oid);
    if (it != tables_.end()) return it->second.captured ? it->second.schemas.get() : nullptr;
    const RelationMessage* rel = relations_.Find(oid);
    if (!rel) {
      return Status::DataError("pgoutput sent a change of relation " + std::to_string(oid) +
                               " without describing it first");
    }
    CapturedTable entry;
    entry.captured = config_.IncludesTable(rel->namespace_name, rel->name);
    if (entry.captured) {
      TRIBUTARY_ASSIGN_OR_RETURN(entry.schemas,
                                 DescribeTable(oid, rel->namespace_name, rel->name, &rel->columns));
    }
    auto [pos, inserted] = tables_.emplace(oid, std::move(entry));
    return pos->second.captured ? pos->second.schemas.get() : nullptr;
  };
  auto tx_block = [&](const TableSchemas& t) -> std::optional<TransactionBlock> {
    if (!config_.provide_transaction_metadata) return std::nullopt;
    TransactionBlock b;
    b.id = std::to_string(begin_.xid) + ":" + std::to_string(begin_.final_lsn);
    b.total_order = ++tx_total_order_;
    b.data_collection_order =
        ++tx_collection_order_[t.description().schema + "." + t.description().table];
    return b;
  };
  auto emit_begin = [&]() {
    if (!config_.provide_transaction_metadata || tx_begin_emitted_) return;
    tx_begin_emitted_ = true;
    std::string id = std::to_string(begin_.xid) + ":" + std::to_string(begin_.final_lsn);
    Struct key(TxKeySchema());
    (void)key.Put("id", Value::String(id));
    Struct value(TxValueSchema());
    (void)value.Put("status", Value::String("BEGIN"));
    (void)value.Put("id", Value::String(id));
    (void)value.Put("ts_ms", Value::Int64(PostgresMicrosToUnixMicros(begin_.commit_time) / 1000));
    out.push_back(MakeRecord(config_.transaction_topic,
                             ChangeEvent{TxKeySchema(), Value::StructValue(std::move(key)),
                                         TxValueSchema(), Value::StructValue(std::move(value))}));
  };

  if (const auto* ins = std::get_if<InsertMessage>(&message)) {
    TRIBUTARY_ASSIGN_OR_RETURN(const TableSchemas* t, table_of(ins->relation_oid));
    if (!t || config_.Skips('c')) return Status::Ok();
    emit_begin();
    TRIBUTARY_ASSIGN_OR_RETURN(Value after, t->RowFromTuple(ins->new_tuple));
    // The key from the row just converted when it holds every key column (the same conversion of
    // the same columns), instead of converting them again.
    Value key;
    if (t->keys_in_value()) {
      key = t->KeyFromRow(after);
    } else {
      TRIBUTARY_ASSIGN_OR_RETURN(key, t->KeyFromTuple(ins->new_tuple));
    }
    out.push_back(
        MakeRecord(t->data_collection(),
                   t->BuildEvent(Operation::kCreate, std::move(key), Value(), std::move(after),
                                 StreamSourceBlock(ins->relation_oid, *t), ts_ns, tx_block(*t))));
  } else if (const auto* upd = std::get_if<UpdateMessage>(&message)) {
    TRIBUTARY_ASSIGN_OR_RETURN(const TableSchemas* t, table_of(upd->relation_oid));
    if (!t || config_.Skips('u')) return Status::Ok();
    emit_begin();
    const TupleData* old = upd->old_kind == OldTupleKind::kNone ? nullptr : &upd->old_tuple;
    TRIBUTARY_ASSIGN_OR_RETURN(
        Value after,
        t->RowFromTuple(upd->new_tuple, OldTupleKind::kFull,
                        upd->old_kind == OldTupleKind::kFull ? &upd->old_tuple : nullptr));
    TRIBUTARY_ASSIGN_OR_RETURN(Value key, t->KeyFromTuple(upd->new_tuple));
    Value before;
    Value old_key = key;
    if (old) {
      TRIBUTARY_ASSIGN_OR_RETURN(before, t->RowFromTuple(*old, upd->old_kind));
      TRIBUTARY_ASSIGN_OR_RETURN(old_key, t->KeyFromTuple(*old));
    }
    Value source = StreamSourceBlock(upd->relation_oid, *t);
    if (t->key_schema() && old && old_key != key) {
      // A key change: delete of the old key (+ tombstone), create of the new one.
      SourceRecord del = MakeRecord(t->data_collection(),
                                    t->BuildEvent(Operation::kDelete, old_key, std::move(before),
                                                  Value(), source, ts_ns, tx_block(*t)));
      del.headers.push_back(Header{"__debezium.newkey", t->key_schema(), key});
      out.push_back(std::move(del));
      if (config_.tombstones_on_delete) {
        out.push_back(MakeRecord(t->data_collection(), t->BuildTombstone(old_key)));
      }
      SourceRecord create = MakeRecord(
          t->data_collection(), t->BuildEvent(Operation::kCreate, key, Value(), std::move(after),
                                              source, ts_ns, tx_block(*t)));
      create.headers.push_back(Header{"__debezium.oldkey", t->key_schema(), old_key});
      out.push_back(std::move(create));
    } else {
      out.push_back(MakeRecord(t->data_collection(),
                               t->BuildEvent(Operation::kUpdate, std::move(key), std::move(before),
                                             std::move(after), source, ts_ns, tx_block(*t))));
    }
  } else if (const auto* del = std::get_if<DeleteMessage>(&message)) {
    TRIBUTARY_ASSIGN_OR_RETURN(const TableSchemas* t, table_of(del->relation_oid));
    if (!t || config_.Skips('d')) return Status::Ok();
    emit_begin();
    TRIBUTARY_ASSIGN_OR_RETURN(Value before, t->RowFromTuple(del->old_tuple, del->old_kind));
    TRIBUTARY_ASSIGN_OR_RETURN(Value key, t->KeyFromTuple(del->old_tuple));
    out.push_back(
        MakeRecord(t->data_collection(),
                   t->BuildEvent(Operation::kDelete, key, std::move(before), Value(),
                                 StreamSourceBlock(del->relation_oid, *t), ts_ns, tx_block(*t))));
    if (config_.tombstones_on_delete) {
      out.push_back(MakeRecord(t->data_collection(), t->BuildTombstone(std::move(key))));
    }
  } else if (const auto* msg = std::get_if<LogicalMessage>(&message)) {
    if (!config_.IncludesMessagePrefix(msg->prefix)) return Status::Ok();
    emit_begin();
    out.push_back(MakeRecord(
        config_.topic_prefix + ".message",
        BuildMessageEvent(*msg, MessageSourceInfo(true), ts_ns, type_options_.binary_mode)));
  } else if (const auto* trunc = std::get_if<TruncateMessage>(&message)) {
    if (config_.Skips('t')) return Status::Ok();
    for (uint32_t oid : trunc->relation_oids) {
      TRIBUTARY_ASSIGN_OR_RETURN(const TableSchemas* t, table_of(oid));
      if (!t) continue;
      emit_begin();
      out.push_back(MakeRecord(t->data_collection(),
                               t->BuildTruncateEvent(StreamSourceInfo(*t), ts_ns, tx_block(*t))));
    }
  }
  return Status::Ok();
}

Status PostgresCdcSourceTask::HandleMessage(const XLogData& data, std::vector<SourceRecord>& out) {
  TRIBUTARY_ASSIGN_OR_RETURN(PgoutputMessage message, DecodePgoutput(data.payload));
  if (auto* begin = std::get_if<BeginMessage>(&message)) {
    in_transaction_ = true;
    begin_ = *begin;
    origin_.reset();
    tx_total_order_ = 0;
    tx_collection_order_.clear();
    tx_begin_emitted_ = false;
    position_.lsn_commit = begin_.final_lsn;
    position_.tx_id = begin_.xid;
    position_.ts_usec = PostgresMicrosToUnixMicros(begin_.commit_time);
    position_.events_at_lsn = 0;
    // Transactions before the resume point were emitted completely before a restart.
    skipping_transaction_ = resume_ && begin_.final_lsn < resume_->lsn_commit;
    if (resume_ && begin_.final_lsn > resume_->lsn_commit) resume_.reset();
    return Status::Ok();
  }
  if (auto* commit = std::get_if<CommitMessage>(&message)) {
    in_transaction_ = false;
    position_.lsn_commit = commit->end_lsn;
    position_.lsn = commit->end_lsn;
    position_.events_at_lsn = 0;
    position_.message_type = "COMMIT";
    has_position_ = true;
    if (resume_ && begin_.final_lsn == resume_->lsn_commit) resume_.reset();
    if (config_.provide_transaction_metadata && tx_begin_emitted_ && !skipping_transaction_) {
      std::string id = std::to_string(begin_.xid) + ":" + std::to_string(begin_.final_lsn);
      Struct key(TxKeySchema());
      (void)key.Put("id", Value::String(id));
      Value::Array collections;
      for (const auto& [name, count] : tx_collection_order_) {
        Struct c(TxCollectionSchema());
        (void)c.Put("data_collection", Value::String(name));
        (void)c.Put("event_count", Value::Int64(count));
        collections.push_back(Value::StructValue(std::move(c)));
      }
      Struct value(TxValueSchema());
      (void)value.Put("status", Value::String("END"));
      (void)value.Put("id", Value::String(id));
      (void)value.Put("event_count", Value::Int64(tx_total_order_));
      (void)value.Put("data_collections", Value::ArrayValue(std::move(collections)));
      (void)value.Put("ts_ms",
                      Value::Int64(PostgresMicrosToUnixMicros(commit->commit_time) / 1000));
      out.push_back(MakeRecord(config_.transaction_topic,
                               ChangeEvent{TxKeySchema(), Value::StructValue(std::move(key)),
                                           TxValueSchema(), Value::StructValue(std::move(value))}));
    }
    skipping_transaction_ = false;
    return Status::Ok();
  }
  if (auto* rel = std::get_if<RelationMessage>(&message)) {
    tables_.erase(rel->oid);  // rebuilt (schema re-read) at the next change
    relations_.Put(std::move(*rel));
    return Status::Ok();
  }
  if (auto* type = std::get_if<TypeMessage>(&message)) {
    type_cache_.erase(type->oid);
    relations_.PutType(std::move(*type));
    return Status::Ok();
  }
  if (auto* origin = std::get_if<OriginMessage>(&message)) {
    origin_ = *origin;
    return Status::Ok();
  }
  if (std::holds_alternative<InsertMessage>(message) ||
      std::holds_alternative<UpdateMessage>(message) ||
      std::holds_alternative<DeleteMessage>(message) ||
      std::holds_alternative<TruncateMessage>(message)) {
    if (!in_transaction_) return Status::DataError("pgoutput change outside a transaction");
    return HandleChange(message, data.wal_start, out);
  }
  if (const auto* msg = std::get_if<LogicalMessage>(&message)) {
    if (msg->transactional) {
      if (!in_transaction_) {
        return Status::DataError("pgoutput transactional message outside a transaction");
      }
      return HandleChange(message, data.wal_start, out);
    }
    return HandleNonTransactionalMessage(*msg, data.wal_start, out);
  }
  return Status::DataError(std::string("unexpected pgoutput message ") +
                           PgoutputMessageName(message) + " (protocol version 1 was requested)");
}

Status PostgresCdcSourceTask::HandleNonTransactionalMessage(const LogicalMessage& message, Lsn lsn,
                                                            std::vector<SourceRecord>& out) {
  // The server sends it as soon as it decodes it, never between a transaction's Begin and Commit
  // (protocol 1 does not stream transactions); it is sent again after a restart at or before
  // its LSN. Every transaction committed before it was received before it, so its LSN is a safe
  // restart point, and (lsn, events_at_lsn) skips what was already emitted there.
  if (in_transaction_) {
    return Status::DataError("pgoutput non-transactional message inside a transaction");
  }
  if (position_.lsn == lsn && position_.events_at_lsn > 0) {
    ++position_.events_at_lsn;
  } else {
    position_.lsn = lsn;
    position_.events_at_lsn = 1;
  }
  position_.lsn_commit = lsn;
  position_.message_type = "MESSAGE";
  position_.ts_usec = NowMicros();
  has_position_ = true;
  if (resume_) {
    if (lsn < resume_->lsn ||
        (lsn == resume_->lsn && position_.events_at_lsn <= resume_->events_at_lsn)) {
      return Status::Ok();  // emitted before the restart
    }
    resume_.reset();
  }
  if (!config_.IncludesMessagePrefix(message.prefix)) return Status::Ok();
  out.push_back(MakeRecord(
      config_.topic_prefix + ".message",
      BuildMessageEvent(message, MessageSourceInfo(false), NowNanos(), type_options_.binary_mode)));
  return Status::Ok();
}

SourceInfo PostgresCdcSourceTask::MessageSourceInfo(bool transactional) const {
  SourceInfo info;
  info.name = config_.topic_prefix;
  info.db = config_.dbname;
  info.last_commit_lsn = position_.lsn_commit;
  info.lsn = position_.lsn;
  if (transactional) {
    info.ts_us = PostgresMicrosToUnixMicros(begin_.commit_time);
    info.tx_id = begin_.xid;
    if (origin_) {
      info.origin = origin_->name;
      info.origin_lsn = origin_->commit_lsn;
    }
  } else {
    info.ts_us = position_.ts_usec;  // the connector's clock, as Debezium
  }
  return info;
}

void PostgresCdcSourceTask::MaybeHeartbeat(std::vector<SourceRecord>& out) {
  if (config_.heartbeat_interval_ms <= 0 || in_transaction_) return;
  auto now = std::chrono::steady_clock::now();
  if (now < next_heartbeat_) return;
  next_heartbeat_ = now + std::chrono::milliseconds(config_.heartbeat_interval_ms);
  if (!config_.heartbeat_action_query.empty() && sql_) {
    auto r = sql_->Exec(config_.heartbeat_action_query);
    if (!r.ok()) {
      spdlog::warn("postgres-cdc {}: heartbeat.action.query failed: {}", config_.topic_prefix,
                   r.status().ToString());
    }
  }
  // With nothing in flight, the server's keepalive position is safe to resume from: every
  // transaction committed before it has been received.
  if (keepalive_end_ > position_.lsn_commit && !resume_) {
    position_.lsn_commit = keepalive_end_;
    position_.lsn = keepalive_end_;
    position_.events_at_lsn = 0;
    position_.message_type = "COMMIT";
    has_position_ = true;
  }
  if (!has_position_) return;
  ChangeEvent hb = BuildHeartbeat(config_.topic_prefix, NowMicros() / 1000);
  out.push_back(MakeRecord(config_.heartbeat_topic, std::move(hb)));
}

Result<std::vector<SourceRecord>> PostgresCdcSourceTask::Poll() {
  std::vector<SourceRecord> out;
  int64_t wait_ms = std::min<int64_t>(config_.poll_interval_ms, kMaxPollWaitMs);
  if (phase_ == Phase::kDone) {
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    return out;
  }
  if (phase_ == Phase::kSnapshot) {
    while (phase_ == Phase::kSnapshot &&
           static_cast<int64_t>(out.size()) < config_.max_batch_size) {
      Status st = SnapshotStep(out);
      if (!st.ok()) return st.WithRetriable(false).WithContext("snapshot");
    }
    return out;
  }
  if (!streaming_) {
    auto now = std::chrono::steady_clock::now();
    if (needs_reconnect_ && now < next_reconnect_) {
      std::this_thread::sleep_for(
          std::min(std::chrono::milliseconds(wait_ms),
                   std::chrono::duration_cast<std::chrono::milliseconds>(next_reconnect_ - now)));
      return out;
    }
    Status st = needs_reconnect_ ? Reconnect() : StartStreaming();
    if (!st.ok()) {
      if (!st.retriable()) return st;
      ++failures_;
      if (failures_ > config_.max_retries) {
        return st.WithRetriable(false).WithContext("giving up after " + std::to_string(failures_) +
                                                   " reconnect attempts");
      }
      int64_t delay =
          std::min(kMaxReconnectDelayMs, config_.retry_delay_ms << std::min(failures_ - 1, 16));
      spdlog::warn("postgres-cdc {}: {}; reconnecting in {} ms", config_.topic_prefix,
                   st.ToString(), delay);
      needs_reconnect_ = true;
      next_reconnect_ = now + std::chrono::milliseconds(delay);
      Disconnect();
      return out;
    }
    needs_reconnect_ = false;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  Status failure;
  if (Lsn stored = stored_commit_lsn_.load(); stored > confirmed_) {
    confirmed_ = stored;
    failure = SendStatus(false);
  }
  while (failure.ok() && static_cast<int64_t>(out.size()) < config_.max_batch_size) {
    // Once there is something to return, only take what is already there (and skip the clock).
    auto timeout = std::chrono::milliseconds(0);
    if (out.empty()) {
      auto now = std::chrono::steady_clock::now();
      if (now < deadline) {
        timeout = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
      }
    }
    auto read = repl_->Read(timeout);
    if (!read.ok()) {
      failure = read.status();
      break;
    }
    if (!*read) break;
    auto decoded = DecodeCopyData(**read);
    if (!decoded.ok()) return decoded.status();
    if (auto* ka = std::get_if<PrimaryKeepalive>(&*decoded)) {
      received_ = std::max(received_, ka->wal_end);
      if (!in_transaction_) keepalive_end_ = std::max(keepalive_end_, ka->wal_end);
      if (ka->reply_requested) {
        failure = SendStatus(false);
        if (!failure.ok()) break;
      }
      continue;
    }
    const auto& data = std::get<XLogData>(*decoded);
    received_ = std::max(received_, data.wal_start);
    // Room for a full batch (up to 4096 records) once there is data, not on idle polls: growing
    // the vector moved every record about once more.
    if (out.capacity() == 0) {
      out.reserve(static_cast<size_t>(std::min<int64_t>(config_.max_batch_size, 4096)) + 2);
    }
    Status st = HandleMessage(data, out);
    if (!st.ok()) return st.WithRetriable(false);
  }
  if (failure.ok() && std::chrono::steady_clock::now() >= next_status_) failure = SendStatus(false);
  if (failure.ok()) MaybeHeartbeat(out);
  if (!failure.ok()) {
    if (!failure.retriable()) return failure;
    spdlog::warn("postgres-cdc {}: replication connection lost: {}", config_.topic_prefix,
                 failure.ToString());
    Disconnect();
    needs_reconnect_ = true;
    ++failures_;
    next_reconnect_ =
        std::chrono::steady_clock::now() +
        std::chrono::milliseconds(std::min(kMaxReconnectDelayMs, config_.retry_delay_ms));
    // Records already decoded are handed over: their offsets are consistent and the reconnect
    // resumes after them.
  }
  AttachOffset(out);
  return out;
}

Status PostgresCdcSourceTask::Commit() {
  if (!context()) return Status::Ok();
  std::optional<SourceMap> stored = context()->offset_storage_reader().Offset(partition_);
  if (!stored) return Status::Ok();
  bool in_snapshot = stored->count("snapshot") > 0 && !OffsetBool(*stored, "last_snapshot_record");
  if (in_snapshot) return Status::Ok();
  auto commit = OffsetInt(*stored, "lsn_commit");
  if (!commit || *commit <= 0) return Status::Ok();
  // Poll confirms it to the slot: the replication connection belongs to the poll thread.
  Lsn lsn = static_cast<Lsn>(*commit);
  Lsn seen = stored_commit_lsn_.load();
  while (lsn > seen && !stored_commit_lsn_.compare_exchange_weak(seen, lsn)) {
  }
  return Status::Ok();
}

void PostgresCdcSourceTask::Stop() {
  bool drop = config_.slot_drop_on_stop && !config_.slot_name.empty();
  repl_.reset();
  streaming_ = false;
  snapshot_exporter_.reset();
  if (drop && sql_) {
    // The walsender releases the slot shortly after the connection closes.
    for (int attempt = 0; attempt < 50; ++attempt) {
      auto r = sql_->ExecParams(
          "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
          "WHERE slot_name = $1",
          {config_.slot_name});
      if (r.ok()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  sql_.reset();
}

}  // namespace tributary::connectors::pgcdc
