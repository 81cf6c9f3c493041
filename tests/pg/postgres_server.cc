#include "tests/pg/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace tributary::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Tail(const std::string& text, size_t n = 3000) {
  return text.size() <= n ? text : text.substr(text.size() - n);
}

// A port that was free a moment ago on 127.0.0.1 (the kernel picks it).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string FindBindir() {
  if (const char* env = std::getenv("TRIBUTARY_PG_BINDIR"); env && *env) return env;
  if (std::filesystem::exists("/usr/lib/postgresql/15/bin/initdb"))
    return "/usr/lib/postgresql/15/bin";
  if (FILE* p = ::popen("pg_config --bindir 2>/dev/null", "r")) {
    char buf[512] = {0};
    std::string out = fgets(buf, sizeof(buf), p) ? buf : "";
    ::pclose(p);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    if (!out.empty()) return out;
  }
  return "/usr/lib/postgresql/15/bin";
}

}  // namespace

Result<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  server->bindir_ = FindBindir();
  if (!std::filesystem::exists(server->bindir_ + "/initdb")) {
    return Status::Unavailable("no PostgreSQL server binaries in " + server->bindir_ +
                               " (run scripts/install-deps.sh or set TRIBUTARY_PG_BINDIR)");
  }
  std::string templ = (std::filesystem::temp_directory_path() / "tributary-pg-XXXXXX").string();
  if (!::mkdtemp(templ.data())) return Status::IoError("mkdtemp failed for " + templ);
  server->dir_ = templ;
  if (::geteuid() == 0) {
    struct passwd* pw = ::getpwnam("postgres");
    if (!pw) {
      return Status::Unavailable(
          "running as root needs the unprivileged 'postgres' user to run the server");
    }
    server->uid_ = static_cast<int>(pw->pw_uid);
    server->gid_ = static_cast<int>(pw->pw_gid);
    if (::chown(server->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
      return Status::IoError("cannot chown " + server->dir_ + " to postgres");
  }
  std::string pwfile = server->dir_ + "/pwfile";
  std::ofstream(pwfile) << "postgres\n";
  if (server->uid_ >= 0) (void)::chown(pwfile.c_str(), server->uid_, server->gid_);
  TRIBUTARY_RETURN_IF_ERROR(
      server->Run({server->bindir_ + "/initdb", "-D", server->dir_ + "/data", "-U", "postgres",
                   "-E", "UTF8", "--locale=C", "--no-sync", "--auth-local=trust",
                   "--auth-host=scram-sha-256", "--pwfile=" + pwfile},
                  "initdb"));
  server->port_ = FreePort();
  if (server->port_ <= 0) return Status::IoError("no free port for PostgreSQL");
  TRIBUTARY_RETURN_IF_ERROR(server->StartServer());
  // Set up the test role and database over the unix socket as the superuser.
  std::string admin = "host=" + server->dir_ + " port=" + std::to_string(server->port_) +
                      " user=postgres dbname=postgres";
  PGconn* conn = PQconnectdb(admin.c_str());
  Status st;
  for (const char* sql : {"CREATE ROLE tributary LOGIN SUPERUSER REPLICATION PASSWORD 'tributary'",
                          "CREATE DATABASE test OWNER tributary"}) {
    PGresult* r = PQexec(conn, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && st.ok())
      st = Status::Unavailable(std::string(sql) + ": " + PQerrorMessage(conn));
    PQclear(r);
  }
  PQfinish(conn);
  TRIBUTARY_RETURN_IF_ERROR(st);
  return server;
}

PostgresServer::~PostgresServer() {
  if (running_) (void)Stop();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string PostgresServer::Conninfo() const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + kDatabase +
         " user=" + kUser + " password=" + kPassword + " connect_timeout=5";
}

std::string PostgresServer::JdbcUrl() const {
  return "jdbc:postgresql://127.0.0.1:" + std::to_string(port_) + "/" + kDatabase;
}

Status PostgresServer::Run(const std::vector<std::string>& argv, const std::string& what) const {
  std::string log = dir_ + "/commands.log";
  std::vector<char*> args;
  std::vector<std::string> copy = argv;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return Status::IoError("fork failed for " + what);
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0666);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    if (uid_ >= 0) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(gid_) != 0 || ::setuid(uid_) != 0) _exit(126);
    }
    if (::chdir(dir_.c_str()) != 0) _exit(126);
    ::execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Status::IoError("waitpid failed for " + what);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::Unavailable(what + " failed (status " + std::to_string(status) + "):\n" +
                               Tail(ReadAll(log)) + "\nserver log:\n" + Tail(Log()));
  }
  return Status::Ok();
}

Status PostgresServer::StartServer() {
  std::string options = "-p " + std::to_string(port_) + " -k " + dir_ +
                        " -c listen_addresses=127.0.0.1 -c wal_level=logical -c fsync=off"
                        " -c synchronous_commit=off -c full_page_writes=off"
                        " -c max_wal_senders=10 -c max_replication_slots=10"
                        " -c max_connections=100";
  TRIBUTARY_RETURN_IF_ERROR(Run({bindir_ + "/pg_ctl", "start", "-D", dir_ + "/data", "-l",
                                 dir_ + "/server.log", "-w", "-t", "60", "-o", options},
                                "pg_ctl start"));
  running_ = true;
  return WaitReady("host=" + dir_ + " port=" + std::to_string(port_) +
                   " user=postgres dbname=postgres");
}

Status PostgresServer::WaitReady(const std::string& conninfo) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (true) {
    PGPing ping = PQping(conninfo.c_str());
    if (ping == PQPING_OK) return Status::Ok();
    if (std::chrono::steady_clock::now() >= deadline)
      return Status::Timeout("PostgreSQL did not become ready:\n" + Tail(Log()));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Status PostgresServer::Stop() {
  if (!running_) return Status::Ok();
  running_ = false;
  return Run({bindir_ + "/pg_ctl", "stop", "-D", dir_ + "/data", "-m", "fast", "-w", "-t", "60"},
             "pg_ctl stop");
}

Status PostgresServer::StartAgain() {
  if (running_) return Status::Ok();
  return StartServer();
}

Status PostgresServer::Restart() {
  TRIBUTARY_RETURN_IF_ERROR(Stop());
  return StartAgain();
}

Result<std::string> PostgresServer::QueryValue(const std::string& sql) const {
  PGconn* conn = PQconnectdb(Conninfo().c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    return Status::Unavailable(msg);
  }
  PGresult* r = PQexec(conn, sql.c_str());
  Result<std::string> out = std::string();
  ExecStatusType st = PQresultStatus(r);
  if (st == PGRES_TUPLES_OK) {
    out = std::string(PQntuples(r) > 0 && PQnfields(r) > 0 ? PQgetvalue(r, 0, 0) : "");
  } else if (st != PGRES_COMMAND_OK) {
    out = Status::IoError(sql + ": " + PQerrorMessage(conn));
  }
  PQclear(r);
  PQfinish(conn);
  return out;
}

std::string PostgresServer::Log() const { return ReadAll(dir_ + "/server.log"); }

}  // namespace tributary::testing
