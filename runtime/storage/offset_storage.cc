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

Status OffsetStorageWriter::Offset(const SourceMap& partition, const SourceMap& offset) {
  TRIBUTARY_ASSIGN_OR_RETURN(std::string key, serializer_.Key(connector_, partition));
  TRIBUTARY_ASSIGN_OR_RETURN(std::string value, serializer_.ValueOf(offset));
  pending_[std::move(key)] = std::move(value);
  return Status::Ok();
}

Status OffsetStorageWriter::Flush() {
  if (pending_.empty()) return Status::Ok();
  std::vector<OffsetEntry> entries;
  entries.reserve(pending_.size());
  for (const auto& [key, value] : pending_) entries.emplace_back(key, value);
  TRIBUTARY_RETURN_IF_ERROR(store_.Set(entries));
  pending_.clear();
  return Status::Ok();
}

}  // namespace tributary::runtime
