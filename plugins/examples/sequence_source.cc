// SequenceSource: an example source plugin. It emits records numbered 1, 2, 3, … (up to `count`)
// with an INT64 key and a struct value using Connect's logical types, stores {"seq": n} as its
// source offset and continues after the stored offset when restarted.
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/connector.h"
#include "runtime/api/source_task.h"
#include "tributary/sdk/export.h"

namespace example {

using namespace tributary;  // NOLINT: an example keeps it short

constexpr const char* kClassName = "com.example.tributary.SequenceSourceConnector";
constexpr const char* kVersion = "1.0.0";

const ConfigDef& SequenceConfigDef() {
  static const ConfigDef def = [] {
    ConfigDef d;
    d.Define("topic", ConfigType::kString, kNoDefault, Importance::kHigh, "The topic to write to.",
             validators::NonEmptyString());
    d.Define("count", ConfigType::kLong, "1000", Importance::kMedium,
             "How many records to emit in total (0: no limit).", validators::AtLeast(0));
    d.Define("batch.size", ConfigType::kInt, "500", Importance::kLow,
             "Most records returned by one poll.", validators::Between(1, 100000));
    return d;
  }();
  return def;
}

// struct com.example.Sequence {seq: int64, text: string, created: Timestamp, amount: Decimal(2)}
const SchemaPtr& SequenceSchema() {
  static const SchemaPtr schema = SchemaBuilder::Struct()
                                      .Name("com.example.Sequence")
                                      .Version(1)
                                      .AddField("seq", schemas::Int64())
                                      .AddField("text", schemas::String())
                                      .AddField("created", Timestamp::Builder().BuildOrDie())
                                      .AddField("amount", Decimal::Builder(2).BuildOrDie())
                                      .BuildOrDie();
  return schema;
}

class SequenceSourceTask : public SourceTask {
 public:
  std::string Version() const override { return kVersion; }

  Status Start(const ConfigMap& props) override {
    Result<ParsedConfig> parsed = SequenceConfigDef().Parse(props);
    if (!parsed.ok()) return parsed.status();
    topic_ = parsed->GetString("topic");
    count_ = parsed->GetLong("count");
    batch_size_ = parsed->GetInt("batch.size");
    // Continue after what was already delivered (the offset the worker stored).
    std::optional<SourceMap> stored = context()->offset_storage_reader().Offset(Partition());
    if (stored) {
      auto it = stored->find("seq");
      if (it == stored->end() || !it->second.AsInteger()) {
        return Status::DataError("stored offset has no integer \"seq\"");
      }
      next_ = *it->second.AsInteger() + 1;
    }
    return Status::Ok();
  }

  Result<std::vector<SourceRecord>> Poll() override {
    std::vector<SourceRecord> records;
    if (count_ > 0 && next_ > count_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // done: idle politely
      return records;
    }
    int64_t last = next_ + batch_size_ - 1;
    if (count_ > 0 && last > count_) last = count_;
    records.reserve(last - next_ + 1);
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    for (int64_t seq = next_; seq <= last; ++seq) {
      Struct value(SequenceSchema());
      value.Put("seq", Value::Int64(seq));
      value.Put("text", Value::String("record-" + std::to_string(seq)));
      value.Put("created", Value::Int64(now));
      value.Put("amount", Value::DecimalValue(DecimalValue{std::to_string(seq * 25), 2}));
      SourceRecord r;
      r.topic = topic_;
      r.key_schema = schemas::Int64();
      r.key = Value::Int64(seq);
      r.value_schema = SequenceSchema();
      r.value = Value::StructValue(std::move(value));
      r.timestamp = now;
      r.headers.push_back(Header{"example.source", schemas::String(), Value::String("sequence")});
      r.source_partition = Partition();
      r.source_offset = {{"seq", Value::Int64(seq)}};
      records.push_back(std::move(r));
    }
    next_ = last + 1;
    return records;
  }

  void Stop() override {}

 private:
  static SourceMap Partition() { return {{"source", Value::String("sequence")}}; }

  std::string topic_;
  int64_t count_ = 0;
  int64_t batch_size_ = 500;
  int64_t next_ = 1;
};

class SequenceSourceConnector : public SourceConnector {
 public:
  std::string Version() const override { return kVersion; }
  const ConfigDef& Definition() const override { return SequenceConfigDef(); }
  Status Start(const ConfigMap& props) override {
    Result<ParsedConfig> parsed = SequenceConfigDef().Parse(props);
    if (!parsed.ok()) return parsed.status();
    props_ = props;
    return Status::Ok();
  }
  // One task: the sequence is a single stream.
  Result<std::vector<ConfigMap>> TaskConfigs(int max_tasks) override { return {{props_}}; }
  void Stop() override {}
  std::unique_ptr<SourceTask> CreateTask() const override {
    return std::make_unique<SequenceSourceTask>();
  }

 private:
  ConfigMap props_;
};

ConnectorPlugin SequenceSourcePlugin() {
  ConnectorPlugin plugin;
  plugin.class_name = kClassName;
  plugin.aliases = {"SequenceSource"};
  plugin.type = ConnectorType::kSource;
  plugin.version = kVersion;
  plugin.factory = [] { return std::make_unique<SequenceSourceConnector>(); };
  return plugin;
}

}  // namespace example

TRIBUTARY_EXPORT_PLUGIN("example-sequence-source", "1.0.0", &example::SequenceSourcePlugin)
