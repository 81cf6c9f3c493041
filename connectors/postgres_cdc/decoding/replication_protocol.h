#pragma once

// The framing of PostgreSQL's streaming replication protocol inside CopyBoth mode, as a logical
// replication client sees it (protocol.sgml "Streaming Replication Protocol"):
//   server -> client: 'w' XLogData (one pgoutput message as payload), 'k' primary keepalive;
//   client -> server: 'r' standby status update.
// Plus LSNs ("16/B374D848") and PostgreSQL timestamps (microseconds since 2000-01-01 UTC).
//
// Pure functions over bytes: no I/O, no libpq. All integers on the wire are big-endian.
// Decoders never read outside the given buffer; malformed input is an InvalidArgument Status
// naming the message and the byte offset. Thread-safe (no state).

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "runtime/api/status.h"

namespace tributary::connectors::pgcdc {

// A WAL position (XLogRecPtr). 0 is InvalidXLogRecPtr ("0/0").
using Lsn = uint64_t;
inline constexpr Lsn kInvalidLsn = 0;

// Parses the text form "<hi>/<lo>", each part 1-8 hex digits of either case, zero-padded or not
// ("16/B374D848", "0/0", "00000016/B374D848"). InvalidArgument otherwise.
Result<Lsn> ParseLsn(std::string_view text);
// "%X/%X" as PostgreSQL prints it: upper-case hex, no padding ("16/B374D848", "0/0").
std::string FormatLsn(Lsn lsn);

// PostgreSQL timestamps count microseconds from 2000-01-01 00:00:00 UTC; Unix time counts from
// 1970-01-01. The difference is 946684800 seconds.
inline constexpr int64_t kPostgresEpochUnixSeconds = 946684800;
inline constexpr int64_t kPostgresEpochUnixMicros = kPostgresEpochUnixSeconds * 1000000;
// Saturating conversions (never overflow on hostile input).
int64_t PostgresMicrosToUnixMicros(int64_t pg_micros);
int64_t UnixMicrosToPostgresMicros(int64_t unix_micros);

// 'w': one chunk of WAL data; in logical replication exactly one output-plugin message.
struct XLogData {
  Lsn wal_start = 0;  // dataStart: for pgoutput the LSN of the message (0/0 for Relation/Type)
  Lsn wal_end = 0;    // walEnd as sent (for logical slots usually = wal_start; not the WAL end)
  int64_t server_time = 0;  // sendTime, PostgreSQL microseconds
  // The pgoutput message bytes. Points into the buffer given to DecodeCopyData: valid only as
  // long as that buffer is.
  std::string_view payload;
};

// 'k': the server's current WAL end and whether it wants a status update right away (reply
// requested: answer now, or be disconnected at wal_sender_timeout).
struct PrimaryKeepalive {
  Lsn wal_end = 0;
  int64_t server_time = 0;  // PostgreSQL microseconds
  bool reply_requested = false;
};

using ReplicationMessage = std::variant<XLogData, PrimaryKeepalive>;

// Decodes one CopyData message received from the walsender (what PQgetCopyData returned).
// InvalidArgument for an empty buffer, an unknown type byte, or a message shorter than its fixed
// header ('w': 25 bytes incl. type; 'k': exactly 18 bytes incl. type; trailing bytes after a
// keepalive are rejected too).
Result<ReplicationMessage> DecodeCopyData(std::string_view data);

// 'r': what the client tells the server. For a logical slot `flushed` becomes the slot's
// confirmed_flush_lsn: WAL before it may be recycled and a restart resumes at it. Each LSN is
// "the last WAL byte + 1" received / flushed / applied, i.e. an end position such as a commit's
// end_lsn. 0 means "unknown" (the server keeps its previous value for written/applied).
struct StandbyStatusUpdate {
  Lsn written = 0;
  Lsn flushed = 0;
  Lsn applied = 0;
  int64_t client_time = 0;  // PostgreSQL microseconds (UnixMicrosToPostgresMicros(now))
  bool reply_requested = false;
  bool operator==(const StandbyStatusUpdate&) const = default;
};

// The 34-byte CopyData body of a standby status update (send with PQputCopyData).
std::string EncodeStandbyStatusUpdate(const StandbyStatusUpdate& update);
// The inverse, for tests and tools. InvalidArgument unless exactly 34 bytes starting with 'r'.
Result<StandbyStatusUpdate> DecodeStandbyStatusUpdate(std::string_view data);

}  // namespace tributary::connectors::pgcdc
