#pragma once

// A logical replication connection (libpq, replication=database): IDENTIFY_SYSTEM, slot creation,
// START_REPLICATION … LOGICAL with pgoutput, and the CopyBoth stream read without blocking longer
// than asked. Not thread-safe: one thread at a time.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/common/postgres.h"
#include "connectors/postgres_cdc/decoding/replication_protocol.h"
#include "runtime/api/status.h"

namespace tributary::connectors::pgcdc {

// Session settings pinned on every connection so that text values have the form the type mapping
// expects (decoding/pg_types.h). A libpq conninfo fragment.
std::string PinnedSessionOptions();

struct SystemIdentity {
  std::string system_id;
  int timeline = 0;
  Lsn xlog_pos = 0;
  std::string dbname;
};

struct CreatedSlot {
  Lsn consistent_point = 0;
  std::string snapshot_name;  // empty unless exported
};

class ReplicationConnection {
 public:
  // Connects with `conninfo` plus replication=database and the pinned session options.
  // Unavailable when the server cannot be reached; InvalidConfig for bad credentials.
  static Result<std::unique_ptr<ReplicationConnection>> Connect(const std::string& conninfo);

  Result<SystemIdentity> IdentifySystem();
  // CREATE_REPLICATION_SLOT "<slot>" [TEMPORARY] LOGICAL pgoutput
  // EXPORT_SNAPSHOT|NOEXPORT_SNAPSHOT. An exported snapshot stays valid until the next command on
  // this connection.
  Result<CreatedSlot> CreateSlot(const std::string& slot, bool temporary, bool export_snapshot);
  // START_REPLICATION SLOT "<slot>" LOGICAL <start> (proto_version '1', publication_names
  // '"<publication>"'[, messages 'true']). `messages` (logical decoding messages) is sent only to
  // servers of version 14 or later, which know the option. NotFound (fatal) when the slot or
  // publication does not exist.
  Status StartReplication(const std::string& slot, Lsn start, const std::string& publication,
                          bool messages = false);

  // The next CopyData message of the stream, waiting at most `timeout`; nullopt when none arrived.
  // The view stays valid until the next call. Unavailable (retriable) when the connection is
  // lost; NotFound (fatal) when the server ends the stream because the slot or the publication
  // was dropped; other server errors as mapped by pg::ErrorStatus.
  Result<std::optional<std::string_view>> Read(std::chrono::milliseconds timeout);
  // Sends a standby status update ('r').
  Status SendStatus(Lsn written, Lsn flushed, bool reply_requested = false);

  pg::PgConnection& sql() { return *conn_; }

 private:
  explicit ReplicationConnection(std::unique_ptr<pg::PgConnection> conn) : conn_(std::move(conn)) {}
  Status StreamError(const char* what);

  std::unique_ptr<pg::PgConnection> conn_;
  struct BufferFree {
    void operator()(char* p) const;
  };
  std::unique_ptr<char, BufferFree> owned_;  // last PQgetCopyData buffer, freed on the next Read
};

// A failed result on a CDC connection as a Status: pg::ErrorStatus, except that a missing slot or
// publication (SQLSTATE 42704 undefined_object) is NotFound and never retriable, and an active
// slot (55006 object_in_use) is retriable.
Status CdcErrorStatus(PGconn* conn, const PGresult* result, std::string_view what);

}  // namespace tributary::connectors::pgcdc
