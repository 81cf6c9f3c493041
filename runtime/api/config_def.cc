#include "runtime/api/config_def.h"

#include <cassert>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>

namespace tributary {

namespace {

constexpr const char* kWhitespace = " \t\n\r\f\v";

// Java's String.trim() removes every char <= ' '; for text configs that is the ASCII whitespace
// and control characters.
std::string Trim(const std::string& s) {
  size_t begin = 0;
  size_t end = s.size();
  while (begin < end && static_cast<unsigned char>(s[begin]) <= ' ') ++begin;
  while (end > begin && static_cast<unsigned char>(s[end - 1]) <= ' ') --end;
  return s.substr(begin, end - begin);
}

bool EqualsIgnoreCase(const std::string& a, const char* b) {
  size_t i = 0;
  for (; i < a.size() && b[i] != '\0'; ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return i == a.size() && b[i] == '\0';
}

// Integer parsing as Java's Long.parseLong: optional sign, decimal digits only, no overflow.
bool ParseInteger(const std::string& text, int64_t min, int64_t max, int64_t* out) {
  if (text.empty()) return false;
  size_t i = 0;
  bool negative = false;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    i = 1;
  }
  if (i == text.size()) return false;
  // Accumulate as a negative number so that the minimum of int64 fits.
  int64_t value = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return false;
    int digit = c - '0';
    if (value < (std::numeric_limits<int64_t>::min() + digit) / 10) return false;
    value = value * 10 - digit;
  }
  if (!negative) {
    if (value == std::numeric_limits<int64_t>::min()) return false;
    value = -value;
  }
  if (value < min || value > max) return false;
  *out = value;
  return true;
}

bool ParseDouble(const std::string& text, double* out) {
  if (text.empty()) return false;
  // Java accepts an optional type suffix (1.5d, 2f).
  std::string body = text;
  char last = body.back();
  if (body.size() > 1 && (last == 'd' || last == 'D' || last == 'f' || last == 'F'))
    body.pop_back();
  // strtod also accepts hex floats and "inf"/"nan" spellings Java does not; Java accepts
  // "Infinity" and "NaN" only.
  std::string unsigned_body = body;
  if (!unsigned_body.empty() && (unsigned_body[0] == '+' || unsigned_body[0] == '-')) {
    unsigned_body.erase(0, 1);
  }
  if (unsigned_body == "Infinity" || unsigned_body == "NaN") {
    double v = unsigned_body == "NaN" ? std::numeric_limits<double>::quiet_NaN()
                                      : std::numeric_limits<double>::infinity();
    *out = body[0] == '-' ? -v : v;
    return true;
  }
  for (char c : unsigned_body) {
    bool ok = (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
    if (!ok) return false;
  }
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(body.c_str(), &end);
  if (end != body.c_str() + body.size()) return false;
  *out = v;
  return true;
}

// Splits on commas, trimming whitespace around each element (Kafka: split("\\s*,\\s*", -1)).
std::vector<std::string> SplitList(const std::string& trimmed) {
  std::vector<std::string> items;
  if (trimmed.empty()) return items;
  size_t start = 0;
  while (true) {
    size_t comma = trimmed.find(',', start);
    std::string item =
        trimmed.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t b = item.find_first_not_of(kWhitespace);
    size_t e = item.find_last_not_of(kWhitespace);
    items.push_back(b == std::string::npos ? std::string() : item.substr(b, e - b + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

// Parses `raw` as `type`; on failure returns the reason (Kafka's text) and leaves `out` untouched.
std::optional<std::string> ParseValue(ConfigType type, const std::string& raw, ConfigValue* out) {
  std::string trimmed = Trim(raw);
  switch (type) {
    case ConfigType::kBoolean:
      if (EqualsIgnoreCase(trimmed, "true")) {
        *out = true;
      } else if (EqualsIgnoreCase(trimmed, "false")) {
        *out = false;
      } else {
        return "Expected value to be either true or false";
      }
      return std::nullopt;
    case ConfigType::kString:
    case ConfigType::kClass:
    case ConfigType::kPassword:
      *out = trimmed;
      return std::nullopt;
    case ConfigType::kInt:
    case ConfigType::kShort:
    case ConfigType::kLong: {
      int64_t min = std::numeric_limits<int64_t>::min();
      int64_t max = std::numeric_limits<int64_t>::max();
      if (type == ConfigType::kInt) {
        min = std::numeric_limits<int32_t>::min();
        max = std::numeric_limits<int32_t>::max();
      } else if (type == ConfigType::kShort) {
        min = std::numeric_limits<int16_t>::min();
        max = std::numeric_limits<int16_t>::max();
      }
      int64_t v = 0;
      if (!ParseInteger(trimmed, min, max, &v)) {
        return std::string("Not a number of type ") + ConfigTypeName(type);
      }
      *out = v;
      return std::nullopt;
    }
    case ConfigType::kDouble: {
      double v = 0;
      if (!ParseDouble(trimmed, &v)) return std::string("Not a number of type DOUBLE");
      *out = v;
      return std::nullopt;
    }
    case ConfigType::kList:
      *out = SplitList(trimmed);
      return std::nullopt;
  }
  return "Unknown type";
}

std::string ShownValue(const ConfigKey& key, const std::string& raw) {
  return key.type == ConfigType::kPassword ? "[hidden]" : raw;
}

std::string InvalidValueMessage(const ConfigKey& key, const std::string& raw,
                                const std::string& reason) {
  return "Invalid value " + ShownValue(key, raw) + " for configuration " + key.name + ": " + reason;
}

std::string MissingMessage(const ConfigKey& key) {
  return "Missing required configuration \"" + key.name + "\" which has no default value.";
}

// Parses one key from `props` (or its default). Returns the error message or nullopt.
std::optional<std::string> ParseKey(const ConfigKey& key, const ConfigMap& props,
                                    ConfigValue* out) {
  auto it = props.find(key.name);
  const std::string* raw = nullptr;
  if (it != props.end()) {
    raw = &it->second;
  } else if (key.null_default) {
    *out = std::monostate{};
  } else if (key.default_value) {
    raw = &*key.default_value;
  } else {
    return MissingMessage(key);
  }
  if (raw != nullptr) {
    if (auto reason = ParseValue(key.type, *raw, out)) {
      return InvalidValueMessage(key, *raw, *reason);
    }
  }
  if (key.validator) {
    if (auto reason = key.validator(*out)) {
      return InvalidValueMessage(key, raw != nullptr ? *raw : "null", *reason);
    }
  }
  return std::nullopt;
}

ConfigKey MakeKey(std::string name, ConfigType type, Importance importance,
                  std::string documentation, ConfigValidator validator, std::string valid_values) {
  ConfigKey key;
  key.name = std::move(name);
  key.type = type;
  key.importance = importance;
  key.documentation = std::move(documentation);
  key.validator = std::move(validator);
  key.valid_values = std::move(valid_values);
  return key;
}

}  // namespace

const char* ConfigTypeName(ConfigType type) {
  switch (type) {
    case ConfigType::kBoolean:
      return "BOOLEAN";
    case ConfigType::kString:
      return "STRING";
    case ConfigType::kInt:
      return "INT";
    case ConfigType::kShort:
      return "SHORT";
    case ConfigType::kLong:
      return "LONG";
    case ConfigType::kDouble:
      return "DOUBLE";
    case ConfigType::kList:
      return "LIST";
    case ConfigType::kClass:
      return "CLASS";
    case ConfigType::kPassword:
      return "PASSWORD";
  }
  return "UNKNOWN";
}

const char* ImportanceName(Importance importance) {
  switch (importance) {
    case Importance::kHigh:
      return "HIGH";
    case Importance::kMedium:
      return "MEDIUM";
    case Importance::kLow:
      return "LOW";
  }
  return "UNKNOWN";
}

ConfigDef& ConfigDef::Define(ConfigKey key) {
  assert(Find(key.name) == nullptr && "config key defined twice");
  keys_.push_back(std::move(key));
  return *this;
}

ConfigDef& ConfigDef::Define(std::string name, ConfigType type, std::string default_value,
                             Importance importance, std::string documentation,
                             ConfigValidator validator, std::string valid_values) {
  ConfigKey key = MakeKey(std::move(name), type, importance, std::move(documentation),
                          std::move(validator), std::move(valid_values));
  key.default_value = std::move(default_value);
  return Define(std::move(key));
}

ConfigDef& ConfigDef::Define(std::string name, ConfigType type, NoDefault, Importance importance,
                             std::string documentation, ConfigValidator validator,
                             std::string valid_values) {
  return Define(MakeKey(std::move(name), type, importance, std::move(documentation),
                        std::move(validator), std::move(valid_values)));
}

ConfigDef& ConfigDef::Define(std::string name, ConfigType type, NullDefault, Importance importance,
                             std::string documentation, ConfigValidator validator,
                             std::string valid_values) {
  ConfigKey key = MakeKey(std::move(name), type, importance, std::move(documentation),
                          std::move(validator), std::move(valid_values));
  key.null_default = true;
  return Define(std::move(key));
}

const ConfigKey* ConfigDef::Find(const std::string& name) const {
  for (const ConfigKey& key : keys_) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

std::map<std::string, std::vector<std::string>> ConfigDef::Validate(const ConfigMap& props) const {
  std::map<std::string, std::vector<std::string>> errors;
  for (const ConfigKey& key : keys_) {
    ConfigValue value;
    if (auto error = ParseKey(key, props, &value)) errors[key.name].push_back(*error);
  }
  return errors;
}

Result<ParsedConfig> ConfigDef::Parse(const ConfigMap& props) const {
  std::map<std::string, ConfigValue> values;
  std::string message;
  for (const ConfigKey& key : keys_) {
    ConfigValue value;
    if (auto error = ParseKey(key, props, &value)) {
      if (!message.empty()) message += "\n";
      message += *error;
      continue;
    }
    values.emplace(key.name, std::move(value));
  }
  if (!message.empty()) return Status::InvalidConfig(std::move(message));
  return ParsedConfig(std::move(values), props);
}

ConfigDef ConfigDef::Merged(const ConfigDef& other) const {
  ConfigDef merged = *this;
  for (const ConfigKey& key : other.keys_) {
    if (merged.Find(key.name) == nullptr) merged.keys_.push_back(key);
  }
  return merged;
}

namespace {

const ConfigValue& Lookup(const std::map<std::string, ConfigValue>& values,
                          const std::string& key) {
  auto it = values.find(key);
  assert(it != values.end() && "getter for a key the ConfigDef does not define");
  return it->second;
}

}  // namespace

bool ParsedConfig::GetBool(const std::string& key) const {
  const ConfigValue& v = Lookup(values_, key);
  if (std::holds_alternative<std::monostate>(v)) return false;
  assert(std::holds_alternative<bool>(v) && "GetBool on a key that is not BOOLEAN");
  return std::get<bool>(v);
}

int64_t ParsedConfig::GetLong(const std::string& key) const {
  const ConfigValue& v = Lookup(values_, key);
  if (std::holds_alternative<std::monostate>(v)) return 0;
  assert(std::holds_alternative<int64_t>(v) && "GetLong on a key that is not INT/SHORT/LONG");
  return std::get<int64_t>(v);
}

int32_t ParsedConfig::GetInt(const std::string& key) const {
  int64_t v = GetLong(key);
  assert(v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max() &&
         "GetInt on a LONG key whose value does not fit");
  return static_cast<int32_t>(v);
}

double ParsedConfig::GetDouble(const std::string& key) const {
  const ConfigValue& v = Lookup(values_, key);
  if (std::holds_alternative<std::monostate>(v)) return 0;
  assert(std::holds_alternative<double>(v) && "GetDouble on a key that is not DOUBLE");
  return std::get<double>(v);
}

const std::string& ParsedConfig::GetString(const std::string& key) const {
  static const std::string kEmpty;
  const ConfigValue& v = Lookup(values_, key);
  if (std::holds_alternative<std::monostate>(v)) return kEmpty;
  assert(std::holds_alternative<std::string>(v) &&
         "GetString on a key that is not STRING/CLASS/PASSWORD");
  return std::get<std::string>(v);
}

std::vector<std::string> ParsedConfig::GetList(const std::string& key) const {
  const ConfigValue& v = Lookup(values_, key);
  if (std::holds_alternative<std::monostate>(v)) return {};
  assert(std::holds_alternative<std::vector<std::string>>(v) &&
         "GetList on a key that is not LIST");
  return std::get<std::vector<std::string>>(v);
}

bool ParsedConfig::Has(const std::string& key) const {
  auto it = values_.find(key);
  return it != values_.end() && !std::holds_alternative<std::monostate>(it->second);
}

ConfigMap ParsedConfig::OriginalsWithPrefix(const std::string& prefix) const {
  ConfigMap out;
  for (auto it = originals_.lower_bound(prefix);
       it != originals_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    out.emplace(it->first.substr(prefix.size()), it->second);
  }
  return out;
}

namespace validators {

namespace {

// Numeric value of a parsed INT/SHORT/LONG/DOUBLE, or nullopt for anything else.
std::optional<double> AsNumber(const ConfigValue& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&value)) return *d;
  return std::nullopt;
}

}  // namespace

ConfigValidator AtLeast(int64_t min) {
  return [min](const ConfigValue& value) -> std::optional<std::string> {
    if (const auto* i = std::get_if<int64_t>(&value)) {
      if (*i < min) return "Value must be at least " + std::to_string(min);
      return std::nullopt;
    }
    auto n = AsNumber(value);
    if (n && (std::isnan(*n) || *n < static_cast<double>(min))) {
      return "Value must be at least " + std::to_string(min);
    }
    return std::nullopt;
  };
}

ConfigValidator Between(int64_t min, int64_t max) {
  return [min, max](const ConfigValue& value) -> std::optional<std::string> {
    bool below = false;
    bool above = false;
    if (const auto* i = std::get_if<int64_t>(&value)) {
      below = *i < min;
      above = *i > max;
    } else if (auto n = AsNumber(value)) {
      below = std::isnan(*n) || *n < static_cast<double>(min);
      above = *n > static_cast<double>(max);
    }
    if (below) return "Value must be at least " + std::to_string(min);
    if (above) return "Value must be no more than " + std::to_string(max);
    return std::nullopt;
  };
}

ConfigValidator OneOf(std::vector<std::string> allowed, bool case_insensitive) {
  return [allowed = std::move(allowed),
          case_insensitive](const ConfigValue& value) -> std::optional<std::string> {
    auto matches = [&](const std::string& s) {
      for (const std::string& a : allowed) {
        if (case_insensitive ? EqualsIgnoreCase(s, a.c_str()) : s == a) return true;
      }
      return false;
    };
    auto message = [&]() {
      std::string m = case_insensitive ? "String must be one of (case insensitive): "
                                       : "String must be one of: ";
      for (size_t i = 0; i < allowed.size(); ++i) {
        if (i > 0) m += ", ";
        m += allowed[i];
      }
      return m;
    };
    if (const auto* s = std::get_if<std::string>(&value)) {
      if (!matches(*s)) return message();
    } else if (const auto* list = std::get_if<std::vector<std::string>>(&value)) {
      for (const std::string& item : *list) {
        if (!matches(item)) return message();
      }
    }
    return std::nullopt;
  };
}

ConfigValidator NonEmptyString() {
  return [](const ConfigValue& value) -> std::optional<std::string> {
    if (const auto* s = std::get_if<std::string>(&value)) {
      if (s->empty()) return "String must be non-empty";
    }
    return std::nullopt;
  };
}

}  // namespace validators

}  // namespace tributary
