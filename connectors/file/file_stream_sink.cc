#include "connectors/file/file_stream_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>

#include "connectors/file/file_stream_source.h"

namespace tributary::connectors::file {
namespace {

// Above this many buffered bytes Put() writes the buffer out (without fsync).
constexpr size_t kWriteThreshold = 64 * 1024;

std::string ErrnoText(int err) { return std::strerror(err); }

template <typename F>
std::string FloatText(F v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  std::string text(buf, res.ptr);
  // Java always shows a fractional part or an exponent ("1.0", not "1").
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

void AppendJsonString(std::string& out, const std::string& s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          static const char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

std::string Base64(const Bytes& bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  if (i < bytes.size()) {
    uint32_t n = bytes[i] << 16;
    if (i + 1 < bytes.size()) n |= bytes[i + 1] << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// Appends `value` as JSON. Floats that JSON cannot hold (NaN, infinities) become strings.
void AppendJson(std::string& out, const Value& value) {
  switch (value.kind()) {
    case ValueKind::kString:
      AppendJsonString(out, value.as_string());
      return;
    case ValueKind::kBytes:
      AppendJsonString(out, Base64(value.as_bytes()));
      return;
    case ValueKind::kFloat32:
    case ValueKind::kFloat64: {
      double d = value.kind() == ValueKind::kFloat32 ? value.as_float32() : value.as_float64();
      if (!std::isfinite(d)) {
        AppendJsonString(out, RenderValue(value));
      } else {
        out += RenderValue(value);
      }
      return;
    }
    case ValueKind::kArray: {
      out.push_back('[');
      bool first = true;
      for (const Value& element : value.as_array()) {
        if (!first) out.push_back(',');
        first = false;
        AppendJson(out, element);
      }
      out.push_back(']');
      return;
    }
    case ValueKind::kMap: {
      out.push_back('{');
      bool first = true;
      for (const MapEntry& entry : value.as_map()) {
        if (!first) out.push_back(',');
        first = false;
        AppendJsonString(out, RenderValue(entry.key));
        out.push_back(':');
        AppendJson(out, entry.value);
      }
      out.push_back('}');
      return;
    }
    case ValueKind::kStruct: {
      const Struct& s = value.as_struct();
      out.push_back('{');
      const auto& fields = s.schema()->fields();
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) out.push_back(',');
        AppendJsonString(out, fields[i].name);
        out.push_back(':');
        AppendJson(out, s.Get(static_cast<int>(i)));
      }
      out.push_back('}');
      return;
    }
    default:  // null, booleans, integers and decimals read the same in JSON
      out += RenderValue(value);
      return;
  }
}

}  // namespace

std::string RenderValue(const Value& value) {
  switch (value.kind()) {
    case ValueKind::kNull:
      return "null";
    case ValueKind::kBoolean:
      return value.as_bool() ? "true" : "false";
    case ValueKind::kInt8:
    case ValueKind::kInt16:
    case ValueKind::kInt32:
    case ValueKind::kInt64:
      return std::to_string(*value.AsInteger());
    case ValueKind::kFloat32:
      return FloatText(value.as_float32());
    case ValueKind::kFloat64:
      return FloatText(value.as_float64());
    case ValueKind::kString:
      return value.as_string();
    case ValueKind::kBytes:
      return std::string(value.as_bytes().begin(), value.as_bytes().end());
    case ValueKind::kDecimal:
      return value.as_decimal().ToString();
    case ValueKind::kArray:
    case ValueKind::kMap:
    case ValueKind::kStruct: {
      std::string out;
      AppendJson(out, value);
      return out;
    }
  }
  return "null";
}

const ConfigDef& FileStreamSinkConfigDef() {
  static const ConfigDef* def = [] {
    auto* d = new ConfigDef();
    d->Define(kFileConfig, ConfigType::kString, kNullDefault, Importance::kHigh,
              "Destination filename. If not specified, the standard output will be used.");
    return d;
  }();
  return *def;
}

std::string FileStreamSinkConnector::Version() const { return TRIBUTARY_VERSION; }

Status FileStreamSinkConnector::Start(const ConfigMap& props) {
  auto parsed = FileStreamSinkConfigDef().Parse(props);
  if (!parsed.ok()) return parsed.status();
  props_ = props;
  return Status::Ok();
}

Result<std::vector<ConfigMap>> FileStreamSinkConnector::TaskConfigs(int max_tasks) {
  return std::vector<ConfigMap>(static_cast<size_t>(std::max(max_tasks, 1)), props_);
}

std::unique_ptr<SinkTask> FileStreamSinkConnector::CreateTask() const {
  return std::make_unique<FileStreamSinkTask>();
}

FileStreamSinkTask::~FileStreamSinkTask() { Stop(); }

std::string FileStreamSinkTask::Version() const { return TRIBUTARY_VERSION; }

Status FileStreamSinkTask::Start(const ConfigMap& props) {
  auto parsed = FileStreamSinkConfigDef().Parse(props);
  if (!parsed.ok()) return parsed.status();
  filename_ = parsed->GetString(kFileConfig);
  if (filename_.empty()) {
    fd_ = STDOUT_FILENO;
    return Status::Ok();
  }
  fd_ = ::open(filename_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    return Status::IoError("FileStreamSinkTask couldn't find or create file '" + filename_ +
                           "': " + ErrnoText(errno));
  }
  return Status::Ok();
}

Status FileStreamSinkTask::Put(std::vector<SinkRecord>& records) {
  if (fd_ < 0) return Status::Internal("FileStreamSinkTask::Put called before Start or after Stop");
  for (const SinkRecord& record : records) {
    buffer_ += RenderValue(record.value);
    buffer_.push_back('\n');
  }
  if (buffer_.size() >= kWriteThreshold) return WriteBuffer();
  return Status::Ok();
}

Status FileStreamSinkTask::WriteBuffer() {
  size_t done = 0;
  while (done < buffer_.size()) {
    ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      buffer_.erase(0, done);
      return Status::IoError("FileStreamSinkTask cannot write to '" +
                             (filename_.empty() ? std::string("stdout") : filename_) +
                             "': " + ErrnoText(err))
          .WithRetriable(true);
    }
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
  return Status::Ok();
}

Status FileStreamSinkTask::Flush(const TopicPartitionOffsets& offsets) {
  if (fd_ < 0)
    return Status::Internal("FileStreamSinkTask::Flush called before Start or after Stop");
  TRIBUTARY_RETURN_IF_ERROR(WriteBuffer());
  if (::fsync(fd_) != 0) {
    int err = errno;
    // stdout may be a pipe or terminal, which cannot be synced; the write above is all there is.
    bool unsyncable = err == EINVAL || err == EROFS || err == ENOTSUP;
    if (!(filename_.empty() && unsyncable)) {
      return Status::IoError("FileStreamSinkTask cannot fsync '" +
                             (filename_.empty() ? std::string("stdout") : filename_) +
                             "': " + ErrnoText(err))
          .WithRetriable(true);
    }
  }
  return Status::Ok();
}

void FileStreamSinkTask::Stop() {
  if (fd_ < 0) return;
  // Best effort: offsets of unflushed records are not committed, so they are redelivered anyway.
  (void)WriteBuffer();
  buffer_.clear();
  if (fd_ != STDOUT_FILENO) ::close(fd_);
  fd_ = -1;
}

ConnectorPlugin FileStreamSinkPlugin() {
  ConnectorPlugin plugin;
  plugin.class_name = FileStreamSinkConnector::kClassName;
  plugin.type = ConnectorType::kSink;
  plugin.version = TRIBUTARY_VERSION;
  plugin.factory = [] { return std::make_unique<FileStreamSinkConnector>(); };
  return plugin;
}

}  // namespace tributary::connectors::file
