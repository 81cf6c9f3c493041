#pragma once

// FileStreamSink: Kafka Connect's org.apache.kafka.connect.file.FileStreamSinkConnector. Appends
// each record's value as one line of text to a file (or stdout). See connectors/file/README.md.

#include <memory>
#include <string>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/connector.h"
#include "runtime/api/plugin_info.h"
#include "runtime/api/sink_task.h"

namespace tributary::connectors::file {

// The sink connector's ConfigDef: file (null = stdout). `topics` belongs to the worker.
const ConfigDef& FileStreamSinkConfigDef();

// Renders a record value as the sink writes it (without the trailing newline):
//   null -> "null"; strings as they are; bytes as their raw bytes; booleans "true"/"false";
//   integers in decimal; floats in the shortest form that reads back exactly ("1.0", "0.1",
//   "NaN", "Infinity"); decimals as plain decimal text;
//   arrays, maps and structs as JSON (connectors/common/value_json.h: structs as objects in field
//   order, map keys as strings, nested strings escaped, nested bytes in base64).
std::string RenderValue(const Value& value);

class FileStreamSinkConnector : public SinkConnector {
 public:
  static constexpr const char* kClassName = "org.apache.kafka.connect.file.FileStreamSinkConnector";

  std::string Version() const override;
  const ConfigDef& Definition() const override { return FileStreamSinkConfigDef(); }
  Status Start(const ConfigMap& props) override;
  // max_tasks identical task configs (every task appends to the same file, as in Connect).
  Result<std::vector<ConfigMap>> TaskConfigs(int max_tasks) override;
  void Stop() override {}
  std::unique_ptr<SinkTask> CreateTask() const override;

 private:
  ConfigMap props_;
};

// Buffers rendered lines in memory and writes them out when the buffer passes 64 KiB; Flush()
// writes everything and fsyncs the file, so the offsets the worker commits after Flush() only cover
// data that is on disk. Threading: the task's thread only, as SinkTask says.
class FileStreamSinkTask : public SinkTask {
 public:
  FileStreamSinkTask() = default;
  ~FileStreamSinkTask() override;
  FileStreamSinkTask(const FileStreamSinkTask&) = delete;
  FileStreamSinkTask& operator=(const FileStreamSinkTask&) = delete;

  std::string Version() const override;
  // Opens the file for appending, creating it (mode 0644) if needed. IoError if that fails.
  Status Start(const ConfigMap& props) override;
  // Appends each value plus "\n" to the buffer; IoError (retriable) when writing out fails.
  Status Put(std::vector<SinkRecord>& records) override;
  // Writes the buffer and fsyncs. IoError (retriable) on failure; then nothing may be committed.
  Status Flush(const TopicPartitionOffsets& offsets) override;
  // Writes what is still buffered (without fsync) and closes the file.
  void Stop() override;

  // Bytes rendered but not yet handed to the operating system.
  size_t buffered_bytes_for_test() const { return buffer_.size(); }

 private:
  Status WriteBuffer();

  std::string filename_;  // empty: stdout
  int fd_ = -1;
  std::string buffer_;
};

ConnectorPlugin FileStreamSinkPlugin();

}  // namespace tributary::connectors::file
