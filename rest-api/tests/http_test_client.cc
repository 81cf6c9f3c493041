#include "rest-api/tests/http_test_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>

namespace tributary::rest::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Fills `result` from a parsed response (also used by http_tls_test_client.cc).
void FillResult(const http::response<http::string_body>& response, HttpResult* result) {
  result->ok = true;
  result->status = static_cast<int>(response.result_int());
  result->body = response.body();
  result->keep_alive = response.keep_alive();
  for (const auto& field : response) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    result->headers[name] = std::string(field.value());
  }
}

struct HttpTestClient::State {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool connected = false;

  // Runs one asynchronous operation to completion, giving up after 10 s (the stream closes itself
  // at the deadline and the operation fails with beast::error::timeout).
  template <typename Start>
  boost::system::error_code Run(Start start) {
    boost::system::error_code result = asio::error::would_block;
    stream.expires_after(std::chrono::seconds(10));
    start([&result](boost::system::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }
};

HttpTestClient::HttpTestClient(uint16_t port) : state_(std::make_unique<State>()) {
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  auto ec = state_->Run([&](auto handler) { state_->stream.async_connect(endpoint, handler); });
  state_->connected = !ec;
}

HttpTestClient::~HttpTestClient() = default;

bool HttpTestClient::connected() const { return state_->connected; }

HttpResult HttpTestClient::Request(const std::string& method, const std::string& target,
                                   const std::string& body,
                                   const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty()) {
    request.set(http::field::content_type, "application/json");
    request.body() = body;
  }
  request.prepare_payload();
  auto ec = state_->Run([&](auto handler) { http::async_write(state_->stream, request, handler); });
  if (ec) return HttpResult{false, "write: " + ec.message()};
  return ReadResponse(method == "HEAD");
}

HttpResult HttpTestClient::SendRaw(const std::string& bytes) {
  auto ec = state_->Run(
      [&](auto handler) { asio::async_write(state_->stream, asio::buffer(bytes), handler); });
  if (ec) return HttpResult{false, "write: " + ec.message()};
  return ReadResponse();
}

HttpResult HttpTestClient::ReadResponse(bool head) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  parser.skip(head);  // a response to HEAD has headers only
  auto ec = state_->Run(
      [&](auto handler) { http::async_read(state_->stream, state_->buffer, parser, handler); });
  const auto& response = parser.get();
  if (ec) return HttpResult{false, "read: " + ec.message()};
  HttpResult result;
  FillResult(response, &result);
  return result;
}

bool HttpTestClient::WaitForClose() {
  char byte;
  // Bytes already buffered mean the server sent something else first: not a clean close.
  if (state_->buffer.size() > 0) return false;
  auto ec = state_->Run(
      [&](auto handler) { state_->stream.async_read_some(asio::buffer(&byte, 1), handler); });
  return ec == asio::error::eof || ec == asio::error::connection_reset;
}

HttpResult Fetch(uint16_t port, const std::string& method, const std::string& target,
                 const std::string& body, const std::map<std::string, std::string>& headers) {
  HttpTestClient client(port);
  if (!client.connected()) return HttpResult{false, "connect failed"};
  return client.Request(method, target, body, headers);
}

}  // namespace tributary::rest::testing
