#pragma once

// The converters built into the worker, by their Java class names. Registered explicitly (no
// static initialisers); the worker's plugin registry calls these once at start-up.

#include <vector>

#include "runtime/api/plugin_info.h"

namespace tributary::runtime {

// JsonConverter, StringConverter, ByteArrayConverter.
std::vector<ConverterPlugin> BuiltinConverters();
// SimpleHeaderConverter, and JsonConverter/StringConverter/ByteArrayConverter used for headers.
std::vector<HeaderConverterPlugin> BuiltinHeaderConverters();

}  // namespace tributary::runtime
