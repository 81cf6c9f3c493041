#include "runtime/api/connector.h"

namespace tributary {

const char* ConnectorTypeName(ConnectorType type) {
  return type == ConnectorType::kSource ? "source" : "sink";
}

}  // namespace tributary
