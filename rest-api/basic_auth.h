#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/api/status.h"

namespace tributary::rest {

// HTTP Basic authentication against a credentials file (worker key
// `rest.basic.auth.credentials.file`). Each non-empty line that does not start with '#' is
//
//   <user>:pbkdf2-sha256:<iterations>:<base64 salt>:<base64 hash>
//
// where hash = PBKDF2-HMAC-SHA256(password, salt, iterations, 32 bytes). Passwords are never
// stored in plain text; `tributary hash-password` prints such a line. Immutable after loading, so
// Check() is safe from any thread. Nothing here logs a user's password or header.
class BasicAuthenticator {
 public:
  static constexpr int kDefaultIterations = 210000;

  // Reads and parses `path`. InvalidConfig naming the file and line number for a malformed
  // line (the line itself is not echoed), IoError if it cannot be read, InvalidConfig when it
  // holds no user.
  static Result<std::shared_ptr<const BasicAuthenticator>> LoadFile(const std::string& path);
  // Parses credentials text; `origin` names it in errors.
  static Result<std::shared_ptr<const BasicAuthenticator>> Parse(std::string_view text,
                                                                 const std::string& origin);

  // True when `authorization` (the Authorization header value) is `Basic <base64(user:password)>`
  // for a known user and that user's password. The hash comparison is constant-time; an unknown
  // user costs the same PBKDF2 work as a known one.
  bool Check(std::string_view authorization) const;

  // One credentials line for `user` with a fresh random salt. InvalidArgument for a user name
  // that is empty or holds ':' or a line break, or iterations < 1.
  static Result<std::string> HashLine(const std::string& user, const std::string& password,
                                      int iterations = kDefaultIterations);

 private:
  struct Entry {
    int iterations = 0;
    std::string salt;
    std::string hash;
  };
  std::map<std::string, Entry, std::less<>> users_;
};

// Standard base64 (RFC 4648 with padding). Decode: nullopt on malformed input.
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace tributary::rest
