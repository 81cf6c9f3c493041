#include "connectors/snowplow/split_batch.h"

#include <gtest/gtest.h>

#include "rapidjson/document.h"

namespace tributary::connectors::snowplow {
namespace {

CollectorPayload PostWith(const std::string& body) {
  CollectorPayload p;
  p.__set_schema(kCollectorPayloadSchema);
  p.__set_ipAddress("127.0.0.1");
  p.__set_timestamp(0);
  p.__set_encoding("UTF-8");
  p.__set_collector("c");
  p.__set_path("/com.snowplowanalytics.snowplow/tp2");
  p.__set_querystring("");
  p.__set_body(body);
  return p;
}

std::string Event(int i, size_t pad) {
  return "{\"e\":\"pv\",\"eid\":\"" + std::to_string(i) + "\",\"pad\":\"" + std::string(pad, 'x') +
         "\"}";
}

std::string Batch(int n, size_t pad) {
  std::string body =
      "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/"
      "1-0-4\",\"data\":[";
  for (int i = 0; i < n; ++i) body += (i ? "," : "") + Event(i, pad);
  return body + "]}";
}

rapidjson::Document Parse(const std::string& s) {
  rapidjson::Document d;
  d.Parse(s.c_str());
  EXPECT_FALSE(d.HasParseError()) << s.substr(0, 200);
  return d;
}

TEST(SplitBatchTest, SmallPayloadIsOneGoodRecord) {
  SplitResult r = SplitPayload(PostWith(Batch(3, 10)), SplitLimits{}, 0);
  ASSERT_EQ(r.good.size(), 1u);
  EXPECT_TRUE(r.bad.empty());
  EXPECT_EQ(r.good[0].body, Batch(3, 10));
  ASSERT_EQ(r.good_thrift.size(), 1u);
  EXPECT_EQ(r.good_thrift[0], SerializeThrift(r.good[0]));
}

TEST(SplitBatchTest, LargeBatchIsSplitIntoFittingPayloadsKeepingEveryEventOnce) {
  SplitLimits limits;
  limits.max_bytes = 5000;
  limits.max_payload_size = 100000;
  SplitResult r = SplitPayload(PostWith(Batch(40, 300)), limits, 0);
  EXPECT_TRUE(r.bad.empty());
  ASSERT_GT(r.good.size(), 1u);
  ASSERT_EQ(r.good_thrift.size(), r.good.size());
  for (size_t i = 0; i < r.good.size(); ++i) {
    EXPECT_EQ(r.good_thrift[i], SerializeThrift(r.good[i])) << i;
  }
  int next = 0;
  for (const auto& part : r.good) {
    EXPECT_LT(static_cast<int64_t>(SerializeThrift(part).size()), limits.max_bytes);
    auto doc = Parse(part.body);
    EXPECT_STREQ(doc["schema"].GetString(),
                 "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4");
    for (const auto& e : doc["data"].GetArray()) {
      EXPECT_EQ(std::string(e["eid"].GetString()), std::to_string(next++));
    }
  }
  EXPECT_EQ(next, 40);
}

TEST(SplitBatchTest, SingleEventTooBigBecomesItsOwnBadRow) {
  SplitLimits limits;
  limits.max_bytes = 5000;
  limits.max_payload_size = 100000;
  std::string body = "{\"schema\":\"s\",\"data\":[" + Event(0, 100) + "," + Event(1, 8000) + "," +
                     Event(2, 100) + "]}";
  SplitResult r = SplitPayload(PostWith(body), limits, 0);
  ASSERT_EQ(r.good.size(), 1u);
  ASSERT_EQ(r.bad.size(), 1u);
  EXPECT_NE(r.bad[0].find("this POST request split is still too large"), std::string::npos);
  auto doc = Parse(r.good[0].body);
  EXPECT_EQ(doc["data"].Size(), 2u);
}

TEST(SplitBatchTest, OversizedPayloadIsASizeViolationWithTheReferenceFields) {
  SplitLimits limits;
  limits.max_bytes = 5000;
  limits.max_payload_size = 10000;
  limits.version = "1.2.3";
  SplitResult r = SplitPayload(PostWith(Batch(100, 300)), limits, 1714567890123);
  EXPECT_TRUE(r.good.empty());
  ASSERT_EQ(r.bad.size(), 1u);
  auto doc = Parse(r.bad[0]);
  EXPECT_STREQ(doc["schema"].GetString(), kSizeViolationSchema);
  const auto& data = doc["data"];
  EXPECT_STREQ(data["processor"]["artifact"].GetString(), "tributary-snowplow-collector");
  EXPECT_STREQ(data["processor"]["version"].GetString(), "1.2.3");
  EXPECT_STREQ(data["failure"]["timestamp"].GetString(), "2024-05-01T12:51:30.123Z");
  EXPECT_EQ(data["failure"]["maximumAllowedSizeBytes"].GetInt(), 10000);
  int64_t actual = static_cast<int64_t>(SerializeThrift(PostWith(Batch(100, 300))).size());
  EXPECT_EQ(data["failure"]["actualSizeBytes"].GetInt64(), actual);
  EXPECT_EQ(std::string(data["failure"]["expectation"].GetString()),
            "oversized collector payload: Payload exceeds max size of 10000. Actual length: " +
                std::to_string(actual));
  EXPECT_LE(std::string(data["payload"].GetString()).size(), 500u);
  EXPECT_EQ(data.MemberCount(), 3u);
}

TEST(SplitBatchTest, UnsplittablePayloadsSayWhy) {
  SplitLimits limits;
  limits.max_bytes = 2000;
  limits.max_payload_size = 100000;
  auto expectation = [&](const CollectorPayload& p) {
    SplitResult r = SplitPayload(p, limits, 0);
    EXPECT_TRUE(r.good.empty());
    if (r.bad.size() != 1) return std::string("no bad row");
    return std::string(Parse(r.bad[0])["data"]["failure"]["expectation"].GetString());
  };
  CollectorPayload get = PostWith("");
  get.__isset.body = false;
  get.__set_querystring(std::string(3000, 'q'));
  EXPECT_EQ(expectation(get), "oversized collector payload: GET requests cannot be split");
  EXPECT_NE(expectation(PostWith(std::string(3000, '{'))).find("not json"), std::string::npos);
  EXPECT_NE(expectation(PostWith("{\"data\":[\"" + std::string(3000, 'a') + "\"]}"))
                .find("not self-describing"),
            std::string::npos);
  EXPECT_NE(expectation(PostWith("{\"schema\":\"s\",\"data\":\"" + std::string(3000, 'a') + "\"}"))
                .find("do not contain a data array"),
            std::string::npos);
}

}  // namespace
}  // namespace tributary::connectors::snowplow
