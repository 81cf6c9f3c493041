#include "rest-api/loggers_resource.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <vector>

#include "rest-api/entities.h"

namespace tributary::rest {

namespace {

const char* Log4jName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "TRACE";
    case spdlog::level::debug:
      return "DEBUG";
    case spdlog::level::info:
      return "INFO";
    case spdlog::level::warn:
      return "WARN";
    case spdlog::level::err:
      return "ERROR";
    case spdlog::level::critical:
      return "FATAL";
    default:
      return "OFF";
  }
}

std::optional<spdlog::level::level_enum> ParseLevel(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  if (text == "TRACE") return spdlog::level::trace;
  if (text == "DEBUG") return spdlog::level::debug;
  if (text == "INFO") return spdlog::level::info;
  if (text == "WARN") return spdlog::level::warn;
  if (text == "ERROR") return spdlog::level::err;
  if (text == "FATAL") return spdlog::level::critical;
  if (text == "OFF") return spdlog::level::off;
  return std::nullopt;
}

// Names of spdlog's registered loggers (the default logger has the empty name: "root" here).
std::vector<std::string> SpdlogLoggers() {
  std::vector<std::string> names;
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& logger) {
    if (!logger->name().empty()) names.push_back(logger->name());
  });
  return names;
}

spdlog::level::level_enum LevelOf(const std::string& name) {
  if (name == "root") return spdlog::default_logger_raw()->level();
  auto logger = spdlog::get(name);
  return logger ? logger->level() : spdlog::default_logger_raw()->level();
}

void WriteLevel(rapidjson::Writer<rapidjson::StringBuffer>& w, spdlog::level::level_enum level,
                std::optional<int64_t> last_modified) {
  w.StartObject();
  w.Key("level");
  w.String(Log4jName(level));
  w.Key("last_modified");
  if (last_modified) {
    w.Int64(*last_modified);
  } else {
    w.Null();
  }
  w.EndObject();
}

}  // namespace

Status LoggersResource::Register(Router* router) {
  TRIBUTARY_RETURN_IF_ERROR(
      router->Add("GET", "/admin/loggers", [this](const RestRequest& r) { return List(r); }));
  TRIBUTARY_RETURN_IF_ERROR(router->Add("GET", "/admin/loggers/{logger}",
                                        [this](const RestRequest& r) { return Get(r); }));
  return router->Add("PUT", "/admin/loggers/{logger}",
                     [this](const RestRequest& r) { return Set(r); });
}

RestResponse LoggersResource::List(const RestRequest&) {
  std::lock_guard lock(mu_);
  std::map<std::string, std::optional<int64_t>> names{{"root", std::nullopt}};
  for (const auto& name : SpdlogLoggers()) names.emplace(name, std::nullopt);
  for (const auto& [name, when] : last_modified_) names[name] = when;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  for (const auto& [name, when] : names) {
    const std::string clean = SanitizeUtf8(name);
    w.Key(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
    WriteLevel(w, LevelOf(name), when);
  }
  w.EndObject();
  return RestResponse::Json(200, std::string(buffer.GetString(), buffer.GetSize()));
}

RestResponse LoggersResource::Get(const RestRequest& request) {
  const std::string& name = request.PathParam("logger");
  std::lock_guard lock(mu_);
  auto it = last_modified_.find(name);
  const bool known = name == "root" || it != last_modified_.end() || spdlog::get(name) != nullptr;
  if (!known) return RestResponse::Error(404, "Logger " + name + " not found.");
  std::optional<int64_t> when;
  if (it != last_modified_.end()) when = it->second;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  WriteLevel(w, LevelOf(name), when);
  return RestResponse::Json(200, std::string(buffer.GetString(), buffer.GetSize()));
}

RestResponse LoggersResource::Set(const RestRequest& request) {
  const std::string& name = request.PathParam("logger");
  rapidjson::Document doc;
  doc.Parse(request.body.c_str(), request.body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return RestResponse::Error(400, "The request body must be a JSON object");
  }
  if (!doc.HasMember("level") || !doc["level"].IsString()) {
    return RestResponse::Error(400, "Desired 'level' parameter was not specified in request.");
  }
  const std::string text = doc["level"].GetString();
  std::optional<spdlog::level::level_enum> level = ParseLevel(text);
  if (!level) return RestResponse::Error(404, "invalid log level '" + text + "'.");

  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::vector<std::string> affected;
  std::lock_guard lock(mu_);
  if (name == "root") {
    spdlog::set_level(*level);  // the default logger and every registered one
    affected.push_back("root");
    for (const auto& logger : SpdlogLoggers()) affected.push_back(logger);
    for (const auto& logger : affected) last_modified_[logger] = now;
  } else {
    affected.push_back(name);
    if (auto logger = spdlog::get(name)) logger->set_level(*level);
    for (const auto& logger : SpdlogLoggers()) {
      if (logger.size() > name.size() && logger.compare(0, name.size() + 1, name + ".") == 0) {
        spdlog::get(logger)->set_level(*level);
        affected.push_back(logger);
      }
    }
    for (const auto& logger : affected) last_modified_[logger] = now;
  }
  std::sort(affected.begin(), affected.end());
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartArray();
  for (const auto& logger : affected) {
    const std::string clean = SanitizeUtf8(logger);
    w.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
  }
  w.EndArray();
  return RestResponse::Json(200, std::string(buffer.GetString(), buffer.GetSize()));
}

}  // namespace tributary::rest
