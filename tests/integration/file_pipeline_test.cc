// End to end on the real binary: file source -> embedded Kafka -> file sink. The broker lives in
// the test process, so it survives the worker being stopped, killed and restarted.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <set>

#include "runtime/kafka/embedded_broker.h"
#include "tests/harness/harness.h"

namespace tributary::testing {
namespace {

using std::chrono::seconds;

class FilePipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto broker = runtime::EmbeddedBroker::Start();
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    broker_ = std::move(*broker);
    ASSERT_TRUE(broker_->CreateTopic("lines", 1).ok());  // one partition: order is observable
    input_ = dir_.File("input.txt");
    output_ = dir_.File("output.txt");
    offsets_ = dir_.File("offsets.json");
    WriteFile(input_, "");
    WriteProperties(dir_.File("worker.properties"),
                    {{"bootstrap.servers", broker_->bootstrap_servers()},
                     {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
                     {"value.converter", "org.apache.kafka.connect.storage.StringConverter"},
                     {"offset.storage.file.filename", offsets_},
                     {"offset.flush.interval.ms", "100"},
                     // A killed worker's consumer leaves the group only when its session times
                     // out; keep that short so the restarted worker gets the partitions soon.
                     {"consumer.session.timeout.ms", "6000"},
                     {"consumer.heartbeat.interval.ms", "500"},
                     {"listeners", "http://127.0.0.1:0"}});
    WriteProperties(dir_.File("source.properties"),
                    {{"name", "file-source"},
                     {"connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector"},
                     {"file", input_},
                     {"topic", "lines"}});
    WriteProperties(dir_.File("sink.properties"), {{"name", "file-sink"},
                                                   {"connector.class", "FileStreamSink"},
                                                   {"file", output_},
                                                   {"topics", "lines"}});
  }

  std::unique_ptr<Process> StartWorker() {
    return std::make_unique<Process>(
        std::vector<std::string>{TributaryBinary(), "standalone", dir_.File("worker.properties"),
                                 dir_.File("source.properties"), dir_.File("sink.properties")},
        dir_.File("worker.log"));
  }

  static std::string Lines(int from, int to) {
    std::string text;
    for (int i = from; i < to; ++i) text += "line-" + std::to_string(i) + "\n";
    return text;
  }

  bool OutputHas(size_t count) { return CountLines(output_) >= count; }

  // The source position committed to the offsets file, or -1.
  int64_t CommittedPosition() {
    std::string text = ReadFile(offsets_);
    auto at = text.find("\"position\":");
    if (at == std::string::npos) return -1;
    return std::stoll(text.substr(at + 11));
  }

  // Every expected line appears at least once; returns how many duplicates there were.
  size_t CheckAllDelivered(int count) {
    std::map<std::string, int> seen;
    for (const auto& line : ReadLines(output_)) ++seen[line];
    size_t duplicates = 0;
    for (int i = 0; i < count; ++i) {
      auto it = seen.find("line-" + std::to_string(i));
      EXPECT_NE(it, seen.end()) << "line-" << i << " was lost";
      if (it != seen.end()) duplicates += it->second - 1;
    }
    EXPECT_EQ(seen.size(), static_cast<size_t>(count)) << "unexpected lines in the output";
    return duplicates;
  }

  TempDir dir_;
  std::unique_ptr<runtime::EmbeddedBroker> broker_;
  std::string input_, output_, offsets_;
};

TEST_F(FilePipelineTest, DeliversEveryLineInOrderAndResumesAfterRestart) {
  AppendFile(input_, Lines(0, 5000));
  auto worker = StartWorker();
  ASSERT_TRUE(WaitUntil([&] { return OutputHas(5000); }, seconds(60))) << worker->Log();
  // Lines appended while running are picked up too.
  AppendFile(input_, Lines(5000, 6000));
  ASSERT_TRUE(WaitUntil([&] { return OutputHas(6000); }, seconds(60))) << worker->Log();
  worker->Kill(SIGTERM);
  EXPECT_EQ(worker->Wait(seconds(30)), 0) << worker->Log();
  EXPECT_EQ(ReadFile(output_), Lines(0, 6000));

  // A graceful stop committed both sides: the restart neither loses nor repeats a line.
  AppendFile(input_, Lines(6000, 7000));
  worker = StartWorker();
  ASSERT_TRUE(WaitUntil([&] { return OutputHas(7000); }, seconds(60))) << worker->Log();
  worker->Kill(SIGTERM);
  EXPECT_EQ(worker->Wait(seconds(30)), 0) << worker->Log();
  EXPECT_EQ(ReadFile(output_), Lines(0, 7000));
}

TEST_F(FilePipelineTest, NoOffsetAdvancesWhileTheBrokerIsDownAndNothingIsLost) {
  AppendFile(input_, Lines(0, 1000));
  auto worker = StartWorker();
  ASSERT_TRUE(WaitUntil([&] { return OutputHas(1000); }, seconds(60))) << worker->Log();
  ASSERT_TRUE(
      WaitUntil([&] { return CommittedPosition() == static_cast<int64_t>(Lines(0, 1000).size()); },
                seconds(30)))
      << ReadFile(offsets_);

  ASSERT_TRUE(broker_->BrokerDown(1).ok());
  const int64_t size_before = static_cast<int64_t>(ReadFile(input_).size());
  AppendFile(input_, Lines(1000, 3000));
  // Watch the committed offset over a window of many flush intervals: it must not pass the data
  // Kafka acknowledged before it went down.
  auto until = std::chrono::steady_clock::now() + seconds(3);
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_LE(CommittedPosition(), size_before) << "an offset advanced while the broker was down";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(broker_->BrokerUp(1).ok());
  ASSERT_TRUE(WaitUntil([&] { return OutputHas(3000); }, seconds(90))) << worker->Log();
  worker->Kill(SIGTERM);
  EXPECT_EQ(worker->Wait(seconds(30)), 0) << worker->Log();
  size_t duplicates = CheckAllDelivered(3000);
  std::printf("broker outage: 3000 lines delivered, %zu duplicates\n", duplicates);
}

TEST_F(FilePipelineTest, SigkillMidStreamLosesNothing) {
  const int kLines = 20000;
  AppendFile(input_, Lines(0, kLines));
  size_t duplicates = 0;
  auto worker = StartWorker();
  // Kill it three times at different points of the stream, then let it finish.
  for (size_t threshold : {2000u, 8000u, 14000u}) {
    ASSERT_TRUE(WaitUntil([&] { return OutputHas(threshold); }, seconds(60))) << worker->Log();
    worker->Kill(SIGKILL);
    ASSERT_TRUE(worker->Wait(seconds(30)).has_value());
    worker = StartWorker();
  }
  ASSERT_TRUE(WaitUntil(
      [&] {
        if (CountLines(output_) < static_cast<size_t>(kLines)) return false;
        std::set<std::string> distinct;
        for (auto& line : ReadLines(output_)) distinct.insert(line);
        return distinct.size() >= static_cast<size_t>(kLines);
      },
      seconds(120)))
      << worker->Log();
  worker->Kill(SIGTERM);
  EXPECT_EQ(worker->Wait(seconds(30)), 0) << worker->Log();
  duplicates = CheckAllDelivered(kLines);
  std::printf("SIGKILL x3: %d lines delivered, %zu duplicates (at-least-once allows them)\n",
              kLines, duplicates);
}

}  // namespace
}  // namespace tributary::testing
