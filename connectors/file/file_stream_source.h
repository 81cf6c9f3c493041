#pragma once

// FileStreamSource: Kafka Connect's org.apache.kafka.connect.file.FileStreamSourceConnector. Reads
// a text file (or stdin) line by line and emits one STRING record per line, tailing the file as it
// grows. See connectors/file/README.md for configs and offsets.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/connector.h"
#include "runtime/api/plugin_info.h"
#include "runtime/api/source_task.h"

namespace tributary::connectors::file {

inline constexpr const char* kFileConfig = "file";
inline constexpr const char* kTopicConfig = "topic";
inline constexpr const char* kBatchSizeConfig = "batch.size";
inline constexpr int kDefaultSourceBatchSize = 2000;

// Source partition / offset field names, as Connect writes them.
inline constexpr const char* kFilenameField = "filename";
inline constexpr const char* kPositionField = "position";

// The source connector's ConfigDef: file (null = stdin), topic (required), batch.size.
const ConfigDef& FileStreamSourceConfigDef();

class FileStreamSourceConnector : public SourceConnector {
 public:
  static constexpr const char* kClassName =
      "org.apache.kafka.connect.file.FileStreamSourceConnector";

  std::string Version() const override;
  const ConfigDef& Definition() const override { return FileStreamSourceConfigDef(); }
  // InvalidConfig when topic is missing/empty or batch.size is not a positive int.
  Status Start(const ConfigMap& props) override;
  // Always exactly one task config (one input stream), whatever max_tasks is, like Connect.
  Result<std::vector<ConfigMap>> TaskConfigs(int max_tasks) override;
  void Stop() override {}
  std::unique_ptr<SourceTask> CreateTask() const override;

 private:
  ConfigMap props_;
};

// Reads lines split on "\n", "\r\n" or "\r". A line is emitted only once its terminator has been
// read (a partial last line, or a trailing "\r" that might start "\r\n", waits for more data). Each
// record carries source partition {"filename": <file>} and source offset {"position": <byte
// position just after the line terminator>}; for stdin both values are null, as in Connect.
//
// Threading: as SourceTask says, every method is called from the task's thread.
class FileStreamSourceTask : public SourceTask {
 public:
  FileStreamSourceTask() = default;
  ~FileStreamSourceTask() override;
  FileStreamSourceTask(const FileStreamSourceTask&) = delete;
  FileStreamSourceTask& operator=(const FileStreamSourceTask&) = delete;

  std::string Version() const override;
  // Parses the config and tries to open the file, seeking to the stored position. A missing file is
  // not an error here: Poll keeps retrying. Returns IoError (fatal) when the file exists but cannot
  // be read (permissions, a directory), InvalidConfig for bad configs or a stored offset of the
  // wrong type.
  Status Start(const ConfigMap& props) override;
  // Up to batch.size records. When nothing is ready it waits at most the idle wait (default 500 ms)
  // for data, checking every few milliseconds, and returns an empty batch.
  Result<std::vector<SourceRecord>> Poll() override;
  void Stop() override;

  // Bounds how long an idle Poll waits for data (tests use a few milliseconds).
  void SetIdleWaitMsForTest(int64_t ms) { idle_wait_ms_ = ms; }
  // The byte position just after the last line handed out (nullopt for stdin).
  std::optional<int64_t> position() const {
    return stdin_ ? std::nullopt : std::optional(position_);
  }

 private:
  // Opens filename_ and seeks to the stored offset. Returns OK with fd_ == -1 when the file does
  // not exist yet.
  Status OpenFile();
  // Reads one block into buffer_. Returns the number of bytes read (0: nothing available now).
  Result<size_t> ReadBlock();
  // Waits up to `ms` (at most) for new data to read; returns early when data is there.
  void WaitForData(int64_t ms);
  // Moves complete lines from buffer_ into `out` until it holds batch_size_ records.
  // Appends complete lines as records, all stamped with `timestamp_ms` (one clock read per batch).
  void ExtractLines(std::vector<SourceRecord>& out, int64_t timestamp_ms);
  void CloseFile();

  std::string filename_;
  std::string topic_;
  int64_t batch_size_ = kDefaultSourceBatchSize;
  bool stdin_ = false;
  int fd_ = -1;
  bool is_regular_ = false;
  bool eof_ = false;         // a pipe/stdin reached end of input
  std::string buffer_;       // bytes read but not yet emitted, starting at buffer_start_
  size_t buffer_start_ = 0;  // index into buffer_ of the first unconsumed byte
  size_t scan_from_ = 0;     // bytes of the unconsumed region already known to hold no terminator
  int64_t position_ = 0;     // file position of buffer_[buffer_start_]
  int64_t read_offset_ = 0;  // file position of the next byte read() returns
  int64_t idle_wait_ms_ = 500;
  bool stopped_ = false;
};

// The plugin entry for BuiltinConnectors().
ConnectorPlugin FileStreamSourcePlugin();

}  // namespace tributary::connectors::file
