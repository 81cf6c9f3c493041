// Transforms that reshape the key or value: InsertField, ReplaceField, ExtractField, HoistField,
// MaskField, ValueToKey, SetSchemaMetadata, Flatten. Each works on Structs with a schema and on
// schemaless maps, as Connect's do. Output schemas are cached per input schema (a record stream
// nearly always repeats one schema).
#include <algorithm>
#include <map>
#include <set>

#include "runtime/converters/java_format.h"
#include "runtime/transforms/transforms_internal.h"

namespace tributary::runtime::transforms {

namespace {

const ConfigKey kReplaceNullWithDefault{
    "replace.null.with.default",
    ConfigType::kBoolean,
    "true",
    false,
    Importance::kMedium,
    "Whether to replace fields that have a default value and that are null to the default value. "
    "When set to true, the default value is used, otherwise null is used."};

// Remembers the output schema for the last input schema.
class SchemaCache {
 public:
  template <typename Make>
  Result<SchemaPtr> Get(const SchemaPtr& in, Make make) {
    if (in_ && in_ == in) return out_;
    TRIBUTARY_ASSIGN_OR_RETURN(SchemaPtr out, make());
    in_ = in;
    out_ = out;
    return out;
  }

 private:
  SchemaPtr in_;
  SchemaPtr out_;
};

// The field value, replaced by the field's default when null and `replace_null` is on.
Value FieldValue(const Struct& s, const Field& f, bool replace_null) {
  const Value& v = s.Get(f.index);
  if (v.is_null() && replace_null && f.schema->default_value()) return *f.schema->default_value();
  return v;
}

// ---------------------------------------------------------------------------------------------
class InsertField : public Transformation {
 public:
  explicit InsertField(bool key) : key_(key) {}
  const ConfigDef& Definition() const override {
    static const ConfigDef def = [] {
      ConfigDef d;
      const char* suffix =
          " Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep "
          "it optional (the default).";
      d.Define("topic.field", ConfigType::kString, kNullDefault, Importance::kMedium,
               std::string("Field name for Kafka topic.") + suffix);
      d.Define("partition.field", ConfigType::kString, kNullDefault, Importance::kMedium,
               std::string("Field name for Kafka partition.") + suffix);
      d.Define("offset.field", ConfigType::kString, kNullDefault, Importance::kMedium,
               std::string("Field name for Kafka offset - only applicable to sink connectors.") +
                   suffix);
      d.Define("timestamp.field", ConfigType::kString, kNullDefault, Importance::kMedium,
               std::string("Field name for record timestamp.") + suffix);
      d.Define("static.field", ConfigType::kString, kNullDefault, Importance::kMedium,
               std::string("Field name for static data field.") + suffix);
      d.Define("static.value", ConfigType::kString, kNullDefault, Importance::kMedium,
               "Static field value, if field name configured.");
      d.Define(kReplaceNullWithDefault);
      return d;
    }();
    return def;
  }
  Status Configure(const ConfigMap& configs) override {
    TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig c, Definition().Parse(configs));
    auto spec = [&](const char* name) -> std::optional<Spec> {
      if (!c.Has(name) || c.GetString(name).empty()) return std::nullopt;
      std::string text = c.GetString(name);
      bool optional = true;
      if (text.back() == '!' || text.back() == '?') {
        optional = text.back() == '?';
        text.pop_back();
      }
      return Spec{text, optional};
    };
    topic_ = spec("topic.field");
    partition_ = spec("partition.field");
    offset_ = spec("offset.field");
    timestamp_ = spec("timestamp.field");
    static_ = spec("static.field");
    static_value_ = c.GetString("static.value");
    if (!topic_ && !partition_ && !offset_ && !timestamp_ && !static_) {
      return Status::InvalidConfig(
          "No field insertion configured: set at least one of topic.field, partition.field, "
          "offset.field, timestamp.field, static.field");
    }
    return Status::Ok();
  }

  Result<bool> Apply(ConnectRecord& record, std::optional<int64_t> kafka_offset) override {
    SchemaPtr& schema = OperandSchema(record, key_);
    Value& value = OperandValue(record, key_);
    if (value.is_null()) return true;  // tombstones pass through, as in Connect
    if (offset_ && !kafka_offset) {
      return Status::DataError(
          "Only SinkRecord supported for [field insertion] with offset.field, found: "
          "SourceRecord");
    }
    Value partition =
        record.kafka_partition ? Value::Int32(*record.kafka_partition) : Value::Null();
    Value offset = kafka_offset ? Value::Int64(*kafka_offset) : Value::Null();
    Value timestamp = record.timestamp ? Value::Int64(*record.timestamp) : Value::Null();
    if (!schema) {
      TRIBUTARY_RETURN_IF_ERROR(RequireMap(value, "field insertion"));
      Value::Map& map = value.as_map();
      if (topic_) PutInMap(map, topic_->name, Value::String(record.topic));
      if (partition_) PutInMap(map, partition_->name, partition);
      if (offset_) PutInMap(map, offset_->name, offset);
      if (timestamp_) PutInMap(map, timestamp_->name, timestamp);
      if (static_) PutInMap(map, static_->name, Value::String(static_value_));
      return true;
    }
    TRIBUTARY_RETURN_IF_ERROR(RequireStruct(schema, value, "field insertion"));
    TRIBUTARY_ASSIGN_OR_RETURN(SchemaPtr updated,
                               cache_.Get(schema, [&] { return Extend(*schema); }));
    const Struct& in = value.as_struct();
    Struct out(updated);
    for (const Field& f : schema->fields()) {
      TRIBUTARY_RETURN_IF_ERROR(out.Put(f.name, FieldValue(in, f, replace_null_)));
    }
    if (topic_) TRIBUTARY_RETURN_IF_ERROR(out.Put(topic_->name, Value::String(record.topic)));
    if (partition_) TRIBUTARY_RETURN_IF_ERROR(out.Put(partition_->name, partition));
    if (offset_) TRIBUTARY_RETURN_IF_ERROR(out.Put(offset_->name, offset));
    if (timestamp_) TRIBUTARY_RETURN_IF_ERROR(out.Put(timestamp_->name, timestamp));
    if (static_) TRIBUTARY_RETURN_IF_ERROR(out.Put(static_->name, Value::String(static_value_)));
    TRIBUTARY_RETURN_IF_ERROR(out.Validate());
    schema = updated;
    value = Value::StructValue(std::move(out));
    return true;
  }

 private:
  struct Spec {
    std::string name;
    bool optional = true;
  };
  Result<SchemaPtr> Extend(const Schema& schema) {
    SchemaBuilder builder = CopySchemaBasics(schema);
    for (const Field& f : schema.fields()) builder.AddField(f.name, f.schema);
    auto add = [&](const std::optional<Spec>& spec, SchemaBuilder type) {
      if (!spec) return;
      if (spec->optional) type.Optional();
      builder.AddField(spec->name, type.BuildOrDie());
    };
    add(topic_, SchemaBuilder::String());
    add(partition_, SchemaBuilder::Int32());
    add(offset_, SchemaBuilder::Int64());
    add(timestamp_, Timestamp::Builder());
    add(static_, SchemaBuilder::String());
    return builder.Build();
  }

  bool key_;
  std::optional<Spec> topic_, partition_, offset_, timestamp_, static_;
  std::string static_value_;
  bool replace_null_ = true;
  SchemaCache cache_;
};

// ---------------------------------------------------------------------------------------------
class ReplaceField : public Transformation {
 public:
  explicit ReplaceField(bool key) : key_(key) {}
  const ConfigDef& Definition() const override {
    static const ConfigDef def = [] {
      ConfigDef d;
      d.Define("exclude", ConfigType::kList, "", Importance::kMedium,
               "Fields to exclude. This takes precedence over the fields to include.");
      d.Define("include", ConfigType::kList, "", Importance::kMedium,
               "Fields to include. If specified, only these fields will be used.");
      d.Define(
          "renames", ConfigType::kList, "", Importance::kMedium, "Field rename mappings.",
          [](const ConfigValue& v) -> std::optional<std::string> {
            for (const auto& item : std::get<std::vector<std::string>>(v)) {
              auto colon = item.find(':');
              if (colon == std::string::npos || colon == 0 || colon + 1 == item.size() ||
                  item.find(':', colon + 1) != std::string::npos) {
                return "Invalid rename mapping: " + item;
              }
            }
            return std::nullopt;
          },
          "list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>");
      d.Define(kReplaceNullWithDefault);
      return d;
    }();
    return def;
  }
  Status Configure(const ConfigMap& configs) override {
    TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig c, Definition().Parse(configs));
    for (const auto& f : c.GetList("exclude")) exclude_.insert(f);
    for (const auto& f : c.GetList("include")) include_.insert(f);
    for (const auto& item : c.GetList("renames")) {
      auto colon = item.find(':');
      renames_[item.substr(0, colon)] = item.substr(colon + 1);
    }
    replace_null_ = c.GetBool("replace.null.with.default");
    return Status::Ok();
  }
  Result<bool> Apply(ConnectRecord& record, std::optional<int64_t>) override {
    SchemaPtr& schema = OperandSchema(record, key_);
    Value& value = OperandValue(record, key_);
    if (value.is_null()) return true;
    if (!schema) {
      TRIBUTARY_RETURN_IF_ERROR(RequireMap(value, "field replacement"));
      Value::Map out;
      for (MapEntry& e : value.as_map()) {
        if (e.key.kind() != ValueKind::kString || !Keep(e.key.as_string())) continue;
        out.push_back({Value::String(Renamed(e.key.as_string())), std::move(e.value)});
      }
      value = Value::MapValue(std::move(out));
      return true;
    }
    TRIBUTARY_RETURN_IF_ERROR(RequireStruct(schema, value, "field replacement"));
    TRIBUTARY_ASSIGN_OR_RETURN(SchemaPtr updated, cache_.Get(schema, [&]() -> Result<SchemaPtr> {
      SchemaBuilder builder = CopySchemaBasics(*schema);
      for (const Field& f : schema->fields()) {
        if (Keep(f.name)) builder.AddField(Renamed(f.name), f.schema);
      }
      return builder.Build();
    }));
    const Struct& in = value.as_struct();
    Struct out(updated);
    for (const Field& f : schema->fields()) {
      if (!Keep(f.name)) continue;
      TRIBUTARY_RETURN_IF_ERROR(out.Put(Renamed(f.name), FieldValue(in, f, replace_null_)));
    }
    schema = updated;
    value = Value::StructValue(std::move(out));
    return true;
  }

 private:
  bool Keep(const std::string& name) const {
    return !exclude_.count(name) && (include_.empty() || include_.count(name));
  }
  std::string Renamed(const std::string& name) const {
    auto it = renames_.find(name);
    return it == renames_.end() ? name : it->second;
  }
  bool key_;
  std::set<std::string> exclude_, include_;
  std::map<std::string, std::string> renames_;
  bool replace_null_ = true;
  SchemaCache cache_;
};

// ---------------------------------------------------------------------------------------------
// Field paths: V1 takes the name literally; V2 splits on dots (KIP-821), with backticks quoting a
// name that contains dots.
std::vector<std::string> ParseFieldPath(const std::string& text, bool v2) {
  if (!v2) return {text};
  std::vector<std::string> path;
  std::string current;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '`') {
      quoted = !quoted;
    } else if (c == '.' && !quoted) {
      path.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  path.push_back(current);
  return path;
}

ConfigKey FieldSyntaxVersionKey() {
  ConfigKey key{"field.syntax.version",
                ConfigType::kString,
                "V1",
                false,
                Importance::kHigh,
                "Defines the version of the syntax to access fields. If set to `V1`, then the "
                "field paths are limited to access the elements at the root level of the struct "
                "or map. If set to `V2`, the syntax will support accessing nested elements."};
  key.validator = validators::OneOf({"V1", "V2"});
  key.valid_values = "[V1, V2]";
  return key;
}

class ExtractField : public Transformation {
 public:
  explicit ExtractField(bool key) : key_(key) {}
  const ConfigDef& Definition() const override {
    static const ConfigDef def = [] {
      ConfigDef d;
      d.Define("field", ConfigType::kString, kNoDefault, Importance::kMedium,
               "Field name to extract.", validators::NonEmptyString());
      d.Define(FieldSyntaxVersionKey());
      d.Define(kReplaceNullWithDefault);
      return d;
    }();
    return def;
  }
  Status Configure(const ConfigMap& configs) override {
    TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig c, Definition().Parse(configs));
    field_ = c.GetString("field");
    bool v2 =
        c.GetString("field.syntax.version") == "V2" || c.GetString("field.syntax.version") == "v2";
    path_ = ParseFieldPath(field_, v2);
    replace_null_ = c.GetBool("replace.null.with.default");
    return Status::Ok();
  }
  Result<bool> Apply(ConnectRecord& record, std::optional<int64_t>) override {
    SchemaPtr& schema = OperandSchema(record, key_);
    Value& value = OperandValue(record, key_);
    if (!schema) {
      if (value.is_null()) return true;
      TRIBUTARY_RETURN_IF_ERROR(RequireMap(value, "field extraction"));
      Value current = value;
      for (const std::string& name : path_) {
        if (current.kind() != ValueKind::kMap) {
          current = Value();
          break;
        }
        Value* next = FindInMap(current.as_map(), name);
        current = next ? *next : Value();
      }
      value = std::move(current);
      return true;
    }
    if (!value.is_null())
      TRIBUTARY_RETURN_IF_ERROR(RequireStruct(schema, value, "field extraction"));
    SchemaPtr field_schema = schema;
    Value current = value;
    for (const std::string& name : path_) {
      const Field* f =
          field_schema->type() == SchemaType::kStruct ? field_schema->FindField(name) : nullptr;
      if (!f) return Status::DataError("Unknown field: " + field_);
      field_schema = f->schema;
      if (!current.is_null()) current = FieldValue(current.as_struct(), *f, replace_null_);
    }
    schema = field_schema;
    value = std::move(current);
    return true;
  }

 private:
  bool key_;
  std::string field_;
  std::vector<std::string> path_;
  bool replace_null_ = true;
};

// ---------------------------------------------------------------------------------------------
class HoistField : public Transformation {
 public:
  explicit HoistField(bool key) : key_(key) {}
  const ConfigDef& Definition() const override {
    static const ConfigDef def = [] {
      ConfigDef d;
      d.Define("field", ConfigType::kString, kNoDefault, Importance::kMedium,
               "Field name for the single field that will be created in the resulting Struct or "
               "Map.");
      return d;
    }();
    return def;
  }
  Status Configure(const ConfigMap& configs) override {
    TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig c, Definition().Parse(configs));
    field_ = c.GetString("field");
    return Status::Ok();
  }
  Result<bool> Apply(ConnectRecord& record, std::optional<int64_t>) override {
    SchemaPtr& schema = OperandSchema(record, key_);
    Value& value = OperandValue(record, key_);
    if (!schema) {
      Value::Map map;
      map.push_back({Value::String(field_), std::move(value)});
      value = Value::MapValue(std::move(map));
      return true;
    }
    TRIBUTARY_ASSIGN_OR_RETURN(SchemaPtr updated, cache_.Get(schema, [&] {
      return SchemaBuilder::Struct().AddField(field_, schema).Build();
    }));
    Struct out(updated);
    TRIBUTARY_RETURN_IF_ERROR(out.Put(field_, std::move(value)));
    schema = updated;
    value = Value::StructValue(std::move(out));
    return true;
  }

 private:
  bool key_;
  std::string field_;
  SchemaCache cache_;
};

// ---------------------------------------------------------------------------------------------
class MaskField : public Transformation {
 public:
  explicit MaskField(bool key) : key_(key) {}
  const ConfigDef& Definition() const override {
    static const ConfigDef def = [] {
      ConfigDef d;
      d.Define("fields", ConfigType::kList, kNoDefault, Importance::kHigh,
               "Names of fields to mask.", [](const ConfigValue& v) -> std::optional<std::string> {
                 if (std::get<std::vector<std::string>>(v).empty()) return "Empty list";
                 return std::nullopt;
               });
      d.Define("replacement", ConfigType::kString, kNullDefault, Importance::kLow,
               "Custom value replacement, that will be applied to all 'fields' values (numeric "
               "or non-empty string values only).");
      d.Define(kReplaceNullWithDefault);
      return d;
    }();
    return def;
  }
  Status Configure(const ConfigMap& configs) override {
    TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig c, Definition().Parse(configs));
    for (const auto& f : c.GetList("fields")) fields_.insert(f);
    if (c.Has("replacement")) {
      if (c.GetString("replacement").empty()) {
        return Status::InvalidConfig(
            "Invalid value  for configuration replacement: String must be non-empty");
      }
      replacement_ = c.GetString("replacement");
    }
    return Status::Ok();
  }
  Result<bool> Apply(ConnectRecord& record, std::optional<int64_t>) override {
    SchemaPtr& schema = OperandSchema(record, key_);
    Value& value = OperandValue(record, key_);
    if (value.is_null()) return true;
    if (!schema) {
      TRIBUTARY_RETURN_IF_ERROR(RequireMap(value, "mask fields"));
      for (MapEntry& e : value.as_map()) {
        if (e.key.kind() == ValueKind::kString && fields_.count(e.key.as_string())) {
          TRIBUTARY_ASSIGN_OR_RETURN(e.value, Masked(e.value, nullptr));
        }
      }
      return true;
    }
    TRIBUTARY_RETURN_IF_ERROR(RequireStruct(schema, value, "mask fields"));
    const Struct& in = value.as_struct();
    Struct out(schema);
    for (const Field& f : schema->fields()) {
      Value v = in.Get(f.index);
      if (fields_.count(f.name)) {
        TRIBUTARY_ASSIGN_OR_RETURN(v, Masked(v, f.schema.get()));
      }
      TRIBUTARY_RETURN_IF_ERROR(out.Put(f.name, std::move(v)));
    }
    value = Value::StructValue(std::move(out));
    return true;
  }

 private:
  Result<Value> Masked(const Value& v, const Schema* schema) const {
    if (v.is_null()) return Value();
    if (replacement_) return Replaced(v);
    switch (v.kind()) {
      case ValueKind::kBoolean:
        return Value::Boolean(false);
      case ValueKind::kInt8:
        return Value::Int8(0);
      case ValueKind::kInt16:
        return Value::Int16(0);
      case ValueKind::kInt32:
        return Value::Int32(0);
      case ValueKind::kInt64:
        return Value::Int64(0);
      case ValueKind::kFloat32:
        return Value::Float32(0);
      case ValueKind::kFloat64:
        return Value::Float64(0);
      case ValueKind::kString:
        return Value::String("");
      case ValueKind::kBytes:
        return Value::BytesValue({});
      case ValueKind::kArray:
        return Value::ArrayValue({});
      case ValueKind::kMap:
        return Value::MapValue({});
      case ValueKind::kDecimal:
        return Value::DecimalValue({"0", v.as_decimal().scale});
      default:
        return Status::DataError(std::string("Cannot mask value of type ") +
                                 runtime::ValueKindText(v.kind()));
    }
  }
  Result<Value> Replaced(const Value& v) const {
    const std::string& r = *replacement_;
    auto fail = [&] {
      return Status::DataError("Unable to convert " + r + " (" + r + ") to number");
    };
    try {
      size_t used = 0;
      switch (v.kind()) {
        case ValueKind::kString:
          return Value::String(r);
        case ValueKind::kInt8:
        case ValueKind::kInt16:
        case ValueKind::kInt32:
        case ValueKind::kInt64: {
          long long n = std::stoll(r, &used);
          if (used != r.size()) return fail();
          if (v.kind() == ValueKind::kInt8) return Value::Int8(static_cast<int8_t>(n));
          if (v.kind() == ValueKind::kInt16) return Value::Int16(static_cast<int16_t>(n));
          if (v.kind() == ValueKind::kInt32) return Value::Int32(static_cast<int32_t>(n));
          return Value::Int64(n);
        }
        case ValueKind::kFloat32:
        case ValueKind::kFloat64: {
          double d = std::stod(r, &used);
          if (used != r.size()) return fail();
          return v.kind() == ValueKind::kFloat32 ? Value::Float32(static_cast<float>(d))
                                                 : Value::Float64(d);
        }
        case ValueKind::kDecimal: {
          TRIBUTARY_ASSIGN_OR_RETURN(DecimalValue d, DecimalValue::Parse(r));
          return Value::DecimalValue(d);
        }
        default:
          return Status::DataError(std::string("Cannot mask value of type ") +
                                   runtime::ValueKindText(v.kind()) + " with custom replacement.");
      }
    } catch (const std::exception&) {
      return fail();
    }
  }
  bool key_;
  std::set<std::string> fields_;
  std::optional<std::string> replacement_;
};

// ---------------------------------------------------------------------------------------------
class ValueToKey : public Transformation {
 public:
  const ConfigDef& Definition() const override {
    static const ConfigDef def = [] {
      ConfigDef d;
      d.Define("fields", ConfigType::kList, kNoDefault, Importance::kHigh,
               "Field names on the record value to extract as the record key.",
               [](const ConfigValue& v) -> std::optional<std::string> {
                 if (std::get<std::vector<std::string>>(v).empty()) return "Empty list";
                 return std::nullopt;
               });
      d.Define(kReplaceNullWithDefault);
      return d;
    }();
    return def;
  }
  Status Configure(const ConfigMap& configs) override {
    TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig c, Definition().Parse(configs));
    fields_ = c.GetList("fields");
    replace_null_ = c.GetBool("replace.null.with.default");
    return Status::Ok();
  }
  Result<bool> Apply(ConnectRecord& record, std::optional<int64_t>) override {
    if (!record.value_schema) {
      TRIBUTARY_RETURN_IF_ERROR(RequireMap(record.value, "copying fields from value to key"));
      Value::Map key;
      for (const auto& f : fields_) {
        Value* v = FindInMap(record.value.as_map(), f);
        key.push_back({Value::String(f), v ? *v : Value()});
      }
      record.key_schema = nullptr;
      record.key = Value::MapValue(std::move(key));
      return true;
    }
    TRIBUTARY_RETURN_IF_ERROR(
        RequireStruct(record.value_schema, record.value, "copying fields from value to key"));
    const SchemaPtr& vs = record.value_schema;
    TRIBUTARY_ASSIGN_OR_RETURN(SchemaPtr key_schema, cache_.Get(vs, [&]() -> Result<SchemaPtr> {
      SchemaBuilder builder = SchemaBuilder::Struct();
      for (const auto& name : fields_) {
        const Field* f = vs->FindField(name);
        if (!f) return Status::DataError("Field does not exist: " + name);
        builder.AddField(name, f->schema);
      }
      return builder.Build();
    }));
    const Struct& in = record.value.as_struct();
    Struct key(key_schema);
    for (const auto& name : fields_) {
      TRIBUTARY_RETURN_IF_ERROR(key.Put(name, FieldValue(in, *vs->FindField(name), replace_null_)));
    }
    record.key_schema = key_schema;
    record.key = Value::StructValue(std::move(key));
    return true;
  }

 private:
  std::vector<std::string> fields_;
  bool replace_null_ = true;
  SchemaCache cache_;
};

// ---------------------------------------------------------------------------------------------
// Rebuilds a struct value (recursively) against a schema with the same field layout.
Result<Value> Rebind(const Value& value, const SchemaPtr& schema) {
  if (value.kind() != ValueKind::kStruct) return value;
  const Struct& in = value.as_struct();
  Struct out(schema);
  for (const Field& f : schema->fields()) {
    TRIBUTARY_RETURN_IF_ERROR(out.Put(f.name, in.Get(f.index)));
  }
  return Value::StructValue(std::move(out));
}

class SetSchemaMetadata : public Transformation {
 public:
  explicit SetSchemaMetadata(bool key) : key_(key) {}
  const ConfigDef& Definition() const override {
    static const ConfigDef def = [] {
      ConfigDef d;
      d.Define("schema.name", ConfigType::kString, kNullDefault, Importance::kHigh,
               "Schema name to set.");
      d.Define("schema.version", ConfigType::kInt, kNullDefault, Importance::kHigh,
               "Schema version to set.");
      d.Define(kReplaceNullWithDefault);
      return d;
    }();
    return def;
  }
  Status Configure(const ConfigMap& configs) override {
    TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig c, Definition().Parse(configs));
    if (c.Has("schema.name")) name_ = c.GetString("schema.name");
    if (c.Has("schema.version")) version_ = c.GetInt("schema.version");
    if (!name_ && !version_) {
      return Status::InvalidConfig("Neither schema name nor version configured");
    }
    return Status::Ok();
  }
  Result<bool> Apply(ConnectRecord& record, std::optional<int64_t>) override {
    SchemaPtr& schema = OperandSchema(record, key_);
    Value& value = OperandValue(record, key_);
    if (!schema) return Status::DataError("Schema required for [updating schema metadata]");
    TRIBUTARY_ASSIGN_OR_RETURN(SchemaPtr updated, cache_.Get(schema, [&] {
      SchemaBuilder builder(schema->type());
      if (schema->type() == SchemaType::kArray)
        builder = SchemaBuilder::Array(schema->value_schema());
      if (schema->type() == SchemaType::kMap) {
        builder = SchemaBuilder::Map(schema->key_schema(), schema->value_schema());
      }
      if (schema->optional()) builder.Optional();
      if (name_)
        builder.Name(*name_);
      else if (schema->name())
        builder.Name(*schema->name());
      if (version_)
        builder.Version(*version_);
      else if (schema->version())
        builder.Version(*schema->version());
      if (schema->doc()) builder.Doc(*schema->doc());
      for (const auto& [k, v] : schema->parameters()) builder.Parameter(k, v);
      if (schema->default_value()) builder.DefaultValue(*schema->default_value());
      for (const Field& f : schema->fields()) builder.AddField(f.name, f.schema);
      return builder.Build();
    }));
    TRIBUTARY_ASSIGN_OR_RETURN(value, Rebind(value, updated));
    schema = updated;
    return true;
  }

 private:
  bool key_;
  std::optional<std::string> name_;
  std::optional<int32_t> version_;
  SchemaCache cache_;
};

// ---------------------------------------------------------------------------------------------
class Flatten : public Transformation {
 public:
  explicit Flatten(bool key) : key_(key) {}
  const ConfigDef& Definition() const override {
    static const ConfigDef def = [] {
      ConfigDef d;
      d.Define("delimiter", ConfigType::kString, ".", Importance::kMedium,
               "Delimiter to insert between field names from the input record when generating "
               "field names for the output record");
      return d;
    }();
    return def;
  }
  Status Configure(const ConfigMap& configs) override {
    TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig c, Definition().Parse(configs));
    delimiter_ = c.GetString("delimiter");
    return Status::Ok();
  }
  Result<bool> Apply(ConnectRecord& record, std::optional<int64_t>) override {
    SchemaPtr& schema = OperandSchema(record, key_);
    Value& value = OperandValue(record, key_);
    if (value.is_null()) return true;
    if (!schema) {
      TRIBUTARY_RETURN_IF_ERROR(RequireMap(value, "flattening"));
      Value::Map out;
      FlattenMap(value.as_map(), "", out);
      value = Value::MapValue(std::move(out));
      return true;
    }
    TRIBUTARY_RETURN_IF_ERROR(RequireStruct(schema, value, "flattening"));
    TRIBUTARY_ASSIGN_OR_RETURN(SchemaPtr updated, cache_.Get(schema, [&] {
      SchemaBuilder builder = CopySchemaBasics(*schema);
      BuildSchema(*schema, "", false, builder);
      return builder.Build();
    }));
    Struct out(updated);
    TRIBUTARY_RETURN_IF_ERROR(FlattenStruct(&value.as_struct(), *schema, "", out));
    schema = updated;
    value = Value::StructValue(std::move(out));
    return true;
  }

 private:
  std::string Name(const std::string& prefix, const std::string& name) const {
    return prefix.empty() ? name : prefix + delimiter_ + name;
  }
  void FlattenMap(Value::Map& map, const std::string& prefix, Value::Map& out) const {
    for (MapEntry& e : map) {
      std::string name = Name(
          prefix, e.key.kind() == ValueKind::kString ? e.key.as_string() : e.key.DebugString());
      if (e.value.kind() == ValueKind::kMap) {
        FlattenMap(e.value.as_map(), name, out);
      } else {
        out.push_back({Value::String(std::move(name)), std::move(e.value)});
      }
    }
  }
  void BuildSchema(const Schema& schema, const std::string& prefix, bool optional_parent,
                   SchemaBuilder& builder) const {
    for (const Field& f : schema.fields()) {
      std::string name = Name(prefix, f.name);
      bool optional = optional_parent || f.schema->optional();
      if (f.schema->type() == SchemaType::kStruct) {
        BuildSchema(*f.schema, name, optional, builder);
      } else if (optional && !f.schema->optional()) {
        SchemaBuilder copy = CopySchemaBasics(*f.schema);
        if (f.schema->type() == SchemaType::kArray)
          copy = SchemaBuilder::Array(f.schema->value_schema());
        if (f.schema->type() == SchemaType::kMap) {
          copy = SchemaBuilder::Map(f.schema->key_schema(), f.schema->value_schema());
        }
        copy.Optional();
        if (f.schema->name()) copy.Name(*f.schema->name());
        for (const auto& [k, v] : f.schema->parameters()) copy.Parameter(k, v);
        builder.AddField(name, copy.BuildOrDie());
      } else {
        builder.AddField(name, f.schema);
      }
    }
  }
  Status FlattenStruct(const Struct* in, const Schema& schema, const std::string& prefix,
                       Struct& out) const {
    for (const Field& f : schema.fields()) {
      std::string name = Name(prefix, f.name);
      const Value* v = in ? &in->Get(f.index) : nullptr;
      if (f.schema->type() == SchemaType::kStruct) {
        TRIBUTARY_RETURN_IF_ERROR(
            FlattenStruct(v && v->kind() == ValueKind::kStruct ? &v->as_struct() : nullptr,
                          *f.schema, name, out));
      } else if (v) {
        TRIBUTARY_RETURN_IF_ERROR(out.Put(name, *v));
      }
    }
    return Status::Ok();
  }
  bool key_;
  std::string delimiter_;
  SchemaCache cache_;
};

}  // namespace

std::unique_ptr<Transformation> NewInsertField(bool key) {
  return std::make_unique<InsertField>(key);
}
std::unique_ptr<Transformation> NewReplaceField(bool key) {
  return std::make_unique<ReplaceField>(key);
}
std::unique_ptr<Transformation> NewExtractField(bool key) {
  return std::make_unique<ExtractField>(key);
}
std::unique_ptr<Transformation> NewHoistField(bool key) {
  return std::make_unique<HoistField>(key);
}
std::unique_ptr<Transformation> NewMaskField(bool key) { return std::make_unique<MaskField>(key); }
std::unique_ptr<Transformation> NewValueToKey() { return std::make_unique<ValueToKey>(); }
std::unique_ptr<Transformation> NewSetSchemaMetadata(bool key) {
  return std::make_unique<SetSchemaMetadata>(key);
}
std::unique_ptr<Transformation> NewFlatten(bool key) { return std::make_unique<Flatten>(key); }

}  // namespace tributary::runtime::transforms
