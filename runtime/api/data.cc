#include "runtime/api/data.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>

namespace tributary {

namespace {

constexpr const char* kTypeNames[] = {"int8",    "int16",  "int32", "int64", "float", "double",
                                      "boolean", "string", "bytes", "array", "map",   "struct"};

// Connect's Schema.Type.toString(): the upper-case name used in DataException messages.
std::string UpperTypeName(SchemaType type) {
  static constexpr const char* kUpper[] = {"INT8",    "INT16",   "INT32",   "INT64",
                                           "FLOAT32", "FLOAT64", "BOOLEAN", "STRING",
                                           "BYTES",   "ARRAY",   "MAP",     "STRUCT"};
  return kUpper[static_cast<int>(type)];
}

const char* KindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNull:
      return "null";
    case ValueKind::kBoolean:
      return "boolean";
    case ValueKind::kInt8:
      return "int8";
    case ValueKind::kInt16:
      return "int16";
    case ValueKind::kInt32:
      return "int32";
    case ValueKind::kInt64:
      return "int64";
    case ValueKind::kFloat32:
      return "float32";
    case ValueKind::kFloat64:
      return "float64";
    case ValueKind::kString:
      return "string";
    case ValueKind::kBytes:
      return "bytes";
    case ValueKind::kArray:
      return "array";
    case ValueKind::kMap:
      return "map";
    case ValueKind::kStruct:
      return "struct";
    case ValueKind::kDecimal:
      return "decimal";
  }
  return "unknown";
}

// The value kind a non-logical schema type holds.
ValueKind KindFor(SchemaType type) {
  switch (type) {
    case SchemaType::kInt8:
      return ValueKind::kInt8;
    case SchemaType::kInt16:
      return ValueKind::kInt16;
    case SchemaType::kInt32:
      return ValueKind::kInt32;
    case SchemaType::kInt64:
      return ValueKind::kInt64;
    case SchemaType::kFloat32:
      return ValueKind::kFloat32;
    case SchemaType::kFloat64:
      return ValueKind::kFloat64;
    case SchemaType::kBoolean:
      return ValueKind::kBoolean;
    case SchemaType::kString:
      return ValueKind::kString;
    case SchemaType::kBytes:
      return ValueKind::kBytes;
    case SchemaType::kArray:
      return ValueKind::kArray;
    case SchemaType::kMap:
      return ValueKind::kMap;
    case SchemaType::kStruct:
      return ValueKind::kStruct;
  }
  return ValueKind::kNull;
}

// ---- Arbitrary-precision helpers for DecimalValue (magnitudes as little-endian base-2^32 limbs).

using Limbs = std::vector<uint32_t>;

// Splits "-0012" into sign and the significant digits ("12"; "0" for zero). False if malformed.
bool SplitUnscaled(std::string_view text, bool* negative, std::string_view* digits) {
  *negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    *negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  size_t first = text.find_first_not_of('0');
  *digits = first == std::string_view::npos ? std::string_view("0") : text.substr(first);
  if (*digits == "0") *negative = false;
  return true;
}

Limbs DigitsToLimbs(std::string_view digits) {
  Limbs limbs;
  size_t pos = 0;
  while (pos < digits.size()) {
    // Consume up to 9 digits at a time: limbs = limbs * 10^n + chunk.
    size_t n = std::min<size_t>(9, digits.size() - pos);
    uint32_t chunk = 0;
    uint32_t factor = 1;
    for (size_t i = 0; i < n; ++i) {
      chunk = chunk * 10 + static_cast<uint32_t>(digits[pos + i] - '0');
      factor *= 10;
    }
    pos += n;
    uint64_t carry = chunk;
    for (uint32_t& limb : limbs) {
      uint64_t cur = static_cast<uint64_t>(limb) * factor + carry;
      limb = static_cast<uint32_t>(cur);
      carry = cur >> 32;
    }
    if (carry != 0) limbs.push_back(static_cast<uint32_t>(carry));
  }
  while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  return limbs;
}

std::string LimbsToDigits(Limbs limbs) {
  while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  if (limbs.empty()) return "0";
  std::vector<uint32_t> chunks;  // base 10^9, least significant first
  while (!limbs.empty()) {
    uint64_t rem = 0;
    for (size_t i = limbs.size(); i-- > 0;) {
      uint64_t cur = (rem << 32) | limbs[i];
      limbs[i] = static_cast<uint32_t>(cur / 1000000000u);
      rem = cur % 1000000000u;
    }
    chunks.push_back(static_cast<uint32_t>(rem));
    while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  }
  std::string out = std::to_string(chunks.back());
  for (size_t i = chunks.size() - 1; i-- > 0;) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "%09u", chunks[i]);
    out += buf;
  }
  return out;
}

// Beyond this many padding zeros, ToString switches to exponent notation so that an absurd
// scale taken from outside data cannot make us allocate gigabytes.
constexpr int64_t kMaxPlainPadding = 1000;

}  // namespace

const char* SchemaTypeName(SchemaType type) { return kTypeNames[static_cast<int>(type)]; }

std::optional<SchemaType> SchemaTypeFromName(std::string_view name) {
  for (int i = 0; i < static_cast<int>(std::size(kTypeNames)); ++i) {
    if (name == kTypeNames[i]) return static_cast<SchemaType>(i);
  }
  return std::nullopt;
}

bool IsPrimitive(SchemaType type) {
  return type != SchemaType::kArray && type != SchemaType::kMap && type != SchemaType::kStruct;
}

// ---- Schema

const Field* Schema::FindField(std::string_view name) const {
  for (const Field& field : fields_) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

bool SchemaEquals(const SchemaPtr& a, const SchemaPtr& b) {
  if (a == b) return true;
  if (!a || !b) return false;
  if (a->type() != b->type() || a->optional() != b->optional() || a->name() != b->name() ||
      a->version() != b->version() || a->doc() != b->doc() || a->parameters() != b->parameters()) {
    return false;
  }
  const Value* da = a->default_value();
  const Value* db = b->default_value();
  if ((da == nullptr) != (db == nullptr)) return false;
  if (da != nullptr && !(*da == *db)) return false;
  if (a->fields().size() != b->fields().size()) return false;
  for (size_t i = 0; i < a->fields().size(); ++i) {
    const Field& fa = a->fields()[i];
    const Field& fb = b->fields()[i];
    if (fa.name != fb.name || fa.index != fb.index || !SchemaEquals(fa.schema, fb.schema)) {
      return false;
    }
  }
  return SchemaEquals(a->key_schema(), b->key_schema()) &&
         SchemaEquals(a->value_schema(), b->value_schema());
}

// ---- SchemaBuilder

SchemaBuilder::SchemaBuilder(SchemaType type) : schema_(std::make_shared<Schema>()) {
  schema_->type_ = type;
}

SchemaBuilder SchemaBuilder::Array(SchemaPtr value_schema) {
  SchemaBuilder builder(SchemaType::kArray);
  if (!value_schema) builder.error_ = "valueSchema cannot be null.";
  builder.schema_->value_schema_ = std::move(value_schema);
  return builder;
}

SchemaBuilder SchemaBuilder::Map(SchemaPtr key_schema, SchemaPtr value_schema) {
  SchemaBuilder builder(SchemaType::kMap);
  if (!key_schema) {
    builder.error_ = "keySchema cannot be null.";
  } else if (!value_schema) {
    builder.error_ = "valueSchema cannot be null.";
  }
  builder.schema_->key_schema_ = std::move(key_schema);
  builder.schema_->value_schema_ = std::move(value_schema);
  return builder;
}

SchemaBuilder& SchemaBuilder::Optional() {
  schema_->optional_ = true;
  return *this;
}

SchemaBuilder& SchemaBuilder::Name(std::string name) {
  if (schema_->name_ && *schema_->name_ != name && error_.empty()) {
    error_ = "Invalid SchemaBuilder call: name has already been set.";
  }
  schema_->name_ = std::move(name);
  return *this;
}

SchemaBuilder& SchemaBuilder::Version(int32_t version) {
  if (schema_->version_ && *schema_->version_ != version && error_.empty()) {
    error_ = "Invalid SchemaBuilder call: version has already been set.";
  }
  schema_->version_ = version;
  return *this;
}

SchemaBuilder& SchemaBuilder::Doc(std::string doc) {
  if (schema_->doc_ && *schema_->doc_ != doc && error_.empty()) {
    error_ = "Invalid SchemaBuilder call: doc has already been set.";
  }
  schema_->doc_ = std::move(doc);
  return *this;
}

SchemaBuilder& SchemaBuilder::Parameter(std::string key, std::string value) {
  schema_->parameters_[std::move(key)] = std::move(value);
  return *this;
}

SchemaBuilder& SchemaBuilder::DefaultValue(Value value) {
  if (value.is_null()) {
    schema_->default_value_.reset();
  } else {
    schema_->default_value_ = std::make_shared<const Value>(std::move(value));
  }
  return *this;
}

SchemaBuilder& SchemaBuilder::AddField(std::string name, SchemaPtr schema) {
  if (!error_.empty()) return *this;
  if (schema_->type_ != SchemaType::kStruct) {
    error_ = "Cannot create fields on type " + UpperTypeName(schema_->type_);
  } else if (!schema) {
    error_ = "field schema for \"" + name + "\" cannot be null.";
  } else if (schema_->FindField(name) != nullptr) {
    error_ = "Cannot create field because of field name duplication " + name;
  } else {
    int index = static_cast<int>(schema_->fields_.size());
    schema_->fields_.push_back(Field{std::move(name), index, std::move(schema)});
  }
  return *this;
}

Result<SchemaPtr> SchemaBuilder::Build() const {
  if (!error_.empty()) return Status::InvalidArgument(error_);
  auto schema = std::make_shared<Schema>(*schema_);
  if (schema->default_value_) {
    // The default is checked against the schema without its default, which is also the schema a
    // struct default was built with.
    auto bare = std::make_shared<Schema>(*schema);
    bare->default_value_.reset();
    Status st = ValidateValue(bare, *schema->default_value_);
    if (!st.ok()) return Status::InvalidArgument("Invalid default value: " + st.message());
  }
  return SchemaPtr(std::move(schema));
}

SchemaPtr SchemaBuilder::BuildOrDie() const {
  Result<SchemaPtr> result = Build();
  assert(result.ok() && "SchemaBuilder::BuildOrDie on an invalid schema");
  if (!result.ok()) std::abort();
  return std::move(result).value();
}

namespace schemas {
#define TRIBUTARY_DEFINE_SCHEMA(fn, builder)              \
  const SchemaPtr& fn() {                                 \
    static const SchemaPtr schema = builder.BuildOrDie(); \
    return schema;                                        \
  }
TRIBUTARY_DEFINE_SCHEMA(Int8, SchemaBuilder::Int8())
TRIBUTARY_DEFINE_SCHEMA(Int16, SchemaBuilder::Int16())
TRIBUTARY_DEFINE_SCHEMA(Int32, SchemaBuilder::Int32())
TRIBUTARY_DEFINE_SCHEMA(Int64, SchemaBuilder::Int64())
TRIBUTARY_DEFINE_SCHEMA(Float32, SchemaBuilder::Float32())
TRIBUTARY_DEFINE_SCHEMA(Float64, SchemaBuilder::Float64())
TRIBUTARY_DEFINE_SCHEMA(Bool, SchemaBuilder::Bool())
TRIBUTARY_DEFINE_SCHEMA(String, SchemaBuilder::String())
TRIBUTARY_DEFINE_SCHEMA(Bytes, SchemaBuilder::Bytes())
TRIBUTARY_DEFINE_SCHEMA(OptionalInt8, SchemaBuilder::Int8().Optional())
TRIBUTARY_DEFINE_SCHEMA(OptionalInt16, SchemaBuilder::Int16().Optional())
TRIBUTARY_DEFINE_SCHEMA(OptionalInt32, SchemaBuilder::Int32().Optional())
TRIBUTARY_DEFINE_SCHEMA(OptionalInt64, SchemaBuilder::Int64().Optional())
TRIBUTARY_DEFINE_SCHEMA(OptionalFloat32, SchemaBuilder::Float32().Optional())
TRIBUTARY_DEFINE_SCHEMA(OptionalFloat64, SchemaBuilder::Float64().Optional())
TRIBUTARY_DEFINE_SCHEMA(OptionalBool, SchemaBuilder::Bool().Optional())
TRIBUTARY_DEFINE_SCHEMA(OptionalString, SchemaBuilder::String().Optional())
TRIBUTARY_DEFINE_SCHEMA(OptionalBytes, SchemaBuilder::Bytes().Optional())
#undef TRIBUTARY_DEFINE_SCHEMA
}  // namespace schemas

// ---- Logical types

SchemaBuilder Decimal::Builder(int32_t scale) {
  SchemaBuilder builder = SchemaBuilder::Bytes();
  builder.Name(kLogicalName).Parameter(kScaleParameter, std::to_string(scale)).Version(1);
  return builder;
}

Result<int32_t> Decimal::ScaleOf(const Schema& schema) {
  auto it = schema.parameters().find(kScaleParameter);
  if (it == schema.parameters().end()) {
    return Status::InvalidArgument("Invalid Decimal schema: scale parameter not found.");
  }
  const std::string& text = it->second;
  int32_t scale = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), scale);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::InvalidArgument("Invalid Decimal schema: scale parameter is not an integer: " +
                                   text);
  }
  return scale;
}

SchemaBuilder Date::Builder() {
  SchemaBuilder builder = SchemaBuilder::Int32();
  builder.Name(kLogicalName).Version(1);
  return builder;
}

SchemaBuilder Time::Builder() {
  SchemaBuilder builder = SchemaBuilder::Int32();
  builder.Name(kLogicalName).Version(1);
  return builder;
}

SchemaBuilder Timestamp::Builder() {
  SchemaBuilder builder = SchemaBuilder::Int64();
  builder.Name(kLogicalName).Version(1);
  return builder;
}

// ---- DecimalValue

std::string DecimalValue::ToString() const {
  bool negative = false;
  std::string_view digits;
  if (!SplitUnscaled(unscaled, &negative, &digits)) return "<invalid decimal " + unscaled + ">";
  std::string out = negative ? "-" : "";
  int64_t len = static_cast<int64_t>(digits.size());
  int64_t s = scale;
  if (digits == "0" && s <= 0) return "0";
  if (s <= 0) {
    if (-s > kMaxPlainPadding) return out + std::string(digits) + "E+" + std::to_string(-s);
    out += digits;
    out.append(static_cast<size_t>(-s), '0');
    return out;
  }
  if (s >= len) {
    if (s - len > kMaxPlainPadding) return out + std::string(digits) + "E-" + std::to_string(s);
    out += "0.";
    out.append(static_cast<size_t>(s - len), '0');
    out += digits;
    return out;
  }
  out += digits.substr(0, static_cast<size_t>(len - s));
  out += '.';
  out += digits.substr(static_cast<size_t>(len - s));
  return out;
}

Result<DecimalValue> DecimalValue::Parse(std::string_view text) {
  auto malformed = [&]() {
    return Status::InvalidArgument("Invalid decimal number: \"" + std::string(text) + "\"");
  };
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    negative = text[i] == '-';
    ++i;
  }
  std::string digits;
  int64_t fraction_digits = 0;
  bool seen_digit = false;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    digits += text[i++];
    seen_digit = true;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      digits += text[i++];
      ++fraction_digits;
      seen_digit = true;
    }
  }
  if (!seen_digit) return malformed();
  int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
      exp_negative = text[i] == '-';
      ++i;
    }
    if (i >= text.size()) return malformed();
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      exponent = exponent * 10 + (text[i++] - '0');
      if (exponent > (int64_t{1} << 40)) return malformed();
    }
    if (exp_negative) exponent = -exponent;
  }
  if (i != text.size()) return malformed();
  int64_t new_scale = fraction_digits - exponent;
  if (new_scale > std::numeric_limits<int32_t>::max() ||
      new_scale < std::numeric_limits<int32_t>::min()) {
    return Status::InvalidArgument("Invalid decimal number: \"" + std::string(text) +
                                   "\": exponent out of range");
  }
  size_t first = digits.find_first_not_of('0');
  DecimalValue result;
  result.unscaled = first == std::string::npos ? "0" : digits.substr(first);
  if (negative && result.unscaled != "0") result.unscaled.insert(0, "-");
  result.scale = static_cast<int32_t>(new_scale);
  return result;
}

Bytes DecimalValue::UnscaledBytes() const {
  bool negative = false;
  std::string_view digits;
  if (!SplitUnscaled(unscaled, &negative, &digits)) digits = "0";
  Limbs limbs = DigitsToLimbs(digits);
  // Magnitude as big-endian bytes, with one leading zero byte so that the sign bit is clear.
  Bytes bytes;
  bytes.reserve(limbs.size() * 4 + 1);
  bytes.push_back(0);
  for (size_t i = limbs.size(); i-- > 0;) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      bytes.push_back(static_cast<uint8_t>(limbs[i] >> shift));
    }
  }
  if (negative) {
    // Two's complement: invert and add one.
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(~b);
    for (size_t i = bytes.size(); i-- > 0;) {
      if (++bytes[i] != 0) break;
    }
  }
  // Minimal form: drop leading bytes that only repeat the sign.
  size_t drop = 0;
  while (drop + 1 < bytes.size()) {
    uint8_t b = bytes[drop];
    uint8_t next_sign = bytes[drop + 1] & 0x80;
    if ((b == 0x00 && next_sign == 0) || (b == 0xFF && next_sign != 0)) {
      ++drop;
    } else {
      break;
    }
  }
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(drop));
  return bytes;
}

DecimalValue DecimalValue::FromUnscaledBytes(const tributary::Bytes& bytes, int32_t scale) {
  DecimalValue result;
  result.scale = scale;
  if (bytes.empty()) {
    result.unscaled = "0";
    return result;
  }
  bool negative = (bytes[0] & 0x80) != 0;
  tributary::Bytes magnitude = bytes;
  if (negative) {
    for (uint8_t& b : magnitude) b = static_cast<uint8_t>(~b);
    for (size_t i = magnitude.size(); i-- > 0;) {
      if (++magnitude[i] != 0) break;
    }
  }
  Limbs limbs((magnitude.size() + 3) / 4, 0);
  for (size_t i = 0; i < magnitude.size(); ++i) {
    size_t pos = magnitude.size() - 1 - i;  // byte significance
    limbs[pos / 4] |= static_cast<uint32_t>(magnitude[i]) << (8 * (pos % 4));
  }
  result.unscaled = LimbsToDigits(std::move(limbs));
  // A negative input whose magnitude overflowed (e.g. 0x80) still has the right digits: the
  // inverted-plus-one bytes read as unsigned are exactly the magnitude.
  if (negative && result.unscaled != "0") result.unscaled.insert(0, "-");
  return result;
}

// ---- Value

Value Value::ArrayValue(Array v) {
  return Value(Storage(std::in_place_index<10>, std::make_shared<Array>(std::move(v))));
}
Value Value::MapValue(Map v) {
  return Value(Storage(std::in_place_index<11>, std::make_shared<Map>(std::move(v))));
}
Value Value::StructValue(Struct v) { return Value(Storage(std::in_place_index<12>, std::move(v))); }
Value Value::DecimalValue(tributary::DecimalValue v) {
  return Value(
      Storage(std::in_place_index<13>, std::make_shared<tributary::DecimalValue>(std::move(v))));
}

void Value::Unshare() {
  switch (storage_.index()) {
    case 10: {
      auto& p = std::get<10>(storage_);
      if (p.use_count() > 1) p = std::make_shared<Array>(*p);
      break;
    }
    case 11: {
      auto& p = std::get<11>(storage_);
      if (p.use_count() > 1) p = std::make_shared<Map>(*p);
      break;
    }
    default:
      break;
  }
}

const Value::Array& Value::as_array() const { return *std::get<10>(storage_); }
Value::Array& Value::as_array() {
  (void)std::get<10>(storage_);  // throws on a kind mismatch before anything is copied
  Unshare();
  return *std::get<10>(storage_);
}
const Value::Map& Value::as_map() const { return *std::get<11>(storage_); }
Value::Map& Value::as_map() {
  (void)std::get<11>(storage_);
  Unshare();
  return *std::get<11>(storage_);
}
const Struct& Value::as_struct() const { return std::get<12>(storage_); }
// A Struct copies its shared values itself when one is changed.
Struct& Value::as_struct() { return std::get<12>(storage_); }
const tributary::DecimalValue& Value::as_decimal() const { return *std::get<13>(storage_); }

const Value* Value::Find(std::string_view key) const {
  if (kind() == ValueKind::kMap) {
    for (const MapEntry& entry : as_map()) {
      if (entry.key.kind() == ValueKind::kString && entry.key.as_string() == key) {
        return &entry.value;
      }
    }
    return nullptr;
  }
  if (kind() == ValueKind::kStruct) return as_struct().Get(key);
  return nullptr;
}

std::optional<int64_t> Value::AsInteger() const {
  switch (kind()) {
    case ValueKind::kInt8:
      return as_int8();
    case ValueKind::kInt16:
      return as_int16();
    case ValueKind::kInt32:
      return as_int32();
    case ValueKind::kInt64:
      return as_int64();
    default:
      return std::nullopt;
  }
}

bool Value::operator==(const Value& other) const {
  if (kind() != other.kind()) return false;
  switch (kind()) {
    case ValueKind::kNull:
      return true;
    case ValueKind::kBoolean:
      return as_bool() == other.as_bool();
    case ValueKind::kInt8:
      return as_int8() == other.as_int8();
    case ValueKind::kInt16:
      return as_int16() == other.as_int16();
    case ValueKind::kInt32:
      return as_int32() == other.as_int32();
    case ValueKind::kInt64:
      return as_int64() == other.as_int64();
    case ValueKind::kFloat32:
      return as_float32() == other.as_float32();
    case ValueKind::kFloat64:
      return as_float64() == other.as_float64();
    case ValueKind::kString:
      return as_string() == other.as_string();
    case ValueKind::kBytes:
      return as_bytes() == other.as_bytes();
    case ValueKind::kArray:
      return storage_ == other.storage_ || as_array() == other.as_array();
    case ValueKind::kMap: {
      const Map& a = as_map();
      const Map& b = other.as_map();
      if (a.size() != b.size()) return false;
      if (a == b) return true;
      // Maps compare as maps (Java's Map.equals): insertion order does not matter.
      for (const MapEntry& entry : a) {
        auto it =
            std::find_if(b.begin(), b.end(), [&](const MapEntry& e) { return e.key == entry.key; });
        if (it == b.end() || !(it->value == entry.value)) return false;
      }
      return true;
    }
    case ValueKind::kStruct:
      return as_struct() == other.as_struct();
    case ValueKind::kDecimal:
      return as_decimal() == other.as_decimal();
  }
  return false;
}

namespace {

void AppendDebug(const Value& v, std::string* out) {
  switch (v.kind()) {
    case ValueKind::kNull:
      *out += "null";
      return;
    case ValueKind::kBoolean:
      *out += v.as_bool() ? "true" : "false";
      return;
    case ValueKind::kInt8:
    case ValueKind::kInt16:
    case ValueKind::kInt32:
    case ValueKind::kInt64:
      *out += std::to_string(*v.AsInteger());
      return;
    case ValueKind::kFloat32:
    case ValueKind::kFloat64: {
      char buf[64];
      double d = v.kind() == ValueKind::kFloat32 ? v.as_float32() : v.as_float64();
      std::snprintf(buf, sizeof(buf), "%.17g", d);
      *out += buf;
      if (v.kind() == ValueKind::kFloat32) *out += 'f';
      return;
    }
    case ValueKind::kString:
      *out += '"';
      *out += v.as_string();
      *out += '"';
      return;
    case ValueKind::kBytes: {
      *out += "bytes[";
      static const char kHex[] = "0123456789abcdef";
      for (uint8_t b : v.as_bytes()) {
        *out += kHex[b >> 4];
        *out += kHex[b & 15];
      }
      *out += ']';
      return;
    }
    case ValueKind::kArray: {
      *out += '[';
      bool first = true;
      for (const Value& e : v.as_array()) {
        if (!first) *out += ", ";
        first = false;
        AppendDebug(e, out);
      }
      *out += ']';
      return;
    }
    case ValueKind::kMap: {
      *out += '{';
      bool first = true;
      for (const MapEntry& e : v.as_map()) {
        if (!first) *out += ", ";
        first = false;
        AppendDebug(e.key, out);
        *out += ": ";
        AppendDebug(e.value, out);
      }
      *out += '}';
      return;
    }
    case ValueKind::kStruct: {
      const Struct& s = v.as_struct();
      *out += "Struct{";
      bool first = true;
      if (s.schema()) {
        for (const Field& f : s.schema()->fields()) {
          if (!first) *out += ",";
          first = false;
          *out += f.name;
          *out += '=';
          AppendDebug(s.Get(f.index), out);
        }
      }
      *out += '}';
      return;
    }
    case ValueKind::kDecimal:
      *out += v.as_decimal().ToString();
      return;
  }
}

}  // namespace

std::string Value::DebugString() const {
  std::string out;
  AppendDebug(*this, &out);
  return out;
}

// ---- Struct

namespace {

// A block's memory, through std::allocator: it frees with the size where the compiler allows
// (clang needs -fsized-deallocation for a sized operator delete).
void* AllocateBlock(size_t bytes) { return std::allocator<std::byte>().allocate(bytes); }
void FreeBlock(void* memory, size_t bytes) {
  std::allocator<std::byte>().deallocate(static_cast<std::byte*>(memory), bytes);
}

}  // namespace

Struct::Block* Struct::NewBlock(SchemaPtr schema, uint32_t size, const Value* from) {
  static_assert(sizeof(Block) % alignof(Value) == 0, "the values follow the header");
  const size_t bytes = sizeof(Block) + size * sizeof(Value);
  void* memory = AllocateBlock(bytes);
  auto* block = new (memory) Block{{1}, 0, std::move(schema)};
  Value* values = block->values();
  if (from == nullptr) {
    std::uninitialized_value_construct_n(values, size);  // nulls: cannot throw
    block->size = size;
    return block;
  }
  // `size` counts the values copied so far, so that a throwing copy frees exactly those.
  try {
    for (; block->size < size; ++block->size) new (values + block->size) Value(from[block->size]);
  } catch (...) {
    std::destroy_n(values, block->size);
    block->~Block();
    FreeBlock(memory, bytes);
    throw;
  }
  return block;
}

Struct::Struct(SchemaPtr schema) {
  const auto size = static_cast<uint32_t>(schema ? schema->fields().size() : 0);
  block_ = NewBlock(std::move(schema), size, nullptr);
}

Struct::Struct(const Struct& other) noexcept : block_(other.block_) {
  if (block_ != nullptr) block_->refs.fetch_add(1, std::memory_order_relaxed);
}

Struct& Struct::operator=(const Struct& other) noexcept {
  Block* incoming = other.block_;  // read first: Release() clears block_, which may be other's
  if (incoming != nullptr) incoming->refs.fetch_add(1, std::memory_order_relaxed);
  if (block_ != nullptr) Release();
  block_ = incoming;
  return *this;
}

Struct& Struct::operator=(Struct&& other) noexcept {
  if (this != &other) {
    if (block_ != nullptr) Release();
    block_ = std::exchange(other.block_, nullptr);
  }
  return *this;
}

void Struct::Release() noexcept {
  Block* block = std::exchange(block_, nullptr);
  // The last owner skips the atomic decrement: nobody else can reach the block to take a copy.
  if (block->refs.load(std::memory_order_acquire) != 1 &&
      block->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) {
    return;
  }
  const uint32_t size = block->size;
  std::destroy_n(block->values(), size);
  block->~Block();
  FreeBlock(block, sizeof(Block) + size * sizeof(Value));
}

const SchemaPtr Struct::kNoSchema;

void Struct::ThrowNoField(int index) {
  throw std::out_of_range("Struct::Get: no field at index " + std::to_string(index));
}

void Struct::Unshare() {
  Block* own = NewBlock(block_->schema, block_->size, block_->values());
  Release();
  block_ = own;
}

Status Struct::Put(std::string_view name, Value value) {
  const SchemaPtr& s = schema();
  const Field* field = s ? s->FindField(name) : nullptr;
  if (field == nullptr) {
    return Status::InvalidArgument("\"" + std::string(name) + "\" is not a valid field name");
  }
  MutableValues()[field->index] = std::move(value);
  return Status::Ok();
}

Status Struct::Put(int index, Value value) {
  if (index < 0 || static_cast<size_t>(index) >= values().size()) {
    return Status::InvalidArgument("field index " + std::to_string(index) + " is out of range");
  }
  MutableValues()[index] = std::move(value);
  return Status::Ok();
}

const Value* Struct::Get(std::string_view name) const {
  const SchemaPtr& s = schema();
  const Field* field = s ? s->FindField(name) : nullptr;
  if (field == nullptr) return nullptr;
  return &values()[static_cast<size_t>(field->index)];
}

namespace {
Status ValidateAt(const SchemaPtr& schema, const Value& value, const std::string& location);
}  // namespace

Status Struct::Validate() const {
  const SchemaPtr& s = schema();
  if (!s) return Status::DataError("Struct has no schema");
  for (const Field& field : s->fields()) {
    const Value& value = values()[static_cast<size_t>(field.index)];
    if (value.is_null() && (field.schema->optional() || field.schema->default_value() != nullptr)) {
      continue;
    }
    TRIBUTARY_RETURN_IF_ERROR(ValidateAt(field.schema, value, "field: \"" + field.name + "\""));
  }
  return Status::Ok();
}

bool Struct::operator==(const Struct& other) const {
  std::span<const Value> a = values();
  std::span<const Value> b = other.values();
  return SchemaEquals(schema(), other.schema()) &&
         std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// ---- ValidateValue

namespace {

Status ValidateAt(const SchemaPtr& schema, const Value& value, const std::string& location) {
  if (value.is_null()) {
    if (!schema->optional()) {
      return Status::DataError("Invalid value: null used for required " + location +
                               ", schema type: " + UpperTypeName(schema->type()));
    }
    return Status::Ok();
  }
  ValueKind expected = KindFor(schema->type());
  if (schema->IsLogical(Decimal::kLogicalName)) expected = ValueKind::kDecimal;
  if (value.kind() != expected) {
    std::string msg = "Invalid value for schema";
    if (schema->name()) msg += " \"" + *schema->name() + "\"";
    msg += " with type " + UpperTypeName(schema->type()) + ": found " + KindName(value.kind()) +
           " (expected " + KindName(expected) + ") for " + location;
    return Status::DataError(std::move(msg));
  }
  switch (schema->type()) {
    case SchemaType::kStruct: {
      const Struct& s = value.as_struct();
      if (!SchemaEquals(s.schema(), schema)) {
        return Status::DataError("Struct schemas do not match.");
      }
      return s.Validate();
    }
    case SchemaType::kArray: {
      std::string entry_location = "element of array " + location;
      if (!schema->value_schema()) {
        return Status::DataError("No schema defined for " + entry_location);
      }
      for (const Value& e : value.as_array()) {
        TRIBUTARY_RETURN_IF_ERROR(ValidateAt(schema->value_schema(), e, entry_location));
      }
      return Status::Ok();
    }
    case SchemaType::kMap: {
      std::string key_location = "key of map " + location;
      std::string value_location = "value of map " + location;
      if (!schema->key_schema()) return Status::DataError("No schema defined for " + key_location);
      if (!schema->value_schema()) {
        return Status::DataError("No schema defined for " + value_location);
      }
      for (const MapEntry& e : value.as_map()) {
        TRIBUTARY_RETURN_IF_ERROR(ValidateAt(schema->key_schema(), e.key, key_location));
        TRIBUTARY_RETURN_IF_ERROR(ValidateAt(schema->value_schema(), e.value, value_location));
      }
      return Status::Ok();
    }
    default:
      return Status::Ok();
  }
}

}  // namespace

Status ValidateValue(const SchemaPtr& schema, const Value& value) {
  if (!schema) return Status::Ok();
  return ValidateAt(schema, value, "value");
}

}  // namespace tributary
