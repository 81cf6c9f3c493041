#include "runtime/kafka/embedded_broker.h"

#include <gtest/gtest.h>

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

TEST(KafkaClientTest, UnknownPropertyIsInvalidConfigNamingIt) {
  auto handle = CreateKafkaHandle(RD_KAFKA_PRODUCER, {{"no.such.property", "1"}});
  ASSERT_FALSE(handle.ok());
  EXPECT_EQ(handle.status().code(), StatusCode::kInvalidConfig);
  EXPECT_NE(handle.status().message().find("no.such.property"), std::string::npos);
}

}  // namespace
}  // namespace tributary::runtime
