#include "runtime/config/properties.h"

#include <cstdint>
#include <optional>

#include "runtime/config/config_file.h"

namespace tributary::runtime {

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Reads the four hex digits after "\u" at `pos`; nullopt when they are not all there.
std::optional<uint32_t> ReadHex4(std::string_view s, size_t pos) {
  if (pos + 4 > s.size()) return std::nullopt;
  uint32_t v = 0;
  for (size_t i = pos; i < pos + 4; ++i) {
    char c = s[i];
    uint32_t d;
    if (c >= '0' && c <= '9') {
      d = static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    v = v * 16 + d;
  }
  return v;
}

// Java's loadConvert: resolves escapes. Returns false on a malformed \u escape.
bool Unescape(std::string_view s, std::string* out) {
  out->clear();
  out->reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char c = s[i++];
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (i == s.size()) break;  // a lone trailing backslash stands for nothing
    c = s[i++];
    switch (c) {
      case 't':
        out->push_back('\t');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'u': {
        auto unit = ReadHex4(s, i);
        if (!unit) return false;
        i += 4;
        uint32_t cp = *unit;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          // A high surrogate combines with an immediately following \u low surrogate.
          std::optional<uint32_t> low;
          if (i + 1 < s.size() && s[i] == '\\' && s[i + 1] == 'u') low = ReadHex4(s, i + 2);
          if (low && *low >= 0xDC00 && *low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (*low - 0xDC00);
            i += 6;
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD;  // unpaired low surrogate: not representable in UTF-8
        }
        AppendUtf8(cp, out);
        break;
      }
      default:
        out->push_back(c);
    }
  }
  return true;
}

// Counts the backslashes that end `s`.
size_t TrailingBackslashes(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && s[s.size() - 1 - n] == '\\') ++n;
  return n;
}

// Splits a logical line into its raw (still escaped) key and value, as Properties.load does.
void SplitKeyValue(std::string_view line, std::string_view* key, std::string_view* value) {
  size_t key_len = 0;
  size_t value_start = line.size();
  bool has_separator = false;
  bool preceding_backslash = false;
  while (key_len < line.size()) {
    char c = line[key_len];
    if ((c == '=' || c == ':') && !preceding_backslash) {
      value_start = key_len + 1;
      has_separator = true;
      break;
    }
    if (IsBlank(c) && !preceding_backslash) {
      value_start = key_len + 1;
      break;
    }
    preceding_backslash = c == '\\' ? !preceding_backslash : false;
    ++key_len;
  }
  while (value_start < line.size()) {
    char c = line[value_start];
    if (!IsBlank(c)) {
      if (!has_separator && (c == '=' || c == ':')) {
        has_separator = true;
      } else {
        break;
      }
    }
    ++value_start;
  }
  *key = line.substr(0, key_len);
  *value = line.substr(value_start);
}

}  // namespace

Result<ConfigMap> ParseProperties(std::string_view text, std::string_view source_name) {
  ConfigMap result;
  std::string logical;
  int logical_line_number = 0;
  bool continuing = false;

  auto finish_logical = [&]() -> Status {
    std::string_view raw_key;
    std::string_view raw_value;
    SplitKeyValue(logical, &raw_key, &raw_value);
    std::string key;
    std::string value;
    if (!Unescape(raw_key, &key) || !Unescape(raw_value, &value)) {
      return Status::InvalidConfig(std::string(source_name) + ":" +
                                   std::to_string(logical_line_number) +
                                   ": malformed \\uxxxx escape (needs four hex digits)");
    }
    result[std::move(key)] = std::move(value);
    logical.clear();
    return Status::Ok();
  };

  size_t pos = 0;
  int line_number = 0;
  while (pos < text.size()) {
    // Cut one natural line and step past its terminator (\n, \r or \r\n).
    size_t end = pos;
    while (end < text.size() && text[end] != '\n' && text[end] != '\r') ++end;
    std::string_view line = text.substr(pos, end - pos);
    pos = end;
    if (pos < text.size()) {
      if (text[pos] == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ++pos;
      ++pos;
    }
    ++line_number;

    size_t start = 0;
    while (start < line.size() && IsBlank(line[start])) ++start;
    line = line.substr(start);
    if (!continuing) {
      if (line.empty() || line[0] == '#' || line[0] == '!') continue;
      logical_line_number = line_number;
    }
    if (TrailingBackslashes(line) % 2 == 1) {
      logical.append(line.substr(0, line.size() - 1));
      continuing = true;
      continue;
    }
    logical.append(line);
    continuing = false;
    TRIBUTARY_RETURN_IF_ERROR(finish_logical());
  }
  // A continuation at the end of the input ends the last logical line.
  if (continuing) TRIBUTARY_RETURN_IF_ERROR(finish_logical());
  return result;
}

Result<ConfigMap> LoadPropertiesFile(const std::string& path) {
  TRIBUTARY_ASSIGN_OR_RETURN(std::string text, ReadConfigFile(path));
  return ParseProperties(text, path);
}

}  // namespace tributary::runtime
