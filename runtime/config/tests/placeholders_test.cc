#include "runtime/config/placeholders.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace tributary::runtime {
namespace {

using ::testing::HasSubstr;

class PlaceholdersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tributary_placeholders_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    secrets_ = (dir_ / "secrets.properties").string();
    std::ofstream(secrets_) << "db.password=s3cr3t\napi.key = KEY:1\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string secrets_;
};

TEST_F(PlaceholdersTest, ResolvesEnvironmentVariables) {
  ::setenv("TRIBUTARY_TEST_USER", "alice", 1);
  auto r = ResolvePlaceholders(
      {{"user", "${env:TRIBUTARY_TEST_USER}"},
       {"url", "jdbc://${env:TRIBUTARY_TEST_USER}@host/${env:TRIBUTARY_TEST_USER}"},
       {"plain", "no placeholders"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->at("user"), "alice");
  EXPECT_EQ(r->at("url"), "jdbc://alice@host/alice");
  EXPECT_EQ(r->at("plain"), "no placeholders");
}

TEST_F(PlaceholdersTest, MissingEnvironmentVariableNamesKeyAndPlaceholder) {
  ::unsetenv("TRIBUTARY_TEST_MISSING");
  auto r = ResolvePlaceholders({{"connection.password", "${env:TRIBUTARY_TEST_MISSING}"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(r.status().message(), HasSubstr("connection.password"));
  EXPECT_THAT(r.status().message(), HasSubstr("${env:TRIBUTARY_TEST_MISSING}"));
}

TEST_F(PlaceholdersTest, ResolvesFileKeys) {
  auto r = ResolvePlaceholders({{"password", "${file:" + secrets_ + ":db.password}"},
                                {"key", "${file:" + secrets_ + ":api.key}"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->at("password"), "s3cr3t");
  EXPECT_EQ(r->at("key"), "KEY:1");
}

TEST_F(PlaceholdersTest, MissingFileKeyNamesKeyAndPlaceholder) {
  std::string placeholder = "${file:" + secrets_ + ":nope}";
  auto r = ResolvePlaceholders({{"password", placeholder}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(r.status().message(), HasSubstr("password"));
  EXPECT_THAT(r.status().message(), HasSubstr(placeholder));
}

TEST_F(PlaceholdersTest, UnreadableFileNamesPathAndKey) {
  std::string missing = (dir_ / "missing.properties").string();
  auto r = ResolvePlaceholders({{"password", "${file:" + missing + ":k}"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_THAT(r.status().message(), HasSubstr("password"));
  EXPECT_THAT(r.status().message(), HasSubstr(missing));
}

TEST_F(PlaceholdersTest, FileProviderNeedsAPath) {
  auto r = ResolvePlaceholders({{"p", "${file:justakey}"}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("${file:<path>:<key>}"));
}

TEST_F(PlaceholdersTest, LeavesUnknownProvidersAndNonPlaceholdersAlone) {
  ::setenv("TRIBUTARY_TEST_USER", "alice", 1);
  ConfigMap in = {{"vault", "${vault:secret/db:password}"},
                  {"topic.format", "${topic}-${timestamp}"},
                  {"open", "${env:TRIBUTARY_TEST_USER"},
                  {"mixed", "${topic}/${env:TRIBUTARY_TEST_USER}"},
                  {"dollar", "$5 {x:y}"}};
  auto r = ResolvePlaceholders(in);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->at("vault"), "${vault:secret/db:password}");
  EXPECT_EQ(r->at("topic.format"), "${topic}-${timestamp}");
  EXPECT_EQ(r->at("open"), "${env:TRIBUTARY_TEST_USER");
  EXPECT_EQ(r->at("mixed"), "${topic}/alice");
  EXPECT_EQ(r->at("dollar"), "$5 {x:y}");
}

TEST_F(PlaceholdersTest, ReplacementIsNotRescannedAndSourcesAreInjectable) {
  ConfigProviderSources sources;
  int env_calls = 0;
  sources.env = [&](const std::string& name) -> std::optional<std::string> {
    ++env_calls;
    if (name == "A") return std::string("${env:B}");
    return std::nullopt;
  };
  auto r = ResolvePlaceholders({{"k", "${env:A}"}}, sources);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("k"), "${env:B}");
  EXPECT_EQ(env_calls, 1);
}

TEST_F(PlaceholdersTest, ReadsEachFileOnce) {
  ConfigProviderSources sources;
  int reads = 0;
  sources.properties_file = [&](const std::string& path) -> Result<ConfigMap> {
    ++reads;
    return ConfigMap{{"u", "user"}, {"p", "pass"}};
  };
  auto r = ResolvePlaceholders({{"a", "${file:/x:u}"}, {"b", "${file:/x:p}"}}, sources);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("a"), "user");
  EXPECT_EQ(r->at("b"), "pass");
  EXPECT_EQ(reads, 1);
}

}  // namespace
}  // namespace tributary::runtime
