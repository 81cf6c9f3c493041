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

}  // namespace tributary::rest
