// GET /metrics on the real binary: a file source and a file sink move lines through the embedded
// Kafka, and their Connect task metrics follow, in Prometheus text format.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>

#include "rest-api/tests/http_test_client.h"
#include "runtime/kafka/embedded_broker.h"
#include "tests/harness/harness.h"

namespace tributary::testing {
namespace {

using rest::testing::Fetch;
using rest::testing::HttpResult;
using std::chrono::seconds;

// The value of the series `series` (name and labels as rendered) in `exposition`, or -1.
int64_t Sample(const std::string& exposition, const std::string& series) {
  const std::string prefix = series + " ";
  for (size_t pos = 0; (pos = exposition.find(prefix, pos)) != std::string::npos;
       pos += prefix.size()) {
    if (pos == 0 || exposition[pos - 1] == '\n') {
      return std::stoll(exposition.substr(pos + prefix.size()));
    }
  }
  return -1;
}

std::string Lines(int from, int to) {
  std::string text;
  for (int i = from; i < to; ++i) text += "line-" + std::to_string(i) + "\n";
  return text;
}

class MetricsEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto broker = runtime::EmbeddedBroker::Start();
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    broker_ = std::move(*broker);
    ASSERT_TRUE(broker_->CreateTopic("lines", 1).ok());
    input_ = dir_.File("input.txt");
    output_ = dir_.File("output.txt");
    WriteFile(input_, "");
    WriteProperties(dir_.File("worker.properties"),
                    {{"bootstrap.servers", broker_->bootstrap_servers()},
                     {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
                     {"value.converter", "org.apache.kafka.connect.storage.StringConverter"},
                     {"offset.storage.file.filename", dir_.File("offsets.json")},
                     {"offset.flush.interval.ms", "100"},
                     {"consumer.session.timeout.ms", "6000"},
                     {"consumer.heartbeat.interval.ms", "500"},
                     {"listeners", "http://127.0.0.1:0"}});
    WriteProperties(dir_.File("source.properties"), {{"name", "file-source"},
                                                     {"connector.class", "FileStreamSource"},
                                                     {"file", input_},
                                                     {"topic", "lines"}});
    WriteProperties(dir_.File("sink.properties"), {{"name", "file-sink"},
                                                   {"connector.class", "FileStreamSink"},
                                                   {"file", output_},
                                                   {"topics", "lines"}});
    const std::string log = dir_.File("worker.log");
    worker_ = std::make_unique<Process>(
        std::vector<std::string>{TributaryBinary(), "standalone", dir_.File("worker.properties"),
                                 dir_.File("source.properties"), dir_.File("sink.properties")},
        log);
    port_ = WaitForRestPort(log, seconds(30));
    ASSERT_NE(port_, 0) << worker_->Log();
  }

  void TearDown() override {
    if (!worker_) return;
    worker_->Kill(SIGTERM);
    EXPECT_EQ(worker_->Wait(seconds(30)), 0) << worker_->Log();
  }

  std::string Metrics() {
    HttpResult r = Fetch(port_, "GET", "/metrics");
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    return r.body;
  }

  // Waits until every task counter shows `lines` records.
  bool CountersReach(int64_t lines) {
    return WaitUntil(
        [&] {
          std::string m = Metrics();
          return Sample(m, kPoll) == lines && Sample(m, kWrite) == lines &&
                 Sample(m, kRead) == lines && Sample(m, kSend) == lines;
        },
        seconds(60));
  }

  static constexpr const char* kPoll =
      "kafka_connect_source_task_metrics_source_record_poll_total{connector=\"file-source\","
      "task=\"0\"}";
  static constexpr const char* kWrite =
      "kafka_connect_source_task_metrics_source_record_write_total{connector=\"file-source\","
      "task=\"0\"}";
  static constexpr const char* kRead =
      "kafka_connect_sink_task_metrics_sink_record_read_total{connector=\"file-sink\",task=\"0\"}";
  static constexpr const char* kSend =
      "kafka_connect_sink_task_metrics_sink_record_send_total{connector=\"file-sink\",task=\"0\"}";

  TempDir dir_;
  std::unique_ptr<runtime::EmbeddedBroker> broker_;
  std::string input_, output_;
  std::unique_ptr<Process> worker_;
  uint16_t port_ = 0;
};

TEST_F(MetricsEndpointTest, TaskCountersFollowTheRecords) {
  AppendFile(input_, Lines(0, 1000));
  ASSERT_TRUE(CountersReach(1000)) << Metrics() << worker_->Log();
  std::string m = Metrics();
  EXPECT_NE(m.find("# TYPE kafka_connect_source_task_metrics_source_record_poll_total counter\n"),
            std::string::npos);
  EXPECT_NE(Sample(m,
                   "kafka_connect_source_task_metrics_source_record_active_count{connector="
                   "\"file-source\",task=\"0\"}"),
            -1);

  AppendFile(input_, Lines(1000, 1500));
  ASSERT_TRUE(CountersReach(1500)) << Metrics();
  // The sink commits its offsets (offset.flush.interval.ms=100).
  EXPECT_TRUE(WaitUntil(
      [&] {
        return Sample(Metrics(),
                      "kafka_connect_sink_task_metrics_offset_commit_completion_total{connector="
                      "\"file-sink\",task=\"0\"}") > 0;
      },
      seconds(30)));

  // A sink that cannot parse the lines as JSON and tolerates it: task-error-metrics count them.
  const std::string tolerant =
      R"({"name":"json-sink","config":{"connector.class":"FileStreamSink","topics":"lines",)"
      R"("file":")" +
      dir_.File("json.txt") +
      R"(","value.converter":"org.apache.kafka.connect.json.JsonConverter",)"
      R"("value.converter.schemas.enable":"false","errors.tolerance":"all"}})";
  HttpResult created = Fetch(port_, "POST", "/connectors", tolerant);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string json_sink = "{connector=\"json-sink\",task=\"0\"}";
  EXPECT_TRUE(WaitUntil(
      [&] {
        std::string now = Metrics();
        return Sample(now, "kafka_connect_task_error_metrics_total_records_skipped_total" +
                               json_sink) == 1500 &&
               Sample(now, "kafka_connect_task_error_metrics_total_record_failures_total" +
                               json_sink) == 1500;
      },
      seconds(60)))
      << Metrics();
  m = Metrics();
  EXPECT_EQ(Sample(m, "kafka_connect_sink_task_metrics_sink_record_read_total" + json_sink), 1500);
  EXPECT_EQ(Sample(m, "kafka_connect_sink_task_metrics_sink_record_send_total" + json_sink), 0);
  EXPECT_EQ(
      Sample(m,
             "kafka_connect_task_error_metrics_total_record_errors_total{connector=\"file-sink\","
             "task=\"0\"}"),
      0);

  // A deleted connector's series leave the exposition.
  ASSERT_EQ(Fetch(port_, "DELETE", "/connectors/file-source").status, 204);
  EXPECT_TRUE(
      WaitUntil([&] { return Metrics().find("file-source") == std::string::npos; }, seconds(30)))
      << Metrics();
  EXPECT_EQ(Sample(Metrics(), kRead), 1500);
}

}  // namespace
}  // namespace tributary::testing
