#pragma once

// org.apache.kafka.connect.json.JsonConverter: Connect data <-> JSON bytes, byte-compatible with
// the Java converter so that topics (including Connect's internal topics) can be shared.

#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "runtime/api/converter.h"

namespace tributary::runtime {

struct JsonNode;
class JsonFieldKeys;

// JsonConverter's write-side cache of rendered field names (json_converter.cc). A copy of the
// converter starts with an empty cache of its own: the cache is not thread-safe and is rebuilt on
// first use.
class JsonFieldKeysHolder {
 public:
  JsonFieldKeysHolder() = default;
  JsonFieldKeysHolder(const JsonFieldKeysHolder&) {}
  JsonFieldKeysHolder& operator=(const JsonFieldKeysHolder&) {
    keys.reset();
    return *this;
  }
  std::shared_ptr<JsonFieldKeys> keys;  // shared_ptr: destructible where JsonFieldKeys is opaque
};

// A small least-recently-used map (Connect's LRUCache for schemas.cache.size).
template <typename K, typename V>
class LruCache {
 public:
  explicit LruCache(size_t capacity = 0) : capacity_(capacity) {}
  // The cached value (marked most recently used), or nullptr.
  const V* Get(const K& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, it->second);
    return &it->second->second;
  }
  void Put(K key, V value) {
    if (capacity_ == 0) return;
    auto it = index_.find(key);
    if (it != index_.end()) {
      it->second->second = std::move(value);
      entries_.splice(entries_.begin(), entries_, it->second);
      return;
    }
    entries_.emplace_front(std::move(key), std::move(value));
    index_.emplace(entries_.front().first, entries_.begin());
    if (entries_.size() > capacity_) {
      index_.erase(entries_.back().first);
      entries_.pop_back();
    }
  }
  size_t size() const { return entries_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  size_t capacity_;
  std::list<std::pair<K, V>> entries_;
  std::unordered_map<K, typename std::list<std::pair<K, V>>::iterator> index_;
};

class JsonConverter : public Converter {
 public:
  static constexpr const char* kClassName = "org.apache.kafka.connect.json.JsonConverter";
  static constexpr const char* kSchemasEnableConfig = "schemas.enable";
  static constexpr const char* kSchemasCacheSizeConfig = "schemas.cache.size";
  static constexpr const char* kDecimalFormatConfig = "decimal.format";
  static constexpr const char* kReplaceNullWithDefaultConfig = "replace.null.with.default";
  // The DataException text Connect throws when schemas.enable=true and the envelope is wrong.
  static constexpr const char* kEnvelopeError =
      "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not "
      "contain additional fields. If you are trying to deserialize plain JSON data, set "
      "schemas.enable=false in your converter configuration.";

  enum class DecimalFormat { kBase64, kNumeric };

  // Usable with defaults before Configure() (schemas on, BASE64, cache of 1000).
  JsonConverter();
  ~JsonConverter() override;

  static const ConfigDef& ConfigDefinition();
  const ConfigDef& Definition() const override { return ConfigDefinition(); }
  Status Configure(const ConfigMap& configs, bool is_key) override;

  Result<std::optional<std::string>> FromConnectData(const std::string& topic,
                                                     const SchemaPtr& schema,
                                                     const Value& value) override;
  Result<SchemaAndValue> ToConnectData(const std::string& topic,
                                       std::optional<std::string_view> bytes) override;

  // Connect schema -> its JSON form ("{\"type\":\"int32\",\"optional\":false}"); null -> "null".
  Result<std::string> SchemaToJson(const SchemaPtr& schema);

  // Records whose payload was read straight into a Connect value, without a JsonNode tree.
  size_t SchemaGuidedReadsForTest() const { return schema_guided_reads_; }

  bool schemas_enabled() const { return schemas_enabled_; }
  DecimalFormat decimal_format() const { return decimal_format_; }

 private:
  // The JSON form of `schema` from the cache (computed on a miss); valid until the next call.
  Result<const std::string*> CachedSchemaJson(const SchemaPtr& schema);
  Result<SchemaPtr> AsConnectSchema(const JsonNode& node, std::string_view input, int depth);
  Result<Value> ToConnect(const SchemaPtr& schema, const JsonNode* node);
  // ToConnectData for an envelope that starts with envelope_prefix_: parses only its payload,
  // straight into a Connect value when SchemaGuidedReader (json_converter.cc) can, else through
  // a JsonNode tree. nullopt when `bytes` does not, or is malformed (the full parse then names
  // the error).
  std::optional<Result<SchemaAndValue>> ToConnectDataSameSchema(std::string_view bytes);

  bool schemas_enabled_ = true;
  bool replace_null_with_default_ = true;
  DecimalFormat decimal_format_ = DecimalFormat::kBase64;
  // Write side: schema object -> its JSON text. The entry holds the SchemaPtr, so the address used
  // as key cannot be reused by another schema while cached.
  LruCache<const Schema*, std::pair<SchemaPtr, std::string>> from_connect_schema_cache_;
  std::string uncached_schema_json_;  // CachedSchemaJson's answer when the cache holds nothing
  // Write side: the field names of struct schemas, rendered as JSON keys once.
  JsonFieldKeysHolder field_keys_;
  // FromConnectData's guess of the next payload's size (from the last one), to size its output.
  size_t payload_size_hint_ = 64;
  // Read side: schema JSON text as received -> the Connect schema built from it.
  LruCache<std::string, SchemaPtr> to_connect_schema_cache_;
  // The last envelope read in full, up to its payload (`{"schema":{…},"payload":`), and its
  // schema. That prefix was parsed and validated, so a record starting with the same bytes has
  // the same schema and only its payload needs parsing (sink topics repeat one schema).
  std::string envelope_prefix_;
  SchemaPtr envelope_schema_;
  // Whether envelope_schema_'s payloads can be read without a tree (SchemaGuidedReadable).
  bool envelope_schema_guided_ = false;
  size_t schema_guided_reads_ = 0;
};

}  // namespace tributary::runtime
