// Fuzzes JsonConverter::ToConnectData with schemas enabled and disabled, and writes back what
// it read: any value the reader accepts must be writable by the writer.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/converters/json_converter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const char* enabled : {"true", "false"}) {
    for (const char* format : {"BASE64", "NUMERIC"}) {
      tributary::runtime::JsonConverter converter;
      if (!converter.Configure({{"schemas.enable", enabled}, {"decimal.format", format}}, false)
               .ok()) {
        __builtin_trap();
      }
      auto read = converter.ToConnectData("topic", input);
      if (!read.ok()) continue;
      // Reading twice exercises the schema cache.
      auto again = converter.ToConnectData("topic", input);
      if (!again.ok()) __builtin_trap();
      auto written = converter.FromConnectData("topic", read->schema, read->value);
      (void)written;  // may legitimately fail (e.g. a decimal scale that BASE64 cannot carry)
    }
  }
  return 0;
}
