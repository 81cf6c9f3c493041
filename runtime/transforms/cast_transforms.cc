// Cast and TimestampConverter: change the type of the whole key/value or of some of its fields.
#include <cmath>
#include <map>

#include "runtime/converters/java_format.h"
#include "runtime/converters/simple_header_converter.h"
#include "runtime/transforms/transforms_internal.h"

namespace tributary::runtime::transforms {

namespace {

bool IsCastTarget(SchemaType t) {
  switch (t) {
    case SchemaType::kInt8:
    case SchemaType::kInt16:
    case SchemaType::kInt32:
    case SchemaType::kInt64:
    case SchemaType::kFloat32:
    case SchemaType::kFloat64:
    case SchemaType::kBoolean:
    case SchemaType::kString:
      return true;
    default:
      return false;
  }
}

// Connect's Cast.castValueToType.
Result<Value> CastValue(const SchemaPtr& schema, const Value& v, SchemaType target) {
  if (v.is_null()) return Value();
  if (target == SchemaType::kString) return Value::String(ConvertToString(schema, v));
  std::optional<double> number;
  std::optional<int64_t> integer = v.AsInteger();
  switch (v.kind()) {
    case ValueKind::kBoolean:
      integer = v.as_bool() ? 1 : 0;
      break;
    case ValueKind::kFloat32:
      number = v.as_float32();
      break;
    case ValueKind::kFloat64:
      number = v.as_float64();
      break;
    case ValueKind::kDecimal:
      number = std::stod(v.as_decimal().ToString());
      break;
    case ValueKind::kString: {
      const std::string& s = v.as_string();
      if (target == SchemaType::kBoolean) {
        std::string lower;
        for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return Value::Boolean(lower == "true");
      }
      try {
        size_t used = 0;
        if (target == SchemaType::kFloat32 || target == SchemaType::kFloat64) {
          number = std::stod(s, &used);
        } else {
          integer = std::stoll(s, &used);
        }
        if (used != s.size()) throw std::invalid_argument(s);
      } catch (const std::exception&) {
        return Status::DataError("Value (" + s + ") could not be cast to " +
                                 SchemaTypeName(target));
      }
      break;
    }
    default:
      if (!integer) {
        return Status::DataError(std::string("Unexpected type in Cast transformation: ") +
                                 runtime::ValueKindText(v.kind()));
      }
  }
  double d = number ? *number : static_cast<double>(*integer);
  int64_t i = integer ? *integer : static_cast<int64_t>(std::trunc(d));
  switch (target) {
    case SchemaType::kInt8:
      return Value::Int8(static_cast<int8_t>(i));
    case SchemaType::kInt16:
      return Value::Int16(static_cast<int16_t>(i));
    case SchemaType::kInt32:
      return Value::Int32(static_cast<int32_t>(i));
    case SchemaType::kInt64:
      return Value::Int64(i);
    case SchemaType::kFloat32:
      return Value::Float32(static_cast<float>(d));
    case SchemaType::kFloat64:
      return Value::Float64(d);
    case SchemaType::kBoolean:
      return Value::Boolean(number ? d != 0 : i != 0);
    default:
      return Status::Internal("bad cast target");
  }
}

class Cast : public Transformation {
 public:
  explicit Cast(bool key) : key_(key) {}
  const ConfigDef& Definition() const override {
    static const ConfigDef def = [] {
      ConfigDef d;
      d.Define("spec", ConfigType::kList, kNoDefault, Importance::kHigh,
               "List of fields and the type to cast them to of the form field1:type,field2:type "
               "to cast fields of Maps or Structs. A single type to cast the entire value. Valid "
               "types are int8, int16, int32, int64, float32, float64, boolean, and string.");
      d.Define("replace.null.with.default", ConfigType::kBoolean, "true", Importance::kMedium,
               "Whether to replace fields that have a default value and that are null to the "
               "default value.");
      return d;
    }();
    return def;
  }
  Status Configure(const ConfigMap& configs) override {
    TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig c, Definition().Parse(configs));
    auto spec = c.GetList("spec");
    if (spec.empty())
      return Status::InvalidConfig(
          "Invalid value  for configuration spec: Must specify at least one field to cast.");
    auto type_of = [&](const std::string& name) -> Result<SchemaType> {
      // Cast spells the float types as Connect's Schema.Type does (float32, float64).
      auto t = name == "float32"   ? std::optional<SchemaType>(SchemaType::kFloat32)
               : name == "float64" ? std::optional<SchemaType>(SchemaType::kFloat64)
               : name == "float" || name == "double" ? std::nullopt
                                                     : SchemaTypeFromName(name);
      if (!t || !IsCastTarget(*t)) {
        return Status::InvalidConfig("Invalid value " + name +
                                     " for configuration spec: Invalid type found in casting "
                                     "spec: " +
                                     name);
      }
      return *t;
    };
    for (const auto& item : spec) {
      auto colon = item.find(':');
      if (colon == std::string::npos) {
        if (spec.size() > 1) {
          return Status::InvalidConfig("Invalid value " + item +
                                       " for configuration spec: Cast expected a list of "
                                       "field:type pairs or a single type for the whole value");
        }
        TRIBUTARY_ASSIGN_OR_RETURN(whole_, type_of(item));
      } else {
        TRIBUTARY_ASSIGN_OR_RETURN(SchemaType t, type_of(item.substr(colon + 1)));
        fields_[item.substr(0, colon)] = t;
      }
    }
    replace_null_ = c.GetBool("replace.null.with.default");
    return Status::Ok();
  }
  Result<bool> Apply(ConnectRecord& record, std::optional<int64_t>) override {
    SchemaPtr& schema = OperandSchema(record, key_);
    Value& value = OperandValue(record, key_);
    if (whole_) {
      if (schema) {
        TRIBUTARY_ASSIGN_OR_RETURN(SchemaPtr out, CastSchema(schema, *whole_));
        TRIBUTARY_ASSIGN_OR_RETURN(value, CastValue(schema, value, *whole_));
        schema = out;
      } else {
        TRIBUTARY_ASSIGN_OR_RETURN(value, CastValue(nullptr, value, *whole_));
      }
      return true;
    }
    if (value.is_null()) return true;
    if (!schema) {
      TRIBUTARY_RETURN_IF_ERROR(RequireMap(value, "cast types"));
      for (MapEntry& e : value.as_map()) {
        if (e.key.kind() != ValueKind::kString) continue;
        auto it = fields_.find(e.key.as_string());
        if (it != fields_.end()) {
          TRIBUTARY_ASSIGN_OR_RETURN(e.value, CastValue(nullptr, e.value, it->second));
        }
      }
      return true;
    }
    TRIBUTARY_RETURN_IF_ERROR(RequireStruct(schema, value, "cast types"));
    if (schema != cached_in_) {
      SchemaBuilder builder = CopySchemaBasics(*schema);
      for (const Field& f : schema->fields()) {
        auto it = fields_.find(f.name);
        if (it == fields_.end()) {
          builder.AddField(f.name, f.schema);
        } else {
          TRIBUTARY_ASSIGN_OR_RETURN(SchemaPtr cast, CastSchema(f.schema, it->second));
          builder.AddField(f.name, cast);
        }
      }
      TRIBUTARY_ASSIGN_OR_RETURN(cached_out_, builder.Build());
      cached_in_ = schema;
    }
    const Struct& in = value.as_struct();
    Struct out(cached_out_);
    for (const Field& f : schema->fields()) {
      Value v = in.Get(f.index);
      if (v.is_null() && replace_null_ && f.schema->default_value()) v = *f.schema->default_value();
      auto it = fields_.find(f.name);
      if (it != fields_.end()) {
        TRIBUTARY_ASSIGN_OR_RETURN(v, CastValue(f.schema, v, it->second));
      }
      TRIBUTARY_RETURN_IF_ERROR(out.Put(f.name, std::move(v)));
    }
    schema = cached_out_;
    value = Value::StructValue(std::move(out));
    return true;
  }

 private:
  static Result<SchemaPtr> CastSchema(const SchemaPtr& schema, SchemaType target) {
    if (!IsPrimitive(schema->type()) ||
        (schema->type() == SchemaType::kBytes && !schema->IsLogical(Decimal::kLogicalName) &&
         target != SchemaType::kString)) {
      return Status::DataError(std::string("Cast transformation does not support casting from ") +
                               SchemaTypeName(schema->type()) + " to " + SchemaTypeName(target));
    }
    SchemaBuilder builder(target);
    if (schema->optional()) builder.Optional();
    if (schema->default_value()) {
      TRIBUTARY_ASSIGN_OR_RETURN(Value d, CastValue(schema, *schema->default_value(), target));
      builder.DefaultValue(std::move(d));
    }
    return builder.Build();
  }
  bool key_;
  std::optional<SchemaType> whole_;
  std::map<std::string, SchemaType> fields_;
  bool replace_null_ = true;
  SchemaPtr cached_in_, cached_out_;
};

// ---------------------------------------------------------------------------------------------
enum class TimeType { kString, kUnix, kDate, kTime, kTimestamp };

class TimestampConverter : public Transformation {
 public:
  explicit TimestampConverter(bool key) : key_(key) {}
  const ConfigDef& Definition() const override {
    static const ConfigDef def = [] {
      ConfigDef d;
      d.Define("field", ConfigType::kString, "", Importance::kHigh,
               "The field containing the timestamp, or empty if the entire value is a timestamp");
      d.Define("target.type", ConfigType::kString, kNoDefault, Importance::kHigh,
               "The desired timestamp representation: string, unix, Date, Time, or Timestamp",
               validators::OneOf({"string", "unix", "Date", "Time", "Timestamp"}, false),
               "[string, unix, Date, Time, Timestamp]");
      d.Define("format", ConfigType::kString, "", Importance::kMedium,
               "A SimpleDateFormat-compatible format for the timestamp. Used to generate the "
               "output when type=string or used to parse the input if the input is a string.");
      d.Define("unix.precision", ConfigType::kString, "milliseconds", Importance::kLow,
               "The desired Unix precision for the timestamp: seconds, milliseconds, "
               "microseconds, or nanoseconds.",
               validators::OneOf({"seconds", "milliseconds", "microseconds", "nanoseconds"}, false),
               "[nanoseconds, microseconds, milliseconds, seconds]");
      d.Define("replace.null.with.default", ConfigType::kBoolean, "true", Importance::kMedium,
               "Whether to replace fields that have a default value and that are null to the "
               "default value.");
      return d;
    }();
    return def;
  }
  Status Configure(const ConfigMap& configs) override {
    TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig c, Definition().Parse(configs));
    field_ = c.GetString("field");
    const std::string& t = c.GetString("target.type");
    target_ = t == "string" ? TimeType::kString
              : t == "unix" ? TimeType::kUnix
              : t == "Date" ? TimeType::kDate
              : t == "Time" ? TimeType::kTime
                            : TimeType::kTimestamp;
    format_ = c.GetString("format");
    if (target_ == TimeType::kString && format_.empty()) {
      return Status::InvalidConfig(
          "TimestampConverter requires format option to be specified when using string "
          "timestamps");
    }
    if (!format_.empty()) TRIBUTARY_RETURN_IF_ERROR(ValidateJavaDatePattern(format_));
    const std::string& p = c.GetString("unix.precision");
    unix_per_milli_ = p == "seconds"        ? -1000
                      : p == "microseconds" ? 1000
                      : p == "nanoseconds"  ? 1000000
                                            : 1;
    return Status::Ok();
  }
  Result<bool> Apply(ConnectRecord& record, std::optional<int64_t>) override {
    SchemaPtr& schema = OperandSchema(record, key_);
    Value& value = OperandValue(record, key_);
    if (field_.empty()) {
      if (value.is_null() && !schema) return true;
      TRIBUTARY_ASSIGN_OR_RETURN(value, Convert(schema, value));
      if (schema) schema = TargetSchema(schema->optional());
      return true;
    }
    if (value.is_null()) return true;
    if (!schema) {
      TRIBUTARY_RETURN_IF_ERROR(RequireMap(value, "converting timestamp formats"));
      if (Value* v = FindInMap(value.as_map(), field_)) {
        TRIBUTARY_ASSIGN_OR_RETURN(*v, Convert(nullptr, *v));
      }
      return true;
    }
    TRIBUTARY_RETURN_IF_ERROR(RequireStruct(schema, value, "converting timestamp formats"));
    const Field* target = schema->FindField(field_);
    if (!target) return Status::DataError("Unknown field: " + field_);
    if (schema != cached_in_) {
      SchemaBuilder builder = CopySchemaBasics(*schema);
      for (const Field& f : schema->fields()) {
        builder.AddField(f.name, f.name == field_ ? TargetSchema(f.schema->optional()) : f.schema);
      }
      TRIBUTARY_ASSIGN_OR_RETURN(cached_out_, builder.Build());
      cached_in_ = schema;
    }
    const Struct& in = value.as_struct();
    Struct out(cached_out_);
    for (const Field& f : schema->fields()) {
      Value v = in.Get(f.index);
      if (&f == target) {
        TRIBUTARY_ASSIGN_OR_RETURN(v, Convert(f.schema, v));
      }
      TRIBUTARY_RETURN_IF_ERROR(out.Put(f.name, std::move(v)));
    }
    schema = cached_out_;
    value = Value::StructValue(std::move(out));
    return true;
  }

 private:
  SchemaPtr TargetSchema(bool optional) const {
    SchemaBuilder b = target_ == TimeType::kString ? SchemaBuilder::String()
                      : target_ == TimeType::kUnix ? SchemaBuilder::Int64()
                      : target_ == TimeType::kDate ? Date::Builder()
                      : target_ == TimeType::kTime ? Time::Builder()
                                                   : Timestamp::Builder();
    if (optional) b.Optional();
    return b.BuildOrDie();
  }
  // Input value -> epoch millis -> target representation.
  Result<Value> Convert(const SchemaPtr& schema, const Value& v) const {
    if (v.is_null()) return Value();
    int64_t millis = 0;
    if (schema && schema->IsLogical(Date::kLogicalName) && v.kind() == ValueKind::kInt32) {
      millis = int64_t{v.as_int32()} * 86400000;
    } else if (schema && schema->IsLogical(Time::kLogicalName) && v.kind() == ValueKind::kInt32) {
      millis = v.as_int32();
    } else if (schema && schema->IsLogical(Timestamp::kLogicalName) &&
               v.kind() == ValueKind::kInt64) {
      millis = v.as_int64();
    } else if (v.kind() == ValueKind::kString) {
      if (format_.empty()) {
        return Status::DataError(
            "TimestampConverter requires format option to be specified when using string "
            "timestamps");
      }
      TRIBUTARY_ASSIGN_OR_RETURN(millis, ParseJavaDate(format_, v.as_string()));
    } else if (v.kind() == ValueKind::kInt64 || v.kind() == ValueKind::kInt32) {
      int64_t raw = *v.AsInteger();
      millis = unix_per_milli_ < 0 ? raw * -unix_per_milli_ : raw / unix_per_milli_;
    } else {
      return Status::DataError(std::string("Expected timestamp to be a Long, String, or Date, "
                                           "found: ") +
                               runtime::ValueKindText(v.kind()));
    }
    const int64_t day = 86400000;
    switch (target_) {
      case TimeType::kString: {
        TRIBUTARY_ASSIGN_OR_RETURN(std::string s, FormatJavaDate(format_, millis));
        return Value::String(std::move(s));
      }
      case TimeType::kUnix:
        return Value::Int64(unix_per_milli_ < 0 ? millis / -unix_per_milli_
                                                : millis * unix_per_milli_);
      case TimeType::kDate: {
        int64_t days = millis / day - (millis % day < 0 ? 1 : 0);
        return Value::Int32(static_cast<int32_t>(days));
      }
      case TimeType::kTime:
        return Value::Int32(static_cast<int32_t>(((millis % day) + day) % day));
      case TimeType::kTimestamp:
        return Value::Int64(millis);
    }
    return Status::Internal("bad target type");
  }
  bool key_;
  std::string field_;
  TimeType target_ = TimeType::kTimestamp;
  std::string format_;
  int64_t unix_per_milli_ = 1;  // negative: milliseconds per unit (seconds = -1000)
  SchemaPtr cached_in_, cached_out_;
};

}  // namespace

std::unique_ptr<Transformation> NewCast(bool key) { return std::make_unique<Cast>(key); }
std::unique_ptr<Transformation> NewTimestampConverter(bool key) {
  return std::make_unique<TimestampConverter>(key);
}

}  // namespace tributary::runtime::transforms
