// Fuzzes JsonConverter::ToConnectData with schemas enabled and disabled, and writes back what
// it read: any value the reader accepts must be writable by the writer. Also checks the shortcut
// for records that repeat the previous record's schema: a converter primed with one record must
// read `{"schema":<that schema>,"payload":<input>` exactly as a fresh converter does, for a schema
// with an array (payloads parsed into a JsonNode tree) and one without (payloads read straight
// into Connect values by the schema-guided reader).
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/converters/json_converter.h"

namespace {

using tributary::runtime::JsonConverter;

constexpr std::string_view kPrimer =
    R"({"schema":{"type":"struct","fields":[{"field":"id","type":"int64","optional":false},)"
    R"({"field":"tags","type":"array","items":{"type":"string"},"optional":true}],)"
    R"("optional":false},"payload":{"id":1,"tags":["a"]}})";

// A schema of every type the schema-guided payload reader handles (no arrays or maps), so that
// the shortcut reads payloads without a JsonNode tree.
constexpr std::string_view kGuidedPrimer =
    R"({"schema":{"type":"struct","fields":[{"field":"i8","type":"int8","optional":false},)"
    R"({"field":"i16","type":"int16","optional":true},{"field":"i32","type":"int32"},)"
    R"({"field":"i64","type":"int64","optional":true},{"field":"f","type":"float","optional":true},)"
    R"({"field":"d","type":"double","optional":true},{"field":"b","type":"boolean","optional":true},)"
    R"({"field":"s","type":"string","optional":true},{"field":"y","type":"bytes","optional":true},)"
    R"({"field":"m","type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal",)"
    R"("parameters":{"scale":"2"}},{"field":"t","type":"int64","optional":true,)"
    R"("name":"org.apache.kafka.connect.data.Timestamp"},{"field":"a","type":"int32",)"
    R"("optional":true,"name":"org.apache.kafka.connect.data.Date"},{"field":"e","type":"int32",)"
    R"("optional":true,"default":42},{"field":"n","type":"struct","optional":true,"fields":[)"
    R"({"field":"x","type":"int32"},{"field":"z","type":"string","optional":true,"default":"q"}]}],)"
    R"("optional":false},"payload":{"i8":1,"i32":2}})";

// Deep equality with floats compared bit for bit (so NaN equals itself, 0.0 differs from -0.0).
bool Same(const tributary::Value& a, const tributary::Value& b) {
  using tributary::ValueKind;
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case ValueKind::kFloat32:
      return std::bit_cast<uint32_t>(a.as_float32()) == std::bit_cast<uint32_t>(b.as_float32());
    case ValueKind::kFloat64:
      return std::bit_cast<uint64_t>(a.as_float64()) == std::bit_cast<uint64_t>(b.as_float64());
    case ValueKind::kArray:
      return std::equal(a.as_array().begin(), a.as_array().end(), b.as_array().begin(),
                        b.as_array().end(), Same);
    case ValueKind::kMap:
      return std::equal(a.as_map().begin(), a.as_map().end(), b.as_map().begin(), b.as_map().end(),
                        [](const auto& x, const auto& y) {
                          return Same(x.key, y.key) && Same(x.value, y.value);
                        });
    case ValueKind::kStruct:
      return tributary::SchemaEquals(a.as_struct().schema(), b.as_struct().schema()) &&
             std::equal(a.as_struct().values().begin(), a.as_struct().values().end(),
                        b.as_struct().values().begin(), b.as_struct().values().end(), Same);
    default:
      return a == b;
  }
}

// A converter primed with `primer` reads `{"schema":<its schema>,"payload":<input>` exactly as a
// fresh converter does (with the replace.null.with.default setting given).
void CheckRepeatedSchema(std::string_view primer, std::string_view payload_and_rest,
                         const char* replace_null_with_default = "true") {
  std::string input(primer.substr(0, primer.find("\"payload\":") + 10));
  input.append(payload_and_rest);
  JsonConverter primed;
  if (!primed.Configure({{"replace.null.with.default", replace_null_with_default}}, false).ok()) {
    __builtin_trap();
  }
  if (!primed.ToConnectData("topic", primer).ok()) __builtin_trap();
  JsonConverter fresh;
  if (!fresh.Configure({{"replace.null.with.default", replace_null_with_default}}, false).ok()) {
    __builtin_trap();
  }
  auto expected = fresh.ToConnectData("topic", input);
  auto actual = primed.ToConnectData("topic", input);
  if (expected.ok() != actual.ok()) __builtin_trap();
  if (!expected.ok()) {
    if (expected.status().message() != actual.status().message()) __builtin_trap();
    return;
  }
  if (!Same(expected->value, actual->value)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const char* enabled : {"true", "false"}) {
    for (const char* format : {"BASE64", "NUMERIC"}) {
      JsonConverter converter;
      if (!converter.Configure({{"schemas.enable", enabled}, {"decimal.format", format}}, false)
               .ok()) {
        __builtin_trap();
      }
      auto read = converter.ToConnectData("topic", input);
      if (!read.ok()) continue;
      // Reading twice exercises the schema cache and the repeated-schema shortcut.
      auto again = converter.ToConnectData("topic", input);
      if (!again.ok() || !(again->value == read->value)) __builtin_trap();
      auto written = converter.FromConnectData("topic", read->schema, read->value);
      (void)written;  // may legitimately fail (e.g. a decimal scale that BASE64 cannot carry)
    }
  }
  CheckRepeatedSchema(kPrimer, input);
  CheckRepeatedSchema(kGuidedPrimer, input);
  CheckRepeatedSchema(kGuidedPrimer, input, "false");
  // The input as the rest of a payload that has its required members: most mutations of a valid
  // rest (`"s":"x"}}`) stay readable by the schema-guided reader.
  CheckRepeatedSchema(kGuidedPrimer, std::string(R"({"i8":1,"i32":2,)").append(input));
  return 0;
}
