#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/api/status.h"

namespace tributary::runtime {

// A key (nullopt value: delete the key) to write to an offset store.
using OffsetEntry = std::pair<std::string, std::optional<std::string>>;

// Where source offsets live (Connect's OffsetBackingStore). Keys and values are the serialized
// bytes Connect writes to its offsets topic: key `["<connector>",{<source partition>}]`, value the
// offset map, both JSON. Thread-safe.
class OffsetBackingStore {
 public:
  virtual ~OffsetBackingStore() = default;

  // Loads existing offsets. IoError/InvalidArgument naming the file if it cannot be read.
  virtual Status Start() = 0;
  // The value stored under `key`, or nullopt.
  virtual std::optional<std::string> Get(const std::string& key) const = 0;
  // Applies `entries` atomically; when OK is returned they are durable (as durable as the store).
  virtual Status Set(const std::vector<OffsetEntry>& entries) = 0;
  // Every key and value.
  virtual std::map<std::string, std::string> All() const = 0;
};

// Offsets in memory only: lost when the worker stops.
class MemoryOffsetBackingStore : public OffsetBackingStore {
 public:
  Status Start() override { return Status::Ok(); }
  std::optional<std::string> Get(const std::string& key) const override;
  Status Set(const std::vector<OffsetEntry>& entries) override;
  std::map<std::string, std::string> All() const override;

 protected:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> data_;
};

// Offsets in a JSON file (offset.storage.file.filename), human-readable:
//   {"[\"conn\",{\"filename\":\"in.txt\"}]": {"position": 30}, …}
// Member names are the serialized keys; values are the offset JSON itself. Every Set rewrites the
// file through a temporary file, fsync and rename, so a crash leaves either the old or the new
// content, never a mix. (Connect's own file is a Java-serialized map no other tool can read.)
class FileOffsetBackingStore : public MemoryOffsetBackingStore {
 public:
  explicit FileOffsetBackingStore(std::string path) : path_(std::move(path)) {}

  Status Start() override;
  Status Set(const std::vector<OffsetEntry>& entries) override;

 private:
  Status WriteFileLocked() const;
  std::string path_;
};

}  // namespace tributary::runtime
