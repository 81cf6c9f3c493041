#pragma once

// The Tributary plugin encoding (the comment at the end of tributary/plugin.h) for runtime/api
// types: one Writer and one Reader, used by the SDK inside a plugin and by the worker's loader.
// Header-only, depends on runtime/api only.
//
// Writers append to a std::string they do not own. Readers never trust the bytes: every length is
// checked, nesting is bounded, and the first problem makes the reader fail with a message (the
// loader also runs it under a fuzzer).

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/data.h"
#include "runtime/api/plugin_info.h"
#include "runtime/api/record.h"
#include "runtime/api/status.h"

namespace tributary::sdk {

inline constexpr uint32_t kNoSchemaRef = 0xFFFFFFFFu;
inline constexpr uint32_t kInlineSchemaRef = 0xFFFFFFFEu;
// Deepest nesting of schemas/values a reader accepts (a bound on recursion, not a Connect rule).
inline constexpr int kMaxDepth = 64;

// One connector as a plugin describes it (descriptor in plugin.h).
struct ConnectorDescriptor {
  std::string class_name;
  std::vector<std::string> aliases;
  ConnectorType type = ConnectorType::kSource;
  std::string version;
  uint32_t flags = 0;
  std::vector<ConfigKey> config_keys;  // without validators: those stay in the plugin
};

using ValidationErrors = std::map<std::string, std::vector<std::string>>;

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  template <typename T>
  void Fixed(T v) {
    Put(&v, sizeof(v));
  }
  void U8(uint8_t v) { Fixed(v); }
  void U32(uint32_t v) { Fixed(v); }
  void I32(int32_t v) { Fixed(v); }
  void I64(int64_t v) { Fixed(v); }
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    Put(s.data(), s.size());
  }

  void Config(const ConfigMap& config) {
    U32(static_cast<uint32_t>(config.size()));
    for (const auto& [k, v] : config) {
      Str(k);
      Str(v);
    }
  }
  void ConfigList(const std::vector<ConfigMap>& configs) {
    U32(static_cast<uint32_t>(configs.size()));
    for (const auto& c : configs) Config(c);
  }
  void Partitions(const std::vector<TopicPartition>& partitions) {
    U32(static_cast<uint32_t>(partitions.size()));
    for (const auto& tp : partitions) {
      Str(tp.topic);
      I32(tp.partition);
    }
  }
  void Offsets(const TopicPartitionOffsets& offsets) {
    U32(static_cast<uint32_t>(offsets.size()));
    for (const auto& [tp, offset] : offsets) {
      Str(tp.topic);
      I32(tp.partition);
      I64(offset);
    }
  }
  void Validation(const ValidationErrors& errors) {
    U32(static_cast<uint32_t>(errors.size()));
    for (const auto& [key, messages] : errors) {
      Str(key);
      U32(static_cast<uint32_t>(messages.size()));
      for (const auto& m : messages) Str(m);
    }
  }
  void ConfigKeys(const std::vector<ConfigKey>& keys) {
    U32(static_cast<uint32_t>(keys.size()));
    for (const ConfigKey& key : keys) {
      Str(key.name);
      U8(static_cast<uint8_t>(key.type));
      U8(key.null_default ? 2 : key.default_value ? 1 : 0);
      Str(key.default_value.value_or(""));
      U8(static_cast<uint8_t>(key.importance));
      Str(key.documentation);
      Str(key.group);
      Str(key.display_name);
      Str(key.valid_values);
    }
  }
  void Descriptors(const std::vector<ConnectorDescriptor>& descriptors) {
    U32(static_cast<uint32_t>(descriptors.size()));
    for (const auto& d : descriptors) {
      Str(d.class_name);
      U32(static_cast<uint32_t>(d.aliases.size()));
      for (const auto& a : d.aliases) Str(a);
      U8(d.type == ConnectorType::kSource ? 0 : 1);
      Str(d.version);
      U32(d.flags);
      ConfigKeys(d.config_keys);
    }
  }

  // A schema written in full (children and default value inline).
  void InlineSchema(const Schema& schema) {
    U8(static_cast<uint8_t>(schema.type()));
    uint8_t flags = (schema.optional() ? 1 : 0) | (schema.name() ? 2 : 0) |
                    (schema.version() ? 4 : 0) | (schema.doc() ? 8 : 0) |
                    (schema.default_value() ? 16 : 0);
    U8(flags);
    if (schema.name()) Str(*schema.name());
    if (schema.version()) I32(*schema.version());
    if (schema.doc()) Str(*schema.doc());
    U32(static_cast<uint32_t>(schema.parameters().size()));
    for (const auto& [k, v] : schema.parameters()) {
      Str(k);
      Str(v);
    }
    switch (schema.type()) {
      case SchemaType::kStruct:
        U32(static_cast<uint32_t>(schema.fields().size()));
        for (const Field& f : schema.fields()) {
          Str(f.name);
          InlineSchema(*f.schema);
        }
        break;
      case SchemaType::kArray:
        InlineSchema(*schema.value_schema());
        break;
      case SchemaType::kMap:
        InlineSchema(*schema.key_schema());
        InlineSchema(*schema.value_schema());
        break;
      default:
        break;
    }
    if (schema.default_value()) {
      bool saved = inline_schemas_;
      inline_schemas_ = true;
      Val(*schema.default_value());
      inline_schemas_ = saved;
    }
  }

  void Val(const Value& v) {
    // The kind byte goes out with the fixed-size part in one append (this runs per field).
    const ValueKind kind = v.kind();
    switch (kind) {
      case ValueKind::kNull:
        U8(static_cast<uint8_t>(kind));
        break;
      case ValueKind::kBoolean:
        Tagged(kind, static_cast<uint8_t>(v.as_bool() ? 1 : 0));
        break;
      case ValueKind::kInt8:
        Tagged(kind, v.as_int8());
        break;
      case ValueKind::kInt16:
        Tagged(kind, v.as_int16());
        break;
      case ValueKind::kInt32:
        Tagged(kind, v.as_int32());
        break;
      case ValueKind::kInt64:
        Tagged(kind, v.as_int64());
        break;
      case ValueKind::kFloat32:
        Tagged(kind, v.as_float32());
        break;
      case ValueKind::kFloat64:
        Tagged(kind, v.as_float64());
        break;
      case ValueKind::kString: {
        const std::string& str = v.as_string();
        Tagged(kind, static_cast<uint32_t>(str.size()));
        Put(str.data(), str.size());
        break;
      }
      case ValueKind::kBytes: {
        const Bytes& b = v.as_bytes();
        U8(static_cast<uint8_t>(kind));
        Str(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
        break;
      }
      case ValueKind::kArray:
        Tagged(kind, static_cast<uint32_t>(v.as_array().size()));
        for (const Value& e : v.as_array()) Val(e);
        break;
      case ValueKind::kMap:
        Tagged(kind, static_cast<uint32_t>(v.as_map().size()));
        for (const MapEntry& e : v.as_map()) {
          Val(e.key);
          Val(e.value);
        }
        break;
      case ValueKind::kStruct: {
        const Struct& s = v.as_struct();
        U8(static_cast<uint8_t>(kind));
        SchemaRef(s.schema());
        U32(static_cast<uint32_t>(s.values().size()));
        for (const Value& e : s.values()) Val(e);
        break;
      }
      case ValueKind::kDecimal:
        U8(static_cast<uint8_t>(kind));
        Str(v.as_decimal().unscaled);
        I32(v.as_decimal().scale);
        break;
    }
  }

  void SourceMapValue(const SourceMap& map) {
    U32(static_cast<uint32_t>(map.size()));
    for (const auto& [k, v] : map) {
      Str(k);
      Val(v);
    }
  }

  // Batches: the schema table is written first, so records refer to schemas by index.
  void SourceBatch(const std::vector<SourceRecord>& records) {
    Staged staged(this);
    BeginBatch(records);
    U32(static_cast<uint32_t>(records.size()));
    for (const SourceRecord& r : records) {
      Record(r);
      SourceMapValue(r.source_partition);
      SourceMapValue(r.source_offset);
    }
    Flush();
  }
  void SinkBatch(const std::vector<SinkRecord>& records) {
    Staged staged(this);
    BeginBatch(records);
    U32(static_cast<uint32_t>(records.size()));
    for (const SinkRecord& r : records) {
      Record(r);
      I64(r.kafka_offset);
      U8(static_cast<uint8_t>(r.timestamp_type));
    }
    Flush();
  }

 private:
  // While a batch is written, bytes collect in stage_ and reach *out_ in chunks: appending a few
  // bytes to a std::string is an out-of-line call, and a record is some 40 small pieces. Outside
  // a batch (no room in the stage: stage_pos_ == stage_end_) every Put appends at once, so *out_ is
  // complete after each call, as callers that keep a named Writer expect. A batch ends with
  // Flush; one cut short by an exception leaves *out_ incomplete (the caller reports an error).
  static constexpr size_t kStageSize = 4096;
  struct Staged {
    explicit Staged(Writer* w) : w(w) {
      w->staging_ = true;
      w->stage_end_ = w->stage_ + kStageSize;
    }
    ~Staged() {
      w->staging_ = false;
      w->stage_pos_ = w->stage_end_ = w->stage_;
    }
    Writer* w;
  };
  [[gnu::always_inline]] void Put(const void* p, size_t n) {
    if (static_cast<size_t>(stage_end_ - stage_pos_) >= n) [[likely]] {
      std::memcpy(stage_pos_, p, n);
      stage_pos_ += n;
      return;
    }
    PutSlow(p, n);
  }
  [[gnu::noinline]] void PutSlow(const void* p, size_t n) {
    if (!staging_ || n > kStageSize / 2) {
      Flush();
      out_->append(static_cast<const char*>(p), n);
      return;
    }
    Flush();
    std::memcpy(stage_pos_, p, n);
    stage_pos_ += n;
  }
  void Flush() {
    if (stage_pos_ == stage_) return;
    out_->append(stage_, static_cast<size_t>(stage_pos_ - stage_));
    stage_pos_ = stage_;
  }

  // A kind byte followed by `v`, as one piece.
  template <typename T>
  [[gnu::always_inline]] void Tagged(ValueKind kind, T v) {
    char buf[1 + sizeof(T)];
    buf[0] = static_cast<char>(kind);
    std::memcpy(buf + 1, &v, sizeof(T));
    Put(buf, sizeof(buf));
  }

  template <typename R>
  void BeginBatch(const std::vector<R>& records) {
    schema_index_.clear();
    last_schema_ = nullptr;
    std::vector<const Schema*> table;
    // Records of a batch mostly share a few schemas: a scan of a short table finds them without
    // hashing (and without the node unordered_map::emplace allocates before it finds a duplicate).
    auto add = [&](const SchemaPtr& s) {
      if (!s) return;
      if (table.size() <= 8) {
        for (const Schema* known : table) {
          if (known == s.get()) return;
        }
      } else if (schema_index_.contains(s.get())) {
        return;
      }
      schema_index_.emplace(s.get(), static_cast<uint32_t>(table.size()));
      table.push_back(s.get());
    };
    for (const R& r : records) {
      add(r.key_schema);
      add(r.value_schema);
      if (r.value.kind() == ValueKind::kStruct) add(r.value.as_struct().schema());
      for (const Header& h : r.headers) add(h.schema);
    }
    U32(static_cast<uint32_t>(table.size()));
    for (const Schema* s : table) InlineSchema(*s);
  }

  void SchemaRef(const SchemaPtr& schema) {
    if (!schema) {
      U32(kNoSchemaRef);
      return;
    }
    if (!inline_schemas_) {
      if (schema.get() == last_schema_) {
        U32(last_index_);
        return;
      }
      auto it = schema_index_.find(schema.get());
      if (it != schema_index_.end()) {
        last_schema_ = it->first;
        last_index_ = it->second;
        U32(it->second);
        return;
      }
    }
    U32(kInlineSchemaRef);
    InlineSchema(*schema);
  }

  void Record(const ConnectRecord& r) {
    Str(r.topic);
    U8(r.kafka_partition ? 1 : 0);
    if (r.kafka_partition) I32(*r.kafka_partition);
    SchemaRef(r.key_schema);
    Val(r.key);
    SchemaRef(r.value_schema);
    Val(r.value);
    U8(r.timestamp ? 1 : 0);
    if (r.timestamp) I64(*r.timestamp);
    U32(static_cast<uint32_t>(r.headers.size()));
    for (const Header& h : r.headers) {
      Str(h.key);
      SchemaRef(h.schema);
      Val(h.value);
    }
  }

  std::string* out_;
  char stage_[kStageSize];
  char* stage_pos_ = stage_;
  char* stage_end_ = stage_;
  bool staging_ = false;
  bool inline_schemas_ = false;
  std::unordered_map<const Schema*, uint32_t> schema_index_;
  // The schema SchemaRef found last (records of a batch mostly share one): skips the hash lookup.
  const Schema* last_schema_ = nullptr;
  uint32_t last_index_ = 0;
};

// Decodes one buffer. Methods return false (and set error()) at the first malformed byte; after
// that every call returns false.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  Reader(const std::string& s) : Reader(reinterpret_cast<const uint8_t*>(s.data()), s.size()) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  bool AtEnd() const { return p_ == end_; }
  // A Status for the first problem, naming what was being read.
  Status Error(const std::string& what) const {
    return Status::InvalidArgument("malformed " + what + " from plugin: " + error_);
  }

  // Shares equal schemas across batches: decoded schemas are kept by their encoded bytes, so every
  // batch from the same task refers to the same SchemaPtr (converters cache per schema).
  void UseSchemaCache(std::unordered_map<std::string, SchemaPtr>* cache) { cache_ = cache; }

  template <typename T>
  [[gnu::always_inline]] bool Fixed(T* v) {
    if (!Need(sizeof(T))) return false;
    std::memcpy(v, p_, sizeof(T));
    p_ += sizeof(T);
    return true;
  }
  [[gnu::always_inline]] bool U8(uint8_t* v) { return Fixed(v); }
  [[gnu::always_inline]] bool U32(uint32_t* v) { return Fixed(v); }
  [[gnu::always_inline]] bool I32(int32_t* v) { return Fixed(v); }
  [[gnu::always_inline]] bool I64(int64_t* v) { return Fixed(v); }
  [[gnu::always_inline]] bool StrView(std::string_view* s) {
    uint32_t n;
    if (!U32(&n) || !Need(n)) return false;
    *s = std::string_view(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return true;
  }
  bool Str(std::string* s) {
    std::string_view v;
    if (!StrView(&v)) return false;
    s->assign(v.data(), v.size());
    return true;
  }
  // A count of items each at least `min_item_size` bytes long, checked against what is left.
  [[gnu::always_inline]] bool Count(uint32_t* n, size_t min_item_size = 1) {
    if (!U32(n)) return false;
    if (static_cast<uint64_t>(*n) * min_item_size > static_cast<uint64_t>(end_ - p_)) {
      return Fail("count " + std::to_string(*n) + " exceeds the buffer");
    }
    return true;
  }

  bool Config(ConfigMap* config) {
    uint32_t n;
    if (!Count(&n, 8)) return false;
    for (uint32_t i = 0; i < n; ++i) {
      std::string k, v;
      if (!Str(&k) || !Str(&v)) return false;
      (*config)[std::move(k)] = std::move(v);
    }
    return true;
  }
  bool ConfigList(std::vector<ConfigMap>* configs) {
    uint32_t n;
    if (!Count(&n, 4)) return false;
    configs->resize(n);
    for (auto& c : *configs) {
      if (!Config(&c)) return false;
    }
    return true;
  }
  bool Partitions(std::vector<TopicPartition>* partitions) {
    uint32_t n;
    if (!Count(&n, 8)) return false;
    partitions->resize(n);
    for (auto& tp : *partitions) {
      if (!Str(&tp.topic) || !I32(&tp.partition)) return false;
    }
    return true;
  }
  bool Offsets(TopicPartitionOffsets* offsets) {
    uint32_t n;
    if (!Count(&n, 16)) return false;
    for (uint32_t i = 0; i < n; ++i) {
      TopicPartition tp;
      int64_t offset;
      if (!Str(&tp.topic) || !I32(&tp.partition) || !I64(&offset)) return false;
      (*offsets)[std::move(tp)] = offset;
    }
    return true;
  }
  bool Validation(ValidationErrors* errors) {
    uint32_t n;
    if (!Count(&n, 8)) return false;
    for (uint32_t i = 0; i < n; ++i) {
      std::string key;
      uint32_t m;
      if (!Str(&key) || !Count(&m, 4)) return false;
      auto& messages = (*errors)[key];
      for (uint32_t j = 0; j < m; ++j) {
        std::string msg;
        if (!Str(&msg)) return false;
        messages.push_back(std::move(msg));
      }
    }
    return true;
  }
  bool ConfigKeys(std::vector<ConfigKey>* keys) {
    uint32_t n;
    if (!Count(&n, 27)) return false;
    for (uint32_t i = 0; i < n; ++i) {
      ConfigKey key;
      uint8_t type, default_kind, importance;
      std::string default_value;
      if (!Str(&key.name) || !U8(&type) || !U8(&default_kind) || !Str(&default_value) ||
          !U8(&importance) || !Str(&key.documentation) || !Str(&key.group) ||
          !Str(&key.display_name) || !Str(&key.valid_values)) {
        return false;
      }
      if (type > static_cast<uint8_t>(ConfigType::kPassword)) return Fail("bad config type");
      if (default_kind > 2) return Fail("bad default kind");
      if (importance > static_cast<uint8_t>(Importance::kLow)) return Fail("bad importance");
      key.type = static_cast<ConfigType>(type);
      key.importance = static_cast<Importance>(importance);
      if (default_kind == 1) key.default_value = std::move(default_value);
      key.null_default = default_kind == 2;
      keys->push_back(std::move(key));
    }
    return true;
  }
  bool Descriptors(std::vector<ConnectorDescriptor>* descriptors) {
    uint32_t n;
    if (!Count(&n, 21)) return false;
    for (uint32_t i = 0; i < n; ++i) {
      ConnectorDescriptor d;
      uint32_t aliases;
      uint8_t type;
      if (!Str(&d.class_name) || !Count(&aliases, 4)) return false;
      for (uint32_t j = 0; j < aliases; ++j) {
        std::string a;
        if (!Str(&a)) return false;
        d.aliases.push_back(std::move(a));
      }
      if (!U8(&type) || !Str(&d.version) || !U32(&d.flags) || !ConfigKeys(&d.config_keys)) {
        return false;
      }
      if (type > 1) return Fail("bad connector type");
      d.type = type == 0 ? ConnectorType::kSource : ConnectorType::kSink;
      descriptors->push_back(std::move(d));
    }
    return true;
  }

  bool InlineSchema(SchemaPtr* out, int depth = 0) {
    const uint8_t* start = p_;
    if (cache_ && depth == 0) {
      // Decode once to find the extent, then look the bytes up.
      std::unordered_map<std::string, SchemaPtr>* cache = cache_;
      cache_ = nullptr;
      bool ok = InlineSchema(out, 0);
      cache_ = cache;
      if (!ok) return false;
      auto [it, inserted] =
          cache->try_emplace(std::string(reinterpret_cast<const char*>(start), p_ - start), *out);
      if (!inserted) *out = it->second;
      return true;
    }
    if (depth > kMaxDepth) return Fail("schema nested too deeply");
    uint8_t type, flags;
    if (!U8(&type) || !U8(&flags)) return false;
    if (type > static_cast<uint8_t>(SchemaType::kStruct)) return Fail("bad schema type");
    SchemaType t = static_cast<SchemaType>(type);
    std::string name, doc;
    int32_t version = 0;
    if ((flags & 2) && !Str(&name)) return false;
    if ((flags & 4) && !I32(&version)) return false;
    if ((flags & 8) && !Str(&doc)) return false;
    uint32_t params;
    if (!Count(&params, 8)) return false;
    std::vector<std::pair<std::string, std::string>> parameters(params);
    for (auto& [k, v] : parameters) {
      if (!Str(&k) || !Str(&v)) return false;
    }
    std::optional<SchemaBuilder> builder;
    if (t == SchemaType::kArray) {
      SchemaPtr element;
      if (!InlineSchema(&element, depth + 1)) return false;
      builder.emplace(SchemaBuilder::Array(element));
    } else if (t == SchemaType::kMap) {
      SchemaPtr key, value;
      if (!InlineSchema(&key, depth + 1) || !InlineSchema(&value, depth + 1)) return false;
      builder.emplace(SchemaBuilder::Map(key, value));
    } else {
      builder.emplace(t);
    }
    if (t == SchemaType::kStruct) {
      uint32_t fields;
      if (!Count(&fields, 6)) return false;
      for (uint32_t i = 0; i < fields; ++i) {
        std::string field_name;
        SchemaPtr field_schema;
        if (!Str(&field_name) || !InlineSchema(&field_schema, depth + 1)) return false;
        builder->AddField(std::move(field_name), std::move(field_schema));
      }
    }
    if (flags & 1) builder->Optional();
    if (flags & 2) builder->Name(std::move(name));
    if (flags & 4) builder->Version(version);
    if (flags & 8) builder->Doc(std::move(doc));
    for (auto& [k, v] : parameters) builder->Parameter(std::move(k), std::move(v));
    if (flags & 16) {
      Value def;
      std::vector<SchemaPtr>* saved = table_;
      table_ = nullptr;  // defaults carry their schemas inline
      bool ok = Val(&def, depth + 1);
      table_ = saved;
      if (!ok) return false;
      builder->DefaultValue(std::move(def));
    }
    Result<SchemaPtr> built = builder->Build();
    if (!built.ok()) return Fail(built.status().message());
    *out = std::move(*built);
    return true;
  }

  bool Val(Value* v, int depth = 0) { return Decode(depth, Assign{v}); }

  bool SourceMapValue(SourceMap* map) {
    uint32_t n;
    if (!Count(&n, 5)) return false;
    for (uint32_t i = 0; i < n; ++i) {
      std::string_view k;
      if (!StrView(&k)) return false;
      // Written from a std::map, so keys come sorted: the end is the right hint. A repeated key
      // (not from our writer) keeps the last value, as assignment would.
      auto it =
          map->emplace_hint(map->end(), std::piecewise_construct,
                            std::forward_as_tuple(k.data(), k.size()), std::forward_as_tuple());
      if (!Val(&it->second)) return false;
    }
    return true;
  }

  bool SourceBatch(std::vector<SourceRecord>* records) {
    std::vector<SchemaPtr> table;
    uint32_t n;
    if (!SchemaTable(&table) || !Count(&n, 16)) return false;
    records->resize(n);
    for (SourceRecord& r : *records) {
      if (!Record(&r) || !SourceMapValue(&r.source_partition) ||
          !SourceMapValue(&r.source_offset)) {
        return false;
      }
    }
    table_ = nullptr;
    return true;
  }
  bool SinkBatch(std::vector<SinkRecord>* records) {
    std::vector<SchemaPtr> table;
    uint32_t n;
    if (!SchemaTable(&table) || !Count(&n, 16)) return false;
    records->resize(n);
    for (SinkRecord& r : *records) {
      uint8_t ts_type;
      if (!Record(&r) || !I64(&r.kafka_offset) || !U8(&ts_type)) return false;
      if (ts_type > static_cast<uint8_t>(TimestampType::kLogAppendTime)) {
        return Fail("bad timestamp type");
      }
      r.timestamp_type = static_cast<TimestampType>(ts_type);
    }
    table_ = nullptr;
    return true;
  }

 private:
  [[gnu::noinline, gnu::cold]] bool Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    p_ = end_;
    return false;
  }
  // After a failure p_ == end_, so every later read fails here too.
  [[gnu::always_inline]] bool Need(size_t n) {
    if (static_cast<size_t>(end_ - p_) >= n) [[likely]]
      return true;
    if (!error_.empty()) return false;
    return Fail("truncated");
  }
  template <typename T, typename Emit>
  [[gnu::always_inline]] bool Prim(Emit& emit, Value (*make)(T)) {
    T x;
    if (!Fixed(&x)) return false;
    emit([&] { return make(x); });
    return true;
  }
  // Where Decode puts a value, made by the factory it passes: assigned to a Value, or put into a
  // struct's field. The factory's result initializes Struct::Put's parameter directly (no Value
  // moved in between; this runs per field); a null field is left as the struct has it.
  struct Assign {
    Value* v;
    template <typename Make>
    [[gnu::always_inline]] void operator()(Make&& make) const {
      *v = make();
    }
    void Null() const { *v = Value(); }
  };
  struct PutField {
    Struct* s;
    int index;
    template <typename Make>
    [[gnu::always_inline]] void operator()(Make&& make) const {
      s->Put(index, make());
    }
    void Null() const {}
  };
  // Decodes one value and has `emit` build it in its place.
  template <typename Emit>
  bool Decode(int depth, Emit emit) {
    if (depth > kMaxDepth) return Fail("value nested too deeply");
    uint8_t kind;
    if (!U8(&kind)) return false;
    switch (static_cast<ValueKind>(kind)) {
      case ValueKind::kNull:
        emit.Null();
        return true;
      case ValueKind::kBoolean: {
        uint8_t b;
        if (!U8(&b)) return false;
        emit([&] { return Value::Boolean(b != 0); });
        return true;
      }
      case ValueKind::kInt8:
        return Prim<int8_t>(emit, &Value::Int8);
      case ValueKind::kInt16:
        return Prim<int16_t>(emit, &Value::Int16);
      case ValueKind::kInt32:
        return Prim<int32_t>(emit, &Value::Int32);
      case ValueKind::kInt64:
        return Prim<int64_t>(emit, &Value::Int64);
      case ValueKind::kFloat32:
        return Prim<float>(emit, &Value::Float32);
      case ValueKind::kFloat64:
        return Prim<double>(emit, &Value::Float64);
      case ValueKind::kString: {
        std::string_view s;
        if (!StrView(&s)) return false;
        emit([&] { return Value::String(std::string(s)); });
        return true;
      }
      case ValueKind::kBytes: {
        std::string_view s;
        if (!StrView(&s)) return false;
        emit([&] { return Value::BytesValue(ToBytes(s)); });
        return true;
      }
      case ValueKind::kArray: {
        uint32_t n;
        if (!Count(&n)) return false;
        Value::Array array(n);
        for (Value& e : array) {
          if (!Val(&e, depth + 1)) return false;
        }
        emit([&] { return Value::ArrayValue(std::move(array)); });
        return true;
      }
      case ValueKind::kMap: {
        uint32_t n;
        if (!Count(&n, 2)) return false;
        Value::Map map(n);
        for (MapEntry& e : map) {
          if (!Val(&e.key, depth + 1) || !Val(&e.value, depth + 1)) return false;
        }
        emit([&] { return Value::MapValue(std::move(map)); });
        return true;
      }
      case ValueKind::kStruct: {
        SchemaPtr schema;
        if (!SchemaRef(&schema, depth + 1)) return false;
        if (!schema || schema->type() != SchemaType::kStruct) {
          return Fail("struct value without a struct schema");
        }
        uint32_t n;
        if (!Count(&n)) return false;
        if (n != schema->fields().size()) return Fail("struct value does not match its schema");
        Struct s(std::move(schema));
        for (uint32_t i = 0; i < n; ++i) {
          // By position: the fields were written in the schema's order (n was checked above).
          if (!Decode(depth + 1, PutField{&s, static_cast<int>(i)})) return false;
        }
        emit([&] { return Value::StructValue(std::move(s)); });
        return true;
      }
      case ValueKind::kDecimal: {
        DecimalValue d;
        if (!Str(&d.unscaled) || !I32(&d.scale)) return false;
        emit([&] { return Value::DecimalValue(std::move(d)); });
        return true;
      }
    }
    return Fail("bad value kind " + std::to_string(kind));
  }

  bool SchemaTable(std::vector<SchemaPtr>* table) {
    uint32_t n;
    if (!Count(&n, 6)) return false;
    table->resize(n);
    for (SchemaPtr& s : *table) {
      if (!InlineSchema(&s)) return false;
    }
    table_ = table;
    return true;
  }

  bool SchemaRef(SchemaPtr* schema, int depth = 0) {
    uint32_t ref;
    if (!U32(&ref)) return false;
    if (ref == kNoSchemaRef) {
      schema->reset();
      return true;
    }
    if (ref == kInlineSchemaRef) return InlineSchema(schema, depth);
    if (!table_ || ref >= table_->size()) return Fail("schema reference out of range");
    *schema = (*table_)[ref];
    return true;
  }

  bool Record(ConnectRecord* r) {
    uint8_t has;
    if (!Str(&r->topic) || !U8(&has)) return false;
    if (has) {
      int32_t partition;
      if (!I32(&partition)) return false;
      r->kafka_partition = partition;
    }
    if (!SchemaRef(&r->key_schema) || !Val(&r->key) || !SchemaRef(&r->value_schema) ||
        !Val(&r->value) || !U8(&has)) {
      return false;
    }
    if (has) {
      int64_t ts;
      if (!I64(&ts)) return false;
      r->timestamp = ts;
    }
    uint32_t n;
    if (!Count(&n, 9)) return false;
    r->headers.resize(n);
    for (Header& h : r->headers) {
      if (!Str(&h.key) || !SchemaRef(&h.schema) || !Val(&h.value)) return false;
    }
    return true;
  }

  const uint8_t* p_;
  const uint8_t* end_;
  std::string error_;
  std::vector<SchemaPtr>* table_ = nullptr;  // the current batch's schema table
  std::unordered_map<std::string, SchemaPtr>* cache_ = nullptr;
};

}  // namespace tributary::sdk
