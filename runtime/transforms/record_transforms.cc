// Transforms that work on the record as a whole (topic, headers, drop) and the predicates.
#include <algorithm>
#include <regex>
#include <set>

#include "runtime/converters/simple_header_converter.h"
#include "runtime/transforms/transforms_internal.h"

namespace tributary::runtime::transforms {

namespace {

// std::regex with ECMAScript syntax, which matches Java's for ordinary patterns.
Result<std::regex> CompileRegex(const std::string& key, const std::string& pattern) {
  try {
    return std::regex(pattern);
  } catch (const std::regex_error& e) {
    return Status::InvalidConfig("Invalid value " + pattern + " for configuration " + key +
                                 ": Invalid regex: " + e.what());
  }
}

std::optional<std::string> ValidRegex(const ConfigValue& v) {
  try {
    std::regex re(std::get<std::string>(v));
  } catch (const std::regex_error& e) {
    return std::string("Invalid regex: ") + e.what();
  }
  return std::nullopt;
}

class Filter : public Transformation {
 public:
  const ConfigDef& Definition() const override {
    static const ConfigDef def;
    return def;
  }
  Status Configure(const ConfigMap&) override { return Status::Ok(); }
  Result<bool> Apply(ConnectRecord&, std::optional<int64_t>) override { return false; }
};

class RegexRouter : public Transformation {
 public:
  const ConfigDef& Definition() const override {
    static const ConfigDef def = [] {
      ConfigDef d;
      d.Define("regex", ConfigType::kString, kNoDefault, Importance::kHigh,
               "Regular expression to use for matching.", ValidRegex);
      d.Define("replacement", ConfigType::kString, kNoDefault, Importance::kHigh,
               "Replacement string.");
      return d;
    }();
    return def;
  }
  Status Configure(const ConfigMap& configs) override {
    TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig c, Definition().Parse(configs));
    TRIBUTARY_ASSIGN_OR_RETURN(regex_, CompileRegex("regex", c.GetString("regex")));
    replacement_ = c.GetString("replacement");
    return Status::Ok();
  }
  Result<bool> Apply(ConnectRecord& record, std::optional<int64_t>) override {
    // Java's matcher.matches() then replaceFirst: the whole topic must match.
    if (std::regex_match(record.topic, regex_)) {
      record.topic = std::regex_replace(record.topic, regex_, replacement_,
                                        std::regex_constants::format_first_only);
    }
    return true;
  }

 private:
  std::regex regex_;
  std::string replacement_;
};

class TimestampRouter : public Transformation {
 public:
  const ConfigDef& Definition() const override {
    static const ConfigDef def = [] {
      ConfigDef d;
      d.Define("topic.format", ConfigType::kString, "${topic}-${timestamp}", Importance::kHigh,
               "Format string which can contain ${topic} and ${timestamp} as placeholders for "
               "the topic and timestamp, respectively.");
      d.Define("timestamp.format", ConfigType::kString, "yyyyMMdd", Importance::kHigh,
               "Format string for the timestamp that is compatible with "
               "java.text.SimpleDateFormat.",
               [](const ConfigValue& v) -> std::optional<std::string> {
                 Status st = ValidateJavaDatePattern(std::get<std::string>(v));
                 if (!st.ok()) return st.message();
                 return std::nullopt;
               });
      return d;
    }();
    return def;
  }
  Status Configure(const ConfigMap& configs) override {
    TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig c, Definition().Parse(configs));
    topic_format_ = c.GetString("topic.format");
    timestamp_format_ = c.GetString("timestamp.format");
    return Status::Ok();
  }
  Result<bool> Apply(ConnectRecord& record, std::optional<int64_t>) override {
    if (!record.timestamp) {
      return Status::DataError("Timestamp missing on record: topic '" + record.topic + "'");
    }
    TRIBUTARY_ASSIGN_OR_RETURN(std::string ts,
                               FormatJavaDate(timestamp_format_, *record.timestamp));
    std::string topic = topic_format_;
    ReplaceAll(topic, "${topic}", record.topic);
    ReplaceAll(topic, "${timestamp}", ts);
    record.topic = std::move(topic);
    return true;
  }

 private:
  static void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
    for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
      s.replace(pos, from.size(), to);
    }
  }
  std::string topic_format_;
  std::string timestamp_format_;
};

class DropHeaders : public Transformation {
 public:
  const ConfigDef& Definition() const override {
    static const ConfigDef def = [] {
      ConfigDef d;
      d.Define("headers", ConfigType::kList, kNoDefault, Importance::kHigh,
               "The name of the headers to be removed.",
               [](const ConfigValue& v) -> std::optional<std::string> {
                 if (std::get<std::vector<std::string>>(v).empty()) return "Empty list";
                 return std::nullopt;
               });
      return d;
    }();
    return def;
  }
  Status Configure(const ConfigMap& configs) override {
    TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig c, Definition().Parse(configs));
    auto list = c.GetList("headers");
    headers_ = {list.begin(), list.end()};
    return Status::Ok();
  }
  Result<bool> Apply(ConnectRecord& record, std::optional<int64_t>) override {
    std::erase_if(record.headers, [&](const Header& h) { return headers_.count(h.key) > 0; });
    return true;
  }

 private:
  std::set<std::string> headers_;
};

class InsertHeader : public Transformation {
 public:
  const ConfigDef& Definition() const override {
    static const ConfigDef def = [] {
      ConfigDef d;
      d.Define("header", ConfigType::kString, kNoDefault, Importance::kHigh,
               "The name of the header.", validators::NonEmptyString());
      d.Define("value.literal", ConfigType::kString, kNoDefault, Importance::kHigh,
               "The literal value that is to be set as the header value on all records.");
      return d;
    }();
    return def;
  }
  Status Configure(const ConfigMap& configs) override {
    TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig c, Definition().Parse(configs));
    header_ = c.GetString("header");
    // Connect parses the literal with Values.parseString, the SimpleHeaderConverter's rules.
    SimpleHeaderConverter parser;
    auto parsed = parser.ToConnectHeader("", header_, c.GetString("value.literal"));
    if (!parsed.ok()) {
      return Status::InvalidConfig("Invalid value for configuration value.literal: " +
                                   parsed.status().message());
    }
    literal_ = std::move(*parsed);
    return Status::Ok();
  }
  Result<bool> Apply(ConnectRecord& record, std::optional<int64_t>) override {
    record.headers.push_back({header_, literal_.schema, literal_.value});
    return true;
  }

 private:
  std::string header_;
  SchemaAndValue literal_;
};

// HeaderFrom$Key / $Value: copies or moves fields of the key or value into headers.
class HeaderFrom : public Transformation {
 public:
  explicit HeaderFrom(bool key) : key_(key) {}
  const ConfigDef& Definition() const override {
    static const ConfigDef def = [] {
      ConfigDef d;
      d.Define("fields", ConfigType::kList, kNoDefault, Importance::kHigh,
               "Field names in the record whose values are to be copied or moved to headers.");
      d.Define("headers", ConfigType::kList, kNoDefault, Importance::kHigh,
               "Header names, in the same order as the field names listed in the fields "
               "configuration property.");
      d.Define("operation", ConfigType::kString, kNoDefault, Importance::kHigh,
               "Either <code>move</code> if the fields are to be moved to the headers (removed "
               "from the key/value), or <code>copy</code> if the fields are to be copied to the "
               "headers (retained in the key/value).",
               validators::OneOf({"move", "copy"}, false), "[move, copy]");
      d.Define("replace.null.with.default", ConfigType::kBoolean, "true", Importance::kMedium,
               "Whether to replace fields that have a default value and that are null to the "
               "default value.");
      return d;
    }();
    return def;
  }
  Status Configure(const ConfigMap& configs) override {
    TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig c, Definition().Parse(configs));
    fields_ = c.GetList("fields");
    headers_ = c.GetList("headers");
    if (fields_.size() != headers_.size()) {
      return Status::InvalidConfig(
          "Invalid value for configuration headers: 'fields' config must have the same number "
          "of elements as 'headers' config.");
    }
    move_ = c.GetString("operation") == "move";
    replace_null_ = c.GetBool("replace.null.with.default");
    return Status::Ok();
  }
  Result<bool> Apply(ConnectRecord& record, std::optional<int64_t>) override {
    SchemaPtr& schema = OperandSchema(record, key_);
    Value& value = OperandValue(record, key_);
    if (value.is_null()) return true;
    if (!schema) {
      TRIBUTARY_RETURN_IF_ERROR(RequireMap(value, "header " + std::string(Purpose())));
      for (size_t i = 0; i < fields_.size(); ++i) {
        Value* v = FindInMap(value.as_map(), fields_[i]);
        record.headers.push_back({headers_[i], nullptr, v ? *v : Value()});
      }
      if (move_) {
        std::erase_if(value.as_map(), [&](const MapEntry& e) {
          return e.key.kind() == ValueKind::kString &&
                 std::find(fields_.begin(), fields_.end(), e.key.as_string()) != fields_.end();
        });
      }
      return true;
    }
    TRIBUTARY_RETURN_IF_ERROR(RequireStruct(schema, value, Purpose()));
    const Struct& s = value.as_struct();
    for (size_t i = 0; i < fields_.size(); ++i) {
      const Field* field = schema->FindField(fields_[i]);
      if (!field) {
        return Status::DataError(fields_[i] + " is not a valid field name");
      }
      Value v = s.Get(field->index);
      if (v.is_null() && replace_null_ && field->schema->default_value()) {
        v = *field->schema->default_value();
      }
      record.headers.push_back({headers_[i], field->schema, std::move(v)});
    }
    if (!move_) return true;
    SchemaBuilder builder = CopySchemaBasics(*schema);
    for (const Field& f : schema->fields()) {
      if (std::find(fields_.begin(), fields_.end(), f.name) == fields_.end()) {
        builder.AddField(f.name, f.schema);
      }
    }
    TRIBUTARY_ASSIGN_OR_RETURN(SchemaPtr updated, builder.Build());
    Struct out(updated);
    for (const Field& f : updated->fields()) {
      TRIBUTARY_RETURN_IF_ERROR(out.Put(f.name, *s.Get(f.name)));
    }
    schema = updated;
    value = Value::StructValue(std::move(out));
    return true;
  }

 private:
  const char* Purpose() const { return "header field insertion"; }
  bool key_;
  std::vector<std::string> fields_;
  std::vector<std::string> headers_;
  bool move_ = false;
  bool replace_null_ = true;
};

class TopicNameMatches : public Predicate {
 public:
  const ConfigDef& Definition() const override {
    static const ConfigDef def = [] {
      ConfigDef d;
      d.Define("pattern", ConfigType::kString, kNoDefault, Importance::kMedium,
               "A Java regular expression for matching against the name of a record's topic.",
               [](const ConfigValue& v) -> std::optional<std::string> {
                 if (std::get<std::string>(v).empty()) return "String must be non-empty";
                 return ValidRegex(v);
               });
      return d;
    }();
    return def;
  }
  Status Configure(const ConfigMap& configs) override {
    TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig c, Definition().Parse(configs));
    TRIBUTARY_ASSIGN_OR_RETURN(pattern_, CompileRegex("pattern", c.GetString("pattern")));
    return Status::Ok();
  }
  bool Test(const ConnectRecord& record) const override {
    return std::regex_match(record.topic, pattern_);
  }

 private:
  std::regex pattern_;
};

class HasHeaderKey : public Predicate {
 public:
  const ConfigDef& Definition() const override {
    static const ConfigDef def = [] {
      ConfigDef d;
      d.Define("name", ConfigType::kString, kNoDefault, Importance::kMedium, "The header name.",
               validators::NonEmptyString());
      return d;
    }();
    return def;
  }
  Status Configure(const ConfigMap& configs) override {
    TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig c, Definition().Parse(configs));
    name_ = c.GetString("name");
    return Status::Ok();
  }
  bool Test(const ConnectRecord& record) const override {
    return std::any_of(record.headers.begin(), record.headers.end(),
                       [&](const Header& h) { return h.key == name_; });
  }

 private:
  std::string name_;
};

class RecordIsTombstone : public Predicate {
 public:
  const ConfigDef& Definition() const override {
    static const ConfigDef def;
    return def;
  }
  Status Configure(const ConfigMap&) override { return Status::Ok(); }
  bool Test(const ConnectRecord& record) const override { return record.value.is_null(); }
};

}  // namespace

std::unique_ptr<Transformation> NewFilter() { return std::make_unique<Filter>(); }
std::unique_ptr<Transformation> NewRegexRouter() { return std::make_unique<RegexRouter>(); }
std::unique_ptr<Transformation> NewTimestampRouter() { return std::make_unique<TimestampRouter>(); }
std::unique_ptr<Transformation> NewDropHeaders() { return std::make_unique<DropHeaders>(); }
std::unique_ptr<Transformation> NewInsertHeader() { return std::make_unique<InsertHeader>(); }
std::unique_ptr<Transformation> NewHeaderFrom(bool key) {
  return std::make_unique<HeaderFrom>(key);
}
std::unique_ptr<Predicate> NewTopicNameMatches() { return std::make_unique<TopicNameMatches>(); }
std::unique_ptr<Predicate> NewHasHeaderKey() { return std::make_unique<HasHeaderKey>(); }
std::unique_ptr<Predicate> NewRecordIsTombstone() { return std::make_unique<RecordIsTombstone>(); }

}  // namespace tributary::runtime::transforms
