#pragma once

// The collector's HTTP protocol without any I/O: turns one parsed HTTP request into the response
// to send and the records to write (good CollectorPayloads and bad rows). Routes, cookies, CORS,
// privacy switches and size limits follow the reference Scala Stream Collector (README.md).
//
// Thread-safe: Handle() is const apart from the Env, which must be thread-safe itself.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "connectors/snowplow/collector_config.h"
#include "connectors/snowplow/collector_payload.h"
#include "connectors/snowplow/split_batch.h"

namespace tributary::connectors::snowplow {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct CollectorRequest {
  std::string method;  // upper case, e.g. "GET"
  std::string target;  // path and query as sent, e.g. "/i?e=pv"
  HeaderList headers;  // in arrival order, names as sent
  std::string body;
  std::string remote_address;  // the socket's peer address, or empty
  bool secure = false;         // arrived over TLS
};

struct CollectorResponse {
  int status = 200;
  HeaderList headers;
  std::string body;
};

struct HandledRequest {
  CollectorResponse response;
  std::vector<CollectorPayload> good;  // payloads for streams.good
  std::vector<Bytes> good_thrift;      // good[i] serialised (SerializeThrift)
  std::vector<std::string> bad;        // bad rows for streams.bad
  std::string partition_key;           // the record key for all of them
};

// Clock and randomness, the seam tests replace. Thread-safe.
class CollectorEnv {
 public:
  virtual ~CollectorEnv() = default;
  virtual int64_t NowMillis() = 0;
  // A random version-4 UUID, lower case.
  virtual std::string RandomUuid() = 0;
};
CollectorEnv& SystemCollectorEnv();

// The 43-byte transparent GIF answered to pixel requests.
const std::string& PixelGif();

class CollectorService {
 public:
  // `env` is not owned and must outlive the service.
  CollectorService(CollectorConfig config, CollectorEnv* env);

  // Handles one complete request (its body moves into the payload). `sink_healthy` answers
  // /sink-health, `healthy` /health.
  HandledRequest Handle(CollectorRequest request, bool sink_healthy = true,
                        bool healthy = true) const;

  const CollectorConfig& config() const { return config_; }
  // The port the https server bound (ssl.port 0 picks one), for ssl.redirect's Location. Call
  // before requests are handled.
  void set_bound_ssl_port(int port) { config_.ssl_port = port; }

 private:
  HandledRequest Track(CollectorRequest& request, std::string_view path, std::string_view query,
                       bool pixel, bool redirect) const;

  CollectorConfig config_;
  CollectorEnv* env_;
  SplitLimits limits_;
};

// Helpers exposed for tests.
// Percent-decodes a query component ('+' is a space). Malformed escapes are kept as they are.
std::string UrlDecode(std::string_view text);
// The decoded value of the first `name` parameter of a raw query string, or nullopt.
std::optional<std::string> QueryParam(std::string_view query, std::string_view name);
// Cookie pairs of a Cookie header value, in order.
std::vector<std::pair<std::string, std::string>> ParseCookies(std::string_view header);
// "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(int64_t epoch_ms);

}  // namespace tributary::connectors::snowplow
