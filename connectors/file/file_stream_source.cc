#include "connectors/file/file_stream_source.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace tributary::connectors::file {
namespace {

constexpr size_t kReadBlockSize = 64 * 1024;
// How often an idle Poll re-checks a regular file for growth (or a missing file for creation).
constexpr int64_t kCheckIntervalMs = 5;

std::string ErrnoText(int err) { return std::strerror(err); }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

const ConfigDef& FileStreamSourceConfigDef() {
  static const ConfigDef* def = [] {
    auto* d = new ConfigDef();
    d->Define(kFileConfig, ConfigType::kString, kNullDefault, Importance::kHigh,
              "Source filename. If not specified, the standard input will be used.");
    d->Define(kTopicConfig, ConfigType::kString, kNoDefault, Importance::kHigh,
              "The topic to publish data to.", validators::NonEmptyString());
    d->Define(kBatchSizeConfig, ConfigType::kInt, std::to_string(kDefaultSourceBatchSize),
              Importance::kLow, "The maximum number of records the task returns from one poll.",
              validators::Between(1, INT32_MAX), "[1,...]");
    return d;
  }();
  return *def;
}

std::string FileStreamSourceConnector::Version() const { return TRIBUTARY_VERSION; }

Status FileStreamSourceConnector::Start(const ConfigMap& props) {
  auto parsed = FileStreamSourceConfigDef().Parse(props);
  if (!parsed.ok()) return parsed.status();
  props_ = props;
  return Status::Ok();
}

Result<std::vector<ConfigMap>> FileStreamSourceConnector::TaskConfigs(int max_tasks) {
  // Only one reader of one stream makes sense, whatever tasks.max says.
  return std::vector<ConfigMap>{props_};
}

std::unique_ptr<SourceTask> FileStreamSourceConnector::CreateTask() const {
  return std::make_unique<FileStreamSourceTask>();
}

FileStreamSourceTask::~FileStreamSourceTask() { CloseFile(); }

std::string FileStreamSourceTask::Version() const { return TRIBUTARY_VERSION; }

Status FileStreamSourceTask::Start(const ConfigMap& props) {
  auto parsed = FileStreamSourceConfigDef().Parse(props);
  if (!parsed.ok()) return parsed.status();
  filename_ = parsed->GetString(kFileConfig);
  topic_ = parsed->GetString(kTopicConfig);
  batch_size_ = parsed->GetInt(kBatchSizeConfig);
  stopped_ = false;
  if (filename_.empty()) {
    // Offsets of stdin mean nothing (it cannot be re-read), so none are looked up.
    stdin_ = true;
    fd_ = STDIN_FILENO;
    struct stat st;
    is_regular_ = ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
    return Status::Ok();
  }
  return OpenFile();
}

Status FileStreamSourceTask::OpenFile() {
  int fd = ::open(filename_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    // Like Connect, a file that does not exist yet is waited for.
    if (err == ENOENT) return Status::Ok();
    return Status::IoError("FileStreamSourceTask cannot open '" + filename_ +
                           "': " + ErrnoText(err));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::IoError("FileStreamSourceTask cannot stat '" + filename_ +
                           "': " + ErrnoText(err));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::IoError("FileStreamSourceTask cannot read '" + filename_ +
                           "': it is a directory");
  }
  is_regular_ = S_ISREG(st.st_mode);

  int64_t start = 0;
  if (context() != nullptr) {
    std::optional<SourceMap> stored =
        context()->offset_storage_reader().Offset({{kFilenameField, Value::String(filename_)}});
    if (stored) {
      auto it = stored->find(kPositionField);
      if (it != stored->end() && !it->second.is_null()) {
        std::optional<int64_t> pos = it->second.AsInteger();
        if (!pos || *pos < 0) {
          ::close(fd);
          return Status::DataError("FileStreamSourceTask: stored offset position for '" +
                                   filename_ +
                                   "' is not a non-negative integer: " + it->second.DebugString());
        }
        start = *pos;
      }
    }
  }
  // Positions are only meaningful for regular files; a FIFO or device is read from where it is.
  if (is_regular_ && start > 0) {
    if (::lseek(fd, start, SEEK_SET) < 0) {
      int err = errno;
      ::close(fd);
      return Status::IoError("FileStreamSourceTask cannot seek '" + filename_ + "' to " +
                             std::to_string(start) + ": " + ErrnoText(err));
    }
  } else {
    start = 0;
  }
  fd_ = fd;
  position_ = start;
  read_offset_ = start;
  buffer_.clear();
  buffer_start_ = 0;
  scan_from_ = 0;
  eof_ = false;
  return Status::Ok();
}

void FileStreamSourceTask::CloseFile() {
  if (fd_ >= 0 && !stdin_) ::close(fd_);
  fd_ = -1;
}

Result<size_t> FileStreamSourceTask::ReadBlock() {
  if (eof_) return size_t{0};
  if (!is_regular_) {
    // A pipe or terminal: never block in read().
    struct pollfd pfd = {fd_, POLLIN, 0};
    int ready = ::poll(&pfd, 1, 0);
    if (ready <= 0) return size_t{0};
  }
  if (buffer_start_ > 0) {
    buffer_.erase(0, buffer_start_);
    buffer_start_ = 0;
  }
  size_t old_size = buffer_.size();
  buffer_.resize(old_size + kReadBlockSize);
  ssize_t n;
  do {
    n = ::read(fd_, buffer_.data() + old_size, kReadBlockSize);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    int err = errno;
    buffer_.resize(old_size);
    if (err == EAGAIN || err == EWOULDBLOCK) return size_t{0};
    return Status::IoError("FileStreamSourceTask cannot read '" +
                           (stdin_ ? std::string("stdin") : filename_) + "': " + ErrnoText(err));
  }
  buffer_.resize(old_size + static_cast<size_t>(n));
  read_offset_ += n;
  if (n == 0 && !is_regular_) eof_ = true;  // the writer closed the pipe
  return static_cast<size_t>(n);
}

void FileStreamSourceTask::ExtractLines(std::vector<SourceRecord>& out, int64_t timestamp_ms) {
  while (static_cast<int64_t>(out.size()) < batch_size_) {
    const char* base = buffer_.data() + buffer_start_;
    size_t n = buffer_.size() - buffer_start_;
    // The first '\n' or '\r' at or after scan_from_, found with memchr (vectorised) rather than a
    // loop over every byte.
    size_t until = n;
    if (const void* lf = std::memchr(base + scan_from_, '\n', n - scan_from_)) {
      until = static_cast<size_t>(static_cast<const char*>(lf) - base);
    }
    if (const void* cr = std::memchr(base + scan_from_, '\r', until - scan_from_)) {
      until = static_cast<size_t>(static_cast<const char*>(cr) - base);
    }
    size_t next;
    if (until == n) {
      scan_from_ = n;
      return;
    }
    if (base[until] == '\n') {
      next = until + 1;
    } else if (until + 1 >= n) {
      scan_from_ = until;  // cannot tell "\r" from "\r\n" yet: wait for the next byte
      return;
    } else {
      next = base[until + 1] == '\n' ? until + 2 : until + 1;
    }
    position_ += static_cast<int64_t>(next);
    SourceRecord& record = out.emplace_back();  // built in place: a SourceRecord is large
    record.topic = topic_;
    record.value_schema = schemas::String();
    record.value = Value::String(std::string(base, until));
    record.timestamp = timestamp_ms;
    // emplace, not an initializer list: that would build each entry twice (a list is copied).
    if (stdin_) {
      record.source_partition.emplace(kFilenameField, Value::Null());
      record.source_offset.emplace(kPositionField, Value::Null());
    } else {
      record.source_partition.emplace(kFilenameField, Value::String(filename_));
      record.source_offset.emplace(kPositionField, Value::Int64(position_));
    }
    buffer_start_ += next;
    scan_from_ = 0;
  }
}

void FileStreamSourceTask::WaitForData(int64_t ms) {
  if (ms <= 0) return;
  if (fd_ >= 0 && !is_regular_ && !eof_) {
    struct pollfd pfd = {fd_, POLLIN, 0};
    ::poll(&pfd, 1, static_cast<int>(ms));
    return;
  }
  // A regular file (or a file not created yet): check its size every few milliseconds.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(ms, kCheckIntervalMs)));
    struct stat st;
    if (fd_ >= 0) {
      if (::fstat(fd_, &st) == 0 && st.st_size > read_offset_) return;
    } else if (!stdin_ && ::stat(filename_.c_str(), &st) == 0) {
      return;  // the file appeared
    }
  }
}

Result<std::vector<SourceRecord>> FileStreamSourceTask::Poll() {
  std::vector<SourceRecord> out;
  if (stopped_) return out;
  out.reserve(static_cast<size_t>(batch_size_));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(idle_wait_ms_);
  while (true) {
    if (fd_ < 0 && !stdin_) TRIBUTARY_RETURN_IF_ERROR(OpenFile());
    if (fd_ >= 0) {
      const int64_t now = NowMs();
      ExtractLines(out, now);
      while (static_cast<int64_t>(out.size()) < batch_size_) {
        TRIBUTARY_ASSIGN_OR_RETURN(size_t n, ReadBlock());
        if (n == 0) break;
        ExtractLines(out, now);
      }
    }
    if (!out.empty()) return out;
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
                         deadline - std::chrono::steady_clock::now())
                         .count();
    if (remaining <= 0) return out;
    WaitForData(remaining);
  }
}

void FileStreamSourceTask::Stop() {
  stopped_ = true;
  CloseFile();
}

ConnectorPlugin FileStreamSourcePlugin() {
  ConnectorPlugin plugin;
  plugin.class_name = FileStreamSourceConnector::kClassName;
  plugin.type = ConnectorType::kSource;
  plugin.version = TRIBUTARY_VERSION;
  plugin.factory = [] { return std::make_unique<FileStreamSourceConnector>(); };
  return plugin;
}

}  // namespace tributary::connectors::file
