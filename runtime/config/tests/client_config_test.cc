#include "runtime/config/client_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tributary::runtime {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

ConfigMap ConfluentCloudWorker() {
  return {{"bootstrap.servers", "pkc-123.eu-west-1.aws.confluent.cloud:9092"},
          {"security.protocol", "SASL_SSL"},
          {"sasl.mechanism", "PLAIN"},
          {"sasl.jaas.config",
           "org.apache.kafka.common.security.plain.PlainLoginModule required "
           "username=\"KEY\" password=\"SECRET\";"},
          {"ssl.endpoint.identification.algorithm", "https"},
          {"key.converter", "org.apache.kafka.connect.json.JsonConverter"},
          {"group.id", "connect-cluster"}};
}

TEST(ClientConfigTest, TranslatesConfluentCloudPlainJaas) {
  auto r = BuildClientConfig(ClientRole::kProducer, ConfluentCloudWorker());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& p = r->properties;
  EXPECT_EQ(p.at("bootstrap.servers"), "pkc-123.eu-west-1.aws.confluent.cloud:9092");
  EXPECT_EQ(p.at("security.protocol"), "SASL_SSL");
  EXPECT_EQ(p.at("sasl.mechanism"), "PLAIN");
  EXPECT_EQ(p.at("sasl.username"), "KEY");
  EXPECT_EQ(p.at("sasl.password"), "SECRET");
  EXPECT_EQ(p.at("ssl.endpoint.identification.algorithm"), "https");
  EXPECT_EQ(p.count("sasl.jaas.config"), 0u);
  // Worker-only keys never reach the clients.
  EXPECT_EQ(p.count("group.id"), 0u);
  EXPECT_EQ(p.count("key.converter"), 0u);
  EXPECT_TRUE(r->ignored.empty());
}

TEST(ClientConfigTest, PlainJaasWithoutMechanismSetsPlain) {
  auto r =
      TranslateClientConfig({{"sasl.jaas.config",
                              "org.apache.kafka.common.security.plain.PlainLoginModule   required\n"
                              "  username='a\\'b'   password=\"p\\\"w\\\\d\" ;"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->properties.at("sasl.mechanism"), "PLAIN");
  EXPECT_EQ(r->properties.at("sasl.username"), "a'b");
  EXPECT_EQ(r->properties.at("sasl.password"), "p\"w\\d");
}

TEST(ClientConfigTest, ScramNeedsScramMechanism) {
  std::string jaas =
      "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" "
      "password=\"p\";";
  auto ok =
      TranslateClientConfig({{"sasl.mechanism", "SCRAM-SHA-512"}, {"sasl.jaas.config", jaas}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->properties.at("sasl.username"), "u");
  EXPECT_EQ(ok->properties.at("sasl.password"), "p");
  auto bad = TranslateClientConfig({{"sasl.jaas.config", jaas}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("SCRAM-SHA-256 or SCRAM-SHA-512"));
}

TEST(ClientConfigTest, OAuthBearerIsNotSupportedYet) {
  auto r = TranslateClientConfig(
      {{"sasl.mechanism", "OAUTHBEARER"},
       {"sasl.jaas.config",
        "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
        "clientId=\"id\" clientSecret=\"topsecret\";"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(r.status().message(), HasSubstr("not supported yet"));
  EXPECT_THAT(r.status().message(), HasSubstr("sasl.jaas.config"));
  EXPECT_THAT(r.status().message(), Not(HasSubstr("topsecret")));
}

TEST(ClientConfigTest, MalformedJaasIsInvalidConfigWithoutSecrets) {
  for (const char* jaas :
       {"", "PlainLoginModule", "PlainLoginModule maybe username=\"u\";",
        "PlainLoginModule required username=\"u\" password=\"hunter2\"",
        "PlainLoginModule required username=\"u\" password=\"hunter2",
        "PlainLoginModule required username \"u\";", "PlainLoginModule required username=\"u\";",
        "PlainLoginModule required username=\"u\" password=\"hunter2\"; Other required;"}) {
    auto r = TranslateClientConfig({{"sasl.jaas.config", jaas}});
    ASSERT_FALSE(r.ok()) << jaas;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidConfig);
    EXPECT_THAT(r.status().message(), Not(HasSubstr("hunter2")));
  }
}

TEST(ClientConfigTest, PlainMechanismMismatchIsRejected) {
  auto r = TranslateClientConfig(
      {{"sasl.mechanism", "SCRAM-SHA-256"},
       {"sasl.jaas.config", "x.PlainLoginModule required username=u password=p;"}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("sasl.mechanism=PLAIN"));
}

TEST(ClientConfigTest, OverridesFollowConnectPrecedence) {
  ConfigMap worker = ConfluentCloudWorker();
  worker["client.id"] = "worker";
  worker["producer.client.id"] = "producer-level";
  worker["producer.linger.ms"] = "10";
  worker["producer.acks"] = "1";
  worker["consumer.max.poll.records"] = "100";
  ConfigMap connector = {{"producer.override.acks", "all"},
                         {"producer.override.compression.type", "zstd"},
                         {"consumer.override.auto.offset.reset", "none"}};
  auto producer = BuildClientConfig(ClientRole::kProducer, worker, connector);
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  EXPECT_EQ(producer->properties.at("client.id"), "producer-level");
  EXPECT_EQ(producer->properties.at("linger.ms"), "10");
  EXPECT_EQ(producer->properties.at("acks"), "all");
  EXPECT_EQ(producer->properties.at("compression.type"), "zstd");
  EXPECT_EQ(producer->properties.count("auto.offset.reset"), 0u);

  auto consumer = BuildClientConfig(ClientRole::kConsumer, worker, connector);
  ASSERT_TRUE(consumer.ok());
  EXPECT_EQ(consumer->properties.at("client.id"), "worker");
  EXPECT_EQ(consumer->properties.at("auto.offset.reset"), "error");
  EXPECT_EQ(consumer->properties.count("max.poll.records"), 0u);  // not librdkafka's
  EXPECT_EQ(consumer->max_poll_records, 100);
  EXPECT_THAT(consumer->ignored, Not(Contains("consumer.max.poll.records")));
  EXPECT_EQ(producer->max_poll_records, 0);
  connector["consumer.override.max.poll.records"] = "2000";
  EXPECT_EQ(BuildClientConfig(ClientRole::kConsumer, worker, connector)->max_poll_records, 2000);
  connector["consumer.override.max.poll.records"] = "0";
  Status zero = BuildClientConfig(ClientRole::kConsumer, worker, connector).status();
  EXPECT_EQ(zero.code(), StatusCode::kInvalidConfig);
  EXPECT_NE(zero.message().find("consumer.override.max.poll.records"), std::string::npos)
      << zero.ToString();
  connector.erase("consumer.override.max.poll.records");
  EXPECT_EQ(consumer->properties.at("sasl.username"), "KEY");

  // A connector may replace the credentials.
  connector["admin.override.sasl.jaas.config"] =
      "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"OTHER\" "
      "password=\"X\";";
  auto admin = BuildClientConfig(ClientRole::kAdmin, worker, connector);
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->properties.at("sasl.username"), "OTHER");
}

TEST(ClientConfigTest, DropsJvmOnlyKeysAndRenamesOthers) {
  auto r = TranslateClientConfig(
      {{"key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer"},
       {"value.deserializer", "x"},
       {"max.block.ms", "1000"},
       {"interceptor.classes", "x"},
       {"ssl.truststore.type", "JKS"},
       {"max.request.size", "2000000"},
       {"fetch.max.wait.ms", "100"},
       {"send.buffer.bytes", "1024"},
       {"batch.size", "16384"},
       {"request.timeout.ms", "30000"},
       {"session.timeout.ms", "45000"},
       {"fetch.max.bytes", "1000"},
       {"isolation.level", "read_committed"},
       {"queue.buffering.max.ms", "7"},
       {"partition.assignment.strategy",
        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& p = r->properties;
  EXPECT_EQ(p.at("message.max.bytes"), "2000000");
  EXPECT_EQ(p.at("fetch.wait.max.ms"), "100");
  EXPECT_EQ(p.at("socket.send.buffer.bytes"), "1024");
  EXPECT_EQ(p.at("batch.size"), "16384");
  EXPECT_EQ(p.at("request.timeout.ms"), "30000");
  EXPECT_EQ(p.at("session.timeout.ms"), "45000");
  EXPECT_EQ(p.at("fetch.max.bytes"), "1000");
  EXPECT_EQ(p.at("isolation.level"), "read_committed");
  EXPECT_EQ(p.at("queue.buffering.max.ms"), "7");
  EXPECT_EQ(p.at("partition.assignment.strategy"), "cooperative-sticky");
  for (const char* k : {"key.serializer", "value.deserializer", "max.block.ms",
                        "interceptor.classes", "ssl.truststore.type"}) {
    EXPECT_EQ(p.count(k), 0u) << k;
    EXPECT_THAT(r->ignored, Contains(k));
  }
  EXPECT_EQ(p.count("max.request.size"), 0u);
}

TEST(ClientConfigTest, BufferMemoryBoundsTheProducerQueue) {
  auto r = TranslateClientConfig({{"buffer.memory", "33554432"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->properties.at("queue.buffering.max.kbytes"), "32768");
  EXPECT_EQ(r->properties.count("buffer.memory"), 0u);
  EXPECT_TRUE(r->ignored.empty());
  auto explicit_wins = TranslateClientConfig(
      {{"buffer.memory", "33554432"}, {"queue.buffering.max.kbytes", "1024"}});
  ASSERT_TRUE(explicit_wins.ok());
  EXPECT_EQ(explicit_wins->properties.at("queue.buffering.max.kbytes"), "1024");
  auto bad = TranslateClientConfig({{"buffer.memory", "lots"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("buffer.memory"));
}

TEST(ClientConfigTest, TranslatesTlsStores) {
  auto pem = TranslateClientConfig({{"security.protocol", "SSL"},
                                    {"ssl.truststore.location", "/etc/ssl/ca.pem"},
                                    {"ssl.truststore.type", "PEM"},
                                    {"ssl.keystore.location", "/etc/ssl/client.pem"},
                                    {"ssl.keystore.type", "PEM"},
                                    {"ssl.key.password", "kp"},
                                    {"ssl.endpoint.identification.algorithm", ""}});
  ASSERT_TRUE(pem.ok()) << pem.status().ToString();
  EXPECT_EQ(pem->properties.at("ssl.ca.location"), "/etc/ssl/ca.pem");
  EXPECT_EQ(pem->properties.at("ssl.certificate.location"), "/etc/ssl/client.pem");
  EXPECT_EQ(pem->properties.at("ssl.key.location"), "/etc/ssl/client.pem");
  EXPECT_EQ(pem->properties.at("ssl.key.password"), "kp");
  EXPECT_EQ(pem->properties.at("ssl.endpoint.identification.algorithm"), "none");
  EXPECT_EQ(pem->properties.count("ssl.keystore.location"), 0u);
  EXPECT_TRUE(pem->ignored.empty());

  auto p12 =
      TranslateClientConfig({{"ssl.keystore.location", "/k.p12"}, {"ssl.keystore.password", "pw"}});
  ASSERT_TRUE(p12.ok());
  EXPECT_EQ(p12->properties.at("ssl.keystore.location"), "/k.p12");
  EXPECT_EQ(p12->properties.at("ssl.keystore.password"), "pw");

  auto jks = TranslateClientConfig({{"ssl.truststore.location", "/etc/ssl/truststore.jks"}});
  ASSERT_FALSE(jks.ok());
  EXPECT_THAT(jks.status().message(), HasSubstr("convert it to PEM"));

  auto inline_pem = TranslateClientConfig({{"ssl.truststore.certificates", "-----BEGIN..."},
                                           {"ssl.keystore.key", "-----BEGIN KEY..."}});
  ASSERT_TRUE(inline_pem.ok());
  EXPECT_EQ(inline_pem->properties.at("ssl.ca.pem"), "-----BEGIN...");
  EXPECT_EQ(inline_pem->properties.at("ssl.key.pem"), "-----BEGIN KEY...");

  auto bad_algo = TranslateClientConfig({{"ssl.endpoint.identification.algorithm", "ldaps"}});
  EXPECT_FALSE(bad_algo.ok());
}

TEST(ClientConfigTest, ExplicitLibrdkafkaNamesWin) {
  auto r = TranslateClientConfig(
      {{"sasl.username", "native"},
       {"sasl.password", "native-pw"},
       {"sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"j\" "
        "password=\"jp\";"},
       {"message.max.bytes", "1"},
       {"max.request.size", "2"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->properties.at("sasl.username"), "native");
  EXPECT_EQ(r->properties.at("sasl.password"), "native-pw");
  EXPECT_EQ(r->properties.at("message.max.bytes"), "1");
}

TEST(ClientConfigTest, EmbeddedBootstrapIsLeftToTheCaller) {
  auto r = BuildClientConfig(ClientRole::kConsumer, {{"bootstrap.servers", "embedded"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->properties.count("bootstrap.servers"), 0u);
}

TEST(ClientConfigTest, RedactedHidesSecrets) {
  std::string s = Redacted({{"bootstrap.servers", "b:9092"},
                            {"sasl.password", "SECRET"},
                            {"ssl.key.password", "kp"},
                            {"sasl.oauthbearer.client.secret", "cs"},
                            {"ssl.key.pem", "PRIVATE"},
                            {"sasl.username", "KEY"}});
  EXPECT_THAT(s, HasSubstr("bootstrap.servers=b:9092"));
  EXPECT_THAT(s, HasSubstr("sasl.username=KEY"));
  EXPECT_THAT(s, HasSubstr("sasl.password=[hidden]"));
  for (const char* secret : {"SECRET", "=kp", "=cs", "PRIVATE"}) {
    EXPECT_THAT(s, Not(HasSubstr(secret)));
  }
}

}  // namespace
}  // namespace tributary::runtime
