#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "connectors/common/tls_server.h"
#include "rest-api/basic_auth.h"
#include "runtime/api/status.h"
#include "runtime/herder/herder.h"

namespace tributary::runtime {
class MetricsRegistry;
}

namespace tributary::rest {

// TLS of https:// listeners: Kafka's PEM keystore (worker keys
// listeners.https.ssl.keystore.location / ssl.keystore.location, ssl.keystore.type=PEM,
// ssl.key.password for an encrypted key).
using RestTlsConfig = connectors::PemKeystore;

// The TLS settings of a worker config as Connect picks them: if any `listeners.https.` key is
// set, only the prefixed keys count (all or nothing); otherwise the plain ssl.* keys.
RestTlsConfig RestTlsConfigFromWorker(const ConfigMap& worker);

struct RestServerConfig {
  // The `listeners` worker setting: comma-separated http://host:port entries. An empty host means
  // all interfaces; port 0 picks a free port (see RestServer::port()).
  std::string listeners = "http://:8083";
  // Reported by `GET /` as ServerInfo.version / .commit.
  std::string version;
  std::string commit;
  // Larger request bodies are refused with 413 before they are read.
  std::size_t max_request_body_bytes = 10 * 1024 * 1024;
  // Threads running the server's event loop; a slow herder call occupies one of them.
  int io_threads = 2;
  // A keep-alive connection that sends nothing for this long is closed.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  // topic.tracking.enable / topic.tracking.allow.reset (KIP-558): when false, the topics routes
  // answer Connect's 403s.
  bool topic_tracking_enable = true;
  bool topic_tracking_allow_reset = true;
  // Used when a listener is https://.
  RestTlsConfig tls;
  // When set, every request except GET/HEAD /health needs valid Basic credentials; otherwise 401
  // {"error_code":401,…} with `WWW-Authenticate: Basic realm="tributary"`.
  std::shared_ptr<const BasicAuthenticator> authenticator;
  // What GET /metrics renders (not owned; must outlive the server). nullptr: an empty exposition.
  const runtime::MetricsRegistry* metrics = nullptr;
};

// Kafka Connect's REST server: an HTTP/1.1 server (Boost.Beast, keep-alive) serving the Connect
// resources of one Herder. Every response body is JSON (except /metrics: Prometheus text); every
// error is Connect's ErrorMessage.
// No exception leaves this class: start-up failures are Status values, failures while handling a
// request are 500 responses.
//
// Threads: Start() and Stop() are called by the owner (not from a request handler); the Herder is
// called from the server's io threads and must be thread-safe, as herder.h promises.
class RestServer {
 public:
  // `herder` is not owned and must outlive the server.
  RestServer(RestServerConfig config, runtime::Herder* herder);
  // Stops the server if it is running.
  ~RestServer();

  RestServer(const RestServer&) = delete;
  RestServer& operator=(const RestServer&) = delete;

  // Binds every listener and starts serving. Errors: InvalidConfig for a malformed `listeners`
  // value or an https:// listener without a usable PEM keystore; IoError naming the
  // address when it cannot be bound (e.g. already in use); Internal if called twice. On error
  // nothing is left listening.
  Status Start();

  // Stops accepting, closes every open connection and joins the io threads. A handler already
  // running finishes, but its response may not reach the client. Idempotent; a stopped server
  // cannot be started again. Must not be called from a request handler.
  void Stop();

  // The bound port of the first listener (the chosen one for port 0); 0 before Start().
  uint16_t port() const;
  // The bound address of every listener, e.g. "http://127.0.0.1:41234".
  std::vector<std::string> ListenerUrls() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tributary::rest
