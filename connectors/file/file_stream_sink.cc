#include "connectors/file/file_stream_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "connectors/common/value_json.h"
#include "connectors/file/file_stream_source.h"

namespace tributary::connectors::file {
namespace {

// Above this many buffered bytes Put() writes the buffer out (without fsync).
constexpr size_t kWriteThreshold = 64 * 1024;

std::string ErrnoText(int err) { return std::strerror(err); }

}  // namespace

std::string RenderValue(const Value& value) {
  switch (value.kind()) {
    case ValueKind::kFloat32:
      return FloatText(value.as_float32());
    case ValueKind::kFloat64:
      return FloatText(value.as_float64());
    case ValueKind::kString:
      return value.as_string();
    case ValueKind::kBytes:
      return std::string(AsText(value.as_bytes()));
    default: {  // null, booleans, integers and decimals read the same as in JSON
      std::string out;
      AppendValueJson(out, value);
      return out;
    }
  }
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
