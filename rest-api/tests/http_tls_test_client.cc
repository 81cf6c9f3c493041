#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>

#include "rest-api/tests/http_test_client.h"

// FetchTls lives apart from http_test_client.cc so that plain-HTTP tests need no OpenSSL.
namespace tributary::rest::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

void FillResult(const http::response<http::string_body>& response, HttpResult* result);

HttpResult FetchTls(uint16_t port, const std::string& ca_file, const std::string& method,
                    const std::string& target, const std::string& body,
                    const std::map<std::string, std::string>& headers) {
  asio::io_context ioc;
  ssl::context context(ssl::context::tls_client);
  boost::system::error_code ec;
  context.load_verify_file(ca_file, ec);
  if (ec) return HttpResult{false, "load_verify_file: " + ec.message()};
  context.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, context);
  // Every step gives up after 10 s (the stream closes itself at the deadline).
  auto run = [&](auto start) {
    boost::system::error_code result = asio::error::would_block;
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
    start([&result](boost::system::error_code e, auto&&...) { result = e; });
    ioc.restart();
    ioc.run();
    return result;
  };
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  ec = run([&](auto h) { beast::get_lowest_layer(stream).async_connect(endpoint, h); });
  if (ec) return HttpResult{false, "connect: " + ec.message()};
  ec = run([&](auto h) { stream.async_handshake(ssl::stream_base::client, h); });
  if (ec) return HttpResult{false, "handshake: " + ec.message()};
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
  ec = run([&](auto h) { http::async_write(stream, request, h); });
  if (ec) return HttpResult{false, "write: " + ec.message()};
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  ec = run([&](auto h) { http::async_read(stream, buffer, parser, h); });
  if (ec) return HttpResult{false, "read: " + ec.message()};
  HttpResult result;
  FillResult(parser.get(), &result);
  return result;
}

}  // namespace tributary::rest::testing
