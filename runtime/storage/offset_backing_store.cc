#include "runtime/storage/offset_backing_store.h"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace tributary::runtime {

std::optional<std::string> MemoryOffsetBackingStore::Get(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = data_.find(key);
  if (it == data_.end()) return std::nullopt;
  return it->second;
}

Status MemoryOffsetBackingStore::Set(const std::vector<OffsetEntry>& entries) {
  std::lock_guard lock(mutex_);
  for (const auto& [key, value] : entries) {
    if (value) {
      data_[key] = *value;
    } else {
      data_.erase(key);
    }
  }
  return Status::Ok();
}

std::map<std::string, std::string> MemoryOffsetBackingStore::All() const {
  std::lock_guard lock(mutex_);
  return data_;
}

namespace {

std::string ErrnoText() { return std::strerror(errno); }

// Writes `content` to `path` durably: temp file, fsync, rename, fsync of the directory.
Status WriteFileAtomically(const std::string& path, const std::string& content) {
  std::string temp = path + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("cannot write offsets file " + temp + ": " + ErrnoText());
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status st = Status::IoError("cannot write offsets file " + temp + ": " + ErrnoText());
      ::close(fd);
      return st;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status st = Status::IoError("cannot fsync offsets file " + temp + ": " + ErrnoText());
    ::close(fd);
    return st;
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return Status::IoError("cannot rename " + temp + " to " + path + ": " + ErrnoText());
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Status::Ok();
}

}  // namespace

Status FileOffsetBackingStore::Start() {
  std::lock_guard lock(mutex_);
  data_.clear();
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path_)) return Status::Ok();  // first start
    return Status::IoError("cannot read offsets file " + path_ + ": " + ErrnoText());
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return Status::Ok();

  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError()) {
    return Status::InvalidArgument("offsets file " + path_ + " is not valid JSON at offset " +
                                   std::to_string(doc.GetErrorOffset()) + ": " +
                                   rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) {
    return Status::InvalidArgument("offsets file " + path_ +
                                   " must hold a JSON object of key to offset");
  }
  for (auto& member : doc.GetObject()) {
    rapidjson::StringBuffer value;
    rapidjson::Writer<rapidjson::StringBuffer> writer(value);
    member.value.Accept(writer);
    data_[member.name.GetString()] = value.GetString();
  }
  return Status::Ok();
}

Status FileOffsetBackingStore::Set(const std::vector<OffsetEntry>& entries) {
  std::lock_guard lock(mutex_);
  std::map<std::string, std::string> before = data_;
  for (const auto& [key, value] : entries) {
    if (value) {
      data_[key] = *value;
    } else {
      data_.erase(key);
    }
  }
  Status st = WriteFileLocked();
  if (!st.ok()) data_ = std::move(before);  // memory never runs ahead of the file
  return st;
}

Status FileOffsetBackingStore::WriteFileLocked() const {
  rapidjson::StringBuffer out;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(out);
  writer.SetIndent(' ', 2);
  writer.StartObject();
  for (const auto& [key, value] : data_) {
    writer.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
    rapidjson::Document parsed;
    parsed.Parse(value.c_str(), value.size());
    if (parsed.HasParseError()) {
      return Status::Internal("offset value for " + key + " is not JSON: " + value);
    }
    parsed.Accept(writer);
  }
  writer.EndObject();
  std::string content(out.GetString(), out.GetSize());
  content.push_back('\n');
  return WriteFileAtomically(path_, content);
}

}  // namespace tributary::runtime
