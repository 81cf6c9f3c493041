// The plugin story end to end, as a team outside this repository lives it: install Tributary into
// a prefix, build plugins/examples out of tree against the installed SDK only (find_package and
// pkg-config), run the installed worker with plugin.path pointing at the built plugins, move
// records example source -> Kafka -> example sink, and validate the plugin's config over REST.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <set>

#include "rest-api/tests/http_test_client.h"
#include "runtime/kafka/embedded_broker.h"
#include "tests/harness/harness.h"

namespace tributary::testing {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

// Runs argv to completion; its exit code (or -1 on timeout) with the output in `log`.
int RunToEnd(const std::vector<std::string>& argv, const std::string& log, seconds timeout) {
  Process process(argv, log);
  return process.Wait(timeout).value_or(-1);
}

uint16_t WaitForRestPort(const std::string& log, Process& worker) {
  const uint16_t port = tributary::testing::WaitForRestPort(log, seconds(60));
  EXPECT_NE(port, 0) << worker.Log();
  return port;
}

TEST(PluginExampleTest, OutOfTreePluginsBuiltAgainstInstallRunPipelineAndValidateOverRest) {
  TempDir dir;
  const std::string prefix = dir.File("prefix");
  ASSERT_EQ(RunToEnd({CMAKE_COMMAND_PATH, "--install", TRIBUTARY_BINARY_DIR, "--prefix", prefix},
                     dir.File("install.log"), seconds(120)),
            0)
      << ReadFile(dir.File("install.log"));
  for (const char* installed :
       {"bin/tributary", "include/tributary/plugin.h", "include/tributary/sdk/export.h",
        "include/tributary/runtime/api/connector.h", "lib/libtributary_api.a",
        "lib/cmake/Tributary/TributaryConfig.cmake", "lib/pkgconfig/tributary.pc"}) {
    EXPECT_TRUE(fs::exists(fs::path(prefix) / installed)) << installed;
  }

  // find_package(Tributary): the examples' own CMake project, nothing from this source tree.
  const std::string build = dir.File("examples-build");
  ASSERT_EQ(
      RunToEnd({CMAKE_COMMAND_PATH, "-S", std::string(TRIBUTARY_SOURCE_DIR) + "/plugins/examples",
                "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Debug",
                "-DCMAKE_CXX_COMPILER=" CXX_COMPILER, "-DCMAKE_PREFIX_PATH=" + prefix},
               dir.File("configure.log"), seconds(120)),
      0)
      << ReadFile(dir.File("configure.log"));
  ASSERT_EQ(RunToEnd({CMAKE_COMMAND_PATH, "--build", build, "-j", "2"}, dir.File("build.log"),
                     seconds(600)),
            0)
      << ReadFile(dir.File("build.log"));

  // pkg-config: the same source compiles and links with the flags tributary.pc gives.
  const std::string pc_build =
      "export PKG_CONFIG_PATH=" + prefix +
      "/lib/pkgconfig; " CXX_COMPILER
      " -shared -fPIC -fvisibility=hidden $(pkg-config --cflags "
      "tributary) " TRIBUTARY_SOURCE_DIR "/plugins/examples/text_sink.cc -o " +
      dir.File("pc/libtext_sink_pc.so") + " $(pkg-config --libs tributary)";
  fs::create_directories(dir.File("pc"));
  ASSERT_EQ(RunToEnd({"/bin/sh", "-c", pc_build}, dir.File("pkgconfig.log"), seconds(300)), 0)
      << ReadFile(dir.File("pkgconfig.log"));

  fs::create_directories(dir.File("broken"));
  WriteFile(dir.File("broken/libbroken.so"), "not a shared library");
  auto broker = runtime::EmbeddedBroker::Start();
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  ASSERT_TRUE((*broker)->CreateTopic("sequence", 1).ok());
  const std::string out = dir.File("out.txt");
  WriteProperties(
      dir.File("worker.properties"),
      {{"bootstrap.servers", (*broker)->bootstrap_servers()},
       {"plugin.path", build + "," + dir.File("nonexistent") + "," + dir.File("broken")},
       {"offset.storage.file.filename", dir.File("offsets.json")},
       {"offset.flush.interval.ms", "200"},
       {"listeners", "http://127.0.0.1:0"}});
  WriteProperties(dir.File("source.properties"), {{"name", "seq-source"},
                                                  {"connector.class", "SequenceSource"},
                                                  {"topic", "sequence"},
                                                  {"count", "2000"}});
  WriteProperties(dir.File("sink.properties"),
                  {{"name", "text-sink"},
                   {"connector.class", "com.example.tributary.TextSinkConnector"},
                   {"topics", "sequence"},
                   {"file", out}});
  const std::string log = dir.File("worker.log");
  Process worker({prefix + "/bin/tributary", "standalone", dir.File("worker.properties"),
                  dir.File("source.properties"), dir.File("sink.properties")},
                 log);
  uint16_t port = WaitForRestPort(log, worker);
  ASSERT_NE(port, 0);
  ASSERT_TRUE(WaitUntil([&] { return CountLines(out) >= 2000; }, seconds(120))) << worker.Log();
  std::vector<std::string> lines = ReadLines(out);
  EXPECT_EQ(lines.size(), 2000u);
  // Struct values with logical types crossed both boundaries (source plugin -> JSON -> sink
  // plugin).
  EXPECT_THAT(lines[0], HasSubstr("record-1"));
  EXPECT_THAT(lines[1999], HasSubstr("record-2000"));

  auto plugins = rest::testing::Fetch(port, "GET", "/connector-plugins");
  ASSERT_EQ(plugins.status, 200) << plugins.body;
  EXPECT_THAT(plugins.body,
              HasSubstr("{\"class\":\"com.example.tributary.SequenceSourceConnector\","
                        "\"type\":\"source\",\"version\":\"1.0.0\"}"));
  EXPECT_THAT(plugins.body, HasSubstr("com.example.tributary.TextSinkConnector"));
  // What could not be loaded is listed with the reason; the worker runs on.
  auto diagnostics = rest::testing::Fetch(port, "GET", "/connector-plugins/diagnostics");
  ASSERT_EQ(diagnostics.status, 200) << diagnostics.body;
  EXPECT_THAT(diagnostics.body,
              HasSubstr("{\"path\":\"" + dir.File("nonexistent") +
                        "\",\"error\":\"the plugin.path entry does not exist\"}"));
  EXPECT_THAT(diagnostics.body, HasSubstr("\"path\":\"" + dir.File("broken/libbroken.so")));

  // The plugin's validators answer /validate; the config definition came across as data.
  auto validate = rest::testing::Fetch(
      port, "PUT", "/connector-plugins/SequenceSource/config/validate",
      R"({"connector.class":"SequenceSource","name":"v","topic":"","count":"-1"})",
      {{"Content-Type", "application/json"}});
  ASSERT_EQ(validate.status, 200) << validate.body;
  EXPECT_THAT(validate.body, HasSubstr("\"error_count\":2"));
  EXPECT_THAT(validate.body, HasSubstr("at least 0"));
  auto config = rest::testing::Fetch(port, "GET", "/connector-plugins/SequenceSource/config");
  ASSERT_EQ(config.status, 200) << config.body;
  EXPECT_THAT(config.body, HasSubstr("\"name\":\"batch.size\""));

  worker.Kill(SIGTERM);
  EXPECT_EQ(worker.Wait(seconds(30)), 0) << worker.Log();
  EXPECT_THAT(ReadFile(log), HasSubstr("Loaded plugin example-sequence-source 1.0.0"));
}

}  // namespace
}  // namespace tributary::testing
