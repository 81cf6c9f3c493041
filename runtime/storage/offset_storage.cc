#include "runtime/storage/offset_storage.h"

namespace tributary::runtime {

namespace {

Value ToValue(const SourceMap& map) {
  Value::Map entries;
  entries.reserve(map.size());
  for (const auto& [key, value] : map) entries.push_back({Value::String(key), value});
  return Value::MapValue(std::move(entries));
}

Result<SourceMap> FromValue(const Value& value, const char* what) {
  if (value.kind() != ValueKind::kMap) {
    return Status::DataError(std::string(what) + " must be a JSON object");
  }
  SourceMap map;
  for (const auto& entry : value.as_map()) {
    if (entry.key.kind() != ValueKind::kString) {
      return Status::DataError(std::string(what) + " must have string keys");
    }
    map[entry.key.as_string()] = entry.value;
  }
  return map;
}

}  // namespace

Result<std::string> OffsetSerializer::Key(const std::string& connector,
                                          const SourceMap& partition) {
  Value key = Value::ArrayValue({Value::String(connector), ToValue(partition)});
  std::lock_guard lock(mutex_);
  TRIBUTARY_ASSIGN_OR_RETURN(auto bytes, json_->FromConnectData("", nullptr, key));
  if (!bytes) return Status::Internal("offset key serialized to null");
  return std::move(*bytes);
}

Result<std::string> OffsetSerializer::ValueOf(const SourceMap& offset) {
  std::lock_guard lock(mutex_);
  TRIBUTARY_ASSIGN_OR_RETURN(auto bytes, json_->FromConnectData("", nullptr, ToValue(offset)));
  if (!bytes) return Status::Internal("offset value serialized to null");
  return std::move(*bytes);
}

Result<std::pair<std::string, SourceMap>> OffsetSerializer::ParseKey(const std::string& key) {
  SchemaAndValue parsed;
  {
    std::lock_guard lock(mutex_);
    TRIBUTARY_ASSIGN_OR_RETURN(parsed, json_->ToConnectData("", key));
  }
  const Value& v = parsed.value;
  if (v.kind() != ValueKind::kArray || v.as_array().size() != 2 ||
      v.as_array()[0].kind() != ValueKind::kString) {
    return Status::DataError("offset key must be [\"<connector>\", {partition}]: " + key);
  }
  TRIBUTARY_ASSIGN_OR_RETURN(SourceMap partition,
                             FromValue(v.as_array()[1], "offset key partition"));
  return std::make_pair(v.as_array()[0].as_string(), std::move(partition));
}

Result<SourceMap> OffsetSerializer::ParseValue(const std::string& value) {
  SchemaAndValue parsed;
  {
    std::lock_guard lock(mutex_);
    TRIBUTARY_ASSIGN_OR_RETURN(parsed, json_->ToConnectData("", value));
  }
  return FromValue(parsed.value, "offset value");
}

std::optional<SourceMap> OffsetStorageReaderImpl::Offset(const SourceMap& partition) {
  auto key = serializer_.Key(connector_, partition);
  if (!key.ok()) return std::nullopt;
  std::optional<std::string> stored = store_.Get(*key);
  if (!stored) return std::nullopt;
  auto offset = serializer_.ParseValue(*stored);
  if (!offset.ok()) return std::nullopt;
  return std::move(*offset);
}

OffsetStorageWriter::~OffsetStorageWriter() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status OffsetStorageWriter::Offset(const SourceMap& partition, const SourceMap& offset) {
  TRIBUTARY_ASSIGN_OR_RETURN(std::string key, serializer_.Key(connector_, partition));
  TRIBUTARY_ASSIGN_OR_RETURN(std::string value, serializer_.ValueOf(offset));
  std::lock_guard lock(mutex_);
  pending_[std::move(key)] = std::move(value);
  return Status::Ok();
}

bool OffsetStorageWriter::HasPending() const {
  std::lock_guard lock(mutex_);
  return !pending_.empty();
}

bool OffsetStorageWriter::StartFlush() {
  std::lock_guard lock(mutex_);
  if (flushing_now_ || pending_.empty()) return false;
  flushing_.swap(pending_);
  flushing_now_ = true;
  if (!thread_.joinable()) thread_ = std::thread([this] { FlushLoop(); });
  cv_.notify_all();
  return true;
}

std::optional<Status> OffsetStorageWriter::TakeFlushResult() {
  std::lock_guard lock(mutex_);
  std::optional<Status> result = std::move(result_);
  result_.reset();
  return result;
}

Status OffsetStorageWriter::Flush() {
  Entries entries;
  {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return !flushing_now_; });
    entries.swap(pending_);
  }
  return Write(entries);
}

Status OffsetStorageWriter::Write(Entries& entries) {
  if (entries.empty()) return Status::Ok();
  std::vector<OffsetEntry> list;
  list.reserve(entries.size());
  for (const auto& [key, value] : entries) list.emplace_back(key, value);
  Status st = store_.Set(list);
  if (!st.ok()) {
    std::lock_guard lock(mutex_);
    for (auto& [key, value] : entries) pending_.try_emplace(key, std::move(value));
  }
  entries.clear();
  return st;
}

void OffsetStorageWriter::FlushLoop() {
  std::unique_lock lock(mutex_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || flushing_now_; });
    if (!flushing_now_) return;  // stopping with nothing to write
    Entries entries;
    entries.swap(flushing_);
    lock.unlock();
    Status st = Write(entries);
    lock.lock();
    result_ = std::move(st);
    flushing_now_ = false;
    cv_.notify_all();
  }
}

}  // namespace tributary::runtime
