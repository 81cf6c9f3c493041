#include "rest-api/connectors_resource.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "rest-api/entities.h"

namespace tributary::rest {

namespace {

using runtime::ConnectorTargetState;
using Patch = std::map<std::string, std::optional<std::string>>;

std::string Compact(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Status ParseBody(const std::string& body, rapidjson::Document* doc) {
  doc->Parse(body.c_str(), body.size());
  if (doc->HasParseError()) {
    return Status::InvalidArgument(std::string("Invalid JSON in the request body at offset ") +
                                   std::to_string(doc->GetErrorOffset()) + ": " +
                                   rapidjson::GetParseError_En(doc->GetParseError()));
  }
  return Status::Ok();
}

// A JSON object of string values (scalars coerced to text; null kept only if `allow_null`).
Result<Patch> ParseStringMap(const rapidjson::Value& value, bool allow_null, const char* what) {
  if (!value.IsObject()) return Status::InvalidArgument(std::string(what) + " must be an object");
  Patch out;
  for (const auto& member : value.GetObject()) {
    const std::string key(member.name.GetString(), member.name.GetStringLength());
    const auto& v = member.value;
    if (v.IsString()) {
      out[key] = std::string(v.GetString(), v.GetStringLength());
    } else if (v.IsNumber() || v.IsBool()) {
      out[key] = Compact(v);
    } else if (v.IsNull()) {
      if (!allow_null) {
        return Status::InvalidArgument(std::string(what) + ": the value of \"" + key +
                                       "\" may not be null");
      }
      out[key] = std::nullopt;
    } else {
      return Status::InvalidArgument(std::string(what) + ": the value of \"" + key +
                                     "\" must be a string");
    }
  }
  return out;
}

Result<ConfigMap> ParseConfig(const rapidjson::Value& value, const char* what) {
  TRIBUTARY_ASSIGN_OR_RETURN(Patch patch, ParseStringMap(value, false, what));
  ConfigMap config;
  for (auto& [key, v] : patch) config[key] = *v;
  return config;
}

std::string Trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  const auto end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

bool QueryBool(const RestRequest& request, std::string_view key) {
  auto value = request.QueryValue(key);
  if (!value) return false;
  std::string lower = *value;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return lower == "true";
}

// Jersey answers a path parameter that does not convert to its type with 404.
std::optional<int> TaskId(const RestRequest& request) {
  const std::string& text = request.PathParam("task");
  int id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return id;
}

std::string LocationOf(const std::string& name) {
  // The Location header is a URI: escape everything but unreserved characters.
  std::string out = "/connectors/";
  static const char* kHex = "0123456789ABCDEF";
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string NormalizedPluginName(std::string name) {
  const std::string suffix = "Connector";
  if (name.size() > suffix.size() &&
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    name.resize(name.size() - suffix.size());
  }
  return name;
}

}  // namespace

ConnectorsResource::ConnectorsResource(runtime::Herder* herder, bool topic_tracking,
                                       bool topic_tracking_reset)
    : herder_(herder),
      topic_tracking_(topic_tracking),
      topic_tracking_reset_(topic_tracking_reset) {}

Status ConnectorsResource::Register(Router* router) {
  struct Route {
    const char* method;
    const char* pattern;
    RestResponse (ConnectorsResource::*handler)(const RestRequest&);
    RestResponse (ConnectorsResource::*const_handler)(const RestRequest&) const;
  };
  const Route routes[] = {
      {"GET", "/connectors", nullptr, &ConnectorsResource::ListConnectors},
      {"POST", "/connectors", &ConnectorsResource::CreateConnector, nullptr},
      {"GET", "/connectors/{name}", nullptr, &ConnectorsResource::GetConnector},
      {"DELETE", "/connectors/{name}", &ConnectorsResource::DeleteConnector, nullptr},
      {"GET", "/connectors/{name}/config", nullptr, &ConnectorsResource::GetConfig},
      {"PUT", "/connectors/{name}/config", &ConnectorsResource::PutConfig, nullptr},
      {"PATCH", "/connectors/{name}/config", &ConnectorsResource::PatchConfig, nullptr},
      {"GET", "/connectors/{name}/status", nullptr, &ConnectorsResource::ConnectorStatus},
      {"GET", "/connectors/{name}/tasks", nullptr, &ConnectorsResource::GetTasks},
      {"GET", "/connectors/{name}/tasks/{task}/status", nullptr, &ConnectorsResource::TaskStatus},
      {"POST", "/connectors/{name}/restart", &ConnectorsResource::Restart, nullptr},
      {"POST", "/connectors/{name}/tasks/{task}/restart", &ConnectorsResource::RestartTask,
       nullptr},
      {"PUT", "/connectors/{name}/pause", &ConnectorsResource::Pause, nullptr},
      {"PUT", "/connectors/{name}/resume", &ConnectorsResource::Resume, nullptr},
      {"PUT", "/connectors/{name}/stop", &ConnectorsResource::StopConnector, nullptr},
      {"GET", "/connectors/{name}/offsets", nullptr, &ConnectorsResource::GetOffsets},
      {"PATCH", "/connectors/{name}/offsets", &ConnectorsResource::AlterOffsets, nullptr},
      {"DELETE", "/connectors/{name}/offsets", &ConnectorsResource::ResetOffsets, nullptr},
      {"GET", "/connectors/{name}/topics", nullptr, &ConnectorsResource::GetActiveTopics},
      {"PUT", "/connectors/{name}/topics/reset", &ConnectorsResource::ResetActiveTopics, nullptr},
  };
  for (const Route& route : routes) {
    Router::Handler handler;
    if (route.handler) {
      handler = [this, h = route.handler](const RestRequest& r) { return (this->*h)(r); };
    } else {
      handler = [this, h = route.const_handler](const RestRequest& r) { return (this->*h)(r); };
    }
    TRIBUTARY_RETURN_IF_ERROR(router->Add(route.method, route.pattern, std::move(handler)));
  }
  return Status::Ok();
}

RestResponse ConnectorsResource::ListConnectors(const RestRequest& request) const {
  std::vector<std::string> names = herder_->ConnectorNames();
  std::sort(names.begin(), names.end());
  const std::vector<std::string> expand = request.QueryValues("expand");
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  if (!request.QueryValue("expand")) {
    w.StartArray();
    for (const auto& name : names) {
      const std::string clean = SanitizeUtf8(name);
      w.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
    }
    w.EndArray();
    return RestResponse::Json(200, std::string(buffer.GetString(), buffer.GetSize()));
  }
  const bool with_status = std::find(expand.begin(), expand.end(), "status") != expand.end();
  const bool with_info = std::find(expand.begin(), expand.end(), "info") != expand.end();
  w.StartObject();
  for (const auto& name : names) {
    std::string status_json, info_json;
    if (with_status) {
      Result<runtime::ConnectorStateInfo> status = herder_->ConnectorStatus(name);
      if (!status.ok()) {
        if (status.status().code() == StatusCode::kNotFound) continue;  // deleted meanwhile
        return RestResponse::FromStatus(status.status());
      }
      status_json = ConnectorStateInfoJson(*status);
    }
    if (with_info) {
      Result<runtime::ConnectorInfo> info = herder_->GetConnectorInfo(name);
      if (!info.ok()) {
        if (info.status().code() == StatusCode::kNotFound) continue;
        return RestResponse::FromStatus(info.status());
      }
      info_json = ConnectorInfoJson(*info);
    }
    const std::string clean = SanitizeUtf8(name);
    w.Key(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
    w.StartObject();
    if (with_info) {
      w.Key("info");
      w.RawValue(info_json.data(), info_json.size(), rapidjson::kObjectType);
    }
    if (with_status) {
      w.Key("status");
      w.RawValue(status_json.data(), status_json.size(), rapidjson::kObjectType);
    }
    w.EndObject();
  }
  w.EndObject();
  return RestResponse::Json(200, std::string(buffer.GetString(), buffer.GetSize()));
}

RestResponse ConnectorsResource::PutOrCreate(const std::string& name, const ConfigMap& config,
                                             bool allow_replace, ConnectorTargetState state) {
  Result<runtime::PutConfigResult> result =
      herder_->PutConnectorConfig(name, config, allow_replace, state);
  if (!result.ok()) return RestResponse::FromStatus(result.status());
  RestResponse response =
      RestResponse::Json(result->created ? 201 : 200, ConnectorInfoJson(result->info));
  if (result->created) response.headers.emplace_back("Location", LocationOf(name));
  return response;
}

RestResponse ConnectorsResource::CreateConnector(const RestRequest& request) {
  rapidjson::Document doc;
  if (Status st = ParseBody(request.body, &doc); !st.ok()) return RestResponse::FromStatus(st);
  if (!doc.IsObject()) return RestResponse::Error(400, "The request body must be a JSON object");
  std::optional<std::string> name;
  std::optional<ConfigMap> config;
  ConnectorTargetState state = ConnectorTargetState::kStarted;
  for (const auto& member : doc.GetObject()) {
    const std::string key = member.name.GetString();
    if (key == "name") {
      if (member.value.IsNull()) continue;
      if (!member.value.IsString()) return RestResponse::Error(400, "\"name\" must be a string");
      name = Trim(member.value.GetString());
    } else if (key == "config") {
      if (member.value.IsNull()) continue;
      Result<ConfigMap> parsed = ParseConfig(member.value, "\"config\"");
      if (!parsed.ok()) return RestResponse::FromStatus(parsed.status());
      config = std::move(*parsed);
    } else if (key == "initial_state") {
      if (member.value.IsNull()) continue;
      std::string text = member.value.IsString() ? member.value.GetString() : Compact(member.value);
      std::string upper = text;
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](unsigned char c) { return std::toupper(c); });
      if (upper == "RUNNING") {
        state = ConnectorTargetState::kStarted;
      } else if (upper == "PAUSED") {
        state = ConnectorTargetState::kPaused;
      } else if (upper == "STOPPED") {
        state = ConnectorTargetState::kStopped;
      } else {
        return RestResponse::Error(
            400, "Invalid initial_state \"" + text + "\": expected RUNNING, PAUSED or STOPPED");
      }
    } else {
      return RestResponse::Error(
          400, "Unrecognized field \"" + key + "\" (expected name, config, initial_state)");
    }
  }
  if (!name || name->empty()) return RestResponse::Error(400, "Connector name must be given");
  if (!config) return RestResponse::Error(400, "Connector config must be given");
  return PutOrCreate(*name, *config, /*allow_replace=*/false, state);
}

RestResponse ConnectorsResource::GetConnector(const RestRequest& request) const {
  Result<runtime::ConnectorInfo> info = herder_->GetConnectorInfo(request.PathParam("name"));
  if (!info.ok()) return RestResponse::FromStatus(info.status());
  return RestResponse::Json(200, ConnectorInfoJson(*info));
}

RestResponse ConnectorsResource::GetConfig(const RestRequest& request) const {
  Result<runtime::ConnectorInfo> info = herder_->GetConnectorInfo(request.PathParam("name"));
  if (!info.ok()) return RestResponse::FromStatus(info.status());
  return RestResponse::Json(200, ConfigMapJson(info->config));
}

RestResponse ConnectorsResource::PutConfig(const RestRequest& request) {
  rapidjson::Document doc;
  if (Status st = ParseBody(request.body, &doc); !st.ok()) return RestResponse::FromStatus(st);
  Result<ConfigMap> config = ParseConfig(doc, "The connector config");
  if (!config.ok()) return RestResponse::FromStatus(config.status());
  return PutOrCreate(request.PathParam("name"), *config, /*allow_replace=*/true,
                     ConnectorTargetState::kStarted);
}

RestResponse ConnectorsResource::PatchConfig(const RestRequest& request) {
  rapidjson::Document doc;
  if (Status st = ParseBody(request.body, &doc); !st.ok()) return RestResponse::FromStatus(st);
  Result<Patch> patch = ParseStringMap(doc, /*allow_null=*/true, "The connector config patch");
  if (!patch.ok()) return RestResponse::FromStatus(patch.status());
  Result<runtime::ConnectorInfo> info =
      herder_->PatchConnectorConfig(request.PathParam("name"), *patch);
  if (!info.ok()) return RestResponse::FromStatus(info.status());
  return RestResponse::Json(200, ConnectorInfoJson(*info));
}

RestResponse ConnectorsResource::DeleteConnector(const RestRequest& request) {
  Status st = herder_->DeleteConnectorConfig(request.PathParam("name"));
  return st.ok() ? RestResponse::Empty(204) : RestResponse::FromStatus(st);
}

RestResponse ConnectorsResource::ConnectorStatus(const RestRequest& request) const {
  Result<runtime::ConnectorStateInfo> status = herder_->ConnectorStatus(request.PathParam("name"));
  if (!status.ok()) return RestResponse::FromStatus(status.status());
  return RestResponse::Json(200, ConnectorStateInfoJson(*status));
}

RestResponse ConnectorsResource::GetTasks(const RestRequest& request) const {
  Result<std::vector<runtime::TaskInfo>> tasks = herder_->GetTaskConfigs(request.PathParam("name"));
  if (!tasks.ok()) return RestResponse::FromStatus(tasks.status());
  return RestResponse::Json(200, TaskInfosJson(*tasks));
}

RestResponse ConnectorsResource::TaskStatus(const RestRequest& request) const {
  const std::string& name = request.PathParam("name");
  std::optional<int> task_id = TaskId(request);
  if (!task_id) return RestResponse::Error(404, "HTTP 404 Not Found");
  const std::string not_found =
      "No status found for task " + name + "-" + request.PathParam("task");
  Result<runtime::ConnectorStateInfo> status = herder_->ConnectorStatus(name);
  if (!status.ok()) {
    if (status.status().code() == StatusCode::kNotFound) return RestResponse::Error(404, not_found);
    return RestResponse::FromStatus(status.status());
  }
  for (const auto& task : status->tasks) {
    if (task.id == *task_id) return RestResponse::Json(200, TaskStateJson(task));
  }
  return RestResponse::Error(404, not_found);
}

RestResponse ConnectorsResource::Restart(const RestRequest& request) {
  const bool include_tasks = QueryBool(request, "includeTasks");
  const bool only_failed = QueryBool(request, "onlyFailed");
  Result<runtime::ConnectorStateInfo> plan =
      herder_->RestartConnectorAndTasks(request.PathParam("name"), include_tasks, only_failed);
  if (!plan.ok()) return RestResponse::FromStatus(plan.status());
  if (!include_tasks && !only_failed) return RestResponse::Empty(204);
  return RestResponse::Json(202, ConnectorStateInfoJson(*plan));
}

RestResponse ConnectorsResource::RestartTask(const RestRequest& request) {
  std::optional<int> task_id = TaskId(request);
  if (!task_id) return RestResponse::Error(404, "HTTP 404 Not Found");
  Status st = herder_->RestartTask(request.PathParam("name"), *task_id);
  return st.ok() ? RestResponse::Empty(204) : RestResponse::FromStatus(st);
}

RestResponse ConnectorsResource::Pause(const RestRequest& request) {
  Status st = herder_->SetTargetState(request.PathParam("name"), ConnectorTargetState::kPaused);
  return st.ok() ? RestResponse::Empty(202) : RestResponse::FromStatus(st);
}

RestResponse ConnectorsResource::Resume(const RestRequest& request) {
  Status st = herder_->SetTargetState(request.PathParam("name"), ConnectorTargetState::kStarted);
  return st.ok() ? RestResponse::Empty(202) : RestResponse::FromStatus(st);
}

RestResponse ConnectorsResource::StopConnector(const RestRequest& request) {
  Status st = herder_->SetTargetState(request.PathParam("name"), ConnectorTargetState::kStopped);
  return st.ok() ? RestResponse::Empty(204) : RestResponse::FromStatus(st);
}

RestResponse ConnectorsResource::GetOffsets(const RestRequest& request) const {
  Result<std::vector<runtime::ConnectorOffset>> offsets =
      herder_->GetOffsets(request.PathParam("name"));
  if (!offsets.ok()) return RestResponse::FromStatus(offsets.status());
  return RestResponse::Json(200, ConnectorOffsetsJson(*offsets));
}

RestResponse ConnectorsResource::GetActiveTopics(const RestRequest& request) const {
  if (!topic_tracking_) return RestResponse::Error(403, "Topic tracking is disabled.");
  const std::string name = request.PathParam("name");
  Result<std::vector<std::string>> topics = herder_->ConnectorActiveTopics(name);
  if (!topics.ok()) return RestResponse::FromStatus(topics.status());
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
  w.StartObject();
  w.Key("topics");
  w.StartArray();
  for (const auto& topic : *topics) {
    w.String(topic.c_str(), static_cast<rapidjson::SizeType>(topic.size()));
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
  return RestResponse::Json(200, std::string(buffer.GetString(), buffer.GetSize()));
}

RestResponse ConnectorsResource::ResetActiveTopics(const RestRequest& request) {
  if (!topic_tracking_) return RestResponse::Error(403, "Topic tracking is disabled.");
  if (!topic_tracking_reset_) return RestResponse::Error(403, "Topic tracking reset is disabled.");
  Status st = herder_->ResetConnectorActiveTopics(request.PathParam("name"));
  if (!st.ok()) return RestResponse::FromStatus(st);
  return RestResponse::Empty(202);
}

RestResponse ConnectorsResource::AlterOffsets(const RestRequest& request) {
  static const char* kMissing =
      "Partitions / offsets need to be provided for an alter offsets request";
  rapidjson::Document doc;
  if (Status st = ParseBody(request.body, &doc); !st.ok()) return RestResponse::FromStatus(st);
  if (!doc.IsObject() || !doc.HasMember("offsets") || !doc["offsets"].IsArray() ||
      doc["offsets"].Empty()) {
    return RestResponse::Error(400, kMissing);
  }
  std::vector<runtime::ConnectorOffset> offsets;
  for (const auto& entry : doc["offsets"].GetArray()) {
    if (!entry.IsObject()) {
      return RestResponse::Error(400, "Offsets must be objects with 'partition' and 'offset'");
    }
    // The herder checks partitions: its messages depend on the connector type (source or sink).
    runtime::ConnectorOffset offset;
    offset.partition_json =
        entry.HasMember("partition") ? Compact(entry["partition"]) : std::string("null");
    if (!entry.HasMember("offset") || entry["offset"].IsNull()) {
      offset.offset_json = "null";
    } else if (entry["offset"].IsObject()) {
      offset.offset_json = Compact(entry["offset"]);
    } else {
      return RestResponse::Error(400, "Source offsets must be objects or null");
    }
    offsets.push_back(std::move(offset));
  }
  Result<std::string> message =
      herder_->ModifyOffsets(request.PathParam("name"), offsets, /*reset=*/false);
  if (!message.ok()) return RestResponse::FromStatus(message.status());
  return RestResponse::Json(200, MessageJson(*message));
}

RestResponse ConnectorsResource::ResetOffsets(const RestRequest& request) {
  Result<std::string> message = herder_->ModifyOffsets(request.PathParam("name"), {}, true);
  if (!message.ok()) return RestResponse::FromStatus(message.status());
  return RestResponse::Json(200, MessageJson(*message));
}

// ---- ConnectorPluginsResource ----

Status ConnectorPluginsResource::Register(Router* router) {
  TRIBUTARY_RETURN_IF_ERROR(
      router->Add("GET", "/connector-plugins", [this](const RestRequest& r) { return List(r); }));
  TRIBUTARY_RETURN_IF_ERROR(router->Add("GET", "/connector-plugins/diagnostics",
                                        [this](const RestRequest&) { return Diagnostics(); }));
  TRIBUTARY_RETURN_IF_ERROR(router->Add("GET", "/connector-plugins/{plugin}/config",
                                        [this](const RestRequest& r) { return Config(r); }));
  return router->Add("PUT", "/connector-plugins/{plugin}/config/validate",
                     [this](const RestRequest& r) { return Validate(r); });
}

RestResponse ConnectorPluginsResource::List(const RestRequest& request) const {
  auto only = request.QueryValue("connectorsOnly");
  const bool connectors_only = !only || !(*only == "false" || *only == "FALSE" || *only == "False");
  return RestResponse::Json(200, PluginInfosJson(herder_->Plugins(connectors_only)));
}

RestResponse ConnectorPluginsResource::Diagnostics() const {
  return RestResponse::Json(200, PluginDiagnosticsJson(herder_->PluginDiagnostics()));
}

RestResponse ConnectorPluginsResource::Config(const RestRequest& request) const {
  Result<std::vector<ConfigKey>> keys = herder_->PluginConfig(request.PathParam("plugin"));
  if (!keys.ok()) return RestResponse::FromStatus(keys.status());
  return RestResponse::Json(200, ConfigKeyInfosJson(*keys));
}

RestResponse ConnectorPluginsResource::Validate(const RestRequest& request) const {
  rapidjson::Document doc;
  if (Status st = ParseBody(request.body, &doc); !st.ok()) return RestResponse::FromStatus(st);
  Result<ConfigMap> config = ParseConfig(doc, "The connector config");
  if (!config.ok()) return RestResponse::FromStatus(config.status());
  const std::string& plugin = request.PathParam("plugin");
  auto included = config->find("connector.class");
  if (included != config->end() && !included->second.empty()) {
    const std::string have = NormalizedPluginName(included->second);
    const std::string want = NormalizedPluginName(plugin);
    if (have.size() < want.size() ||
        have.compare(have.size() - want.size(), want.size(), want) != 0) {
      return RestResponse::Error(400, "Included connector type " + included->second +
                                          " does not match request type " + plugin);
    }
  }
  Result<runtime::ConfigInfos> infos = herder_->ValidateConnectorConfig(*config);
  if (!infos.ok()) return RestResponse::FromStatus(infos.status());
  return RestResponse::Json(200, ConfigInfosJson(*infos));
}

}  // namespace tributary::rest
