#include "rest-api/connectors_resource.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>

#include "rest-api/entities.h"

namespace tributary::rest {

ConnectorsResource::ConnectorsResource(const runtime::Herder* herder) : herder_(herder) {}

Status ConnectorsResource::Register(Router* router) {
  TRIBUTARY_RETURN_IF_ERROR(router->Add(
      "GET", "/connectors", [this](const RestRequest& r) { return ListConnectors(r); }));
  TRIBUTARY_RETURN_IF_ERROR(
      router->Add("GET", "/connectors/{name}/status",
                  [this](const RestRequest& r) { return ConnectorStatus(r); }));
  return router->Add("GET", "/connectors/{name}/tasks/{task}/status",
                     [this](const RestRequest& r) { return TaskStatus(r); });
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
  w.StartObject();
  for (const auto& name : names) {
    std::string status_json;
    if (with_status) {
      Result<runtime::ConnectorStateInfo> status = herder_->ConnectorStatus(name);
      if (!status.ok()) {
        if (status.status().code() == StatusCode::kNotFound) continue;  // deleted meanwhile
        return RestResponse::FromStatus(status.status());
      }
      status_json = ConnectorStateInfoJson(*status);
    }
    const std::string clean = SanitizeUtf8(name);
    w.Key(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
    w.StartObject();
    if (with_status) {
      w.Key("status");
      w.RawValue(status_json.data(), status_json.size(), rapidjson::kObjectType);
    }
    w.EndObject();
  }
  w.EndObject();
  return RestResponse::Json(200, std::string(buffer.GetString(), buffer.GetSize()));
}

RestResponse ConnectorsResource::ConnectorStatus(const RestRequest& request) const {
  Result<runtime::ConnectorStateInfo> status = herder_->ConnectorStatus(request.PathParam("name"));
  if (!status.ok()) return RestResponse::FromStatus(status.status());
  return RestResponse::Json(200, ConnectorStateInfoJson(*status));
}

RestResponse ConnectorsResource::TaskStatus(const RestRequest& request) const {
  const std::string& name = request.PathParam("name");
  const std::string& task_text = request.PathParam("task");
  int task_id = 0;
  auto [end, ec] = std::from_chars(task_text.data(), task_text.data() + task_text.size(), task_id);
  if (ec != std::errc() || end != task_text.data() + task_text.size()) {
    // Jersey answers a path parameter that does not convert to its type with 404.
    return RestResponse::Error(404, "HTTP 404 Not Found");
  }
  const std::string not_found = "No status found for task " + name + "-" + task_text;
  Result<runtime::ConnectorStateInfo> status = herder_->ConnectorStatus(name);
  if (!status.ok()) {
    if (status.status().code() == StatusCode::kNotFound) return RestResponse::Error(404, not_found);
    return RestResponse::FromStatus(status.status());
  }
  for (const auto& task : status->tasks) {
    if (task.id == task_id) return RestResponse::Json(200, TaskStateJson(task));
  }
  return RestResponse::Error(404, not_found);
}

}  // namespace tributary::rest
