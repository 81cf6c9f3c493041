#include "connectors/snowplow/collector_service.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace tributary::connectors::snowplow {
namespace {

class FakeEnv : public CollectorEnv {
 public:
  int64_t NowMillis() override { return 1714567890123; }
  std::string RandomUuid() override { return "uuid-" + std::to_string(++n_); }

 private:
  int n_ = 0;
};

std::string Header(const CollectorResponse& r, const std::string& name) {
  std::string out;
  for (const auto& [n, v] : r.headers) {
    if (n == name) out += (out.empty() ? "" : "\n") + v;
  }
  return out;
}

class CollectorServiceTest : public ::testing::Test {
 protected:
  CollectorServiceTest() {
    config_.good_topic = "good";
    config_.bad_topic = "bad";
    config_.collector_name = "tributary-test-kafkasink";
  }
  HandledRequest Send(const std::string& method, const std::string& target, HeaderList headers = {},
                      std::string body = "") {
    CollectorService service(config_, &env_);
    CollectorRequest r{method, target, std::move(headers), std::move(body), "10.0.0.9"};
    return service.Handle(r);
  }

  CollectorConfig config_;
  FakeEnv env_;
};

TEST(HttpDateTest, FormatsAsRfc7231) {
  EXPECT_EQ(HttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(HttpDate(2019686399999), "Sat, 31 Dec 2033 23:59:59 GMT");
  EXPECT_EQ(HttpDate(951782400000), "Tue, 29 Feb 2000 00:00:00 GMT");
}

TEST(SystemCollectorEnvTest, RandomUuidIsAFreshVersion4Uuid) {
  const std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string uuid = SystemCollectorEnv().RandomUuid();
    EXPECT_TRUE(std::regex_match(uuid, v4)) << uuid;
    seen.insert(uuid);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST_F(CollectorServiceTest, PixelGetBuildsTheReferencePayload) {
  auto h = Send("GET", "/i?e=pv&url=https%3A%2F%2Fa.example%2F",
                {{"Host", "c.example.com:8080"},
                 {"User-Agent", "UA/1"},
                 {"Referer", "https://a.example/"},
                 {"Cookie", "sp=abc-123; bad=\"x y\"; other=1"}});
  EXPECT_EQ(h.response.status, 200);
  EXPECT_EQ(h.response.body, PixelGif());
  EXPECT_EQ(h.response.body.size(), 43u);
  EXPECT_EQ(Header(h.response, "Content-Type"), "image/gif");
  EXPECT_EQ(Header(h.response, "Cache-Control"), "no-cache, no-store, must-revalidate");
  EXPECT_EQ(Header(h.response, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(Header(h.response, "Access-Control-Allow-Credentials"), "true");
  ASSERT_EQ(h.good.size(), 1u);
  const CollectorPayload& p = h.good[0];
  EXPECT_EQ(p.schema, kCollectorPayloadSchema);
  EXPECT_EQ(p.ipAddress, "10.0.0.9");
  EXPECT_EQ(p.timestamp, 1714567890123);
  EXPECT_EQ(p.encoding, "UTF-8");
  EXPECT_EQ(p.collector, "tributary-test-kafkasink");
  EXPECT_EQ(p.userAgent, "UA/1");
  EXPECT_EQ(p.refererUri, "https://a.example/");
  EXPECT_EQ(p.path, "/i");
  EXPECT_EQ(p.querystring, "e=pv&url=https%3A%2F%2Fa.example%2F");
  EXPECT_FALSE(p.__isset.body);
  EXPECT_FALSE(p.__isset.contentType);
  EXPECT_EQ(p.hostname, "c.example.com");
  EXPECT_EQ(p.networkUserId, "abc-123");  // from the cookie
  // Invalid cookie pairs are dropped and the rest re-joined without spaces.
  EXPECT_EQ(p.headers, (std::vector<std::string>{"Host: c.example.com:8080", "User-Agent: UA/1",
                                                 "Referer: https://a.example/",
                                                 "Cookie: sp=abc-123;other=1"}));
  EXPECT_EQ(h.partition_key, "uuid-1");
}

TEST_F(CollectorServiceTest, SetsTheNetworkUserIdCookieWithTheReferenceAttributes) {
  auto h = Send("GET", "/i?e=pv");
  ASSERT_EQ(h.good.size(), 1u);
  EXPECT_EQ(h.good[0].networkUserId, "uuid-1");
  EXPECT_EQ(Header(h.response, "Set-Cookie"),
            "sp=uuid-1; Expires=Thu, 01 May 2025 12:51:30 GMT; Path=/; SameSite=None; Secure; "
            "HttpOnly");
}

TEST_F(CollectorServiceTest, CookieDomainIsTheFirstMatchingOriginDomainElseFallback) {
  config_.cookie_domains = {"other.com", "example.com"};
  config_.cookie_fallback_domain = "fallback.net";
  config_.cookie_same_site = "Lax";
  config_.cookie_secure = false;
  config_.cookie_http_only = false;
  config_.client_cookie_name = "sp_c";
  auto h = Send("GET", "/i", {{"Origin", "https://www.example.com:8443 https://x.org"}});
  EXPECT_EQ(Header(h.response, "Set-Cookie"),
            "sp=uuid-1; Expires=Thu, 01 May 2025 12:51:30 GMT; Domain=example.com; Path=/; "
            "SameSite=Lax\nsp_c=uuid-1; Expires=Thu, 01 May 2025 12:51:30 GMT; "
            "Domain=example.com; Path=/; SameSite=Lax");
  EXPECT_EQ(Header(h.response, "Access-Control-Allow-Origin"), "https://www.example.com:8443");
  // "badexample.com" does not end with ".example.com".
  h = Send("GET", "/i", {{"Origin", "https://badexample.com"}});
  EXPECT_NE(Header(h.response, "Set-Cookie").find("; Domain=fallback.net;"), std::string::npos);
}

TEST_F(CollectorServiceTest, NuidQueryParameterWinsOverTheCookie) {
  auto h = Send("GET", "/i?e=pv&nuid=from-query", {{"Cookie", "sp=from-cookie"}});
  ASSERT_EQ(h.good.size(), 1u);
  EXPECT_EQ(h.good[0].networkUserId, "from-query");
}

TEST_F(CollectorServiceTest, SpAnonymousHidesIpCookieAndExpiresTheCookie) {
  auto h = Send("POST", "/com.snowplowanalytics.snowplow/tp2",
                {{"SP-Anonymous", "*"},
                 {"X-Forwarded-For", "1.2.3.4"},
                 {"X-Real-Ip", "1.2.3.4"},
                 {"Cookie", "sp=known"},
                 {"Content-Type", "application/json; charset=UTF-8"}},
                "{}");
  ASSERT_EQ(h.good.size(), 1u);
  const CollectorPayload& p = h.good[0];
  EXPECT_EQ(p.ipAddress, "unknown");
  EXPECT_EQ(p.networkUserId, "00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(p.headers, (std::vector<std::string>{"SP-Anonymous: *",
                                                 "Content-Type: application/json; charset=UTF-8",
                                                 "application/json; charset=UTF-8"}));
  EXPECT_EQ(p.contentType, "application/json; charset=utf-8");
  EXPECT_EQ(p.body, "{}");
  EXPECT_EQ(Header(h.response, "Set-Cookie"),
            "sp=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; SameSite=None; Secure; HttpOnly");
  EXPECT_EQ(h.response.body, "ok");
}

TEST_F(CollectorServiceTest, ClientIpFromForwardedForUnlessDisabled) {
  config_.ip_as_partition_key = true;
  auto h = Send("GET", "/i", {{"X-Forwarded-For", " 198.51.100.1, 10.0.0.1"}});
  EXPECT_EQ(h.good[0].ipAddress, "198.51.100.1");
  EXPECT_EQ(h.partition_key, "198.51.100.1");
  config_.use_forwarded_for = false;
  h = Send("GET", "/i", {{"X-Forwarded-For", "198.51.100.1"}});
  EXPECT_EQ(h.good[0].ipAddress, "10.0.0.9");
}

TEST_F(CollectorServiceTest, DoNotTrackCookieAnswersNormallyButSinksNothing) {
  config_.dnt_enabled = true;
  config_.dnt_name = "dnt";
  config_.dnt_value = "y.*";
  auto h = Send("GET", "/i?e=pv", {{"Cookie", "dnt=yes"}});
  EXPECT_EQ(h.response.status, 200);
  EXPECT_EQ(h.response.body, PixelGif());
  EXPECT_TRUE(h.good.empty());
  EXPECT_EQ(Header(h.response, "Set-Cookie"), "");
  h = Send("GET", "/i?e=pv", {{"Cookie", "dnt=no"}});
  EXPECT_EQ(h.good.size(), 1u);
}

TEST_F(CollectorServiceTest, CorsPreflight) {
  auto h = Send("OPTIONS", "/com.snowplowanalytics.snowplow/tp2",
                {{"Origin", "http://shop.example:3000"}});
  EXPECT_EQ(h.response.status, 200);
  EXPECT_EQ(h.response.body, "");
  EXPECT_EQ(Header(h.response, "Access-Control-Allow-Origin"), "http://shop.example:3000");
  EXPECT_EQ(Header(h.response, "Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(Header(h.response, "Access-Control-Allow-Headers"), "Content-Type, SP-Anonymous");
  EXPECT_EQ(Header(h.response, "Access-Control-Max-Age"), "3600");
  EXPECT_TRUE(h.good.empty());
  EXPECT_EQ(Header(Send("OPTIONS", "/i").response, "Access-Control-Allow-Origin"), "*");
}

TEST_F(CollectorServiceTest, RoutesAndStatusCodes) {
  EXPECT_EQ(Send("GET", "/health").response.body, "ok");
  EXPECT_EQ(Send("GET", "/robots.txt").response.body,
            "User-agent: *\nDisallow: /\n\nUser-agent: Googlebot\nDisallow: /\n\n"
            "User-agent: AdsBot-Google\nDisallow: /");
  EXPECT_EQ(Send("GET", "/crossdomain.xml").response.status, 404);
  EXPECT_EQ(Send("POST", "/i").response.status, 404);
  EXPECT_EQ(Send("GET", "/a/b/c").response.status, 404);
  EXPECT_EQ(Send("GET", "/").response.status, 404);
  EXPECT_EQ(Send("DELETE", "/com.acme/v1").response.status, 404);
  auto r = Send("GET", "/r/tp2?u=https%3A%2F%2Fx.org%2F");
  EXPECT_EQ(r.response.status, 404);
  EXPECT_EQ(r.response.body, "redirects disabled");
  EXPECT_TRUE(r.good.empty());
  // Webhooks: any two-segment path is sunk.
  auto w = Send("POST", "/com.mailchimp/v1",
                {{"Content-Type", "application/x-www-form-urlencoded"}}, "type=subscribe");
  EXPECT_EQ(w.response.status, 200);
  ASSERT_EQ(w.good.size(), 1u);
  EXPECT_EQ(w.good[0].path, "/com.mailchimp/v1");
  EXPECT_EQ(w.good[0].body, "type=subscribe");
  auto g =
      Send("GET", "/com.snowplowanalytics.iglu/v1?schema=iglu%3Acom.acme%2Fe%2Fjsonschema%2F1-0-0");
  EXPECT_EQ(g.response.body, PixelGif());
  EXPECT_EQ(g.good.size(), 1u);
}

TEST_F(CollectorServiceTest, RootResponseWhenEnabled) {
  config_.root_response_enabled = true;
  config_.root_response_status = 302;
  config_.root_response_headers = {{"Location", "https://acme.example/"}, {"X-Acme", "1"}};
  config_.root_response_body = "moved";
  auto h = Send("GET", "/");
  EXPECT_EQ(h.response.status, 302);
  EXPECT_EQ(h.response.headers, config_.root_response_headers);
  EXPECT_EQ(h.response.body, "moved");
  EXPECT_TRUE(h.good.empty());
  EXPECT_EQ(Send("GET", "/?x=1").response.status, 302);  // the query does not matter
  EXPECT_EQ(Send("POST", "/").response.status, 404);
  config_.root_response_enabled = false;
  EXPECT_EQ(Send("GET", "/").response.status, 404);
}

TEST_F(CollectorServiceTest, CookieBounceRedirectsOnceWithoutSinking) {
  config_.cookie_bounce_enabled = true;
  auto h = Send("GET", "/i?e=pv&aid=a", {{"Host", "c.example:8080"}});
  EXPECT_EQ(h.response.status, 302);
  EXPECT_EQ(Header(h.response, "Location"), "http://c.example:8080/i?e=pv&aid=a&n3pc=true");
  EXPECT_EQ(Header(h.response, "Set-Cookie").rfind("sp=uuid-1; ", 0), 0u);
  EXPECT_EQ(h.response.body, "");
  EXPECT_TRUE(h.good.empty());
  EXPECT_TRUE(h.bad.empty());

  // Back from the bounce without the cookie: the fallback id, sunk as usual.
  auto back = Send("GET", "/i?e=pv&aid=a&n3pc=true", {{"Host", "c.example:8080"}});
  EXPECT_EQ(back.response.status, 200);
  EXPECT_EQ(back.response.body, PixelGif());
  ASSERT_EQ(back.good.size(), 1u);
  EXPECT_EQ(back.good[0].networkUserId, "00000000-0000-4000-A000-000000000000");
  EXPECT_EQ(back.good[0].querystring, "e=pv&aid=a&n3pc=true");
  EXPECT_EQ(
      Header(back.response, "Set-Cookie").rfind("sp=00000000-0000-4000-A000-000000000000; ", 0),
      0u);

  // Back with the cookie: its id.
  auto kept = Send("GET", "/i?n3pc=true", {{"Cookie", "sp=abc"}});
  ASSERT_EQ(kept.good.size(), 1u);
  EXPECT_EQ(kept.good[0].networkUserId, "abc");
}

TEST_F(CollectorServiceTest, CookieBounceOnlyForPixelRequestsWithoutAnyNetworkUserId) {
  config_.cookie_bounce_enabled = true;
  config_.cookie_bounce_name = "bounced";
  config_.cookie_bounce_fallback_nuid = "fallback";
  EXPECT_EQ(Send("GET", "/i", {{"Cookie", "sp=abc"}}).response.status, 200);
  EXPECT_EQ(Send("GET", "/i?nuid=n1").response.status, 200);
  EXPECT_EQ(Send("GET", "/i", {{"SP-Anonymous", "*"}}).response.status, 200);
  auto post = Send("POST", kTp2Path, {{"Content-Type", "application/json"}}, "{}");
  EXPECT_EQ(post.response.status, 200);
  EXPECT_EQ(post.good.size(), 1u);
  // No Host header: a relative Location; the configured parameter name.
  auto h = Send("GET", "/com.acme/v1");
  EXPECT_EQ(h.response.status, 302);
  EXPECT_EQ(Header(h.response, "Location"), "/com.acme/v1?bounced=true");
  auto back = Send("GET", "/com.acme/v1?bounced");
  ASSERT_EQ(back.good.size(), 1u);
  EXPECT_EQ(back.good[0].networkUserId, "fallback");
  config_.cookie_bounce_enabled = false;
  EXPECT_EQ(Send("GET", "/i").response.status, 200);
}

TEST_F(CollectorServiceTest, CookieBounceSchemeFromTheForwardedProtocolHeader) {
  config_.cookie_bounce_enabled = true;
  auto plain = Send("GET", "/i?e=pv", {{"Host", "c.example"}, {"X-Forwarded-Proto", "https"}});
  EXPECT_EQ(Header(plain.response, "Location"), "http://c.example/i?e=pv&n3pc=true");
  config_.cookie_bounce_forwarded_protocol_header = "X-Forwarded-Proto";
  auto h = Send("GET", "/i?e=pv", {{"Host", "c.example"}, {"x-forwarded-proto", "HTTPS"}});
  EXPECT_EQ(Header(h.response, "Location"), "https://c.example/i?e=pv&n3pc=true");
  auto absent = Send("GET", "/i?e=pv", {{"Host", "c.example"}});
  EXPECT_EQ(Header(absent.response, "Location"), "http://c.example/i?e=pv&n3pc=true");
}

TEST_F(CollectorServiceTest, CrossDomainAndCustomPaths) {
  config_.cross_domain_enabled = true;
  config_.cross_domain_domains = {"*.acme.com", "acme.org"};
  config_.cross_domain_secure = false;
  config_.paths = {{"/acme/track", kTp2Path}};
  auto x = Send("GET", "/crossdomain.xml");
  EXPECT_EQ(x.response.body,
            "<?xml version=\"1.0\"?>\n<cross-domain-policy>\n"
            "<allow-access-from domain=\"*.acme.com\" secure=\"false\" />\n"
            "<allow-access-from domain=\"acme.org\" secure=\"false\" />\n</cross-domain-policy>");
  auto t = Send("POST", "/acme/track", {}, "{}");
  ASSERT_EQ(t.good.size(), 1u);
  EXPECT_EQ(t.good[0].path, kTp2Path);
}

TEST_F(CollectorServiceTest, RedirectsWhenEnabledOnlyToAllowedDomains) {
  config_.redirect_enabled = true;
  config_.redirect_domains = {"x.org"};
  auto ok = Send("GET", "/r/tp2?u=https%3A%2F%2Fx.org%2Fpage&e=pv");
  EXPECT_EQ(ok.response.status, 302);
  EXPECT_EQ(Header(ok.response, "Location"), "https://x.org/page");
  ASSERT_EQ(ok.good.size(), 1u);
  EXPECT_EQ(ok.good[0].path, "/r/tp2");
  EXPECT_EQ(Send("GET", "/r/tp2?u=https%3A%2F%2Fevil.com%2F").response.status, 400);
  EXPECT_EQ(Send("GET", "/r/tp2").response.status, 400);
}

TEST_F(CollectorServiceTest, RedirectTargetWithALineBreakIsRefused) {
  config_.redirect_enabled = true;  // to any domain
  auto r = Send("GET", "/r/tp2?u=https%3A%2F%2Fx.org%0D%0ASet-Cookie%3A%20a%3Db&e=pv");
  EXPECT_EQ(r.response.status, 400);
  EXPECT_EQ(Header(r.response, "Location"), "");
  EXPECT_TRUE(r.good.empty());  // as for any refused redirect
  EXPECT_EQ(Send("GET", "/r/tp2?u=https%3A%2F%2Fx.org%2F%7F").response.status, 400);
  EXPECT_EQ(Send("GET", "/r/tp2?u=https%3A%2F%2Fx.org%2Fa%20b").response.status, 302);
}

TEST_F(CollectorServiceTest, NuidThatIsNoCookieValueReachesTheEventButNoSetCookie) {
  for (const char* nuid : {"a%0D%0ASet-Cookie:%20evil%3D1", "a%3B%20Domain%3Devil.com", "a%20b",
                           "a%22", "a%5Cb", "a%2Cb", "%C3%A9"}) {
    auto h = Send("GET", std::string("/i?e=pv&nuid=") + nuid);
    EXPECT_EQ(h.response.status, 200) << nuid;
    EXPECT_EQ(Header(h.response, "Set-Cookie"), "") << nuid;
    ASSERT_EQ(h.good.size(), 1u) << nuid;
    EXPECT_EQ(h.good[0].networkUserId, UrlDecode(nuid));
  }
  config_.client_cookie_name = "sp_client";
  auto ok = Send("GET", "/i?e=pv&nuid=c0ffee-1");
  EXPECT_EQ(Header(ok.response, "Set-Cookie").find("sp=c0ffee-1; Expires="), 0u)
      << Header(ok.response, "Set-Cookie");
  EXPECT_NE(Header(ok.response, "Set-Cookie").find("\nsp_client=c0ffee-1; Expires="),
            std::string::npos);
}

TEST_F(CollectorServiceTest, SslRedirectSendsPlainHttpToHttpsOnTheSslPort) {
  config_.ssl_enable = true;
  config_.ssl_redirect = true;
  config_.ssl_port = 8443;
  auto h = Send("GET", "/i?e=pv&aid=x", {{"Host", "c.example.com:8080"}});
  EXPECT_EQ(h.response.status, 301);
  EXPECT_EQ(Header(h.response, "Location"), "https://c.example.com:8443/i?e=pv&aid=x");
  EXPECT_TRUE(h.good.empty());  // nothing is sunk for a redirected request
  config_.ssl_port = 443;
  h = Send("POST", "/com.snowplowanalytics.snowplow/tp2", {{"Host", "[::1]:80"}}, "{}");
  EXPECT_EQ(Header(h.response, "Location"), "https://[::1]/com.snowplowanalytics.snowplow/tp2");
  EXPECT_TRUE(h.good.empty());
  EXPECT_EQ(Send("GET", "/i?e=pv").response.status, 400);  // no Host to redirect to
  // Requests that arrived over TLS are served.
  CollectorService service(config_, &env_);
  CollectorRequest secure{"GET", "/i?e=pv", {{"Host", "c.example.com"}}, "", "10.0.0.9", true};
  EXPECT_EQ(service.Handle(secure).response.status, 200);
  // Without ssl.redirect plain HTTP is served too.
  config_.ssl_redirect = false;
  EXPECT_EQ(Send("GET", "/i?e=pv", {{"Host", "c.example.com"}}).response.status, 200);
}

TEST_F(CollectorServiceTest, MalformedInputNeverCrashes) {
  for (const char* target : {"/i?%", "/i?%zz&&=&nuid=%", "i", "", "/%00/%ff", "/i?nuid"}) {
    auto h = Send("GET", target, {{"Cookie", ";;=;sp;=x"}, {"Origin", "::::"}});
    EXPECT_TRUE(h.response.status == 200 || h.response.status == 404) << target;
  }
  EXPECT_EQ(UrlDecode("a%2"), "a%2");
  EXPECT_EQ(UrlDecode("a+b%41"), "a bA");
  EXPECT_EQ(QueryParam("a=1&nuid=x%20y", "nuid"), "x y");
  EXPECT_EQ(QueryParam("a=1", "nuid"), std::nullopt);
}

TEST_F(CollectorServiceTest, OversizedGetBecomesABadRow) {
  config_.max_bytes = 2000;
  auto h = Send("GET", "/i?e=pv&pad=" + std::string(3000, 'x'));
  EXPECT_EQ(h.response.status, 200);
  EXPECT_TRUE(h.good.empty());
  ASSERT_EQ(h.bad.size(), 1u);
  EXPECT_NE(h.bad[0].find("GET requests cannot be split"), std::string::npos);
}

}  // namespace
}  // namespace tributary::connectors::snowplow
