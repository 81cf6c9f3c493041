#include "connectors/postgres_cdc/decoding/replication_protocol.h"

#include <cstdio>
#include <limits>

#include "connectors/postgres_cdc/decoding/byte_reader.h"

namespace tributary::connectors::pgcdc {

namespace {

// Parses 1-8 hex digits.
bool ParseHex32(std::string_view text, uint32_t& out) {
  if (text.empty() || text.size() > 8) return false;
  uint32_t v = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return false;
    }
    v = (v << 4) | static_cast<uint32_t>(d);
  }
  out = v;
  return true;
}

}  // namespace

Result<Lsn> ParseLsn(std::string_view text) {
  size_t slash = text.find('/');
  uint32_t hi = 0;
  uint32_t lo = 0;
  if (slash == std::string_view::npos || !ParseHex32(text.substr(0, slash), hi) ||
      !ParseHex32(text.substr(slash + 1), lo)) {
    return Status::InvalidArgument("invalid LSN '" + std::string(text) +
                                   "': expected <hex>/<hex> such as 16/B374D848");
  }
  return (static_cast<Lsn>(hi) << 32) | lo;
}

std::string FormatLsn(Lsn lsn) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%X/%X", static_cast<unsigned>(lsn >> 32),
                static_cast<unsigned>(lsn & 0xffffffffu));
  return buf;
}

int64_t PostgresMicrosToUnixMicros(int64_t pg_micros) {
  if (pg_micros > std::numeric_limits<int64_t>::max() - kPostgresEpochUnixMicros) {
    return std::numeric_limits<int64_t>::max();
  }
  return pg_micros + kPostgresEpochUnixMicros;
}

int64_t UnixMicrosToPostgresMicros(int64_t unix_micros) {
  if (unix_micros < std::numeric_limits<int64_t>::min() + kPostgresEpochUnixMicros) {
    return std::numeric_limits<int64_t>::min();
  }
  return unix_micros - kPostgresEpochUnixMicros;
}

Result<ReplicationMessage> DecodeCopyData(std::string_view data) {
  if (data.empty()) return Status::InvalidArgument("replication CopyData: empty message");
  char type = data[0];
  if (type == 'w') {
    internal::ByteReader r(data.substr(1), "replication XLogData");
    XLogData x;
    x.wal_start = r.U64("dataStart");
    x.wal_end = r.U64("walEnd");
    x.server_time = r.I64("sendTime");
    if (!r.ok()) return r.status();
    x.payload = data.substr(1 + r.offset());
    return ReplicationMessage(x);
  }
  if (type == 'k') {
    internal::ByteReader r(data.substr(1), "replication keepalive");
    PrimaryKeepalive k;
    k.wal_end = r.U64("walEnd");
    k.server_time = r.I64("sendTime");
    uint8_t reply = r.U8("replyRequested");
    r.ExpectEnd();
    if (!r.ok()) return r.status();
    k.reply_requested = reply != 0;
    return ReplicationMessage(k);
  }
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02x", static_cast<unsigned>(static_cast<uint8_t>(type)));
  return Status::InvalidArgument(std::string("replication CopyData: unknown message type ") + buf +
                                 " (expected 'w' XLogData or 'k' keepalive)");
}

std::string EncodeStandbyStatusUpdate(const StandbyStatusUpdate& update) {
  std::string out;
  out.reserve(34);
  out.push_back('r');
  internal::AppendU64(out, update.written);
  internal::AppendU64(out, update.flushed);
  internal::AppendU64(out, update.applied);
  internal::AppendU64(out, static_cast<uint64_t>(update.client_time));
  out.push_back(update.reply_requested ? 1 : 0);
  return out;
}

Result<StandbyStatusUpdate> DecodeStandbyStatusUpdate(std::string_view data) {
  if (data.empty() || data[0] != 'r') {
    return Status::InvalidArgument("standby status update: does not start with 'r'");
  }
  internal::ByteReader r(data.substr(1), "standby status update");
  StandbyStatusUpdate u;
  u.written = r.U64("written");
  u.flushed = r.U64("flushed");
  u.applied = r.U64("applied");
  u.client_time = r.I64("clientTime");
  u.reply_requested = r.U8("replyRequested") != 0;
  r.ExpectEnd();
  if (!r.ok()) return r.status();
  return u;
}

}  // namespace tributary::connectors::pgcdc
