#include "runtime/transforms/transformation_chain.h"

#include <gtest/gtest.h>

#include "runtime/transforms/builtin_transforms.h"

namespace tributary::runtime {
namespace {

Result<TransformationChain> Build(const ConfigMap& config) {
  static const auto transformations = BuiltinTransformations();
  static const auto predicates = BuiltinPredicates();
  return TransformationChain::Build(
      config,
      [](const std::string& name) -> Result<std::unique_ptr<Transformation>> {
        for (const auto& p : transformations) {
          if (p.class_name == name || p.class_name.substr(p.class_name.rfind('.') + 1) == name) {
            return p.factory();
          }
        }
        return Status::NotFound(name);
      },
      [](const std::string& name) -> Result<std::unique_ptr<Predicate>> {
        for (const auto& p : predicates) {
          if (p.class_name == name || p.class_name.substr(p.class_name.rfind('.') + 1) == name) {
            return p.factory();
          }
        }
        return Status::NotFound(name);
      });
}

ConnectRecord Record(std::string topic, Value value) {
  ConnectRecord r;
  r.topic = std::move(topic);
  r.value = std::move(value);
  return r;
}

TEST(TransformationChainTest, AppliesTransformsInOrder) {
  auto chain = Build({{"transforms", "route, route2"},
                      {"transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter"},
                      {"transforms.route.regex", "(.*)"},
                      {"transforms.route.replacement", "$1-a"},
                      {"transforms.route2.type", "RegexRouter"},
                      {"transforms.route2.regex", "(.*)-a"},
                      {"transforms.route2.replacement", "$1-b"}});
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  ConnectRecord r = Record("orders", Value::String("x"));
  ASSERT_TRUE(*chain->Apply(r, std::nullopt));
  EXPECT_EQ(r.topic, "orders-b");
}

TEST(TransformationChainTest, PredicateAndNegateSelectRecords) {
  ConfigMap config{{"transforms", "drop"},
                   {"transforms.drop.type", "org.apache.kafka.connect.transforms.Filter"},
                   {"transforms.drop.predicate", "isTomb"},
                   {"predicates", "isTomb"},
                   {"predicates.isTomb.type",
                    "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone"}};
  auto chain = Build(config);
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  ConnectRecord tombstone = Record("t", Value());
  ConnectRecord live = Record("t", Value::String("v"));
  EXPECT_FALSE(*chain->Apply(tombstone, std::nullopt));
  EXPECT_TRUE(*chain->Apply(live, std::nullopt));

  config["transforms.drop.negate"] = "true";
  auto negated = Build(config);
  ASSERT_TRUE(negated.ok());
  EXPECT_TRUE(*negated->Apply(tombstone, std::nullopt));
  EXPECT_FALSE(*negated->Apply(live, std::nullopt));
}

TEST(TransformationChainTest, TopicNameMatchesAndHasHeaderKey) {
  auto chain = Build({{"transforms", "drop"},
                      {"transforms.drop.type", "Filter"},
                      {"transforms.drop.predicate", "p"},
                      {"predicates", "p"},
                      {"predicates.p.type", "TopicNameMatches"},
                      {"predicates.p.pattern", "audit-.*"}});
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  ConnectRecord audit = Record("audit-1", Value::String("v"));
  ConnectRecord other = Record("xaudit-1", Value::String("v"));
  EXPECT_FALSE(*chain->Apply(audit, std::nullopt));
  EXPECT_TRUE(*chain->Apply(other, std::nullopt));

  auto by_header = Build({{"transforms", "drop"},
                          {"transforms.drop.type", "Filter"},
                          {"transforms.drop.predicate", "h"},
                          {"predicates", "h"},
                          {"predicates.h.type", "HasHeaderKey"},
                          {"predicates.h.name", "skip"}});
  ASSERT_TRUE(by_header.ok());
  ConnectRecord with = Record("t", Value::String("v"));
  with.headers.push_back({"skip", nullptr, Value::String("1")});
  EXPECT_FALSE(*by_header->Apply(with, std::nullopt));
  EXPECT_TRUE(*by_header->Apply(other, std::nullopt));
}

TEST(TransformationChainTest, ValidationErrorsNameTheKey) {
  auto unknown = Build({{"transforms", "a"}, {"transforms.a.type", "NoSuchTransform"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("transforms.a.type"), std::string::npos);

  auto missing = Build({{"transforms", "a"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("Missing required configuration \"transforms.a.type\""),
            std::string::npos);

  auto bad_value = Build({{"transforms", "r"},
                          {"transforms.r.type", "RegexRouter"},
                          {"transforms.r.regex", "("},
                          {"transforms.r.replacement", "x"}});
  ASSERT_FALSE(bad_value.ok());
  EXPECT_NE(bad_value.status().message().find("regex"), std::string::npos);

  auto bad_predicate = Build(
      {{"transforms", "f"}, {"transforms.f.type", "Filter"}, {"transforms.f.predicate", "nope"}});
  ASSERT_FALSE(bad_predicate.ok());
  EXPECT_NE(bad_predicate.status().message().find("transforms.f.predicate"), std::string::npos);

  auto negate_alone = Build(
      {{"transforms", "f"}, {"transforms.f.type", "Filter"}, {"transforms.f.negate", "true"}});
  ASSERT_FALSE(negate_alone.ok());
  EXPECT_NE(negate_alone.status().message().find("transforms.f.negate"), std::string::npos);
}

TEST(TransformationChainTest, FailureNamesTheTransform) {
  auto chain = Build({{"transforms", "extract"},
                      {"transforms.extract.type", "ExtractField$Value"},
                      {"transforms.extract.field", "id"}});
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  ConnectRecord r = Record("t", Value::String("not a map"));
  std::string failed;
  auto result = chain->Apply(r, std::nullopt, &failed);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(failed, "ExtractField$Value");  // the class as configured
  EXPECT_EQ(result.status().code(), StatusCode::kDataError);
  EXPECT_NE(result.status().message().find("extract"), std::string::npos);
}

}  // namespace
}  // namespace tributary::runtime
