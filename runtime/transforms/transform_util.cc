#include "runtime/transforms/transform_util.h"

#include <cstdio>
#include <ctime>

#include "runtime/converters/java_format.h"

namespace tributary::runtime::transforms {

SchemaBuilder CopySchemaBasics(const Schema& schema) {
  SchemaBuilder builder(schema.type());
  if (schema.optional()) builder.Optional();
  if (schema.name()) builder.Name(*schema.name());
  if (schema.version()) builder.Version(*schema.version());
  if (schema.doc()) builder.Doc(*schema.doc());
  for (const auto& [k, v] : schema.parameters()) builder.Parameter(k, v);
  return builder;
}

Value* FindInMap(Value::Map& map, std::string_view key) {
  for (MapEntry& entry : map) {
    if (entry.key.kind() == ValueKind::kString && entry.key.as_string() == key) {
      return &entry.value;
    }
  }
  return nullptr;
}

void PutInMap(Value::Map& map, std::string key, Value value) {
  if (Value* existing = FindInMap(map, key)) {
    *existing = std::move(value);
    return;
  }
  map.push_back({Value::String(std::move(key)), std::move(value)});
}

Status RequireMap(const Value& value, const std::string& purpose) {
  if (value.kind() == ValueKind::kMap) return Status::Ok();
  return Status::DataError("Only Map objects supported in absence of schema for [" + purpose +
                           "], found: " + runtime::ValueKindText(value.kind()));
}

Status RequireStruct(const SchemaPtr& schema, const Value& value, const std::string& purpose) {
  if (schema->type() != SchemaType::kStruct || value.kind() != ValueKind::kStruct) {
    return Status::DataError("Only Struct objects supported for [" + purpose +
                             "], found: " + runtime::ValueKindText(value.kind()));
  }
  return Status::Ok();
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(start, end - start);
    size_t b = item.find_first_not_of(" \t");
    size_t e = item.find_last_not_of(" \t");
    if (b != std::string_view::npos) items.emplace_back(item.substr(b, e - b + 1));
    start = end + 1;
  }
  return items;
}

Result<ParsedConfig> ParseTransformConfig(const ConfigDef& def, const ConfigMap& configs) {
  return def.Parse(configs);
}

namespace {

constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                   "May",       "June",     "July",     "August",
                                   "September", "October",  "November", "December"};
constexpr const char* kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                 "Thursday", "Friday", "Saturday"};

// Runs of pattern letters or literal text, as SimpleDateFormat reads a pattern.
struct Token {
  char letter = 0;  // 0: literal
  int count = 0;
  std::string literal;
};

Result<std::vector<Token>> Tokenize(std::string_view pattern) {
  std::vector<Token> tokens;
  for (size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (c == '\'') {
      size_t end = pattern.find('\'', i + 1);
      if (end == std::string_view::npos) {
        return Status::InvalidConfig("Unterminated quote in date pattern: " + std::string(pattern));
      }
      tokens.push_back(
          {0, 0, end == i + 1 ? "'" : std::string(pattern.substr(i + 1, end - i - 1))});
      i = end + 1;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      if (std::string_view("yMdHhmsSaEZXk").find(c) == std::string_view::npos) {
        return Status::InvalidConfig(std::string("Unsupported date pattern letter '") + c +
                                     "' in " + std::string(pattern));
      }
      size_t j = i;
      while (j < pattern.size() && pattern[j] == c) ++j;
      tokens.push_back({c, static_cast<int>(j - i), {}});
      i = j;
    } else {
      tokens.push_back({0, 0, std::string(1, c)});
      ++i;
    }
  }
  return tokens;
}

std::string Pad(int64_t v, int width) {
  std::string s = std::to_string(v < 0 ? -v : v);
  while (static_cast<int>(s.size()) < width) s.insert(s.begin(), '0');
  return v < 0 ? "-" + s : s;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

Status ValidateJavaDatePattern(std::string_view pattern) { return Tokenize(pattern).status(); }

Result<std::string> FormatJavaDate(std::string_view pattern, int64_t epoch_millis) {
  TRIBUTARY_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(pattern));
  int64_t days = FloorDiv(epoch_millis, 86400000);
  int64_t ms_of_day = epoch_millis - days * 86400000;
  // civil_from_days
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t year = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  if (month <= 2) ++year;
  const int64_t hour = ms_of_day / 3600000, minute = ms_of_day / 60000 % 60;
  const int64_t second = ms_of_day / 1000 % 60, milli = ms_of_day % 1000;
  const int64_t weekday = ((days % 7) + 11) % 7;  // 1970-01-01 was a Thursday (4)
  std::string out;
  for (const Token& t : tokens) {
    switch (t.letter) {
      case 0:
        out += t.literal;
        break;
      case 'y':
        out += t.count == 2 ? Pad(year % 100, 2) : Pad(year, t.count);
        break;
      case 'M':
        if (t.count >= 4)
          out += kMonths[month - 1];
        else if (t.count == 3)
          out += std::string(kMonths[month - 1]).substr(0, 3);
        else
          out += Pad(month, t.count);
        break;
      case 'd':
        out += Pad(day, t.count);
        break;
      case 'H':
        out += Pad(hour, t.count);
        break;
      case 'k':
        out += Pad(hour == 0 ? 24 : hour, t.count);
        break;
      case 'h':
        out += Pad(hour % 12 == 0 ? 12 : hour % 12, t.count);
        break;
      case 'm':
        out += Pad(minute, t.count);
        break;
      case 's':
        out += Pad(second, t.count);
        break;
      case 'S':
        out += Pad(milli, t.count);
        break;
      case 'a':
        out += hour < 12 ? "AM" : "PM";
        break;
      case 'E':
        out += t.count >= 4 ? kDays[weekday] : std::string(kDays[weekday]).substr(0, 3);
        break;
      case 'Z':
        out += "+0000";
        break;
      case 'X':
        out += "Z";
        break;
    }
  }
  return out;
}

Result<int64_t> ParseJavaDate(std::string_view pattern, std::string_view text) {
  TRIBUTARY_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(pattern));
  int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, milli = 0;
  bool pm = false, has_ampm = false;
  size_t pos = 0;
  auto fail = [&] {
    return Status::DataError("Could not parse timestamp: value (" + std::string(text) +
                             ") does not match pattern (" + std::string(pattern) + ")");
  };
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.letter == 0) {
      if (text.substr(pos, t.literal.size()) != t.literal) return fail();
      pos += t.literal.size();
      continue;
    }
    if (t.letter == 'a') {
      std::string_view ap = text.substr(pos, 2);
      if (ap != "AM" && ap != "PM") return fail();
      pm = ap == "PM";
      has_ampm = true;
      pos += 2;
      continue;
    }
    if (t.letter == 'Z' || t.letter == 'X') {
      if (text.substr(pos, 1) == "Z") {
        pos += 1;
      } else if (text.substr(pos, 5) == "+0000" || text.substr(pos, 5) == "-0000") {
        pos += 5;
      } else {
        return fail();
      }
      continue;
    }
    if (t.letter == 'E' || (t.letter == 'M' && t.count >= 3)) return fail();
    // Adjacent numeric fields take exactly `count` digits; otherwise as many as there are.
    bool adjacent = i + 1 < tokens.size() && tokens[i + 1].letter != 0;
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' &&
           (!adjacent || pos - start < static_cast<size_t>(t.count))) {
      ++pos;
    }
    if (pos == start) return fail();
    int64_t v = std::stoll(std::string(text.substr(start, pos - start)));
    switch (t.letter) {
      case 'y':
        year = v;
        break;
      case 'M':
        month = v;
        break;
      case 'd':
        day = v;
        break;
      case 'H':
      case 'k':
        hour = v % 24;
        break;
      case 'h':
        hour = v % 12;
        break;
      case 'm':
        minute = v;
        break;
      case 's':
        second = v;
        break;
      case 'S':
        milli = v;
        break;
    }
  }
  if (pos != text.size() || month < 1 || month > 12 || day < 1 || day > 31) return fail();
  if (has_ampm && pm) hour += 12;
  return DaysFromCivil(year, month, day) * 86400000 + hour * 3600000 + minute * 60000 +
         second * 1000 + milli;
}

}  // namespace tributary::runtime::transforms
