#include "runtime/config/json_config.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

namespace tributary::runtime {

namespace {

using rapidjson::Value;

// 1-based line and column of a byte offset.
std::string Position(std::string_view text, size_t offset) {
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

// RapidJSON values carry no position, so structural errors name the key path instead.
Status Error(std::string_view source, const std::string& reason) {
  return Status::InvalidConfig(std::string(source) + ": " + reason);
}

Result<rapidjson::Document> ParseDocument(std::string_view text, std::string_view source) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    return Status::InvalidConfig(std::string(source) + ":" + Position(text, doc.GetErrorOffset()) +
                                 ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  }
  return doc;
}

// Text of a scalar; nullopt for objects and arrays.
std::optional<std::string> ScalarText(const Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsBool()) return std::string(v.GetBool() ? "true" : "false");
  if (v.IsNumber()) {
    // Only reached without kParseNumbersAsStringsFlag; kept for completeness.
    if (v.IsInt64()) return std::to_string(v.GetInt64());
    if (v.IsUint64()) return std::to_string(v.GetUint64());
    return std::to_string(v.GetDouble());
  }
  return std::nullopt;
}

Status Flatten(std::string_view source, const Value& object, const std::string& prefix,
               ConfigMap* out) {
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    std::string key(it->name.GetString(), it->name.GetStringLength());
    std::string full = prefix.empty() ? key : prefix + "." + key;
    const Value& value = it->value;
    if (value.IsObject()) {
      TRIBUTARY_RETURN_IF_ERROR(Flatten(source, value, full, out));
      continue;
    }
    if (value.IsNull()) continue;
    std::string text;
    if (value.IsArray()) {
      bool first = true;
      for (const Value& item : value.GetArray()) {
        if (item.IsNull()) {
          if (!first) text += ",";
          first = false;
          continue;
        }
        auto scalar = ScalarText(item);
        if (!scalar) return Error(source, "list \"" + full + "\" may only hold plain values");
        if (!first) text += ",";
        first = false;
        text += *scalar;
      }
    } else {
      text = *ScalarText(value);
    }
    if (!out->emplace(full, std::move(text)).second) {
      return Error(source, "key \"" + full + "\" is given twice");
    }
  }
  return Status::Ok();
}

Result<ConfigMap> FlattenObject(std::string_view source, const Value& v, const std::string& what) {
  if (!v.IsObject()) return Error(source, what + " must be a JSON object");
  ConfigMap out;
  TRIBUTARY_RETURN_IF_ERROR(Flatten(source, v, "", &out));
  return out;
}

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

}  // namespace

Result<ConfigMap> ParseJsonConfig(std::string_view text, std::string_view source_name) {
  TRIBUTARY_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseDocument(text, source_name));
  return FlattenObject(source_name, doc, "the document");
}

Result<ConfigMap> LoadJsonConfig(const std::string& path) {
  TRIBUTARY_ASSIGN_OR_RETURN(std::string text, ReadConfigFile(path));
  return ParseJsonConfig(text, path);
}

Result<NamedConfig> ParseConnectorJson(std::string_view text, std::string_view source_name) {
  TRIBUTARY_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseDocument(text, source_name));
  const Value& root = doc;  // const iterators: RapidJSON's mutable ones are ambiguous in C++20
  if (!root.IsObject()) return Error(source_name, "the document must be a JSON object");
  NamedConfig named;
  auto config_it = root.FindMember("config");
  if (config_it != root.MemberEnd() && config_it->value.IsObject()) {
    // The POST /connectors shape.
    for (auto it = root.MemberBegin(); it != root.MemberEnd(); ++it) {
      std::string key(it->name.GetString(), it->name.GetStringLength());
      if (key == "name" || key == "initial_state") {
        if (it->value.IsNull()) continue;
        if (!it->value.IsString()) return Error(source_name, "\"" + key + "\" must be a string");
        std::string v(it->value.GetString(), it->value.GetStringLength());
        if (key == "name") {
          named.name = std::move(v);
        } else {
          named.initial_state = std::move(v);
        }
      } else if (key != "config") {
        return Error(source_name,
                     "unknown field \"" + key + "\" (expected name, config, initial_state)");
      }
    }
    TRIBUTARY_ASSIGN_OR_RETURN(named.config,
                               FlattenObject(source_name, config_it->value, "\"config\""));
  } else {
    // A flat config object.
    TRIBUTARY_ASSIGN_OR_RETURN(named.config, FlattenObject(source_name, root, "the document"));
  }
  auto name_it = named.config.find("name");
  if (named.name.empty() && name_it != named.config.end()) named.name = name_it->second;
  if (named.name.empty()) return Error(source_name, "the connector has no \"name\"");
  if (name_it != named.config.end() && name_it->second != named.name) {
    return Error(source_name, "connector name configuration (" + name_it->second +
                                  ") doesn't match connector name (" + named.name + ")");
  }
  named.config["name"] = named.name;
  if (named.initial_state) {
    std::string upper = Upper(*named.initial_state);
    if (upper != "RUNNING" && upper != "PAUSED" && upper != "STOPPED") {
      return Error(source_name, "initial_state must be RUNNING, PAUSED or STOPPED, not \"" +
                                    *named.initial_state + "\"");
    }
    named.initial_state = upper;
  }
  return named;
}

}  // namespace tributary::runtime
