#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/api/connector.h"
#include "runtime/api/converter.h"
#include "runtime/api/predicate.h"
#include "runtime/api/transformation.h"

namespace tributary {

// How a connector makes itself known to the worker: its class name (the Java class name users
// already have in their configs, where there is one), extra aliases, and a factory.
// The worker also accepts the simple class name and the simple name without "Connector"
// (Connect's alias rules), so only aliases beyond those need listing.
struct ConnectorPlugin {
  std::string class_name;
  std::vector<std::string> aliases;
  ConnectorType type = ConnectorType::kSource;
  std::string version;
  std::function<std::unique_ptr<Connector>()> factory;
};

struct ConverterPlugin {
  std::string class_name;
  std::vector<std::string> aliases;
  std::string version;
  std::function<std::unique_ptr<Converter>()> factory;
};

struct HeaderConverterPlugin {
  std::string class_name;
  std::vector<std::string> aliases;
  std::string version;
  std::function<std::unique_ptr<HeaderConverter>()> factory;
};

// A transformation by its Java class name (with `$Key`/`$Value` for the variants, e.g.
// "org.apache.kafka.connect.transforms.Cast$Value").
struct TransformationPlugin {
  std::string class_name;
  std::vector<std::string> aliases;
  std::string version;
  std::function<std::unique_ptr<Transformation>()> factory;
};

struct PredicatePlugin {
  std::string class_name;
  std::vector<std::string> aliases;
  std::string version;
  std::function<std::unique_ptr<Predicate>()> factory;
};

}  // namespace tributary
