#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/api/status.h"

namespace tributary::rest {

// One HTTP request as a resource sees it: the target already split into a decoded path and
// decoded query parameters, and the path parameters of the route that matched.
struct RestRequest {
  std::string method;  // "GET", "PUT", … as sent (methods are case-sensitive in HTTP)
  std::string path;    // the raw (still percent-encoded) path, without the query
  std::map<std::string, std::string> path_params;                 // decoded `{name}` segments
  std::vector<std::pair<std::string, std::string>> query_params;  // decoded, in request order
  std::string body;

  // The decoded value of path parameter `name`, or "" if the route has no such parameter.
  const std::string& PathParam(const std::string& name) const;
  // Every value of a repeatable query parameter, in request order (`expand=a&expand=b`).
  std::vector<std::string> QueryValues(std::string_view key) const;
  // The first value of a query parameter, or nullopt if it is absent.
  std::optional<std::string> QueryValue(std::string_view key) const;
};

// What a resource answers. `body` is the JSON text to send (empty for no body, e.g. 204).
struct RestResponse {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Location

  static RestResponse Json(int status, std::string json);
  static RestResponse Empty(int status);
  // Connect's ErrorMessage body: {"error_code":<status>,"message":"<message>"}.
  static RestResponse Error(int status, std::string_view message);
  // Maps a Status to Connect's error status codes (ConnectExceptionMapper): NotFound -> 404,
  // AlreadyExists -> 409, invalid input -> 400, anything else -> 500. `status` must not be OK.
  static RestResponse FromStatus(const Status& status);
};

// Decodes %XX escapes; with `plus_as_space` (query strings) '+' becomes ' '. Returns nullopt when
// an escape is truncated or not hexadecimal. The result may hold any bytes, including NUL.
std::optional<std::string> PercentDecode(std::string_view in, bool plus_as_space);

// Parses `a=1&b=&c&a=2` into decoded pairs in order; a key without '=' has the value "". Empty
// pieces are skipped. InvalidArgument on a bad escape.
Result<std::vector<std::pair<std::string, std::string>>> ParseQueryString(std::string_view query);

// Routes requests to handlers by method and path pattern. A pattern is a path of literal segments
// and `{name}` segments that match any one non-empty segment, e.g. "/connectors/{name}/status".
// Routes are added before the server starts; Dispatch() is then safe to call from any thread
// concurrently (it does not modify the router). Handlers must not throw; Dispatch() turns an
// escaped exception into a 500 anyway.
class Router {
 public:
  using Handler = std::function<RestResponse(const RestRequest&)>;

  // Adds a route. InvalidArgument if the pattern is malformed (not starting with '/', empty or
  // unclosed `{}`), or if the same method and pattern shape is already routed.
  Status Add(std::string method, std::string_view pattern, Handler handler);

  // Answers a request: parses `target` (origin-form "/path?query", or absolute-form
  // "http://host/path"), matches a route and calls its handler. Unknown path -> 404, known path
  // with another method -> 405 with an Allow header, unparsable target -> 400; every error has a
  // JSON ErrorMessage body. HEAD is answered by the GET route (the server drops the body).
  RestResponse Dispatch(std::string_view method, std::string_view target, std::string body) const;

 private:
  struct Segment {
    bool is_param = false;
    std::string text;  // the literal, or the parameter name
  };
  struct Route {
    std::string method;
    std::vector<Segment> segments;
    Handler handler;
  };

  // Matches `segments` (decoded) against a route's pattern, filling `params` on success.
  static bool Match(const Route& route, const std::vector<std::string>& segments,
                    std::map<std::string, std::string>* params);
  // Orders routes so that literal segments win over parameters at the same position.
  static bool MoreSpecific(const Route& a, const Route& b);

  std::vector<Route> routes_;
};

}  // namespace tributary::rest
