#include "connectors/common/postgres.h"

#include <cstring>
#include <map>

namespace tributary::connectors::pg {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// URL query/path decoding: %XX escapes and '+' as space. A malformed escape is kept literally.
std::string PercentDecode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      int hi = HexDigit(in[i + 1]), lo = HexDigit(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(in[i] == '+' ? ' ' : in[i]);
  }
  return out;
}

// A libpq keyword value in single quotes with \ and ' escaped.
std::string ConninfoValue(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\\' || c == '\'') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

std::string Render(const std::map<std::string, std::string>& kv) {
  std::string out;
  for (const auto& [k, v] : kv) {
    if (!out.empty()) out.push_back(' ');
    out += k + "=" + ConninfoValue(v);
  }
  return out;
}

Result<std::map<std::string, std::string>> ParseJdbc(std::string_view rest) {
  // `rest` follows "jdbc:postgresql:".
  std::map<std::string, std::string> kv;
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (rest.substr(0, 2) == "//") {
    rest.remove_prefix(2);
    size_t slash = rest.find('/');
    std::string_view hosts = rest.substr(0, slash);
    std::string_view db = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    std::string host_list, port_list;
    size_t start = 0;
    while (start <= hosts.size() && !hosts.empty()) {
      size_t comma = hosts.find(',', start);
      std::string_view hp =
          hosts.substr(start, comma == std::string_view::npos ? hosts.npos : comma - start);
      std::string host(hp), port;
      if (!hp.empty() && hp.front() == '[') {  // [ipv6]:port
        size_t close = hp.find(']');
        if (close == std::string_view::npos)
          return Status::InvalidConfig("connection.url: unterminated '[' in host");
        host = std::string(hp.substr(1, close - 1));
        if (close + 1 < hp.size() && hp[close + 1] == ':') port = hp.substr(close + 2);
      } else if (auto colon = hp.rfind(':'); colon != std::string_view::npos) {
        host = std::string(hp.substr(0, colon));
        port = std::string(hp.substr(colon + 1));
      }
      if (!port.empty() && port.find_first_not_of("0123456789") != std::string::npos)
        return Status::InvalidConfig("connection.url: bad port '" + port + "'");
      if (!host_list.empty()) {
        host_list += ",";
        port_list += ",";
      }
      host_list += host.empty() ? "localhost" : host;
      port_list += port.empty() ? "5432" : port;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (!host_list.empty()) {
      kv["host"] = host_list;
      kv["port"] = port_list;
    }
    if (!db.empty()) kv["dbname"] = PercentDecode(db);
  } else if (!rest.empty() && rest != "/") {
    kv["dbname"] = PercentDecode(rest);
  }
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    if (key == "user" || key == "password" || key == "sslmode" || key == "sslcert" ||
        key == "sslkey" || key == "sslrootcert" || key == "application_name") {
      kv[key] = value;
    } else if (key == "ApplicationName") {
      kv["application_name"] = value;
    } else if (key == "connectTimeout") {
      kv["connect_timeout"] = value;
    } else if (key == "ssl") {
      if (value == "true" && !kv.count("sslmode")) kv["sslmode"] = "require";
    } else if (key == "currentSchema") {
      kv["options"] = "-c search_path=" + value;
    }
    // Other pgjdbc parameters (reWriteBatchedInserts, prepareThreshold, …) have no libpq meaning.
  }
  return kv;
}

bool RetriableSqlState(std::string_view state) {
  if (state.size() != 5) return false;
  std::string_view cls = state.substr(0, 2);
  return cls == "08" || cls == "53" || cls == "57" || state == "40001" || state == "40P01";
}

}  // namespace

Result<std::string> ToLibpqConninfo(std::string_view url, const std::string& user,
                                    const std::string& password) {
  std::map<std::string, std::string> kv;
  constexpr std::string_view kJdbc = "jdbc:postgresql:";
  if (url.substr(0, kJdbc.size()) == kJdbc) {
    TRIBUTARY_ASSIGN_OR_RETURN(kv, ParseJdbc(url.substr(kJdbc.size())));
  } else if (url.substr(0, 5) == "jdbc:") {
    return Status::InvalidConfig("connection.url '" + std::string(url.substr(0, 20)) +
                                 "…' is not a PostgreSQL URL (expected jdbc:postgresql://…)");
  } else {
    char* err = nullptr;
    std::string text(url);
    PQconninfoOption* opts = PQconninfoParse(text.c_str(), &err);
    if (!opts) {
      std::string msg = err ? err : "out of memory";
      if (err) PQfreemem(err);
      while (!msg.empty() && msg.back() == '\n') msg.pop_back();
      return Status::InvalidConfig("connection.url cannot be parsed: " + msg);
    }
    for (PQconninfoOption* o = opts; o->keyword; ++o) {
      if (o->val && *o->val) kv[o->keyword] = o->val;
    }
    PQconninfoFree(opts);
  }
  if (!user.empty()) kv["user"] = user;
  if (!password.empty()) kv["password"] = password;
  return Render(kv);
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

std::string QuoteLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  return out + "'";
}

TableId TableId::Parse(std::string_view text) {
  std::vector<std::string> parts;
  std::string current;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      if (quoted && i + 1 < text.size() && text[i + 1] == '"') {
        current.push_back('"');
        ++i;
      } else {
        quoted = !quoted;
      }
    } else if (c == '.' && !quoted) {
      parts.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  parts.push_back(std::move(current));
  TableId id;
  id.table = parts.back();
  // catalog.schema.table: the catalog is the database we are connected to.
  if (parts.size() >= 2) id.schema = parts[parts.size() - 2];
  return id;
}

std::string TableId::Sql(bool quote) const {
  auto q = [&](const std::string& s) { return quote ? QuoteIdentifier(s) : s; };
  return schema.empty() ? q(table) : q(schema) + "." + q(table);
}

Status ErrorStatus(PGconn* conn, const PGresult* result, std::string_view what) {
  std::string message;
  std::string state;
  if (result) {
    auto field = [&](int code) {
      const char* v = PQresultErrorField(result, code);
      return std::string(v ? v : "");
    };
    state = field(PG_DIAG_SQLSTATE);
    message = field(PG_DIAG_MESSAGE_PRIMARY);
    if (auto d = field(PG_DIAG_MESSAGE_DETAIL); !d.empty()) message += " (" + d + ")";
    if (auto h = field(PG_DIAG_MESSAGE_HINT); !h.empty()) message += " Hint: " + h;
    if (auto c = field(PG_DIAG_CONTEXT); !c.empty()) message += " [" + c + "]";
    if (message.empty()) message = PQresultErrorMessage(result);
  }
  if (message.empty() && conn) message = PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  std::string text = std::string(what) + ": " + message;
  if (!state.empty()) text += " (SQLSTATE " + state + ")";
  bool connection_lost = conn && PQstatus(conn) != CONNECTION_OK;
  if (connection_lost || RetriableSqlState(state) || (state.empty() && !result)) {
    return Status::Unavailable(text);
  }
  if (state.size() == 5 && (state.compare(0, 2, "22") == 0 || state.compare(0, 2, "23") == 0)) {
    return Status::DataError(text);
  }
  return Status::IoError(text);
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (!conn) return Status::Unavailable("PostgreSQL: out of memory creating a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    // Authentication and missing databases do not fix themselves.
    if (msg.find("password authentication failed") != std::string::npos ||
        msg.find("does not exist") != std::string::npos ||
        msg.find("no password supplied") != std::string::npos) {
      return Status::InvalidConfig("cannot connect to PostgreSQL: " + msg);
    }
    return Status::Unavailable("cannot connect to PostgreSQL: " + msg);
  }
  // Server notices ("relation already exists, skipping") are not errors; keep them off stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

Result<PgResult> PgConnection::Check(PGresult* raw, std::string_view what) {
  PgResult result(raw);
  ExecStatusType st = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_COPY_IN ||
      st == PGRES_EMPTY_QUERY) {
    return result;
  }
  return ErrorStatus(conn_, raw, what);
}

Result<PgResult> PgConnection::Exec(const std::string& sql) {
  return Check(PQexec(conn_, sql.c_str()), sql.substr(0, 120));
}

Result<PgResult> PgConnection::ExecParams(const std::string& sql,
                                          const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return Check(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0),
               sql.substr(0, 120));
}

Status PgConnection::CopyIn(const std::string& copy_sql, std::string_view data) {
  TRIBUTARY_RETURN_IF_ERROR(BeginCopyIn(copy_sql));
  SendCopyData(data);
  return EndCopyIn();
}

Status PgConnection::BeginCopyIn(const std::string& copy_sql) {
  copy_send_failed_ = false;
  auto started = Check(PQexec(conn_, copy_sql.c_str()), copy_sql.substr(0, 120));
  if (!started.ok()) return started.status();
  if (PQresultStatus(started->get()) != PGRES_COPY_IN)
    return Status::Internal("PostgreSQL did not enter COPY IN mode for: " + copy_sql);
  return Status::Ok();
}

void PgConnection::SendCopyData(std::string_view piece) {
  constexpr size_t kChunk = 1 << 20;
  for (size_t at = 0; !copy_send_failed_ && at < piece.size(); at += kChunk) {
    size_t n = std::min(kChunk, piece.size() - at);
    copy_send_failed_ = PQputCopyData(conn_, piece.data() + at, static_cast<int>(n)) != 1;
  }
}

Status PgConnection::EndCopyIn() {
  // Also when a send or the end failed (the server may have ended the COPY with an error): the
  // results are drained either way, and the server's error is the one reported.
  const bool ended = PQputCopyEnd(conn_, nullptr) == 1;
  Status status;
  // Drain every result; the first error wins.
  while (PGresult* raw = PQgetResult(conn_)) {
    auto r = Check(raw, "COPY");
    if (!r.ok() && status.ok()) status = r.status();
  }
  if (status.ok() && (!ended || copy_send_failed_ || !ok())) {
    return ErrorStatus(conn_, nullptr, "COPY");
  }
  return status;
}

}  // namespace tributary::connectors::pg
