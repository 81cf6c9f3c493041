#pragma once

#include <string>
#include <string_view>

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
// A JSON string literal (with quotes) for `text`.
std::string JsonString(std::string_view text);

// Returns `text` with every byte sequence that is not valid UTF-8 replaced by U+FFFD.
std::string SanitizeUtf8(std::string_view text);

}  // namespace tributary::rest
