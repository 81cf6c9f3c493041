#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/api/converter.h"
#include "runtime/api/plugin_info.h"
#include "runtime/api/status.h"

namespace tributary::runtime {

// The connectors and converters this worker can run, found by Java class name or alias
// (Connect's Plugins). Aliases as Connect derives them: the simple class name, and the simple
// name without a trailing "Connector"/"Converter", plus any the plugin lists. Filled at start-up,
// read-only afterwards (so safe to share between threads).
// A plugin.path entry the loader could not use, or a library it loaded with a connector left out
// (a name already taken), and why.
struct PluginLoadProblem {
  std::string path;
  std::string reason;
};

class Plugins {
 public:
  void AddConnector(ConnectorPlugin plugin);
  void AddConverter(ConverterPlugin plugin);
  void AddHeaderConverter(HeaderConverterPlugin plugin);
  void AddTransformation(TransformationPlugin plugin);
  void AddPredicate(PredicatePlugin plugin);

  // The connector plugin named `name`, or NotFound with Connect's message listing what exists.
  Result<const ConnectorPlugin*> FindConnector(const std::string& name) const;
  // A new, unconfigured converter; NotFound naming `name` if unknown.
  Result<std::unique_ptr<Converter>> NewConverter(const std::string& name) const;
  Result<std::unique_ptr<HeaderConverter>> NewHeaderConverter(const std::string& name) const;
  // A new, unconfigured transformation / predicate; NotFound naming `name` if unknown.
  Result<std::unique_ptr<Transformation>> NewTransformation(const std::string& name) const;
  Result<std::unique_ptr<Predicate>> NewPredicate(const std::string& name) const;

  const std::vector<ConnectorPlugin>& connectors() const { return connectors_; }
  const std::vector<ConverterPlugin>& converters() const { return converters_; }
  const std::vector<HeaderConverterPlugin>& header_converters() const { return header_converters_; }
  const std::vector<TransformationPlugin>& transformations() const { return transformations_; }
  const std::vector<PredicatePlugin>& predicates() const { return predicates_; }

  // What the plugin loader could not load (GET /connector-plugins/diagnostics).
  void AddLoadProblem(PluginLoadProblem problem) { load_problems_.push_back(std::move(problem)); }
  const std::vector<PluginLoadProblem>& load_problems() const { return load_problems_; }

 private:
  std::vector<ConnectorPlugin> connectors_;
  std::vector<ConverterPlugin> converters_;
  std::vector<HeaderConverterPlugin> header_converters_;
  std::vector<TransformationPlugin> transformations_;
  std::vector<PredicatePlugin> predicates_;
  std::vector<PluginLoadProblem> load_problems_;
};

// True when `name` is `class_name`, one of `aliases`, or an alias Connect derives from the class
// name.
bool MatchesPluginName(const std::string& name, const std::string& class_name,
                       const std::vector<std::string>& aliases);

}  // namespace tributary::runtime
