// The real `tributary standalone` binary with an HTTPS listener (PEM keystore with an encrypted
// key, as worker.properties spells it) and Basic authentication from a credentials file written by
// `tributary hash-password`.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>

#include "rest-api/tests/http_test_client.h"
#include "tests/harness/harness.h"

namespace tributary::testing {
namespace {

using rest::testing::FetchTls;
using rest::testing::HttpResult;
using std::chrono::seconds;

TEST(RestSecurityIntegrationTest, HttpsAndBasicAuthFromWorkerProperties) {
  TestCertificates certs;
  ASSERT_TRUE(certs.ok());
  TempDir dir;
  const std::string cmd = "printf 'open sesame\\n' | " + TributaryBinary() +
                          " hash-password admin --iterations 1000 > " + dir.File("users.txt");
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const std::string users = ReadFile(dir.File("users.txt"));
  EXPECT_EQ(users.rfind("admin:pbkdf2-sha256:1000:", 0), 0u) << users;
  EXPECT_EQ(users.find("sesame"), std::string::npos);

  WriteProperties(dir.File("worker.properties"),
                  {{"listeners", "https://127.0.0.1:0"},
                   {"listeners.https.ssl.keystore.type", "PEM"},
                   {"listeners.https.ssl.keystore.location", certs.File("encrypted.pem")},
                   {"listeners.https.ssl.key.password", "s3cret"},
                   {"rest.basic.auth.credentials.file", dir.File("users.txt")}});
  const std::string log = dir.File("worker.log");
  Process worker({TributaryBinary(), "standalone", dir.File("worker.properties")}, log);
  const uint16_t port = WaitForRestPort(log, seconds(30), "https");
  ASSERT_NE(port, 0) << worker.Log();
  const std::string ca = certs.File("cert.pem");
  ASSERT_TRUE(
      WaitUntil([&] { return FetchTls(port, ca, "GET", "/health").status == 200; }, seconds(30)));
  HttpResult denied = FetchTls(port, ca, "GET", "/connectors");
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.headers["www-authenticate"], "Basic realm=\"tributary\"");
  // "admin:open sesame" in base64.
  const std::map<std::string, std::string> auth{
      {"Authorization", "Basic YWRtaW46b3BlbiBzZXNhbWU="}};
  HttpResult allowed = FetchTls(port, ca, "GET", "/connectors", "", auth);
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(allowed.body, "[]");
  worker.Kill(SIGTERM);
  EXPECT_EQ(worker.Wait(seconds(30)), 0);
  const std::string text = ReadFile(log);
  EXPECT_EQ(text.find("sesame"), std::string::npos);
  EXPECT_EQ(text.find("YWRtaW46"), std::string::npos);
  EXPECT_EQ(text.find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace tributary::testing
