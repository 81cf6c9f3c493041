#include "connectors/postgres_cdc/decoding/pgoutput.h"

#include <gtest/gtest.h>

#include <string>

namespace tributary::connectors::pgcdc {
namespace {

// Builds pgoutput bytes by hand, big-endian as on the wire.
class Bytes {
 public:
  explicit Bytes(char type) { s_.push_back(type); }
  Bytes& U8(uint8_t v) {
    s_.push_back(static_cast<char>(v));
    return *this;
  }
  Bytes& U16(uint16_t v) { return Int(v, 2); }
  Bytes& U32(uint32_t v) { return Int(v, 4); }
  Bytes& U64(uint64_t v) { return Int(v, 8); }
  Bytes& Str(const std::string& v) {
    s_ += v;
    s_.push_back('\0');
    return *this;
  }
  Bytes& Raw(const std::string& v) {
    s_ += v;
    return *this;
  }
  Bytes& Text(const std::string& v) {
    U8('t');
    U32(static_cast<uint32_t>(v.size()));
    return Raw(v);
  }
  const std::string& str() const { return s_; }

 private:
  Bytes& Int(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) s_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return *this;
  }
  std::string s_;
};

template <typename T>
T Decode(const std::string& bytes, bool streamed = false) {
  auto r = DecodePgoutput(bytes, streamed);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return T{};
  EXPECT_TRUE(std::holds_alternative<T>(*r)) << PgoutputMessageName(*r);
  return std::holds_alternative<T>(*r) ? std::get<T>(*r) : T{};
}

// Every strict prefix of a valid message is rejected with a message naming the type and offset.
void ExpectEveryPrefixRejected(const std::string& bytes, const std::string& name,
                               bool streamed = false) {
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = DecodePgoutput(bytes.substr(0, n), streamed);
    ASSERT_FALSE(r.ok()) << name << " prefix " << n;
    if (n > 0) {
      EXPECT_NE(r.status().message().find(name), std::string::npos) << r.status().message();
      EXPECT_NE(r.status().message().find("at byte"), std::string::npos) << r.status().message();
    }
  }
  auto trailing = DecodePgoutput(bytes + "?", streamed);
  ASSERT_FALSE(trailing.ok()) << name;
  EXPECT_NE(trailing.status().message().find("trailing"), std::string::npos);
}

TEST(PgoutputTest, Begin) {
  std::string b = Bytes('B').U64(0x16D3B00).U64(840190530123456).U32(771).str();
  auto m = Decode<BeginMessage>(b);
  EXPECT_EQ(m.final_lsn, 0x16D3B00u);
  EXPECT_EQ(m.commit_time, 840190530123456);
  EXPECT_EQ(m.xid, 771u);
  ExpectEveryPrefixRejected(b, "Begin");
}

TEST(PgoutputTest, Commit) {
  std::string b = Bytes('C').U8(0).U64(0x100).U64(0x128).U64(99).str();
  auto m = Decode<CommitMessage>(b);
  EXPECT_EQ(m.flags, 0);
  EXPECT_EQ(m.commit_lsn, 0x100u);
  EXPECT_EQ(m.end_lsn, 0x128u);
  EXPECT_EQ(m.commit_time, 99);
  ExpectEveryPrefixRejected(b, "Commit");
}

TEST(PgoutputTest, Origin) {
  std::string b = Bytes('O').U64(0x42).Str("node_a").str();
  auto m = Decode<OriginMessage>(b);
  EXPECT_EQ(m.commit_lsn, 0x42u);
  EXPECT_EQ(m.name, "node_a");
  ExpectEveryPrefixRejected(b, "Origin");
}

std::string RelationBytes() {
  return Bytes('R')
      .U32(16385)
      .Str("public")
      .Str("customers")
      .U8('d')
      .U16(3)
      .U8(1)
      .Str("id")
      .U32(23)
      .U32(0xffffffff)
      .U8(0)
      .Str("name")
      .U32(1043)
      .U32(259)
      .U8(0)
      .Str("balance")
      .U32(1700)
      .U32(((10 << 16) | 2) + 4)
      .str();
}

TEST(PgoutputTest, Relation) {
  std::string b = RelationBytes();
  auto m = Decode<RelationMessage>(b);
  EXPECT_FALSE(m.xid.has_value());
  EXPECT_EQ(m.oid, 16385u);
  EXPECT_EQ(m.namespace_name, "public");
  EXPECT_EQ(m.name, "customers");
  EXPECT_EQ(m.replica_identity, 'd');
  ASSERT_EQ(m.columns.size(), 3u);
  EXPECT_TRUE(m.columns[0].is_key());
  EXPECT_EQ(m.columns[0].name, "id");
  EXPECT_EQ(m.columns[0].type_oid, 23u);
  EXPECT_EQ(m.columns[0].type_modifier, -1);
  EXPECT_FALSE(m.columns[1].is_key());
  EXPECT_EQ(m.columns[1].type_modifier, 259);
  EXPECT_EQ(m.columns[2].type_oid, 1700u);
  ExpectEveryPrefixRejected(b, "Relation");
}

TEST(PgoutputTest, RelationWithHugeColumnCountIsRejectedWithoutAllocating) {
  std::string b = Bytes('R').U32(1).Str("s").Str("t").U8('d').U16(65535).str();
  auto r = DecodePgoutput(b);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("column count"), std::string::npos);
}

TEST(PgoutputTest, RelationInStreamedBlockCarriesXid) {
  std::string b = Bytes('R').U32(900).Raw(RelationBytes().substr(1)).str();
  auto m = Decode<RelationMessage>(b, /*streamed=*/true);
  ASSERT_TRUE(m.xid.has_value());
  EXPECT_EQ(*m.xid, 900u);
  EXPECT_EQ(m.name, "customers");
}

TEST(PgoutputTest, Type) {
  std::string b = Bytes('Y').U32(16400).Str("public").Str("mood").str();
  auto m = Decode<TypeMessage>(b);
  EXPECT_EQ(m.oid, 16400u);
  EXPECT_EQ(m.namespace_name, "public");
  EXPECT_EQ(m.name, "mood");
  ExpectEveryPrefixRejected(b, "Type");
}

TEST(PgoutputTest, InsertWithEveryColumnKind) {
  std::string b = Bytes('I')
                      .U32(16385)
                      .U8('N')
                      .U16(4)
                      .Text("42")
                      .U8('n')
                      .U8('u')
                      .U8('b')
                      .U32(2)
                      .Raw(std::string("\0\x01", 2))
                      .str();
  auto m = Decode<InsertMessage>(b);
  EXPECT_EQ(m.relation_oid, 16385u);
  ASSERT_EQ(m.new_tuple.size(), 4u);
  EXPECT_EQ(m.new_tuple[0], (TupleColumn{TupleColumn::Kind::kText, "42"}));
  EXPECT_EQ(m.new_tuple[1].kind, TupleColumn::Kind::kNull);
  EXPECT_EQ(m.new_tuple[2].kind, TupleColumn::Kind::kUnchangedToast);
  EXPECT_EQ(m.new_tuple[3], (TupleColumn{TupleColumn::Kind::kBinary, std::string("\0\x01", 2)}));
  ExpectEveryPrefixRejected(b, "Insert");
}

TEST(PgoutputTest, InsertWithEmptyTextValue) {
  auto m = Decode<InsertMessage>(Bytes('I').U32(1).U8('N').U16(1).Text("").str());
  ASSERT_EQ(m.new_tuple.size(), 1u);
  EXPECT_EQ(m.new_tuple[0], (TupleColumn{TupleColumn::Kind::kText, ""}));
}

TEST(PgoutputTest, InsertRejectsBadMarkerAndColumnKind) {
  auto r = DecodePgoutput(Bytes('I').U32(1).U8('X').U16(0).str());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'N'"), std::string::npos);
  r = DecodePgoutput(Bytes('I').U32(1).U8('N').U16(1).U8('z').str());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown column kind 0x7a"), std::string::npos);
  // A text length beyond the message.
  r = DecodePgoutput(Bytes('I').U32(1).U8('N').U16(1).U8('t').U32(0xffffffff).Raw("ab").str());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("truncated"), std::string::npos);
}

TEST(PgoutputTest, UpdateWithoutOldTuple) {
  std::string b = Bytes('U').U32(7).U8('N').U16(1).Text("new").str();
  auto m = Decode<UpdateMessage>(b);
  EXPECT_EQ(m.old_kind, OldTupleKind::kNone);
  EXPECT_TRUE(m.old_tuple.empty());
  ASSERT_EQ(m.new_tuple.size(), 1u);
  EXPECT_EQ(m.new_tuple[0].data, "new");
  ExpectEveryPrefixRejected(b, "Update");
}

TEST(PgoutputTest, UpdateWithOldKeyAndFullOldTuple) {
  for (char kind : {'K', 'O'}) {
    std::string b =
        Bytes('U').U32(7).U8(kind).U16(2).Text("1").U8('n').U8('N').U16(2).Text("2").U8('u').str();
    auto m = Decode<UpdateMessage>(b);
    EXPECT_EQ(m.old_kind, static_cast<OldTupleKind>(kind));
    ASSERT_EQ(m.old_tuple.size(), 2u);
    EXPECT_EQ(m.old_tuple[0].data, "1");
    EXPECT_EQ(m.old_tuple[1].kind, TupleColumn::Kind::kNull);
    ASSERT_EQ(m.new_tuple.size(), 2u);
    EXPECT_EQ(m.new_tuple[1].kind, TupleColumn::Kind::kUnchangedToast);
    ExpectEveryPrefixRejected(b, "Update");
  }
  // An old tuple must be followed by 'N'.
  EXPECT_FALSE(DecodePgoutput(Bytes('U').U32(7).U8('K').U16(0).U8('K').U16(0).str()).ok());
}

TEST(PgoutputTest, Delete) {
  for (char kind : {'K', 'O'}) {
    std::string b = Bytes('D').U32(9).U8(kind).U16(1).Text("42").str();
    auto m = Decode<DeleteMessage>(b);
    EXPECT_EQ(m.relation_oid, 9u);
    EXPECT_EQ(m.old_kind, static_cast<OldTupleKind>(kind));
    ASSERT_EQ(m.old_tuple.size(), 1u);
    EXPECT_EQ(m.old_tuple[0].data, "42");
    ExpectEveryPrefixRejected(b, "Delete");
  }
  EXPECT_FALSE(DecodePgoutput(Bytes('D').U32(9).U8('N').U16(0).str()).ok());
}

TEST(PgoutputTest, Truncate) {
  std::string b = Bytes('T').U32(2).U8(3).U32(100).U32(200).str();
  auto m = Decode<TruncateMessage>(b);
  EXPECT_TRUE(m.cascade());
  EXPECT_TRUE(m.restart_identity());
  EXPECT_EQ(m.relation_oids, (std::vector<uint32_t>{100, 200}));
  ExpectEveryPrefixRejected(b, "Truncate");
  auto none = Decode<TruncateMessage>(Bytes('T').U32(1).U8(0).U32(5).str());
  EXPECT_FALSE(none.cascade());
  EXPECT_FALSE(none.restart_identity());
  // A relation count that cannot fit is rejected up front.
  EXPECT_FALSE(DecodePgoutput(Bytes('T').U32(0x40000000).U8(0).U32(5).str()).ok());
}

TEST(PgoutputTest, LogicalMessage) {
  std::string content("a\0b", 3);
  std::string b = Bytes('M').U8(1).U64(0x555).Str("audit").U32(3).Raw(content).str();
  auto m = Decode<LogicalMessage>(b);
  EXPECT_TRUE(m.transactional);
  EXPECT_EQ(m.lsn, 0x555u);
  EXPECT_EQ(m.prefix, "audit");
  EXPECT_EQ(m.content, content);
  ExpectEveryPrefixRejected(b, "Message");
  auto streamed = Decode<LogicalMessage>(Bytes('M').U32(77).U8(0).U64(1).Str("p").U32(0).str(),
                                         /*streamed=*/true);
  EXPECT_EQ(streamed.xid, 77u);
  EXPECT_FALSE(streamed.transactional);
}

TEST(PgoutputTest, StreamingMessages) {
  auto start = Decode<StreamStartMessage>(Bytes('S').U32(5).U8(1).str());
  EXPECT_EQ(start.xid, 5u);
  EXPECT_TRUE(start.first_segment);
  Decode<StreamStopMessage>(Bytes('E').str());
  auto commit = Decode<StreamCommitMessage>(Bytes('c').U32(5).U8(0).U64(10).U64(20).U64(30).str());
  EXPECT_EQ(commit.xid, 5u);
  EXPECT_EQ(commit.commit_lsn, 10u);
  EXPECT_EQ(commit.end_lsn, 20u);
  EXPECT_EQ(commit.commit_time, 30);
  auto abort = Decode<StreamAbortMessage>(Bytes('A').U32(5).U32(6).str());
  EXPECT_EQ(abort.subxid, 6u);
  Decode<StreamAbortMessage>(Bytes('A').U32(5).U32(6).U64(1).U64(2).str());
  auto insert = Decode<InsertMessage>(Bytes('I').U32(5).U32(1).U8('N').U16(0).str(), true);
  EXPECT_EQ(insert.xid, 5u);
  ExpectEveryPrefixRejected(Bytes('S').U32(5).U8(1).str(), "Stream Start");
  ExpectEveryPrefixRejected(Bytes('c').U32(5).U8(0).U64(10).U64(20).U64(30).str(), "Stream Commit");
}

TEST(PgoutputTest, UnknownTypeIsRejected) {
  auto r = DecodePgoutput("P1234");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unsupported message type 0x50"), std::string::npos);
  EXPECT_FALSE(DecodePgoutput("").ok());
}

TEST(RelationCacheTest, ReplacesOnEveryRelationMessage) {
  RelationCache cache;
  auto rel = Decode<RelationMessage>(RelationBytes());
  EXPECT_FALSE(cache.Put(rel));
  EXPECT_FALSE(cache.Put(rel));  // identical re-send: nothing changed
  ASSERT_NE(cache.Find(16385), nullptr);
  EXPECT_EQ(cache.Find(16385)->columns.size(), 3u);
  rel.columns.pop_back();
  EXPECT_TRUE(cache.Put(rel));
  EXPECT_EQ(cache.Find(16385)->columns.size(), 2u);
  rel.replica_identity = 'f';
  EXPECT_TRUE(cache.Put(rel));
  EXPECT_EQ(cache.Find(1), nullptr);
  cache.PutType(Decode<TypeMessage>(Bytes('Y').U32(16400).Str("public").Str("mood").str()));
  ASSERT_NE(cache.FindType(16400), nullptr);
  EXPECT_EQ(cache.FindType(16400)->name, "mood");
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.FindType(16400), nullptr);
}

}  // namespace
}  // namespace tributary::connectors::pgcdc
