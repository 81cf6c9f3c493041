#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

// A small blocking HTTP/1.1 client for the REST server tests (Boost.Beast). Every read gives up
// after a few seconds so a broken server fails a test instead of hanging it.
namespace tributary::rest::testing {

struct HttpResult {
  bool ok = false;    // false when the connection failed or closed before a response
  std::string error;  // why, when !ok
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  bool keep_alive = false;
};

class HttpTestClient {
 public:
  // Connects to 127.0.0.1:`port`. connected() says whether it worked.
  explicit HttpTestClient(uint16_t port);
  ~HttpTestClient();

  bool connected() const;
  // Sends one request on this connection and reads the response.
  HttpResult Request(const std::string& method, const std::string& target,
                     const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {});
  // Writes raw bytes, then reads one response.
  HttpResult SendRaw(const std::string& bytes);
  // True when the server closed the connection: a read returns end-of-file or a reset.
  bool WaitForClose();

 private:
  HttpResult ReadResponse(bool head = false);

  struct State;
  std::unique_ptr<State> state_;
};

// One request on a fresh connection.
HttpResult Fetch(uint16_t port, const std::string& method, const std::string& target,
                 const std::string& body = "",
                 const std::map<std::string, std::string>& headers = {});

// One request over HTTPS on a fresh connection to 127.0.0.1:`port`, trusting only the PEM
// certificate(s) in `ca_file` (the server's certificate must verify against them). !ok with the
// TLS error when the handshake fails.
HttpResult FetchTls(uint16_t port, const std::string& ca_file, const std::string& method,
                    const std::string& target, const std::string& body = "",
                    const std::map<std::string, std::string>& headers = {});

}  // namespace tributary::rest::testing
