// End to end on the real binary: the official Snowplow Node tracker -> SnowplowCollectorSource ->
// embedded Kafka; every record is read back from the good topic and its Thrift decoded.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "connectors/snowplow/collector_payload.h"
#include "rapidjson/document.h"
#include "rest-api/tests/http_test_client.h"
#include "runtime/kafka/embedded_broker.h"
#include "runtime/kafka/kafka_client.h"
#include "tests/harness/harness.h"

namespace tributary::testing {
namespace {

using connectors::snowplow::CollectorPayload;
using connectors::snowplow::DeserializeThrift;
using std::chrono::seconds;

// A port that was free a moment ago (the binary binds it; there is no way to ask it for port 0's).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class SnowplowCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto broker = runtime::EmbeddedBroker::Start();
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    broker_ = std::move(*broker);
    ASSERT_TRUE(broker_->CreateTopic("snowplow-good", 1).ok());
    ASSERT_TRUE(broker_->CreateTopic("snowplow-bad", 1).ok());
    port_ = FreePort();
    WriteProperties(dir_.File("worker.properties"),
                    {{"bootstrap.servers", broker_->bootstrap_servers()},
                     {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
                     {"value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter"},
                     {"offset.storage.file.filename", dir_.File("offsets.json")},
                     {"listeners", "http://127.0.0.1:0"}});
  }

  void StartWorker(std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> props = {{"name", "collector"},
                                                {"connector.class", "SnowplowCollectorSource"},
                                                {"interface", "127.0.0.1"},
                                                {"port", std::to_string(port_)},
                                                {"streams.good", "snowplow-good"},
                                                {"streams.bad", "snowplow-bad"}};
    for (auto& [k, v] : extra) props[k] = v;
    WriteProperties(dir_.File("collector.properties"), props);
    worker_ = std::make_unique<Process>(
        std::vector<std::string>{TributaryBinary(), "standalone", dir_.File("worker.properties"),
                                 dir_.File("collector.properties")},
        dir_.File("worker.log"));
    ASSERT_TRUE(WaitUntil(
        [&] {
          auto r = rest::testing::Fetch(static_cast<uint16_t>(port_), "GET", "/health");
          return r.ok && r.status == 200;
        },
        seconds(30)))
        << worker_->Log();
  }

  // Runs the Node tracker script; true when it exited 0.
  bool RunTracker(const std::string& method) {
    std::string script = std::string(TRIBUTARY_SOURCE_DIR) + "/tests/snowplow/send_events.mjs";
    Process node({"/usr/bin/env", "node", script, std::to_string(port_), method},
                 dir_.File("node-" + method + ".log"));
    auto code = node.Wait(std::chrono::milliseconds(60000));
    tracker_log_ = node.Log();
    return code == 0;
  }

  // Every record of `topic` so far (values), waiting until at least `min` arrived.
  std::vector<std::string> ReadTopic(const std::string& topic, size_t min) {
    auto consumer = runtime::CreateKafkaHandle(RD_KAFKA_CONSUMER,
                                               {{"bootstrap.servers", broker_->bootstrap_servers()},
                                                {"group.id", "itest"},
                                                {"enable.auto.commit", "false"}});
    EXPECT_TRUE(consumer.ok());
    if (!consumer.ok()) return {};
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(consumer->get(), list);
    rd_kafka_topic_partition_list_destroy(list);
    std::vector<std::string> values;
    auto deadline = std::chrono::steady_clock::now() + seconds(20);
    // Read until `min` arrived, then drain what is left for a short while.
    auto quiet_until = std::chrono::steady_clock::time_point::max();
    while (std::chrono::steady_clock::now() < std::min(deadline, quiet_until)) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer->get(), 100);
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        values.emplace_back(static_cast<const char*>(m->payload), m->len);
      }
      rd_kafka_message_destroy(m);
      if (values.size() >= min && quiet_until == std::chrono::steady_clock::time_point::max()) {
        quiet_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
      }
    }
    rd_kafka_consumer_close(consumer->get());
    return values;
  }

  static std::vector<CollectorPayload> Decode(const std::vector<std::string>& values) {
    std::vector<CollectorPayload> out;
    for (const auto& v : values) {
      auto p = DeserializeThrift(v);
      EXPECT_TRUE(p.ok()) << p.status().ToString();
      if (p.ok()) out.push_back(std::move(*p));
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<runtime::EmbeddedBroker> broker_;
  std::unique_ptr<Process> worker_;
  int port_ = 0;
  std::string tracker_log_;
};

bool HasHeader(const CollectorPayload& p, const std::string& prefix) {
  for (const auto& h : p.headers) {
    if (h.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

void ExpectCommonFields(const CollectorPayload& p, int port) {
  EXPECT_EQ(p.schema, "iglu:com.snowplowanalytics.snowplow/CollectorPayload/thrift/1-0-0");
  EXPECT_EQ(p.ipAddress, "127.0.0.1");
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  EXPECT_GT(p.timestamp, now - 120000);
  EXPECT_LE(p.timestamp, now);
  EXPECT_EQ(p.encoding, "UTF-8");
  EXPECT_EQ(p.collector.rfind("tributary-", 0), 0u) << p.collector;
  EXPECT_TRUE(p.__isset.querystring);
  EXPECT_EQ(p.hostname, "127.0.0.1");
  EXPECT_EQ(p.networkUserId.size(), 36u) << p.networkUserId;
  EXPECT_TRUE(HasHeader(p, "host: 127.0.0.1:" + std::to_string(port)) ||
              HasHeader(p, "Host: 127.0.0.1:" + std::to_string(port)));
}

TEST_F(SnowplowCollectorTest, NodeTrackerEventsReachTheGoodTopicOverGetAndPost) {
  StartWorker();
  ASSERT_TRUE(RunTracker("get")) << tracker_log_ << worker_->Log();
  ASSERT_TRUE(RunTracker("post")) << tracker_log_ << worker_->Log();

  std::vector<CollectorPayload> payloads = Decode(ReadTopic("snowplow-good", 4));
  std::vector<CollectorPayload> gets, posts;
  for (auto& p : payloads) {
    ExpectCommonFields(p, port_);
    (p.__isset.body ? posts : gets).push_back(p);
  }
  ASSERT_EQ(gets.size(), 3u);
  std::set<std::string> kinds;
  for (const auto& p : gets) {
    EXPECT_EQ(p.path, "/i");
    EXPECT_FALSE(p.__isset.contentType);
    const std::string& q = p.querystring;
    EXPECT_NE(q.find("aid=tributary-itest"), std::string::npos) << q;
    EXPECT_NE(q.find("tna=itest"), std::string::npos) << q;
    EXPECT_NE(q.find("p=srv"), std::string::npos) << q;
    EXPECT_NE(q.find("tv=node-"), std::string::npos) << q;
    EXPECT_NE(q.find("uid=user-42"), std::string::npos) << q;
    EXPECT_NE(q.find("eid="), std::string::npos) << q;
    if (q.find("e=pv") != std::string::npos) {
      kinds.insert("pv");
      EXPECT_NE(q.find("url=https%3A%2F%2Fshop.example%2Fproducts%2F7"), std::string::npos) << q;
      EXPECT_NE(q.find("page=Product%207"), std::string::npos) << q;
    } else if (q.find("e=se") != std::string::npos) {
      kinds.insert("se");
      EXPECT_NE(q.find("se_ca=shop"), std::string::npos) << q;
      EXPECT_NE(q.find("se_ac=add-to-basket"), std::string::npos) << q;
      EXPECT_NE(q.find("se_la=sku-7"), std::string::npos) << q;
      EXPECT_NE(q.find("se_pr=red"), std::string::npos) << q;
      EXPECT_NE(q.find("se_va=2"), std::string::npos) << q;
    } else if (q.find("e=ue") != std::string::npos) {
      kinds.insert("ue");
      EXPECT_NE(q.find("ue_pr="), std::string::npos) << q;
      EXPECT_NE(q.find("com.acme%2Fcheckout"), std::string::npos) << q;
    }
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"pv", "se", "ue"}));

  ASSERT_EQ(posts.size(), 1u);
  const CollectorPayload& post = posts[0];
  EXPECT_EQ(post.path, "/com.snowplowanalytics.snowplow/tp2");
  EXPECT_EQ(post.querystring, "");
  EXPECT_EQ(post.contentType, "application/json; charset=utf-8");
  EXPECT_EQ(post.headers.back(), "application/json; charset=UTF-8");
  rapidjson::Document body;
  body.Parse(post.body.c_str());
  ASSERT_FALSE(body.HasParseError()) << post.body;
  EXPECT_STREQ(body["schema"].GetString(),
               "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4");
  ASSERT_EQ(body["data"].Size(), 3u);
  std::set<std::string> post_kinds;
  for (const auto& e : body["data"].GetArray()) {
    post_kinds.insert(e["e"].GetString());
    EXPECT_STREQ(e["aid"].GetString(), "tributary-itest");
    EXPECT_STREQ(e["uid"].GetString(), "user-42");
    EXPECT_TRUE(e.HasMember("stm"));
    if (std::string(e["e"].GetString()) == "se")
      EXPECT_STREQ(e["se_ac"].GetString(), "add-to-basket");
    if (std::string(e["e"].GetString()) == "ue") {
      EXPECT_NE(std::string(e["ue_pr"].GetString()).find("\"orderId\":\"o-99\""),
                std::string::npos);
    }
  }
  EXPECT_EQ(post_kinds, (std::set<std::string>{"pv", "se", "ue"}));
  worker_->Kill(SIGTERM);
  EXPECT_EQ(worker_->Wait(seconds(30)), 0) << worker_->Log();
}

TEST_F(SnowplowCollectorTest, BrokerDownMeans503AndEveryRequestAnswered200IsOnTheTopic) {
  StartWorker({{"ack.timeout.ms", "1000"}});
  std::vector<int> answered_ok;
  auto send = [&](int n) {
    auto r = rest::testing::Fetch(static_cast<uint16_t>(port_), "GET",
                                  "/i?e=pv&tv=itest&eid=req-" + std::to_string(n));
    if (r.ok && r.status == 200) answered_ok.push_back(n);
    return r;
  };
  for (int n = 0; n < 3; ++n) EXPECT_EQ(send(n).status, 200);

  ASSERT_TRUE(broker_->BrokerDown(1).ok());
  for (int n = 3; n < 6; ++n) {
    auto start = std::chrono::steady_clock::now();
    auto r = send(n);
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, 503);
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
  }
  auto health = rest::testing::Fetch(static_cast<uint16_t>(port_), "GET", "/sink-health");
  EXPECT_EQ(health.status, 503);
  ASSERT_TRUE(broker_->BrokerUp(1).ok());
  // Once Kafka is back the collector answers 200 again.
  int n = 6;
  ASSERT_TRUE(WaitUntil([&] { return send(n++).status == 200; }, seconds(60))) << worker_->Log();
  for (int i = 0; i < 5; ++i) send(n++);

  std::set<std::string> on_topic;
  for (const auto& p : Decode(ReadTopic("snowplow-good", answered_ok.size()))) {
    auto at = p.querystring.find("eid=");
    if (at != std::string::npos) on_topic.insert(p.querystring.substr(at + 4));
  }
  for (int ok : answered_ok) {
    EXPECT_TRUE(on_topic.count("req-" + std::to_string(ok)))
        << "req-" << ok << " answered 200 but lost";
  }
  worker_->Kill(SIGTERM);
  EXPECT_EQ(worker_->Wait(seconds(30)), 0) << worker_->Log();
}

}  // namespace
}  // namespace tributary::testing
