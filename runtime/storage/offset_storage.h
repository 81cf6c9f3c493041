#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

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
// store in one Set (Connect's OffsetStorageWriter). Offset/HasPending/StartFlush/TakeFlushResult/
// Flush are called from one owning thread; StartFlush writes on a background thread of the writer,
// so a slow store (the file store fsyncs) never stalls the task that produces the offsets.
class OffsetStorageWriter {
 public:
  OffsetStorageWriter(std::string connector, OffsetBackingStore& store,
                      OffsetSerializer& serializer)
      : connector_(std::move(connector)), store_(store), serializer_(serializer) {}
  // Waits for a background flush in progress; offsets still pending are not written.
  ~OffsetStorageWriter();
  OffsetStorageWriter(const OffsetStorageWriter&) = delete;
  OffsetStorageWriter& operator=(const OffsetStorageWriter&) = delete;

  // Records `offset` as the newest for `partition`. DataError if either cannot be serialized.
  Status Offset(const SourceMap& partition, const SourceMap& offset);
  bool HasPending() const;
  // Starts writing the pending offsets in the background. False (nothing started) when a flush is
  // still running or nothing is pending.
  bool StartFlush();
  // The outcome of the background flush once it has finished (reported once), else nullopt. On
  // failure its offsets are pending again, unless newer ones for the same partition arrived.
  std::optional<Status> TakeFlushResult();
  // Writes the pending offsets now, after waiting for a background flush in progress. On failure
  // they stay pending for the next try.
  Status Flush();

 private:
  using Entries = std::map<std::string, std::string>;  // serialized key -> serialized offset
  // Writes `entries`; on failure puts back those not superseded in `pending_`. mutex_ not held.
  Status Write(Entries& entries);
  void FlushLoop();

  std::string connector_;
  OffsetBackingStore& store_;
  OffsetSerializer& serializer_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  Entries pending_;
  Entries flushing_;  // handed to the background thread
  bool flushing_now_ = false;
  std::optional<Status> result_;  // of the last background flush, until taken
  bool stop_ = false;
  std::thread thread_;  // started by the first StartFlush
};

}  // namespace tributary::runtime
