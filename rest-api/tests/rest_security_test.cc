// HTTPS listeners (PEM keystore made by the openssl CLI in the test) and HTTP Basic
// authentication, against a real RestServer over the network.
#include <gtest/gtest.h>

#include <memory>

#include "rest-api/basic_auth.h"
#include "rest-api/rest_server.h"
#include "rest-api/tests/fake_herder.h"
#include "rest-api/tests/http_test_client.h"
#include "tests/harness/harness.h"

namespace tributary::rest {
namespace {

using testing::FakeHerder;
using testing::Fetch;
using testing::FetchTls;
using testing::HttpResult;

class RestSecurityTest : public ::testing::Test {
 protected:
  Status StartServer(RestServerConfig config) {
    config.listeners = config.listeners.empty() ? "http://127.0.0.1:0" : config.listeners;
    server_ = std::make_unique<RestServer>(config, &herder_);
    return server_->Start();
  }

  tributary::testing::TestCertificates certs_;
  FakeHerder herder_;
  std::unique_ptr<RestServer> server_;
};

TEST_F(RestSecurityTest, ServesHttpsWithAPemKeystore) {
  ASSERT_TRUE(certs_.ok());
  RestServerConfig config;
  config.listeners = "https://127.0.0.1:0";
  config.tls.keystore_location = certs_.File("keystore.pem");
  ASSERT_TRUE(StartServer(config).ok());
  EXPECT_EQ(server_->ListenerUrls().at(0).rfind("https://127.0.0.1:", 0), 0u);
  HttpResult r = FetchTls(server_->port(), certs_.File("cert.pem"), "GET", "/connectors");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "[]");
  // Plain HTTP on the TLS port gets no answer; the server keeps serving TLS afterwards.
  EXPECT_FALSE(Fetch(server_->port(), "GET", "/connectors").ok);
  EXPECT_EQ(FetchTls(server_->port(), certs_.File("cert.pem"), "GET", "/").status, 200);
}

TEST_F(RestSecurityTest, ServesHttpsWithAnEncryptedKey) {
  ASSERT_TRUE(certs_.ok());
  RestServerConfig config;
  config.listeners = "https://127.0.0.1:0,http://127.0.0.1:0";
  config.tls.keystore_location = certs_.File("encrypted.pem");
  config.tls.key_password = "s3cret";
  ASSERT_TRUE(StartServer(config).ok());
  EXPECT_EQ(FetchTls(server_->port(), certs_.File("cert.pem"), "GET", "/").status, 200);
  // The second listener is plain HTTP.
  const std::string http_url = server_->ListenerUrls().at(1);
  EXPECT_EQ(http_url.rfind("http://127.0.0.1:", 0), 0u);
  const auto port = static_cast<uint16_t>(std::stoi(http_url.substr(http_url.rfind(':') + 1)));
  EXPECT_EQ(Fetch(port, "GET", "/").status, 200);
}

TEST_F(RestSecurityTest, RejectsUnusableKeystores) {
  ASSERT_TRUE(certs_.ok());
  RestServerConfig config;
  config.listeners = "https://127.0.0.1:0";
  Status missing = StartServer(config);
  EXPECT_EQ(missing.code(), StatusCode::kInvalidConfig);
  EXPECT_NE(missing.message().find("ssl.keystore.location"), std::string::npos);

  config.tls.keystore_location = certs_.File("encrypted.pem");
  config.tls.key_password = "wrong";
  Status wrong = StartServer(config);
  EXPECT_EQ(wrong.code(), StatusCode::kInvalidConfig);
  EXPECT_NE(wrong.message().find("ssl.key.password"), std::string::npos);

  config.tls.keystore_location = certs_.File("keystore.pem");
  config.tls.keystore_type = "JKS";
  Status jks = StartServer(config);
  EXPECT_NE(jks.message().find("use PEM"), std::string::npos) << jks.ToString();
}

TEST(RestTlsConfigTest, PrefixedKeysWinAllOrNothing) {
  RestTlsConfig plain = RestTlsConfigFromWorker({{"ssl.keystore.location", "/a.pem"},
                                                 {"ssl.keystore.type", "PEM"},
                                                 {"ssl.key.password", "p"}});
  EXPECT_EQ(plain.keystore_location, "/a.pem");
  EXPECT_EQ(plain.keystore_type, "PEM");
  EXPECT_EQ(plain.key_password, "p");
  RestTlsConfig prefixed =
      RestTlsConfigFromWorker({{"ssl.keystore.location", "/a.pem"},
                               {"ssl.key.password", "p"},
                               {"listeners.https.ssl.keystore.location", "/b.pem"},
                               {"listeners.https.ssl.keystore.type", "pem"}});
  EXPECT_EQ(prefixed.keystore_location, "/b.pem");
  EXPECT_EQ(prefixed.keystore_type, "pem");
  EXPECT_EQ(prefixed.key_password, "");
}

TEST(BasicAuthenticatorTest, HashedLinesVerifyOnlyTheRightPassword) {
  auto alice = BasicAuthenticator::HashLine("alice", "correct horse", 1000);
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ(alice->find("correct"), std::string::npos);
  EXPECT_EQ(alice->rfind("alice:pbkdf2-sha256:1000:", 0), 0u);
  auto bob = BasicAuthenticator::HashLine("bob", "pässwörd:with colon", 10);
  ASSERT_TRUE(bob.ok());
  auto auth = BasicAuthenticator::Parse("# users\n" + *alice + "\n\n" + *bob + "\r\n", "creds");
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  auto basic = [](const std::string& user_password) {
    return "Basic " + Base64Encode(user_password);
  };
  EXPECT_TRUE((*auth)->Check(basic("alice:correct horse")));
  EXPECT_TRUE((*auth)->Check("basic  " + Base64Encode("bob:pässwörd:with colon")));
  EXPECT_FALSE((*auth)->Check(basic("alice:wrong")));
  EXPECT_FALSE((*auth)->Check(basic("alice:correct horse ")));
  EXPECT_FALSE((*auth)->Check(basic("carol:correct horse")));
  EXPECT_FALSE((*auth)->Check(basic("alice")));
  EXPECT_FALSE((*auth)->Check("Bearer abc"));
  EXPECT_FALSE((*auth)->Check("Basic !!!!"));
  EXPECT_FALSE((*auth)->Check(""));
  // Same password, fresh salt: a different line.
  EXPECT_NE(*BasicAuthenticator::HashLine("alice", "correct horse", 1000), *alice);
}

TEST(BasicAuthenticatorTest, MalformedFilesAreRejectedWithTheLineNumber) {
  auto line = *BasicAuthenticator::HashLine("alice", "pw", 5);
  for (const std::string& bad : std::vector<std::string>{
           "alice:plain-password", "alice:md5:1:c2FsdA==:aGFzaA==",
           "alice:pbkdf2-sha256:x:c2FsdA==:aGFzaA==", "alice:pbkdf2-sha256:5:c2FsdA==:short",
           ":pbkdf2-sha256:5:c2FsdA==:aGFzaA=="}) {
    auto auth = BasicAuthenticator::Parse(line + "\n" + bad + "\n", "creds.txt");
    ASSERT_FALSE(auth.ok()) << bad;
    EXPECT_EQ(auth.status().code(), StatusCode::kInvalidConfig);
    EXPECT_NE(auth.status().message().find("creds.txt line 2"), std::string::npos);
    // The offending line is not echoed (it may hold a hash or a pasted password).
    EXPECT_EQ(auth.status().message().find("plain-password"), std::string::npos);
  }
  EXPECT_FALSE(BasicAuthenticator::Parse(line + "\n" + line + "\n", "c").ok());  // twice
  EXPECT_FALSE(BasicAuthenticator::Parse("# nobody\n", "c").ok());
  EXPECT_EQ(BasicAuthenticator::LoadFile("/no/such/file").status().code(), StatusCode::kIoError);
  EXPECT_FALSE(BasicAuthenticator::HashLine("a:b", "pw").ok());
  EXPECT_EQ(Base64Decode(Base64Encode(std::string("\0\1\2\3\xff", 5))),
            std::string("\0\1\2\3\xff", 5));
  EXPECT_FALSE(Base64Decode("abc").has_value());
  EXPECT_FALSE(Base64Decode("a=bc").has_value());
}

TEST_F(RestSecurityTest, BasicAuthGuardsEverythingButHealth) {
  ASSERT_TRUE(certs_.ok());
  auto auth = BasicAuthenticator::Parse(*BasicAuthenticator::HashLine("admin", "pw", 100), "c");
  ASSERT_TRUE(auth.ok());
  RestServerConfig config;
  config.listeners = "https://127.0.0.1:0";
  config.tls.keystore_location = certs_.File("keystore.pem");
  config.authenticator = *auth;
  ASSERT_TRUE(StartServer(config).ok());
  const std::string ca = certs_.File("cert.pem");
  const uint16_t port = server_->port();

  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/connectors"},
                                                        {"GET", "/"},
                                                        {"POST", "/connectors"},
                                                        {"GET", "/health/x"},
                                                        {"GET", "/metrics"},
                                                        {"GET", "/no/such/path"}}) {
    HttpResult denied = FetchTls(port, ca, method, target);
    ASSERT_TRUE(denied.ok) << denied.error;
    EXPECT_EQ(denied.status, 401) << method << " " << target;
    EXPECT_EQ(denied.body, R"({"error_code":401,"message":"User cannot access the resource."})");
    EXPECT_EQ(denied.headers["www-authenticate"], "Basic realm=\"tributary\"");
    EXPECT_EQ(denied.headers["content-type"], "application/json");
  }
  const std::string good = "Basic " + Base64Encode("admin:pw");
  EXPECT_EQ(FetchTls(port, ca, "GET", "/connectors", "", {{"Authorization", good}}).status, 200);
  EXPECT_EQ(FetchTls(port, ca, "GET", "/metrics", "", {{"Authorization", good}}).status, 200);
  EXPECT_EQ(FetchTls(port, ca, "GET", "/connectors", "",
                     {{"Authorization", "Basic " + Base64Encode("admin:pW")}})
                .status,
            401);
  // Probes need no credentials.
  herder_.SetHealth(runtime::WorkerHealth::kHealthy);
  EXPECT_EQ(FetchTls(port, ca, "GET", "/health").status, 200);
  EXPECT_EQ(FetchTls(port, ca, "GET", "/health?x=1").status, 200);
}

}  // namespace
}  // namespace tributary::rest
