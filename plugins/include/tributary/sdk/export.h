#pragma once

// The C++ plugin SDK: exports connectors written against runtime/api as a Tributary plugin.
//
//   #include "tributary/sdk/export.h"
//   tributary::ConnectorPlugin MySourcePlugin();  // the same function a built-in connector has
//   TRIBUTARY_EXPORT_PLUGIN("my-plugin", "1.0.0", &MySourcePlugin, &MySinkPlugin)
//
// The macro defines the one exported symbol (tributary_plugin_entry) and a table of functions
// that translate each C ABI call (tributary/plugin.h) into calls on the C++ connector, encoding
// data with tributary/sdk/codec.h. No C++ exception crosses the boundary: one escaping a connector
// becomes an Internal error of that call. Header-only; the plugin also links the runtime/api
// library (the Tributary::sdk CMake target or `pkg-config --libs tributary` does both).

#include <cstddef>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/api/connector.h"
#include "runtime/api/plugin_info.h"
#include "runtime/api/sink_task.h"
#include "runtime/api/source_task.h"
#include "tributary/plugin.h"
#include "tributary/sdk/codec.h"

namespace tributary::sdk {

// One connector to export: a function returning its ConnectorPlugin, and descriptor flags.
struct Exported {
  Exported(ConnectorPlugin (*fn)()) : make(fn) {}  // NOLINT: implicit by design
  Exported(ConnectorPlugin (*fn)(), uint32_t f) : make(fn), flags(f) {}
  ConnectorPlugin (*make)();
  uint32_t flags = 0;
};

// Exports a source connector whose task overrides CommitRecord: the worker then sends every
// acknowledged record back across the boundary (one call and one encoding per record, so only
// connectors that need it should ask).
inline Exported WithCommitRecord(ConnectorPlugin (*fn)()) {
  return Exported(fn, TRIBUTARY_CONNECTOR_WANTS_COMMIT_RECORD);
}

namespace internal {

// True when the host's table has `slot` (it may be older than this header).
#define TRIBUTARY_SDK_HOST_HAS(host, slot)                                             \
  ((host)->struct_size >= offsetof(tributary_host_api, slot) + sizeof((host)->slot) && \
   (host)->slot != nullptr)

struct PluginState {
  const tributary_host_api* host = nullptr;
  std::vector<ConnectorPlugin> plugins;
  std::string descriptors;
};

// Describes `status` as the call's error; slots without an error handle (stop) log it instead.
inline int32_t SetError(const tributary_host_api* host, tributary_error* error,
                        const Status& status) {
  if (error == nullptr) {
    std::string line = status.ToString();
    host->log(TRIBUTARY_LOG_ERROR, line.data(), line.size());
    return static_cast<int32_t>(status.code());
  }
  host->set_error(error, static_cast<int32_t>(status.code()), status.retriable() ? 1 : 0,
                  status.message().data(), status.message().size());
  return static_cast<int32_t>(status.code());
}

// Runs `fn` (returning Status), turning an escaping exception into an Internal error.
template <typename Fn>
int32_t Guard(const tributary_host_api* host, tributary_error* error, Fn&& fn) {
  try {
    Status st = fn();
    return st.ok() ? TRIBUTARY_OK : SetError(host, error, st);
  } catch (const std::exception& e) {
    return SetError(host, error, Status::Internal(std::string("exception in plugin: ") + e.what()));
  } catch (...) {
    return SetError(host, error, Status::Internal("unknown exception in plugin"));
  }
}

inline Status StatusFromHost(int32_t code, std::string message) {
  if (code <= 0 || code > TRIBUTARY_INTERNAL) code = TRIBUTARY_INTERNAL;
  return Status(static_cast<StatusCode>(code), std::move(message));
}

class SdkConnectorContext : public ConnectorContext {
 public:
  SdkConnectorContext(const tributary_host_api* host, tributary_connector_context* context)
      : host_(host), context_(context) {}
  void RequestTaskReconfiguration() override {
    host_->connector_request_task_reconfiguration(context_);
  }
  void RaiseError(const Status& status) override {
    host_->connector_raise_error(context_, static_cast<int32_t>(status.code()),
                                 status.message().data(), status.message().size());
  }

 private:
  const tributary_host_api* host_;
  tributary_connector_context* context_;
};

struct SdkConnector {
  PluginState* state;
  SdkConnectorContext context;
  std::unique_ptr<Connector> connector;
  std::string out;
};

class SdkSourceTask : public SourceTaskContext, public OffsetStorageReader {
 public:
  SdkSourceTask(PluginState* state, std::unique_ptr<SourceTask> task)
      : state_(state), task_(std::move(task)) {}

  const ConfigMap& configs() const override { return configs_; }
  OffsetStorageReader& offset_storage_reader() override { return *this; }
  std::optional<SourceMap> Offset(const SourceMap& partition) override {
    std::string encoded;
    Writer(&encoded).SourceMapValue(partition);
    const uint8_t* offset = nullptr;
    size_t size = 0;
    int32_t rc = state_->host->source_offset(
        context_, reinterpret_cast<const uint8_t*>(encoded.data()), encoded.size(), &offset, &size);
    if (rc != 1) return std::nullopt;  // none stored, or the reader failed (Connect: null)
    SourceMap map;
    Reader reader(offset, size);
    if (!reader.SourceMapValue(&map)) return std::nullopt;
    return map;
  }

  PluginState* state_;
  std::unique_ptr<SourceTask> task_;
  tributary_source_task_context* context_ = nullptr;
  ConfigMap configs_;
  std::string out_;
};

class SdkSinkTask : public SinkTaskContext {
 public:
  SdkSinkTask(PluginState* state, std::unique_ptr<SinkTask> task)
      : state_(state), task_(std::move(task)) {
    reader_cache_.reserve(4);
  }

  const ConfigMap& configs() const override { return configs_; }
  void Offset(const TopicPartition& partition, int64_t offset) override {
    state_->host->sink_offset(context_, partition.topic.data(), partition.topic.size(),
                              partition.partition, offset);
  }
  void Timeout(int64_t timeout_ms) override { state_->host->sink_timeout(context_, timeout_ms); }
  std::vector<TopicPartition> Assignment() const override {
    const uint8_t* data = nullptr;
    size_t size = 0;
    state_->host->sink_assignment(context_, &data, &size);
    std::vector<TopicPartition> partitions;
    Reader reader(data, size);
    if (!reader.Partitions(&partitions)) return {};
    return partitions;
  }
  void Pause(const std::vector<TopicPartition>& partitions) override {
    std::string encoded;
    Writer(&encoded).Partitions(partitions);
    state_->host->sink_pause(context_, reinterpret_cast<const uint8_t*>(encoded.data()),
                             encoded.size());
  }
  void Resume(const std::vector<TopicPartition>& partitions) override {
    std::string encoded;
    Writer(&encoded).Partitions(partitions);
    state_->host->sink_resume(context_, reinterpret_cast<const uint8_t*>(encoded.data()),
                              encoded.size());
  }
  void RequestCommit() override { state_->host->sink_request_commit(context_); }
  Status ReportErrant(const SinkRecord& record, const Status& error) override {
    if (!TRIBUTARY_SDK_HOST_HAS(state_->host, sink_report_errant)) return error;
    std::string encoded;
    Writer(&encoded).SinkBatch({record});
    int32_t rc = state_->host->sink_report_errant(
        context_, reinterpret_cast<const uint8_t*>(encoded.data()), encoded.size(),
        static_cast<int32_t>(error.code()), error.retriable() ? 1 : 0, error.message().data(),
        error.message().size());
    if (rc == TRIBUTARY_OK) return Status::Ok();
    return error;
  }

  PluginState* state_;
  std::unique_ptr<SinkTask> task_;
  tributary_sink_task_context* context_ = nullptr;
  ConfigMap configs_;
  std::string out_;
  std::unordered_map<std::string, SchemaPtr> reader_cache_;
};

inline Status ReadConfig(const uint8_t* data, size_t size, ConfigMap* config) {
  Reader reader(data, size);
  if (!reader.Config(config)) return reader.Error("config");
  return Status::Ok();
}

template <typename List>
tributary_plugin_state* Init(const tributary_host_api* host, tributary_error* error) {
  if (host->abi_major != TRIBUTARY_PLUGIN_ABI_MAJOR) {
    std::string msg = "plugin built for ABI major " + std::to_string(TRIBUTARY_PLUGIN_ABI_MAJOR);
    host->set_error(error, TRIBUTARY_INVALID_ARGUMENT, 0, msg.data(), msg.size());
    return nullptr;
  }
  auto state = std::make_unique<PluginState>();
  state->host = host;
  std::vector<ConnectorDescriptor> descriptors;
  int32_t rc = Guard(host, error, [&] {
    for (const Exported& exported : List::Get()) {
      ConnectorPlugin plugin = exported.make();
      std::unique_ptr<Connector> probe = plugin.factory();
      if (!probe || probe->type() != plugin.type) {
        return Status::Internal("connector " + plugin.class_name +
                                ": factory returned no connector or one of the wrong type");
      }
      ConnectorDescriptor d;
      d.class_name = plugin.class_name;
      d.aliases = plugin.aliases;
      d.type = plugin.type;
      d.version = plugin.version;
      d.flags = exported.flags;
      d.config_keys = probe->Definition().keys();
      descriptors.push_back(std::move(d));
      state->plugins.push_back(std::move(plugin));
    }
    return Status::Ok();
  });
  if (rc != TRIBUTARY_OK) return nullptr;
  Writer(&state->descriptors).Descriptors(descriptors);
  return reinterpret_cast<tributary_plugin_state*>(state.release());
}

inline PluginState* State(tributary_plugin_state* s) { return reinterpret_cast<PluginState*>(s); }
inline SdkConnector* Conn(tributary_connector* c) { return reinterpret_cast<SdkConnector*>(c); }
inline SdkSourceTask* Src(tributary_source_task* t) { return reinterpret_cast<SdkSourceTask*>(t); }
inline SdkSinkTask* Snk(tributary_sink_task* t) { return reinterpret_cast<SdkSinkTask*>(t); }

inline void Shutdown(tributary_plugin_state* s) { delete State(s); }

inline int32_t Describe(tributary_plugin_state* s, const uint8_t** out, size_t* size,
                        tributary_error*) {
  *out = reinterpret_cast<const uint8_t*>(State(s)->descriptors.data());
  *size = State(s)->descriptors.size();
  return TRIBUTARY_OK;
}

inline Status CheckIndex(PluginState* state, uint32_t index, ConnectorType type) {
  if (index >= state->plugins.size() || state->plugins[index].type != type) {
    return Status::InvalidArgument("no connector of that type at index " + std::to_string(index));
  }
  return Status::Ok();
}

inline tributary_connector* ConnectorNew(tributary_plugin_state* s, uint32_t index,
                                         tributary_connector_context* context,
                                         tributary_error* error) {
  PluginState* state = State(s);
  std::unique_ptr<SdkConnector> c;
  Guard(state->host, error, [&] {
    if (index >= state->plugins.size()) return Status::InvalidArgument("bad connector index");
    c.reset(new SdkConnector{
        state, SdkConnectorContext(state->host, context), state->plugins[index].factory(), {}});
    c->connector->Initialize(&c->context);
    return Status::Ok();
  });
  return reinterpret_cast<tributary_connector*>(c.release());
}
inline void ConnectorDestroy(tributary_connector* c) { delete Conn(c); }
inline int32_t ConnectorStart(tributary_connector* c, const uint8_t* config, size_t size,
                              tributary_error* error) {
  return Guard(Conn(c)->state->host, error, [&] {
    ConfigMap props;
    TRIBUTARY_RETURN_IF_ERROR(ReadConfig(config, size, &props));
    return Conn(c)->connector->Start(props);
  });
}
inline int32_t ConnectorTaskConfigs(tributary_connector* c, int32_t max_tasks, const uint8_t** out,
                                    size_t* size, tributary_error* error) {
  return Guard(Conn(c)->state->host, error, [&]() -> Status {
    Result<std::vector<ConfigMap>> configs = Conn(c)->connector->TaskConfigs(max_tasks);
    if (!configs.ok()) return configs.status();
    Conn(c)->out.clear();
    Writer(&Conn(c)->out).ConfigList(*configs);
    *out = reinterpret_cast<const uint8_t*>(Conn(c)->out.data());
    *size = Conn(c)->out.size();
    return Status::Ok();
  });
}
inline void ConnectorStop(tributary_connector* c) {
  Guard(Conn(c)->state->host, nullptr, [&] {
    Conn(c)->connector->Stop();
    return Status::Ok();
  });
}
inline int32_t ConnectorValidate(tributary_plugin_state* s, uint32_t index, const uint8_t* config,
                                 size_t size, const uint8_t** out, size_t* out_size,
                                 tributary_error* error) {
  PluginState* state = State(s);
  return Guard(state->host, error, [&] {
    if (index >= state->plugins.size()) return Status::InvalidArgument("bad connector index");
    ConfigMap props;
    TRIBUTARY_RETURN_IF_ERROR(ReadConfig(config, size, &props));
    ValidationErrors errors = state->plugins[index].factory()->Validate(props);
    thread_local std::string buffer;
    buffer.clear();
    Writer(&buffer).Validation(errors);
    *out = reinterpret_cast<const uint8_t*>(buffer.data());
    *out_size = buffer.size();
    return Status::Ok();
  });
}

inline tributary_source_task* SourceTaskNew(tributary_plugin_state* s, uint32_t index,
                                            tributary_error* error) {
  PluginState* state = State(s);
  std::unique_ptr<SdkSourceTask> t;
  Guard(state->host, error, [&] {
    TRIBUTARY_RETURN_IF_ERROR(CheckIndex(state, index, ConnectorType::kSource));
    std::unique_ptr<Connector> connector = state->plugins[index].factory();
    t = std::make_unique<SdkSourceTask>(state,
                                        static_cast<SourceConnector&>(*connector).CreateTask());
    t->task_->Initialize(t.get());
    return Status::Ok();
  });
  return reinterpret_cast<tributary_source_task*>(t.release());
}
inline void SourceTaskDestroy(tributary_source_task* t) { delete Src(t); }
inline int32_t SourceTaskStart(tributary_source_task* t, tributary_source_task_context* context,
                               const uint8_t* config, size_t size, tributary_error* error) {
  return Guard(Src(t)->state_->host, error, [&] {
    Src(t)->context_ = context;
    TRIBUTARY_RETURN_IF_ERROR(ReadConfig(config, size, &Src(t)->configs_));
    return Src(t)->task_->Start(Src(t)->configs_);
  });
}
inline int32_t SourceTaskPoll(tributary_source_task* t, const uint8_t** out, size_t* size,
                              tributary_error* error) {
  return Guard(Src(t)->state_->host, error, [&]() -> Status {
    Result<std::vector<SourceRecord>> records = Src(t)->task_->Poll();
    if (!records.ok()) return records.status();
    Src(t)->out_.clear();
    Writer(&Src(t)->out_).SourceBatch(*records);
    *out = reinterpret_cast<const uint8_t*>(Src(t)->out_.data());
    *size = Src(t)->out_.size();
    return Status::Ok();
  });
}
inline int32_t SourceTaskCommit(tributary_source_task* t, tributary_error* error) {
  return Guard(Src(t)->state_->host, error, [&] { return Src(t)->task_->Commit(); });
}
inline int32_t SourceTaskCommitRecord(tributary_source_task* t, const uint8_t* record, size_t size,
                                      const tributary_record_metadata* metadata,
                                      tributary_error* error) {
  return Guard(Src(t)->state_->host, error, [&] {
    std::vector<SourceRecord> records;
    Reader reader(record, size);
    if (!reader.SourceBatch(&records) || records.size() != 1) return reader.Error("record");
    if (!metadata) {
      Src(t)->task_->CommitRecord(records[0], nullptr);
    } else {
      RecordMetadata md;
      md.topic.assign(metadata->topic, metadata->topic_size);
      md.partition = metadata->partition;
      md.offset = metadata->offset;
      if (metadata->has_timestamp) md.timestamp = metadata->timestamp;
      Src(t)->task_->CommitRecord(records[0], &md);
    }
    return Status::Ok();
  });
}
inline void SourceTaskStop(tributary_source_task* t) {
  Guard(Src(t)->state_->host, nullptr, [&] {
    Src(t)->task_->Stop();
    return Status::Ok();
  });
}

inline tributary_sink_task* SinkTaskNew(tributary_plugin_state* s, uint32_t index,
                                        tributary_error* error) {
  PluginState* state = State(s);
  std::unique_ptr<SdkSinkTask> t;
  Guard(state->host, error, [&] {
    TRIBUTARY_RETURN_IF_ERROR(CheckIndex(state, index, ConnectorType::kSink));
    std::unique_ptr<Connector> connector = state->plugins[index].factory();
    t = std::make_unique<SdkSinkTask>(state, static_cast<SinkConnector&>(*connector).CreateTask());
    t->task_->Initialize(t.get());
    return Status::Ok();
  });
  return reinterpret_cast<tributary_sink_task*>(t.release());
}
inline void SinkTaskDestroy(tributary_sink_task* t) { delete Snk(t); }
inline int32_t SinkTaskStart(tributary_sink_task* t, tributary_sink_task_context* context,
                             const uint8_t* config, size_t size, tributary_error* error) {
  return Guard(Snk(t)->state_->host, error, [&] {
    Snk(t)->context_ = context;
    TRIBUTARY_RETURN_IF_ERROR(ReadConfig(config, size, &Snk(t)->configs_));
    return Snk(t)->task_->Start(Snk(t)->configs_);
  });
}
inline Status ReadPartitions(const uint8_t* data, size_t size,
                             std::vector<TopicPartition>* partitions) {
  Reader reader(data, size);
  if (!reader.Partitions(partitions)) return reader.Error("partition list");
  return Status::Ok();
}
inline int32_t SinkTaskOpen(tributary_sink_task* t, const uint8_t* data, size_t size,
                            tributary_error* error) {
  return Guard(Snk(t)->state_->host, error, [&] {
    std::vector<TopicPartition> partitions;
    TRIBUTARY_RETURN_IF_ERROR(ReadPartitions(data, size, &partitions));
    return Snk(t)->task_->Open(partitions);
  });
}
inline int32_t SinkTaskClose(tributary_sink_task* t, const uint8_t* data, size_t size,
                             tributary_error* error) {
  return Guard(Snk(t)->state_->host, error, [&] {
    std::vector<TopicPartition> partitions;
    TRIBUTARY_RETURN_IF_ERROR(ReadPartitions(data, size, &partitions));
    return Snk(t)->task_->Close(partitions);
  });
}
inline int32_t SinkTaskPut(tributary_sink_task* t, const uint8_t* data, size_t size,
                           tributary_error* error) {
  return Guard(Snk(t)->state_->host, error, [&] {
    std::vector<SinkRecord> records;
    Reader reader(data, size);
    reader.UseSchemaCache(&Snk(t)->reader_cache_);
    if (!reader.SinkBatch(&records)) return reader.Error("sink records");
    return Snk(t)->task_->Put(records);
  });
}
inline int32_t SinkTaskPreCommit(tributary_sink_task* t, const uint8_t* data, size_t size,
                                 const uint8_t** out, size_t* out_size, tributary_error* error) {
  return Guard(Snk(t)->state_->host, error, [&]() -> Status {
    TopicPartitionOffsets offsets;
    Reader reader(data, size);
    if (!reader.Offsets(&offsets)) return reader.Error("offsets");
    Result<TopicPartitionOffsets> committable = Snk(t)->task_->PreCommit(offsets);
    if (!committable.ok()) return committable.status();
    Snk(t)->out_.clear();
    Writer(&Snk(t)->out_).Offsets(*committable);
    *out = reinterpret_cast<const uint8_t*>(Snk(t)->out_.data());
    *out_size = Snk(t)->out_.size();
    return Status::Ok();
  });
}
inline void SinkTaskStop(tributary_sink_task* t) {
  Guard(Snk(t)->state_->host, nullptr, [&] {
    Snk(t)->task_->Stop();
    return Status::Ok();
  });
}

template <typename List>
constexpr tributary_plugin_api MakeApi(const char* name, const char* version) {
  tributary_plugin_api api{};
  api.abi_major = TRIBUTARY_PLUGIN_ABI_MAJOR;
  api.abi_minor = TRIBUTARY_PLUGIN_ABI_MINOR;
  api.struct_size = sizeof(tributary_plugin_api);
  api.name = name;
  api.version = version;
  api.init = &Init<List>;
  api.shutdown = &Shutdown;
  api.describe = &Describe;
  api.connector_new = &ConnectorNew;
  api.connector_destroy = &ConnectorDestroy;
  api.connector_start = &ConnectorStart;
  api.connector_task_configs = &ConnectorTaskConfigs;
  api.connector_stop = &ConnectorStop;
  api.source_task_new = &SourceTaskNew;
  api.source_task_destroy = &SourceTaskDestroy;
  api.source_task_start = &SourceTaskStart;
  api.source_task_poll = &SourceTaskPoll;
  api.source_task_commit = &SourceTaskCommit;
  api.source_task_stop = &SourceTaskStop;
  api.sink_task_new = &SinkTaskNew;
  api.sink_task_destroy = &SinkTaskDestroy;
  api.sink_task_start = &SinkTaskStart;
  api.sink_task_open = &SinkTaskOpen;
  api.sink_task_put = &SinkTaskPut;
  api.sink_task_pre_commit = &SinkTaskPreCommit;
  api.sink_task_close = &SinkTaskClose;
  api.sink_task_stop = &SinkTaskStop;
  api.connector_validate = &ConnectorValidate;
  api.source_task_commit_record = &SourceTaskCommitRecord;
  return api;
}

}  // namespace internal
}  // namespace tributary::sdk

// Exports the connectors made by the listed functions (each `tributary::ConnectorPlugin fn()`, or
// tributary::sdk::WithCommitRecord(&fn)) as this library's plugin. Use once per library, at
// namespace scope. `name` and `version` are string literals naming the library.
#define TRIBUTARY_EXPORT_PLUGIN(name, version, ...)                                      \
  namespace {                                                                            \
  struct TributaryExportedConnectors {                                                   \
    static std::vector<::tributary::sdk::Exported> Get() { return {__VA_ARGS__}; }       \
  };                                                                                     \
  }                                                                                      \
  extern "C" __attribute__((visibility("default"))) const tributary_plugin_api*          \
  tributary_plugin_entry(void) {                                                         \
    static constexpr tributary_plugin_api kApi =                                         \
        ::tributary::sdk::internal::MakeApi<TributaryExportedConnectors>(name, version); \
    return &kApi;                                                                        \
  }
