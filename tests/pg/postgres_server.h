#pragma once

// A real PostgreSQL server for tests: initdb into a fresh temporary directory, a free loopback
// port, wal_level=logical (for CDC tests), fsync off, unix socket inside the temp dir. When the
// test runs as root (CI), every server binary runs as the unprivileged `postgres` user, because
// initdb and postgres refuse to run as root.
//
// The server has a superuser `postgres` and a login role `tributary` (password `tributary`,
// SUPERUSER, REPLICATION) that owns database `test`; TCP connections use scram-sha-256 password
// authentication. Binaries come from TRIBUTARY_PG_BINDIR, else /usr/lib/postgresql/15/bin, else
// `pg_config --bindir`.
//
// Not thread-safe; use from the test's thread.

#include <memory>
#include <string>
#include <vector>

#include "runtime/api/status.h"

namespace tributary::testing {

class PostgresServer {
 public:
  // initdb + start + create role/database. Unavailable with the server log when any step fails.
  static Result<std::unique_ptr<PostgresServer>> Start();
  // Stops the server (pg_ctl stop -m fast) and removes the temporary directory.
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  static constexpr const char* kUser = "tributary";
  static constexpr const char* kPassword = "tributary";
  static constexpr const char* kDatabase = "test";

  // libpq keyword string for the test role on the test database over TCP.
  std::string Conninfo() const;
  // The same as a JDBC URL (credentials not included): jdbc:postgresql://127.0.0.1:<port>/test.
  std::string JdbcUrl() const;

  // pg_ctl stop -m fast: connections are cut, the server is down until StartAgain().
  Status Stop();
  // Starts the stopped server again on the same port and data directory, waiting until it accepts
  // connections.
  Status StartAgain();
  // Stop() then StartAgain().
  Status Restart();
  bool running() const { return running_; }

  // Runs `sql` as the test role; the first column of the first row ("" if none), or the error.
  Result<std::string> QueryValue(const std::string& sql) const;
  // The server log so far (for failure messages).
  std::string Log() const;

 private:
  PostgresServer() = default;
  Status Run(const std::vector<std::string>& argv, const std::string& what) const;
  Status StartServer();
  Status WaitReady(const std::string& conninfo) const;

  std::string dir_;     // temp root, owned by the server's user
  std::string bindir_;  // PostgreSQL binaries
  int port_ = 0;
  bool running_ = false;
  int uid_ = -1;  // user to run binaries as (-1: ourselves)
  int gid_ = -1;
};

}  // namespace tributary::testing
