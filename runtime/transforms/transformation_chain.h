#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/predicate.h"
#include "runtime/api/transformation.h"

namespace tributary::runtime {

// The transforms of one task, in the order of the connector's `transforms` list, each with its
// optional predicate (Connect's TransformationChain + TransformationStage).
class TransformationChain {
 public:
  using TransformationFactory =
      std::function<Result<std::unique_ptr<Transformation>>(const std::string& class_name)>;
  using PredicateFactory =
      std::function<Result<std::unique_ptr<Predicate>>(const std::string& class_name)>;

  TransformationChain() = default;
  TransformationChain(TransformationChain&&) = default;
  TransformationChain& operator=(TransformationChain&&) = default;

  // Builds the chain from a connector config: `transforms`, `transforms.<a>.type`,
  // `transforms.<a>.predicate`, `transforms.<a>.negate`, `predicates`, `predicates.<p>.type`, and
  // each plugin's own keys under its prefix. InvalidConfig listing every error as
  // "<key>: <reason>" (validation errors name the key as Connect's do).
  static Result<TransformationChain> Build(const ConfigMap& connector_config,
                                           const TransformationFactory& new_transformation,
                                           const PredicateFactory& new_predicate);

  // Per-key errors of the transform and predicate keys (empty when valid), for config
  // validation.
  static std::map<std::string, std::vector<std::string>> Validate(
      const ConfigMap& connector_config, const TransformationFactory& new_transformation,
      const PredicateFactory& new_predicate);

  bool empty() const { return stages_.empty(); }

  // Applies every stage in order. Returns false when a stage dropped the record. On error,
  // `failed_class` (if given) receives the class name of the transform that failed, and the
  // record may be partially transformed.
  Result<bool> Apply(ConnectRecord& record, std::optional<int64_t> kafka_offset,
                     std::string* failed_class = nullptr) const;

 private:
  struct Stage {
    std::string alias;
    std::string class_name;
    std::unique_ptr<Transformation> transformation;
    std::shared_ptr<Predicate> predicate;  // shared: several transforms may use one predicate
    bool negate = false;
  };
  std::vector<Stage> stages_;
};

}  // namespace tributary::runtime
