#include "connectors/snowplow/collector_payload.h"

#include <gtest/gtest.h>

namespace tributary::connectors::snowplow {
namespace {

CollectorPayload FullPayload() {
  CollectorPayload p;
  p.__set_schema(kCollectorPayloadSchema);
  p.__set_ipAddress("203.0.113.7");
  p.__set_timestamp(1714567890123);
  p.__set_encoding("UTF-8");
  p.__set_collector("tributary-test-kafkasink");
  p.__set_userAgent("Mozilla/5.0");
  p.__set_refererUri("https://example.com/");
  p.__set_path("/com.snowplowanalytics.snowplow/tp2");
  p.__set_querystring("");
  p.__set_body("{\"schema\":\"x\",\"data\":[]}");
  p.__set_headers({"Host: c.example.com", "application/json"});
  p.__set_contentType("application/json");
  p.__set_hostname("c.example.com");
  p.__set_networkUserId("7e1f0d1e-0000-4000-8000-000000000001");
  return p;
}

TEST(CollectorPayloadTest, ThriftRoundTripKeepsEveryField) {
  CollectorPayload p = FullPayload();
  auto decoded = DeserializeThrift(SerializeThrift(p));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->schema, p.schema);
  EXPECT_EQ(decoded->ipAddress, p.ipAddress);
  EXPECT_EQ(decoded->timestamp, p.timestamp);
  EXPECT_EQ(decoded->encoding, p.encoding);
  EXPECT_EQ(decoded->collector, p.collector);
  EXPECT_EQ(decoded->userAgent, p.userAgent);
  EXPECT_EQ(decoded->refererUri, p.refererUri);
  EXPECT_EQ(decoded->path, p.path);
  EXPECT_TRUE(decoded->__isset.querystring);
  EXPECT_EQ(decoded->querystring, "");
  EXPECT_EQ(decoded->body, p.body);
  EXPECT_EQ(decoded->headers, p.headers);
  EXPECT_EQ(decoded->contentType, p.contentType);
  EXPECT_EQ(decoded->hostname, p.hostname);
  EXPECT_EQ(decoded->networkUserId, p.networkUserId);
  EXPECT_TRUE(*decoded == p);
}

TEST(CollectorPayloadTest, BinaryProtocolEncodesTheSchemaFieldAsId31337) {
  CollectorPayload p;
  p.__set_schema("s");
  const Bytes serialized = SerializeThrift(p);
  const std::string bytes(serialized.begin(), serialized.end());
  // TBinaryProtocol field header: type STRING (11), i16 id 31337 (0x7a69), i32 length, bytes.
  EXPECT_NE(bytes.find(std::string("\x0b\x7a\x69\0\0\0\1s", 8)), std::string::npos);
  // Unset optional fields are not written; the struct ends with a STOP byte.
  EXPECT_EQ(bytes.find("\x0b\x01\x2c"), std::string::npos);  // 300 userAgent absent
  EXPECT_EQ(static_cast<uint8_t>(bytes.back()), 0);
}

TEST(CollectorPayloadTest, GarbageIsADataErrorNotACrash) {
  EXPECT_FALSE(DeserializeThrift(std::string("\x0b\x7a\x69\x7f\xff\xff\xff", 7)).ok());
  EXPECT_FALSE(DeserializeThrift("not thrift at all").ok());
}

TEST(CollectorPayloadTest, JsonHasTheIdlFieldNames) {
  std::string json = PayloadToJson(FullPayload());
  EXPECT_NE(json.find("\"schema\":\"iglu:com.snowplowanalytics.snowplow/CollectorPayload/thrift/"
                      "1-0-0\""),
            std::string::npos);
  EXPECT_NE(json.find("\"timestamp\":1714567890123"), std::string::npos);
  EXPECT_NE(json.find("\"headers\":[\"Host: c.example.com\",\"application/json\"]"),
            std::string::npos);
  EXPECT_NE(json.find("\"networkUserId\":\"7e1f0d1e"), std::string::npos);
}

}  // namespace
}  // namespace tributary::connectors::snowplow
