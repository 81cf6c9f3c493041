#include "rest-api/basic_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cctype>
#include <charconv>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

namespace tributary::rest {

namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr int kHashBytes = 32;
constexpr int kSaltBytes = 16;
constexpr const char* kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::optional<std::string> Pbkdf2(std::string_view password, std::string_view salt,
                                  int iterations) {
  std::string out(kHashBytes, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(), kHashBytes,
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    return std::nullopt;
  }
  return out;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t begin = 0;
  while (true) {
    size_t end = text.find(separator, begin);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(begin));
      return parts;
    }
    parts.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                       (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < bytes.size()) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    uint32_t n = 0;
    int padding = 0;
    for (size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      int v;
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        ++padding;
        v = 0;
      } else {
        if (padding > 0) return std::nullopt;  // data after padding
        const char* p = c == '\0' ? nullptr : std::strchr(kAlphabet, c);
        if (p == nullptr) return std::nullopt;
        v = static_cast<int>(p - kAlphabet);
      }
      n = (n << 6) | static_cast<uint32_t>(v);
    }
    out += static_cast<char>((n >> 16) & 0xff);
    if (padding < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (padding < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

Result<std::shared_ptr<const BasicAuthenticator>> BasicAuthenticator::LoadFile(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("Cannot read the REST credentials file " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return Parse(buffer.str(), path);
}

Result<std::shared_ptr<const BasicAuthenticator>> BasicAuthenticator::Parse(
    std::string_view text, const std::string& origin) {
  auto auth = std::shared_ptr<BasicAuthenticator>(new BasicAuthenticator());
  int number = 0;
  for (std::string_view line : Split(text, '\n')) {
    ++number;
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    auto bad = [&](const std::string& why) {
      return Status::InvalidConfig(origin + " line " + std::to_string(number) + ": " + why +
                                   " (expected user:pbkdf2-sha256:<iterations>:<base64 "
                                   "salt>:<base64 hash>, as `tributary hash-password` prints)");
    };
    std::vector<std::string_view> parts = Split(line, ':');
    if (parts.size() != 5) return bad("not five ':'-separated fields");
    if (parts[0].empty()) return bad("empty user name");
    if (parts[1] != kScheme) return bad("unsupported hash scheme");
    Entry entry;
    auto [end, ec] =
        std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), entry.iterations);
    if (ec != std::errc() || end != parts[2].data() + parts[2].size() || entry.iterations < 1) {
      return bad("iterations must be a positive integer");
    }
    std::optional<std::string> salt = Base64Decode(parts[3]);
    std::optional<std::string> hash = Base64Decode(parts[4]);
    if (!salt || salt->empty()) return bad("salt is not base64");
    if (!hash || hash->size() != kHashBytes) return bad("hash is not 32 bytes of base64");
    entry.salt = std::move(*salt);
    entry.hash = std::move(*hash);
    if (!auth->users_.emplace(std::string(parts[0]), std::move(entry)).second) {
      return bad("user listed twice");
    }
  }
  if (auth->users_.empty()) {
    return Status::InvalidConfig("The REST credentials file " + origin + " lists no user");
  }
  return std::shared_ptr<const BasicAuthenticator>(std::move(auth));
}

bool BasicAuthenticator::Check(std::string_view authorization) const {
  authorization = Trim(authorization);
  constexpr std::string_view kBasic = "basic ";
  if (authorization.size() <= kBasic.size()) return false;
  for (size_t i = 0; i < kBasic.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kBasic[i]) return false;
  }
  std::optional<std::string> decoded = Base64Decode(Trim(authorization.substr(kBasic.size())));
  if (!decoded) return false;
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return false;
  const std::string_view user(decoded->data(), colon);
  const std::string_view password(decoded->data() + colon + 1, decoded->size() - colon - 1);
  auto it = users_.find(user);
  // An unknown user is checked against the first entry, so the answer takes as long.
  const Entry& entry = it != users_.end() ? it->second : users_.begin()->second;
  std::optional<std::string> hash = Pbkdf2(password, entry.salt, entry.iterations);
  const bool match =
      hash && CRYPTO_memcmp(hash->data(), entry.hash.data(), static_cast<size_t>(kHashBytes)) == 0;
  OPENSSL_cleanse(decoded->data(), decoded->size());
  return match && it != users_.end();
}

Result<std::string> BasicAuthenticator::HashLine(const std::string& user,
                                                 const std::string& password, int iterations) {
  if (user.empty() || user.find_first_of(":\r\n") != std::string::npos) {
    return Status::InvalidArgument("The user name must be non-empty without ':' or line breaks");
  }
  if (iterations < 1) return Status::InvalidArgument("iterations must be at least 1");
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), kSaltBytes) != 1) {
    return Status::Internal("OpenSSL could not generate a random salt");
  }
  std::optional<std::string> hash = Pbkdf2(password, salt, iterations);
  if (!hash) return Status::Internal("OpenSSL PBKDF2 failed");
  return user + ":" + std::string(kScheme) + ":" + std::to_string(iterations) + ":" +
         Base64Encode(salt) + ":" + Base64Encode(*hash);
}

}  // namespace tributary::rest
