#pragma once

// Internal to decoding/: a bounds-checked big-endian reader over a byte buffer. Every read checks
// the remaining length first; a failed read leaves an error that names the message, what was
// being read and the byte offset, and every later read fails too.

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/api/status.h"

namespace tributary::connectors::pgcdc::internal {

class ByteReader {
 public:
  ByteReader(std::string_view data, const char* message) : data_(data), message_(message) {}

  size_t offset() const { return offset_; }
  size_t remaining() const { return data_.size() - offset_; }
  bool ok() const { return error_.empty(); }
  // The first error, or OK.
  Status status() const { return ok() ? Status::Ok() : Status::InvalidArgument(error_); }

  uint8_t U8(const char* what) {
    if (!Need(1, what)) return 0;
    return static_cast<uint8_t>(data_[offset_++]);
  }
  uint16_t U16(const char* what) { return static_cast<uint16_t>(UInt(2, what)); }
  uint32_t U32(const char* what) { return static_cast<uint32_t>(UInt(4, what)); }
  uint64_t U64(const char* what) { return UInt(8, what); }
  int64_t I64(const char* what) { return static_cast<int64_t>(UInt(8, what)); }
  // `n` raw bytes.
  std::string_view Bytes(size_t n, const char* what) {
    if (!Need(n, what)) return {};
    std::string_view out = data_.substr(offset_, n);
    offset_ += n;
    return out;
  }
  // A NUL-terminated string (the terminator is consumed, not returned).
  std::string_view CString(const char* what) {
    if (!ok()) return {};
    size_t end = data_.find('\0', offset_);
    if (end == std::string_view::npos) {
      Fail(what, "no terminating NUL");
      return {};
    }
    std::string_view out = data_.substr(offset_, end - offset_);
    offset_ = end + 1;
    return out;
  }
  // Records an error at the current offset (only the first one is kept).
  void Fail(const char* what, const std::string& problem) {
    if (!ok()) return;
    error_ = std::string(message_) + ": " + problem + " reading " + what + " at byte " +
             std::to_string(offset_) + " of " + std::to_string(data_.size());
  }
  // Fails unless the whole buffer was consumed.
  void ExpectEnd() {
    if (ok() && remaining() != 0) {
      Fail("end of message", std::to_string(remaining()) + " unexpected trailing byte(s)");
    }
  }

 private:
  // Inlined into every read (several per tuple column); the failure path is kept out of line.
  bool Need(size_t n, const char* what) {
    if (ok() && remaining() >= n) [[likely]] {
      return true;
    }
    return NeedFailed(n, what);
  }
  [[gnu::noinline]] bool NeedFailed(size_t n, const char* what) {
    if (!ok()) return false;
    Fail(what,
         "truncated: need " + std::to_string(n) + " byte(s), have " + std::to_string(remaining()));
    return false;
  }
  uint64_t UInt(size_t n, const char* what) {
    if (!Need(n, what)) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(data_[offset_ + i]);
    offset_ += n;
    return v;
  }

  std::string_view data_;
  const char* message_;
  size_t offset_ = 0;
  std::string error_;
};

inline void AppendU64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

}  // namespace tributary::connectors::pgcdc::internal
