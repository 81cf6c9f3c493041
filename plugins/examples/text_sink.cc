// TextSink: an example sink plugin. It appends one line per record to `file`:
//   <topic> <partition> <offset> <key> <value>
// (key and value rendered by Value::DebugString), and makes the file durable on PreCommit. A record
// with a null value cannot be written as text: it goes to the worker's error handling
// (errors.tolerance, dead letter queue) through the errant record reporter.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/connector.h"
#include "runtime/api/sink_task.h"
#include "tributary/sdk/export.h"

namespace example {

using namespace tributary;  // NOLINT: an example keeps it short

constexpr const char* kClassName = "com.example.tributary.TextSinkConnector";
constexpr const char* kVersion = "1.0.0";

const ConfigDef& TextSinkConfigDef() {
  static const ConfigDef def = [] {
    ConfigDef d;
    d.Define("file", ConfigType::kString, kNoDefault, Importance::kHigh,
             "The file to append records to.", validators::NonEmptyString());
    return d;
  }();
  return def;
}

class TextSinkTask : public SinkTask {
 public:
  ~TextSinkTask() override { Stop(); }
  std::string Version() const override { return kVersion; }

  Status Start(const ConfigMap& props) override {
    Result<ParsedConfig> parsed = TextSinkConfigDef().Parse(props);
    if (!parsed.ok()) return parsed.status();
    path_ = parsed->GetString("file");
    file_ = std::fopen(path_.c_str(), "a");
    if (!file_) return Status::IoError("cannot open " + path_ + " for appending");
    return Status::Ok();
  }

  Status Put(std::vector<SinkRecord>& records) override {
    for (const SinkRecord& r : records) {
      if (r.value.is_null()) {
        TRIBUTARY_RETURN_IF_ERROR(
            context()->ReportErrant(r, Status::DataError("a null value cannot be written")));
        continue;
      }
      line_ = r.topic + " " + std::to_string(r.kafka_partition.value_or(-1)) + " " +
              std::to_string(r.kafka_offset) + " " + r.key.DebugString() + " " +
              r.value.DebugString() + "\n";
      if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size()) {
        return Status::IoError("cannot write to " + path_).WithRetriable(true);
      }
    }
    return Status::Ok();
  }

  Status Flush(const TopicPartitionOffsets&) override {
    if (file_ && std::fflush(file_) != 0) return Status::IoError("cannot flush " + path_);
    return Status::Ok();
  }

  void Stop() override {
    if (file_) std::fclose(file_);
    file_ = nullptr;
  }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  std::string line_;
};

class TextSinkConnector : public SinkConnector {
 public:
  std::string Version() const override { return kVersion; }
  const ConfigDef& Definition() const override { return TextSinkConfigDef(); }
  Status Start(const ConfigMap& props) override {
    props_ = props;
    return Status::Ok();
  }
  // One task: several writers appending to one file would interleave lines.
  Result<std::vector<ConfigMap>> TaskConfigs(int max_tasks) override { return {{props_}}; }
  void Stop() override {}
  std::unique_ptr<SinkTask> CreateTask() const override { return std::make_unique<TextSinkTask>(); }

 private:
  ConfigMap props_;
};

ConnectorPlugin TextSinkPlugin() {
  ConnectorPlugin plugin;
  plugin.class_name = kClassName;
  plugin.aliases = {"TextSink"};
  plugin.type = ConnectorType::kSink;
  plugin.version = kVersion;
  plugin.factory = [] { return std::make_unique<TextSinkConnector>(); };
  return plugin;
}

}  // namespace example

TRIBUTARY_EXPORT_PLUGIN("example-text-sink", "1.0.0", &example::TextSinkPlugin)
