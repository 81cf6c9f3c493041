#include "rest-api/router.h"

#include <algorithm>
#include <cctype>
#include <exception>

#include "rest-api/entities.h"

namespace tributary::rest {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits "/a/b/c" into {"a","b","c"}; "/" gives {}. A single trailing slash is ignored, as Jersey
// does; other empty segments are kept (and then match no route).
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path == "/") return out;
  size_t start = 1;
  while (true) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(path.substr(start));
      break;
    }
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

}  // namespace

const std::string& RestRequest::PathParam(const std::string& name) const {
  static const std::string kEmpty;
  auto it = path_params.find(name);
  return it == path_params.end() ? kEmpty : it->second;
}

std::vector<std::string> RestRequest::QueryValues(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : query_params) {
    if (k == key) out.push_back(v);
  }
  return out;
}

std::optional<std::string> RestRequest::QueryValue(std::string_view key) const {
  for (const auto& [k, v] : query_params) {
    if (k == key) return v;
  }
  return std::nullopt;
}

RestResponse RestResponse::Json(int status, std::string json) {
  RestResponse response;
  response.status = status;
  response.body = std::move(json);
  return response;
}

RestResponse RestResponse::Empty(int status) {
  RestResponse response;
  response.status = status;
  return response;
}

RestResponse RestResponse::Error(int status, std::string_view message) {
  return Json(status, ErrorMessageJson(status, message));
}

RestResponse RestResponse::FromStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return Error(404, status.message());
    case StatusCode::kAlreadyExists:
      return Error(409, status.message());
    case StatusCode::kInvalidConfig:
    case StatusCode::kInvalidArgument:
    case StatusCode::kDataError:
      return Error(400, status.message());
    default:
      return Error(500, status.message());
  }
}

std::optional<std::string> PercentDecode(std::string_view in, bool plus_as_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (in.size() - i < 3) return std::nullopt;
      const int hi = HexValue(in[i + 1]);
      const int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> ParseQueryString(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view piece = query.substr(start, amp - start);
    start = amp + 1;
    if (piece.empty()) continue;
    const size_t eq = piece.find('=');
    std::string_view raw_key = piece.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? "" : piece.substr(eq + 1);
    auto key = PercentDecode(raw_key, true);
    auto value = PercentDecode(raw_value, true);
    if (!key || !value) {
      return Status::InvalidArgument("Malformed percent-encoding in query parameter '" +
                                     std::string(raw_key) + "'");
    }
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

Status Router::Add(std::string method, std::string_view pattern, Handler handler) {
  if (pattern.empty() || pattern.front() != '/') {
    return Status::InvalidArgument("route pattern must start with '/': " + std::string(pattern));
  }
  Route route;
  route.method = std::move(method);
  route.handler = std::move(handler);
  for (std::string_view piece : SplitPath(pattern)) {
    Segment segment;
    if (!piece.empty() && piece.front() == '{') {
      if (piece.size() < 3 || piece.back() != '}') {
        return Status::InvalidArgument("malformed parameter in route pattern: " +
                                       std::string(pattern));
      }
      segment.is_param = true;
      segment.text = std::string(piece.substr(1, piece.size() - 2));
    } else if (piece.empty() || piece.find_first_of("{}") != std::string_view::npos) {
      return Status::InvalidArgument("malformed route pattern: " + std::string(pattern));
    } else {
      segment.text = std::string(piece);
    }
    route.segments.push_back(std::move(segment));
  }
  for (const Route& existing : routes_) {
    if (existing.method != route.method || existing.segments.size() != route.segments.size()) {
      continue;
    }
    bool same_shape = true;
    for (size_t i = 0; i < route.segments.size() && same_shape; ++i) {
      const Segment& a = existing.segments[i];
      const Segment& b = route.segments[i];
      same_shape = a.is_param == b.is_param && (a.is_param || a.text == b.text);
    }
    if (same_shape) {
      return Status::InvalidArgument("route already exists: " + route.method + " " +
                                     std::string(pattern));
    }
  }
  routes_.push_back(std::move(route));
  // Keep the most specific routes first so Dispatch can take the first match.
  std::stable_sort(routes_.begin(), routes_.end(), MoreSpecific);
  return Status::Ok();
}

bool Router::MoreSpecific(const Route& a, const Route& b) {
  const size_t n = std::min(a.segments.size(), b.segments.size());
  for (size_t i = 0; i < n; ++i) {
    if (a.segments[i].is_param != b.segments[i].is_param) return !a.segments[i].is_param;
  }
  return false;
}

bool Router::Match(const Route& route, const std::vector<std::string>& segments,
                   std::map<std::string, std::string>* params) {
  if (route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& pattern = route.segments[i];
    if (pattern.is_param) {
      if (segments[i].empty()) return false;
    } else if (pattern.text != segments[i]) {
      return false;
    }
  }
  params->clear();
  for (size_t i = 0; i < segments.size(); ++i) {
    if (route.segments[i].is_param) (*params)[route.segments[i].text] = segments[i];
  }
  return true;
}

RestResponse Router::Dispatch(std::string_view method, std::string_view target,
                              std::string body) const {
  // Absolute-form targets ("http://host:port/path") carry the authority; drop it.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() &&
        std::equal(scheme.begin(), scheme.end(), target.begin(), [](char a, char b) {
          return a == std::tolower(static_cast<unsigned char>(b));
        })) {
      target.remove_prefix(scheme.size());
      size_t slash = target.find_first_of("/?");
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
      if (!target.empty() && target.front() == '?') return RestResponse::Error(400, "Bad Request");
      break;
    }
  }
  if (target.empty() || target.front() != '/') return RestResponse::Error(400, "Bad Request");
  // A fragment is never sent by clients; if one is, it is not part of the resource.
  target = target.substr(0, target.find('#'));

  RestRequest request;
  request.method = std::string(method);
  const size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    auto query = ParseQueryString(target.substr(question + 1));
    if (!query.ok()) return RestResponse::Error(400, query.status().message());
    request.query_params = std::move(query).value();
  }
  std::vector<std::string> segments;
  for (std::string_view raw : SplitPath(request.path)) {
    auto decoded = PercentDecode(raw, false);
    if (!decoded) return RestResponse::Error(400, "Malformed percent-encoding in request path");
    segments.push_back(std::move(*decoded));
  }
  request.body = std::move(body);

  // HEAD is served by GET routes, as Jersey does.
  const std::string_view lookup_method = method == "HEAD" ? std::string_view("GET") : method;
  std::vector<std::string> allowed;
  std::map<std::string, std::string> params;
  for (const Route& route : routes_) {
    if (!Match(route, segments, &params)) continue;
    if (route.method != lookup_method) {
      if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) {
        allowed.push_back(route.method);
      }
      continue;
    }
    request.path_params = std::move(params);
    try {
      return route.handler(request);
    } catch (const std::exception& e) {
      return RestResponse::Error(500, e.what());
    } catch (...) {
      return RestResponse::Error(500, "Unexpected error while handling the request");
    }
  }
  if (allowed.empty()) return RestResponse::Error(404, "HTTP 404 Not Found");
  RestResponse response = RestResponse::Error(405, "HTTP 405 Method Not Allowed");
  std::sort(allowed.begin(), allowed.end());
  std::string allow;
  for (const auto& m : allowed) allow += (allow.empty() ? "" : ",") + m;
  if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end()) allow += ",HEAD";
  response.headers.emplace_back("Allow", std::move(allow));
  return response;
}

}  // namespace tributary::rest
