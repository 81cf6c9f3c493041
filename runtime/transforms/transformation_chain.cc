#include "runtime/transforms/transformation_chain.h"

#include <map>
#include <set>

namespace tributary::runtime {

namespace {

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    size_t b = item.find_first_not_of(" \t");
    size_t e = item.find_last_not_of(" \t");
    if (b != std::string::npos) items.push_back(item.substr(b, e - b + 1));
    start = end + 1;
  }
  return items;
}

std::string Lookup(const ConfigMap& map, const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? std::string() : it->second;
}

ConfigMap WithPrefix(const ConfigMap& map, const std::string& prefix) {
  ConfigMap result;
  for (auto it = map.lower_bound(prefix);
       it != map.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    result[it->first.substr(prefix.size())] = it->second;
  }
  return result;
}

using Errors = std::map<std::string, std::vector<std::string>>;

// Creates the plugin named by `<prefix>type` with `factory`, or records Connect's error for a
// missing or unknown type and returns nullptr.
template <typename T>
std::unique_ptr<T> CreateAliased(
    const ConfigMap& config, const std::string& prefix,
    const std::function<Result<std::unique_ptr<T>>(const std::string&)>& factory, Errors& errors) {
  const std::string type = Lookup(config, prefix + "type");
  if (type.empty()) {
    errors[prefix + "type"].push_back("Missing required configuration \"" + prefix +
                                      "type\" which has no default value.");
    return nullptr;
  }
  auto created = factory(type);
  if (!created.ok()) {
    errors[prefix + "type"].push_back("Invalid value " + type + " for configuration " + prefix +
                                      "type: Class " + type + " could not be found.");
    return nullptr;
  }
  return std::move(*created);
}

// Builds the stages, collecting every error; `chain` may be null when only validating.
void BuildStages(const ConfigMap& config,
                 const TransformationChain::TransformationFactory& new_transformation,
                 const TransformationChain::PredicateFactory& new_predicate, Errors& errors,
                 std::vector<std::tuple<std::string, std::string, std::unique_ptr<Transformation>,
                                        std::shared_ptr<Predicate>, bool>>& out) {
  std::map<std::string, std::shared_ptr<Predicate>> predicates;
  std::set<std::string> seen;
  for (const std::string& alias : SplitList(Lookup(config, "predicates"))) {
    if (!seen.insert(alias).second) {
      errors["predicates"].push_back("Duplicate alias provided: " + alias);
      continue;
    }
    const std::string prefix = "predicates." + alias + ".";
    std::unique_ptr<Predicate> predicate = CreateAliased(config, prefix, new_predicate, errors);
    if (!predicate) continue;
    Status st = predicate->Configure(WithPrefix(config, prefix));
    if (!st.ok()) {
      errors[prefix + "type"].push_back(st.message());
      continue;
    }
    predicates[alias] = std::move(predicate);
  }
  seen.clear();
  std::set<std::string> used_predicates;
  for (const std::string& alias : SplitList(Lookup(config, "transforms"))) {
    if (!seen.insert(alias).second) {
      errors["transforms"].push_back("Duplicate alias provided: " + alias);
      continue;
    }
    const std::string prefix = "transforms." + alias + ".";
    std::unique_ptr<Transformation> transformation =
        CreateAliased(config, prefix, new_transformation, errors);
    if (!transformation) continue;
    ConfigMap own = WithPrefix(config, prefix);
    bool negate = false;
    const std::string negate_text = Lookup(own, "negate");
    if (!negate_text.empty()) {
      if (negate_text == "true" || negate_text == "TRUE" || negate_text == "True") {
        negate = true;
      } else if (negate_text != "false" && negate_text != "FALSE" && negate_text != "False") {
        errors[prefix + "negate"].push_back("Invalid value " + negate_text + " for configuration " +
                                            prefix +
                                            "negate: Expected value to be either true or false");
      }
    }
    std::shared_ptr<Predicate> predicate;
    const std::string predicate_alias = Lookup(own, "predicate");
    if (!predicate_alias.empty()) {
      auto it = predicates.find(predicate_alias);
      if (it == predicates.end()) {
        errors[prefix + "predicate"].push_back("Invalid value " + predicate_alias +
                                               " for configuration " + prefix +
                                               "predicate: Predicate alias not found in "
                                               "'predicates'");
      } else {
        predicate = it->second;
        used_predicates.insert(predicate_alias);
      }
    } else if (!negate_text.empty()) {
      errors[prefix + "negate"].push_back(
          "\"negate\" can only be used together with \"predicate\"");
    }
    own.erase("type");
    own.erase("predicate");
    own.erase("negate");
    Status st = transformation->Configure(own);
    if (!st.ok()) {
      errors[prefix + "type"].push_back(st.message());
      continue;
    }
    out.emplace_back(alias, Lookup(config, prefix + "type"), std::move(transformation),
                     std::move(predicate), negate);
  }
  for (const auto& [alias, predicate] : predicates) {
    if (!used_predicates.count(alias)) {
      errors["predicates"].push_back("Predicate " + alias +
                                     " is not referenced by any transform (`transforms.<alias>."
                                     "predicate`)");
    }
  }
}

}  // namespace

Result<TransformationChain> TransformationChain::Build(
    const ConfigMap& connector_config, const TransformationFactory& new_transformation,
    const PredicateFactory& new_predicate) {
  Errors errors;
  std::vector<std::tuple<std::string, std::string, std::unique_ptr<Transformation>,
                         std::shared_ptr<Predicate>, bool>>
      built;
  BuildStages(connector_config, new_transformation, new_predicate, errors, built);
  if (!errors.empty()) {
    std::string message;
    for (const auto& [key, list] : errors) {
      for (const auto& error : list) message += (message.empty() ? "" : "\n") + key + ": " + error;
    }
    return Status::InvalidConfig(message);
  }
  TransformationChain chain;
  for (auto& [alias, type, transformation, predicate, negate] : built) {
    chain.stages_.push_back({alias, type, std::move(transformation), std::move(predicate), negate});
  }
  return chain;
}

std::map<std::string, std::vector<std::string>> TransformationChain::Validate(
    const ConfigMap& connector_config, const TransformationFactory& new_transformation,
    const PredicateFactory& new_predicate) {
  Errors errors;
  std::vector<std::tuple<std::string, std::string, std::unique_ptr<Transformation>,
                         std::shared_ptr<Predicate>, bool>>
      built;
  BuildStages(connector_config, new_transformation, new_predicate, errors, built);
  return errors;
}

Result<bool> TransformationChain::Apply(ConnectRecord& record, std::optional<int64_t> kafka_offset,
                                        std::string* failed_class) const {
  for (const Stage& stage : stages_) {
    if (stage.predicate && stage.predicate->Test(record) == stage.negate) continue;
    Result<bool> keep = stage.transformation->Apply(record, kafka_offset);
    if (!keep.ok()) {
      if (failed_class) *failed_class = stage.class_name;
      return keep.status().WithContext("transform '" + stage.alias + "' (" + stage.class_name +
                                       ")");
    }
    if (!*keep) return false;
  }
  return true;
}

}  // namespace tributary::runtime
