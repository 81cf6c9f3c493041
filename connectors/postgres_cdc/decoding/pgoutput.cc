#include "connectors/postgres_cdc/decoding/pgoutput.h"

#include <cstdio>
#include <utility>

#include "connectors/postgres_cdc/decoding/byte_reader.h"

namespace tributary::connectors::pgcdc {

namespace {

using internal::ByteReader;

std::optional<uint32_t> StreamXid(ByteReader& r, bool in_streamed_block) {
  if (!in_streamed_block) return std::nullopt;
  return r.U32("xid");
}

// TupleData: Int16 ncols, then per column a kind byte and for 't'/'b' Int32 length + bytes.
TupleData ReadTuple(ByteReader& r) {
  TupleData tuple;
  uint16_t ncols = r.U16("tuple column count");
  if (!r.ok()) return tuple;
  // Each column needs at least its kind byte: never reserve more than the buffer can hold.
  if (ncols > r.remaining()) {
    r.Fail("tuple column count", "column count " + std::to_string(ncols) + " exceeds the message");
    return tuple;
  }
  tuple.reserve(ncols);
  for (uint16_t i = 0; i < ncols && r.ok(); ++i) {
    TupleColumn column;
    uint8_t kind = r.U8("tuple column kind");
    switch (kind) {
      case 'n':
        column.kind = TupleColumn::Kind::kNull;
        break;
      case 'u':
        column.kind = TupleColumn::Kind::kUnchangedToast;
        break;
      case 't':
      case 'b': {
        column.kind = kind == 't' ? TupleColumn::Kind::kText : TupleColumn::Kind::kBinary;
        uint32_t len = r.U32("tuple column length");
        column.data = std::string(r.Bytes(len, "tuple column value"));
        break;
      }
      default:
        if (r.ok()) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "0x%02x", kind);
          r.Fail("tuple column kind", std::string("unknown column kind ") + buf);
        }
        break;
    }
    tuple.push_back(std::move(column));
  }
  return tuple;
}

Result<PgoutputMessage> Finish(ByteReader& r, PgoutputMessage message) {
  r.ExpectEnd();
  if (!r.ok()) return r.status();
  return message;
}

}  // namespace

Result<PgoutputMessage> DecodePgoutput(std::string_view data, bool in_streamed_block) {
  if (data.empty()) return Status::InvalidArgument("pgoutput: empty message");
  const char type = data[0];
  std::string_view body = data.substr(1);
  switch (type) {
    case 'B': {
      ByteReader r(body, "pgoutput Begin");
      BeginMessage m;
      m.final_lsn = r.U64("final LSN");
      m.commit_time = r.I64("commit timestamp");
      m.xid = r.U32("xid");
      return Finish(r, m);
    }
    case 'C': {
      ByteReader r(body, "pgoutput Commit");
      CommitMessage m;
      m.flags = r.U8("flags");
      m.commit_lsn = r.U64("commit LSN");
      m.end_lsn = r.U64("end LSN");
      m.commit_time = r.I64("commit timestamp");
      return Finish(r, m);
    }
    case 'O': {
      ByteReader r(body, "pgoutput Origin");
      OriginMessage m;
      m.commit_lsn = r.U64("origin commit LSN");
      m.name = std::string(r.CString("origin name"));
      return Finish(r, std::move(m));
    }
    case 'R': {
      ByteReader r(body, "pgoutput Relation");
      RelationMessage m;
      m.xid = StreamXid(r, in_streamed_block);
      m.oid = r.U32("relation OID");
      m.namespace_name = std::string(r.CString("namespace"));
      m.name = std::string(r.CString("relation name"));
      m.replica_identity = static_cast<char>(r.U8("replica identity"));
      uint16_t ncols = r.U16("column count");
      // A column takes at least 10 bytes (flags, empty name's NUL, type OID, modifier).
      if (r.ok() && static_cast<size_t>(ncols) * 10 > r.remaining()) {
        r.Fail("column count", "column count " + std::to_string(ncols) + " exceeds the message");
      }
      if (r.ok()) m.columns.reserve(ncols);
      for (uint16_t i = 0; i < ncols && r.ok(); ++i) {
        RelationColumn c;
        c.flags = r.U8("column flags");
        c.name = std::string(r.CString("column name"));
        c.type_oid = r.U32("column type OID");
        c.type_modifier = static_cast<int32_t>(r.U32("column type modifier"));
        m.columns.push_back(std::move(c));
      }
      return Finish(r, std::move(m));
    }
    case 'Y': {
      ByteReader r(body, "pgoutput Type");
      TypeMessage m;
      m.xid = StreamXid(r, in_streamed_block);
      m.oid = r.U32("type OID");
      m.namespace_name = std::string(r.CString("namespace"));
      m.name = std::string(r.CString("type name"));
      return Finish(r, std::move(m));
    }
    case 'I': {
      ByteReader r(body, "pgoutput Insert");
      InsertMessage m;
      m.xid = StreamXid(r, in_streamed_block);
      m.relation_oid = r.U32("relation OID");
      uint8_t marker = r.U8("'N' marker");
      if (r.ok() && marker != 'N') r.Fail("'N' marker", "expected 'N'");
      if (r.ok()) m.new_tuple = ReadTuple(r);
      return Finish(r, std::move(m));
    }
    case 'U': {
      ByteReader r(body, "pgoutput Update");
      UpdateMessage m;
      m.xid = StreamXid(r, in_streamed_block);
      m.relation_oid = r.U32("relation OID");
      uint8_t marker = r.U8("tuple marker");
      if (r.ok() && (marker == 'K' || marker == 'O')) {
        m.old_kind = static_cast<OldTupleKind>(marker);
        m.old_tuple = ReadTuple(r);
        marker = r.U8("'N' marker");
      }
      if (r.ok() && marker != 'N') r.Fail("tuple marker", "expected 'K', 'O' or 'N'");
      if (r.ok()) m.new_tuple = ReadTuple(r);
      return Finish(r, std::move(m));
    }
    case 'D': {
      ByteReader r(body, "pgoutput Delete");
      DeleteMessage m;
      m.xid = StreamXid(r, in_streamed_block);
      m.relation_oid = r.U32("relation OID");
      uint8_t marker = r.U8("tuple marker");
      if (r.ok() && marker != 'K' && marker != 'O') r.Fail("tuple marker", "expected 'K' or 'O'");
      if (r.ok()) {
        m.old_kind = static_cast<OldTupleKind>(marker);
        m.old_tuple = ReadTuple(r);
      }
      return Finish(r, std::move(m));
    }
    case 'T': {
      ByteReader r(body, "pgoutput Truncate");
      TruncateMessage m;
      m.xid = StreamXid(r, in_streamed_block);
      uint32_t nrels = r.U32("relation count");
      m.options = r.U8("options");
      if (r.ok() && static_cast<uint64_t>(nrels) * 4 > r.remaining()) {
        r.Fail("relation OIDs", "relation count " + std::to_string(nrels) + " exceeds the message");
      }
      if (r.ok()) m.relation_oids.reserve(nrels);
      for (uint32_t i = 0; i < nrels && r.ok(); ++i)
        m.relation_oids.push_back(r.U32("relation OID"));
      return Finish(r, std::move(m));
    }
    case 'M': {
      ByteReader r(body, "pgoutput Message");
      LogicalMessage m;
      m.xid = StreamXid(r, in_streamed_block);
      m.transactional = (r.U8("flags") & 1) != 0;
      m.lsn = r.U64("LSN");
      m.prefix = std::string(r.CString("prefix"));
      uint32_t len = r.U32("content length");
      m.content = std::string(r.Bytes(len, "content"));
      return Finish(r, std::move(m));
    }
    case 'S': {
      ByteReader r(body, "pgoutput Stream Start");
      StreamStartMessage m;
      m.xid = r.U32("xid");
      m.first_segment = r.U8("first segment") == 1;
      return Finish(r, m);
    }
    case 'E': {
      ByteReader r(body, "pgoutput Stream Stop");
      return Finish(r, StreamStopMessage{});
    }
    case 'c': {
      ByteReader r(body, "pgoutput Stream Commit");
      StreamCommitMessage m;
      m.xid = r.U32("xid");
      m.flags = r.U8("flags");
      m.commit_lsn = r.U64("commit LSN");
      m.end_lsn = r.U64("end LSN");
      m.commit_time = r.I64("commit timestamp");
      return Finish(r, m);
    }
    case 'A': {
      ByteReader r(body, "pgoutput Stream Abort");
      StreamAbortMessage m;
      m.xid = r.U32("xid");
      m.subxid = r.U32("subtransaction xid");
      // Protocol 4 (parallel streaming) appends abort LSN and time: accept and ignore them.
      if (r.ok() && r.remaining() == 16) r.Bytes(16, "abort LSN and time");
      return Finish(r, m);
    }
    default: {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "0x%02x", static_cast<unsigned>(static_cast<uint8_t>(type)));
      return Status::InvalidArgument(std::string("pgoutput: unsupported message type ") + buf +
                                     " at byte 0");
    }
  }
}

const char* PgoutputMessageName(const PgoutputMessage& message) {
  static constexpr const char* kNames[] = {
      "Begin",        "Commit",      "Origin",        "Relation",    "Type",
      "Insert",       "Update",      "Delete",        "Truncate",    "Message",
      "Stream Start", "Stream Stop", "Stream Commit", "Stream Abort"};
  static_assert(std::variant_size_v<PgoutputMessage> == sizeof(kNames) / sizeof(kNames[0]));
  return kNames[message.index()];
}

namespace {

bool SameColumns(const RelationMessage& a, const RelationMessage& b) {
  if (a.namespace_name != b.namespace_name || a.name != b.name ||
      a.replica_identity != b.replica_identity || a.columns.size() != b.columns.size()) {
    return false;
  }
  for (size_t i = 0; i < a.columns.size(); ++i) {
    const RelationColumn& x = a.columns[i];
    const RelationColumn& y = b.columns[i];
    if (x.flags != y.flags || x.name != y.name || x.type_oid != y.type_oid ||
        x.type_modifier != y.type_modifier) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool RelationCache::Put(RelationMessage relation) {
  auto it = relations_.find(relation.oid);
  if (it == relations_.end()) {
    uint32_t oid = relation.oid;
    relations_.emplace(oid, std::move(relation));
    return false;
  }
  bool changed = !SameColumns(it->second, relation);
  it->second = std::move(relation);
  return changed;
}

const RelationMessage* RelationCache::Find(uint32_t oid) const {
  auto it = relations_.find(oid);
  return it == relations_.end() ? nullptr : &it->second;
}

void RelationCache::PutType(TypeMessage type) {
  uint32_t oid = type.oid;
  types_[oid] = std::move(type);
}

const TypeMessage* RelationCache::FindType(uint32_t oid) const {
  auto it = types_.find(oid);
  return it == types_.end() ? nullptr : &it->second;
}

void RelationCache::Clear() {
  relations_.clear();
  types_.clear();
}

}  // namespace tributary::connectors::pgcdc
