// End to end on the real binary: a poison record in the middle of a topic, consumed by a sink
// with errors.tolerance=all goes to the dead-letter queue with Connect's __connect.errors.*
// headers while the records around it arrive; with errors.tolerance=none the task fails, its
// status says why, and after fixing the config and restarting nothing is lost.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <map>
#include <set>

#include "rest-api/tests/http_test_client.h"
#include "runtime/kafka/embedded_broker.h"
#include "tests/harness/harness.h"

namespace tributary::testing {
namespace {

using std::chrono::seconds;

struct DlqMessage {
  std::string value;
  std::map<std::string, std::string> headers;
};

class DlqPoisonRecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto broker = runtime::EmbeddedBroker::Start();
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    broker_ = std::move(*broker);
    ASSERT_TRUE(broker_->CreateTopic("in", 1).ok());
    ASSERT_TRUE(broker_->CreateTopic("dlq", 1).ok());
    output_ = dir_.File("output.txt");
    WriteProperties(dir_.File("worker.properties"),
                    {{"bootstrap.servers", broker_->bootstrap_servers()},
                     {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
                     {"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
                     {"value.converter.schemas.enable", "false"},
                     {"offset.storage.file.filename", dir_.File("offsets.json")},
                     {"offset.flush.interval.ms", "100"},
                     {"consumer.session.timeout.ms", "6000"},
                     {"consumer.heartbeat.interval.ms", "500"},
                     {"listeners", "http://127.0.0.1:0"}});
    // Five good records, the poison (not JSON) at offset 5, five more good ones.
    std::vector<std::pair<std::string, bool>> records;
    for (int i = 0; i < 5; ++i) records.push_back({"{\"n\":" + std::to_string(i) + "}", false});
    records.push_back({"not json", true});
    for (int i = 5; i < 10; ++i) records.push_back({"{\"n\":" + std::to_string(i) + "}", false});
    Produce(records);
  }

  void WriteSink(const std::map<std::string, std::string>& errors) {
    std::map<std::string, std::string> config{{"name", "sink"},
                                              {"connector.class", "FileStreamSink"},
                                              {"file", output_},
                                              {"topics", "in"}};
    config.insert(errors.begin(), errors.end());
    WriteProperties(dir_.File("sink.properties"), config);
  }

  void StartWorker() {
    log_ = dir_.File("worker" + std::to_string(++starts_) + ".log");
    worker_ = std::make_unique<Process>(
        std::vector<std::string>{TributaryBinary(), "standalone", dir_.File("worker.properties"),
                                 dir_.File("sink.properties")},
        log_);
    port_ = WaitForRestPort(log_, seconds(30));
    ASSERT_NE(port_, 0) << worker_->Log();
  }

  void StopWorker() {
    if (!worker_) return;
    worker_->Kill(SIGTERM);
    EXPECT_EQ(worker_->Wait(seconds(30)), 0) << worker_->Log();
    worker_.reset();
  }

  void TearDown() override { StopWorker(); }

  void Produce(const std::vector<std::pair<std::string, bool>>& records) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", broker_->bootstrap_servers().c_str(), err,
                      sizeof(err));
    rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    ASSERT_NE(producer, nullptr) << err;
    for (const auto& [value, poison] : records) {
      rd_kafka_headers_t* headers = rd_kafka_headers_new(1);
      rd_kafka_header_add(headers, "origin", -1, poison ? "bad" : "good", poison ? 3 : 4);
      ASSERT_EQ(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("in"), RD_KAFKA_V_PARTITION(0),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY("k", 1),
                                  RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                  RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END),
                RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    ASSERT_EQ(rd_kafka_flush(producer, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(producer);
  }

  // Every message of the DLQ topic, read from the beginning until `count` arrived or 30 s.
  std::vector<DlqMessage> ReadDlq(size_t count) {
    std::vector<DlqMessage> messages;
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", broker_->bootstrap_servers().c_str(), err,
                      sizeof(err));
    rd_kafka_conf_set(conf, "group.id", "dlq-reader", err, sizeof(err));
    rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, "dlq", 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(consumer, list);
    rd_kafka_topic_partition_list_destroy(list);
    WaitUntil(
        [&] {
          rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 200);
          if (m == nullptr) return false;
          if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            DlqMessage message;
            if (m->payload) message.value.assign(static_cast<const char*>(m->payload), m->len);
            rd_kafka_headers_t* headers = nullptr;
            if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
              const char* name;
              const void* data;
              size_t size;
              for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &data, &size) ==
                                 RD_KAFKA_RESP_ERR_NO_ERROR;
                   ++i) {
                message.headers[name] =
                    data ? std::string(static_cast<const char*>(data), size) : std::string();
              }
            }
            messages.push_back(std::move(message));
          }
          rd_kafka_message_destroy(m);
          return messages.size() >= count;
        },
        seconds(30));
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    return messages;
  }

  // The good records that reached the file ("n" values), as a set.
  std::set<std::string> Arrived() {
    std::set<std::string> lines;
    for (const auto& line : ReadLines(output_)) lines.insert(line);
    return lines;
  }

  void ExpectPoisonInDlq() {
    auto dlq = ReadDlq(1);
    ASSERT_EQ(dlq.size(), 1u);
    EXPECT_EQ(dlq[0].value, "not json");
    auto& h = dlq[0].headers;
    EXPECT_EQ(h["origin"], "bad");  // the original headers travel with it
    EXPECT_EQ(h["__connect.errors.topic"], "in");
    EXPECT_EQ(h["__connect.errors.partition"], "0");
    EXPECT_EQ(h["__connect.errors.offset"], "5");
    EXPECT_EQ(h["__connect.errors.connector.name"], "sink");
    EXPECT_EQ(h["__connect.errors.task.id"], "0");
    EXPECT_EQ(h["__connect.errors.stage"], "VALUE_CONVERTER");
    EXPECT_EQ(h["__connect.errors.class.name"], "org.apache.kafka.connect.json.JsonConverter");
    EXPECT_EQ(h["__connect.errors.exception.class.name"],
              "org.apache.kafka.connect.errors.DataException");
    EXPECT_FALSE(h["__connect.errors.exception.message"].empty());
    EXPECT_TRUE(h.count("__connect.errors.exception.stacktrace"));
  }

  const std::map<std::string, std::string> kTolerateAll{
      {"errors.tolerance", "all"},
      {"errors.log.enable", "true"},
      {"errors.deadletterqueue.topic.name", "dlq"},
      {"errors.deadletterqueue.topic.replication.factor", "1"},
      {"errors.deadletterqueue.context.headers.enable", "true"}};

  TempDir dir_;
  std::unique_ptr<runtime::EmbeddedBroker> broker_;
  std::string output_;
  std::string log_;
  int starts_ = 0;
  uint16_t port_ = 0;
  std::unique_ptr<Process> worker_;
};

TEST_F(DlqPoisonRecordTest, ToleranceAllSendsPoisonToDlqWithConnectHeaders) {
  WriteSink(kTolerateAll);
  StartWorker();
  ASSERT_TRUE(WaitUntil([&] { return Arrived().size() == 10; }, seconds(60)))
      << ReadFile(output_) << worker_->Log();
  EXPECT_EQ(ReadLines(output_).size(), 10u);
  ExpectPoisonInDlq();
  EXPECT_NE(ReadFile(log_).find("Error encountered in task sink-0. Executing stage "
                                "'VALUE_CONVERTER'"),
            std::string::npos);
}

TEST_F(DlqPoisonRecordTest, ToleranceNoneFailsTaskAndRestartAfterFixLosesNothing) {
  WriteSink({});
  StartWorker();
  std::string body;
  ASSERT_TRUE(WaitUntil(
      [&] {
        rest::testing::HttpResult r = rest::testing::Fetch(port_, "GET", "/connectors/sink/status");
        body = r.body;
        return r.status == 200 && body.find("\"FAILED\"") != std::string::npos;
      },
      seconds(60)))
      << body << worker_->Log();
  EXPECT_NE(body.find("Tolerance exceeded in error handler"), std::string::npos) << body;
  EXPECT_NE(body.find("topic 'in' partition 0 offset 5"), std::string::npos) << body;
  EXPECT_NE(body.find("VALUE_CONVERTER"), std::string::npos) << body;
  StopWorker();

  WriteSink(kTolerateAll);  // the fix: tolerate and dead-letter the poison record
  StartWorker();
  ASSERT_TRUE(WaitUntil([&] { return Arrived().size() == 10; }, seconds(60)))
      << ReadFile(output_) << worker_->Log();
  ExpectPoisonInDlq();
}

}  // namespace
}  // namespace tributary::testing
