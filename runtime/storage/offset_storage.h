#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "runtime/api/converter.h"
#include "runtime/api/record.h"
#include "runtime/api/source_task.h"
#include "runtime/storage/offset_backing_store.h"

namespace tributary::runtime {

// Serializes offset keys and values as Connect does: with a JsonConverter without schemas, the
// key being the array [<connector name>, <source partition map>].
class OffsetSerializer {
 public:
  // `json` must be a JsonConverter configured with schemas.enable=false.
  explicit OffsetSerializer(std::unique_ptr<Converter> json) : json_(std::move(json)) {}

  Result<std::string> Key(const std::string& connector, const SourceMap& partition);
  Result<std::string> ValueOf(const SourceMap& offset);
  // Parses a stored key back into connector name and partition. DataError if not that shape.
  Result<std::pair<std::string, SourceMap>> ParseKey(const std::string& key);
  Result<SourceMap> ParseValue(const std::string& value);

 private:
  std::mutex mutex_;  // converters are single-threaded
  std::unique_ptr<Converter> json_;
};

// A connector's view of its stored offsets (Connect's OffsetStorageReaderImpl).
class OffsetStorageReaderImpl : public OffsetStorageReader {
 public:
  OffsetStorageReaderImpl(std::string connector, OffsetBackingStore& store,
                          OffsetSerializer& serializer)
      : connector_(std::move(connector)), store_(store), serializer_(serializer) {}

  std::optional<SourceMap> Offset(const SourceMap& partition) override;

 private:
  std::string connector_;
  OffsetBackingStore& store_;
  OffsetSerializer& serializer_;
};

// Collects the newest committable offset per source partition of one task and writes them to the
// store in one Set (Connect's OffsetStorageWriter). Used from the task thread only.
class OffsetStorageWriter {
 public:
  OffsetStorageWriter(std::string connector, OffsetBackingStore& store,
                      OffsetSerializer& serializer)
      : connector_(std::move(connector)), store_(store), serializer_(serializer) {}

  // Records `offset` as the newest for `partition`. DataError if either cannot be serialized.
  Status Offset(const SourceMap& partition, const SourceMap& offset);
  bool HasPending() const { return !pending_.empty(); }
  // Writes the pending offsets; on failure they stay pending for the next try.
  Status Flush();

 private:
  std::string connector_;
  OffsetBackingStore& store_;
  OffsetSerializer& serializer_;
  std::map<std::string, std::string> pending_;  // serialized key -> serialized offset
};

}  // namespace tributary::runtime
