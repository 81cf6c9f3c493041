#include "runtime/converters/json_converter.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <span>
#include <unordered_map>
#include <vector>

#include "runtime/converters/java_format.h"
#include "runtime/converters/json_node.h"

namespace tributary::runtime {

namespace {

// Compact JSON appended to a caller's string, byte for byte what rapidjson's Writer wrote before
// (no whitespace; strings escaped as rapidjson escapes them: '"', '\\', \b \t \n \f \r and
// \u00XX with upper-case hex for the other control characters; other bytes, UTF-8 included, are
// copied as they are). It runs for every record, so it writes straight into the record's output
// buffer through a pointer: the string is grown ahead (`expected` bytes at first, doubling) and
// cut to what was written when the writer goes away; std::string's own appends, which are not
// inlined, cost several times more per token. The caller keeps the calls well nested; no
// validation. `out` must not be used while the writer exists.
class JsonWriter {
  // The bytes a JSON string cannot hold as they are.
  static constexpr auto kEscaped = [] {
    std::array<bool, 256> escaped{};
    for (int c = 0; c < 0x20; ++c) escaped[c] = true;
    escaped['"'] = true;
    escaped['\\'] = true;
    return escaped;
  }();

 public:
  explicit JsonWriter(std::string& out, size_t expected = 256) : out_(out), pos_(out.size()) {
    out_.resize(pos_ + expected);
  }
  ~JsonWriter() { out_.resize(pos_); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  // Bytes written so far (into `out` after its original contents).
  size_t written() const { return pos_; }

  void StartObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void StartArray() { Open('['); }
  void EndArray() { Close(']'); }
  void Key(std::string_view key) {
    Token(key, "\":");
    after_key_ = true;
  }
  // A key rendered ahead by RenderKey(): `rendered` is `,"key":` (escaped), written with or
  // without its leading comma.
  void RenderedKey(std::string_view rendered) {
    if (!Separate()) rendered.remove_prefix(1);
    char* p = Ensure(rendered.size());
    CopySmall(p, rendered.data(), rendered.size());
    Commit(p + rendered.size());
    after_key_ = true;
  }
  // Appends `,"key":` for RenderedKey(), escaped as Key() writes it.
  static void RenderKey(std::string_view key, std::string& out) {
    out += ',';
    std::string rendered;
    {
      JsonWriter w(rendered, 2 + 6 * key.size() + 2);
      w.Key(key);
    }
    out += rendered;
  }
  void String(std::string_view s) { Token(s, "\""); }
  void Null() { Raw("null"); }
  void Bool(bool b) { Raw(b ? std::string_view("true") : std::string_view("false")); }
  void Int64(int64_t v) {
    bool comma = Separate();
    char* p = Ensure(2 + 20);
    if (comma) *p++ = ',';
    uint64_t u = static_cast<uint64_t>(v);
    if (v < 0) {
      *p++ = '-';
      u = 0 - u;
    }
    Commit(Decimal(p, u));
  }
  // A value written as it is (a number already formatted).
  void Raw(std::string_view text) {
    bool comma = Separate();
    char* p = Ensure(1 + text.size());
    if (comma) *p++ = ',';
    std::memcpy(p, text.data(), text.size());
    Commit(p + text.size());
  }

 private:
  // Whether a ',' goes before the next member or element: none after a key, none before the
  // first one.
  bool Separate() {
    bool comma = !first_ && !after_key_;
    after_key_ = false;
    first_ = false;
    return comma;
  }
  void Open(char c) {
    bool comma = Separate();
    char* p = Ensure(2);
    if (comma) *p++ = ',';
    *p++ = c;
    Commit(p);
    first_ = true;
  }
  void Close(char c) {
    char* p = Ensure(1);
    *p++ = c;
    Commit(p);
    first_ = false;  // the container was a value of its parent
  }
  // Where the next byte goes, with room for at least `n` bytes from there.
  char* Ensure(size_t n) {
    if (out_.size() - pos_ < n) out_.resize(std::max(out_.size() * 2, pos_ + n));
    return out_.data() + pos_;
  }
  // The bytes up to `end` (from the last Ensure()) are written.
  void Commit(const char* end) { pos_ = static_cast<size_t>(end - out_.data()); }
  // [,]"s" followed by `tail` (the closing quote and what follows it; a literal, so that its
  // copy is inlined).
  template <size_t N>
  void Token(std::string_view s, const char (&tail)[N]) {
    constexpr size_t kTail = N - 1;
    bool comma = Separate();
    bool plain = Plain(s);
    // An escaped byte takes at most 6 ("\u00XX").
    char* p = Ensure(2 + (plain ? s.size() : 6 * s.size()) + kTail);
    if (comma) *p++ = ',';
    *p++ = '"';
    if (plain) {
      CopySmall(p, s.data(), s.size());
      p += s.size();
    } else {
      for (char ch : s) p = Escaped(static_cast<unsigned char>(ch), p);
    }
    std::memcpy(p, tail, kTail);
    Commit(p + kTail);
  }
  // memcpy for the short strings of records (keys, most values) without a call into the C
  // library: overlapping 8- or 4-byte moves up to 16 bytes.
  static void CopySmall(char* dst, const char* src, size_t n) {
    if (n > 16) {
      std::memcpy(dst, src, n);
    } else if (n >= 8) {
      uint64_t a, b;
      std::memcpy(&a, src, 8);
      std::memcpy(&b, src + n - 8, 8);
      std::memcpy(dst, &a, 8);
      std::memcpy(dst + n - 8, &b, 8);
    } else if (n >= 4) {
      uint32_t a, b;
      std::memcpy(&a, src, 4);
      std::memcpy(&b, src + n - 4, 4);
      std::memcpy(dst, &a, 4);
      std::memcpy(dst + n - 4, &b, 4);
    } else {
      for (size_t i = 0; i < n; ++i) dst[i] = src[i];
    }
  }
  // `u` in decimal, as std::to_chars writes it: in chunks of 8 digits, each as four digit pairs
  // (records carry many 13-19 digit numbers: timestamps in ns, LSNs; std::to_chars takes about
  // three times as long for those).
  static char* Decimal(char* p, uint64_t u) {
    constexpr uint64_t k1e8 = 100000000;
    if (u < k1e8) return std::to_chars(p, p + 8, static_cast<uint32_t>(u)).ptr;
    uint64_t high = u / k1e8;
    const auto low = static_cast<uint32_t>(u % k1e8);
    if (high < k1e8) {
      p = std::to_chars(p, p + 8, static_cast<uint32_t>(high)).ptr;
    } else {
      p = std::to_chars(p, p + 4, static_cast<uint32_t>(high / k1e8)).ptr;
      p = EightDigits(p, static_cast<uint32_t>(high % k1e8));
    }
    return EightDigits(p, low);
  }
  // Exactly 8 digits of `v` < 10^8, leading zeros included.
  static char* EightDigits(char* p, uint32_t v) {
    static constexpr char kPairs[201] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    const uint32_t high = v / 10000;
    const uint32_t low = v % 10000;
    std::memcpy(p, kPairs + 2 * (high / 100), 2);
    std::memcpy(p + 2, kPairs + 2 * (high % 100), 2);
    std::memcpy(p + 4, kPairs + 2 * (low / 100), 2);
    std::memcpy(p + 6, kPairs + 2 * (low % 100), 2);
    return p + 8;
  }
  // Whether no byte of `s` needs escaping, eight bytes at a time (SWAR: a byte below 0x20, '"'
  // or '\\' sets the high bit of its lane; bytes from 0x80 up never do). A false alarm would only
  // send `s` through Escaped(), which copies plain bytes as they are.
  static bool Plain(std::string_view s) {
    const char* p = s.data();
    size_t n = s.size();
    for (; n >= 8; p += 8, n -= 8) {
      uint64_t v;
      std::memcpy(&v, p, sizeof(v));
      if (Special<uint64_t>(v)) return false;
    }
    // The last 1-7 bytes: as one or two (overlapping) 4-byte words, or byte by byte below 4.
    if (n >= 4) {
      uint32_t a, b;
      std::memcpy(&a, p, 4);
      std::memcpy(&b, p + n - 4, 4);
      return !Special<uint32_t>(a) && !Special<uint32_t>(b);
    }
    bool plain = true;
    for (; n > 0; ++p, --n) plain &= !kEscaped[static_cast<unsigned char>(*p)];
    return plain;
  }
  // Whether a byte lane of `v` holds a byte below 0x20, '"' or '\\'.
  template <class Word>
  static bool Special(Word v) {
    constexpr Word kOnes = static_cast<Word>(0x0101010101010101ULL);
    constexpr Word kHigh = kOnes * 0x80;
    Word quote = v ^ (kOnes * '"');
    Word backslash = v ^ (kOnes * '\\');
    Word found =
        ((v - kOnes * 0x20) & ~v) | ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash);
    return (found & kHigh) != 0;
  }
  static char* Escaped(unsigned char c, char* p) {
    if (!kEscaped[c]) {
      *p++ = static_cast<char>(c);
      return p;
    }
    *p++ = '\\';
    switch (c) {
      case '"':
      case '\\':
        *p++ = static_cast<char>(c);
        break;
      case '\b':
        *p++ = 'b';
        break;
      case '\t':
        *p++ = 't';
        break;
      case '\n':
        *p++ = 'n';
        break;
      case '\f':
        *p++ = 'f';
        break;
      case '\r':
        *p++ = 'r';
        break;
      default: {
        static constexpr char kHex[] = "0123456789ABCDEF";
        *p++ = 'u';
        *p++ = '0';
        *p++ = '0';
        *p++ = kHex[c >> 4];
        *p++ = kHex[c & 15];
      }
    }
    return p;
  }

  std::string& out_;
  size_t pos_;  // end of what was written; out_ is longer until the writer goes away
  bool first_ = true;
  bool after_key_ = false;
};

void WriteKey(JsonWriter& w, const std::string& key) { w.Key(key); }

constexpr const char* kSchemaField = "schema";
constexpr const char* kPayloadField = "payload";
// Rescaling a NUMERIC decimal to its schema's scale may append at most this many zeros.
constexpr int64_t kMaxRescaleDigits = 100000;

std::string UpperTypeName(SchemaType type) {
  std::string name = SchemaTypeName(type);
  if (type == SchemaType::kFloat32) return "FLOAT32";
  if (type == SchemaType::kFloat64) return "FLOAT64";
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

// The JSON type name Connect writes for a schema type ("float"/"double" for floats).
const char* JsonTypeName(SchemaType type) { return SchemaTypeName(type); }

bool WellFormedUnscaled(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// ---- Connect -> JSON

}  // namespace

// The field names of struct schemas rendered as JSON keys (`,"name":`, escaped) once, so that
// writing a struct copies each key instead of checking and quoting its name for every record.
// Entries are kept by schema address (each holds its SchemaPtr, so the address cannot be reused
// by another schema while cached) and stay where they are until Trim(); a small direct-mapped
// table of entry pointers in front of the map makes the usual lookup one comparison.
class JsonFieldKeys {
 public:
  struct Entry {
    SchemaPtr schema;
    std::string keys;          // the rendered keys, one after the other
    std::vector<size_t> ends;  // where each field's key ends in `keys`
    std::string_view Key(size_t field) const {
      size_t begin = field == 0 ? 0 : ends[field - 1];
      return std::string_view(keys.data() + begin, ends[field] - begin);
    }
  };
  // The entry of `schema`, rendered on first use; valid until Trim().
  const Entry& Get(const SchemaPtr& schema) {
    // Fibonacci hashing: schemas of one size class sit at regular strides, which a plain
    // shift-and-mask would map to a few slots only.
    uint64_t address = reinterpret_cast<uintptr_t>(schema.get());
    const Entry*& front = front_[(address * 0x9E3779B97F4A7C15ULL) >> (64 - kFrontBits)];
    if (front != nullptr && front->schema.get() == schema.get()) return *front;
    auto [it, inserted] = entries_.try_emplace(schema.get());
    Entry& entry = it->second;
    if (inserted) {
      entry.schema = schema;
      for (const Field& field : schema->fields()) {
        JsonWriter::RenderKey(field.name, entry.keys);
        entry.ends.push_back(entry.keys.size());
      }
    }
    front = &entry;
    return entry;
  }
  // Bounds the cache; called between records, when no entry is in use.
  void Trim() {
    if (entries_.size() <= kMaxEntries) return;
    front_.fill(nullptr);
    entries_.clear();
  }

 private:
  static constexpr int kFrontBits = 6;
  static constexpr size_t kMaxEntries = 1000;  // as schemas.cache.size's default
  std::array<const Entry*, size_t{1} << kFrontBits> front_{};
  std::unordered_map<const Schema*, Entry> entries_;
};

namespace {

struct WriteOptions {
  JsonConverter::DecimalFormat decimal_format;
  bool replace_null_with_default;
  JsonFieldKeys* field_keys = nullptr;  // nullptr: keys are quoted as they are written
};

Status WriteValue(JsonWriter& w, const SchemaPtr& schema, const Value& value,
                  const WriteOptions& opt);

void WriteFloating(JsonWriter& w, double d, bool is_float32) {
  std::string text = is_float32 ? JavaFloatToString(static_cast<float>(d)) : JavaDoubleToString(d);
  if (std::isfinite(d)) {
    w.Raw(text);
  } else {
    w.String(text);  // Jackson: "NaN"
  }
}

// The struct fields most records are made of, written without a call of WriteValue: a non-null
// string, integer or boolean of the schema's own type and no Connect logical type (those are
// checked by WriteValue). Writes exactly what WriteValue would and returns true, or writes nothing
// and returns false.
inline bool WritePlainLeaf(JsonWriter& w, const Schema* schema, const Value& value) {
  static constexpr std::string_view kLogicalPrefix = "org.apache.kafka.connect.data.";
  if (schema == nullptr || (schema->name() && schema->name()->starts_with(kLogicalPrefix))) {
    return false;
  }
  switch (value.kind()) {
    case ValueKind::kString:
      if (schema->type() != SchemaType::kString) return false;
      w.String(value.as_string());
      return true;
    case ValueKind::kInt64:
      if (schema->type() != SchemaType::kInt64) return false;
      w.Int64(value.as_int64());
      return true;
    case ValueKind::kInt32:
      if (schema->type() != SchemaType::kInt32) return false;
      w.Int64(value.as_int32());
      return true;
    case ValueKind::kBoolean:
      if (schema->type() != SchemaType::kBoolean) return false;
      w.Bool(value.as_bool());
      return true;
    default:
      return false;
  }
}

Status WriteDecimal(JsonWriter& w, const Schema* schema, const DecimalValue& d,
                    const WriteOptions& opt) {
  if (!WellFormedUnscaled(d.unscaled)) {
    return Status::DataError("Invalid decimal value: unscaled \"" + d.unscaled + "\"");
  }
  if (opt.decimal_format == JsonConverter::DecimalFormat::kNumeric || schema == nullptr) {
    w.Raw(JavaBigDecimalToString(d));
    return Status::Ok();
  }
  Result<int32_t> scale = Decimal::ScaleOf(*schema);
  if (!scale.ok()) return Status::DataError(scale.status().message());
  if (*scale != d.scale) {
    return Status::DataError("BigDecimal has mismatching scale value for given Decimal schema");
  }
  Bytes bytes = d.UnscaledBytes();
  std::string encoded = Base64Encode(AsText(bytes));
  w.String(encoded);
  return Status::Ok();
}

// Writes a schema as JsonConverter.asJsonSchema does; `field_name` adds the struct "field" member.
Status WriteSchema(JsonWriter& w, const Schema& schema, const WriteOptions& opt,
                   const std::string* field_name = nullptr) {
  w.StartObject();
  w.Key("type");
  w.String(JsonTypeName(schema.type()));
  switch (schema.type()) {
    case SchemaType::kArray:
      if (!schema.value_schema()) return Status::DataError("Array schema has no element schema");
      w.Key("items");
      TRIBUTARY_RETURN_IF_ERROR(WriteSchema(w, *schema.value_schema(), opt));
      break;
    case SchemaType::kMap:
      if (!schema.key_schema() || !schema.value_schema()) {
        return Status::DataError("Map schema has no key or value schema");
      }
      w.Key("keys");
      TRIBUTARY_RETURN_IF_ERROR(WriteSchema(w, *schema.key_schema(), opt));
      w.Key("values");
      TRIBUTARY_RETURN_IF_ERROR(WriteSchema(w, *schema.value_schema(), opt));
      break;
    case SchemaType::kStruct:
      w.Key("fields");
      w.StartArray();
      for (const Field& field : schema.fields()) {
        TRIBUTARY_RETURN_IF_ERROR(WriteSchema(w, *field.schema, opt, &field.name));
      }
      w.EndArray();
      break;
    default:
      break;
  }
  w.Key("optional");
  w.Bool(schema.optional());
  if (schema.name()) {
    w.Key("name");
    w.String(*schema.name());
  }
  if (schema.version()) {
    w.Key("version");
    w.Int64(*schema.version());
  }
  if (schema.doc()) {
    w.Key("doc");
    w.String(*schema.doc());
  }
  if (!schema.parameters().empty()) {
    w.Key("parameters");
    w.StartObject();
    for (const auto& [key, value] : schema.parameters()) {
      WriteKey(w, key);
      w.String(value);
    }
    w.EndObject();
  }
  if (schema.default_value() != nullptr) {
    w.Key("default");
    // The default is written against the schema itself (as Connect does); a shared_ptr that does
    // not own it is enough for the duration of the call.
    SchemaPtr self(SchemaPtr(), &schema);
    TRIBUTARY_RETURN_IF_ERROR(WriteValue(w, self, *schema.default_value(), opt));
  }
  if (field_name != nullptr) {
    w.Key("field");
    w.String(*field_name);
  }
  w.EndObject();
  return Status::Ok();
}

Status WriteValue(JsonWriter& w, const SchemaPtr& schema, const Value& value,
                  const WriteOptions& opt) {
  if (value.is_null()) {
    if (!schema) {
      w.Null();
      return Status::Ok();
    }
    if (schema->default_value() != nullptr && opt.replace_null_with_default) {
      return WriteValue(w, schema, *schema->default_value(), opt);
    }
    if (schema->optional()) {
      w.Null();
      return Status::Ok();
    }
    return Status::DataError(
        "Conversion error: null value for field that is required and has no default value");
  }

  // Connect's logical type names share this prefix: other names (Debezium's, a table's struct
  // names) skip the four comparisons below.
  static constexpr std::string_view kLogicalPrefix = "org.apache.kafka.connect.data.";
  static_assert(std::string_view(Decimal::kLogicalName).starts_with(kLogicalPrefix) &&
                std::string_view(Date::kLogicalName).starts_with(kLogicalPrefix) &&
                std::string_view(Time::kLogicalName).starts_with(kLogicalPrefix) &&
                std::string_view(Timestamp::kLogicalName).starts_with(kLogicalPrefix));
  if (schema && schema->name() && schema->name()->starts_with(kLogicalPrefix)) {
    if (schema->IsLogical(Decimal::kLogicalName)) {
      if (value.kind() != ValueKind::kDecimal) {
        return Status::DataError(
            std::string("Invalid type for Decimal, expected decimal but was ") +
            ValueKindText(value.kind()));
      }
      return WriteDecimal(w, schema.get(), value.as_decimal(), opt);
    }
    const char* logical = nullptr;
    ValueKind expected = ValueKind::kInt32;
    if (schema->IsLogical(Date::kLogicalName)) {
      logical = "Date";
    } else if (schema->IsLogical(Time::kLogicalName)) {
      logical = "Time";
    } else if (schema->IsLogical(Timestamp::kLogicalName)) {
      logical = "Timestamp";
      expected = ValueKind::kInt64;
    }
    if (logical != nullptr && value.kind() != expected) {
      return Status::DataError(std::string("Invalid type for ") + logical + ", expected " +
                               ValueKindText(expected) + " but was " + ValueKindText(value.kind()));
    }
  }

  if (schema) {
    ValueKind expected = ValueKind::kNull;
    switch (schema->type()) {
      case SchemaType::kInt8:
        expected = ValueKind::kInt8;
        break;
      case SchemaType::kInt16:
        expected = ValueKind::kInt16;
        break;
      case SchemaType::kInt32:
        expected = ValueKind::kInt32;
        break;
      case SchemaType::kInt64:
        expected = ValueKind::kInt64;
        break;
      case SchemaType::kFloat32:
        expected = ValueKind::kFloat32;
        break;
      case SchemaType::kFloat64:
        expected = ValueKind::kFloat64;
        break;
      case SchemaType::kBoolean:
        expected = ValueKind::kBoolean;
        break;
      case SchemaType::kString:
        expected = ValueKind::kString;
        break;
      case SchemaType::kBytes:
        expected = ValueKind::kBytes;
        break;
      case SchemaType::kArray:
        expected = ValueKind::kArray;
        break;
      case SchemaType::kMap:
        expected = ValueKind::kMap;
        break;
      case SchemaType::kStruct:
        expected = ValueKind::kStruct;
        break;
    }
    if (value.kind() != expected) {
      return Status::DataError("Invalid type for " + UpperTypeName(schema->type()) + ": " +
                               ValueKindText(value.kind()));
    }
  }

  switch (value.kind()) {
    case ValueKind::kNull:
      w.Null();
      return Status::Ok();
    case ValueKind::kBoolean:
      w.Bool(value.as_bool());
      return Status::Ok();
    case ValueKind::kInt8:
      w.Int64(value.as_int8());
      return Status::Ok();
    case ValueKind::kInt16:
      w.Int64(value.as_int16());
      return Status::Ok();
    case ValueKind::kInt32:
      w.Int64(value.as_int32());
      return Status::Ok();
    case ValueKind::kInt64:
      w.Int64(value.as_int64());
      return Status::Ok();
    case ValueKind::kFloat32:
      WriteFloating(w, value.as_float32(), true);
      return Status::Ok();
    case ValueKind::kFloat64:
      WriteFloating(w, value.as_float64(), false);
      return Status::Ok();
    case ValueKind::kString:
      w.String(value.as_string());
      return Status::Ok();
    case ValueKind::kBytes: {
      const Bytes& b = value.as_bytes();
      std::string encoded = Base64Encode(AsText(b));
      w.String(encoded);
      return Status::Ok();
    }
    case ValueKind::kDecimal:
      // Only reached without a schema (Connect has no schemaless decimals): an exact number.
      return WriteDecimal(w, nullptr, value.as_decimal(), opt);
    case ValueKind::kArray: {
      const SchemaPtr& element_schema = schema ? schema->value_schema() : schema;
      w.StartArray();
      for (const Value& e : value.as_array()) {
        TRIBUTARY_RETURN_IF_ERROR(WriteValue(w, element_schema, e, opt));
      }
      w.EndArray();
      return Status::Ok();
    }
    case ValueKind::kMap: {
      const Value::Map& map = value.as_map();
      bool object_mode = true;
      if (schema) {
        object_mode = schema->key_schema() && schema->key_schema()->type() == SchemaType::kString;
      } else {
        for (const MapEntry& e : map) {
          if (e.key.kind() != ValueKind::kString) {
            object_mode = false;
            break;
          }
        }
      }
      static const SchemaPtr kNoSchema;
      const SchemaPtr& key_schema = schema ? schema->key_schema() : kNoSchema;
      const SchemaPtr& value_schema = schema ? schema->value_schema() : kNoSchema;
      if (object_mode) {
        w.StartObject();
        for (const MapEntry& e : map) {
          if (e.key.kind() == ValueKind::kString) {
            WriteKey(w, e.key.as_string());
          } else if (e.key.is_null() && key_schema && key_schema->optional()) {
            w.Key("null");  // Jackson's NullNode.asText()
          } else {
            return Status::DataError("Invalid type for STRING: " +
                                     std::string(ValueKindText(e.key.kind())));
          }
          TRIBUTARY_RETURN_IF_ERROR(WriteValue(w, value_schema, e.value, opt));
        }
        w.EndObject();
      } else {
        w.StartArray();
        for (const MapEntry& e : map) {
          w.StartArray();
          TRIBUTARY_RETURN_IF_ERROR(WriteValue(w, key_schema, e.key, opt));
          TRIBUTARY_RETURN_IF_ERROR(WriteValue(w, value_schema, e.value, opt));
          w.EndArray();
        }
        w.EndArray();
      }
      return Status::Ok();
    }
    case ValueKind::kStruct: {
      const Struct& s = value.as_struct();
      // Without a schema, a struct is written with its own (Connect rejects it instead).
      const SchemaPtr& struct_schema = schema ? schema : s.schema();
      if (!struct_schema || !SchemaEquals(s.schema(), struct_schema)) {
        return Status::DataError("Mismatching schema.");
      }
      w.StartObject();
      // One value per field of struct_schema, which equals the struct's own.
      const std::span<const Value> values = s.values();
      if (opt.field_keys != nullptr) {
        const JsonFieldKeys::Entry& keys = opt.field_keys->Get(struct_schema);
        const std::vector<Field>& fields = struct_schema->fields();
        for (size_t i = 0; i < fields.size(); ++i) {
          w.RenderedKey(keys.Key(i));
          const Value& field_value = values[static_cast<size_t>(fields[i].index)];
          if (WritePlainLeaf(w, fields[i].schema.get(), field_value)) continue;
          TRIBUTARY_RETURN_IF_ERROR(WriteValue(w, fields[i].schema, field_value, opt));
        }
      } else {
        for (const Field& field : struct_schema->fields()) {
          WriteKey(w, field.name);
          TRIBUTARY_RETURN_IF_ERROR(
              WriteValue(w, field.schema, values[static_cast<size_t>(field.index)], opt));
        }
      }
      w.EndObject();
      return Status::Ok();
    }
  }
  return Status::Internal("unhandled value kind");
}

// ---- JSON -> Connect

std::string Found(const JsonNode& node) { return JsonNodeTypeName(node.type); }

// An integer from a JSON number written as an integer or as an exact integral decimal ("1.0",
// "1e2"); nullopt when it has a fraction or does not fit in int64.
std::optional<int64_t> IntegralValue(const JsonNode& node) {
  std::string digits;
  const std::string* text = &node.text;
  if (!node.IsIntegral()) {
    Result<DecimalValue> d = DecimalValue::Parse(node.text);
    if (!d.ok()) return std::nullopt;
    std::string u = d->unscaled;
    int64_t scale = d->scale;
    while (scale > 0 && u.size() > 1 && u.back() == '0') {
      u.pop_back();
      --scale;
    }
    if (u == "0") scale = 0;
    if (scale > 0 || scale < -20) return std::nullopt;
    u.append(static_cast<size_t>(-scale), '0');
    digits = std::move(u);
    text = &digits;
  }
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || ptr != text->data() + text->size()) return std::nullopt;
  return v;
}

Result<Value> IntegerValue(const JsonNode& node, SchemaType type) {
  if (node.type != JsonNode::Type::kNumber) {
    return Status::DataError("Invalid JSON for " + UpperTypeName(type) +
                             " field: expected a number but found " + Found(node));
  }
  std::optional<int64_t> v = IntegralValue(node);
  int64_t lo = std::numeric_limits<int64_t>::min();
  int64_t hi = std::numeric_limits<int64_t>::max();
  if (type == SchemaType::kInt8) {
    lo = INT8_MIN;
    hi = INT8_MAX;
  } else if (type == SchemaType::kInt16) {
    lo = INT16_MIN;
    hi = INT16_MAX;
  } else if (type == SchemaType::kInt32) {
    lo = INT32_MIN;
    hi = INT32_MAX;
  }
  if (!v || *v < lo || *v > hi) {
    return Status::DataError("Invalid JSON for " + UpperTypeName(type) + " field: " + node.text +
                             " is not an integer in range");
  }
  switch (type) {
    case SchemaType::kInt8:
      return Value::Int8(static_cast<int8_t>(*v));
    case SchemaType::kInt16:
      return Value::Int16(static_cast<int16_t>(*v));
    case SchemaType::kInt32:
      return Value::Int32(static_cast<int32_t>(*v));
    default:
      return Value::Int64(*v);
  }
}

template <typename T>
std::optional<T> FloatingValue(const JsonNode& node) {
  if (node.type == JsonNode::Type::kString) {
    // Jackson writes non-finite numbers as these strings.
    if (node.text == "NaN") return std::numeric_limits<T>::quiet_NaN();
    if (node.text == "Infinity") return std::numeric_limits<T>::infinity();
    if (node.text == "-Infinity") return -std::numeric_limits<T>::infinity();
    return std::nullopt;
  }
  if (node.type != JsonNode::Type::kNumber) return std::nullopt;
  T v{};
  auto [ptr, ec] = std::from_chars(node.text.data(), node.text.data() + node.text.size(), v);
  if (ec != std::errc() || ptr != node.text.data() + node.text.size()) return std::nullopt;
  return v;
}

Result<DecimalValue> Rescale(const DecimalValue& d, int32_t scale) {
  if (d.scale == scale) return d;
  if (d.unscaled == "0") return DecimalValue{"0", scale};
  if (scale > d.scale) {
    int64_t extra = static_cast<int64_t>(scale) - d.scale;
    if (extra > kMaxRescaleDigits) {
      return Status::DataError("Decimal value " + d.ToString() + " cannot be rescaled to scale " +
                               std::to_string(scale));
    }
    DecimalValue out = d;
    out.unscaled.append(static_cast<size_t>(extra), '0');
    out.scale = scale;
    return out;
  }
  int64_t drop = static_cast<int64_t>(d.scale) - scale;
  std::string u = d.unscaled;
  bool negative = !u.empty() && u[0] == '-';
  size_t digits = u.size() - (negative ? 1 : 0);
  if (static_cast<int64_t>(digits) <= drop ||
      u.find_first_not_of('0', u.size() - static_cast<size_t>(drop)) != std::string::npos) {
    return Status::DataError("Decimal value " + d.ToString() +
                             " has more fractional digits than the schema's scale " +
                             std::to_string(scale));
  }
  u.resize(u.size() - static_cast<size_t>(drop));
  return DecimalValue{u, scale};
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (!IsJsonSpace(c)) return false;
  }
  return true;
}

// The length of `{"schema":<schema>,"payload":` in `input`, whose schema object ends at
// `schema_end`: the bytes every record with this schema starts with. 0 when the text after the
// schema is not `,"payload":` (whitespace aside), e.g. when the key is written with escapes.
size_t EnvelopePrefixLength(std::string_view input, size_t schema_end) {
  size_t i = schema_end;
  auto skip_space = [&] {
    while (i < input.size() && IsJsonSpace(input[i])) ++i;
  };
  auto expect = [&](std::string_view literal) {
    skip_space();
    if (input.substr(i, literal.size()) != literal) return false;
    i += literal.size();
    return true;
  };
  if (!expect(",") || !expect("\"payload\"") || !expect(":")) return 0;
  return i;
}

// Whether SchemaGuidedReader can read values of `schema`: anything but arrays and maps.
bool SchemaGuidedReadable(const Schema& schema) {
  switch (schema.type()) {
    case SchemaType::kArray:
    case SchemaType::kMap:
      return false;
    case SchemaType::kStruct:
      return std::all_of(schema.fields().begin(), schema.fields().end(),
                         [](const Field& f) { return SchemaGuidedReadable(*f.schema); });
    default:
      return true;
  }
}

// The bytes of the UTF-8 sequence at `p` (which starts with a byte from 0x80 up), or 0 if it is
// not well-formed (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), exactly
// the sequences rapidjson's validating reader accepts.
size_t Utf8SequenceLength(const char* p, const char* end) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(p[i]); };
  auto in = [&](size_t i, unsigned lo, unsigned hi) {
    return p + i < end && byte(i) >= lo && byte(i) <= hi;
  };
  const unsigned c = byte(0);
  if (c >= 0xC2 && c <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    unsigned lo = c == 0xE0 ? 0xA0 : 0x80;
    unsigned hi = c == 0xED ? 0x9F : 0xBF;
    return in(1, lo, hi) && in(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    unsigned lo = c == 0xF0 ? 0x90 : 0x80;
    unsigned hi = c == 0xF4 ? 0x8F : 0xBF;
    return in(1, lo, hi) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

// Reads the JSON text of one value straight into a Connect value by following its schema, with
// no JsonNode tree in between: the payload of records that repeat a schema
// (ToConnectDataSameSchema). It reads the shapes records usually have (structs, primitives,
// bytes, logical types, nulls and defaults) and gives up on anything else: arrays and maps
// (SchemaGuidedReadable), a number with an exponent or an integer part of over 300 digits, a \u
// escape, a float written as a string ("NaN"), a struct member the schema lacks or one given
// twice, a value ParseJson + ToConnect would reject, malformed JSON. Giving up (nullopt) sends
// the record to that full parse, so a value returned here is the one it would return, and every
// error comes from it.
class SchemaGuidedReader {
 public:
  // `text`: one JSON value, whitespace around it allowed (what ParseJson takes).
  SchemaGuidedReader(std::string_view text, bool replace_null_with_default)
      : p_(text.data()),
        end_(text.data() + text.size()),
        replace_null_with_default_(replace_null_with_default) {}

  std::optional<Value> Read(const SchemaPtr& schema) {
    Value value;
    if (!ReadValue(schema, &value)) return std::nullopt;
    SkipSpace();
    if (p_ != end_) return std::nullopt;
    return value;
  }

 private:
  // The largest integer part read; rapidjson rejects numbers above ~1.8e308 ("too big").
  static constexpr ptrdiff_t kMaxIntegerDigits = 300;

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  void SkipSpace() {
    while (p_ != end_ && IsJsonSpace(*p_)) ++p_;
  }
  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()))
      return false;
    p_ += word.size();
    return true;
  }

  // ToConnect's value for a null or missing JSON value: the default, null, or (required field)
  // an error, which gives up.
  bool NullValue(const Schema& schema, Value* out) const {
    if (schema.default_value() != nullptr && replace_null_with_default_) {
      *out = *schema.default_value();
      return true;
    }
    if (!schema.optional()) return false;
    *out = Value();
    return true;
  }

  bool ReadValue(const SchemaPtr& schema_ptr, Value* out) {
    SkipSpace();
    if (p_ == end_) return false;
    const Schema& schema = *schema_ptr;
    if (*p_ == 'n') return Literal("null") && NullValue(schema, out);
    if (schema.name()) {
      if (schema.IsLogical(Decimal::kLogicalName)) return ReadDecimal(schema, out);
      bool date_or_time =
          schema.IsLogical(Date::kLogicalName) || schema.IsLogical(Time::kLogicalName);
      if (date_or_time || schema.IsLogical(Timestamp::kLogicalName)) {
        int64_t v = 0;
        if (!ReadInteger(&v)) return false;
        if (!date_or_time) {
          *out = Value::Int64(v);
        } else if (v >= INT32_MIN && v <= INT32_MAX) {
          *out = Value::Int32(static_cast<int32_t>(v));
        } else {
          return false;
        }
        return true;
      }
    }
    switch (schema.type()) {
      case SchemaType::kBoolean:
        if (Literal("true")) {
          *out = Value::Boolean(true);
        } else if (Literal("false")) {
          *out = Value::Boolean(false);
        } else {
          return false;
        }
        return true;
      case SchemaType::kInt8:
        return ReadBoundedInteger<int8_t>(out, &Value::Int8);
      case SchemaType::kInt16:
        return ReadBoundedInteger<int16_t>(out, &Value::Int16);
      case SchemaType::kInt32:
        return ReadBoundedInteger<int32_t>(out, &Value::Int32);
      case SchemaType::kInt64:
        return ReadBoundedInteger<int64_t>(out, &Value::Int64);
      case SchemaType::kFloat32:
        return ReadFloating<float>(out, &Value::Float32);
      case SchemaType::kFloat64:
        return ReadFloating<double>(out, &Value::Float64);
      case SchemaType::kString: {
        std::string s;
        if (!ReadString(&s)) return false;
        *out = Value::String(std::move(s));
        return true;
      }
      case SchemaType::kBytes: {
        std::string s;
        if (!ReadString(&s)) return false;
        std::optional<std::string> raw = Base64Decode(s);
        if (!raw) return false;
        *out = Value::BytesValue(ToBytes(*raw));
        return true;
      }
      case SchemaType::kStruct:
        return ReadStruct(schema_ptr, out);
      default:
        return false;
    }
  }

  // A number as rapidjson accepts it, without an exponent; `integral`: without a fraction.
  bool ReadNumber(std::string_view* token, bool* integral) {
    const char* start = p_;
    if (p_ != end_ && *p_ == '-') ++p_;
    const char* digits = p_;
    if (p_ == end_ || !IsDigit(*p_)) return false;
    if (*p_++ != '0') {
      while (p_ != end_ && IsDigit(*p_)) ++p_;
    }
    if (p_ - digits > kMaxIntegerDigits) return false;
    *integral = true;
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      while (p_ != end_ && IsDigit(*p_)) ++p_;
      *integral = false;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) return false;
    *token = std::string_view(start, static_cast<size_t>(p_ - start));
    return true;
  }
  // An integer written without fraction or exponent, within int64.
  bool ReadInteger(int64_t* v) {
    std::string_view token;
    bool integral = false;
    if (!ReadNumber(&token, &integral) || !integral) return false;
    bool negative = token[0] == '-';
    if (token.size() - negative <= 18) {  // below 10^18: no overflow, and no call
      int64_t u = 0;
      for (size_t i = negative; i < token.size(); ++i) u = u * 10 + (token[i] - '0');
      *v = negative ? -u : u;
      return true;
    }
    auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), *v);
    return ec == std::errc() && ptr == token.data() + token.size();
  }
  template <typename T>
  bool ReadBoundedInteger(Value* out, Value (*make)(T)) {
    int64_t v = 0;
    if (!ReadInteger(&v)) return false;
    if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) return false;
    *out = make(static_cast<T>(v));
    return true;
  }
  template <typename T>
  bool ReadFloating(Value* out, Value (*make)(T)) {
    std::string_view token;
    bool integral = false;
    if (!ReadNumber(&token, &integral)) return false;
    T v{};
    auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
    if (ec != std::errc() || ptr != token.data() + token.size()) return false;
    *out = make(v);
    return true;
  }
  bool ReadDecimal(const Schema& schema, Value* out) {
    Result<int32_t> scale = Decimal::ScaleOf(schema);
    if (!scale.ok()) return false;
    if (*p_ == '"') {
      std::string s;
      if (!ReadString(&s)) return false;
      std::optional<std::string> raw = Base64Decode(s);
      if (!raw || raw->empty()) return false;
      *out = Value::DecimalValue(DecimalValue::FromUnscaledBytes(ToBytes(*raw), *scale));
      return true;
    }
    std::string_view token;
    bool integral = false;
    if (!ReadNumber(&token, &integral)) return false;
    Result<DecimalValue> d = DecimalValue::Parse(token);
    if (!d.ok()) return false;
    Result<DecimalValue> rescaled = Rescale(*d, *scale);
    if (!rescaled.ok()) return false;
    *out = Value::DecimalValue(std::move(rescaled).value());
    return true;
  }

  // A string at p_, decoded into `out`.
  bool ReadString(std::string* out) {
    if (p_ == end_ || *p_ != '"') return false;
    const char* run = ++p_;  // bytes copied as they are, from here to p_
    while (p_ != end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out->append(run, p_);
        ++p_;
        return true;
      }
      if (c == '\\') {
        out->append(run, p_);
        if (++p_ == end_) return false;
        switch (*p_++) {
          case '"':
            out->push_back('"');
            break;
          case '\\':
            out->push_back('\\');
            break;
          case '/':
            out->push_back('/');
            break;
          case 'b':
            out->push_back('\b');
            break;
          case 'f':
            out->push_back('\f');
            break;
          case 'n':
            out->push_back('\n');
            break;
          case 'r':
            out->push_back('\r');
            break;
          case 't':
            out->push_back('\t');
            break;
          default:  // \u, or not an escape
            return false;
        }
        run = p_;
      } else if (c < 0x20) {
        return false;
      } else if (c < 0x80) {
        ++p_;
      } else {
        size_t n = Utf8SequenceLength(p_, end_);
        if (n == 0) return false;
        p_ += n;
      }
    }
    return false;
  }
  // A member name at p_ written without escapes (its bytes are the name).
  bool ReadKey(std::string_view* key) {
    if (p_ == end_ || *p_ != '"') return false;
    const char* start = ++p_;
    while (p_ != end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        *key = std::string_view(start, static_cast<size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c == '\\' || c < 0x20) return false;
      if (c < 0x80) {
        ++p_;
      } else {
        size_t n = Utf8SequenceLength(p_, end_);
        if (n == 0) return false;
        p_ += n;
      }
    }
    return false;
  }

  bool ReadStruct(const SchemaPtr& schema, Value* out) {
    if (*p_ != '{') return false;
    ++p_;
    const std::vector<Field>& fields = schema->fields();
    const size_t n = fields.size();
    Struct result(schema);
    FieldSet seen(n);  // to find the fields missing and give up on repeated ones
    size_t next = 0;   // members usually come in the schema's order
    SkipSpace();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
    } else {
      while (true) {
        SkipSpace();
        std::string_view key;
        if (!ReadKey(&key)) return false;
        size_t i = next;
        if (i >= n || fields[i].name != key) {
          i = 0;
          while (i < n && fields[i].name != key) ++i;
          if (i == n) return false;
        }
        if (!seen.Insert(i)) return false;
        next = i + 1;
        SkipSpace();
        if (p_ == end_ || *p_ != ':') return false;
        ++p_;
        if (!ReadValue(fields[i].schema, &result.at(fields[i].index))) return false;
        SkipSpace();
        if (p_ == end_) return false;
        if (*p_ == '}') {
          ++p_;
          break;
        }
        if (*p_ != ',') return false;
        ++p_;
      }
    }
    for (size_t i = 0; i < n; ++i) {
      if (seen.Contains(i)) continue;
      if (!NullValue(*fields[i].schema, &result.at(fields[i].index))) return false;
    }
    *out = Value::StructValue(std::move(result));
    return true;
  }

  // The fields of a struct read so far: bits of one word for up to 64 fields, a vector beyond.
  class FieldSet {
   public:
    explicit FieldSet(size_t n) {
      if (n > 64) large_.resize(n);
    }
    // Adds field `i`; false if it was there already.
    bool Insert(size_t i) {
      if (Contains(i)) return false;
      if (large_.empty()) {
        small_ |= uint64_t{1} << i;
      } else {
        large_[i] = true;
      }
      return true;
    }
    bool Contains(size_t i) const {
      return large_.empty() ? (small_ >> i & 1) != 0 : static_cast<bool>(large_[i]);
    }

   private:
    uint64_t small_ = 0;
    std::vector<bool> large_;
  };

  const char* p_;
  const char* end_;
  const bool replace_null_with_default_;
};

}  // namespace

JsonConverter::JsonConverter() : from_connect_schema_cache_(1000), to_connect_schema_cache_(1000) {}

JsonConverter::~JsonConverter() = default;

const ConfigDef& JsonConverter::ConfigDefinition() {
  static const ConfigDef def = [] {
    ConfigDef d;
    d.Define(kSchemasEnableConfig, ConfigType::kBoolean, "true", Importance::kHigh,
             "Include schemas within each of the serialized values and keys: every message is an "
             "envelope {\"schema\": ..., \"payload\": ...}.");
    d.Define(kSchemasCacheSizeConfig, ConfigType::kInt, "1000", Importance::kHigh,
             "The maximum number of schemas that can be cached in this converter instance.",
             validators::AtLeast(0));
    d.Define(kDecimalFormatConfig, ConfigType::kString, "BASE64", Importance::kLow,
             "How DECIMAL logical values are written: BASE64 (base64 of the two's complement "
             "unscaled bytes) or NUMERIC (a JSON number).",
             validators::OneOf({"BASE64", "NUMERIC"}), "[BASE64, NUMERIC]");
    d.Define(kReplaceNullWithDefaultConfig, ConfigType::kBoolean, "true", Importance::kLow,
             "Whether to replace fields that have a default value and that are null with the "
             "default value. When false, null is written and read as null.");
    return d;
  }();
  return def;
}

Status JsonConverter::Configure(const ConfigMap& configs, bool /*is_key*/) {
  Result<ParsedConfig> parsed = ConfigDefinition().Parse(configs);
  if (!parsed.ok()) return parsed.status();
  schemas_enabled_ = parsed->GetBool(kSchemasEnableConfig);
  replace_null_with_default_ = parsed->GetBool(kReplaceNullWithDefaultConfig);
  std::string format = parsed->GetString(kDecimalFormatConfig);
  for (char& c : format) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  decimal_format_ = format == "NUMERIC" ? DecimalFormat::kNumeric : DecimalFormat::kBase64;
  auto cache_size = static_cast<size_t>(parsed->GetLong(kSchemasCacheSizeConfig));
  from_connect_schema_cache_ = decltype(from_connect_schema_cache_)(cache_size);
  to_connect_schema_cache_ = decltype(to_connect_schema_cache_)(cache_size);
  envelope_prefix_.clear();
  envelope_schema_.reset();
  return Status::Ok();
}

Result<std::string> JsonConverter::SchemaToJson(const SchemaPtr& schema) {
  TRIBUTARY_ASSIGN_OR_RETURN(const std::string* text, CachedSchemaJson(schema));
  return *text;
}

Result<const std::string*> JsonConverter::CachedSchemaJson(const SchemaPtr& schema) {
  static const std::string kNull = "null";
  if (!schema) return &kNull;
  if (const auto* cached = from_connect_schema_cache_.Get(schema.get())) return &cached->second;
  std::string text;
  {
    JsonWriter w(text);
    WriteOptions opt{decimal_format_, replace_null_with_default_};
    TRIBUTARY_RETURN_IF_ERROR(WriteSchema(w, *schema, opt));
  }
  from_connect_schema_cache_.Put(schema.get(), {schema, text});
  if (const auto* cached = from_connect_schema_cache_.Get(schema.get())) return &cached->second;
  uncached_schema_json_ = std::move(text);  // schemas.cache.size=0
  return &uncached_schema_json_;
}

Result<std::optional<std::string>> JsonConverter::FromConnectData(const std::string& /*topic*/,
                                                                  const SchemaPtr& schema,
                                                                  const Value& value) {
  if (!schema && value.is_null()) return std::optional<std::string>();
  // One output buffer, sized once from the cached schema text (most of the bytes) and the last
  // payload's size with some slack; the payload is written straight into it.
  static constexpr std::string_view kSchemaPrefix = "{\"schema\":";
  static constexpr std::string_view kPayloadPrefix = ",\"payload\":";
  const std::string* schema_json = nullptr;
  if (schemas_enabled_) {
    TRIBUTARY_ASSIGN_OR_RETURN(schema_json, CachedSchemaJson(schema));
  }
  std::string out;
  size_t envelope = schema_json == nullptr
                        ? 0
                        : kSchemaPrefix.size() + schema_json->size() + kPayloadPrefix.size() + 1;
  out.reserve(envelope + payload_size_hint_);
  if (schema_json != nullptr) out.append(kSchemaPrefix).append(*schema_json).append(kPayloadPrefix);
  size_t payload_start = out.size();
  {
    JsonWriter w(out, payload_size_hint_);
    if (!field_keys_.keys) field_keys_.keys = std::make_shared<JsonFieldKeys>();
    field_keys_.keys->Trim();
    WriteOptions opt{decimal_format_, replace_null_with_default_, field_keys_.keys.get()};
    TRIBUTARY_RETURN_IF_ERROR(WriteValue(w, schema, value, opt));
    size_t payload_size = w.written() - payload_start;
    payload_size_hint_ = payload_size + payload_size / 8 + 16;
  }
  if (schema_json != nullptr) out.push_back('}');
  return std::optional<std::string>(std::move(out));
}

Result<SchemaAndValue> JsonConverter::ToConnectData(const std::string& /*topic*/,
                                                    std::optional<std::string_view> bytes) {
  if (!bytes) return SchemaAndValue{};
  if (IsBlank(*bytes)) {
    // Jackson reads no content as a missing node: no envelope, or a schemaless null.
    if (schemas_enabled_) return Status::DataError(kEnvelopeError);
    return SchemaAndValue{};
  }
  if (schemas_enabled_) {
    if (auto same = ToConnectDataSameSchema(*bytes)) return std::move(*same);
  }
  Result<JsonNode> parsed = ParseJson(*bytes);
  if (!parsed.ok()) {
    return Status::DataError(
        "Converting byte[] to Kafka Connect data failed due to serialization error: " +
        parsed.status().message());
  }
  const JsonNode& root = *parsed;
  envelope_prefix_.clear();
  envelope_schema_.reset();
  if (!schemas_enabled_) {
    TRIBUTARY_ASSIGN_OR_RETURN(Value value, ToConnect(nullptr, &root));
    return SchemaAndValue{nullptr, std::move(value)};
  }
  const JsonNode* schema_node = root.Get(kSchemaField);
  const JsonNode* payload_node = root.Get(kPayloadField);
  if (root.type != JsonNode::Type::kObject || root.keys.size() != 2 || schema_node == nullptr ||
      payload_node == nullptr) {
    return Status::DataError(kEnvelopeError);
  }
  TRIBUTARY_ASSIGN_OR_RETURN(SchemaPtr schema, AsConnectSchema(*schema_node, *bytes, 0));
  TRIBUTARY_ASSIGN_OR_RETURN(Value value, ToConnect(schema, payload_node));
  if (schema && root.keys[0] == kSchemaField && to_connect_schema_cache_.capacity() > 0) {
    size_t prefix = EnvelopePrefixLength(*bytes, schema_node->raw_end);
    if (prefix > 0) {
      envelope_prefix_.assign(bytes->substr(0, prefix));
      envelope_schema_ = schema;
      envelope_schema_guided_ = SchemaGuidedReadable(*schema);
    }
  }
  return SchemaAndValue{std::move(schema), std::move(value)};
}

std::optional<Result<SchemaAndValue>> JsonConverter::ToConnectDataSameSchema(
    std::string_view bytes) {
  if (envelope_prefix_.empty() || !bytes.starts_with(envelope_prefix_)) return std::nullopt;
  std::string_view rest = bytes.substr(envelope_prefix_.size());
  size_t last = rest.size();
  while (last > 0 && IsJsonSpace(rest[last - 1])) --last;
  if (last == 0 || rest[last - 1] != '}') return std::nullopt;
  // The payload and nothing else: a trailing member or bracket makes the parse fail.
  std::string_view payload_text = rest.substr(0, last - 1);
  if (envelope_schema_guided_) {
    std::optional<Value> value =
        SchemaGuidedReader(payload_text, replace_null_with_default_).Read(envelope_schema_);
    if (value) {
      ++schema_guided_reads_;
      return Result<SchemaAndValue>(SchemaAndValue{envelope_schema_, std::move(*value)});
    }
  }
  Result<JsonNode> payload = ParseJson(payload_text);
  if (!payload.ok()) return std::nullopt;
  Result<Value> value = ToConnect(envelope_schema_, &*payload);
  if (!value.ok()) return Result<SchemaAndValue>(value.status());
  return Result<SchemaAndValue>(SchemaAndValue{envelope_schema_, std::move(*value)});
}

Result<SchemaPtr> JsonConverter::AsConnectSchema(const JsonNode& node, std::string_view input,
                                                 int depth) {
  if (node.IsNull()) return SchemaPtr();
  std::string cache_key;
  if (depth == 0 && node.type == JsonNode::Type::kObject && node.raw_end <= input.size() &&
      node.raw_begin < node.raw_end && input[node.raw_begin] == '{' &&
      input[node.raw_end - 1] == '}') {
    cache_key.assign(input.substr(node.raw_begin, node.raw_end - node.raw_begin));
    if (const SchemaPtr* cached = to_connect_schema_cache_.Get(cache_key)) return *cached;
  }

  const JsonNode* type_node = node.Get("type");
  if (type_node == nullptr || type_node->type != JsonNode::Type::kString) {
    return Status::DataError("Schema must contain 'type' field");
  }
  std::optional<SchemaType> type = SchemaTypeFromName(type_node->text);
  if (!type) return Status::DataError("Unknown schema type: " + type_node->text);

  std::optional<SchemaBuilder> builder;
  switch (*type) {
    case SchemaType::kArray: {
      const JsonNode* items = node.Get("items");
      if (items == nullptr || items->IsNull()) {
        return Status::DataError("Array schema did not specify the element type");
      }
      TRIBUTARY_ASSIGN_OR_RETURN(SchemaPtr element, AsConnectSchema(*items, input, depth + 1));
      builder.emplace(SchemaBuilder::Array(std::move(element)));
      break;
    }
    case SchemaType::kMap: {
      const JsonNode* keys = node.Get("keys");
      if (keys == nullptr) return Status::DataError("Map schema did not specify the key type");
      const JsonNode* values = node.Get("values");
      if (values == nullptr) return Status::DataError("Map schema did not specify the value type");
      TRIBUTARY_ASSIGN_OR_RETURN(SchemaPtr key_schema, AsConnectSchema(*keys, input, depth + 1));
      TRIBUTARY_ASSIGN_OR_RETURN(SchemaPtr value_schema,
                                 AsConnectSchema(*values, input, depth + 1));
      builder.emplace(SchemaBuilder::Map(std::move(key_schema), std::move(value_schema)));
      break;
    }
    case SchemaType::kStruct: {
      builder.emplace(SchemaBuilder::Struct());
      const JsonNode* fields = node.Get("fields");
      if (fields == nullptr || fields->type != JsonNode::Type::kArray) {
        return Status::DataError("Struct schema's \"fields\" argument is not an array.");
      }
      for (const JsonNode& field : fields->elements) {
        const JsonNode* field_name = field.Get("field");
        if (field_name == nullptr || field_name->type != JsonNode::Type::kString) {
          return Status::DataError("Struct schema's field name not specified properly");
        }
        TRIBUTARY_ASSIGN_OR_RETURN(SchemaPtr field_schema,
                                   AsConnectSchema(field, input, depth + 1));
        builder->AddField(field_name->text, std::move(field_schema));
      }
      break;
    }
    default:
      builder.emplace(*type);
      break;
  }

  const JsonNode* optional = node.Get("optional");
  if (optional != nullptr && optional->type == JsonNode::Type::kBoolean && optional->boolean) {
    builder->Optional();
  }
  const JsonNode* name = node.Get("name");
  if (name != nullptr && name->type == JsonNode::Type::kString) builder->Name(name->text);
  const JsonNode* version = node.Get("version");
  if (version != nullptr && version->IsIntegral()) {
    int32_t v = 0;
    auto [ptr, ec] =
        std::from_chars(version->text.data(), version->text.data() + version->text.size(), v);
    if (ec == std::errc()) builder->Version(v);
  }
  const JsonNode* doc = node.Get("doc");
  if (doc != nullptr && doc->type == JsonNode::Type::kString) builder->Doc(doc->text);
  const JsonNode* params = node.Get("parameters");
  if (params != nullptr && params->type == JsonNode::Type::kObject) {
    for (size_t i = 0; i < params->keys.size(); ++i) {
      if (params->elements[i].type != JsonNode::Type::kString) {
        return Status::DataError("Schema parameters must have string values.");
      }
      builder->Parameter(params->keys[i], params->elements[i].text);
    }
  }
  const JsonNode* default_node = node.Get("default");
  if (default_node != nullptr) {
    Result<SchemaPtr> bare = builder->Build();
    if (!bare.ok()) return Status::DataError(bare.status().message());
    TRIBUTARY_ASSIGN_OR_RETURN(Value default_value, ToConnect(*bare, default_node));
    builder->DefaultValue(std::move(default_value));
  }
  Result<SchemaPtr> schema = builder->Build();
  if (!schema.ok()) return Status::DataError(schema.status().message());
  if (!cache_key.empty()) to_connect_schema_cache_.Put(std::move(cache_key), *schema);
  return std::move(schema).value();
}

Result<Value> JsonConverter::ToConnect(const SchemaPtr& schema, const JsonNode* node) {
  if (!schema) {
    // Schemaless: infer from the JSON node.
    if (node == nullptr) return Value();
    switch (node->type) {
      case JsonNode::Type::kNull:
        return Value();
      case JsonNode::Type::kBoolean:
        return Value::Boolean(node->boolean);
      case JsonNode::Type::kNumber: {
        if (node->IsIntegral()) {
          int64_t v = 0;
          auto [ptr, ec] =
              std::from_chars(node->text.data(), node->text.data() + node->text.size(), v);
          if (ec == std::errc()) return Value::Int64(v);
        }
        std::optional<double> d = FloatingValue<double>(*node);
        if (!d) return Status::DataError("JSON number " + node->text + " is out of range");
        return Value::Float64(*d);
      }
      case JsonNode::Type::kString:
        return Value::String(node->text);
      case JsonNode::Type::kArray: {
        Value::Array array;
        array.reserve(node->elements.size());
        for (const JsonNode& e : node->elements) {
          TRIBUTARY_ASSIGN_OR_RETURN(Value v, ToConnect(nullptr, &e));
          array.push_back(std::move(v));
        }
        return Value::ArrayValue(std::move(array));
      }
      case JsonNode::Type::kObject: {
        Value::Map map;
        map.reserve(node->elements.size());
        for (size_t i = 0; i < node->elements.size(); ++i) {
          TRIBUTARY_ASSIGN_OR_RETURN(Value v, ToConnect(nullptr, &node->elements[i]));
          // Jackson keeps the last of duplicate keys; so do we, keeping keys unique.
          auto it = std::find_if(map.begin(), map.end(), [&](const MapEntry& e) {
            return e.key.as_string() == node->keys[i];
          });
          if (it != map.end()) {
            it->value = std::move(v);
          } else {
            map.push_back(MapEntry{Value::String(node->keys[i]), std::move(v)});
          }
        }
        return Value::MapValue(std::move(map));
      }
    }
    return Status::Internal("unhandled JSON node type");
  }

  const SchemaType type = schema->type();
  if (node == nullptr || node->IsNull()) {
    if (schema->default_value() != nullptr && replace_null_with_default_) {
      return *schema->default_value();
    }
    if (schema->optional()) return Value();
    return Status::DataError("Invalid null value for required " + UpperTypeName(type) + " field");
  }

  if (schema->name()) {
    if (schema->IsLogical(Decimal::kLogicalName)) {
      TRIBUTARY_ASSIGN_OR_RETURN(int32_t scale, [&]() -> Result<int32_t> {
        Result<int32_t> s = Decimal::ScaleOf(*schema);
        if (!s.ok()) return Status::DataError(s.status().message());
        return s;
      }());
      if (node->type == JsonNode::Type::kNumber) {
        Result<DecimalValue> d = DecimalValue::Parse(node->text);
        if (!d.ok()) return Status::DataError(d.status().message());
        TRIBUTARY_ASSIGN_OR_RETURN(DecimalValue rescaled, Rescale(*d, scale));
        return Value::DecimalValue(std::move(rescaled));
      }
      if (node->type == JsonNode::Type::kString) {
        std::optional<std::string> raw = Base64Decode(node->text);
        if (!raw || raw->empty()) return Status::DataError("Invalid bytes for Decimal field");
        Bytes bytes(raw->begin(), raw->end());
        return Value::DecimalValue(DecimalValue::FromUnscaledBytes(bytes, scale));
      }
      return Status::DataError(
          "Invalid type for Decimal, underlying representation should be numeric or bytes but "
          "was " +
          Found(*node));
    }
    const char* logical = nullptr;
    if (schema->IsLogical(Date::kLogicalName)) logical = "Date";
    if (schema->IsLogical(Time::kLogicalName)) logical = "Time";
    if (logical != nullptr) {
      std::optional<int64_t> v =
          node->IsIntegral() ? IntegralValue(*node) : std::optional<int64_t>();
      if (!v || *v < INT32_MIN || *v > INT32_MAX) {
        return Status::DataError(std::string("Invalid type for ") + logical +
                                 ", underlying representation should be integer but was " +
                                 Found(*node));
      }
      return Value::Int32(static_cast<int32_t>(*v));
    }
    if (schema->IsLogical(Timestamp::kLogicalName)) {
      std::optional<int64_t> v =
          node->IsIntegral() ? IntegralValue(*node) : std::optional<int64_t>();
      if (!v) {
        return Status::DataError(
            "Invalid type for Timestamp, underlying representation should be integral but was " +
            Found(*node));
      }
      return Value::Int64(*v);
    }
  }

  switch (type) {
    case SchemaType::kBoolean:
      if (node->type != JsonNode::Type::kBoolean) {
        return Status::DataError("Invalid JSON for BOOLEAN field: expected a boolean but found " +
                                 Found(*node));
      }
      return Value::Boolean(node->boolean);
    case SchemaType::kInt8:
    case SchemaType::kInt16:
    case SchemaType::kInt32:
    case SchemaType::kInt64:
      return IntegerValue(*node, type);
    case SchemaType::kFloat32: {
      std::optional<float> v = FloatingValue<float>(*node);
      if (!v) {
        return Status::DataError(
            "Invalid JSON for FLOAT32 field: expected a number but found " +
            (node->type == JsonNode::Type::kNumber ? node->text : Found(*node)));
      }
      return Value::Float32(*v);
    }
    case SchemaType::kFloat64: {
      std::optional<double> v = FloatingValue<double>(*node);
      if (!v) {
        return Status::DataError(
            "Invalid JSON for FLOAT64 field: expected a number but found " +
            (node->type == JsonNode::Type::kNumber ? node->text : Found(*node)));
      }
      return Value::Float64(*v);
    }
    case SchemaType::kString:
      if (node->type != JsonNode::Type::kString) {
        return Status::DataError("Invalid JSON for STRING field: expected a string but found " +
                                 Found(*node));
      }
      return Value::String(node->text);
    case SchemaType::kBytes: {
      std::optional<std::string> raw =
          node->type == JsonNode::Type::kString ? Base64Decode(node->text) : std::nullopt;
      if (!raw) return Status::DataError("Invalid bytes field");
      return Value::BytesValue(ToBytes(*raw));
    }
    case SchemaType::kArray: {
      if (node->type != JsonNode::Type::kArray) {
        return Status::DataError("Arrays should be encoded as JSON arrays, but found " +
                                 Found(*node));
      }
      Value::Array array;
      array.reserve(node->elements.size());
      for (const JsonNode& e : node->elements) {
        TRIBUTARY_ASSIGN_OR_RETURN(Value v, ToConnect(schema->value_schema(), &e));
        array.push_back(std::move(v));
      }
      return Value::ArrayValue(std::move(array));
    }
    case SchemaType::kMap: {
      Value::Map map;
      if (schema->key_schema()->type() == SchemaType::kString) {
        if (node->type != JsonNode::Type::kObject) {
          return Status::DataError(
              "Maps with string fields should be encoded as JSON objects, but found " +
              Found(*node));
        }
        map.reserve(node->elements.size());
        for (size_t i = 0; i < node->elements.size(); ++i) {
          JsonNode key_node;
          key_node.type = JsonNode::Type::kString;
          key_node.text = node->keys[i];
          TRIBUTARY_ASSIGN_OR_RETURN(Value key, ToConnect(schema->key_schema(), &key_node));
          TRIBUTARY_ASSIGN_OR_RETURN(Value v,
                                     ToConnect(schema->value_schema(), &node->elements[i]));
          map.push_back(MapEntry{std::move(key), std::move(v)});
        }
      } else {
        if (node->type != JsonNode::Type::kArray) {
          return Status::DataError(
              "Maps with non-string fields should be encoded as JSON array of tuples, but found " +
              Found(*node));
        }
        map.reserve(node->elements.size());
        for (const JsonNode& entry : node->elements) {
          if (entry.type != JsonNode::Type::kArray) {
            return Status::DataError("Found invalid map entry instead of array tuple: " +
                                     Found(entry));
          }
          if (entry.elements.size() != 2) {
            return Status::DataError("Found invalid map entry, expected length 2 but found :" +
                                     std::to_string(entry.elements.size()));
          }
          TRIBUTARY_ASSIGN_OR_RETURN(Value key,
                                     ToConnect(schema->key_schema(), &entry.elements[0]));
          TRIBUTARY_ASSIGN_OR_RETURN(Value v,
                                     ToConnect(schema->value_schema(), &entry.elements[1]));
          map.push_back(MapEntry{std::move(key), std::move(v)});
        }
      }
      return Value::MapValue(std::move(map));
    }
    case SchemaType::kStruct: {
      if (node->type != JsonNode::Type::kObject) {
        return Status::DataError("Structs should be encoded as JSON objects, but found " +
                                 Found(*node));
      }
      Struct result(schema);
      for (const Field& field : schema->fields()) {
        TRIBUTARY_ASSIGN_OR_RETURN(Value v, ToConnect(field.schema, node->Get(field.name)));
        TRIBUTARY_RETURN_IF_ERROR(result.Put(field.name, std::move(v)));
      }
      return Value::StructValue(std::move(result));
    }
  }
  return Status::Internal("unhandled schema type");
}

}  // namespace tributary::runtime
