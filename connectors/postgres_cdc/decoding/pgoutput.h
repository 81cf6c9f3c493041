#pragma once

// Decoding of pgoutput messages (PostgreSQL's built-in logical decoding output plugin), the
// payload of each XLogData ('w') message: protocol.sgml "Logical Replication Message Formats".
// Protocol version 1 is what Debezium uses; the version 2 streaming messages (Stream Start/Stop/
// Commit/Abort and the xid carried by messages inside a streamed block) are decoded too, but
// buffering streamed transactions is up to the caller.
//
// Pure functions over bytes; decoded messages own their data (strings are copied out of the
// buffer). Decoders never read outside the buffer: truncated or malformed input is an
// InvalidArgument Status "pgoutput <message name>: <what> at byte <offset>". Thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "connectors/postgres_cdc/decoding/replication_protocol.h"
#include "runtime/api/status.h"

namespace tributary::connectors::pgcdc {

// One column of a TupleData.
struct TupleColumn {
  enum class Kind : char {
    kNull = 'n',            // SQL NULL (or, in a 'K' old-key tuple, "not part of the key")
    kUnchangedToast = 'u',  // a TOASTed value that did not change; its value is not sent
    kText = 't',            // `data` is the type's text output (what Debezium receives)
    kBinary = 'b',          // `data` is the type's binary send format (only with binary 'true')
  };
  Kind kind = Kind::kNull;
  std::string data;  // empty unless kText / kBinary
  bool operator==(const TupleColumn&) const = default;
};

// The columns of one row, in the order of the Relation message's columns.
using TupleData = std::vector<TupleColumn>;

// 'B': start of a committed transaction (v1 sends whole transactions at commit).
struct BeginMessage {
  Lsn final_lsn = 0;        // LSN of the commit record
  int64_t commit_time = 0;  // PostgreSQL microseconds (see PostgresMicrosToUnixMicros)
  uint32_t xid = 0;
};

// 'C': end of the transaction.
struct CommitMessage {
  uint8_t flags = 0;  // currently always 0
  Lsn commit_lsn = 0;
  Lsn end_lsn = 0;  // end of the commit record: the position to confirm once processed
  int64_t commit_time = 0;
};

// 'O': the transaction came from another node through replication origin `name`.
struct OriginMessage {
  Lsn commit_lsn = 0;  // commit LSN on the origin server
  std::string name;
};

struct RelationColumn {
  uint8_t flags = 0;  // bit 0: part of the replica identity key
  std::string name;
  uint32_t type_oid = 0;
  int32_t type_modifier = -1;  // atttypmod (-1: none)
  bool is_key() const { return (flags & 1) != 0; }
};

// 'R': describes a relation before the first change to it in a session, and again after it
// changed. Tuples of that relation have exactly these columns, in this order.
struct RelationMessage {
  std::optional<uint32_t> xid;  // only inside a streamed block (protocol >= 2)
  uint32_t oid = 0;
  std::string namespace_name;  // "" means pg_catalog
  std::string name;
  char replica_identity = 'd';  // 'd' default, 'n' nothing, 'f' full, 'i' index
  std::vector<RelationColumn> columns;
};

// 'Y': a non-built-in type used by a following Relation (enums, domains, extension types).
struct TypeMessage {
  std::optional<uint32_t> xid;
  uint32_t oid = 0;
  std::string namespace_name;
  std::string name;
};

// 'I'
struct InsertMessage {
  std::optional<uint32_t> xid;
  uint32_t relation_oid = 0;
  TupleData new_tuple;
};

// Which old row image an Update or Delete carries.
enum class OldTupleKind : char {
  kNone = 0,    // Update only: no old row (replica identity key unchanged, or NOTHING)
  kKey = 'K',   // replica identity key columns only; other columns are kNull
  kFull = 'O',  // the whole old row (REPLICA IDENTITY FULL)
};

// 'U'
struct UpdateMessage {
  std::optional<uint32_t> xid;
  uint32_t relation_oid = 0;
  OldTupleKind old_kind = OldTupleKind::kNone;
  TupleData old_tuple;  // empty when old_kind == kNone
  TupleData new_tuple;
};

// 'D'
struct DeleteMessage {
  std::optional<uint32_t> xid;
  uint32_t relation_oid = 0;
  OldTupleKind old_kind = OldTupleKind::kKey;  // kKey or kFull
  TupleData old_tuple;
};

// 'T': one message for all relations truncated by one statement.
struct TruncateMessage {
  std::optional<uint32_t> xid;
  uint8_t options = 0;  // bit 0: CASCADE, bit 1: RESTART IDENTITY
  std::vector<uint32_t> relation_oids;
  bool cascade() const { return (options & 1) != 0; }
  bool restart_identity() const { return (options & 2) != 0; }
};

// 'M': pg_logical_emit_message() (sent with the pgoutput option messages 'true', PG14+).
// Non-transactional messages arrive outside Begin/Commit.
struct LogicalMessage {
  std::optional<uint32_t> xid;
  bool transactional = false;  // flags bit 0
  Lsn lsn = 0;
  std::string prefix;
  std::string content;  // arbitrary bytes
};

// Protocol version 2 (streaming 'on'): parts of a large in-progress transaction.
struct StreamStartMessage {  // 'S'
  uint32_t xid = 0;
  bool first_segment = false;
};
struct StreamStopMessage {};  // 'E'
struct StreamCommitMessage {  // 'c'
  uint32_t xid = 0;
  uint8_t flags = 0;
  Lsn commit_lsn = 0;
  Lsn end_lsn = 0;
  int64_t commit_time = 0;
};
struct StreamAbortMessage {  // 'A' (protocol 2/3 layout; the v4 abort LSN/time are ignored)
  uint32_t xid = 0;
  uint32_t subxid = 0;
};

using PgoutputMessage =
    std::variant<BeginMessage, CommitMessage, OriginMessage, RelationMessage, TypeMessage,
                 InsertMessage, UpdateMessage, DeleteMessage, TruncateMessage, LogicalMessage,
                 StreamStartMessage, StreamStopMessage, StreamCommitMessage, StreamAbortMessage>;

// Decodes one pgoutput message (an XLogData payload). `in_streamed_block` says that a Stream Start
// was seen without its Stream Stop (protocol >= 2): then R/Y/I/U/D/T/M carry a leading xid.
// Trailing bytes after a complete message are an error (they mean we misread the layout).
// Unknown message types (two-phase 'b','P','K','r','p', future ones) are InvalidArgument naming
// the type byte.
Result<PgoutputMessage> DecodePgoutput(std::string_view data, bool in_streamed_block = false);

// "Begin", "Insert", …: the message's name, for logs and errors.
const char* PgoutputMessageName(const PgoutputMessage& message);

// The relations (and types) described so far in a replication session, by OID. A Relation message
// replaces the previous description of its OID wholesale (PostgreSQL re-sends it after ALTER
// TABLE). Not thread-safe.
class RelationCache {
 public:
  // Stores (or replaces) the relation. Returns true when it replaced a description that differs
  // in columns, names or replica identity (the caller rebuilds its schemas then).
  bool Put(RelationMessage relation);
  // The relation with `oid`, or nullptr. Valid until the next Put of the same OID or Clear().
  const RelationMessage* Find(uint32_t oid) const;
  void PutType(TypeMessage type);
  const TypeMessage* FindType(uint32_t oid) const;
  void Clear();
  size_t size() const { return relations_.size(); }

 private:
  std::unordered_map<uint32_t, RelationMessage> relations_;
  std::unordered_map<uint32_t, TypeMessage> types_;
};

}  // namespace tributary::connectors::pgcdc
