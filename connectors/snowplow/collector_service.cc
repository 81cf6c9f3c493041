#include "connectors/snowplow/collector_service.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <random>
#include <regex>

namespace tributary::connectors::snowplow {
namespace {

constexpr const char* kAnonymousNuid = "00000000-0000-0000-0000-000000000000";
constexpr const char* kRobots =
    "User-agent: *\nDisallow: /\n\nUser-agent: Googlebot\nDisallow: /\n\n"
    "User-agent: AdsBot-Google\nDisallow: /";

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

const std::string* FindHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (IEquals(n, name)) return &v;
  }
  return nullptr;
}

// RFC 6265 cookie-octet.
bool IsCookieOctet(unsigned char c) {
  return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
         (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

bool IsValidCookiePair(const std::string& name, const std::string& value) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (c <= 0x20 || c >= 0x7F ||
        std::string_view("()<>@,;:\\\"/[]?={}").find(static_cast<char>(c)) !=
            std::string_view::npos) {
      return false;
    }
  }
  std::string_view v = value;
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return std::all_of(v.begin(), v.end(), [](char c) { return IsCookieOctet(c); });
}

// True if `text` holds a byte that ends or breaks a header line (a control character or DEL):
// such a decoded query value cannot go into a response header.
bool HasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7F;
  });
}

// "scheme://host[:port]" parts of one origin or URL; host lower case. False if not a URL.
bool ParseOrigin(std::string_view text, std::string* rendered, std::string* host) {
  size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return false;
  std::string_view rest = text.substr(scheme_end + 3);
  size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority = authority.substr(at + 1);
  if (authority.empty()) return false;
  std::string_view h = authority;
  if (h.front() == '[') {
    size_t close = h.find(']');
    h = close == std::string_view::npos ? h : h.substr(0, close + 1);
  } else {
    size_t colon = h.find(':');
    if (colon != std::string_view::npos) h = h.substr(0, colon);
  }
  if (rendered) *rendered = std::string(text.substr(0, scheme_end + 3)) + std::string(authority);
  if (host) *host = Lower(std::string(h));
  return true;
}

class SystemEnv : public CollectorEnv {
 public:
  int64_t NowMillis() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // A version 4 UUID in lower-case hex, from a generator of the calling thread (no lock).
  std::string RandomUuid() override {
    thread_local std::mt19937_64 rng(std::random_device{}() ^
                                     (static_cast<uint64_t>(std::random_device{}()) << 32));
    uint64_t hi = (rng() & ~0xf000ULL) | 0x4000ULL;
    uint64_t lo = (rng() & ~(0xc0ULL << 56)) | (0x80ULL << 56);
    std::string out(36, '-');
    size_t at = 0;
    auto hex = [&](uint64_t v, int digits) {
      for (int i = digits - 1; i >= 0; --i) out[at++] = "0123456789abcdef"[(v >> (4 * i)) & 0xf];
      ++at;  // over the '-'
    };
    hex(hi >> 32, 8);
    hex(hi >> 16, 4);
    hex(hi, 4);
    hex(lo >> 48, 4);
    hex(lo, 12);
    return out;
  }
};

}  // namespace

CollectorEnv& SystemCollectorEnv() {
  static SystemEnv* env = new SystemEnv();
  return *env;
}

const std::string& PixelGif() {
  static const std::string* gif = new std::string(
      "\x47\x49\x46\x38\x39\x61\x01\x00\x01\x00\xf0\x00\x00\xff\xff\xff\x00\x00\x00\x21\xf9\x04"
      "\x05\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b",
      43);
  return *gif;
}

std::string UrlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() + 0 && hex(text[i + 1]) >= 0 &&
               hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> QueryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    std::string_view key = pair.substr(0, pair.find('='));
    // Most keys have nothing to decode: compared as they are, without a copy. (Not with
    // find_first_of("%+"), which calls memchr once per byte of the key.)
    const bool encoded =
        std::any_of(key.begin(), key.end(), [](char c) { return c == '%' || c == '+'; });
    if (encoded ? UrlDecode(key) == name : key == name) {
      return key.size() == pair.size() ? std::string() : UrlDecode(pair.substr(key.size() + 1));
    }
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> ParseCookies(std::string_view header) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view pair = Trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    size_t eq = pair.find('=');
    if (pair.empty() || eq == std::string_view::npos) continue;
    out.emplace_back(std::string(Trim(pair.substr(0, eq))), std::string(Trim(pair.substr(eq + 1))));
  }
  return out;
}

std::string HttpDate(int64_t epoch_ms) {
  time_t secs = static_cast<time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::string out = "Sun, 00 Jan 0000 00:00:00 GMT";
  auto digits = [&](size_t at, int value, int count) {
    for (int i = count - 1; i >= 0; --i, value /= 10)
      out[at + i] = static_cast<char>('0' + value % 10);
  };
  out.replace(0, 3, kDays[tm.tm_wday]);
  digits(5, tm.tm_mday, 2);
  out.replace(8, 3, kMonths[tm.tm_mon]);
  digits(12, tm.tm_year + 1900, 4);
  digits(17, tm.tm_hour, 2);
  digits(20, tm.tm_min, 2);
  digits(23, tm.tm_sec, 2);
  return out;
}

CollectorService::CollectorService(CollectorConfig config, CollectorEnv* env)
    : config_(std::move(config)), env_(env) {
  limits_.max_bytes = config_.max_bytes;
  limits_.max_payload_size = config_.max_payload_size;
  limits_.version = TRIBUTARY_VERSION;
}

HandledRequest CollectorService::Handle(CollectorRequest request, bool sink_healthy,
                                        bool healthy) const {
  HandledRequest out;
  CollectorResponse& resp = out.response;
  auto text = [&](int status, std::string body) {
    resp.status = status;
    resp.headers.emplace_back("Content-Type", "text/plain; charset=UTF-8");
    resp.body = std::move(body);
  };
  const std::string_view target = request.target;
  size_t qmark = target.find('?');
  const std::string_view path = target.substr(0, qmark);
  const std::string_view query = qmark == std::string::npos ? "" : target.substr(qmark + 1);
  const std::string& m = request.method;
  const bool get = m == "GET" || m == "HEAD";

  if (config_.ssl_enable && config_.ssl_redirect && !request.secure) {
    // Same host (without its port) and target over https on ssl.port; nothing is sunk.
    const std::string* host = FindHeader(request.headers, "Host");
    std::string_view name = host ? Trim(*host) : std::string_view();
    name = name.substr(0, name.starts_with('[') ? name.find(']') + 1 : name.find(':'));
    if (name.empty()) {
      text(400, "Bad request: no Host header to redirect to https");
      return out;
    }
    resp.status = 301;
    resp.headers.emplace_back(
        "Location", "https://" + std::string(name) +
                        (config_.ssl_port == 443 ? "" : ":" + std::to_string(config_.ssl_port)) +
                        request.target);
    return out;
  }
  if (m == "OPTIONS") {
    std::string origin = "*";
    if (const std::string* o = FindHeader(request.headers, "Origin")) {
      std::string_view first = Trim(*o);
      first = first.substr(0, first.find(' '));
      std::string rendered;
      if (ParseOrigin(first, &rendered, nullptr)) origin = rendered;
    }
    resp.status = 200;
    resp.headers = {{"Access-Control-Allow-Origin", origin},
                    {"Access-Control-Allow-Credentials", "true"},
                    {"Access-Control-Allow-Headers", "Content-Type, SP-Anonymous"},
                    {"Access-Control-Max-Age", std::to_string(config_.cors_max_age_seconds)}};
    return out;
  }
  if (get && path == "/health") {
    if (healthy) {
      text(200, "ok");
    } else {
      text(503, "Service Unavailable");
    }
    return out;
  }
  if (get && path == "/sink-health") {
    if (sink_healthy) {
      text(200, "ok");
    } else {
      text(503, "Service Unavailable");
    }
    return out;
  }
  if (get && path == "/") {
    if (!config_.root_response_enabled) {
      text(404, "Not found");
      return out;
    }
    resp.status = config_.root_response_status;
    resp.headers = config_.root_response_headers;
    resp.body = config_.root_response_body;
    return out;
  }
  if (get && path == "/robots.txt") {
    text(200, kRobots);
    return out;
  }
  if (get && path == "/crossdomain.xml") {
    if (!config_.cross_domain_enabled) {
      text(404, "Not found");
      return out;
    }
    std::string xml = "<?xml version=\"1.0\"?>\n<cross-domain-policy>\n";
    for (const auto& d : config_.cross_domain_domains) {
      xml += "<allow-access-from domain=\"" + d + "\" secure=\"" +
             (config_.cross_domain_secure ? "true" : "false") + "\" />\n";
    }
    xml += "</cross-domain-policy>";
    resp.status = 200;
    resp.headers.emplace_back("Content-Type", "text/xml; charset=UTF-8");
    resp.body = std::move(xml);
    return out;
  }

  // Path segments; an empty path or one not starting with '/' matches nothing.
  std::vector<std::string_view> segments;
  if (!path.empty() && path[0] == '/') {
    std::string_view rest = std::string_view(path).substr(1);
    while (true) {
      size_t slash = rest.find('/');
      segments.push_back(rest.substr(0, slash));
      if (slash == std::string_view::npos) break;
      rest = rest.substr(slash + 1);
    }
  }
  std::string_view mapped = path;
  if (auto it = config_.paths.find(path); it != config_.paths.end()) mapped = it->second;

  if ((!segments.empty() && segments[0] == "r") || mapped == kRedirectPath) {
    if (!config_.redirect_enabled) {
      text(404, "redirects disabled");
      return out;
    }
    if (m == "GET" && mapped == kRedirectPath) return Track(request, mapped, query, true, true);
    text(404, "Not found");
    return out;
  }
  if (get && (path == "/i" || path == "/ice.png")) return Track(request, path, query, true, false);
  if (segments.size() == 2 && !segments[0].empty() && !segments[1].empty()) {
    if (get) return Track(request, mapped, query, true, false);
    if (m == "POST") return Track(request, mapped, query, false, false);
  }
  text(404, "Not found");
  return out;
}

HandledRequest CollectorService::Track(CollectorRequest& request, std::string_view path,
                                       std::string_view query, bool pixel, bool redirect) const {
  HandledRequest out;
  CollectorResponse& resp = out.response;
  resp.headers.reserve(6);  // what a pixel with a cookie gets, without growing on the way
  const HeaderList& headers = request.headers;
  const int64_t now = env_->NowMillis();
  const bool anonymous = FindHeader(headers, "SP-Anonymous") != nullptr;
  const std::string* cookie_header = FindHeader(headers, "Cookie");
  auto cookies = cookie_header ? ParseCookies(*cookie_header)
                               : std::vector<std::pair<std::string, std::string>>();
  auto cookie = [&](const std::string& name) -> const std::string* {
    for (const auto& [n, v] : cookies) {
      if (n == name) return &v;
    }
    return nullptr;
  };

  bool do_not_track = false;
  if (config_.dnt_enabled) {
    if (const std::string* v = cookie(config_.dnt_name)) {
      // Validated at config time; constructing per request keeps the service stateless.
      do_not_track = std::regex_match(*v, std::regex(config_.dnt_value));
    }
  }

  std::string nuid;
  // cookieBounce: a pixel request without any network user id is bounced once (nothing sunk);
  // when the bounced request still has none, the client drops third-party cookies.
  bool bounce = false;
  if (anonymous) {
    nuid = kAnonymousNuid;
  } else if (auto q = QueryParam(query, "nuid"); q && !q->empty()) {
    nuid = *q;
  } else if (const std::string* c = cookie(config_.cookie_name); c && !c->empty()) {
    nuid = *c;
  } else if (config_.cookie_bounce_enabled && pixel && !redirect) {
    if (QueryParam(query, config_.cookie_bounce_name)) {
      nuid = config_.cookie_bounce_fallback_nuid;
    } else {
      nuid = env_->RandomUuid();
      bounce = true;
    }
  } else {
    nuid = env_->RandomUuid();
  }

  std::string ip = "unknown";
  if (!anonymous) {
    const std::string* xff =
        config_.use_forwarded_for ? FindHeader(headers, "X-Forwarded-For") : nullptr;
    std::string_view first = xff ? Trim(std::string_view(*xff).substr(0, xff->find(','))) : "";
    if (!first.empty()) {
      ip = std::string(first);
    } else if (!request.remote_address.empty()) {
      ip = request.remote_address;
    }
  }

  // Origins of the request: the first one for CORS, all hosts for the cookie domain.
  std::string allow_origin = "*";
  std::vector<std::string> origin_hosts;
  if (const std::string* o = FindHeader(headers, "Origin")) {
    std::string_view rest = *o;
    bool first = true;
    while (!rest.empty()) {
      size_t sp = rest.find(' ');
      std::string_view one = rest.substr(0, sp);
      rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
      std::string rendered, host;
      if (!one.empty() && ParseOrigin(one, &rendered, &host)) {
        if (first) allow_origin = rendered;
        first = false;
        origin_hosts.push_back(host);
      }
    }
  }

  // Response.
  if (redirect) {
    auto u = QueryParam(query, "u");
    std::string host;
    bool allowed = u && !HasControlCharacter(*u) && ParseOrigin(*u, nullptr, &host);
    if (allowed && !config_.redirect_domains.empty()) {
      allowed = std::find(config_.redirect_domains.begin(), config_.redirect_domains.end(), host) !=
                config_.redirect_domains.end();
    }
    if (!allowed) {
      resp.status = 400;
      resp.headers.emplace_back("Content-Type", "text/plain; charset=UTF-8");
      resp.body = "Could not redirect";
      return out;  // nothing sunk for a refused redirect
    }
    resp.status = 302;
    resp.headers.emplace_back("Location", *u);
  } else if (bounce) {
    std::string scheme = request.secure ? "https" : "http";
    if (!config_.cookie_bounce_forwarded_protocol_header.empty()) {
      const std::string* proto =
          FindHeader(headers, config_.cookie_bounce_forwarded_protocol_header);
      if (proto && !Trim(*proto).empty()) scheme = Lower(std::string(Trim(*proto)));
    }
    std::string location = std::string(path) + "?" + std::string(query) +
                           (query.empty() ? "" : "&") + config_.cookie_bounce_name + "=true";
    // Absolute when the Host is known (as the reference); a relative reference otherwise.
    if (const std::string* host = FindHeader(headers, "Host"); host && !host->empty()) {
      location = scheme + "://" + *host + location;
    }
    resp.status = 302;
    resp.headers.emplace_back("Location", location);
  } else if (pixel) {
    resp.status = 200;
    resp.headers.emplace_back("Content-Type", "image/gif");
    resp.headers.emplace_back("Cache-Control", "no-cache, no-store, must-revalidate");
    resp.body = PixelGif();
  } else {
    resp.status = 200;
    resp.headers.emplace_back("Content-Type", "text/plain; charset=UTF-8");
    resp.body = "ok";
  }
  if (config_.cookie_enabled && !do_not_track) {
    auto attributes = [&](int64_t expires_ms) {
      std::string a = "; Expires=" + HttpDate(expires_ms);
      std::string domain;
      for (const auto& d : config_.cookie_domains) {
        for (const auto& h : origin_hosts) {
          if (h == d || (h.size() > d.size() && h.compare(h.size() - d.size(), d.size(), d) == 0 &&
                         h[h.size() - d.size() - 1] == '.')) {
            domain = d;
            break;
          }
        }
        if (!domain.empty()) break;
      }
      if (domain.empty()) domain = config_.cookie_fallback_domain;
      if (!domain.empty()) a += "; Domain=" + domain;
      a += "; Path=/";
      if (!config_.cookie_same_site.empty()) a += "; SameSite=" + config_.cookie_same_site;
      if (config_.cookie_secure) a += "; Secure";
      return a;
    };
    if (anonymous) {
      // Anonymous tracking expires a network user id the client still carries.
      if (cookie(config_.cookie_name) != nullptr) {
        resp.headers.emplace_back("Set-Cookie", config_.cookie_name + "=" + attributes(0) +
                                                    (config_.cookie_http_only ? "; HttpOnly" : ""));
      }
    } else if (!nuid.empty() && std::all_of(nuid.begin(), nuid.end(), IsCookieOctet)) {
      // Only a nuid that is a plain cookie value is set: a query's nuid holding ';', spaces or
      // line breaks would add cookie attributes or whole headers of the client's choosing. The
      // event keeps it either way.
      std::string attrs = attributes(now + config_.cookie_expiration_ms);
      resp.headers.emplace_back("Set-Cookie", config_.cookie_name + "=" + nuid + attrs +
                                                  (config_.cookie_http_only ? "; HttpOnly" : ""));
      if (!config_.client_cookie_name.empty()) {
        resp.headers.emplace_back("Set-Cookie", config_.client_cookie_name + "=" + nuid + attrs);
      }
    }
  }
  resp.headers.emplace_back("Access-Control-Allow-Origin", allow_origin);
  resp.headers.emplace_back("Access-Control-Allow-Credentials", "true");
  if (do_not_track || bounce) return out;

  // The payload.
  CollectorPayload p;
  p.__set_schema(kCollectorPayloadSchema);
  p.__set_ipAddress(ip);
  p.__set_timestamp(now);
  p.__set_encoding("UTF-8");
  p.__set_collector(config_.collector_name);
  if (const std::string* ua = FindHeader(headers, "User-Agent")) p.__set_userAgent(*ua);
  if (const std::string* ref = FindHeader(headers, "Referer")) p.__set_refererUri(*ref);
  p.__set_path(std::string(path));
  p.__set_querystring(std::string(query));
  const bool post = request.method == "POST";
  if (post) p.__set_body(std::move(request.body));
  std::vector<std::string> header_lines;
  header_lines.reserve(headers.size() + 1);
  const std::string* content_type = FindHeader(headers, "Content-Type");
  for (const auto& [name, value] : headers) {
    if (anonymous && (IEquals(name, "X-Forwarded-For") || IEquals(name, "X-Real-Ip") ||
                      IEquals(name, "Cookie"))) {
      continue;
    }
    if (IEquals(name, "Cookie")) {
      std::string kept;
      for (const auto& [n, v] : ParseCookies(value)) {
        if (!IsValidCookiePair(n, v)) continue;
        if (!kept.empty()) kept += ';';
        kept += n + "=" + v;
      }
      if (!kept.empty()) header_lines.push_back(name + ": " + kept);
      continue;
    }
    header_lines.push_back(name + ": " + value);
  }
  if (content_type) header_lines.push_back(*content_type);
  p.__set_headers(std::move(header_lines));
  if (post && content_type) p.__set_contentType(Lower(*content_type));
  if (const std::string* host = FindHeader(headers, "Host")) {
    std::string h = *host;
    if (!h.empty() && h[0] != '[') h = h.substr(0, h.find(':'));
    p.__set_hostname(h);
  }
  p.__set_networkUserId(nuid);

  out.partition_key = config_.ip_as_partition_key && ip != "unknown" ? ip : env_->RandomUuid();
  SplitResult split = SplitPayload(std::move(p), limits_, now);
  out.good = std::move(split.good);
  out.good_thrift = std::move(split.good_thrift);
  out.bad = std::move(split.bad);
  return out;
}

}  // namespace tributary::connectors::snowplow
