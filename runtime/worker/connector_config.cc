#include "runtime/worker/connector_config.h"

#include <regex>

namespace tributary::runtime {

namespace {

ConfigDef MakeDef(ConnectorType type) {
  ConfigDef def;
  def.Define("name", ConfigType::kString, kNoDefault, Importance::kHigh,
             "Globally unique name to use for this connector.",
             [](const ConfigValue& v) -> std::optional<std::string> {
               // Kafka's NonEmptyStringWithoutControlChars: Java's ISO control characters are
               // U+0000-U+001F and U+007F-U+009F (the latter two UTF-8 bytes, C2 80-C2 9F).
               const auto& name = std::get<std::string>(v);
               if (name.empty()) return "String may not be empty";
               std::string found;
               for (size_t i = 0; i < name.size(); ++i) {
                 unsigned code = static_cast<unsigned char>(name[i]);
                 if (code == 0xC2 && i + 1 < name.size() &&
                     static_cast<unsigned char>(name[i + 1]) >= 0x80 &&
                     static_cast<unsigned char>(name[i + 1]) <= 0x9F) {
                   code = static_cast<unsigned char>(name[++i]);  // C2 xx encodes U+00xx
                 }
                 if (code < 0x20 || (code >= 0x7F && code <= 0x9F)) {
                   found += (found.empty() ? "" : ", ") + std::to_string(code);
                 }
               }
               if (found.empty()) return std::nullopt;
               return "String may not contain control sequences but had the following ASCII "
                      "chars: " +
                      found;
             });
  def.Define("connector.class", ConfigType::kString, kNoDefault, Importance::kHigh,
             "Name or alias of the class for this connector, e.g. "
             "org.apache.kafka.connect.file.FileStreamSourceConnector or FileStreamSource.");
  def.Define("tasks.max", ConfigType::kInt, "1", Importance::kHigh,
             "Maximum number of tasks to use for this connector.", validators::AtLeast(1));
  def.Define("key.converter", ConfigType::kClass, kNullDefault, Importance::kLow,
             "Converter for record keys; overrides the worker's key.converter.");
  def.Define("value.converter", ConfigType::kClass, kNullDefault, Importance::kLow,
             "Converter for record values; overrides the worker's value.converter.");
  def.Define("header.converter", ConfigType::kClass, kNullDefault, Importance::kLow,
             "Converter for record headers; overrides the worker's header.converter.");
  if (type == ConnectorType::kSink) {
    def.Define("topics", ConfigType::kList, "", Importance::kHigh,
               "List of topics to consume, separated by commas.");
    def.Define("topics.regex", ConfigType::kString, "", Importance::kHigh,
               "Regular expression giving topics to consume (ECMAScript syntax here, which "
               "matches Java's for ordinary patterns).",
               [](const ConfigValue& v) -> std::optional<std::string> {
                 const auto& pattern = std::get<std::string>(v);
                 if (pattern.empty()) return std::nullopt;
                 try {
                   std::regex re(pattern);
                 } catch (const std::regex_error& e) {
                   return std::string("Invalid regex: ") + e.what();
                 }
                 return std::nullopt;
               });
  }
  return def;
}

}  // namespace

const ConfigDef& ConnectorConfigDef(ConnectorType type) {
  static const ConfigDef source = MakeDef(ConnectorType::kSource);
  static const ConfigDef sink = MakeDef(ConnectorType::kSink);
  return type == ConnectorType::kSource ? source : sink;
}

std::map<std::string, std::vector<std::string>> ValidateConnectorConfig(ConnectorType type,
                                                                        const ConfigMap& props) {
  auto errors = ConnectorConfigDef(type).Validate(props);
  if (type == ConnectorType::kSink) {
    auto topics = props.find("topics");
    auto regex = props.find("topics.regex");
    bool has_topics =
        topics != props.end() && topics->second.find_first_not_of(" ,") != std::string::npos;
    bool has_regex = regex != props.end() && !regex->second.empty();
    if (has_topics && has_regex) {
      errors["topics"].push_back(
          "topics and topics.regex are mutually exclusive options, but both are set.");
    } else if (!has_topics && !has_regex) {
      errors["topics"].push_back("Must configure one of topics or topics.regex");
    }
  }
  return errors;
}

Result<ConnectorConfig> ParseConnectorConfig(ConnectorType type, const ConfigMap& props) {
  auto errors = ValidateConnectorConfig(type, props);
  if (!errors.empty()) return Status::InvalidConfig(InvalidConnectorConfigMessage(errors));
  TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig parsed, ConnectorConfigDef(type).Parse(props));
  ConnectorConfig config;
  config.name = parsed.GetString("name");
  config.connector_class = parsed.GetString("connector.class");
  config.tasks_max = parsed.GetInt("tasks.max");
  config.key_converter = parsed.GetString("key.converter");
  config.value_converter = parsed.GetString("value.converter");
  config.header_converter = parsed.GetString("header.converter");
  if (type == ConnectorType::kSink) {
    config.topics = parsed.GetList("topics");
    config.topics_regex = parsed.GetString("topics.regex");
  }
  return config;
}

std::string InvalidConnectorConfigMessage(
    const std::map<std::string, std::vector<std::string>>& errors) {
  size_t count = 0;
  std::string lines;
  for (const auto& [key, messages] : errors) {
    for (const auto& message : messages) {
      ++count;
      lines += key + ": " + message + "\n";
    }
  }
  return "Connector configuration is invalid and contains the following " + std::to_string(count) +
         " error(s):\n" + lines +
         "You can also find the above list of errors at the endpoint "
         "`/connector-plugins/{connectorType}/config/validate`";
}

}  // namespace tributary::runtime
