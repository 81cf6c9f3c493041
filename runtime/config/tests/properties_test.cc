#include "runtime/config/properties.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace tributary::runtime {
namespace {

using ::testing::HasSubstr;

ConfigMap Parse(std::string_view text) {
  auto r = ParseProperties(text, "test.properties");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : ConfigMap{};
}

TEST(PropertiesTest, AcceptsAllThreeSeparators) {
  EXPECT_EQ(Parse("a=1\nb:2\nc 3\nd\t4\ne\f5\n"),
            (ConfigMap{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}}));
}

TEST(PropertiesTest, SkipsBlanksAroundOneSeparatorOnly) {
  EXPECT_EQ(Parse("  key  =  value  \n"), (ConfigMap{{"key", "value  "}}));
  EXPECT_EQ(Parse("key = = value\n"), (ConfigMap{{"key", "= value"}}));
  EXPECT_EQ(Parse("key  :  :v\n"), (ConfigMap{{"key", ":v"}}));
  EXPECT_EQ(Parse("key value = x\n"), (ConfigMap{{"key", "value = x"}}));
  EXPECT_EQ(Parse("keyonly\nempty=\n"), (ConfigMap{{"keyonly", ""}, {"empty", ""}}));
  EXPECT_EQ(Parse("=novalue\n"), (ConfigMap{{"", "novalue"}}));
}

TEST(PropertiesTest, IgnoresCommentsAndBlankLines) {
  EXPECT_EQ(Parse("# a comment\n  ! another\n\n   \t\nx=1 # not a comment\n"),
            (ConfigMap{{"x", "1 # not a comment"}}));
}

TEST(PropertiesTest, CommentLinesDoNotContinue) {
  EXPECT_EQ(Parse("# comment \\\nx=1\n"), (ConfigMap{{"x", "1"}}));
}

TEST(PropertiesTest, JoinsContinuationLinesDroppingLeadingBlanks) {
  EXPECT_EQ(Parse("topics = a,\\\n    b,\\\n\t\tc\nnext=1\n"),
            (ConfigMap{{"topics", "a,b,c"}, {"next", "1"}}));
  // A continued line that looks like a comment is still part of the value.
  EXPECT_EQ(Parse("x=1\\\n#2\n"), (ConfigMap{{"x", "1#2"}}));
}

TEST(PropertiesTest, EvenBackslashesDoNotContinue) {
  EXPECT_EQ(Parse("a=x\\\\\nb=y\n"), (ConfigMap{{"a", "x\\"}, {"b", "y"}}));
  EXPECT_EQ(Parse("a=x\\\\\\\nb=y\n"), (ConfigMap{{"a", "x\\b=y"}}));
}

TEST(PropertiesTest, ContinuationIntoBlankLineEndsTheValue) {
  EXPECT_EQ(Parse("a=x\\\n\nb=y\n"), (ConfigMap{{"a", "x"}, {"b", "y"}}));
  EXPECT_EQ(Parse("a=x\\"), (ConfigMap{{"a", "x"}}));
}

TEST(PropertiesTest, HandlesAllLineEndings) {
  EXPECT_EQ(Parse("a=1\r\nb=2\rc=3\\\r\n  4\n"), (ConfigMap{{"a", "1"}, {"b", "2"}, {"c", "34"}}));
}

TEST(PropertiesTest, ResolvesEscapes) {
  EXPECT_EQ(Parse("v=a\\tb\\nc\\rd\\fe\\\\f\\qg\n"), (ConfigMap{{"v", "a\tb\nc\rd\fe\\fqg"}}));
}

TEST(PropertiesTest, KeysMayHoldEscapedSeparators) {
  EXPECT_EQ(Parse("a\\=b\\:c\\ d=value\n"), (ConfigMap{{"a=b:c d", "value"}}));
  EXPECT_EQ(Parse("\\#notcomment=1\n"), (ConfigMap{{"#notcomment", "1"}}));
}

TEST(PropertiesTest, UnicodeEscapesBecomeUtf8) {
  EXPECT_EQ(Parse("u=caf\\u00e9 \\u20AC \\uD83D\\uDE00\n"),
            (ConfigMap{{"u", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"}}));
  // Unpaired surrogates cannot be written as UTF-8: replacement character.
  EXPECT_EQ(Parse("u=\\uD800x\n"), (ConfigMap{{"u", "\xEF\xBF\xBDx"}}));
  // Raw UTF-8 passes through.
  EXPECT_EQ(Parse("name=caf\xC3\xA9\n"), (ConfigMap{{"name", "caf\xC3\xA9"}}));
}

TEST(PropertiesTest, MalformedUnicodeEscapeNamesFileAndLine) {
  auto r = ParseProperties("a=1\n# c\nb=x\\\n  y\\u12G4\n", "worker.properties");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(r.status().message(), HasSubstr("worker.properties:3:"));
  EXPECT_THAT(r.status().message(), HasSubstr("\\uxxxx"));
  EXPECT_FALSE(ParseProperties("k=\\u12").ok());
}

TEST(PropertiesTest, LaterDuplicateWins) {
  EXPECT_EQ(Parse("a=1\na=2\n"), (ConfigMap{{"a", "2"}}));
}

TEST(PropertiesTest, LoadsFileAndReportsUnreadablePath) {
  auto dir = std::filesystem::temp_directory_path() / "tributary_properties_test";
  std::filesystem::create_directories(dir);
  auto path = (dir / "w.properties").string();
  std::ofstream(path) << "bootstrap.servers=localhost:9092\n";
  auto loaded = LoadPropertiesFile(path);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->at("bootstrap.servers"), "localhost:9092");

  auto missing = LoadPropertiesFile((dir / "nope.properties").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  EXPECT_THAT(missing.status().message(), HasSubstr("nope.properties"));
  auto directory = LoadPropertiesFile(dir.string());
  EXPECT_EQ(directory.status().code(), StatusCode::kIoError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tributary::runtime
