// Debezium's io.debezium.transforms.ExtractNewRecordState ("unwrap"): replaces a change-event
// envelope {before, after, source, op, ts_ms} with the row state, handles deletes and tombstones,
// and optionally copies envelope metadata into fields or headers.
#include <map>

#include "runtime/transforms/transforms_internal.h"

namespace tributary::runtime::transforms {

namespace {

enum class DeleteAction { kDrop, kTombstone, kRewrite };

class ExtractNewRecordState : public Transformation {
 public:
  const ConfigDef& Definition() const override {
    static const ConfigDef def = [] {
      ConfigDef d;
      d.Define("delete.tombstone.handling.mode", ConfigType::kString, kNullDefault,
               Importance::kMedium,
               "How to handle delete events and tombstones: drop (drop both), tombstone (drop "
               "delete events, keep tombstones; the default), rewrite (value of the delete is "
               "`before` with __deleted=true; tombstones dropped), rewrite-with-tombstone "
               "(rewrite, and keep tombstones), delete-to-tombstone (delete events become "
               "tombstones; original tombstones dropped).",
               validators::OneOf({"drop", "tombstone", "rewrite", "rewrite-with-tombstone",
                                  "delete-to-tombstone"}),
               "[drop, tombstone, rewrite, rewrite-with-tombstone, delete-to-tombstone]");
      d.Define("delete.handling.mode", ConfigType::kString, kNullDefault, Importance::kMedium,
               "Deprecated: drop, none or rewrite; use delete.tombstone.handling.mode.",
               validators::OneOf({"drop", "none", "rewrite"}), "[drop, none, rewrite]");
      d.Define("drop.tombstones", ConfigType::kBoolean, kNullDefault, Importance::kLow,
               "Deprecated: drop tombstones (default true with delete.handling.mode); use "
               "delete.tombstone.handling.mode.");
      d.Define("add.fields", ConfigType::kList, "", Importance::kLow,
               "Envelope or source fields to add to the value (op, ts_ms, table, lsn, db, "
               "schema, source.ts_ms, …), named with add.fields.prefix; dots become "
               "underscores.");
      d.Define("add.fields.prefix", ConfigType::kString, "__", Importance::kLow,
               "Prefix of the added fields.");
      d.Define("add.headers", ConfigType::kList, "", Importance::kLow,
               "Envelope or source fields to add as headers, named with add.headers.prefix.");
      d.Define("add.headers.prefix", ConfigType::kString, "__", Importance::kLow,
               "Prefix of the added headers.");
      return d;
    }();
    return def;
  }

  Status Configure(const ConfigMap& configs) override {
    TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig c, Definition().Parse(configs));
    std::string mode = c.GetString("delete.tombstone.handling.mode");
    if (mode.empty() && (c.Has("delete.handling.mode") || c.Has("drop.tombstones"))) {
      const std::string legacy =
          c.Has("delete.handling.mode") ? c.GetString("delete.handling.mode") : "drop";
      action_ = legacy == "rewrite" ? DeleteAction::kRewrite
                : legacy == "none"  ? DeleteAction::kTombstone
                                    : DeleteAction::kDrop;
      keep_tombstones_ = c.Has("drop.tombstones") ? !c.GetBool("drop.tombstones") : false;
    } else {
      if (mode.empty()) mode = "tombstone";
      action_ = mode == "drop" || mode == "tombstone" ? DeleteAction::kDrop
                : mode == "delete-to-tombstone"       ? DeleteAction::kTombstone
                                                      : DeleteAction::kRewrite;
      keep_tombstones_ = mode == "tombstone" || mode == "rewrite-with-tombstone";
    }
    add_fields_ = c.GetList("add.fields");
    fields_prefix_ = c.GetString("add.fields.prefix");
    add_headers_ = c.GetList("add.headers");
    headers_prefix_ = c.GetString("add.headers.prefix");
    return Status::Ok();
  }

  Result<bool> Apply(ConnectRecord& record, std::optional<int64_t>) override {
    if (record.value.is_null()) return keep_tombstones_;
    const bool with_schema = record.value_schema != nullptr;
    const Value* op = Get(record.value, "op");
    if (op == nullptr || op->kind() != ValueKind::kString ||
        (!HasField(record, "after") && !HasField(record, "before"))) {
      return true;  // not a change event (heartbeat, schema change): pass through
    }
    const bool is_delete = op->as_string() == "d";
    // Metadata is read before the envelope is replaced.
    std::vector<std::pair<std::string, std::pair<SchemaPtr, Value>>> added_fields, added_headers;
    for (const auto& name : add_fields_) {
      added_fields.push_back({fields_prefix_ + Underscored(name), Metadata(record, name)});
    }
    for (const auto& name : add_headers_) {
      added_headers.push_back({headers_prefix_ + Underscored(name), Metadata(record, name)});
    }
    for (auto& [name, sv] : added_headers) {
      record.headers.push_back({name, sv.first, sv.second});
    }
    if (is_delete) {
      if (action_ == DeleteAction::kDrop) return false;
      if (action_ == DeleteAction::kTombstone) {
        record.value = Value();
        record.value_schema = nullptr;
        return true;
      }
    }
    const char* state = is_delete ? "before" : "after";
    SchemaPtr state_schema;
    if (with_schema) {
      const Field* f = record.value_schema->FindField(state);
      if (!f) return Status::DataError(std::string("Change event has no '") + state + "' field");
      state_schema = f->schema;
    }
    Value state_value = *Get(record.value, state);
    if (action_ == DeleteAction::kRewrite) {
      added_fields.push_back(
          {"__deleted", {schemas::OptionalString(), Value::String(is_delete ? "true" : "false")}});
    }
    if (added_fields.empty() || state_value.is_null()) {
      record.value_schema = state_schema;
      record.value = std::move(state_value);
      return true;
    }
    if (!with_schema) {
      TRIBUTARY_RETURN_IF_ERROR(RequireMap(state_value, "adding change event fields"));
      for (auto& [name, sv] : added_fields) PutInMap(state_value.as_map(), name, sv.second);
      record.value_schema = nullptr;
      record.value = std::move(state_value);
      return true;
    }
    TRIBUTARY_RETURN_IF_ERROR(
        RequireStruct(state_schema, state_value, "adding change event fields"));
    if (state_schema != cached_in_) {
      SchemaBuilder builder = CopySchemaBasics(*state_schema);
      for (const Field& f : state_schema->fields()) builder.AddField(f.name, f.schema);
      for (auto& [name, sv] : added_fields) {
        builder.AddField(name, sv.first ? sv.first : schemas::OptionalString());
      }
      TRIBUTARY_ASSIGN_OR_RETURN(cached_out_, builder.Build());
      cached_in_ = state_schema;
    }
    const Struct& in = state_value.as_struct();
    Struct out(cached_out_);
    for (const Field& f : state_schema->fields()) {
      TRIBUTARY_RETURN_IF_ERROR(out.Put(f.name, in.Get(f.index)));
    }
    for (auto& [name, sv] : added_fields) TRIBUTARY_RETURN_IF_ERROR(out.Put(name, sv.second));
    record.value_schema = cached_out_;
    record.value = Value::StructValue(std::move(out));
    return true;
  }

 private:
  static std::string Underscored(std::string name) {
    for (char& c : name) {
      if (c == '.') c = '_';
    }
    return name;
  }
  static const Value* Get(const Value& v, std::string_view name) {
    if (v.kind() == ValueKind::kStruct) return v.as_struct().Get(name);
    if (v.kind() == ValueKind::kMap) return v.Find(name);
    return nullptr;
  }
  static bool HasField(const ConnectRecord& r, const char* name) {
    if (r.value_schema) {
      return r.value_schema->type() == SchemaType::kStruct && r.value_schema->FindField(name);
    }
    return Get(r.value, name) != nullptr;
  }
  // The envelope field `name` (op, ts_ms, …) or the source block's (`source.x` or plain `x`),
  // with an optional version of its schema; null when absent.
  static std::pair<SchemaPtr, Value> Metadata(const ConnectRecord& r, const std::string& name) {
    std::string_view field = name;
    const Value* container = &r.value;
    SchemaPtr container_schema = r.value_schema;
    bool from_source = field.rfind("source.", 0) == 0;
    if (from_source) field.remove_prefix(7);
    if (!from_source && Get(r.value, field) == nullptr) from_source = true;
    if (from_source) {
      container = Get(r.value, "source");
      if (container_schema) {
        const Field* f = container_schema->FindField("source");
        container_schema = f ? f->schema : nullptr;
      }
    }
    const Value* v = container ? Get(*container, field) : nullptr;
    SchemaPtr schema;
    if (container_schema && container_schema->type() == SchemaType::kStruct) {
      if (const Field* f = container_schema->FindField(field)) {
        schema = f->schema->optional() ? f->schema : Optionalize(*f->schema);
      }
    }
    if (r.value_schema && !schema) schema = schemas::OptionalString();
    return {schema, v ? *v : Value()};
  }
  static SchemaPtr Optionalize(const Schema& s) {
    if (!IsPrimitive(s.type())) return nullptr;
    SchemaBuilder b = CopySchemaBasics(s);
    b.Optional();
    return b.BuildOrDie();
  }

  DeleteAction action_ = DeleteAction::kDrop;
  bool keep_tombstones_ = true;
  std::vector<std::string> add_fields_, add_headers_;
  std::string fields_prefix_, headers_prefix_;
  SchemaPtr cached_in_, cached_out_;
};

}  // namespace

std::unique_ptr<Transformation> NewExtractNewRecordState() {
  return std::make_unique<ExtractNewRecordState>();
}

}  // namespace tributary::runtime::transforms
