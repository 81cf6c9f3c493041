// The only place yaml-cpp is called: every exception it throws is caught here and turned into a
// Status that names the file and position.
#include "runtime/config/yaml_config.h"

#include <yaml-cpp/yaml.h>

#include <exception>
#include <set>

namespace tributary::runtime {

namespace {

std::string Where(std::string_view source, const YAML::Mark& mark) {
  std::string out(source);
  if (mark.line >= 0) {
    out += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  return out;
}

Status ErrorAt(std::string_view source, const YAML::Node& node, const std::string& reason) {
  return Status::InvalidConfig(Where(source, node.Mark()) + ": " + reason);
}

Result<std::string> ScalarKey(std::string_view source, const YAML::Node& key) {
  if (!key.IsScalar()) return ErrorAt(source, key, "map keys must be plain text");
  return key.Scalar();
}

// Joins a sequence of scalars with commas, the way Connect writes LIST values.
Result<std::string> JoinSequence(std::string_view source, const std::string& key,
                                 const YAML::Node& seq) {
  std::string joined;
  bool first = true;
  for (const YAML::Node& item : seq) {
    if (!item.IsScalar() && !item.IsNull()) {
      return ErrorAt(source, item, "list \"" + key + "\" may only hold plain values");
    }
    if (!first) joined += ",";
    first = false;
    if (item.IsScalar()) joined += item.Scalar();
  }
  return joined;
}

Status Flatten(std::string_view source, const YAML::Node& map, const std::string& prefix,
               ConfigMap* out) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    // yaml-cpp's iterator hands out temporaries: copy the (cheap, shared) node handles.
    const YAML::Node key_node = it->first;
    const YAML::Node value = it->second;
    TRIBUTARY_ASSIGN_OR_RETURN(std::string key, ScalarKey(source, key_node));
    std::string full = prefix.empty() ? key : prefix + "." + key;
    if (value.IsMap()) {
      TRIBUTARY_RETURN_IF_ERROR(Flatten(source, value, full, out));
      continue;
    }
    std::string text;
    if (value.IsNull()) {
      continue;
    } else if (value.IsSequence()) {
      TRIBUTARY_ASSIGN_OR_RETURN(text, JoinSequence(source, full, value));
    } else {
      text = value.Scalar();
    }
    if (!out->emplace(full, std::move(text)).second) {
      return ErrorAt(source, key_node, "key \"" + full + "\" is given twice");
    }
  }
  return Status::Ok();
}

Result<YAML::Node> LoadDocument(std::string_view text, std::string_view source) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Status::InvalidConfig(Where(source, e.mark) + ": " + e.msg);
  } catch (const std::exception& e) {
    return Status::InvalidConfig(std::string(source) + ": " + e.what());
  }
}

Result<ConfigMap> FlattenTopLevel(std::string_view source, const YAML::Node& node,
                                  const std::string& what) {
  ConfigMap out;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsMap()) return ErrorAt(source, node, what + " must be a map of keys to values");
  TRIBUTARY_RETURN_IF_ERROR(Flatten(source, node, "", &out));
  return out;
}

Status AddConnector(std::string_view source, const YAML::Node& at, std::string name,
                    ConfigMap config, std::optional<std::string> initial_state,
                    std::set<std::string>* seen, std::vector<NamedConfig>* out) {
  if (name.empty()) return ErrorAt(source, at, "a connector needs a non-empty name");
  if (!seen->insert(name).second) {
    return ErrorAt(source, at, "connector \"" + name + "\" is defined twice");
  }
  auto existing = config.find("name");
  if (existing != config.end() && existing->second != name) {
    return ErrorAt(source, at,
                   "connector \"" + name + "\" has a different name in its config: \"" +
                       existing->second + "\"");
  }
  config["name"] = name;
  if (initial_state) {
    std::string upper;
    for (char c : *initial_state) upper.push_back(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    if (upper != "RUNNING" && upper != "PAUSED" && upper != "STOPPED") {
      return ErrorAt(
          source, at,
          "initial_state must be RUNNING, PAUSED or STOPPED, not \"" + *initial_state + "\"");
    }
    initial_state = upper;
  }
  out->push_back(NamedConfig{std::move(name), std::move(config), std::move(initial_state)});
  return Status::Ok();
}

Result<WorkerConfigFile> ParseWorkerNode(std::string_view source, const YAML::Node& root) {
  WorkerConfigFile file;
  if (!root.IsDefined() || root.IsNull()) return file;
  if (!root.IsMap())
    return ErrorAt(source, root, "expected a map with \"worker\" and \"connectors\"");
  for (auto it = root.begin(); it != root.end(); ++it) {
    const YAML::Node key_node = it->first;
    TRIBUTARY_ASSIGN_OR_RETURN(std::string key, ScalarKey(source, key_node));
    if (key != "worker" && key != "connectors") {
      return ErrorAt(source, key_node,
                     "unknown section \"" + key + "\" (expected \"worker\" or \"connectors\")");
    }
  }
  TRIBUTARY_ASSIGN_OR_RETURN(file.worker, FlattenTopLevel(source, root["worker"], "worker"));

  const YAML::Node connectors = root["connectors"];
  std::set<std::string> seen;
  if (!connectors.IsDefined() || connectors.IsNull()) return file;
  if (connectors.IsSequence()) {
    for (const YAML::Node& item : connectors) {
      if (!item.IsMap()) {
        return ErrorAt(source, item, "each connector must be a map with \"name\" and \"config\"");
      }
      std::string name;
      std::optional<std::string> initial_state;
      ConfigMap config;
      for (auto it = item.begin(); it != item.end(); ++it) {
        const YAML::Node key_node = it->first;
        const YAML::Node value = it->second;
        TRIBUTARY_ASSIGN_OR_RETURN(std::string key, ScalarKey(source, key_node));
        if (key == "name" || key == "initial_state") {
          if (!value.IsScalar()) return ErrorAt(source, value, key + " must be text");
          (key == "name" ? name : initial_state.emplace()) = value.Scalar();
        } else if (key == "config") {
          TRIBUTARY_ASSIGN_OR_RETURN(config, FlattenTopLevel(source, value, "config"));
        } else {
          return ErrorAt(
              source, key_node,
              "unknown connector field \"" + key + "\" (expected name, config, initial_state)");
        }
      }
      TRIBUTARY_RETURN_IF_ERROR(AddConnector(source, item, std::move(name), std::move(config),
                                             std::move(initial_state), &seen, &file.connectors));
    }
  } else if (connectors.IsMap()) {
    for (auto it = connectors.begin(); it != connectors.end(); ++it) {
      const YAML::Node key_node = it->first;
      const YAML::Node value = it->second;
      TRIBUTARY_ASSIGN_OR_RETURN(std::string name, ScalarKey(source, key_node));
      TRIBUTARY_ASSIGN_OR_RETURN(ConfigMap config,
                                 FlattenTopLevel(source, value, "connector config"));
      TRIBUTARY_RETURN_IF_ERROR(AddConnector(source, key_node, std::move(name), std::move(config),
                                             std::nullopt, &seen, &file.connectors));
    }
  } else {
    return ErrorAt(source, connectors, "\"connectors\" must be a list or a map");
  }
  return file;
}

}  // namespace

Result<ConfigMap> ParseYamlConfig(std::string_view text, std::string_view source_name) {
  try {
    TRIBUTARY_ASSIGN_OR_RETURN(YAML::Node root, LoadDocument(text, source_name));
    return FlattenTopLevel(source_name, root, "the document");
  } catch (const YAML::Exception& e) {
    return Status::InvalidConfig(Where(source_name, e.mark) + ": " + e.msg);
  } catch (const std::exception& e) {
    return Status::InvalidConfig(std::string(source_name) + ": " + e.what());
  }
}

Result<ConfigMap> LoadYamlConfig(const std::string& path) {
  TRIBUTARY_ASSIGN_OR_RETURN(std::string text, ReadConfigFile(path));
  return ParseYamlConfig(text, path);
}

Result<WorkerConfigFile> ParseWorkerConfigFile(std::string_view text,
                                               std::string_view source_name) {
  try {
    TRIBUTARY_ASSIGN_OR_RETURN(YAML::Node root, LoadDocument(text, source_name));
    return ParseWorkerNode(source_name, root);
  } catch (const YAML::Exception& e) {
    return Status::InvalidConfig(Where(source_name, e.mark) + ": " + e.msg);
  } catch (const std::exception& e) {
    return Status::InvalidConfig(std::string(source_name) + ": " + e.what());
  }
}

Result<WorkerConfigFile> LoadWorkerConfigFile(const std::string& path) {
  TRIBUTARY_ASSIGN_OR_RETURN(std::string text, ReadConfigFile(path));
  return ParseWorkerConfigFile(text, path);
}

}  // namespace tributary::runtime
