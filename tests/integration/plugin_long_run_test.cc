// 200,000 records across the plugin boundary in both directions (example source plugin -> Kafka
// -> example sink plugin) on the real binary; under the sanitizer build a clean exit (0) means no
// ASan/UBSan report and no leak across the C ABI.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <sstream>
#include <vector>

#include "runtime/kafka/embedded_broker.h"
#include "tests/harness/harness.h"

namespace tributary::testing {
namespace {

using std::chrono::seconds;

TEST(PluginLongRunTest, TwoHundredThousandRecordsCrossTheBoundaryIntactAndSanitizerClean) {
  constexpr int kCount = 200000;
  TempDir dir;
  auto broker = runtime::EmbeddedBroker::Start();
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  // The embedded broker keeps ~5 MiB per partition: spread the records out.
  ASSERT_TRUE((*broker)->CreateTopic("sequence", 16).ok());
  const std::string out = dir.File("out.txt");
  WriteProperties(dir.File("worker.properties"),
                  {{"bootstrap.servers", (*broker)->bootstrap_servers()},
                   {"plugin.path", std::string(SEQUENCE_SOURCE_PLUGIN) + "," + TEXT_SINK_PLUGIN},
                   {"value.converter.schemas.enable", "false"},
                   {"offset.flush.interval.ms", "500"},
                   {"listeners", "http://127.0.0.1:0"}});
  WriteProperties(dir.File("source.properties"), {{"name", "seq-source"},
                                                  {"connector.class", "SequenceSource"},
                                                  {"topic", "sequence"},
                                                  {"batch.size", "1000"},
                                                  {"count", std::to_string(kCount)}});
  WriteProperties(dir.File("sink.properties"), {{"name", "text-sink"},
                                                {"connector.class", "TextSink"},
                                                {"topics", "sequence"},
                                                {"file", out}});
  Process worker({TributaryBinary(), "standalone", dir.File("worker.properties"),
                  dir.File("source.properties"), dir.File("sink.properties")},
                 dir.File("worker.log"));
  ASSERT_TRUE(WaitUntil([&] { return CountLines(out) >= kCount; }, seconds(240)))
      << "lines: " << CountLines(out) << "\n"
      << worker.Log();
  worker.Kill(SIGTERM);
  EXPECT_EQ(worker.Wait(seconds(60)), 0) << worker.Log();

  // Every key 1..kCount exactly once; line: <topic> <partition> <offset> <key> <value>.
  std::vector<int> seen(kCount + 1, 0);
  for (const std::string& line : ReadLines(out)) {
    std::istringstream in(line);
    std::string topic, partition, offset, key;
    in >> topic >> partition >> offset >> key;
    long n = std::stol(key);
    ASSERT_GE(n, 1) << line;
    ASSERT_LE(n, kCount) << line;
    ++seen[n];
    ASSERT_NE(line.find("record-" + key), std::string::npos) << line;
  }
  for (int n = 1; n <= kCount; ++n) ASSERT_EQ(seen[n], 1) << "key " << n;
}

}  // namespace
}  // namespace tributary::testing
