#pragma once

#include <vector>

#include "runtime/api/plugin_info.h"

namespace tributary::connectors {

// Every connector compiled into this binary, in registration order (connectors/CMakeLists.txt).
// Each call builds fresh ConnectorPlugin values; the factories create independent connectors.
// The definition is generated at configure time; registration is explicit, never by static
// initialisers.
std::vector<ConnectorPlugin> BuiltinConnectors();

}  // namespace tributary::connectors
