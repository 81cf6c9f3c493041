#include "rest-api/rest_server.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "rest-api/tests/fake_herder.h"
#include "rest-api/tests/http_test_client.h"
#include "runtime/metrics/metrics_registry.h"

namespace tributary::rest {
namespace {

using testing::FakeHerder;
using testing::Fetch;
using testing::HttpResult;
using testing::HttpTestClient;

runtime::ConnectorStateInfo RunningSource(const std::string& name) {
  runtime::ConnectorStateInfo info;
  info.name = name;
  info.state = runtime::State::kRunning;
  info.worker_id = "10.0.0.1:8083";
  info.type = ConnectorType::kSource;
  info.tasks.push_back({0, runtime::State::kRunning, "10.0.0.1:8083", ""});
  return info;
}

class RestServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RestServerConfig config;
    config.listeners = "http://127.0.0.1:0";
    config.version = "0.1.0";
    config.commit = "abc123";
    config.metrics = &metrics_;
    server_ = std::make_unique<RestServer>(config, &herder_);
    Status status = server_->Start();
    ASSERT_TRUE(status.ok()) << status.ToString();
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }

  HttpResult Get(const std::string& target) { return Fetch(port_, "GET", target); }

  static void ExpectJson(const HttpResult& r, int status, const std::string& body) {
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.body, body);
    EXPECT_EQ(r.headers.count("content-type") ? r.headers.at("content-type") : "",
              "application/json");
  }

  FakeHerder herder_;
  runtime::MetricsRegistry metrics_;
  std::unique_ptr<RestServer> server_;
  uint16_t port_ = 0;
};

TEST_F(RestServerTest, ServerInfo) {
  ExpectJson(Get("/"), 200, R"({"version":"0.1.0","commit":"abc123","kafka_cluster_id":null})");
  herder_.SetClusterId("lkc-123");
  ExpectJson(Get("/"), 200,
             R"({"version":"0.1.0","commit":"abc123","kafka_cluster_id":"lkc-123"})");
}

TEST_F(RestServerTest, ListenerUrlsReportTheBoundPort) {
  auto urls = server_->ListenerUrls();
  ASSERT_EQ(urls.size(), 1u);
  EXPECT_EQ(urls[0], "http://127.0.0.1:" + std::to_string(port_));
}

TEST_F(RestServerTest, MetricsInPrometheusTextFormat) {
  HttpResult empty = Get("/metrics");
  ASSERT_TRUE(empty.ok) << empty.error;
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body, "");
  EXPECT_EQ(empty.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");

  auto group = metrics_.NewGroup({{"connector", "my \"src\""}, {"task", "0"}});
  Counter polled = group->AddCounter("kafka_connect_source_task_metrics_source_record_poll_total",
                                     "Records polled.");
  polled.Increment(3);
  HttpResult r = Get("/metrics");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.body,
            "# HELP kafka_connect_source_task_metrics_source_record_poll_total Records polled.\n"
            "# TYPE kafka_connect_source_task_metrics_source_record_poll_total counter\n"
            "kafka_connect_source_task_metrics_source_record_poll_total{connector=\"my "
            "\\\"src\\\"\",task=\"0\"} 3\n");
  polled.Increment();
  EXPECT_NE(Get("/metrics").body.find("} 4\n"), std::string::npos);
  HttpResult head = Fetch(port_, "HEAD", "/metrics");
  ASSERT_TRUE(head.ok) << head.error;
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(Fetch(port_, "POST", "/metrics").status, 405);
}

TEST_F(RestServerTest, HealthFollowsTheHerder) {
  ExpectJson(
      Get("/health"), 200,
      R"({"status":"healthy","message":"Worker has completed startup and is ready to handle requests."})");
  herder_.SetHealth(runtime::WorkerHealth::kStarting);
  ExpectJson(Get("/health"), 503,
             R"({"status":"starting","message":"Worker is still starting up."})");
  herder_.SetHealth(runtime::WorkerHealth::kUnhealthy);
  ExpectJson(
      Get("/health"), 500,
      R"({"status":"unhealthy","message":"Worker was unable to handle this request and may be unable to handle other requests."})");
}

TEST_F(RestServerTest, ListsConnectorsSorted) {
  ExpectJson(Get("/connectors"), 200, "[]");
  herder_.SetStatus(RunningSource("zeta"));
  herder_.SetStatus(RunningSource("alpha"));
  ExpectJson(Get("/connectors"), 200, R"(["alpha","zeta"])");
}

TEST_F(RestServerTest, ExpandStatusSkipsConnectorsDeletedMeanwhile) {
  herder_.SetStatus(RunningSource("b"));
  herder_.AddVanishingName("a");
  const std::string b_status =
      R"({"name":"b","connector":{"state":"RUNNING","worker_id":"10.0.0.1:8083"},)"
      R"("tasks":[{"id":0,"state":"RUNNING","worker_id":"10.0.0.1:8083"}],"type":"source"})";
  ExpectJson(Get("/connectors?expand=status"), 200, R"({"b":{"status":)" + b_status + "}}");
  const std::string b_info =
      R"({"name":"b","config":{"name":"b"},"tasks":[{"connector":"b","task":0}],"type":"source"})";
  ExpectJson(Get("/connectors?expand=info&expand=status"), 200,
             R"({"b":{"info":)" + b_info + R"(,"status":)" + b_status + "}}");
  ExpectJson(Get("/connectors?expand=info"), 200, R"({"b":{"info":)" + b_info + "}}");
  // Unknown expansions are ignored: each name maps to {}.
  ExpectJson(Get("/connectors?expand=nothing"), 200, R"({"a":{},"b":{}})");
}

TEST_F(RestServerTest, ConnectorStatus) {
  runtime::ConnectorStateInfo info;
  info.name = "pg sink/1";
  info.state = runtime::State::kFailed;
  info.worker_id = "w:8083";
  info.trace = "java.lang.Oops\n";
  info.type = ConnectorType::kSink;
  info.tasks.push_back({0, runtime::State::kPaused, "w:8083", ""});
  info.tasks.push_back({1, runtime::State::kFailed, "w2:8083", "Trace \"1\""});
  herder_.SetStatus(info);
  ExpectJson(
      Get("/connectors/pg%20sink%2F1/status"), 200,
      R"({"name":"pg sink/1","connector":{"state":"FAILED","worker_id":"w:8083",)"
      R"("trace":"java.lang.Oops\n"},"tasks":[{"id":0,"state":"PAUSED","worker_id":"w:8083"},)"
      R"({"id":1,"state":"FAILED","worker_id":"w2:8083","trace":"Trace \"1\""}],"type":"sink"})");
  ExpectJson(Get("/connectors/pg%20sink%2F1/tasks/1/status"), 200,
             R"({"id":1,"state":"FAILED","worker_id":"w2:8083","trace":"Trace \"1\""})");
}

TEST_F(RestServerTest, UnknownConnectorIs404WithHerderMessage) {
  ExpectJson(Get("/connectors/nope/status"), 404,
             R"({"error_code":404,"message":"No status found for connector nope"})");
  ExpectJson(Get("/connectors/nope/tasks/0/status"), 404,
             R"({"error_code":404,"message":"No status found for task nope-0"})");
  herder_.SetStatus(RunningSource("yes"));
  ExpectJson(Get("/connectors/yes/tasks/7/status"), 404,
             R"({"error_code":404,"message":"No status found for task yes-7"})");
  ExpectJson(Get("/connectors/yes/tasks/x/status"), 404,
             R"({"error_code":404,"message":"HTTP 404 Not Found"})");
}

TEST_F(RestServerTest, UnknownPathAndWrongMethodAreJsonErrors) {
  ExpectJson(Get("/no/such/thing"), 404, R"({"error_code":404,"message":"HTTP 404 Not Found"})");
  HttpResult r = Fetch(port_, "DELETE", "/health");
  ExpectJson(r, 405, R"({"error_code":405,"message":"HTTP 405 Method Not Allowed"})");
  EXPECT_EQ(r.headers["allow"], "GET,HEAD");
  ExpectJson(Fetch(port_, "BREW", "/connectors"), 405,
             R"({"error_code":405,"message":"HTTP 405 Method Not Allowed"})");
}

TEST_F(RestServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  HttpTestClient client(port_);
  ASSERT_TRUE(client.connected());
  HttpResult first = client.Request("GET", "/health");
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_EQ(first.status, 200);
  EXPECT_TRUE(first.keep_alive);
  HttpResult second = client.Request("GET", "/connectors");
  ASSERT_TRUE(second.ok) << second.error;
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, "[]");
}

TEST_F(RestServerTest, HeadAnswersHeadersOnly) {
  HttpTestClient client(port_);
  HttpResult head = client.Request("HEAD", "/health");
  ASSERT_TRUE(head.ok) << head.error;
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.headers["content-length"], "94");
  // The connection is still in sync: the next response is read whole.
  HttpResult get = client.Request("GET", "/health");
  ASSERT_TRUE(get.ok) << get.error;
  EXPECT_EQ(get.body.size(), 94u);
}

TEST_F(RestServerTest, ConnectionCloseIsHonoured) {
  HttpTestClient client(port_);
  HttpResult r = client.Request("GET", "/", "", {{"Connection", "close"}});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.keep_alive);
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(RestServerTest, OversizedBodyIs413AndConnectionCloses) {
  HttpTestClient client(port_);
  HttpResult r = client.SendRaw(
      "POST /connectors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 20000000\r\n\r\n");
  ExpectJson(
      r, 413,
      R"({"error_code":413,"message":"Request body is larger than the limit of 10485760 bytes"})");
  EXPECT_TRUE(client.WaitForClose());
  ExpectJson(Get("/connectors"), 200, "[]");
}

TEST_F(RestServerTest, MalformedRequestIs400AndServerKeepsServing) {
  for (const char* garbage :
       {"GARBAGE\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
        "G\x01T / HTTP/1.1\r\n\r\n"}) {
    HttpTestClient client(port_);
    ASSERT_TRUE(client.connected());
    HttpResult r = client.SendRaw(garbage);
    ExpectJson(r, 400, R"({"error_code":400,"message":"Bad Request"})");
    EXPECT_TRUE(client.WaitForClose());
  }
  ExpectJson(Get("/connectors"), 200, "[]");
}

TEST_F(RestServerTest, BadEscapeInPathIs400) {
  ExpectJson(Get("/connectors/%zz/status"), 400,
             R"({"error_code":400,"message":"Malformed percent-encoding in request path"})");
}

TEST_F(RestServerTest, StopClosesOpenConnectionsAndIsIdempotent) {
  HttpTestClient busy(port_);
  ASSERT_TRUE(busy.Request("GET", "/health").ok);
  HttpTestClient idle(port_);  // connected, never sent anything
  ASSERT_TRUE(idle.connected());
  const auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(busy.WaitForClose());
  EXPECT_TRUE(idle.WaitForClose());
  server_->Stop();
  EXPECT_FALSE(HttpTestClient(port_).connected());
  EXPECT_EQ(server_->Start().code(), StatusCode::kInternal);
}

TEST(RestServerStartTest, RejectsHttpsListenersWithoutKeystore) {
  FakeHerder herder;
  RestServerConfig config;
  config.listeners = "http://127.0.0.1:0,https://127.0.0.1:0";
  RestServer server(config, &herder);
  Status status = server.Start();
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_NE(status.message().find("needs a PEM keystore"), std::string::npos) << status.message();
  EXPECT_EQ(server.port(), 0);
}

TEST(RestServerStartTest, RejectsMalformedListeners) {
  FakeHerder herder;
  RestServerConfig config;
  config.listeners = "127.0.0.1:8083";
  RestServer server(config, &herder);
  EXPECT_EQ(server.Start().code(), StatusCode::kInvalidConfig);
}

TEST(RestServerStartTest, AddressInUseIsIoErrorNamingTheAddress) {
  FakeHerder herder;
  RestServerConfig config;
  config.listeners = "http://127.0.0.1:0";
  RestServer first(config, &herder);
  ASSERT_TRUE(first.Start().ok());
  config.listeners = "http://127.0.0.1:" + std::to_string(first.port());
  RestServer second(config, &herder);
  Status status = second.Start();
  EXPECT_EQ(status.code(), StatusCode::kIoError);
  EXPECT_NE(status.message().find(config.listeners), std::string::npos) << status.message();
  // The first server is unaffected.
  EXPECT_EQ(Fetch(first.port(), "GET", "/health").status, 200);
}

TEST(RestServerStartTest, ListensOnLocalhostAndAllInterfaces) {
  FakeHerder herder;
  for (const char* listeners : {"http://localhost:0", "http://:0"}) {
    RestServerConfig config;
    config.listeners = listeners;
    RestServer server(config, &herder);
    Status status = server.Start();
    ASSERT_TRUE(status.ok()) << listeners << ": " << status.ToString();
    // localhost may resolve to ::1 first; the test client speaks IPv4, so only check "all".
    if (std::string(listeners) == "http://:0") {
      EXPECT_EQ(Fetch(server.port(), "GET", "/health").status, 200);
    }
  }
}

TEST(RestServerStartTest, DestroyingAnUnstartedServerIsFine) {
  FakeHerder herder;
  RestServer server(RestServerConfig{}, &herder);
  server.Stop();
  EXPECT_EQ(server.port(), 0);
}

}  // namespace
}  // namespace tributary::rest
