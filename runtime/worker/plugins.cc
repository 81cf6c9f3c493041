#include "runtime/worker/plugins.h"

#include <algorithm>

namespace tributary::runtime {

namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

template <typename PluginT>
const PluginT* FindPlugin(const std::vector<PluginT>& plugins, const std::string& name) {
  for (const auto& plugin : plugins) {
    if (MatchesPluginName(name, plugin.class_name, plugin.aliases)) return &plugin;
  }
  return nullptr;
}

}  // namespace

bool MatchesPluginName(const std::string& name, const std::string& class_name,
                       const std::vector<std::string>& aliases) {
  if (name == class_name) return true;
  if (std::find(aliases.begin(), aliases.end(), name) != aliases.end()) return true;
  std::string simple = class_name.substr(class_name.rfind('.') + 1);
  if (name == simple) return true;
  for (const char* suffix : {"Connector", "Converter"}) {
    if (EndsWith(simple, suffix) &&
        name == simple.substr(0, simple.size() - std::string(suffix).size())) {
      return true;
    }
  }
  return false;
}

void Plugins::AddConnector(ConnectorPlugin plugin) { connectors_.push_back(std::move(plugin)); }
void Plugins::AddConverter(ConverterPlugin plugin) { converters_.push_back(std::move(plugin)); }
void Plugins::AddHeaderConverter(HeaderConverterPlugin plugin) {
  header_converters_.push_back(std::move(plugin));
}

void Plugins::AddTransformation(TransformationPlugin plugin) {
  transformations_.push_back(std::move(plugin));
}
void Plugins::AddPredicate(PredicatePlugin plugin) { predicates_.push_back(std::move(plugin)); }

Result<std::unique_ptr<Transformation>> Plugins::NewTransformation(const std::string& name) const {
  if (const TransformationPlugin* plugin = FindPlugin(transformations_, name)) {
    return plugin->factory();
  }
  return Status::NotFound(
      "Failed to find any class that implements Transformation and which name matches " + name);
}

Result<std::unique_ptr<Predicate>> Plugins::NewPredicate(const std::string& name) const {
  if (const PredicatePlugin* plugin = FindPlugin(predicates_, name)) return plugin->factory();
  return Status::NotFound(
      "Failed to find any class that implements Predicate and which name matches " + name);
}

Result<const ConnectorPlugin*> Plugins::FindConnector(const std::string& name) const {
  if (const ConnectorPlugin* plugin = FindPlugin(connectors_, name)) return plugin;
  std::string available;
  for (const auto& plugin : connectors_) {
    if (!available.empty()) available += ", ";
    available += plugin.class_name;
  }
  return Status::NotFound(
      "Failed to find any class that implements Connector and which name matches " + name +
      ", available connectors are: " + available);
}

Result<std::unique_ptr<Converter>> Plugins::NewConverter(const std::string& name) const {
  if (const ConverterPlugin* plugin = FindPlugin(converters_, name)) return plugin->factory();
  return Status::NotFound(
      "Failed to find any class that implements Converter and which name matches " + name);
}

Result<std::unique_ptr<HeaderConverter>> Plugins::NewHeaderConverter(
    const std::string& name) const {
  if (const HeaderConverterPlugin* plugin = FindPlugin(header_converters_, name)) {
    return plugin->factory();
  }
  return Status::NotFound(
      "Failed to find any class that implements HeaderConverter and which name matches " + name);
}

}  // namespace tributary::runtime
