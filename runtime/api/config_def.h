#pragma once

// Declaring configuration once, as a table (Kafka's ConfigDef). One ConfigDef per component parses
// raw string properties, rejects bad values naming the key, answers validation requests and lists
// itself for documentation and the REST API.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "runtime/api/status.h"

namespace tributary {

// Raw configuration: string keys to string values, as in a .properties file or a REST body.
using ConfigMap = std::map<std::string, std::string>;

enum class ConfigType { kBoolean, kString, kInt, kShort, kLong, kDouble, kList, kClass, kPassword };
enum class Importance { kHigh, kMedium, kLow };

// Upper-case names as Connect's REST API prints them ("BOOLEAN", "HIGH").
const char* ConfigTypeName(ConfigType type);
const char* ImportanceName(Importance importance);

// A parsed value: bool (BOOLEAN), int64 (INT, SHORT, LONG), double (DOUBLE), string (STRING,
// CLASS, PASSWORD), list of strings (LIST); monostate for a key with a null default.
using ConfigValue =
    std::variant<std::monostate, bool, int64_t, double, std::string, std::vector<std::string>>;

// Checks a parsed value; returns an error text (without the key name) or nullopt when valid.
using ConfigValidator = std::function<std::optional<std::string>(const ConfigValue&)>;

struct ConfigKey {
  std::string name;
  ConfigType type = ConfigType::kString;
  // The default as it would be written in a properties file. nullopt: the key is required.
  std::optional<std::string> default_value;
  // True when the default is Java's null (optional key without value); default_value is ignored.
  bool null_default = false;
  Importance importance = Importance::kMedium;
  std::string documentation;
  ConfigValidator validator;
  std::string group;
  std::string display_name;
  // Shown in docs as the allowed values (e.g. "[none, all]"); empty if unconstrained.
  std::string valid_values;

  bool required() const { return !default_value && !null_default; }
};

// Sentinel to pass as `default_value` for required keys and keys with a null default.
struct NoDefault {};
inline constexpr NoDefault kNoDefault{};
struct NullDefault {};
inline constexpr NullDefault kNullDefault{};

class ParsedConfig;

class ConfigDef {
 public:
  // Adds a key. Defining the same name twice is a bug in our code (asserts).
  ConfigDef& Define(ConfigKey key);
  ConfigDef& Define(std::string name, ConfigType type, std::string default_value,
                    Importance importance, std::string documentation,
                    ConfigValidator validator = {}, std::string valid_values = {});
  ConfigDef& Define(std::string name, ConfigType type, NoDefault, Importance importance,
                    std::string documentation, ConfigValidator validator = {},
                    std::string valid_values = {});
  ConfigDef& Define(std::string name, ConfigType type, NullDefault, Importance importance,
                    std::string documentation, ConfigValidator validator = {},
                    std::string valid_values = {});

  const std::vector<ConfigKey>& keys() const { return keys_; }
  const ConfigKey* Find(const std::string& name) const;

  // Every key's errors, in definition order; an entry per key with a non-empty error list for
  // missing required keys, values of the wrong type and values the validator rejects.
  // Keys of `props` that are not defined here are ignored (other components own them).
  std::map<std::string, std::vector<std::string>> Validate(const ConfigMap& props) const;

  // Parses `props`. On failure returns InvalidConfig whose message lists every error as
  // "Invalid value <v> for configuration <key>: <reason>" or
  // "Missing required configuration \"<key>\" which has no default value." (Kafka's wording).
  Result<ParsedConfig> Parse(const ConfigMap& props) const;

  // A copy of this definition with every key of `other` appended (keys already here win).
  ConfigDef Merged(const ConfigDef& other) const;

 private:
  std::vector<ConfigKey> keys_;
};

// Typed access to a parsed configuration. Getters require a key defined with a matching type
// (a mismatch is a bug in our code and asserts).
class ParsedConfig {
 public:
  ParsedConfig(std::map<std::string, ConfigValue> values, ConfigMap originals)
      : values_(std::move(values)), originals_(std::move(originals)) {}

  bool GetBool(const std::string& key) const;
  int64_t GetLong(const std::string& key) const;  // INT, SHORT and LONG keys
  int32_t GetInt(const std::string& key) const;
  double GetDouble(const std::string& key) const;
  // STRING, CLASS and PASSWORD keys; an empty string for a null default.
  const std::string& GetString(const std::string& key) const;
  std::vector<std::string> GetList(const std::string& key) const;
  // True when the key has a value (given or defaulted) that is not null.
  bool Has(const std::string& key) const;

  // The raw properties as given, including keys no ConfigDef knows.
  const ConfigMap& originals() const { return originals_; }
  // Raw properties starting with `prefix`, with the prefix removed.
  ConfigMap OriginalsWithPrefix(const std::string& prefix) const;

 private:
  std::map<std::string, ConfigValue> values_;
  ConfigMap originals_;
};

// Validators in the spirit of Kafka's ConfigDef.Range / ValidString / NonEmptyString.
namespace validators {
ConfigValidator AtLeast(int64_t min);
ConfigValidator Between(int64_t min, int64_t max);
ConfigValidator OneOf(std::vector<std::string> allowed, bool case_insensitive = true);
ConfigValidator NonEmptyString();
}  // namespace validators

}  // namespace tributary
