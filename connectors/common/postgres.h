#pragma once

// Shared PostgreSQL plumbing for the Postgres connectors (sink now, CDC source later): connection
// strings as users write them (JDBC URLs, libpq URIs, libpq keyword strings), a small RAII wrapper
// over libpq, SQL identifier quoting and the mapping of server errors to Status values.
//
// Depends on runtime/api and libpq only.

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/api/status.h"

namespace tributary::connectors::pg {

// Turns `url` into a libpq keyword/value connection string. Accepted forms:
//   jdbc:postgresql://host[:port][,host2[:port2]…]/database?user=…&password=…&sslmode=…
//   jdbc:postgresql:database, jdbc:postgresql:/ (local defaults)
//   postgresql://… and postgres://… (libpq URIs), and libpq keyword strings "host=… dbname=…".
// JDBC parameters with a libpq equivalent are translated (user, password, sslmode,
// ApplicationName, connectTimeout, currentSchema → options=-c search_path=…, ssl=true → sslmode
// require, sslcert/sslkey/sslrootcert); pgjdbc-only parameters (reWriteBatchedInserts, …) are
// ignored. Non-empty `user`/`password` (connection.user / connection.password) override what the
// URL says. InvalidConfig naming the problem when the URL cannot be parsed.
Result<std::string> ToLibpqConninfo(std::string_view url, const std::string& user = {},
                                    const std::string& password = {});

// `name` as a quoted SQL identifier: "a""b" for a"b.
std::string QuoteIdentifier(std::string_view name);
// `text` as a SQL string literal: 'it''s'. Standard-conforming strings are assumed (the default).
std::string QuoteLiteral(std::string_view text);

// A possibly schema-qualified table name. Parse() splits "a.b" into schema a and table b (as the
// JDBC sink parses table.name.format's result); a name in double quotes keeps its dots.
struct TableId {
  std::string schema;  // empty: the search path decides
  std::string table;

  static TableId Parse(std::string_view text);
  // "schema"."table" when `quote`, else schema.table as given.
  std::string Sql(bool quote) const;
  // For messages: schema.table.
  std::string ToString() const { return schema.empty() ? table : schema + "." + table; }
  bool operator<(const TableId& o) const {
    return schema < o.schema || (schema == o.schema && table < o.table);
  }
  bool operator==(const TableId& o) const = default;
};

// Owns one PGresult.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* result) : result_(result, &PQclear) {}
  PGresult* get() const { return result_.get(); }
  int rows() const { return PQntuples(result_.get()); }
  bool IsNull(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  std::string Get(int row, int col) const { return PQgetvalue(result_.get(), row, col); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_{nullptr, &PQclear};
};

// Classifies a failed result (or a connection-level failure when `result` is null) as a Status:
//   connection problems (SQLSTATE class 08, 57P01-03 shutdown, 53 resources, 40001/40P01, a
//   connection that is no longer OK) -> Unavailable, retriable;
//   data exceptions (class 22) and integrity violations (class 23) -> DataError, fatal;
//   anything else -> IoError, fatal.
// The message carries the server's message, detail, hint and context.
Status ErrorStatus(PGconn* conn, const PGresult* result, std::string_view what);

// One libpq connection. Not thread-safe: use it from one thread at a time.
class PgConnection {
 public:
  // Connects with a libpq conninfo string. Unavailable (retriable) if the server cannot be
  // reached; InvalidConfig for authentication or unknown-database errors.
  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& conninfo);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  PGconn* raw() const { return conn_; }
  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }

  // Runs one or more statements without parameters; the last statement's result.
  Result<PgResult> Exec(const std::string& sql);
  // Runs one statement with text parameters (nullopt = NULL).
  Result<PgResult> ExecParams(const std::string& sql,
                              const std::vector<std::optional<std::string>>& params);
  // Runs `copy_sql` (a COPY … FROM STDIN) and streams `data` into it.
  Status CopyIn(const std::string& copy_sql, std::string_view data);
  // The same in steps, for data made while the server loads what it has: BeginCopyIn starts the
  // COPY, each SendCopyData hands the server the next piece (libpq sends it as its buffer fills),
  // EndCopyIn finishes and returns the COPY's outcome (a failed send included).
  Status BeginCopyIn(const std::string& copy_sql);
  void SendCopyData(std::string_view piece);
  Status EndCopyIn();

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  bool copy_send_failed_ = false;  // a SendCopyData of the COPY in progress failed
  Result<PgResult> Check(PGresult* raw, std::string_view what);
  PGconn* conn_;
};

}  // namespace tributary::connectors::pg
