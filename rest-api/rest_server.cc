#include "rest-api/rest_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "rest-api/connectors_resource.h"
#include "rest-api/listeners.h"
#include "rest-api/loggers_resource.h"
#include "rest-api/metrics_resource.h"
#include "rest-api/root_resource.h"

namespace tributary::rest {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

// Jetty's default request header buffer is 8 KiB; allow a bit more.
constexpr uint32_t kHeaderLimit = 16 * 1024;

std::string EndpointUrl(const std::string& scheme, const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return scheme + "://" + host + ":" + std::to_string(endpoint.port());
}

// The TLS context of the https:// listeners from Kafka's PEM keystore.
Result<std::unique_ptr<ssl::context>> MakeTlsContext(const RestTlsConfig& tls) {
  if (tls.keystore_location.empty()) {
    return Status::InvalidConfig(
        "An https:// listener needs a PEM keystore: set listeners.https.ssl.keystore.location "
        "(or ssl.keystore.location) and ssl.keystore.type=PEM");
  }
  return connectors::MakeServerTlsContext(tls);
}

std::string ListenerText(const Listener& listener) {
  const bool v6 = listener.host.find(':') != std::string::npos;
  return listener.scheme + "://" + (v6 ? "[" + listener.host + "]" : listener.host) + ":" +
         std::to_string(listener.port);
}

}  // namespace

class RestServer::Impl {
 public:
  Impl(RestServerConfig config, runtime::Herder* herder)
      : config_(std::move(config)),
        root_(herder, config_.version, config_.commit),
        connectors_(herder, config_.topic_tracking_enable, config_.topic_tracking_allow_reset),
        plugins_(herder),
        metrics_(config_.metrics),
        ioc_(config_.io_threads > 0 ? config_.io_threads : 1) {}

  ~Impl() { Stop(); }

  Status Start();
  void Stop();

  // With Basic authentication configured: nullopt when the request may proceed, else the 401.
  std::optional<RestResponse> Authenticate(std::string_view method, std::string_view target,
                                           std::string_view authorization) const;

  uint16_t port() const {
    std::lock_guard<std::mutex> lock(mu_);
    return endpoints_.empty() ? 0 : endpoints_.front().second.port();
  }
  std::vector<std::string> ListenerUrls() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& [scheme, endpoint] : endpoints_) out.push_back(EndpointUrl(scheme, endpoint));
    return out;
  }

  const Router& router() const { return router_; }
  const RestServerConfig& config() const { return config_; }

  class Session;
  template <bool kTls>
  class HttpSession;
  // Tracks a live connection so Stop() can close it. False (and the caller drops the connection)
  // when the server is stopping.
  bool Register(const std::shared_ptr<Session>& session);
  void Unregister(Session* session);

 private:
  enum class State { kNew, kRunning, kStopped };

  Status Bind(const Listener& listener);
  // `tls` null: plain HTTP.
  void DoAccept(tcp::acceptor* acceptor, ssl::context* tls);
  void RunLoop();

  const RestServerConfig config_;
  RootResource root_;
  ConnectorsResource connectors_;
  ConnectorPluginsResource plugins_;
  LoggersResource loggers_;
  MetricsResource metrics_;
  Router router_;

  mutable std::mutex mu_;
  State state_ = State::kNew;
  std::vector<std::pair<std::string, tcp::endpoint>> endpoints_;  // scheme, bound address
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;

  // Declared after everything sessions touch, so handlers destroyed with the io_context still find
  // them alive.
  asio::io_context ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::unique_ptr<ssl::context> tls_;  // for https:// listeners
  std::vector<std::pair<std::unique_ptr<tcp::acceptor>, bool>> acceptors_;  // acceptor, https
  std::vector<std::thread> threads_;
};

// A live connection, as the server tracks it for Stop().
class RestServer::Impl::Session {
 public:
  virtual ~Session() = default;
  virtual void Start() = 0;
  // Closes the connection from any thread; pending operations complete with an error.
  virtual void Close() = 0;
};

// One HTTP/1.1 connection (over TLS when kTls): read a request, answer it, repeat while
// keep-alive. All its handlers run on its own strand.
template <bool kTls>
class RestServer::Impl::HttpSession : public Session,
                                      public std::enable_shared_from_this<HttpSession<kTls>> {
 public:
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

  HttpSession(Impl* server, tcp::socket socket, ssl::context* tls)
      : server_(server), stream_(MakeStream(std::move(socket), tls)) {}
  ~HttpSession() override { server_->Unregister(this); }

  void Start() override {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&HttpSession::DoHandshake, this->shared_from_this()));
  }

  void Close() override {
    asio::post(stream_.get_executor(),
               beast::bind_front_handler(&HttpSession::DoClose, this->shared_from_this()));
  }

 private:
  static Stream MakeStream(tcp::socket socket, ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *tls);
    } else {
      (void)tls;
      return Stream(std::move(socket));
    }
  }

  void DoHandshake() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(server_->config().idle_timeout);
      stream_.async_handshake(
          ssl::stream_base::server,
          beast::bind_front_handler(&HttpSession::OnHandshake, this->shared_from_this()));
    } else {
      DoRead();
    }
  }

  void OnHandshake(ErrorCode ec) {
    if (ec) return DoClose();  // not TLS, bad certificate, timeout, …
    DoRead();
  }

  void DoRead() {
    parser_.emplace();
    parser_->body_limit(server_->config().max_request_body_bytes);
    parser_->header_limit(kHeaderLimit);
    beast::get_lowest_layer(stream_).expires_after(server_->config().idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::OnRead, this->shared_from_this()));
  }

  void OnRead(ErrorCode ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) return DoClose();
    if (ec == http::error::body_limit) {
      return WriteError(413, "Request body is larger than the limit of " +
                                 std::to_string(server_->config().max_request_body_bytes) +
                                 " bytes");
    }
    if (ec == http::error::header_limit) return WriteError(431, "Request header is too large");
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category()) {
      return WriteError(400, "Bad Request");  // malformed HTTP (bad method, version, header, …)
    }
    if (ec) return DoClose();  // timeout, reset, closed by Stop()

    http::request<http::string_body> request = parser_->release();
    const bool head = request.method() == http::verb::head;
    RestResponse answer;
    try {
      const auto method = request.method_string();
      const auto target = request.target();
      const std::string_view method_view(method.data(), method.size());
      const std::string_view target_view(target.data(), target.size());
      const auto authorization = request[http::field::authorization];
      std::optional<RestResponse> denied = server_->Authenticate(
          method_view, target_view, std::string_view(authorization.data(), authorization.size()));
      if (denied) {
        answer = std::move(*denied);
      } else {
        answer = server_->router().Dispatch(method_view, target_view, std::move(request.body()));
      }
    } catch (const std::exception& e) {
      answer = RestResponse::Error(500, e.what());
    }
    Write(std::move(answer), request.version(), request.keep_alive(), head);
  }

  void WriteError(int status, const std::string& message) {
    Write(RestResponse::Error(status, message), 11, /*keep_alive=*/false, /*head=*/false);
  }

  void Write(RestResponse answer, unsigned version, bool keep_alive, bool head) {
    auto& response = response_.emplace();
    response.version(version);
    response.result(static_cast<unsigned>(answer.status));
    response.keep_alive(keep_alive);
    for (auto& [name, value] : answer.headers) response.set(name, value);
    if (!answer.body.empty() && response.find(http::field::content_type) == response.end())
      response.set(http::field::content_type, "application/json");
    const std::size_t length = answer.body.size();
    if (!head) response.body() = std::move(answer.body);
    response.content_length(length);
    beast::get_lowest_layer(stream_).expires_after(server_->config().idle_timeout);
    http::async_write(
        stream_, response,
        beast::bind_front_handler(&HttpSession::OnWrite, this->shared_from_this(), keep_alive));
  }

  void OnWrite(bool keep_alive, ErrorCode ec, std::size_t) {
    response_.reset();
    if (ec || !keep_alive) return DoClose();
    DoRead();
  }

  void DoClose() {
    // TLS: no close_notify exchange; every response carries Content-Length, so a client knows it
    // read the whole answer.
    ErrorCode ignored;
    auto& lowest = beast::get_lowest_layer(stream_);
    lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest.close();
  }

  Impl* server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
};

bool RestServer::Impl::Register(const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ != State::kRunning) return false;
  sessions_[session.get()] = session;
  return true;
}

void RestServer::Impl::Unregister(Session* session) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(session);
}

Status RestServer::Impl::Bind(const Listener& listener) {
  const std::string text = ListenerText(listener);
  ErrorCode ec;
  tcp::endpoint endpoint;
  if (listener.host.empty()) {
    endpoint = tcp::endpoint(tcp::v6(), listener.port);  // dual-stack where the host allows it
  } else {
    const auto address = asio::ip::make_address(listener.host, ec);
    if (!ec) {
      endpoint = tcp::endpoint(address, listener.port);
    } else {
      tcp::resolver resolver(ioc_);
      auto results = resolver.resolve(listener.host, std::to_string(listener.port), ec);
      if (ec || results.empty()) {
        return Status::IoError("Cannot resolve the host of listener " + text + ": " +
                               (ec ? ec.message() : "no addresses"));
      }
      endpoint = results.begin()->endpoint();
    }
  }

  auto acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(ioc_));
  acceptor->open(endpoint.protocol(), ec);
  if (ec && listener.host.empty()) {
    // No IPv6 on this host: all IPv4 interfaces then.
    endpoint = tcp::endpoint(tcp::v4(), listener.port);
    ec.clear();
    acceptor->open(endpoint.protocol(), ec);
  }
  if (!ec && endpoint.address().is_v6() && listener.host.empty()) {
    acceptor->set_option(asio::ip::v6_only(false), ec);
    ec.clear();  // best effort: a v6-only host still serves IPv6
  }
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IoError("Cannot listen on " + text + ": " + ec.message());

  const tcp::endpoint bound = acceptor->local_endpoint(ec);
  if (ec) return Status::IoError("Cannot listen on " + text + ": " + ec.message());
  {
    std::lock_guard<std::mutex> lock(mu_);
    endpoints_.emplace_back(listener.scheme, bound);
  }
  acceptors_.emplace_back(std::move(acceptor), listener.scheme == "https");
  return Status::Ok();
}

Status RestServer::Impl::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ != State::kNew) return Status::Internal("RestServer::Start called more than once");
  }
  Result<std::vector<Listener>> listeners = ParseListeners(config_.listeners);
  if (!listeners.ok()) return listeners.status();
  for (const Listener& listener : *listeners) {
    if (listener.scheme == "https" && tls_ == nullptr) {
      Result<std::unique_ptr<ssl::context>> context = MakeTlsContext(config_.tls);
      if (!context.ok()) {
        std::lock_guard<std::mutex> lock(mu_);
        state_ = State::kStopped;
        return context.status().WithContext("listener " + ListenerText(listener));
      }
      tls_ = std::move(*context);
    }
  }
  TRIBUTARY_RETURN_IF_ERROR(root_.Register(&router_));
  TRIBUTARY_RETURN_IF_ERROR(connectors_.Register(&router_));
  TRIBUTARY_RETURN_IF_ERROR(plugins_.Register(&router_));
  TRIBUTARY_RETURN_IF_ERROR(loggers_.Register(&router_));
  TRIBUTARY_RETURN_IF_ERROR(metrics_.Register(&router_));

  try {
    for (const Listener& listener : *listeners) {
      Status status = Bind(listener);
      if (!status.ok()) {
        acceptors_.clear();
        std::lock_guard<std::mutex> lock(mu_);
        endpoints_.clear();
        state_ = State::kStopped;
        return status;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      state_ = State::kRunning;
    }
    for (auto& [acceptor, https] : acceptors_)
      DoAccept(acceptor.get(), https ? tls_.get() : nullptr);
    work_.emplace(ioc_.get_executor());
    const int threads = config_.io_threads > 0 ? config_.io_threads : 1;
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { RunLoop(); });
  } catch (const std::exception& e) {
    // Thread creation or an unexpected Asio failure: undo what was started.
    Stop();
    return Status::Internal(std::string("Cannot start the REST server: ") + e.what());
  }
  for (const auto& url : ListenerUrls()) spdlog::info("REST server listening on {}", url);
  return Status::Ok();
}

std::optional<RestResponse> RestServer::Impl::Authenticate(std::string_view method,
                                                           std::string_view target,
                                                           std::string_view authorization) const {
  if (config_.authenticator == nullptr) return std::nullopt;
  const std::string_view path = target.substr(0, target.find('?'));
  // Probes stay open: Kubernetes cannot send credentials with an httpGet probe.
  if ((method == "GET" || method == "HEAD") && path == "/health") return std::nullopt;
  if (config_.authenticator->Check(authorization)) return std::nullopt;
  RestResponse denied = RestResponse::Error(401, "User cannot access the resource.");
  denied.headers.emplace_back("WWW-Authenticate", "Basic realm=\"tributary\"");
  return denied;
}

void RestServer::Impl::DoAccept(tcp::acceptor* acceptor, ssl::context* tls) {
  acceptor->async_accept(
      asio::make_strand(ioc_), [this, acceptor, tls](ErrorCode ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
        if (ec) {
          spdlog::warn("REST server could not accept a connection: {}", ec.message());
        } else {
          std::shared_ptr<Session> session;
          if (tls != nullptr) {
            session = std::make_shared<HttpSession<true>>(this, std::move(socket), tls);
          } else {
            session = std::make_shared<HttpSession<false>>(this, std::move(socket), nullptr);
          }
          if (!Register(session)) return;  // stopping; the socket closes with the session
          session->Start();
        }
        DoAccept(acceptor, tls);
      });
}

void RestServer::Impl::RunLoop() {
  // A handler that throws would end ioc_.run(); log it and keep serving.
  while (true) {
    try {
      ioc_.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("REST server handler failed: {}", e.what());
    } catch (...) {
      spdlog::error("REST server handler failed with an unknown exception");
    }
  }
}

void RestServer::Impl::Stop() {
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ == State::kStopped && threads_.empty()) return;
    state_ = State::kStopped;
    for (auto& [ptr, weak] : sessions_) {
      if (auto session = weak.lock()) sessions.push_back(std::move(session));
    }
  }
  for (auto& [acceptor, https] : acceptors_) {
    tcp::acceptor* raw = acceptor.get();
    asio::post(raw->get_executor(), [raw] {
      ErrorCode ignored;
      raw->close(ignored);
    });
  }
  for (auto& session : sessions) session->Close();
  sessions.clear();
  work_.reset();
  for (auto& thread : threads_) {
    if (thread.get_id() == std::this_thread::get_id()) {
      thread.detach();  // Stop() from a handler: cannot join ourselves
    } else if (thread.joinable()) {
      thread.join();
    }
  }
  threads_.clear();
}

RestTlsConfig RestTlsConfigFromWorker(const ConfigMap& worker) {
  constexpr std::string_view kPrefix = "listeners.https.";
  bool prefixed = false;
  for (const auto& [key, value] : worker) {
    if (key.compare(0, kPrefix.size(), kPrefix) == 0) prefixed = true;
  }
  auto get = [&](const std::string& key, const std::string& fallback) {
    auto it = worker.find(prefixed ? std::string(kPrefix) + key : key);
    return it == worker.end() ? fallback : it->second;
  };
  RestTlsConfig tls;
  tls.keystore_location = get("ssl.keystore.location", "");
  // Kafka's default keystore type is JKS; a worker that names no type but gives a location gets
  // told that only PEM is supported.
  tls.keystore_type = get("ssl.keystore.type", "JKS");
  tls.key_password = get("ssl.key.password", "");
  return tls;
}

RestServer::RestServer(RestServerConfig config, runtime::Herder* herder)
    : impl_(std::make_unique<Impl>(std::move(config), herder)) {}

RestServer::~RestServer() = default;

Status RestServer::Start() { return impl_->Start(); }
void RestServer::Stop() { impl_->Stop(); }
uint16_t RestServer::port() const { return impl_->port(); }
std::vector<std::string> RestServer::ListenerUrls() const { return impl_->ListenerUrls(); }

}  // namespace tributary::rest
