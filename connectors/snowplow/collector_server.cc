#include "connectors/snowplow/collector_server.h"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <exception>
#include <future>
#include <iterator>

#include "connectors/common/tls_server.h"

namespace tributary::connectors::snowplow {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
// Every io_context is run by one thread, so a connection's handlers never run concurrently
// without a strand, and its I/O objects use the context's own executor type: the type-erased
// default (any_io_executor) and per-connection strands cost reference-counted executor copies
// on every operation (≈10 % of a server thread's CPU under load).
using Executor = asio::io_context::executor_type;
using Socket = tcp::socket::rebind_executor<Executor>::other;
using TcpStream = beast::basic_stream<tcp, Executor, beast::unlimited_rate_policy>;

namespace {

Value KeyValue(const std::string& key) { return Value::String(key); }

}  // namespace

class CollectorServer::Impl {
 public:
  explicit Impl(CollectorServer* owner) : owner_(owner) {}

  Status Start() {
    const CollectorConfig& c = owner_->service_.config();
    Result<int> port = Listen(acceptor_, c.port);
    if (!port.ok()) return port.status();
    owner_->port_ = *port;
    if (c.ssl_enable) {
      Result<std::unique_ptr<ssl::context>> tls = connectors::MakeServerTlsContext(c.keystore);
      if (!tls.ok()) return tls.status();
      tls_ = std::move(*tls);
      Result<int> ssl_port = Listen(tls_acceptor_, c.ssl_port);
      if (!ssl_port.ok()) return ssl_port.status();
      owner_->ssl_port_ = *ssl_port;
      owner_->service_.set_bound_ssl_port(*ssl_port);
      Accept(tls_acceptor_, tls_.get());
    }
    Accept(acceptor_, nullptr);
    Sweep();
    for (auto& context : contexts_) threads_.emplace_back([&context] { context->run(); });
    return Status::Ok();
  }

  // Closes the listening socket and returns once it is closed (a connect fails afterwards).
  void StopAccepting() {
    if (accepting_closed_.exchange(true)) return;
    std::promise<void> closed;
    asio::post(acceptor_.get_executor(), [this, &closed] {
      beast::error_code ec;
      acceptor_.close(ec);
      asio::post(tls_acceptor_.get_executor(), [this, &closed] {
        beast::error_code ignored;
        tls_acceptor_.close(ignored);
        closed.set_value();
      });
    });
    closed.get_future().wait();
  }

  // Waits until every response in flight was written, or `timeout` passed.
  void Drain(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while ((writing_.load() > 0 || awaiting_.load() > 0) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // Waits (bounded) for the last answers to be written, then stops the threads.
  void Shutdown() {
    Drain(std::chrono::seconds(2));
    for (auto& context : contexts_) context->stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  CollectorServer* owner() { return owner_; }
  std::atomic<int>& connections() { return connections_; }
  std::atomic<int>& writing() { return writing_; }
  // Durable requests waiting for Kafka (their answer is still to be written).
  std::atomic<int>& awaiting() { return awaiting_; }

 private:
  // Binds interface:port and listens; the bound port.
  Result<int> Listen(tcp::acceptor& acceptor, int port) {
    const std::string& interface = owner_->service_.config().interface;
    try {
      tcp::endpoint endpoint(asio::ip::make_address(interface), static_cast<uint16_t>(port));
      acceptor.open(endpoint.protocol());
      acceptor.set_option(asio::socket_base::reuse_address(true));
      acceptor.bind(endpoint);
      acceptor.listen(asio::socket_base::max_listen_connections);
      return static_cast<int>(acceptor.local_endpoint().port());
    } catch (const std::exception& e) {
      return Status::IoError("SnowplowCollectorSource: cannot listen on " + interface + ":" +
                             std::to_string(port) + ": " + e.what());
    }
  }
  // Accepts connections on `acceptor`; over TLS when `tls` is set.
  void Accept(tcp::acceptor& acceptor, ssl::context* tls);
  // Answers durable requests whose acknowledgement is overdue, every tenth of ack.timeout.ms (at
  // most every 100 ms), until the threads stop: one timer for all requests instead of one each.
  void Sweep() {
    const int64_t period = std::clamp<int64_t>(owner_->config().ack_timeout_ms / 10, 1, 100);
    sweep_timer_.expires_after(std::chrono::milliseconds(period));
    sweep_timer_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      owner_->ExpireOverdue();
      Sweep();
    });
  }

  using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;
  static std::vector<std::unique_ptr<asio::io_context>> MakeContexts(int threads) {
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    for (int i = 0; i < std::max(threads, 1); ++i) {
      contexts.push_back(std::make_unique<asio::io_context>(1));
    }
    return contexts;
  }
  static std::vector<WorkGuard> MakeGuards(std::vector<std::unique_ptr<asio::io_context>>& all) {
    std::vector<WorkGuard> guards;
    for (auto& context : all) guards.emplace_back(context->get_executor());
    return guards;
  }
  // The context of the next connection (round robin). Only from the acceptors' handlers, which
  // all run on contexts_[0]'s thread.
  asio::io_context& NextContext() { return *contexts_[next_context_++ % contexts_.size()]; }

  CollectorServer* owner_;
  // Declared before contexts_: sessions destroyed with the io_contexts' pending handlers use them.
  std::atomic<int> connections_{0};
  std::atomic<int> writing_{0};
  std::atomic<int> awaiting_{0};
  std::atomic<bool> accepting_closed_{false};
  // One io_context per server thread (server.threads), each serving its share of the
  // connections: every thread waits in its own epoll and runs its own handlers. With one
  // io_context shared by the threads, the thread that polled handed every other batch of ready
  // connections to the other through a condition variable, a wake-up each.
  std::vector<std::unique_ptr<asio::io_context>> contexts_ =
      MakeContexts(owner_->service_.config().threads);
  // Keep the threads running (for StopAccepting's close and late answers) until Shutdown.
  std::vector<WorkGuard> work_ = MakeGuards(contexts_);
  size_t next_context_ = 0;
  tcp::acceptor acceptor_{*contexts_[0]};
  std::unique_ptr<ssl::context> tls_;  // with ssl.enable
  tcp::acceptor tls_acceptor_{*contexts_[0]};
  asio::steady_timer sweep_timer_{*contexts_[0]};
  std::vector<std::thread> threads_;
};

namespace {

// Initial read buffer of a connection: a typical tracking request in one read (a GET /i with its
// query string is ≈600 bytes, a POST of ten events ≈4 KiB). Beast reads at most the buffer's
// free capacity and does not grow a buffer it can make room in: a 4 KiB buffer took such a
// POST in two recvmsg calls, every time.
constexpr size_t kReadBufferBytes = 8192;

// One client connection (over TLS when kTls): read a request, handle it, (wait for Kafka),
// answer, repeat.
template <bool kTls>
class Session : public std::enable_shared_from_this<Session<kTls>> {
 public:
  using Stream = std::conditional_t<kTls, beast::ssl_stream<TcpStream>, TcpStream>;

  Session(Socket socket, ssl::context* tls, CollectorServer::Impl* impl, CollectorServer* server,
          const CollectorService* service)
      : stream_(MakeStream(std::move(socket), tls)),
        impl_(impl),
        server_(server),
        service_(service) {
    beast::error_code ec;
    auto remote = socket_layer().socket().remote_endpoint(ec);
    if (!ec) remote_ = remote.address().to_string();
    // Reply's immediate write must not block (an ioctl, so once per connection).
    if constexpr (!kTls) socket_layer().socket().non_blocking(true, ec);
    // Beast reads at most the buffer's free capacity. Grown by the first request only to about
    // its size, the buffer took every later request of the same size in two recvmsg calls.
    buffer_.reserve(kReadBufferBytes);
  }
  ~Session() { --impl_->connections(); }

  void Run() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        // The handshake counts against the first request's deadline.
        self->socket_layer().expires_after(
            std::chrono::milliseconds(self->config().request_timeout_ms));
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return self->Close();  // not TLS, no shared cipher, timeout, …
          self->Read();
        });
      } else {
        self->Read();
      }
    });
  }

 private:
  static Stream MakeStream(Socket socket, ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *tls);
    } else {
      (void)tls;
      return Stream(std::move(socket));
    }
  }
  TcpStream& socket_layer() { return beast::get_lowest_layer(stream_); }
  const CollectorConfig& config() const { return service_->config(); }

  // TLS: no close_notify exchange (every answer has a Content-Length, so the client knows it
  // read all of it).
  void Close() {
    beast::error_code ignored;
    socket_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(static_cast<uint64_t>(config().drop_payload_size));
    parser_->header_limit(40960 + 20480);
    // The first request of a connection and every later one must arrive within the request
    // timeout once started; idle keep-alive connections are bounded by the idle timeout.
    socket_layer().expires_after(std::chrono::milliseconds(
        first_ ? config().request_timeout_ms
               : std::min(config().idle_timeout_ms, config().request_timeout_ms)));
    first_ = false;
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      Reply(SimpleResponse(413, "Request entity too large"), false);
      return;
    }
    // A timeout (beast::error::timeout) already closed the socket: slow clients are just dropped.
    if (ec) {
      // Malformed requests get 400; closed or reset connections just end.
      if (ec != http::error::end_of_stream && ec != asio::error::connection_reset &&
          ec != asio::error::eof && ec != asio::error::operation_aborted &&
          ec.category() == http::make_error_code(http::error::bad_method).category()) {
        Reply(SimpleResponse(400, "Bad request"), false);
        return;
      }
      Close();
      return;
    }
    http::request<http::string_body> req = parser_->release();
    keep_alive_ = req.keep_alive();
    head_ = req.method() == http::verb::head;
    CollectorRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.headers.reserve(static_cast<size_t>(std::distance(req.begin(), req.end())));
    for (const auto& field : req) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(req.body());
    request.remote_address = remote_;
    request.secure = kTls;
    socket_layer().expires_never();

    HandledRequest handled =
        service_->Handle(std::move(request), server_->sink_healthy(), server_->healthy());
    response_ = std::move(handled.response);
    if (handled.good.empty() && handled.bad.empty()) {
      Reply(response_, keep_alive_);
      return;
    }
    const bool durable = config().ack_mode == AckMode::kDurable;
    std::function<void(bool)> complete;
    if (durable) {
      complete = [self = this->shared_from_this()](bool ok) {
        asio::post(self->stream_.get_executor(), [self, ok] { self->OnAcked(ok); });
      };
    }
    // Counted before the records become visible to Poll, so Stop() always waits for the answer.
    if (durable) ++impl_->awaiting();
    if (!server_->EnqueueForSession(handled, std::move(complete))) {
      Reply(SimpleResponse(503, "Service Unavailable"), keep_alive_);
      if (durable) --impl_->awaiting();
      return;
    }
    if (!durable) Reply(response_, keep_alive_);
  }

  void OnAcked(bool ok) {
    if (ok) {
      Reply(response_, keep_alive_);
    } else {
      Reply(SimpleResponse(503, "Service Unavailable"), keep_alive_);
    }
    --impl_->awaiting();  // after Reply counted itself in writing()
  }

  static CollectorResponse SimpleResponse(int status, const std::string& body) {
    CollectorResponse r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "text/plain; charset=UTF-8");
    r.body = body;
    return r;
  }

  // The response as HTTP/1.1 bytes, as Beast's serializer writes them after prepare_payload()
  // (reason phrase, Content-Length except for 1xx/204/304, "Connection: close" when not kept
  // alive), without its per-buffer machinery: a small answer is one write.
  std::string Wire(const CollectorResponse& r, bool keep_alive) const {
    const bool bodiless = r.status < 200 || r.status == 204 || r.status == 304;
    beast::string_view reason = http::obsolete_reason(static_cast<http::status>(r.status));
    // Sized once: room for the status line, the headers added below and the blank line.
    size_t size = 160 + r.body.size();
    for (const auto& [name, value] : r.headers) size += name.size() + value.size() + 4;
    std::string out;
    out.reserve(size);
    // string_view literals: append(const char*) is a call that measures the literal each time.
    using namespace std::string_view_literals;
    out.append("HTTP/1.1 "sv)
        .append(std::to_string(r.status))
        .append(" "sv)
        .append(reason.data(), reason.size());
    out.append("\r\n"sv);
    auto field = [&](std::string_view name, std::string_view value) {
      out.append(name).append(": "sv).append(value).append("\r\n"sv);
    };
    for (const auto& [name, value] : r.headers) field(name, value);
    if (config().hsts_enable) {
      field("Strict-Transport-Security",
            "max-age=" + std::to_string(config().hsts_max_age_seconds));
    }
    if (!bodiless) field("Content-Length", std::to_string(r.body.size()));
    if (!keep_alive) field("Connection", "close");
    out.append("\r\n"sv);
    if (!head_ && !bodiless) out.append(r.body);  // HEAD: the headers (with GET's length) only
    return out;
  }

  void Reply(const CollectorResponse& res, bool keep_alive) {
    auto wire = std::make_shared<std::string>(Wire(res, keep_alive));
    ++impl_->writing();
    if constexpr (!kTls) {
      // Nearly always the whole answer fits the socket's buffer: written at once, without an
      // asynchronous operation; the rest (a client not reading) is written asynchronously.
      beast::error_code ec;
      size_t n = socket_layer().socket().write_some(asio::buffer(*wire), ec);
      if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
        --impl_->writing();
        return Close();
      }
      if (n == wire->size()) {
        --impl_->writing();
        if (!keep_alive) return Close();
        // Read once the handlers already queued (this round's other answers) have run, not now:
        // the client cannot have sent its next request yet, and asio's read tries recvmsg
        // before it waits (only a 0-byte read counts as a drained socket), which would nearly
        // always fail with EAGAIN. A little later the request is often there.
        asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->Read(); });
        return;
      }
      wire->erase(0, n);
    }
    socket_layer().expires_after(std::chrono::milliseconds(config().request_timeout_ms));
    asio::async_write(
        stream_, asio::buffer(*wire),
        [self = this->shared_from_this(), wire, keep_alive](beast::error_code ec, size_t) {
          --self->impl_->writing();
          if (!ec && keep_alive) {
            self->Read();
            return;
          }
          self->Close();
        });
  }

  Stream stream_;
  CollectorServer::Impl* impl_;
  CollectorServer* server_;
  const CollectorService* service_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  CollectorResponse response_;
  std::string remote_;
  bool keep_alive_ = false;
  bool head_ = false;
  bool first_ = true;
};

}  // namespace

void CollectorServer::Impl::Accept(tcp::acceptor& acceptor, ssl::context* tls) {
  acceptor.async_accept(NextContext(), [this, &acceptor, tls](beast::error_code ec, Socket s) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      if (connections_.load() >= owner_->service_.config().max_connections) {
        beast::error_code ignored;
        s.close(ignored);
      } else {
        ++connections_;
        const CollectorService* service = &owner_->service_;
        if (tls != nullptr) {
          std::make_shared<Session<true>>(std::move(s), tls, this, owner_, service)->Run();
        } else {
          std::make_shared<Session<false>>(std::move(s), nullptr, this, owner_, service)->Run();
        }
      }
    }
    Accept(acceptor, tls);
  });
}

CollectorServer::CollectorServer(CollectorConfig config, CollectorEnv* env)
    : service_(std::move(config), env) {}

CollectorServer::~CollectorServer() { Stop(); }

Status CollectorServer::Start() {
  impl_ = std::make_unique<Impl>(this);
  Status st = impl_->Start();
  if (!st.ok()) impl_.reset();
  return st;
}

void CollectorServer::BeginTermination(bool unhealthy) {
  if (unhealthy) health_down_ = true;
  std::vector<std::function<void(bool)>> failed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    // Queued records will never be polled: their requests cannot succeed.
    for (const SourceRecord& r : queue_) {
      auto it = r.source_offset.find(kRequestField);
      if (it == r.source_offset.end()) continue;
      std::optional<int64_t> id = it->second.AsInteger();
      auto p = pending_.find(static_cast<uint64_t>(id.value_or(0)));
      if (p == pending_.end()) continue;
      failed.push_back(std::move(p->second.complete));
      pending_.erase(p);
    }
    queue_.clear();
  }
  for (auto& complete : failed) complete(false);
}

void CollectorServer::StopAccepting() {
  if (impl_) impl_->StopAccepting();
}

void CollectorServer::Stop() {
  if (!impl_) return;
  BeginTermination(false);
  impl_->StopAccepting();
  impl_->Drain(std::chrono::milliseconds(service_.config().termination_deadline_ms));
  {
    std::unordered_map<uint64_t, Pending> pending;
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending.swap(pending_);
    }
    for (auto& [id, p] : pending) p.complete(false);
  }  // the completions (holding sessions) are released before the server threads stop
  impl_->Shutdown();
  impl_.reset();
}

bool CollectorServer::EnqueueForSession(HandledRequest& handled,
                                        std::function<void(bool)> complete) {
  const CollectorConfig& c = service_.config();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(c.ack_timeout_ms);
  const size_t count = handled.good.size() + handled.bad.size();
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_ || queue_.size() + count > static_cast<size_t>(c.queue_max_records)) return false;
  const size_t queued_before = queue_.size();
  const bool was_empty = queued_before == 0;
  const uint64_t id = next_request_id_++;
  auto make = [&](const std::string& topic, Bytes value) {
    SourceRecord r;
    r.topic = topic;
    r.key_schema = schemas::String();
    r.key = KeyValue(handled.partition_key);
    r.value_schema = schemas::Bytes();
    r.value = Value::BytesValue(std::move(value));
    r.source_offset = {{kRequestField, Value::Int64(static_cast<int64_t>(id))}};
    queue_.push_back(std::move(r));
  };
  for (size_t i = 0; i < handled.good.size(); ++i) {
    make(c.good_topic, c.output_format == OutputFormat::kJson
                           ? ToBytes(PayloadToJson(handled.good[i]))
                           : std::move(handled.good_thrift[i]));
  }
  for (const std::string& b : handled.bad) make(c.bad_topic, ToBytes(b));
  if (complete) pending_[id] = Pending{count, deadline, std::move(complete)};
  // Announced when Poll starts returning records again: when the queue stops being empty with no
  // round in flight (the worker polls after acknowledgements anyway), or reaches a full round
  // during one. Announced under the lock, so that none is under way once BeginTermination
  // returned (the worker's queue it wakes goes away after the task stopped).
  const bool ready =
      in_flight_ == 0 ? was_empty : queued_before < kFullRound && queue_.size() >= kFullRound;
  if (ready && on_records_ready_) on_records_ready_();
  return true;
}

void CollectorServer::ExpireOverdue() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::function<void(bool)>> expired;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second.deadline > now) {
        ++it;
        continue;
      }
      expired.push_back(std::move(it->second.complete));
      it = pending_.erase(it);
    }
  }
  if (expired.empty()) return;
  sink_healthy_ = false;
  for (auto& complete : expired) complete(false);
}

std::vector<SourceRecord> CollectorServer::Poll(size_t max) {
  std::vector<SourceRecord> out;
  std::lock_guard<std::mutex> lock(mu_);
  // Rounds: see the header.
  if (in_flight_ > 0 && queue_.size() < kFullRound) return out;
  while (!queue_.empty() && out.size() < max) {
    out.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  in_flight_ += out.size();
  return out;
}

void CollectorServer::OnRecordDone(const SourceRecord& record, bool acked) {
  auto it = record.source_offset.find(kRequestField);
  std::optional<int64_t> id =
      it == record.source_offset.end() ? std::nullopt : it->second.AsInteger();
  std::unique_lock<std::mutex> lock(mu_);
  if (in_flight_ > 0) --in_flight_;
  if (!id) return;
  auto p = pending_.find(static_cast<uint64_t>(*id));
  if (p == pending_.end()) return;  // buffered, timed out, or already failed
  if (acked && --p->second.remaining > 0) return;
  std::function<void(bool)> complete = std::move(p->second.complete);
  pending_.erase(p);
  lock.unlock();
  if (acked) sink_healthy_ = true;
  complete(acked);
}

size_t CollectorServer::QueuedForTest() {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

}  // namespace tributary::connectors::snowplow
