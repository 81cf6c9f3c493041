#include "rest-api/entities.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>

#include "runtime/api/connector.h"

namespace tributary::rest {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Length of the valid UTF-8 sequence starting at text[i], or 0 if it is not one (overlong forms,
// surrogates and code points above U+10FFFF are rejected, as RFC 3629 asks).
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t len;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

void WriteString(Writer& w, std::string_view text) {
  const std::string clean = SanitizeUtf8(text);
  w.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
}

void WriteKey(Writer& w, const char* key) { w.Key(key); }

void WriteTask(Writer& w, const runtime::TaskStateInfo& task) {
  w.StartObject();
  WriteKey(w, "id");
  w.Int(task.id);
  WriteKey(w, "state");
  w.String(RestStateName(task.state));
  WriteKey(w, "worker_id");
  WriteString(w, task.worker_id);
  if (!task.trace.empty()) {
    WriteKey(w, "trace");
    WriteString(w, task.trace);
  }
  w.EndObject();
}

}  // namespace

const char* RestStateName(runtime::State state) {
  switch (state) {
    case runtime::State::kUnassigned:
      return "UNASSIGNED";
    case runtime::State::kRunning:
      return "RUNNING";
    case runtime::State::kPaused:
      return "PAUSED";
    case runtime::State::kStopped:
      return "STOPPED";
    case runtime::State::kFailed:
      return "FAILED";
    case runtime::State::kRestarting:
      return "RESTARTING";
  }
  return "UNASSIGNED";
}

std::string SanitizeUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t len = Utf8SequenceLength(text, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string JsonString(std::string_view text) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  WriteString(w, text);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string ErrorMessageJson(int error_code, std::string_view message) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteKey(w, "error_code");
  w.Int(error_code);
  WriteKey(w, "message");
  WriteString(w, message);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string ServerInfoJson(std::string_view version, std::string_view commit,
                           std::string_view kafka_cluster_id) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteKey(w, "version");
  WriteString(w, version);
  WriteKey(w, "commit");
  WriteString(w, commit);
  WriteKey(w, "kafka_cluster_id");
  if (kafka_cluster_id.empty()) {
    w.Null();
  } else {
    WriteString(w, kafka_cluster_id);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string ConnectorStateInfoJson(const runtime::ConnectorStateInfo& info) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteKey(w, "name");
  WriteString(w, info.name);
  WriteKey(w, "connector");
  w.StartObject();
  WriteKey(w, "state");
  w.String(RestStateName(info.state));
  WriteKey(w, "worker_id");
  WriteString(w, info.worker_id);
  if (!info.trace.empty()) {
    WriteKey(w, "trace");
    WriteString(w, info.trace);
  }
  w.EndObject();
  WriteKey(w, "tasks");
  w.StartArray();
  for (const auto& task : info.tasks) WriteTask(w, task);
  w.EndArray();
  WriteKey(w, "type");
  w.String(ConnectorTypeName(info.type));
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string TaskStateJson(const runtime::TaskStateInfo& task) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  WriteTask(w, task);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string WorkerStatusJson(std::string_view status, std::string_view message) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteKey(w, "status");
  WriteString(w, status);
  WriteKey(w, "message");
  WriteString(w, message);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

namespace {

std::string Done(const rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize());
}

void WriteConfig(Writer& w, const ConfigMap& config) {
  w.StartObject();
  for (const auto& [key, value] : config) {
    const std::string clean = SanitizeUtf8(key);
    w.Key(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
    WriteString(w, value);
  }
  w.EndObject();
}

void WriteOptionalString(Writer& w, const std::optional<std::string>& value) {
  if (value) {
    WriteString(w, *value);
  } else {
    w.Null();
  }
}

void WriteConfigKey(Writer& w, const ConfigKey& key) {
  w.StartObject();
  WriteKey(w, "name");
  WriteString(w, key.name);
  WriteKey(w, "type");
  w.String(ConfigTypeName(key.type));
  WriteKey(w, "required");
  w.Bool(key.required());
  WriteKey(w, "default_value");
  if (key.required() || key.null_default) {
    w.Null();
  } else {
    WriteString(w, *key.default_value);
  }
  WriteKey(w, "importance");
  w.String(ImportanceName(key.importance));
  WriteKey(w, "documentation");
  WriteString(w, key.documentation);
  WriteKey(w, "group");
  WriteOptionalString(w, key.group.empty() ? std::nullopt : std::optional<std::string>(key.group));
  WriteKey(w, "order");
  w.Int(-1);
  WriteKey(w, "width");
  w.String("NONE");
  WriteKey(w, "display_name");
  WriteString(w, key.display_name.empty() ? key.name : key.display_name);
  WriteKey(w, "dependents");
  w.StartArray();
  w.EndArray();
  w.EndObject();
}

}  // namespace

std::string ConnectorInfoJson(const runtime::ConnectorInfo& info) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteKey(w, "name");
  WriteString(w, info.name);
  WriteKey(w, "config");
  WriteConfig(w, info.config);
  WriteKey(w, "tasks");
  w.StartArray();
  for (int task : info.tasks) {
    w.StartObject();
    WriteKey(w, "connector");
    WriteString(w, info.name);
    WriteKey(w, "task");
    w.Int(task);
    w.EndObject();
  }
  w.EndArray();
  WriteKey(w, "type");
  w.String(ConnectorTypeName(info.type));
  w.EndObject();
  return Done(buffer);
}

std::string ConfigMapJson(const ConfigMap& config) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  WriteConfig(w, config);
  return Done(buffer);
}

std::string TaskInfosJson(const std::vector<runtime::TaskInfo>& tasks) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartArray();
  for (const auto& task : tasks) {
    w.StartObject();
    WriteKey(w, "id");
    w.StartObject();
    WriteKey(w, "connector");
    WriteString(w, task.connector);
    WriteKey(w, "task");
    w.Int(task.task);
    w.EndObject();
    WriteKey(w, "config");
    WriteConfig(w, task.config);
    w.EndObject();
  }
  w.EndArray();
  return Done(buffer);
}

std::string ConfigKeyInfoJson(const ConfigKey& key) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  WriteConfigKey(w, key);
  return Done(buffer);
}

std::string ConfigKeyInfosJson(const std::vector<ConfigKey>& keys) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartArray();
  for (const auto& key : keys) WriteConfigKey(w, key);
  w.EndArray();
  return Done(buffer);
}

std::string ConfigInfosJson(const runtime::ConfigInfos& infos) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteKey(w, "name");
  WriteString(w, infos.name);
  WriteKey(w, "error_count");
  w.Int(infos.error_count);
  WriteKey(w, "groups");
  w.StartArray();
  for (const auto& group : infos.groups) WriteString(w, group);
  w.EndArray();
  WriteKey(w, "configs");
  w.StartArray();
  for (const auto& config : infos.configs) {
    w.StartObject();
    WriteKey(w, "definition");
    WriteConfigKey(w, config.definition);
    WriteKey(w, "value");
    w.StartObject();
    WriteKey(w, "name");
    WriteString(w, config.definition.name);
    WriteKey(w, "value");
    WriteOptionalString(w, config.value);
    WriteKey(w, "recommended_values");
    w.StartArray();
    w.EndArray();
    WriteKey(w, "errors");
    w.StartArray();
    for (const auto& error : config.errors) WriteString(w, error);
    w.EndArray();
    WriteKey(w, "visible");
    w.Bool(true);
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return Done(buffer);
}

std::string PluginDiagnosticsJson(const std::vector<runtime::PluginDiagnostic>& diagnostics) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartArray();
  for (const auto& d : diagnostics) {
    w.StartObject();
    WriteKey(w, "path");
    WriteString(w, d.path);
    WriteKey(w, "error");
    WriteString(w, d.reason);
    w.EndObject();
  }
  w.EndArray();
  return Done(buffer);
}

std::string PluginInfosJson(const std::vector<runtime::PluginDescription>& plugins) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartArray();
  for (const auto& plugin : plugins) {
    w.StartObject();
    WriteKey(w, "class");
    WriteString(w, plugin.class_name);
    WriteKey(w, "type");
    WriteString(w, plugin.type);
    if (!plugin.version.empty() && plugin.version != "undefined") {
      WriteKey(w, "version");
      WriteString(w, plugin.version);
    }
    w.EndObject();
  }
  w.EndArray();
  return Done(buffer);
}

std::string ConnectorOffsetsJson(const std::vector<runtime::ConnectorOffset>& offsets) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteKey(w, "offsets");
  w.StartArray();
  for (const auto& offset : offsets) {
    w.StartObject();
    WriteKey(w, "partition");
    w.RawValue(offset.partition_json.data(), offset.partition_json.size(), rapidjson::kObjectType);
    WriteKey(w, "offset");
    w.RawValue(offset.offset_json.data(), offset.offset_json.size(), rapidjson::kObjectType);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return Done(buffer);
}

std::string MessageJson(std::string_view message) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteKey(w, "message");
  WriteString(w, message);
  w.EndObject();
  return Done(buffer);
}

}  // namespace tributary::rest
