// The task with its real HTTP server on 127.0.0.1; the test plays the worker (Poll/CommitRecord).
#include "connectors/snowplow/snowplow_source.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <thread>

#include "tests/harness/harness.h"

namespace tributary::connectors::snowplow {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using namespace std::chrono_literals;
using tributary::testing::WaitUntil;

struct Reply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
};

// One request and its answer on a connected stream (plain or TLS).
template <class Stream>
Reply Exchange(Stream& stream, http::verb method, const std::string& target,
               const std::string& body) {
  http::request<http::string_body> req(method, target, 11);
  req.set(http::field::host, "127.0.0.1");
  if (method == http::verb::post) req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  beast::error_code ec;
  http::write(stream, req, ec);
  if (ec) return {-1, ec.message(), {}};
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  http::read(stream, buffer, parser, ec);
  if (ec) return {-1, ec.message(), {}};
  Reply reply{static_cast<int>(parser.get().result_int()), parser.get().body(), {}};
  for (const auto& field : parser.get()) {
    reply.headers[std::string(field.name_string())] = std::string(field.value());
  }
  return reply;
}

Reply Send(int port, http::verb method, const std::string& target, const std::string& body = "") {
  boost::asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(
      tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)));
  return Exchange(stream, method, target, body);
}

// Over TLS, trusting only `ca_file`.
Reply SendTls(int port, const std::string& ca_file, http::verb method, const std::string& target) {
  boost::asio::io_context ioc;
  ssl::context context(ssl::context::tls_client);
  context.load_verify_file(ca_file);
  context.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, context);
  beast::get_lowest_layer(stream).expires_after(10s);
  beast::get_lowest_layer(stream).connect(
      tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)));
  beast::error_code ec;
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) return {-1, "handshake: " + ec.message(), {}};
  return Exchange(stream, method, target, "");
}

class SnowplowSourceTaskTest : public ::testing::Test {
 protected:
  void StartTask(ConfigMap extra = {}) {
    ConfigMap props = {{"streams.good", "good"},
                       {"streams.bad", "bad"},
                       {"port", "0"},
                       {"interface", "127.0.0.1"}};
    for (auto& [k, v] : extra) props[k] = v;
    ASSERT_TRUE(task_.Start(props).ok());
    port_ = task_.port();
    ASSERT_GT(port_, 0);
  }
  void TearDown() override { task_.Stop(); }

  // Polls until `n` records arrived (or 10 s passed).
  std::vector<SourceRecord> PollRecords(size_t n) {
    std::vector<SourceRecord> out;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
      auto batch = task_.Poll();  // never waits
      EXPECT_TRUE(batch.ok());
      if (batch->empty()) std::this_thread::sleep_for(1ms);
      for (auto& r : *batch) out.push_back(std::move(r));
    }
    return out;
  }

  SnowplowCollectorSourceTask task_;
  int port_ = 0;
};

// The answers' bytes: status line, Content-Length, no body for HEAD, "Connection: close" when the
// client asked for it (and the connection then closes), pipelined requests answered in order.
TEST_F(SnowplowSourceTaskTest, AnswersAreWellFormedHttp) {
  StartTask();
  boost::asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(
      tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port_)));
  boost::asio::write(socket, boost::asio::buffer(std::string(
                                 "HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n"
                                 "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
  std::string received;
  beast::error_code ec;
  char chunk[4096];
  while (!ec) {  // until the server closes
    size_t n = socket.read_some(boost::asio::buffer(chunk), ec);
    received.append(chunk, n);
  }
  EXPECT_EQ(ec, boost::asio::error::eof);
  const std::string kHeaders = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\n";
  EXPECT_EQ(received, kHeaders + "Content-Length: 2\r\n\r\n" + kHeaders +
                          "Content-Length: 2\r\nConnection: close\r\n\r\nok");
}

TEST_F(SnowplowSourceTaskTest, DurableModeAnswersOnlyAfterKafkaAcknowledged) {
  StartTask();
  auto reply =
      std::async(std::launch::async, [&] { return Send(port_, http::verb::get, "/i?e=pv"); });
  auto records = PollRecords(1);
  ASSERT_EQ(records.size(), 1u);
  const SourceRecord& r = records[0];
  EXPECT_EQ(r.topic, "good");
  EXPECT_TRUE(r.source_partition.empty());
  auto payload =
      DeserializeThrift(std::string(r.value.as_bytes().begin(), r.value.as_bytes().end()));
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(payload->querystring, "e=pv");
  EXPECT_EQ(payload->ipAddress, "127.0.0.1");
  // Not answered while the record is unacknowledged.
  EXPECT_EQ(reply.wait_for(300ms), std::future_status::timeout);
  RecordMetadata metadata{"good", 0, 0, std::nullopt};
  task_.CommitRecord(r, &metadata);
  Reply got = reply.get();
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, PixelGif());
}

// Counts RecordsReady(), the wake-up the worker gets from a task whose Poll never waits.
class ReadyCountingContext : public SourceTaskContext {
 public:
  const ConfigMap& configs() const override { return configs_; }
  OffsetStorageReader& offset_storage_reader() override { return reader_; }
  void RecordsReady() override { ++ready; }
  std::atomic<int> ready{0};

 private:
  struct NoOffsets : OffsetStorageReader {
    std::optional<SourceMap> Offset(const SourceMap&) override { return std::nullopt; }
  };
  ConfigMap configs_;
  NoOffsets reader_;
};

// The worker polls the collector on the thread that serves Kafka's acknowledgements, so Poll must
// never wait, and a request queued while none were must wake the worker.
TEST_F(SnowplowSourceTaskTest, QueuedRequestWakesTheWorkerAndPollNeverWaits) {
  ReadyCountingContext context;
  task_.Initialize(&context);
  StartTask();
  EXPECT_FALSE(task_.PollBlocks());
  const auto before = std::chrono::steady_clock::now();
  auto empty = task_.Poll();
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_LT(std::chrono::steady_clock::now() - before, 400ms);  // it used to wait 500 ms
  EXPECT_EQ(context.ready.load(), 0);

  auto reply =
      std::async(std::launch::async, [&] { return Send(port_, http::verb::get, "/i?e=pv"); });
  ASSERT_TRUE(WaitUntil([&] { return context.ready.load() == 1; }, 10s));
  auto records = task_.Poll();
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  RecordMetadata metadata{"good", 0, 0, std::nullopt};
  task_.CommitRecord((*records)[0], &metadata);
  EXPECT_EQ(reply.get().status, 200);
  EXPECT_EQ(context.ready.load(), 1);  // one wake per empty-to-queued, not per record
}

// Records go to the worker in rounds: a request queued while an earlier one's records are
// unacknowledged is polled once they are (the worker polls after acknowledgements), without a
// wake-up of its own.
TEST_F(SnowplowSourceTaskTest, RequestsQueuedDuringARoundArePolledAfterItsAcknowledgements) {
  ReadyCountingContext context;
  task_.Initialize(&context);
  StartTask();
  auto first =
      std::async(std::launch::async, [&] { return Send(port_, http::verb::get, "/i?e=pv"); });
  ASSERT_TRUE(WaitUntil([&] { return context.ready.load() == 1; }, 10s));
  auto round = task_.Poll();
  ASSERT_TRUE(round.ok());
  ASSERT_EQ(round->size(), 1u);

  auto second =
      std::async(std::launch::async, [&] { return Send(port_, http::verb::get, "/i?e=se"); });
  ASSERT_TRUE(WaitUntil([&] { return task_.server_for_test()->QueuedForTest() == 1; }, 10s));
  auto during = task_.Poll();
  ASSERT_TRUE(during.ok());
  EXPECT_TRUE(during->empty());
  EXPECT_EQ(context.ready.load(), 1);

  RecordMetadata metadata{"good", 0, 0, std::nullopt};
  task_.CommitRecord((*round)[0], &metadata);
  EXPECT_EQ(first.get().status, 200);
  auto next = task_.Poll();
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->size(), 1u);
  auto payload = DeserializeThrift(
      std::string((*next)[0].value.as_bytes().begin(), (*next)[0].value.as_bytes().end()));
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(payload->querystring, "e=se");
  EXPECT_EQ(second.wait_for(100ms), std::future_status::timeout);
  task_.CommitRecord((*next)[0], &metadata);
  EXPECT_EQ(second.get().status, 200);
  EXPECT_EQ(context.ready.load(), 1);
}

// A full round (1000 records) queued during a round is polled at once, with a wake-up, so that a
// distant broker's round trip does not cap the throughput at one round per trip.
TEST_F(SnowplowSourceTaskTest, AFullRoundIsPolledWhileTheRoundBeforeIsInFlight) {
  ReadyCountingContext context;
  task_.Initialize(&context);
  // Events of 1000 bytes and records below 2200 bytes: one event per record.
  StartTask({{"streams.maxBytes", "2200"},
             {"networking.maxPayloadSize", "4194304"},
             {"networking.dropPayloadSize", "8388608"}});
  auto pixel = std::async(std::launch::async, [&] { return Send(port_, http::verb::get, "/i"); });
  ASSERT_TRUE(WaitUntil([&] { return context.ready.load() == 1; }, 10s));
  auto round = task_.Poll();
  ASSERT_TRUE(round.ok());
  ASSERT_EQ(round->size(), 1u);

  std::string body = "{\"schema\":\"s\",\"data\":[";
  for (int i = 0; i < 1000; ++i) body += (i ? ",\"" : "\"") + std::string(998, 'a') + "\"";
  body += "]}";
  auto batch = std::async(std::launch::async, [&] {
    return Send(port_, http::verb::post, "/com.snowplowanalytics.snowplow/tp2", body);
  });
  ASSERT_TRUE(WaitUntil([&] { return context.ready.load() == 2; }, 30s));
  auto full = task_.Poll();
  ASSERT_TRUE(full.ok());
  ASSERT_EQ(full->size(), 1000u);
  for (const SourceRecord& r : *full) EXPECT_EQ(r.topic, "good");

  RecordMetadata metadata{"good", 0, 0, std::nullopt};
  task_.CommitRecord((*round)[0], &metadata);
  for (const SourceRecord& r : *full) task_.CommitRecord(r, &metadata);
  EXPECT_EQ(pixel.get().status, 200);
  EXPECT_EQ(batch.get().status, 200);
}

TEST_F(SnowplowSourceTaskTest, SplitRequestWaitsForEveryRecord) {
  StartTask({{"streams.maxBytes", "2000"}});
  std::string body = "{\"schema\":\"s\",\"data\":[";
  for (int i = 0; i < 10; ++i)
    body += (i ? "," : "") + std::string("\"") + std::string(500, 'a') + "\"";
  body += "]}";
  auto reply = std::async(std::launch::async, [&] {
    return Send(port_, http::verb::post, "/com.snowplowanalytics.snowplow/tp2", body);
  });
  auto records = PollRecords(4);
  ASSERT_GE(records.size(), 3u);
  RecordMetadata metadata{"good", 0, 0, std::nullopt};
  for (size_t i = 0; i + 1 < records.size(); ++i) task_.CommitRecord(records[i], &metadata);
  EXPECT_EQ(reply.wait_for(200ms), std::future_status::timeout);
  task_.CommitRecord(records.back(), &metadata);
  EXPECT_EQ(reply.get().body, "ok");
}

TEST_F(SnowplowSourceTaskTest, NoAcknowledgementMeans503AfterTheTimeout) {
  StartTask({{"ack.timeout.ms", "200"}});
  auto start = std::chrono::steady_clock::now();
  Reply got = Send(port_, http::verb::get, "/i?e=pv");
  EXPECT_EQ(got.status, 503);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  EXPECT_EQ(Send(port_, http::verb::get, "/sink-health").status, 503);
  // A late acknowledgement of the timed-out request is harmless.
  auto records = PollRecords(1);
  ASSERT_EQ(records.size(), 1u);
  RecordMetadata metadata{"good", 0, 0, std::nullopt};
  task_.CommitRecord(records[0], &metadata);
}

TEST_F(SnowplowSourceTaskTest, DroppedRecordMeans503) {
  StartTask();
  auto reply = std::async(std::launch::async, [&] { return Send(port_, http::verb::get, "/i"); });
  auto records = PollRecords(1);
  ASSERT_EQ(records.size(), 1u);
  task_.CommitRecord(records[0], nullptr);
  EXPECT_EQ(reply.get().status, 503);
}

TEST_F(SnowplowSourceTaskTest, FullQueueAnswers503) {
  StartTask({{"queue.max.records", "1"}, {"ack.mode", "buffered"}});
  EXPECT_EQ(Send(port_, http::verb::get, "/i").status, 200);
  EXPECT_EQ(Send(port_, http::verb::get, "/i").status, 503);
  EXPECT_EQ(PollRecords(1).size(), 1u);
  EXPECT_EQ(Send(port_, http::verb::get, "/i").status, 200);
}

TEST_F(SnowplowSourceTaskTest, BufferedModeAnswersAtOnce) {
  StartTask({{"ack.mode", "buffered"}, {"output.format", "json"}});
  Reply got = Send(port_, http::verb::post, "/com.snowplowanalytics.snowplow/tp2", "{}");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, "ok");
  auto records = PollRecords(1);
  ASSERT_EQ(records.size(), 1u);
  std::string json(records[0].value.as_bytes().begin(), records[0].value.as_bytes().end());
  EXPECT_NE(json.find("\"body\":\"{}\""), std::string::npos);
}

TEST_F(SnowplowSourceTaskTest, BodiesAboveTheDropSizeGet413AndNothingIsQueued) {
  StartTask({{"networking.dropPayloadSize", "1000"}});
  EXPECT_EQ(
      Send(port_, http::verb::post, "/com.snowplowanalytics.snowplow/tp2", std::string(5000, 'x'))
          .status,
      413);
  EXPECT_EQ(task_.server_for_test()->QueuedForTest(), 0u);
  EXPECT_EQ(Send(port_, http::verb::get, "/health").body, "ok");
}

bool CanConnect(int port) {
  boost::asio::io_context ioc;
  tcp::socket socket(ioc);
  beast::error_code ec;
  socket.connect(
      tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)), ec);
  return !ec;
}

// The worker stops polling before Stop and delivers the acknowledgements of records already sent
// after it (its final flush): those requests are still answered 200.
TEST_F(SnowplowSourceTaskTest, StopKeepsPolledRequestsWaitingForTheirAcknowledgement) {
  StartTask();
  auto reply = std::async(std::launch::async, [&] { return Send(port_, http::verb::get, "/i"); });
  auto records = PollRecords(1);
  ASSERT_EQ(records.size(), 1u);
  task_.Stop();
  EXPECT_FALSE(CanConnect(port_));  // no longer accepting
  EXPECT_EQ(reply.wait_for(200ms), std::future_status::timeout);
  RecordMetadata metadata{"good", 0, 0, std::nullopt};
  task_.CommitRecord(records[0], &metadata);
  Reply got = reply.get();
  EXPECT_EQ(got.status, 200) << got.body;
}

TEST_F(SnowplowSourceTaskTest, StopAnswersUnpolledRequests503) {
  StartTask({{"ack.timeout.ms", "60000"}});
  auto reply = std::async(std::launch::async, [&] { return Send(port_, http::verb::get, "/i"); });
  ASSERT_TRUE(WaitUntil([&] { return task_.server_for_test()->QueuedForTest() == 1; }, 10s));
  task_.Stop();
  EXPECT_EQ(reply.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(reply.get().status, 503);
  EXPECT_EQ(task_.server_for_test()->QueuedForTest(), 0u);
}

TEST(SnowplowShutdownTest, DestructionAnswersUnacknowledgedRequests503AfterTheDeadline) {
  auto task = std::make_unique<SnowplowCollectorSourceTask>();
  ASSERT_TRUE(task->Start({{"streams.good", "good"},
                           {"streams.bad", "bad"},
                           {"port", "0"},
                           {"interface", "127.0.0.1"},
                           {"ack.timeout.ms", "60000"},
                           {"terminationDeadline", "300 ms"}})
                  .ok());
  const int port = task->port();
  auto reply = std::async(std::launch::async, [&] { return Send(port, http::verb::get, "/i"); });
  std::vector<SourceRecord> records;
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto batch = task->Poll();
        if (batch.ok()) records.insert(records.end(), batch->begin(), batch->end());
        return !records.empty();
      },
      10s));
  task->Stop();
  auto start = std::chrono::steady_clock::now();
  task.reset();  // the acknowledgement never comes
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 5s);
  EXPECT_EQ(reply.get().status, 503);
}

TEST(SnowplowShutdownTest, PreTerminationPeriodKeepsServingWithHealth503) {
  SnowplowCollectorSourceTask task;
  ASSERT_TRUE(task.Start({{"streams.good", "good"},
                          {"streams.bad", "bad"},
                          {"port", "0"},
                          {"interface", "127.0.0.1"},
                          {"preTerminationPeriod", "3 seconds"},
                          {"preTerminationUnhealthy", "true"}})
                  .ok());
  const int port = task.port();
  EXPECT_EQ(Send(port, http::verb::get, "/health").status, 200);
  auto start = std::chrono::steady_clock::now();
  auto stopped = std::async(std::launch::async, [&] { task.Stop(); });
  ASSERT_TRUE(WaitUntil([&] { return Send(port, http::verb::get, "/health").status == 503; }, 10s));
  // Still serving, but tracking requests are refused: the worker no longer takes records.
  EXPECT_EQ(Send(port, http::verb::get, "/i?e=pv").status, 503);
  EXPECT_EQ(Send(port, http::verb::get, "/robots.txt").status, 200);
  EXPECT_EQ(task.server_for_test()->QueuedForTest(), 0u);
  stopped.get();
  EXPECT_GE(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_FALSE(CanConnect(port));
}

// ssl.enable: HTTPS on ssl.port with the PEM keystore, durable acknowledgement as over HTTP;
// ssl.redirect sends plain HTTP there; hsts.enable marks every answer.
TEST_F(SnowplowSourceTaskTest, ServesHttpsWithAPemKeystore) {
  testing::TestCertificates certs;
  ASSERT_TRUE(certs.ok());
  StartTask({{"ssl.enable", "true"},
             {"ssl.port", "0"},
             {"ssl.redirect", "true"},
             {"ssl.keystore.location", certs.File("encrypted.pem")},
             {"ssl.key.password", "s3cret"},
             {"hsts.enable", "true"},
             {"hsts.maxAge", "1 day"}});
  const int ssl_port = task_.ssl_port();
  ASSERT_GT(ssl_port, 0);
  auto reply = std::async(std::launch::async, [&] {
    return SendTls(ssl_port, certs.File("cert.pem"), http::verb::get, "/i?e=pv");
  });
  auto records = PollRecords(1);
  ASSERT_EQ(records.size(), 1u);
  auto payload = DeserializeThrift(
      std::string(records[0].value.as_bytes().begin(), records[0].value.as_bytes().end()));
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(payload->querystring, "e=pv");
  EXPECT_EQ(reply.wait_for(200ms), std::future_status::timeout);  // durable: waits for Kafka
  RecordMetadata metadata{"good", 0, 0, std::nullopt};
  task_.CommitRecord(records[0], &metadata);
  Reply got = reply.get();
  EXPECT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.body, PixelGif());
  EXPECT_EQ(got.headers["Strict-Transport-Security"], "max-age=86400");

  Reply plain = Send(port_, http::verb::get, "/i?e=pv");
  EXPECT_EQ(plain.status, 301);
  EXPECT_EQ(plain.headers["Location"], "https://127.0.0.1:" + std::to_string(ssl_port) + "/i?e=pv");
  EXPECT_EQ(plain.headers["Strict-Transport-Security"], "max-age=86400");
  // A client speaking plain HTTP to the TLS port gets no answer and the server keeps serving.
  EXPECT_EQ(Send(ssl_port, http::verb::get, "/health").status, -1);
  EXPECT_EQ(SendTls(ssl_port, certs.File("cert.pem"), http::verb::get, "/health").status, 200);
}

TEST(SnowplowConfigTest, SslNeedsALoadableKeystore) {
  auto missing =
      ParseCollectorConfig({{"streams.good", "g"}, {"streams.bad", "b"}, {"ssl.enable", "true"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("ssl.keystore.location"), std::string::npos);
  testing::TestCertificates certs;
  ASSERT_TRUE(certs.ok());
  SnowplowCollectorSourceTask task;
  Status wrong_password = task.Start({{"streams.good", "g"},
                                      {"streams.bad", "b"},
                                      {"interface", "127.0.0.1"},
                                      {"port", "0"},
                                      {"ssl.enable", "true"},
                                      {"ssl.port", "0"},
                                      {"ssl.keystore.location", certs.File("encrypted.pem")},
                                      {"ssl.key.password", "wrong"}});
  ASSERT_FALSE(wrong_password.ok());
  EXPECT_NE(wrong_password.message().find(certs.File("encrypted.pem")), std::string::npos)
      << wrong_password.message();
  EXPECT_NE(wrong_password.message().find("ssl.key.password"), std::string::npos);
}

TEST(SnowplowConfigTest, RejectsBadValuesNamingTheKey) {
  auto bad = ParseCollectorConfig(
      {{"streams.good", "g"}, {"streams.bad", "b"}, {"paths.acme/track", "/nowhere"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("paths.acme/track"), std::string::npos);
  EXPECT_FALSE(ParseCollectorConfig({{"streams.good", "g"}}).ok());
  EXPECT_FALSE(ParseCollectorConfig(
                   {{"streams.good", "g"}, {"streams.bad", "b"}, {"cookie.expiration", "soon"}})
                   .ok());
  auto ok = ParseCollectorConfig({{"streams.good", "g"},
                                  {"streams.bad", "b"},
                                  {"cookie.expiration", "30 days"},
                                  {"paths.acme/track", kTp2Path}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->cookie_expiration_ms, 30LL * 86400 * 1000);
  EXPECT_EQ(ok->paths.at("/acme/track"), kTp2Path);
}

TEST(SnowplowConfigTest, TerminationKeys) {
  auto d = ParseCollectorConfig({{"streams.good", "g"}, {"streams.bad", "b"}});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->pre_termination_period_ms, 0);
  EXPECT_FALSE(d->pre_termination_unhealthy);
  EXPECT_EQ(d->termination_deadline_ms, 5000);
  auto c = ParseCollectorConfig({{"streams.good", "g"},
                                 {"streams.bad", "b"},
                                 {"preTerminationPeriod", "10 seconds"},
                                 {"preTerminationUnhealthy", "true"},
                                 {"terminationDeadline", "2 s"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->pre_termination_period_ms, 10000);
  EXPECT_TRUE(c->pre_termination_unhealthy);
  EXPECT_EQ(c->termination_deadline_ms, 2000);
  EXPECT_FALSE(ParseCollectorConfig(
                   {{"streams.good", "g"}, {"streams.bad", "b"}, {"terminationDeadline", "later"}})
                   .ok());
}

TEST(SnowplowConfigTest, RootResponseAndCookieBounceKeys) {
  auto d = ParseCollectorConfig({{"streams.good", "g"}, {"streams.bad", "b"}});
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->root_response_enabled);
  EXPECT_EQ(d->root_response_status, 302);
  EXPECT_TRUE(d->root_response_headers.empty());
  EXPECT_EQ(d->root_response_body, "");
  EXPECT_FALSE(d->cookie_bounce_enabled);
  EXPECT_EQ(d->cookie_bounce_name, "n3pc");
  EXPECT_EQ(d->cookie_bounce_fallback_nuid, "00000000-0000-4000-A000-000000000000");
  EXPECT_EQ(d->cookie_bounce_forwarded_protocol_header, "");

  auto c = ParseCollectorConfig({{"streams.good", "g"},
                                 {"streams.bad", "b"},
                                 {"rootResponse.enabled", "true"},
                                 {"rootResponse.statusCode", "200"},
                                 {"rootResponse.headers.Location", "https://x.example/"},
                                 {"rootResponse.headers.X-A", "1"},
                                 {"rootResponse.body", "hi"},
                                 {"cookieBounce.enabled", "true"},
                                 {"cookieBounce.forwardedProtocolHeader", "X-Forwarded-Proto"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->root_response_enabled);
  EXPECT_EQ(c->root_response_status, 200);
  EXPECT_EQ(c->root_response_headers.size(), 2u);
  EXPECT_EQ(c->root_response_body, "hi");
  EXPECT_TRUE(c->cookie_bounce_enabled);
  EXPECT_EQ(c->cookie_bounce_forwarded_protocol_header, "X-Forwarded-Proto");

  auto bad_name = ParseCollectorConfig(
      {{"streams.good", "g"}, {"streams.bad", "b"}, {"rootResponse.headers.Bad Name", "v"}});
  ASSERT_FALSE(bad_name.ok());
  EXPECT_NE(bad_name.status().message().find("rootResponse.headers.Bad Name"), std::string::npos);
  EXPECT_FALSE(
      ParseCollectorConfig(
          {{"streams.good", "g"}, {"streams.bad", "b"}, {"rootResponse.headers.X", "a\r\nB: c"}})
          .ok());
  EXPECT_FALSE(ParseCollectorConfig(
                   {{"streams.good", "g"}, {"streams.bad", "b"}, {"rootResponse.statusCode", "99"}})
                   .ok());
}

}  // namespace
}  // namespace tributary::connectors::snowplow
