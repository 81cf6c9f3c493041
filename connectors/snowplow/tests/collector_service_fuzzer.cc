// Fuzzes CollectorService::Handle, the collector's whole reading of a request from the internet
// (query strings, cookies, CORS origins, forwarded addresses, tp2 batches, size limits), with
// requests as Boost.Beast would deliver them. Input: one byte choosing the configuration, one
// choosing the method and TLS, then text: the request target on the first line, "Name: value"
// headers on the following lines up to an empty one, and the body after it. Checks:
//  - the status is an HTTP status, and no response header holds a byte that would end or break
//    its line (whatever the query percent-decodes to);
//  - every good record reads back (Thrift) as the payload it claims to be and is smaller than
//    streams.maxBytes; a refused body (413) writes nothing;
//  - every bad row is a JSON self-describing Snowplow bad row.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "connectors/snowplow/collector_service.h"

namespace {

using namespace tributary::connectors::snowplow;

class FixedEnv : public CollectorEnv {
 public:
  int64_t NowMillis() override { return 1714567890123; }
  std::string RandomUuid() override {
    return "6f1a2b3c-0000-4000-8000-00000000000" + std::to_string(n_++ % 10);
  }

 private:
  int n_ = 0;
};

void Require(bool condition) {
  if (!condition) std::abort();
}

// Each bit of `bits` turns on a part of the collector that is off by default, or makes the size
// limits small enough for a short input to be split or refused.
CollectorConfig ConfigFor(uint8_t bits) {
  CollectorConfig config;
  config.good_topic = "good";
  config.bad_topic = "bad";
  config.collector_name = "fuzz";
  config.redirect_enabled = bits & 0x01;
  config.cookie_bounce_enabled = bits & 0x02;
  config.cookie_bounce_forwarded_protocol_header = bits & 0x02 ? "X-Forwarded-Proto" : "";
  config.cross_domain_enabled = bits & 0x04;
  if (bits & 0x08) {
    config.ssl_enable = true;
    config.ssl_redirect = true;
    config.hsts_enable = true;
  }
  if (bits & 0x10) {
    config.max_bytes = 300;
    config.max_payload_size = 600;
    config.drop_payload_size = 1200;
  }
  if (bits & 0x20) {
    config.cookie_domains = {"acme.org", "b.acme.org"};
    config.cookie_fallback_domain = "fallback.org";
    config.client_cookie_name = "sp_client";
  }
  if (bits & 0x40) {
    config.dnt_enabled = true;
    config.dnt_name = "dnt";
    config.dnt_value = "1|yes";
  }
  if (bits & 0x80) {
    config.root_response_enabled = true;
    config.root_response_headers = {{"X-Root", "yes"}};
    config.root_response_body = "root";
    config.paths = {{"/acme/track", "/com.snowplowanalytics.snowplow/tp2"}};
  }
  return config;
}

// Beast's request-target: no control characters, spaces or DEL.
bool IsTargetByte(unsigned char c) { return c > 0x20 && c != 0x7F; }
// Beast's header values: no control characters but tab, no DEL (obs-folds arrive as spaces).
bool IsValueByte(unsigned char c) { return (c >= 0x20 && c != 0x7F) || c == '\t'; }
bool IsTokenByte(unsigned char c) {
  return c > 0x20 && c < 0x7F &&
         std::string_view("()<>@,;:\\\"/[]?={}").find(c) == std::string_view::npos;
}

std::string Keep(std::string_view text, bool (*keep)(unsigned char)) {
  std::string out;
  for (char c : text) {
    if (keep(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

CollectorRequest RequestFrom(uint8_t method_bits, std::string_view text) {
  static constexpr const char* kMethods[] = {"GET", "POST", "OPTIONS", "HEAD", "PUT", "DELETE"};
  CollectorRequest request;
  request.method = kMethods[(method_bits & 0x7F) % 6];
  request.secure = method_bits & 0x80;
  request.remote_address = "10.0.0.9";
  size_t eol = text.find('\n');
  request.target = Keep(text.substr(0, eol), IsTargetByte);
  text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
  while (!text.empty()) {
    eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty()) break;
    size_t colon = line.find(':');
    std::string name = Keep(line.substr(0, colon), IsTokenByte);
    if (name.empty()) continue;
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    request.headers.emplace_back(name, std::string(Trim(Keep(value, IsValueByte))));
  }
  request.body = std::string(text);
  return request;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  FixedEnv env;
  CollectorService service(ConfigFor(data[0]), &env);
  std::string_view text(reinterpret_cast<const char*>(data) + 2, size - 2);
  HandledRequest handled =
      service.Handle(RequestFrom(data[1], text), /*sink_healthy=*/data[1] & 0x40, /*healthy=*/true);

  const CollectorResponse& response = handled.response;
  Require(response.status >= 100 && response.status <= 599);
  for (const auto& [name, value] : response.headers) {
    Require(!name.empty() && Keep(name, IsTokenByte) == name);
    Require(Keep(value, IsValueByte) == value);
  }

  Require(handled.good.size() == handled.good_thrift.size());
  if (response.status == 413) Require(handled.good.empty() && handled.bad.empty());
  for (size_t i = 0; i < handled.good.size(); ++i) {
    Require(static_cast<int64_t>(handled.good_thrift[i].size()) < service.config().max_bytes);
    auto read = DeserializeThrift(handled.good_thrift[i]);
    Require(read.ok() && *read == handled.good[i]);
  }
  for (const std::string& row : handled.bad) {
    rapidjson::Document doc;
    doc.Parse(row.data(), row.size());
    Require(!doc.HasParseError() && doc.IsObject() && doc.HasMember("schema") &&
            doc["schema"].IsString() && doc.HasMember("data") &&
            std::string_view(doc["schema"].GetString())
                .starts_with("iglu:com.snowplowanalytics.snowplow.badrows/"));
  }
  return 0;
}
