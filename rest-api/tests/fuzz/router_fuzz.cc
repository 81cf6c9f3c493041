// Fuzzes what the REST server does with outside bytes before a resource runs: request-target
// splitting, percent-decoding, query parsing, route matching, UTF-8 repair of JSON strings, and the
// `listeners` setting. Input: "<method>\n<target>" (no newline: the whole input is a GET target).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rest-api/entities.h"
#include "rest-api/listeners.h"
#include "rest-api/router.h"

namespace {

using tributary::rest::RestRequest;
using tributary::rest::RestResponse;
using tributary::rest::Router;

const Router& TheRouter() {
  static const Router* router = [] {
    auto* r = new Router();
    auto echo = [](const RestRequest& request) {
      std::string out;
      for (const auto& [k, v] : request.path_params) out += tributary::rest::JsonString(v);
      for (const auto& [k, v] : request.query_params) out += tributary::rest::JsonString(k + v);
      return RestResponse::Json(200, out);
    };
    for (const char* pattern :
         {"/", "/health", "/connectors", "/connectors/{name}", "/connectors/{name}/status",
          "/connectors/{name}/tasks/{task}/status", "/admin/loggers/{logger}"}) {
      (void)r->Add("GET", pattern, echo);
    }
    (void)r->Add("PUT", "/connectors/{name}/config", echo);
    return r;
  }();
  return *router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view method = "GET";
  std::string_view target = input;
  if (size_t newline = input.find('\n'); newline != std::string_view::npos) {
    method = input.substr(0, newline);
    target = input.substr(newline + 1);
  }
  RestResponse response = TheRouter().Dispatch(method, target, "");
  if (response.status != 200 && response.body.empty()) __builtin_trap();  // errors carry JSON
  (void)tributary::rest::PercentDecode(input, true);
  (void)tributary::rest::ParseQueryString(input);
  std::string clean = tributary::rest::SanitizeUtf8(input);
  if (tributary::rest::SanitizeUtf8(clean) != clean) __builtin_trap();  // repair is idempotent
  (void)tributary::rest::ParseListeners(input);
  return 0;
}
