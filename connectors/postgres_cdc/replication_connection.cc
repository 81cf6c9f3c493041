#include "connectors/postgres_cdc/replication_connection.h"

#include <poll.h>

#include <cstring>

namespace tributary::connectors::pgcdc {

std::string PinnedSessionOptions() {
  return "options='-c datestyle=ISO -c intervalstyle=postgres -c extra_float_digits=3 "
         "-c TimeZone=UTC -c bytea_output=hex' client_encoding=UTF8";
}

Status CdcErrorStatus(PGconn* conn, const PGresult* result, std::string_view what) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  Status st = pg::ErrorStatus(conn, result, what);
  if (state && std::strcmp(state, "42704") == 0) {
    return Status::NotFound(st.message());
  }
  if (state && std::strcmp(state, "55006") == 0) return st.WithRetriable(true);
  return st;
}

void ReplicationConnection::BufferFree::operator()(char* p) const { PQfreemem(p); }

Result<std::unique_ptr<ReplicationConnection>> ReplicationConnection::Connect(
    const std::string& conninfo) {
  TRIBUTARY_ASSIGN_OR_RETURN(
      std::unique_ptr<pg::PgConnection> conn,
      pg::PgConnection::Connect(conninfo + " replication=database " + PinnedSessionOptions() +
                                " application_name=tributary-cdc"));
  return std::unique_ptr<ReplicationConnection>(new ReplicationConnection(std::move(conn)));
}

Result<SystemIdentity> ReplicationConnection::IdentifySystem() {
  TRIBUTARY_ASSIGN_OR_RETURN(pg::PgResult r, conn_->Exec("IDENTIFY_SYSTEM"));
  if (r.rows() != 1 || PQnfields(r.get()) < 4) {
    return Status::IoError("IDENTIFY_SYSTEM returned an unexpected result");
  }
  SystemIdentity id;
  id.system_id = r.Get(0, 0);
  id.timeline = std::atoi(r.Get(0, 1).c_str());
  TRIBUTARY_ASSIGN_OR_RETURN(id.xlog_pos, ParseLsn(r.Get(0, 2)));
  id.dbname = r.IsNull(0, 3) ? "" : r.Get(0, 3);
  return id;
}

Result<CreatedSlot> ReplicationConnection::CreateSlot(const std::string& slot, bool temporary,
                                                      bool export_snapshot) {
  std::string sql = "CREATE_REPLICATION_SLOT " + pg::QuoteIdentifier(slot) +
                    (temporary ? " TEMPORARY" : "") + " LOGICAL pgoutput " +
                    (export_snapshot ? "EXPORT_SNAPSHOT" : "NOEXPORT_SNAPSHOT");
  PGresult* raw = PQexec(conn_->raw(), sql.c_str());
  pg::PgResult r(raw);
  if (PQresultStatus(raw) != PGRES_TUPLES_OK) return CdcErrorStatus(conn_->raw(), raw, sql);
  if (r.rows() != 1 || PQnfields(raw) < 3) {
    return Status::IoError(sql + " returned an unexpected result");
  }
  CreatedSlot created;
  TRIBUTARY_ASSIGN_OR_RETURN(created.consistent_point, ParseLsn(r.Get(0, 1)));
  if (!r.IsNull(0, 2)) created.snapshot_name = r.Get(0, 2);
  return created;
}

Status ReplicationConnection::StartReplication(const std::string& slot, Lsn start,
                                               const std::string& publication, bool messages) {
  std::string quoted_publication = "\"";
  for (char c : publication) {
    if (c == '"') quoted_publication += '"';
    quoted_publication += c;
  }
  quoted_publication += '"';
  std::string sql =
      "START_REPLICATION SLOT " + pg::QuoteIdentifier(slot) + " LOGICAL " + FormatLsn(start) +
      " (proto_version '1', publication_names " + pg::QuoteLiteral(quoted_publication) +
      (messages && PQserverVersion(conn_->raw()) >= 140000 ? ", messages 'true')" : ")");
  PGresult* raw = PQexec(conn_->raw(), sql.c_str());
  pg::PgResult r(raw);
  if (PQresultStatus(raw) != PGRES_COPY_BOTH) return CdcErrorStatus(conn_->raw(), raw, sql);
  if (PQsetnonblocking(conn_->raw(), 1) != 0) {
    return Status::Unavailable("cannot switch the replication connection to non-blocking mode");
  }
  return Status::Ok();
}

Status ReplicationConnection::StreamError(const char* what) {
  // The server ended the copy (or the connection broke): the reason is in the next result.
  PGresult* raw = PQgetResult(conn_->raw());
  pg::PgResult r(raw);
  if (raw && PQresultStatus(raw) == PGRES_COMMAND_OK) {
    return Status::Unavailable(std::string(what) + ": the server ended the replication stream");
  }
  Status st = CdcErrorStatus(conn_->raw(), raw, what);
  if (st.code() != StatusCode::kNotFound && PQstatus(conn_->raw()) != CONNECTION_OK) {
    return Status::Unavailable(st.message());
  }
  return st;
}

Result<std::optional<std::string_view>> ReplicationConnection::Read(
    std::chrono::milliseconds timeout) {
  owned_.reset();
  // The clock is read only once nothing is buffered: while streaming, most calls return a
  // message libpq already has.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  bool drained_socket = false;
  while (true) {
    char* buf = nullptr;
    int n = PQgetCopyData(conn_->raw(), &buf, 1);
    if (n > 0) {
      owned_.reset(buf);
      return std::optional<std::string_view>(std::string_view(buf, static_cast<size_t>(n)));
    }
    if (n == -1) return StreamError("replication stream");
    if (n == -2) {
      return Status::Unavailable(std::string("replication stream: ") +
                                 PQerrorMessage(conn_->raw()));
    }
    // Without a wait, take once what the socket already holds (a non-blocking read): libpq
    // buffers only about 16 KiB, a fraction of a batch.
    if (timeout.count() == 0) {
      if (drained_socket) return std::optional<std::string_view>();
      drained_socket = true;
      if (PQconsumeInput(conn_->raw()) == 0) {
        return Status::Unavailable(std::string("replication stream: ") +
                                   PQerrorMessage(conn_->raw()));
      }
      continue;
    }
    auto now = std::chrono::steady_clock::now();
    if (!deadline) deadline = now + timeout;
    if (now >= *deadline) return std::optional<std::string_view>();
    pollfd pfd{PQsocket(conn_->raw()), POLLIN, 0};
    if (pfd.fd < 0) return Status::Unavailable("replication stream: connection closed");
    int wait_ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - now).count());
    int ready = ::poll(&pfd, 1, std::max(wait_ms, 1));
    if (ready < 0 && errno != EINTR) {
      return Status::Unavailable(std::string("replication stream: poll: ") + std::strerror(errno));
    }
    if (ready > 0 && PQconsumeInput(conn_->raw()) == 0) {
      return Status::Unavailable(std::string("replication stream: ") +
                                 PQerrorMessage(conn_->raw()));
    }
  }
}

Status ReplicationConnection::SendStatus(Lsn written, Lsn flushed, bool reply_requested) {
  StandbyStatusUpdate update;
  update.written = written;
  update.flushed = flushed;
  update.applied = flushed;
  auto now = std::chrono::system_clock::now().time_since_epoch();
  update.client_time = UnixMicrosToPostgresMicros(
      std::chrono::duration_cast<std::chrono::microseconds>(now).count());
  update.reply_requested = reply_requested;
  std::string bytes = EncodeStandbyStatusUpdate(update);
  if (PQputCopyData(conn_->raw(), bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return Status::Unavailable(std::string("standby status update: ") +
                               PQerrorMessage(conn_->raw()));
  }
  // Non-blocking: push what the socket takes now; libpq keeps the rest for the next flush.
  for (int i = 0; i < 100; ++i) {
    int f = PQflush(conn_->raw());
    if (f == 0) return Status::Ok();
    if (f < 0) {
      return Status::Unavailable(std::string("standby status update: ") +
                                 PQerrorMessage(conn_->raw()));
    }
    pollfd pfd{PQsocket(conn_->raw()), POLLOUT, 0};
    ::poll(&pfd, 1, 10);
  }
  return Status::Ok();
}

}  // namespace tributary::connectors::pgcdc
