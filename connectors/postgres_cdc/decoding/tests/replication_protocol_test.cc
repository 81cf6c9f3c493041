#include "connectors/postgres_cdc/decoding/replication_protocol.h"

#include <gtest/gtest.h>

#include <string>

namespace tributary::connectors::pgcdc {
namespace {

std::string Be64(uint64_t v) {
  std::string out;
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  return out;
}

TEST(LsnTest, ParsesAndFormatsPostgresText) {
  auto lsn = ParseLsn("16/B374D848");
  ASSERT_TRUE(lsn.ok()) << lsn.status().ToString();
  EXPECT_EQ(*lsn, 0x16B374D848ull);
  EXPECT_EQ(FormatLsn(*lsn), "16/B374D848");
  EXPECT_EQ(FormatLsn(0), "0/0");
  EXPECT_EQ(*ParseLsn("0/0"), 0u);
  EXPECT_EQ(*ParseLsn("00000016/b374d848"), 0x16B374D848ull);
  EXPECT_EQ(*ParseLsn("FFFFFFFF/FFFFFFFF"), ~0ull);
  EXPECT_EQ(FormatLsn(*ParseLsn("0/16D3A50")), "0/16D3A50");
}

TEST(LsnTest, RejectsMalformedText) {
  for (const char* bad :
       {"", "/", "16", "16/", "/1", "1/2/3", "G/0", "123456789/0", "0/-1", " 0/1", "0/1 "}) {
    auto lsn = ParseLsn(bad);
    EXPECT_FALSE(lsn.ok()) << bad;
    if (!lsn.ok()) {
      EXPECT_NE(lsn.status().message().find("invalid LSN"), std::string::npos);
    }
  }
}

TEST(PostgresTimeTest, ConvertsBetweenEpochs) {
  EXPECT_EQ(PostgresMicrosToUnixMicros(0), 946684800000000);
  EXPECT_EQ(UnixMicrosToPostgresMicros(946684800000000), 0);
  // 2026-08-20T10:15:30.123456Z
  int64_t unix_us = 1787220930123456;
  EXPECT_EQ(PostgresMicrosToUnixMicros(UnixMicrosToPostgresMicros(unix_us)), unix_us);
  // Saturates instead of overflowing.
  EXPECT_EQ(PostgresMicrosToUnixMicros(INT64_MAX), INT64_MAX);
  EXPECT_EQ(UnixMicrosToPostgresMicros(INT64_MIN), INT64_MIN);
}

TEST(CopyDataTest, DecodesXLogData) {
  std::string msg = "w" + Be64(0x16D3A50) + Be64(0x16D3A58) + Be64(12345) + "Bpayload";
  auto decoded = DecodeCopyData(msg);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const auto& x = std::get<XLogData>(*decoded);
  EXPECT_EQ(x.wal_start, 0x16D3A50u);
  EXPECT_EQ(x.wal_end, 0x16D3A58u);
  EXPECT_EQ(x.server_time, 12345);
  EXPECT_EQ(x.payload, "Bpayload");
  EXPECT_EQ(x.payload.data(), msg.data() + 25);  // a view into the buffer, not a copy
}

TEST(CopyDataTest, DecodesXLogDataWithEmptyPayload) {
  auto decoded = DecodeCopyData("w" + Be64(1) + Be64(2) + Be64(3));
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(std::get<XLogData>(*decoded).payload.empty());
}

TEST(CopyDataTest, DecodesKeepalive) {
  std::string msg =
      "k" + Be64(0x16B374D848ull) + Be64(static_cast<uint64_t>(-5)) + std::string(1, 1);
  auto decoded = DecodeCopyData(msg);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const auto& k = std::get<PrimaryKeepalive>(*decoded);
  EXPECT_EQ(k.wal_end, 0x16B374D848ull);
  EXPECT_EQ(k.server_time, -5);
  EXPECT_TRUE(k.reply_requested);
  msg.back() = 0;
  EXPECT_FALSE(std::get<PrimaryKeepalive>(*DecodeCopyData(msg)).reply_requested);
}

TEST(CopyDataTest, RejectsTruncatedAndUnknownMessages) {
  EXPECT_FALSE(DecodeCopyData("").ok());
  std::string w = "w" + Be64(1) + Be64(2) + Be64(3);
  for (size_t n = 1; n < w.size(); ++n) {
    auto r = DecodeCopyData(w.substr(0, n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_NE(r.status().message().find("XLogData"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("truncated"), std::string::npos);
  }
  std::string k = "k" + Be64(1) + Be64(2) + std::string(1, 0);
  for (size_t n = 1; n < k.size(); ++n) EXPECT_FALSE(DecodeCopyData(k.substr(0, n)).ok()) << n;
  auto trailing = DecodeCopyData(k + "x");
  ASSERT_FALSE(trailing.ok());
  EXPECT_NE(trailing.status().message().find("trailing"), std::string::npos);
  auto unknown = DecodeCopyData("s1234");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("0x73"), std::string::npos);
}

TEST(StandbyStatusUpdateTest, EncodesTheDocumentedLayout) {
  StandbyStatusUpdate u{0x0102030405060708ull, 0x16B374D848ull, 7, -2, true};
  std::string bytes = EncodeStandbyStatusUpdate(u);
  ASSERT_EQ(bytes.size(), 34u);
  EXPECT_EQ(bytes[0], 'r');
  EXPECT_EQ(bytes.substr(1, 8), Be64(0x0102030405060708ull));
  EXPECT_EQ(bytes.substr(9, 8), Be64(0x16B374D848ull));
  EXPECT_EQ(bytes.substr(17, 8), Be64(7));
  EXPECT_EQ(bytes.substr(25, 8), Be64(static_cast<uint64_t>(-2)));
  EXPECT_EQ(bytes[33], 1);
}

TEST(StandbyStatusUpdateTest, RoundTrips) {
  for (bool reply : {false, true}) {
    StandbyStatusUpdate u{123, 456, 789, UnixMicrosToPostgresMicros(1787220930123456), reply};
    auto back = DecodeStandbyStatusUpdate(EncodeStandbyStatusUpdate(u));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, u);
  }
  EXPECT_FALSE(DecodeStandbyStatusUpdate("r123").ok());
  EXPECT_FALSE(DecodeStandbyStatusUpdate(EncodeStandbyStatusUpdate({}) + "x").ok());
  EXPECT_FALSE(DecodeStandbyStatusUpdate("").ok());
}

}  // namespace
}  // namespace tributary::connectors::pgcdc
