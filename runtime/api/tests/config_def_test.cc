#include "runtime/api/config_def.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tributary {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(ConfigDefTest, TypeAndImportanceNamesAreUpperCase) {
  EXPECT_STREQ(ConfigTypeName(ConfigType::kBoolean), "BOOLEAN");
  EXPECT_STREQ(ConfigTypeName(ConfigType::kString), "STRING");
  EXPECT_STREQ(ConfigTypeName(ConfigType::kInt), "INT");
  EXPECT_STREQ(ConfigTypeName(ConfigType::kShort), "SHORT");
  EXPECT_STREQ(ConfigTypeName(ConfigType::kLong), "LONG");
  EXPECT_STREQ(ConfigTypeName(ConfigType::kDouble), "DOUBLE");
  EXPECT_STREQ(ConfigTypeName(ConfigType::kList), "LIST");
  EXPECT_STREQ(ConfigTypeName(ConfigType::kClass), "CLASS");
  EXPECT_STREQ(ConfigTypeName(ConfigType::kPassword), "PASSWORD");
  EXPECT_STREQ(ImportanceName(Importance::kHigh), "HIGH");
  EXPECT_STREQ(ImportanceName(Importance::kMedium), "MEDIUM");
  EXPECT_STREQ(ImportanceName(Importance::kLow), "LOW");
}

ConfigDef SampleDef() {
  ConfigDef def;
  def.Define("name", ConfigType::kString, kNoDefault, Importance::kHigh, "Connector name",
             validators::NonEmptyString())
      .Define("tasks.max", ConfigType::kInt, "1", Importance::kHigh, "Max tasks",
              validators::AtLeast(1))
      .Define("enabled", ConfigType::kBoolean, "true", Importance::kLow, "Enabled")
      .Define("ratio", ConfigType::kDouble, "0.5", Importance::kLow, "Ratio")
      .Define("big", ConfigType::kLong, "0", Importance::kLow, "Big")
      .Define("small", ConfigType::kShort, "0", Importance::kLow, "Small")
      .Define("topics", ConfigType::kList, "", Importance::kHigh, "Topics")
      .Define("password", ConfigType::kPassword, kNullDefault, Importance::kHigh, "Secret")
      .Define("mode", ConfigType::kString, "bulk", Importance::kMedium, "Mode",
              validators::OneOf({"bulk", "incrementing"}), "[bulk, incrementing]");
  return def;
}

TEST(ConfigDefTest, ParsesValuesAndDefaults) {
  auto parsed = SampleDef().Parse({{"name", "c1"}, {"topics", " a , b,c "}, {"extra", "x"}});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->GetString("name"), "c1");
  EXPECT_EQ(parsed->GetInt("tasks.max"), 1);
  EXPECT_TRUE(parsed->GetBool("enabled"));
  EXPECT_DOUBLE_EQ(parsed->GetDouble("ratio"), 0.5);
  EXPECT_THAT(parsed->GetList("topics"), ElementsAre("a", "b", "c"));
  EXPECT_FALSE(parsed->Has("password"));
  EXPECT_EQ(parsed->GetString("password"), "");
  EXPECT_TRUE(parsed->Has("mode"));
  EXPECT_EQ(parsed->originals().at("extra"), "x");
}

TEST(ConfigDefTest, BooleansAreCaseInsensitiveAndTrimmed) {
  auto parsed = SampleDef().Parse({{"name", "c"}, {"enabled", " FaLsE "}});
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->GetBool("enabled"));
  auto bad = SampleDef().Parse({{"name", "c"}, {"enabled", "yes"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidConfig);
  EXPECT_EQ(bad.status().message(),
            "Invalid value yes for configuration enabled: Expected value to be either true or "
            "false");
}

TEST(ConfigDefTest, IntegerRangesFollowJavaTypes) {
  ConfigDef def = SampleDef();
  EXPECT_TRUE(def.Parse({{"name", "c"}, {"tasks.max", "2147483647"}}).ok());
  auto overflow = def.Parse({{"name", "c"}, {"tasks.max", "2147483648"}});
  ASSERT_FALSE(overflow.ok());
  EXPECT_EQ(overflow.status().message(),
            "Invalid value 2147483648 for configuration tasks.max: Not a number of type INT");
  EXPECT_TRUE(def.Parse({{"name", "c"}, {"small", "-32768"}}).ok());
  EXPECT_FALSE(def.Parse({{"name", "c"}, {"small", "32768"}}).ok());
  auto big = def.Parse({{"name", "c"}, {"big", " -9223372036854775808 "}});
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->GetLong("big"), INT64_MIN);
  EXPECT_FALSE(def.Parse({{"name", "c"}, {"big", "9223372036854775808"}}).ok());
  EXPECT_FALSE(def.Parse({{"name", "c"}, {"big", "12abc"}}).ok());
  EXPECT_FALSE(def.Parse({{"name", "c"}, {"big", ""}}).ok());
  EXPECT_FALSE(def.Parse({{"name", "c"}, {"big", "-"}}).ok());
  auto plus = def.Parse({{"name", "c"}, {"big", "+42"}});
  ASSERT_TRUE(plus.ok());
  EXPECT_EQ(plus->GetLong("big"), 42);
}

TEST(ConfigDefTest, DoublesAcceptJavaSpellings) {
  ConfigDef def = SampleDef();
  for (const char* ok : {"1", "-2.5", "1e3", "1.5d", "2F", ".5", "NaN", "-Infinity"}) {
    EXPECT_TRUE(def.Parse({{"name", "c"}, {"ratio", ok}}).ok()) << ok;
  }
  for (const char* bad : {"", "abc", "1.2.3x", "0x1p3", "inf", "1e"}) {
    auto r = def.Parse({{"name", "c"}, {"ratio", bad}});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.status().message(), HasSubstr("Not a number of type DOUBLE"));
  }
}

TEST(ConfigDefTest, ListsSplitOnCommasKeepingEmptyItems) {
  ConfigDef def = SampleDef();
  auto empty = def.Parse({{"name", "c"}, {"topics", "   "}});
  ASSERT_TRUE(empty.ok());
  EXPECT_THAT(empty->GetList("topics"), IsEmpty());
  auto holes = def.Parse({{"name", "c"}, {"topics", "a,,b,"}});
  ASSERT_TRUE(holes.ok());
  EXPECT_THAT(holes->GetList("topics"), ElementsAre("a", "", "b", ""));
}

TEST(ConfigDefTest, ParseListsEveryErrorInKafkaWording) {
  auto parsed = SampleDef().Parse({{"tasks.max", "0"}, {"mode", "weird"}, {"password", "x"}});
  ASSERT_FALSE(parsed.ok());
  const std::string& msg = parsed.status().message();
  EXPECT_THAT(msg,
              HasSubstr("Missing required configuration \"name\" which has no default value."));
  EXPECT_THAT(msg,
              HasSubstr("Invalid value 0 for configuration tasks.max: Value must be at least 1"));
  EXPECT_THAT(msg, HasSubstr("Invalid value weird for configuration mode: String must be one of "
                             "(case insensitive): bulk, incrementing"));
}

TEST(ConfigDefTest, PasswordsAreHiddenInErrors) {
  ConfigDef def;
  def.Define("secret", ConfigType::kPassword, kNoDefault, Importance::kHigh, "",
             validators::OneOf({"a"}, false));
  auto parsed = def.Parse({{"secret", "hunter2"}});
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(),
              HasSubstr("Invalid value [hidden] for configuration secret"));
  EXPECT_THAT(parsed.status().message(), ::testing::Not(HasSubstr("hunter2")));
}

TEST(ConfigDefTest, ValidateReportsPerKeyAndIgnoresUnknownKeys) {
  auto errors =
      SampleDef().Validate({{"name", ""}, {"tasks.max", "x"}, {"unknown.key", "whatever"}});
  EXPECT_EQ(errors.size(), 2u);
  EXPECT_THAT(errors["name"], ElementsAre("Invalid value  for configuration name: String must be "
                                          "non-empty"));
  EXPECT_THAT(errors["tasks.max"],
              ElementsAre("Invalid value x for configuration tasks.max: Not a number of type INT"));
  EXPECT_EQ(errors.count("unknown.key"), 0u);
  EXPECT_TRUE(SampleDef().Validate({{"name", "ok"}}).empty());
  auto missing = SampleDef().Validate({});
  EXPECT_THAT(missing["name"],
              ElementsAre("Missing required configuration \"name\" which has no default value."));
}

TEST(ConfigDefTest, MergedKeepsExistingKeysFirst) {
  ConfigDef a;
  a.Define("x", ConfigType::kInt, "1", Importance::kLow, "from a");
  ConfigDef b;
  b.Define("x", ConfigType::kString, "s", Importance::kLow, "from b")
      .Define("y", ConfigType::kString, "y", Importance::kLow, "from b");
  ConfigDef merged = a.Merged(b);
  ASSERT_EQ(merged.keys().size(), 2u);
  EXPECT_EQ(merged.keys()[0].name, "x");
  EXPECT_EQ(merged.Find("x")->documentation, "from a");
  EXPECT_EQ(merged.Find("y")->documentation, "from b");
  EXPECT_EQ(merged.Find("z"), nullptr);
  EXPECT_EQ(a.keys().size(), 1u);
}

TEST(ConfigDefTest, RequiredFlagFollowsDefaults) {
  ConfigDef def = SampleDef();
  EXPECT_TRUE(def.Find("name")->required());
  EXPECT_FALSE(def.Find("password")->required());
  EXPECT_FALSE(def.Find("tasks.max")->required());
}

TEST(ConfigDefTest, OriginalsWithPrefixStripsPrefix) {
  auto parsed = SampleDef().Parse({{"name", "c"},
                                   {"producer.acks", "all"},
                                   {"producer.linger.ms", "5"},
                                   {"producerx", "no"},
                                   {"consumer.x", "no"}});
  ASSERT_TRUE(parsed.ok());
  ConfigMap producer = parsed->OriginalsWithPrefix("producer.");
  EXPECT_EQ(producer, (ConfigMap{{"acks", "all"}, {"linger.ms", "5"}}));
}

TEST(ConfigDefTest, ValidatorsReportKafkaMessages) {
  EXPECT_EQ(validators::Between(1, 10)(ConfigValue(int64_t{0})), "Value must be at least 1");
  EXPECT_EQ(validators::Between(1, 10)(ConfigValue(int64_t{11})), "Value must be no more than 10");
  EXPECT_EQ(validators::Between(1, 10)(ConfigValue(int64_t{10})), std::nullopt);
  EXPECT_EQ(validators::AtLeast(0)(ConfigValue(-0.5)), "Value must be at least 0");
  EXPECT_EQ(validators::AtLeast(0)(ConfigValue(std::monostate{})), std::nullopt);
  EXPECT_EQ(validators::OneOf({"none", "all"})(ConfigValue(std::string("ALL"))), std::nullopt);
  EXPECT_EQ(validators::OneOf({"none", "all"}, false)(ConfigValue(std::string("ALL"))),
            "String must be one of: none, all");
  EXPECT_EQ(validators::OneOf({"a", "b"}, false)(ConfigValue(std::vector<std::string>{"a", "c"})),
            "String must be one of: a, b");
  EXPECT_EQ(validators::NonEmptyString()(ConfigValue(std::string("x"))), std::nullopt);
}

TEST(ConfigDefTest, InvalidDefaultIsReportedNotAsserted) {
  ConfigDef def;
  def.Define("n", ConfigType::kInt, "not-a-number", Importance::kLow, "");
  auto parsed = def.Parse({});
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("configuration n"));
}

#ifndef NDEBUG
TEST(ConfigDefDeathTest, DefiningTwiceAsserts) {
  ConfigDef def;
  def.Define("x", ConfigType::kInt, "1", Importance::kLow, "");
  EXPECT_DEATH(def.Define("x", ConfigType::kInt, "1", Importance::kLow, ""), "defined twice");
}
#endif

}  // namespace
}  // namespace tributary
