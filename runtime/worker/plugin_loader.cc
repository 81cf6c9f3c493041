#include "runtime/worker/plugin_loader.h"

#include <dlfcn.h>
#include <sched.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "runtime/api/sink_task.h"
#include "runtime/api/source_task.h"
#include "tributary/plugin.h"
#include "tributary/sdk/codec.h"

// The host's side of the opaque error handle: the Status of the current call.
struct tributary_error {
  tributary::Status status;
};

namespace tributary::runtime {

namespace {

static_assert(TRIBUTARY_INTERNAL == static_cast<int>(StatusCode::kInternal),
              "plugin.h status codes follow runtime/api/status.h");

// True when the plugin's table has `slot` (it may be older than the host).
#define PLUGIN_HAS(api, slot)                                                          \
  ((api)->struct_size >= offsetof(tributary_plugin_api, slot) + sizeof((api)->slot) && \
   (api)->slot != nullptr)

Status StatusFromCode(int32_t code, std::string message, bool retriable = false) {
  if (code <= 0 || code > TRIBUTARY_INTERNAL) code = TRIBUTARY_INTERNAL;
  return Status(static_cast<StatusCode>(code), std::move(message), retriable);
}

// The error of a failed call: what the plugin described, or a generic message naming the call.
Status CallError(int32_t code, const tributary_error& error, const char* call) {
  if (!error.status.ok()) return error.status;
  return StatusFromCode(code, std::string(call) + " failed without a message");
}

const uint8_t* Data(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

std::string EncodeConfig(const ConfigMap& config) {
  std::string out;
  sdk::Writer(&out).Config(config);
  return out;
}

// One loaded library, shared by the factories and adapters of its connectors.
struct PluginLibrary {
  std::string path;
  void* handle = nullptr;
  const tributary_plugin_api* api = nullptr;
  tributary_plugin_state* state = nullptr;
  std::vector<sdk::ConnectorDescriptor> descriptors;

  ~PluginLibrary() {
    if (state) api->shutdown(state);
    // No dlclose: code of the library may still be referenced (thread-local destructors, logs).
  }
};
using LibraryPtr = std::shared_ptr<const PluginLibrary>;

// ---- host callbacks (tributary_host_api) ----

void HostSetError(tributary_error* error, int32_t code, int32_t retriable, const char* message,
                  size_t size) {
  std::string text(message ? message : "", message ? size : 0);
  if (error == nullptr) {
    spdlog::error("plugin error: {}", text);
    return;
  }
  error->status = StatusFromCode(code, std::move(text), retriable != 0);
}

void HostLog(int32_t level, const char* message, size_t size) {
  std::string_view text(message ? message : "", message ? size : 0);
  switch (level) {
    case TRIBUTARY_LOG_DEBUG:
      spdlog::debug("{}", text);
      break;
    case TRIBUTARY_LOG_INFO:
      spdlog::info("{}", text);
      break;
    case TRIBUTARY_LOG_WARN:
      spdlog::warn("{}", text);
      break;
    default:
      spdlog::error("{}", text);
      break;
  }
}

// The connector side: what a tributary_connector_context points to.
struct ConnectorCore {
  LibraryPtr library;
  uint32_t index = 0;
  ConfigDef definition;
  ConnectorContext* context = nullptr;  // the worker's, set at Start
  tributary_connector* handle = nullptr;

  const sdk::ConnectorDescriptor& descriptor() const { return library->descriptors[index]; }

  ~ConnectorCore() {
    if (handle) library->api->connector_destroy(handle);
  }

  Status Start(ConnectorContext* worker_context, const ConfigMap& props) {
    context = worker_context;
    const tributary_plugin_api* api = library->api;
    tributary_error error;
    if (!handle) {
      handle = api->connector_new(library->state, index,
                                  reinterpret_cast<tributary_connector_context*>(this), &error);
      if (!handle) return CallError(TRIBUTARY_INTERNAL, error, "connector_new");
    }
    std::string config = EncodeConfig(props);
    int32_t rc = api->connector_start(handle, Data(config), config.size(), &error);
    if (rc != TRIBUTARY_OK) return CallError(rc, error, "connector_start");
    return Status::Ok();
  }

  Result<std::vector<ConfigMap>> TaskConfigs(int max_tasks) {
    if (!handle) return Status::Internal("TaskConfigs before Start");
    tributary_error error;
    const uint8_t* data = nullptr;
    size_t size = 0;
    int32_t rc = library->api->connector_task_configs(handle, max_tasks, &data, &size, &error);
    if (rc != TRIBUTARY_OK) return CallError(rc, error, "connector_task_configs");
    std::vector<ConfigMap> configs;
    sdk::Reader reader(data, size);
    if (!reader.ConfigList(&configs)) return reader.Error("task configs");
    return configs;
  }

  void Stop() {
    if (handle) library->api->connector_stop(handle);
  }

  sdk::ValidationErrors Validate(const ConfigMap& props) const {
    const tributary_plugin_api* api = library->api;
    if (!PLUGIN_HAS(api, connector_validate)) return definition.Validate(props);
    std::string config = EncodeConfig(props);
    tributary_error error;
    const uint8_t* data = nullptr;
    size_t size = 0;
    int32_t rc = api->connector_validate(library->state, index, Data(config), config.size(), &data,
                                         &size, &error);
    sdk::ValidationErrors errors;
    sdk::Reader reader(data, size);
    if (rc != TRIBUTARY_OK || !reader.Validation(&errors)) {
      Status st = rc != TRIBUTARY_OK ? CallError(rc, error, "connector_validate")
                                     : reader.Error("validation result");
      spdlog::warn("Plugin {}: validating {} failed ({}); checking types and required keys only",
                   library->path, descriptor().class_name, st.ToString());
      return definition.Validate(props);
    }
    return errors;
  }
};

ConnectorContext* ContextOf(tributary_connector_context* c) {
  return reinterpret_cast<ConnectorCore*>(c)->context;
}
void HostRequestTaskReconfiguration(tributary_connector_context* c) {
  if (ConnectorContext* context = ContextOf(c)) context->RequestTaskReconfiguration();
}
void HostRaiseError(tributary_connector_context* c, int32_t code, const char* message,
                    size_t size) {
  if (ConnectorContext* context = ContextOf(c)) {
    context->RaiseError(StatusFromCode(code, std::string(message ? message : "", size)));
  }
}

ConfigDef DefinitionOf(const sdk::ConnectorDescriptor& descriptor) {
  ConfigDef def;
  for (const ConfigKey& key : descriptor.config_keys) {
    if (!def.Find(key.name)) def.Define(key);  // a duplicate key from a plugin is not our bug
  }
  return def;
}

std::atomic<PluginPollMode> poll_mode{PluginPollMode::kAuto};

// A fetcher thread makes the plugin's next batch while the poll thread decodes the last one, at
// the price of a copy of each batch, a hand-off and the batch's bytes changing cores (~0.08 us
// per record in plugin_poll_bench). With the worker's poll, send and librdkafka threads that is
// four busy threads: it pays where each can have a CPU, and costs throughput where they share
// fewer (bench/plugin-vs-builtin.sh on 2 CPUs).
bool UseFetcherThread() {
  switch (poll_mode.load()) {
    case PluginPollMode::kFetcherThread:
      return true;
    case PluginPollMode::kDirect:
      return false;
    case PluginPollMode::kAuto:
      break;
  }
  cpu_set_t cpus;
  if (sched_getaffinity(0, sizeof(cpus), &cpus) != 0) return false;
  return CPU_COUNT(&cpus) >= 4;
}

class PluginSourceTask : public SourceTask {
 public:
  PluginSourceTask(LibraryPtr library, uint32_t index) : library_(std::move(library)) {
    descriptor_ = &library_->descriptors[index];
    tributary_error error;
    handle_ = library_->api->source_task_new(library_->state, index, &error);
    if (!handle_) create_error_ = CallError(TRIBUTARY_INTERNAL, error, "source_task_new");
  }
  ~PluginSourceTask() override {
    StopFetcher();
    if (handle_) library_->api->source_task_destroy(handle_);
  }

  std::string Version() const override { return descriptor_->version; }

  Status Start(const ConfigMap& props) override {
    if (!handle_) return create_error_;
    std::string config = EncodeConfig(props);
    tributary_error error;
    int32_t rc = library_->api->source_task_start(
        handle_, reinterpret_cast<tributary_source_task_context*>(this), Data(config),
        config.size(), &error);
    return rc == TRIBUTARY_OK ? Status::Ok() : CallError(rc, error, "source_task_start");
  }

  // With a fetcher (UseFetcherThread), the plugin's next batch is fetched by a thread of this task
  // while the caller decodes the previous one, so the plugin making and encoding batch N+1
  // overlaps the host decoding batch N (the plugin's buffer is only borrowed until its next poll,
  // so the fetcher copies it). At most one batch waits; one polled but never taken is never sent,
  // so never committed. Without one, the caller polls the plugin and decodes its buffer in place.
  Result<std::vector<SourceRecord>> Poll() override {
    if (!handle_) return create_error_;
    if (!use_fetcher_) {
      // Decoded straight from the plugin's buffer, which stays valid until the next poll.
      if (stopped_) return Status::Cancelled("the task was stopped");
      tributary_error error;
      const uint8_t* data = nullptr;
      size_t size = 0;
      int32_t rc = library_->api->source_task_poll(handle_, &data, &size, &error);
      if (rc != TRIBUTARY_OK) return CallError(rc, error, "source_task_poll");
      return Decode(data, size);
    }
    {
      std::unique_lock lock(fetch_mutex_);
      if (stop_fetching_) return Status::Cancelled("the task was stopped");
      if (!fetcher_.joinable()) fetcher_ = std::thread([this] { FetchLoop(); });
      fetched_cv_.wait(lock, [this] { return fetched_; });
      fetched_ = false;
      taken_.swap(fetched_data_);
      Status st = std::move(fetched_status_);
      fetched_status_ = Status::Ok();
      lock.unlock();
      fetch_cv_.notify_one();
      if (!st.ok()) return st;
    }
    return Decode(reinterpret_cast<const uint8_t*>(taken_.data()), taken_.size());
  }

  Status Commit() override {
    tributary_error error;
    int32_t rc = library_->api->source_task_commit(handle_, &error);
    return rc == TRIBUTARY_OK ? Status::Ok() : CallError(rc, error, "source_task_commit");
  }

  void CommitRecord(const SourceRecord& record, const RecordMetadata* metadata) override {
    if (!(descriptor_->flags & TRIBUTARY_CONNECTOR_WANTS_COMMIT_RECORD) ||
        !PLUGIN_HAS(library_->api, source_task_commit_record)) {
      return;
    }
    std::string encoded;
    sdk::Writer(&encoded).SourceBatch({record});
    tributary_record_metadata md{};
    if (metadata) {
      md.topic = metadata->topic.data();
      md.topic_size = metadata->topic.size();
      md.partition = metadata->partition;
      md.offset = metadata->offset;
      md.has_timestamp = metadata->timestamp ? 1 : 0;
      md.timestamp = metadata->timestamp.value_or(0);
    }
    tributary_error error;
    int32_t rc = library_->api->source_task_commit_record(handle_, Data(encoded), encoded.size(),
                                                          metadata ? &md : nullptr, &error);
    if (rc != TRIBUTARY_OK) {
      spdlog::warn("{}: CommitRecord failed: {}", descriptor_->class_name,
                   CallError(rc, error, "source_task_commit_record").ToString());
    }
  }

  // source_task_stop never overlaps source_task_poll: a fetcher is stopped first, and without one
  // the last Poll returned before Stop (runtime/api/source_task.h).
  void Stop() override {
    StopFetcher();
    stopped_ = true;
    if (handle_) library_->api->source_task_stop(handle_);
  }

  // tributary_host_api::source_offset.
  static int32_t HostOffset(tributary_source_task_context* c, const uint8_t* partition,
                            size_t partition_size, const uint8_t** offset, size_t* offset_size) {
    auto* self = reinterpret_cast<PluginSourceTask*>(c);
    SourceMap key;
    sdk::Reader reader(partition, partition_size);
    if (!reader.SourceMapValue(&key)) {
      spdlog::warn("{}: {}", self->descriptor_->class_name,
                   reader.Error("source partition").ToString());
      return -1;
    }
    std::optional<SourceMap> stored = self->context()->offset_storage_reader().Offset(key);
    if (!stored) return 0;
    // Per thread: Poll and Commit may both read offsets (see source_task.h).
    thread_local std::string buffer;
    buffer.clear();
    sdk::Writer(&buffer).SourceMapValue(*stored);
    *offset = Data(buffer);
    *offset_size = buffer.size();
    return 1;
  }

 private:
  Result<std::vector<SourceRecord>> Decode(const uint8_t* data, size_t size) {
    std::vector<SourceRecord> records;
    sdk::Reader reader(data, size);
    reader.UseSchemaCache(&schemas_);
    if (!reader.SourceBatch(&records)) return reader.Error("source records");
    return records;
  }

  // Polls the plugin whenever the last batch was taken, until StopFetcher.
  void FetchLoop() {
    std::unique_lock lock(fetch_mutex_);
    while (true) {
      fetch_cv_.wait(lock, [this] { return !fetched_ || stop_fetching_; });
      if (stop_fetching_) return;
      lock.unlock();
      tributary_error error;
      const uint8_t* data = nullptr;
      size_t size = 0;
      int32_t rc = library_->api->source_task_poll(handle_, &data, &size, &error);
      Status st = rc == TRIBUTARY_OK ? Status::Ok() : CallError(rc, error, "source_task_poll");
      fetch_buffer_.assign(reinterpret_cast<const char*>(data), st.ok() ? size : 0);
      lock.lock();
      fetched_data_.swap(fetch_buffer_);
      fetched_status_ = std::move(st);
      fetched_ = true;
      fetched_cv_.notify_one();
    }
  }
  // Ends the fetcher once its current poll (if any) returned.
  void StopFetcher() {
    {
      std::lock_guard lock(fetch_mutex_);
      stop_fetching_ = true;
    }
    fetch_cv_.notify_one();
    if (fetcher_.joinable()) fetcher_.join();
  }

  LibraryPtr library_;
  const sdk::ConnectorDescriptor* descriptor_;
  tributary_source_task* handle_ = nullptr;
  Status create_error_;
  const bool use_fetcher_ = UseFetcherThread();
  std::atomic<bool> stopped_ = false;                   // without a fetcher
  std::unordered_map<std::string, SchemaPtr> schemas_;  // used by Poll only
  std::string taken_;                                   // the batch Poll decodes

  std::mutex fetch_mutex_;
  std::condition_variable fetch_cv_;    // the fetcher waits: batch taken, or stop
  std::condition_variable fetched_cv_;  // Poll waits: a batch (or an error) is ready
  bool fetched_ = false;
  bool stop_fetching_ = false;
  std::string fetched_data_;  // the ready batch, when fetched_
  Status fetched_status_;     // the ready poll's error, when fetched_
  std::string fetch_buffer_;  // the fetcher's own (its copy of the plugin's buffer)
  std::thread fetcher_;
};

class PluginSinkTask : public SinkTask {
 public:
  PluginSinkTask(LibraryPtr library, uint32_t index) : library_(std::move(library)) {
    descriptor_ = &library_->descriptors[index];
    tributary_error error;
    handle_ = library_->api->sink_task_new(library_->state, index, &error);
    if (!handle_) create_error_ = CallError(TRIBUTARY_INTERNAL, error, "sink_task_new");
  }
  ~PluginSinkTask() override {
    if (handle_) library_->api->sink_task_destroy(handle_);
  }

  std::string Version() const override { return descriptor_->version; }

  Status Start(const ConfigMap& props) override {
    if (!handle_) return create_error_;
    std::string config = EncodeConfig(props);
    tributary_error error;
    int32_t rc = library_->api->sink_task_start(
        handle_, reinterpret_cast<tributary_sink_task_context*>(this), Data(config), config.size(),
        &error);
    return rc == TRIBUTARY_OK ? Status::Ok() : CallError(rc, error, "sink_task_start");
  }

  Status Open(const std::vector<TopicPartition>& partitions) override {
    return PartitionsCall(library_->api->sink_task_open, partitions, "sink_task_open");
  }
  Status Close(const std::vector<TopicPartition>& partitions) override {
    return PartitionsCall(library_->api->sink_task_close, partitions, "sink_task_close");
  }

  Status Put(std::vector<SinkRecord>& records) override {
    buffer_.clear();
    sdk::Writer(&buffer_).SinkBatch(records);
    tributary_error error;
    int32_t rc = library_->api->sink_task_put(handle_, Data(buffer_), buffer_.size(), &error);
    return rc == TRIBUTARY_OK ? Status::Ok() : CallError(rc, error, "sink_task_put");
  }

  Result<TopicPartitionOffsets> PreCommit(const TopicPartitionOffsets& offsets) override {
    buffer_.clear();
    sdk::Writer(&buffer_).Offsets(offsets);
    tributary_error error;
    const uint8_t* data = nullptr;
    size_t size = 0;
    int32_t rc = library_->api->sink_task_pre_commit(handle_, Data(buffer_), buffer_.size(), &data,
                                                     &size, &error);
    if (rc != TRIBUTARY_OK) return CallError(rc, error, "sink_task_pre_commit");
    TopicPartitionOffsets committable;
    sdk::Reader reader(data, size);
    if (!reader.Offsets(&committable)) return reader.Error("committable offsets");
    return committable;
  }

  void Stop() override {
    if (handle_) library_->api->sink_task_stop(handle_);
  }

  // tributary_host_api sink callbacks.
  static PluginSinkTask* Self(tributary_sink_task_context* c) {
    return reinterpret_cast<PluginSinkTask*>(c);
  }
  static std::vector<TopicPartition> DecodePartitions(const uint8_t* data, size_t size) {
    std::vector<TopicPartition> partitions;
    sdk::Reader reader(data, size);
    if (!reader.Partitions(&partitions)) {
      spdlog::warn("{}", reader.Error("partition list").ToString());
      return {};
    }
    return partitions;
  }
  static void HostOffset(tributary_sink_task_context* c, const char* topic, size_t topic_size,
                         int32_t partition, int64_t offset) {
    Self(c)->context()->Offset(TopicPartition{std::string(topic, topic_size), partition}, offset);
  }
  static void HostTimeout(tributary_sink_task_context* c, int64_t ms) {
    Self(c)->context()->Timeout(ms);
  }
  static void HostAssignment(tributary_sink_task_context* c, const uint8_t** data, size_t* size) {
    PluginSinkTask* self = Self(c);
    self->assignment_buffer_.clear();
    sdk::Writer(&self->assignment_buffer_).Partitions(self->context()->Assignment());
    *data = Data(self->assignment_buffer_);
    *size = self->assignment_buffer_.size();
  }
  static void HostPause(tributary_sink_task_context* c, const uint8_t* data, size_t size) {
    Self(c)->context()->Pause(DecodePartitions(data, size));
  }
  static void HostResume(tributary_sink_task_context* c, const uint8_t* data, size_t size) {
    Self(c)->context()->Resume(DecodePartitions(data, size));
  }
  static void HostRequestCommit(tributary_sink_task_context* c) {
    Self(c)->context()->RequestCommit();
  }
  static int32_t HostReportErrant(tributary_sink_task_context* c, const uint8_t* record,
                                  size_t record_size, int32_t code, int32_t retriable,
                                  const char* message, size_t message_size) {
    PluginSinkTask* self = Self(c);
    std::vector<SinkRecord> records;
    sdk::Reader reader(record, record_size);
    if (!reader.SinkBatch(&records) || records.size() != 1) {
      spdlog::error("{}: ReportErrant: {}", self->descriptor_->class_name,
                    reader.Error("errant record").ToString());
      return TRIBUTARY_INVALID_ARGUMENT;
    }
    Status st = self->context()->ReportErrant(
        records[0], StatusFromCode(code, std::string(message, message_size), retriable != 0));
    if (st.ok()) return TRIBUTARY_OK;
    spdlog::error("{}: errant record not taken over: {}", self->descriptor_->class_name,
                  st.ToString());
    return static_cast<int32_t>(st.code());
  }

 private:
  using PartitionsFn = int32_t (*)(tributary_sink_task*, const uint8_t*, size_t, tributary_error*);
  Status PartitionsCall(PartitionsFn fn, const std::vector<TopicPartition>& partitions,
                        const char* name) {
    buffer_.clear();
    sdk::Writer(&buffer_).Partitions(partitions);
    tributary_error error;
    int32_t rc = fn(handle_, Data(buffer_), buffer_.size(), &error);
    return rc == TRIBUTARY_OK ? Status::Ok() : CallError(rc, error, name);
  }

  LibraryPtr library_;
  const sdk::ConnectorDescriptor* descriptor_;
  tributary_sink_task* handle_ = nullptr;
  Status create_error_;
  std::string buffer_;
  std::string assignment_buffer_;
};

const tributary_host_api kHostApi = [] {
  tributary_host_api api{};
  api.struct_size = sizeof(tributary_host_api);
  api.abi_major = TRIBUTARY_PLUGIN_ABI_MAJOR;
  api.abi_minor = TRIBUTARY_PLUGIN_ABI_MINOR;
  api.set_error = &HostSetError;
  api.log = &HostLog;
  api.connector_request_task_reconfiguration = &HostRequestTaskReconfiguration;
  api.connector_raise_error = &HostRaiseError;
  api.source_offset = &PluginSourceTask::HostOffset;
  api.sink_offset = &PluginSinkTask::HostOffset;
  api.sink_timeout = &PluginSinkTask::HostTimeout;
  api.sink_assignment = &PluginSinkTask::HostAssignment;
  api.sink_pause = &PluginSinkTask::HostPause;
  api.sink_resume = &PluginSinkTask::HostResume;
  api.sink_request_commit = &PluginSinkTask::HostRequestCommit;
  api.sink_report_errant = &PluginSinkTask::HostReportErrant;
  return api;
}();

// A plugin's connector as the host sees it. Base: SourceConnector or SinkConnector; Task: the
// matching host-side task.
template <typename Base, typename Task>
class PluginConnector : public Base {
 public:
  PluginConnector(LibraryPtr library, uint32_t index) {
    core_.definition = DefinitionOf(library->descriptors[index]);
    core_.library = std::move(library);
    core_.index = index;
  }
  std::string Version() const override { return core_.descriptor().version; }
  const ConfigDef& Definition() const override { return core_.definition; }
  Status Start(const ConfigMap& props) override { return core_.Start(this->context(), props); }
  Result<std::vector<ConfigMap>> TaskConfigs(int max_tasks) override {
    return core_.TaskConfigs(max_tasks);
  }
  void Stop() override { core_.Stop(); }
  std::map<std::string, std::vector<std::string>> Validate(const ConfigMap& props) const override {
    return core_.Validate(props);
  }
  decltype(std::declval<const Base&>().CreateTask()) CreateTask() const override {
    return std::make_unique<Task>(core_.library, core_.index);
  }

 private:
  ConnectorCore core_;
};
using PluginSourceConnector = PluginConnector<SourceConnector, PluginSourceTask>;
using PluginSinkConnector = PluginConnector<SinkConnector, PluginSinkTask>;

// Opens `path` and checks its table; the library with its state and descriptors, or why not.
Result<std::shared_ptr<PluginLibrary>> OpenLibrary(const std::string& path,
                                                   PluginLibraryReport* report) {
  dlerror();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    return Status::InvalidArgument(std::string("cannot load the library: ") +
                                   (why ? why : "unknown dlopen error"));
  }
  auto entry =
      reinterpret_cast<tributary_plugin_entry_fn>(dlsym(handle, TRIBUTARY_PLUGIN_ENTRY_SYMBOL));
  if (!entry) {
    return Status::NotFound(std::string("not a Tributary plugin: the library does not export ") +
                            TRIBUTARY_PLUGIN_ENTRY_SYMBOL + "()");
  }
  const tributary_plugin_api* api = entry();
  if (!api)
    return Status::InvalidArgument(std::string(TRIBUTARY_PLUGIN_ENTRY_SYMBOL) + " returned NULL");
  if (api->abi_major != TRIBUTARY_PLUGIN_ABI_MAJOR) {
    return Status::InvalidArgument(
        "built for plugin ABI " + std::to_string(api->abi_major) + "." +
        std::to_string(api->abi_minor) + ", but this worker speaks ABI " +
        std::to_string(TRIBUTARY_PLUGIN_ABI_MAJOR) + "." +
        std::to_string(TRIBUTARY_PLUGIN_ABI_MINOR) +
        " (a different major version is incompatible): rebuild the plugin against this "
        "worker's tributary/plugin.h");
  }
  // The 1.0 table is the least a plugin has; the slots for its connectors' task kinds are
  // checked below, later slots are optional.
  if (api->struct_size <
          offsetof(tributary_plugin_api, sink_task_stop) + sizeof(api->sink_task_stop) ||
      !api->init || !api->shutdown || !api->describe || !api->connector_new ||
      !api->connector_destroy || !api->connector_start || !api->connector_task_configs ||
      !api->connector_stop) {
    return Status::InvalidArgument("the plugin's function table is incomplete (struct_size " +
                                   std::to_string(api->struct_size) + ")");
  }
  auto library = std::make_shared<PluginLibrary>();
  library->path = path;
  library->handle = handle;
  library->api = api;
  report->name = api->name ? api->name : "";
  report->version = api->version ? api->version : "";
  tributary_error error;
  library->state = api->init(&kHostApi, &error);
  if (!library->state) {
    return CallError(TRIBUTARY_INTERNAL, error, "init").WithContext("init failed");
  }
  const uint8_t* data = nullptr;
  size_t size = 0;
  int32_t rc = api->describe(library->state, &data, &size, &error);
  if (rc != TRIBUTARY_OK) return CallError(rc, error, "describe").WithContext("describe failed");
  sdk::Reader reader(data, size);
  if (!reader.Descriptors(&library->descriptors)) return reader.Error("connector descriptors");
  for (const auto& d : library->descriptors) {
    bool source = d.type == ConnectorType::kSource;
    bool complete =
        source ? (api->source_task_new && api->source_task_destroy && api->source_task_start &&
                  api->source_task_poll && api->source_task_commit && api->source_task_stop)
               : (api->sink_task_new && api->sink_task_destroy && api->sink_task_start &&
                  api->sink_task_open && api->sink_task_put && api->sink_task_pre_commit &&
                  api->sink_task_close);
    if (!complete) {
      return Status::InvalidArgument("connector " + d.class_name + " is a " +
                                     ConnectorTypeName(d.type) +
                                     " but the plugin lacks functions for its tasks");
    }
  }
  return library;
}

}  // namespace

void SetPluginPollModeForTest(PluginPollMode mode) { poll_mode.store(mode); }

PluginLibraryReport LoadPluginLibrary(const std::string& path, Plugins& plugins) {
  PluginLibraryReport report;
  report.path = path;
  Result<std::shared_ptr<PluginLibrary>> library = OpenLibrary(path, &report);
  if (!library.ok()) {
    report.reason = library.status().message();
    spdlog::error("Skipping plugin library {}: {}", path, report.reason);
    plugins.AddLoadProblem({path, report.reason});
    return report;
  }
  report.loaded = true;
  LibraryPtr shared = *library;
  for (uint32_t i = 0; i < shared->descriptors.size(); ++i) {
    const sdk::ConnectorDescriptor& d = shared->descriptors[i];
    bool taken = plugins.FindConnector(d.class_name).ok();
    for (const auto& alias : d.aliases) taken = taken || plugins.FindConnector(alias).ok();
    if (taken) {
      std::string note = "connector " + d.class_name + " not registered: the name is taken";
      spdlog::warn("Plugin library {}: {}", path, note);
      report.reason += (report.reason.empty() ? "" : "; ") + note;
      plugins.AddLoadProblem({path, note});
      continue;
    }
    ConnectorPlugin plugin;
    plugin.class_name = d.class_name;
    plugin.aliases = d.aliases;
    plugin.type = d.type;
    plugin.version = d.version;
    if (d.type == ConnectorType::kSource) {
      plugin.factory = [shared, i] { return std::make_unique<PluginSourceConnector>(shared, i); };
    } else {
      plugin.factory = [shared, i] { return std::make_unique<PluginSinkConnector>(shared, i); };
    }
    plugins.AddConnector(std::move(plugin));
    report.connectors.push_back(d.class_name);
  }
  std::string names;
  for (const auto& c : report.connectors) names += (names.empty() ? "" : ", ") + c;
  spdlog::info("Loaded plugin {} {} from {}: {}", report.name, report.version, path,
               names.empty() ? "no connectors" : names);
  return report;
}

std::vector<PluginLibraryReport> LoadPlugins(const std::vector<std::string>& plugin_path,
                                             Plugins& plugins) {
  namespace fs = std::filesystem;
  auto is_library = [](const fs::path& p) {
    std::string name = p.filename().string();
    return name.size() > 3 && (name.ends_with(".so") || name.find(".so.") != std::string::npos);
  };
  std::vector<std::string> files;
  for (const std::string& entry : plugin_path) {
    if (entry.empty()) continue;
    std::error_code ec;
    if (fs::is_directory(entry, ec)) {
      std::vector<std::string> found;
      for (const auto& child : fs::directory_iterator(entry, ec)) {
        if (child.is_regular_file(ec) && is_library(child.path())) {
          found.push_back(child.path().string());
        } else if (child.is_directory(ec)) {
          for (const auto& inner : fs::directory_iterator(child.path(), ec)) {
            if (inner.is_regular_file(ec) && is_library(inner.path())) {
              found.push_back(inner.path().string());
            }
          }
        }
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(entry, ec)) {
      files.push_back(entry);
    } else {
      spdlog::warn("plugin.path entry {} does not exist", entry);
      plugins.AddLoadProblem({entry, "the plugin.path entry does not exist"});
    }
  }
  std::vector<PluginLibraryReport> reports;
  std::set<std::string> seen;
  for (const std::string& file : files) {
    std::error_code ec;
    std::string canonical = fs::canonical(file, ec).string();
    if (ec) canonical = file;
    if (!seen.insert(canonical).second) continue;
    reports.push_back(LoadPluginLibrary(canonical, plugins));
  }
  return reports;
}

}  // namespace tributary::runtime
