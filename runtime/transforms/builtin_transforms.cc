#include "runtime/transforms/builtin_transforms.h"

#include "runtime/transforms/transforms_internal.h"

namespace tributary::runtime {

namespace {

constexpr const char* kPackage = "org.apache.kafka.connect.transforms.";
constexpr const char* kVersion = "3.9.0";

}  // namespace

std::vector<TransformationPlugin> BuiltinTransformations() {
  using namespace transforms;
  std::vector<TransformationPlugin> plugins;
  auto add = [&](const std::string& name, std::function<std::unique_ptr<Transformation>()> f) {
    plugins.push_back({kPackage + name, {}, kVersion, std::move(f)});
  };
  // Transforms with $Key and $Value variants.
  auto add_variants = [&](const std::string& name,
                          std::unique_ptr<Transformation> (*factory)(bool)) {
    add(name + "$Key", [factory] { return factory(true); });
    add(name + "$Value", [factory] { return factory(false); });
  };
  add_variants("Cast", &NewCast);
  add("DropHeaders", &NewDropHeaders);
  add_variants("ExtractField", &NewExtractField);
  add("Filter", &NewFilter);
  add_variants("Flatten", &NewFlatten);
  add_variants("HeaderFrom", &NewHeaderFrom);
  add_variants("HoistField", &NewHoistField);
  add_variants("InsertField", &NewInsertField);
  add("InsertHeader", &NewInsertHeader);
  add_variants("MaskField", &NewMaskField);
  add("RegexRouter", &NewRegexRouter);
  add_variants("ReplaceField", &NewReplaceField);
  add_variants("SetSchemaMetadata", &NewSetSchemaMetadata);
  add_variants("TimestampConverter", &NewTimestampConverter);
  add("TimestampRouter", &NewTimestampRouter);
  add("ValueToKey", &NewValueToKey);
  plugins.push_back(
      {"io.debezium.transforms.ExtractNewRecordState", {}, "2.7.0", &NewExtractNewRecordState});
  return plugins;
}

std::vector<PredicatePlugin> BuiltinPredicates() {
  const std::string package = std::string(kPackage) + "predicates.";
  return {
      {package + "TopicNameMatches", {}, kVersion, &transforms::NewTopicNameMatches},
      {package + "HasHeaderKey", {}, kVersion, &transforms::NewHasHeaderKey},
      {package + "RecordIsTombstone", {}, kVersion, &transforms::NewRecordIsTombstone},
  };
}

}  // namespace tributary::runtime
