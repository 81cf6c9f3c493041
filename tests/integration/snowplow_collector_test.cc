// End to end on the real binary: the official Snowplow Node tracker -> SnowplowCollectorSource ->
// embedded Kafka; every record is read back from the good topic and its Thrift decoded.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

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

  // The `eid` query parameter of every GET payload on the good topic (at least `min` of them).
  std::set<std::string> EidsOnTopic(size_t min) {
    std::set<std::string> eids;
    for (const auto& p : Decode(ReadTopic("snowplow-good", min))) {
      auto at = p.querystring.find("eid=");
      if (at == std::string::npos) continue;
      auto end = p.querystring.find('&', at);
      eids.insert(p.querystring.substr(at + 4, end == std::string::npos ? end : end - at - 4));
    }
    return eids;
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
    if (std::string(e["e"].GetString()) == "se") {
      EXPECT_STREQ(e["se_ac"].GetString(), "add-to-basket");
    }
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

TEST_F(SnowplowCollectorTest, SigkillUnderLoadLosesNoRequestAnswered200) {
  StartWorker({{"ack.timeout.ms", "3000"}});
  std::mutex mu;
  std::vector<std::string> answered_ok;
  std::atomic<bool> stop{false};
  std::atomic<int> ok_count{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int n = 0; !stop; ++n) {
        std::string eid = "kill-" + std::to_string(t) + "-" + std::to_string(n);
        auto r = rest::testing::Fetch(static_cast<uint16_t>(port_), "GET",
                                      "/i?e=pv&tv=itest&p=web&eid=" + eid);
        if (r.ok && r.status == 200) {
          std::lock_guard<std::mutex> lock(mu);
          answered_ok.push_back(eid);
          ++ok_count;
        }
      }
    });
  }
  // Kill while the clients are in full flow (some requests are always waiting for Kafka).
  bool loaded = WaitUntil([&] { return ok_count >= 200; }, seconds(60));
  worker_->Kill(SIGKILL);
  worker_->Wait(seconds(10));
  // After the kill requests fail to connect (a 200 written just before it may still be read).
  stop = true;
  for (auto& c : clients) c.join();
  ASSERT_TRUE(loaded) << worker_->Log();

  StartWorker({{"ack.timeout.ms", "3000"}});
  auto again = rest::testing::Fetch(static_cast<uint16_t>(port_), "GET", "/i?e=pv&eid=after");
  EXPECT_EQ(again.status, 200);

  std::set<std::string> on_topic = EidsOnTopic(answered_ok.size() + 1);
  size_t missing = 0;
  for (const auto& eid : answered_ok) {
    if (!on_topic.count(eid)) {
      ++missing;
      ADD_FAILURE() << eid << " answered 200 but is not on the good topic";
      if (missing > 10) break;
    }
  }
  EXPECT_TRUE(on_topic.count("after"));
  worker_->Kill(SIGTERM);
  EXPECT_EQ(worker_->Wait(seconds(30)), 0) << worker_->Log();
}

// A raw TCP connection to the collector, for bytes no HTTP client would send.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConnection() { close(fd_); }
  bool connected() const { return connected_; }
  bool Send(const std::string& bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Whether the server closed the connection (end-of-file or reset) without having sent a byte.
  // Returns without waiting.
  bool ClosedByServer() {
    char c;
    ssize_t n = recv(fd_, &c, 1, MSG_DONTWAIT);
    if (n > 0) received_ = true;
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }
  bool received() const { return received_; }

 private:
  int fd_;
  bool connected_ = false;
  bool received_ = false;
};

int64_t ResidentKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

TEST_F(SnowplowCollectorTest, BadInputGetsTheRightStatusAndTheWorkerStaysHealthy) {
  StartWorker({{"networking.dropPayloadSize", "20000"}, {"networking.maxPayloadSize", "15000"}});
  const auto port = static_cast<uint16_t>(port_);
  auto bad_requests = [&] {
    {
      rest::testing::HttpTestClient c(port);
      auto r = c.SendRaw("GARBAGE\r\n\r\n");
      EXPECT_TRUE(r.ok && r.status == 400) << r.status << " " << r.error;
    }
    {
      rest::testing::HttpTestClient c(port);
      auto r = c.SendRaw("GET /i?e=pv HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n");
      EXPECT_TRUE(r.ok && r.status == 400) << r.status << " " << r.error;
    }
    {
      rest::testing::HttpTestClient c(port);
      auto r = c.SendRaw("GET /i?e=pv HTTP/9.7\r\nHost: x\r\n\r\n");
      EXPECT_TRUE(!r.ok || r.status == 400) << r.status;
    }
    {
      rest::testing::HttpTestClient c(port);
      auto r = c.SendRaw(
          "POST /com.snowplowanalytics.snowplow/tp2 HTTP/1.1\r\nHost: x\r\n"
          "Content-Length: nope\r\n\r\n");
      EXPECT_TRUE(r.ok && r.status == 400) << r.status << " " << r.error;
    }
    // Malformed query strings are the tracker's business: sunk as they are (as the reference).
    EXPECT_EQ(rest::testing::Fetch(port, "GET", "/i?e=pv&&=%zz&eid=badquery&%").status, 200);
    for (const char* method : {"PUT", "DELETE", "PATCH"}) {
      EXPECT_EQ(rest::testing::Fetch(port, method, "/i").status, 404) << method;
      EXPECT_EQ(rest::testing::Fetch(port, method, "/com.snowplowanalytics.snowplow/tp2").status,
                404)
          << method;
    }
    EXPECT_EQ(rest::testing::Fetch(port, "POST", "/i", "x").status, 404);
    EXPECT_EQ(rest::testing::Fetch(port, "POST", "/health").status, 404);
    EXPECT_EQ(rest::testing::Fetch(port, "POST", "/com.snowplowanalytics.snowplow/tp2",
                                   std::string(30000, 'x'), {{"Content-Type", "application/json"}})
                  .status,
              413);
  };
  bad_requests();
  // Invalid JSON on tp2 is sunk unchanged (Enrich turns it into a bad row), as the reference.
  const std::string invalid = "{\"schema\":\"iglu:x\",\"data\":[{\"e\":\"pv\",";
  EXPECT_EQ(rest::testing::Fetch(port, "POST", "/com.snowplowanalytics.snowplow/tp2", invalid,
                                 {{"Content-Type", "application/json"}})
                .status,
            200);
  const int64_t rss_after_first = ResidentKb(worker_->pid());
  for (int i = 0; i < 20; ++i) bad_requests();
  const int64_t rss_after_more = ResidentKb(worker_->pid());
  EXPECT_LT(rss_after_more - rss_after_first, 64 * 1024)
      << rss_after_first << " kB -> " << rss_after_more << " kB";

  auto health = rest::testing::Fetch(port, "GET", "/health");
  EXPECT_EQ(health.status, 200);
  bool found_invalid = false;
  for (const auto& p : Decode(ReadTopic("snowplow-good", 2))) {
    if (p.__isset.body && p.body == invalid) found_invalid = true;
  }
  EXPECT_TRUE(found_invalid);
  EXPECT_TRUE(worker_->Running());
  worker_->Kill(SIGTERM);
  EXPECT_EQ(worker_->Wait(seconds(30)), 0) << worker_->Log();
}

TEST_F(SnowplowCollectorTest, SlowlorisIsClosedAtTheTimeoutAndBlocksNobody) {
  StartWorker({{"networking.responseHeaderTimeout", "2 seconds"}, {"server.threads", "1"}});
  // Several slow clients, one header byte every 100 ms, on a single server thread.
  const std::string request =
      "GET /i?e=pv&eid=slow HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris-" +
      std::string(80, 'x') + "\r\n\r\n";
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 8; ++i) {
    slow.push_back(std::make_unique<RawConnection>(port_));
    ASSERT_TRUE(slow.back()->connected());
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::optional<std::chrono::steady_clock::duration>> closed_after(slow.size());
  size_t sent = 0;
  int fast_ok = 0;
  // Each round sends a byte to every slow client and makes one normal request in between.
  while (std::chrono::steady_clock::now() - start < seconds(6) && sent < request.size()) {
    for (size_t i = 0; i < slow.size(); ++i) {
      if (closed_after[i]) continue;
      if (slow[i]->ClosedByServer() || !slow[i]->Send(request.substr(sent, 1))) {
        closed_after[i] = std::chrono::steady_clock::now() - start;
      }
    }
    ++sent;
    auto t0 = std::chrono::steady_clock::now();
    auto r = rest::testing::Fetch(static_cast<uint16_t>(port_), "GET",
                                  "/i?e=pv&eid=fast-" + std::to_string(sent));
    if (r.ok && r.status == 200 && std::chrono::steady_clock::now() - t0 < seconds(1)) ++fast_ok;
    // One byte per ~100 ms, including the time the normal request took.
    auto next = t0 + std::chrono::milliseconds(100);
    std::this_thread::sleep_until(next);
  }
  for (size_t i = 0; i < slow.size(); ++i) {
    ASSERT_TRUE(closed_after[i].has_value()) << "slow client " << i << " still open";
    EXPECT_GE(*closed_after[i], std::chrono::milliseconds(1900));
    EXPECT_LE(*closed_after[i], std::chrono::milliseconds(4000));
    EXPECT_FALSE(slow[i]->received()) << "slow client " << i << " got a response";
  }
  // Every normal request made while the slow clients dribbled was answered promptly.
  EXPECT_GE(fast_ok, static_cast<int>(sent) - 1) << fast_ok << " of " << sent;
  EXPECT_EQ(rest::testing::Fetch(static_cast<uint16_t>(port_), "GET", "/health").status, 200);
  EXPECT_TRUE(worker_->Running());
  worker_->Kill(SIGTERM);
  EXPECT_EQ(worker_->Wait(seconds(30)), 0) << worker_->Log();
}

}  // namespace
}  // namespace tributary::testing
