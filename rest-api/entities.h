#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/herder/herder.h"

// JSON renderings of Connect's REST entities (R/rest/entities/*.java), compact as Jackson writes
// them. Strings that are not valid UTF-8 are repaired (invalid bytes become U+FFFD) so the output
// is always valid JSON.
namespace tributary::rest {

// "UNASSIGNED", "RUNNING", "PAUSED", "STOPPED", "FAILED", "RESTARTING".
const char* RestStateName(runtime::State state);

// {"error_code":<code>,"message":"<message>"}
std::string ErrorMessageJson(int error_code, std::string_view message);
// {"version":…,"commit":…,"kafka_cluster_id":…}; an empty cluster id is written as null.
std::string ServerInfoJson(std::string_view version, std::string_view commit,
                           std::string_view kafka_cluster_id);
// {"name":…,"connector":{"state":…,"worker_id":…,"trace"?},"tasks":[…],"type":"source"|"sink"}
std::string ConnectorStateInfoJson(const runtime::ConnectorStateInfo& info);
// {"id":…,"state":…,"worker_id":…,"trace"?}
std::string TaskStateJson(const runtime::TaskStateInfo& task);
// {"status":…,"message":…}
std::string WorkerStatusJson(std::string_view status, std::string_view message);
// {"name":…,"config":{…},"tasks":[{"connector":…,"task":n}],"type":…}
std::string ConnectorInfoJson(const runtime::ConnectorInfo& info);
// {"k":"v",…}
std::string ConfigMapJson(const ConfigMap& config);
// [{"id":{"connector":…,"task":n},"config":{…}}]
std::string TaskInfosJson(const std::vector<runtime::TaskInfo>& tasks);
// Connect's ConfigKeyInfo (with `order`, as 3.9–4.1 spell it).
std::string ConfigKeyInfoJson(const ConfigKey& key);
// [ConfigKeyInfo…]
std::string ConfigKeyInfosJson(const std::vector<ConfigKey>& keys);
// Connect's ConfigInfos.
std::string ConfigInfosJson(const runtime::ConfigInfos& infos);
// [{"class":…,"type":…,"version"?:…}]
std::string PluginInfosJson(const std::vector<runtime::PluginDescription>& plugins);
// [{"path": …, "error": …}] for GET /connector-plugins/diagnostics.
std::string PluginDiagnosticsJson(const std::vector<runtime::PluginDiagnostic>& diagnostics);
// {"offsets":[{"partition":{…},"offset":{…}}]}
std::string ConnectorOffsetsJson(const std::vector<runtime::ConnectorOffset>& offsets);
// {"message":…}
std::string MessageJson(std::string_view message);
// A JSON string literal (with quotes) for `text`.
std::string JsonString(std::string_view text);

// Returns `text` with every byte sequence that is not valid UTF-8 replaced by U+FFFD.
std::string SanitizeUtf8(std::string_view text);

}  // namespace tributary::rest
