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

#include "runtime/storage/atomic_file.h"

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
