#include "rest-api/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "rest-api/entities.h"
#include "rest-api/listeners.h"

namespace tributary::rest {
namespace {

TEST(PercentDecodeTest, DecodesEscapesAndOptionallyPlus) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc", false), "a b/c");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("%e2%82%AC", false), "\xE2\x82\xAC");
  EXPECT_EQ(PercentDecode("%00", false), std::string(1, '\0'));
}

TEST(PercentDecodeTest, RejectsTruncatedOrNonHexEscapes) {
  EXPECT_EQ(PercentDecode("%", false), std::nullopt);
  EXPECT_EQ(PercentDecode("abc%4", false), std::nullopt);
  EXPECT_EQ(PercentDecode("%zz", false), std::nullopt);
  EXPECT_EQ(PercentDecode("%4g", true), std::nullopt);
}

TEST(ParseQueryStringTest, KeepsRepeatedKeysInOrder) {
  auto query = ParseQueryString("expand=status&x&&expand=info&a%3Db=c+d%26&=v");
  ASSERT_TRUE(query.ok());
  std::vector<std::pair<std::string, std::string>> expected = {
      {"expand", "status"}, {"x", ""}, {"expand", "info"}, {"a=b", "c d&"}, {"", "v"}};
  EXPECT_EQ(*query, expected);
}

TEST(ParseQueryStringTest, BadEscapeIsInvalidArgument) {
  auto query = ParseQueryString("a=%G1");
  ASSERT_FALSE(query.ok());
  EXPECT_EQ(query.status().code(), StatusCode::kInvalidArgument);
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto echo = [](const char* label) {
      return [label](const RestRequest& r) {
        std::string out = std::string(label) + ":" + r.method;
        for (const auto& [k, v] : r.path_params) out += "|" + k + "=" + v;
        for (const auto& v : r.QueryValues("expand")) out += "|expand=" + v;
        if (!r.body.empty()) out += "|body=" + r.body;
        return RestResponse::Json(200, out);
      };
    };
    ASSERT_TRUE(router_.Add("GET", "/", echo("root")).ok());
    ASSERT_TRUE(router_.Add("GET", "/connectors", echo("list")).ok());
    ASSERT_TRUE(router_.Add("POST", "/connectors", echo("create")).ok());
    ASSERT_TRUE(router_.Add("GET", "/connectors/{name}/status", echo("status")).ok());
    ASSERT_TRUE(router_.Add("GET", "/connectors/{name}/tasks/{task}/status", echo("task")).ok());
    ASSERT_TRUE(router_.Add("GET", "/admin/loggers/{logger}", echo("logger")).ok());
    ASSERT_TRUE(router_.Add("GET", "/admin/loggers/special", echo("special")).ok());
    ASSERT_TRUE(
        router_
            .Add("GET", "/boom",
                 [](const RestRequest&) -> RestResponse { throw std::runtime_error("kaput"); })
            .ok());
  }
  Router router_;
};

TEST_F(RouterTest, MatchesLiteralAndParameterSegments) {
  EXPECT_EQ(router_.Dispatch("GET", "/", "").body, "root:GET");
  EXPECT_EQ(router_.Dispatch("GET", "/connectors", "").body, "list:GET");
  EXPECT_EQ(router_.Dispatch("POST", "/connectors", "{}").body, "create:POST|body={}");
  EXPECT_EQ(router_.Dispatch("GET", "/connectors/a/status", "").body, "status:GET|name=a");
  EXPECT_EQ(router_.Dispatch("GET", "/connectors/a/tasks/3/status", "").body,
            "task:GET|name=a|task=3");
}

TEST_F(RouterTest, DecodesPathParametersAfterSplitting) {
  EXPECT_EQ(router_.Dispatch("GET", "/connectors/a%2Fb%20c/status", "").body,
            "status:GET|name=a/b c");
  EXPECT_EQ(router_.Dispatch("GET", "/connectors/a+b/status", "").body, "status:GET|name=a+b");
}

TEST_F(RouterTest, ParsesRepeatedQueryParameters) {
  EXPECT_EQ(router_.Dispatch("GET", "/connectors?expand=status&expand=info", "").body,
            "list:GET|expand=status|expand=info");
}

TEST_F(RouterTest, IgnoresOneTrailingSlashAndAcceptsAbsoluteForm) {
  EXPECT_EQ(router_.Dispatch("GET", "/connectors/", "").body, "list:GET");
  EXPECT_EQ(router_.Dispatch("GET", "http://localhost:8083/connectors?expand=x", "").body,
            "list:GET|expand=x");
  EXPECT_EQ(router_.Dispatch("GET", "HTTP://localhost:8083", "").body, "root:GET");
}

TEST_F(RouterTest, LiteralSegmentBeatsParameter) {
  EXPECT_EQ(router_.Dispatch("GET", "/admin/loggers/special", "").body, "special:GET");
  EXPECT_EQ(router_.Dispatch("GET", "/admin/loggers/other", "").body, "logger:GET|logger=other");
}

TEST_F(RouterTest, UnknownPathIs404Json) {
  for (const char* target :
       {"/nope", "/connectors/a", "/connectors//status", "/connectors/a/b/c/d/e/f"}) {
    RestResponse r = router_.Dispatch("GET", target, "");
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.body, R"({"error_code":404,"message":"HTTP 404 Not Found"})") << target;
  }
}

TEST_F(RouterTest, KnownPathWithOtherMethodIs405WithAllow) {
  RestResponse r = router_.Dispatch("DELETE", "/connectors", "");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.body, R"({"error_code":405,"message":"HTTP 405 Method Not Allowed"})");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Allow");
  EXPECT_EQ(r.headers[0].second, "GET,POST,HEAD");
}

TEST_F(RouterTest, HeadUsesTheGetRoute) {
  EXPECT_EQ(router_.Dispatch("HEAD", "/connectors", "").body, "list:HEAD");
}

TEST_F(RouterTest, BadTargetsAre400) {
  EXPECT_EQ(router_.Dispatch("GET", "connectors", "").status, 400);
  EXPECT_EQ(router_.Dispatch("GET", "*", "").status, 400);
  EXPECT_EQ(router_.Dispatch("GET", "", "").status, 400);
  RestResponse bad_path = router_.Dispatch("GET", "/connectors/%zz/status", "");
  EXPECT_EQ(bad_path.status, 400);
  EXPECT_EQ(bad_path.body,
            R"({"error_code":400,"message":"Malformed percent-encoding in request path"})");
  EXPECT_EQ(router_.Dispatch("GET", "/connectors?expand=%", "").status, 400);
}

TEST_F(RouterTest, HandlerExceptionBecomes500) {
  RestResponse r = router_.Dispatch("GET", "/boom", "");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"error_code":500,"message":"kaput"})");
}

TEST_F(RouterTest, RejectsMalformedAndDuplicatePatterns) {
  auto noop = [](const RestRequest&) { return RestResponse::Empty(204); };
  EXPECT_FALSE(router_.Add("GET", "connectors", noop).ok());
  EXPECT_FALSE(router_.Add("GET", "/a/{", noop).ok());
  EXPECT_FALSE(router_.Add("GET", "/a/{}", noop).ok());
  EXPECT_FALSE(router_.Add("GET", "/a//b", noop).ok());
  EXPECT_FALSE(router_.Add("GET", "/connectors/{other}/status", noop).ok());
  EXPECT_TRUE(router_.Add("PUT", "/connectors/{name}/status", noop).ok());
}

TEST(RestResponseTest, MapsStatusCodesLikeConnect) {
  EXPECT_EQ(RestResponse::FromStatus(Status::NotFound("x")).status, 404);
  EXPECT_EQ(RestResponse::FromStatus(Status::AlreadyExists("x")).status, 409);
  EXPECT_EQ(RestResponse::FromStatus(Status::InvalidConfig("x")).status, 400);
  EXPECT_EQ(RestResponse::FromStatus(Status::InvalidArgument("x")).status, 400);
  EXPECT_EQ(RestResponse::FromStatus(Status::Timeout("x")).status, 500);
  EXPECT_EQ(RestResponse::FromStatus(Status::Internal("boom \"q\"")).body,
            R"({"error_code":500,"message":"boom \"q\""})");
}

TEST(ListenersTest, ParsesConnectSpellings) {
  auto listeners = ParseListeners(
      " http://:8083, HTTP://127.0.0.1:0,http://localhost:8083/ ,"
      "https://[::1]:8443");
  ASSERT_TRUE(listeners.ok()) << listeners.status().ToString();
  ASSERT_EQ(listeners->size(), 4u);
  EXPECT_EQ((*listeners)[0].scheme, "http");
  EXPECT_EQ((*listeners)[0].host, "");
  EXPECT_EQ((*listeners)[0].port, 8083);
  EXPECT_EQ((*listeners)[1].scheme, "http");
  EXPECT_EQ((*listeners)[1].host, "127.0.0.1");
  EXPECT_EQ((*listeners)[1].port, 0);
  EXPECT_EQ((*listeners)[2].host, "localhost");
  EXPECT_EQ((*listeners)[3].scheme, "https");
  EXPECT_EQ((*listeners)[3].host, "::1");
  EXPECT_EQ((*listeners)[3].port, 8443);
}

TEST(ListenersTest, RejectsMalformedEntries) {
  for (const char* bad :
       {"", " , ", "localhost:8083", "ftp://:21", "http://host", "http://:", "http://:65536",
        "http://:80a", "http://[::1:80", "http://[::1]", "http://a:b:80"}) {
    auto listeners = ParseListeners(bad);
    ASSERT_FALSE(listeners.ok()) << bad;
    EXPECT_EQ(listeners.status().code(), StatusCode::kInvalidConfig) << bad;
  }
}

TEST(EntitiesTest, ConnectorStateInfoMatchesConnect) {
  runtime::ConnectorStateInfo info;
  info.name = "local-file-source";
  info.state = runtime::State::kRunning;
  info.worker_id = "127.0.0.1:8083";
  info.type = ConnectorType::kSource;
  info.tasks.push_back({0, runtime::State::kRunning, "127.0.0.1:8083", ""});
  info.tasks.push_back({1, runtime::State::kFailed, "127.0.0.1:8084", "boom\n\tat x"});
  EXPECT_EQ(
      ConnectorStateInfoJson(info),
      R"({"name":"local-file-source","connector":{"state":"RUNNING","worker_id":"127.0.0.1:8083"},)"
      R"("tasks":[{"id":0,"state":"RUNNING","worker_id":"127.0.0.1:8083"},)"
      R"({"id":1,"state":"FAILED","worker_id":"127.0.0.1:8084","trace":"boom\n\tat x"}],)"
      R"("type":"source"})");
  info.state = runtime::State::kFailed;
  info.trace = "bad";
  info.tasks.clear();
  info.type = ConnectorType::kSink;
  EXPECT_EQ(
      ConnectorStateInfoJson(info),
      R"({"name":"local-file-source","connector":{"state":"FAILED","worker_id":"127.0.0.1:8083",)"
      R"("trace":"bad"},"tasks":[],"type":"sink"})");
}

TEST(EntitiesTest, StateNames) {
  EXPECT_STREQ(RestStateName(runtime::State::kUnassigned), "UNASSIGNED");
  EXPECT_STREQ(RestStateName(runtime::State::kRunning), "RUNNING");
  EXPECT_STREQ(RestStateName(runtime::State::kPaused), "PAUSED");
  EXPECT_STREQ(RestStateName(runtime::State::kStopped), "STOPPED");
  EXPECT_STREQ(RestStateName(runtime::State::kFailed), "FAILED");
  EXPECT_STREQ(RestStateName(runtime::State::kRestarting), "RESTARTING");
}

TEST(EntitiesTest, InvalidUtf8IsReplacedSoOutputStaysJson) {
  EXPECT_EQ(SanitizeUtf8("ok \xE2\x82\xAC"), "ok \xE2\x82\xAC");
  EXPECT_EQ(SanitizeUtf8("a\xFF"
                         "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(SanitizeUtf8("\xC0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong NUL
  EXPECT_EQ(SanitizeUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(SanitizeUtf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // truncated
  EXPECT_EQ(JsonString(std::string("a\0b", 3)), R"("a\u0000b")");
}

}  // namespace
}  // namespace tributary::rest
