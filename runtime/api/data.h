#pragma once

// The Connect data model (org.apache.kafka.connect.data): schemas and the values they describe.
//
// Values are plain data owned by whoever holds them. Schemas are immutable and shared
// (SchemaPtr); a null SchemaPtr means "no schema" (schemaless data, as with
// JsonConverter schemas.enable=false).
//
// Logical types keep Connect's underlying representation, identified by the schema name:
//   Decimal   -> Value::Decimal (unscaled integer as decimal digits + scale), schema type BYTES
//   Date      -> INT32 days since the Unix epoch
//   Time      -> INT32 milliseconds since midnight
//   Timestamp -> INT64 milliseconds since the Unix epoch

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "runtime/api/status.h"

namespace tributary {

enum class SchemaType {
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFloat32,
  kFloat64,
  kBoolean,
  kString,
  kBytes,
  kArray,
  kMap,
  kStruct,
};

// Connect's lower-case type name ("int8", …, "struct"), as JsonConverter writes it.
const char* SchemaTypeName(SchemaType type);
// Inverse of SchemaTypeName; nullopt for an unknown name.
std::optional<SchemaType> SchemaTypeFromName(std::string_view name);
bool IsPrimitive(SchemaType type);

class Schema;
class Value;
using SchemaPtr = std::shared_ptr<const Schema>;
using Bytes = std::vector<uint8_t>;
// The same bytes as text and back. Through a pointer and a size, so a copy is one memcpy: built
// from iterators of the other element type, std::string and std::vector copy byte by byte
// (≈4 instructions a byte: 1 KiB Snowplow payloads spent more in ByteArrayConverter than in
// librdkafka's produce).
inline std::string_view AsText(const Bytes& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}
inline Bytes ToBytes(std::string_view text) {
  const auto* data = reinterpret_cast<const uint8_t*>(text.data());
  return Bytes(data, data + text.size());
}

struct Field {
  std::string name;
  int index = 0;
  SchemaPtr schema;
};

// Aligned to a cache line so that in a make_shared block the reference counts, which every
// copied SchemaPtr writes, do not share a line with the fields that converters read: a task's
// poll thread copies schemas into records while its send thread reads them.
class alignas(64) Schema {
 public:
  SchemaType type() const { return type_; }
  bool optional() const { return optional_; }
  // The default value, or nullptr when the schema has none.
  const Value* default_value() const { return default_value_.get(); }
  const std::optional<std::string>& name() const { return name_; }
  const std::optional<int32_t>& version() const { return version_; }
  const std::optional<std::string>& doc() const { return doc_; }
  const std::map<std::string, std::string>& parameters() const { return parameters_; }

  // STRUCT only: the fields in declaration order.
  const std::vector<Field>& fields() const { return fields_; }
  // STRUCT only: the field called `name`, or nullptr.
  const Field* FindField(std::string_view name) const;
  // MAP only: the key schema.
  const SchemaPtr& key_schema() const { return key_schema_; }
  // MAP: the value schema; ARRAY: the element schema.
  const SchemaPtr& value_schema() const { return value_schema_; }

  // True when the schema name is `logical_name` (e.g. Decimal::kLogicalName).
  bool IsLogical(std::string_view logical_name) const {
    return name_.has_value() && *name_ == logical_name;
  }

 private:
  friend class SchemaBuilder;
  SchemaType type_ = SchemaType::kString;
  bool optional_ = false;
  std::shared_ptr<const Value> default_value_;
  std::optional<std::string> name_;
  std::optional<int32_t> version_;
  std::optional<std::string> doc_;
  std::map<std::string, std::string> parameters_;
  std::vector<Field> fields_;
  SchemaPtr key_schema_;
  SchemaPtr value_schema_;
};

// Deep structural equality of two schemas (both null counts as equal).
bool SchemaEquals(const SchemaPtr& a, const SchemaPtr& b);

// Builds a Schema (Connect's SchemaBuilder). Misuse (a field on a non-struct, a duplicate field)
// is recorded and reported by Build(), never asserted, because schemas may come from outside data.
class SchemaBuilder {
 public:
  explicit SchemaBuilder(SchemaType type);

  static SchemaBuilder Int8() { return SchemaBuilder(SchemaType::kInt8); }
  static SchemaBuilder Int16() { return SchemaBuilder(SchemaType::kInt16); }
  static SchemaBuilder Int32() { return SchemaBuilder(SchemaType::kInt32); }
  static SchemaBuilder Int64() { return SchemaBuilder(SchemaType::kInt64); }
  static SchemaBuilder Float32() { return SchemaBuilder(SchemaType::kFloat32); }
  static SchemaBuilder Float64() { return SchemaBuilder(SchemaType::kFloat64); }
  static SchemaBuilder Bool() { return SchemaBuilder(SchemaType::kBoolean); }
  static SchemaBuilder String() { return SchemaBuilder(SchemaType::kString); }
  static SchemaBuilder Bytes() { return SchemaBuilder(SchemaType::kBytes); }
  static SchemaBuilder Struct() { return SchemaBuilder(SchemaType::kStruct); }
  static SchemaBuilder Array(SchemaPtr value_schema);
  static SchemaBuilder Map(SchemaPtr key_schema, SchemaPtr value_schema);

  SchemaBuilder& Optional();
  SchemaBuilder& Name(std::string name);
  SchemaBuilder& Version(int32_t version);
  SchemaBuilder& Doc(std::string doc);
  SchemaBuilder& Parameter(std::string key, std::string value);
  SchemaBuilder& DefaultValue(Value value);
  // STRUCT only.
  SchemaBuilder& AddField(std::string name, SchemaPtr schema);

  // The schema, or InvalidArgument naming the first misuse (or a default that does not match).
  Result<SchemaPtr> Build() const;
  // For schemas built from constants in our own code, where misuse is a bug: asserts success.
  SchemaPtr BuildOrDie() const;

 private:
  std::shared_ptr<Schema> schema_;
  std::string error_;
};

// Connect's predefined schemas (Schema.INT8_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA, …).
namespace schemas {
const SchemaPtr& Int8();
const SchemaPtr& Int16();
const SchemaPtr& Int32();
const SchemaPtr& Int64();
const SchemaPtr& Float32();
const SchemaPtr& Float64();
const SchemaPtr& Bool();
const SchemaPtr& String();
const SchemaPtr& Bytes();
const SchemaPtr& OptionalInt8();
const SchemaPtr& OptionalInt16();
const SchemaPtr& OptionalInt32();
const SchemaPtr& OptionalInt64();
const SchemaPtr& OptionalFloat32();
const SchemaPtr& OptionalFloat64();
const SchemaPtr& OptionalBool();
const SchemaPtr& OptionalString();
const SchemaPtr& OptionalBytes();
}  // namespace schemas

// Logical types. Each has the Connect schema name and a builder for its schema.
struct Decimal {
  static constexpr const char* kLogicalName = "org.apache.kafka.connect.data.Decimal";
  static constexpr const char* kScaleParameter = "scale";
  static SchemaBuilder Builder(int32_t scale);
  // The scale from a Decimal schema's parameters, or InvalidArgument if missing or not a number.
  static Result<int32_t> ScaleOf(const Schema& schema);
};
struct Date {
  static constexpr const char* kLogicalName = "org.apache.kafka.connect.data.Date";
  static SchemaBuilder Builder();  // INT32
};
struct Time {
  static constexpr const char* kLogicalName = "org.apache.kafka.connect.data.Time";
  static SchemaBuilder Builder();  // INT32
};
struct Timestamp {
  static constexpr const char* kLogicalName = "org.apache.kafka.connect.data.Timestamp";
  static SchemaBuilder Builder();  // INT64
};

// An arbitrary-precision decimal: unscaled integer (base-10 digits, optional leading '-') and
// scale, value = unscaled × 10^-scale. Text keeps it exact and is what PostgreSQL and JSON speak.
struct DecimalValue {
  std::string unscaled;
  int32_t scale = 0;

  // "12.34" for {"1234", 2}; "-0.05" for {"-5", 2}; "1200" for {"12", -2}.
  std::string ToString() const;
  // Parses "12.34", "-1e3" style plain or exponent notation; InvalidArgument if malformed.
  static Result<DecimalValue> Parse(std::string_view text);
  // Big-endian two's complement bytes of the unscaled value (Java BigInteger.toByteArray()).
  Bytes UnscaledBytes() const;
  static DecimalValue FromUnscaledBytes(const Bytes& bytes, int32_t scale);
  bool operator==(const DecimalValue& other) const = default;
};

struct MapEntry;

// A STRUCT value: one slot per schema field, all null at first.
//
// The schema and the slots live in one allocation, shared by copies until one of them is changed
// (copy-on-write, as Values share their arrays and maps). Structs are built and freed for every
// record on the hot paths (a CDC event has four), so one allocation each rather than two.
// Copies may live on different threads; a change goes to the changed Struct's own copy.
class Struct {
 public:
  explicit Struct(SchemaPtr schema);
  Struct(const Struct& other) noexcept;
  Struct(Struct&& other) noexcept : block_(other.block_) { other.block_ = nullptr; }
  Struct& operator=(const Struct& other) noexcept;
  Struct& operator=(Struct&& other) noexcept;
  ~Struct() {
    if (block_ != nullptr) Release();
  }

  // Null for a struct without schema or one moved from.
  inline const SchemaPtr& schema() const;
  // Sets field `name`; InvalidArgument if the schema has no such field.
  Status Put(std::string_view name, Value value);
  // Sets the field at `index` (Field::index, declaration order) without a lookup by name, for
  // code that walks the schema's fields; InvalidArgument if `index` is out of range.
  Status Put(int index, Value value);
  // The value of field `name` (null if unset), or nullptr if the schema has no such field.
  const Value* Get(std::string_view name) const;
  // The value at `index`; std::out_of_range if there is no such field.
  inline const Value& Get(int index) const;
  // The field at `index` (Field::index), written in place by code that builds a struct from its
  // schema's fields (readers, event builders): no Status, and no move through Put's parameter
  // (per-record code). `index` must be in range.
  inline Value& at(int index);
  // The fields' values in declaration order (none for a struct moved from).
  inline std::span<const Value> values() const;

  // DataError naming the first required field that is null or has a value of the wrong kind.
  Status Validate() const;
  bool operator==(const Struct& other) const;

 private:
  struct Block;
  // A block of `size` null values, or of copies of `from`'s `size` values.
  static Block* NewBlock(SchemaPtr schema, uint32_t size, const Value* from);
  // The values, copied first into a block of this Struct's own if another Struct shares it.
  inline Value* MutableValues();
  // Replaces a shared block by a copy of this Struct's own.
  void Unshare();
  // Drops this Struct's reference to its (non-null) block, freeing it if it was the last one.
  void Release() noexcept;
  [[noreturn]] static void ThrowNoField(int index);  // out of line: keeps Get(int) small
  static const SchemaPtr kNoSchema;
  Block* block_;
};

enum class ValueKind {
  kNull,
  kBoolean,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFloat32,
  kFloat64,
  kString,
  kBytes,
  kArray,
  kMap,
  kStruct,
  kDecimal,
};

// A Connect value: null, a primitive, bytes, an array, a map, a struct, or a decimal.
// Built through the named factories so that int widths are never guessed.
class Value {
 public:
  using Array = std::vector<Value>;
  using Map = std::vector<MapEntry>;  // in insertion order; keys are unique by convention

  Value() = default;  // null
  static Value Null() { return Value(); }
  static Value Boolean(bool v) { return Value(Storage(std::in_place_index<1>, v)); }
  static Value Int8(int8_t v) { return Value(Storage(std::in_place_index<2>, v)); }
  static Value Int16(int16_t v) { return Value(Storage(std::in_place_index<3>, v)); }
  static Value Int32(int32_t v) { return Value(Storage(std::in_place_index<4>, v)); }
  static Value Int64(int64_t v) { return Value(Storage(std::in_place_index<5>, v)); }
  static Value Float32(float v) { return Value(Storage(std::in_place_index<6>, v)); }
  static Value Float64(double v) { return Value(Storage(std::in_place_index<7>, v)); }
  static Value String(std::string v) {
    return Value(Storage(std::in_place_index<8>, std::move(v)));
  }
  static Value BytesValue(tributary::Bytes v) {
    return Value(Storage(std::in_place_index<9>, std::move(v)));
  }
  static Value ArrayValue(Array v);
  static Value MapValue(Map v);
  static Value StructValue(Struct v);
  static Value DecimalValue(tributary::DecimalValue v);

  ValueKind kind() const { return static_cast<ValueKind>(storage_.index()); }
  bool is_null() const { return kind() == ValueKind::kNull; }

  // Accessors require the matching kind (checked by std::get; a mismatch is a bug of the caller).
  bool as_bool() const { return std::get<1>(storage_); }
  int8_t as_int8() const { return std::get<2>(storage_); }
  int16_t as_int16() const { return std::get<3>(storage_); }
  int32_t as_int32() const { return std::get<4>(storage_); }
  int64_t as_int64() const { return std::get<5>(storage_); }
  float as_float32() const { return std::get<6>(storage_); }
  double as_float64() const { return std::get<7>(storage_); }
  const std::string& as_string() const { return std::get<8>(storage_); }
  const tributary::Bytes& as_bytes() const { return std::get<9>(storage_); }
  const Array& as_array() const;
  Array& as_array();
  const Map& as_map() const;
  Map& as_map();
  const Struct& as_struct() const;
  Struct& as_struct();
  const tributary::DecimalValue& as_decimal() const;

  // For schemaless maps with string keys: the value under `key`, or nullptr.
  const Value* Find(std::string_view key) const;

  // Any integer kind widened to int64; nullopt for other kinds.
  std::optional<int64_t> AsInteger() const;

  // Deep equality (NaN != NaN as for doubles; struct schemas compared structurally).
  bool operator==(const Value& other) const;
  bool operator!=(const Value& other) const { return !(*this == other); }

  // A short human-readable rendering for logs and test failure messages (not a wire format).
  std::string DebugString() const;

 private:
  using Storage =
      std::variant<std::monostate, bool, int8_t, int16_t, int32_t, int64_t, float, double,
                   std::string, tributary::Bytes, std::shared_ptr<Array>, std::shared_ptr<Map>,
                   Struct, std::shared_ptr<tributary::DecimalValue>>;
  explicit Value(Storage storage) : storage_(std::move(storage)) {}
  void Unshare();  // copy-on-write for the shared compound kinds before mutation
  Storage storage_;
};

struct MapEntry {
  Value key;
  Value value;
  bool operator==(const MapEntry& other) const = default;
};

// The schema and the values of a Struct, which follow this header in the same allocation.
struct Struct::Block {
  std::atomic<uint32_t> refs;  // Structs sharing this block
  uint32_t size;               // number of values
  SchemaPtr schema;
  Value* values() { return reinterpret_cast<Value*>(this + 1); }
};

// Per-field accessors, inline: readers, event builders and converters call them for every field.
const SchemaPtr& Struct::schema() const { return block_ != nullptr ? block_->schema : kNoSchema; }
Value* Struct::MutableValues() {
  if (block_->refs.load(std::memory_order_acquire) != 1) Unshare();
  return block_->values();
}
Value& Struct::at(int index) { return MutableValues()[index]; }
std::span<const Value> Struct::values() const {
  if (block_ == nullptr) return {};
  return {block_->values(), block_->size};
}
const Value& Struct::Get(int index) const {
  if (block_ == nullptr || index < 0 || static_cast<uint32_t>(index) >= block_->size) {
    ThrowNoField(index);
  }
  return block_->values()[index];
}

struct SchemaAndValue {
  SchemaPtr schema;
  Value value;
};

// Checks `value` against `schema` as ConnectSchema.validateValue does (kind per type, required
// values present, nested elements, logical types). A null schema accepts anything.
// Returns DataError saying what was expected and what was found.
Status ValidateValue(const SchemaPtr& schema, const Value& value);

}  // namespace tributary
