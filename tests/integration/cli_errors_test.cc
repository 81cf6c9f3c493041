// Bad input on the command line: each gets a clear message naming what was wrong, a non-zero
// exit code, and no crash.
#include <gtest/gtest.h>

#include "tests/harness/harness.h"

namespace tributary::testing {
namespace {

using std::chrono::seconds;

class CliErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteProperties(dir_.File("worker.properties"),
                    {{"bootstrap.servers", "embedded"}, {"listeners", "http://127.0.0.1:0"}});
  }

  // Runs `tributary standalone worker.properties <connector>` and returns exit code and output.
  std::pair<int, std::string> RunWithConnector(const std::string& connector_text) {
    WriteFile(dir_.File("connector.properties"), connector_text);
    return Run({"standalone", dir_.File("worker.properties"), dir_.File("connector.properties")});
  }

  std::pair<int, std::string> Run(std::vector<std::string> args) {
    args.insert(args.begin(), TributaryBinary());
    Process process(args, dir_.File("out-" + std::to_string(runs_++) + ".log"));
    auto code = process.Wait(seconds(30));
    EXPECT_TRUE(code.has_value()) << "tributary did not exit: " << process.Log();
    return {code.value_or(-1), process.Log()};
  }

  TempDir dir_;
  int runs_ = 0;
};

TEST_F(CliErrorsTest, MalformedPropertiesFileNamesFileAndLine) {
  auto [code, out] = RunWithConnector("name=x\nconnector.class=FileStreamSource\nfile=\\u12G4\n");
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("connector.properties:3:"), std::string::npos) << out;
  EXPECT_NE(out.find("escape"), std::string::npos) << out;
}

TEST_F(CliErrorsTest, UnknownConnectorClassListsAvailableConnectors) {
  auto [code, out] =
      RunWithConnector("name=x\nconnector.class=com.example.NoSuchConnector\ntopic=t\n");
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("com.example.NoSuchConnector"), std::string::npos) << out;
  EXPECT_NE(out.find("FileStreamSourceConnector"), std::string::npos) << out;
}

TEST_F(CliErrorsTest, MissingRequiredKeyIsNamed) {
  auto [code, out] = RunWithConnector("name=x\nconnector.class=FileStreamSource\nfile=/tmp/x\n");
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("topic"), std::string::npos) << out;
  EXPECT_NE(out.find("Missing required configuration"), std::string::npos) << out;
}

TEST_F(CliErrorsTest, InvalidValueIsNamed) {
  auto [code, out] =
      RunWithConnector("name=x\nconnector.class=FileStreamSource\ntopic=t\ntasks.max=many\n");
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("tasks.max"), std::string::npos) << out;
  EXPECT_NE(out.find("many"), std::string::npos) << out;
}

TEST_F(CliErrorsTest, InvalidWorkerValueIsNamed) {
  WriteProperties(dir_.File("worker.properties"),
                  {{"bootstrap.servers", "embedded"}, {"offset.flush.interval.ms", "soon"}});
  auto [code, out] = Run({"standalone", dir_.File("worker.properties")});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("offset.flush.interval.ms"), std::string::npos) << out;
}

TEST_F(CliErrorsTest, MissingWorkerFileNamesThePath) {
  auto [code, out] = Run({"standalone", dir_.File("nope.properties")});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("nope.properties"), std::string::npos) << out;
}

TEST_F(CliErrorsTest, VersionPrintsAndExitsZero) {
  auto [code, out] = Run({"--version"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("tributary "), std::string::npos) << out;
}

}  // namespace
}  // namespace tributary::testing
