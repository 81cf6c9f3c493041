#include "runtime/kafka/embedded_broker.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace tributary::runtime {
namespace {

// Produces one message and returns its delivery error, waiting up to `timeout_ms`.
rd_kafka_resp_err_t ProduceOne(const std::string& bootstrap, const std::string& topic,
                               int timeout_ms) {
  static rd_kafka_resp_err_t last;
  last = RD_KAFKA_RESP_ERR__TIMED_OUT;
  auto producer = CreateKafkaHandle(
      RD_KAFKA_PRODUCER,
      {{"bootstrap.servers", bootstrap}, {"message.timeout.ms", std::to_string(timeout_ms)}},
      [](rd_kafka_conf_t* conf) {
        rd_kafka_conf_set_dr_msg_cb(
            conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) { last = m->err; });
      });
  EXPECT_TRUE(producer.ok());
  EXPECT_EQ(rd_kafka_producev(producer->get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                              RD_KAFKA_V_VALUE(const_cast<char*>("x"), 1), RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_flush(producer->get(), timeout_ms + 5000);
  return last;
}

TEST(EmbeddedBrokerTest, ListensOnLoopbackAndAcceptsProduce) {
  auto broker = EmbeddedBroker::Start();
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  EXPECT_EQ((*broker)->bootstrap_servers().rfind("127.0.0.1:", 0), 0u)
      << (*broker)->bootstrap_servers();
  ASSERT_TRUE((*broker)->CreateTopic("t", 1).ok());
  EXPECT_EQ(ProduceOne((*broker)->bootstrap_servers(), "t", 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
}

TEST(EmbeddedBrokerTest, CreatingAnExistingTopicIsAlreadyExists) {
  auto broker = EmbeddedBroker::Start();
  ASSERT_TRUE(broker.ok());
  ASSERT_TRUE((*broker)->CreateTopic("t", 2).ok());
  EXPECT_EQ((*broker)->CreateTopic("t", 2).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ((*broker)->CreateTopic("u", 0).code(), StatusCode::kInvalidArgument);
}

TEST(EmbeddedBrokerTest, BrokerDownMakesProduceFailUntilUp) {
  auto broker = EmbeddedBroker::Start();
  ASSERT_TRUE(broker.ok());
  ASSERT_TRUE((*broker)->CreateTopic("t", 1).ok());
  ASSERT_TRUE((*broker)->BrokerDown(1).ok());
  EXPECT_NE(ProduceOne((*broker)->bootstrap_servers(), "t", 1500), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_TRUE((*broker)->BrokerUp(1).ok());
  EXPECT_EQ(ProduceOne((*broker)->bootstrap_servers(), "t", 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
}

int NoDelay(int fd) {
  int value = -1;
  socklen_t len = sizeof value;
  EXPECT_EQ(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &len), 0);
  return value;
}

// This process's connected (not listening) sockets whose local port is `port`.
std::vector<int> AcceptedSocketsOn(int port) {
  std::vector<int> fds;
  for (int fd = 0; fd < 4096; ++fd) {
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    int listening = 1;
    socklen_t llen = sizeof listening;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) continue;
    if (addr.sin_family != AF_INET || ntohs(addr.sin_port) != port) continue;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &llen) == 0 && !listening) {
      fds.push_back(fd);
    }
  }
  return fds;
}

// A regression here brings back 40 ms stalls whenever a client waits for each acknowledgement.
TEST(EmbeddedBrokerTest, ConnectionsItAcceptsHaveNagleDisabled) {
  auto broker = EmbeddedBroker::Start();
  ASSERT_TRUE(broker.ok());
  const std::string& servers = (*broker)->bootstrap_servers();
  int port = std::atoi(servers.c_str() + servers.rfind(':') + 1);
  std::vector<int> listeners = ListeningSocketsOn({port});
  ASSERT_EQ(listeners.size(), 1u) << servers;
  EXPECT_EQ(NoDelay(listeners[0]), 1);

  int client = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(client, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::vector<int> accepted;
  for (int i = 0; i < 500 && accepted.empty(); ++i) {  // the mock's thread accepts it
    accepted = AcceptedSocketsOn(port);
    if (accepted.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(NoDelay(accepted[0]), 1);
  close(client);

  // The mock closes its listener while a broker is down and opens a new one when it is up.
  ASSERT_TRUE((*broker)->BrokerDown(1).ok());
  ASSERT_TRUE((*broker)->BrokerUp(1).ok());
  listeners = ListeningSocketsOn({port});
  ASSERT_EQ(listeners.size(), 1u);
  EXPECT_EQ(NoDelay(listeners[0]), 1);
}

std::string ConfValue(rd_kafka_t* rk, const char* name) {
  char value[64];
  size_t size = sizeof value;
  EXPECT_EQ(rd_kafka_conf_get(rd_kafka_conf(rk), name, value, &size), RD_KAFKA_CONF_OK);
  return value;
}

TEST(KafkaClientTest, NagleIsDisabledUnlessAsked) {
  auto plain = CreateKafkaHandle(RD_KAFKA_PRODUCER, {});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(ConfValue(plain->get(), "socket.nagle.disable"), "true");
  auto asked = CreateKafkaHandle(RD_KAFKA_CONSUMER, {{"socket.nagle.disable", "false"}});
  ASSERT_TRUE(asked.ok());
  EXPECT_EQ(ConfValue(asked->get(), "socket.nagle.disable"), "false");
}

TEST(KafkaClientTest, ProducersPartitionAsKafkasJavaProducerUnlessAsked) {
  auto plain = CreateKafkaHandle(RD_KAFKA_PRODUCER, {});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(ConfValue(plain->get(), "partitioner"), "murmur2_random");
  auto asked = CreateKafkaHandle(RD_KAFKA_PRODUCER, {{"partitioner", "consistent_random"}});
  ASSERT_TRUE(asked.ok());
  EXPECT_EQ(ConfValue(asked->get(), "partitioner"), "consistent_random");
}

TEST(KafkaClientTest, UnknownPropertyIsInvalidConfigNamingIt) {
  auto handle = CreateKafkaHandle(RD_KAFKA_PRODUCER, {{"no.such.property", "1"}});
  ASSERT_FALSE(handle.ok());
  EXPECT_EQ(handle.status().code(), StatusCode::kInvalidConfig);
  EXPECT_NE(handle.status().message().find("no.such.property"), std::string::npos);
}

}  // namespace
}  // namespace tributary::runtime
