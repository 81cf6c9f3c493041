#include "connectors/postgres_cdc/decoding/pg_types.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "connectors/common/value_json.h"

namespace tributary::connectors::pgcdc {

namespace {

// ---------------------------------------------------------------------------------------------
// Small text helpers.

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

// A cursor over text with the parse steps the date/time formats need. Each step returns false on
// a mismatch; the caller turns that into one error for the whole value.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : s_(text) {}
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  bool Eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  bool EatWord(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  void SkipSpaces() {
    while (peek() == ' ') ++i_;
  }
  // Exactly `n` digits (n > 0), or at least min digits when n == 0.
  bool Digits(int64_t& out, size_t n, size_t min = 1, size_t max = 18) {
    size_t start = i_;
    int64_t v = 0;
    while (IsDigit(peek()) && (n == 0 ? i_ - start < max : i_ - start < n)) {
      v = v * 10 + (s_[i_] - '0');
      ++i_;
    }
    size_t count = i_ - start;
    if (n != 0 ? count != n : count < min) return false;
    out = v;
    return true;
  }
  // ".ffffff" (1-9 digits) as microseconds (digits beyond 6 truncated); 0 when absent.
  bool Fraction(int64_t& micros, int& digits) {
    micros = 0;
    digits = 0;
    if (!Eat('.')) return true;
    size_t start = i_;
    while (IsDigit(peek()) && i_ - start < 9) {
      if (digits < 6) {
        micros = micros * 10 + (s_[i_] - '0');
        ++digits;
      }
      ++i_;
    }
    if (i_ == start) return false;
    for (int d = digits; d < 6; ++d) micros *= 10;
    return true;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

// Days since 1970-01-01 of a proleptic Gregorian date (year 0 = 1 BC).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp + (mp < 10 ? 3 : -9);
  y += m <= 2;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool ValidDate(int64_t y, int64_t m, int64_t d) {
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int64_t max = kDays[m - 1];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) max = 29;
  return d <= max;
}

// "YYYY-MM-DD" (year 4+ digits) at the cursor; returns the proleptic year, month, day without
// applying " BC" (which follows the whole value).
bool ParseDatePart(Cursor& c, int64_t& y, int64_t& m, int64_t& d) {
  return c.Digits(y, 0, 4, 9) && c.Eat('-') && c.Digits(m, 2) && c.Eat('-') && c.Digits(d, 2);
}

// "HH:MM:SS[.ffffff]" as microseconds since midnight (24:00:00 allowed).
bool ParseTimePart(Cursor& c, int64_t& micros, int& fraction_digits) {
  int64_t h, mi, s, f;
  if (!c.Digits(h, 2) || !c.Eat(':') || !c.Digits(mi, 2) || !c.Eat(':') || !c.Digits(s, 2) ||
      !c.Fraction(f, fraction_digits)) {
    return false;
  }
  if (h > 24 || mi > 59 || s > 60 || (h == 24 && (mi != 0 || s != 0 || f != 0))) return false;
  micros = ((h * 60 + mi) * 60 + s) * kMicrosPerSecond + f;
  return true;
}

// "+HH[:MM[:SS]]" / "-HH…" as seconds east of UTC.
bool ParseOffset(Cursor& c, int64_t& seconds) {
  int sign;
  if (c.Eat('+')) {
    sign = 1;
  } else if (c.Eat('-')) {
    sign = -1;
  } else {
    return false;
  }
  int64_t h, m = 0, s = 0;
  if (!c.Digits(h, 2)) return false;
  if (c.Eat(':')) {
    if (!c.Digits(m, 2)) return false;
    if (c.Eat(':') && !c.Digits(s, 2)) return false;
  }
  if (h > 15 || m > 59 || s > 59) return false;
  seconds = sign * (h * 3600 + m * 60 + s);
  return true;
}

// Applies " BC" to a parsed year: 1 BC is proleptic year 0.
bool ApplyEra(Cursor& c, int64_t& year) {
  if (c.EatWord(" BC")) {
    if (year < 1) return false;
    year = 1 - year;
  }
  return c.done();
}

// Java's ISO_LOCAL_DATE year: 4 digits zero-padded, '+' above 9999, '-' for negative years.
std::string FormatYear(int64_t y) {
  std::string digits = std::to_string(y < 0 ? -y : y);
  while (digits.size() < 4) digits.insert(0, "0");
  if (y < 0) return "-" + digits;
  if (y > 9999) return "+" + digits;
  return digits;
}

std::string Pad2(int64_t v) {
  std::string s = std::to_string(v);
  return s.size() < 2 ? "0" + s : s;
}

// Fraction of a second from microseconds: exactly `width` digits when width is 1..9, else the
// shortest form without trailing zeros (nothing when zero), as Java's ISO formatters print it.
std::string FormatFraction(int64_t micros, int width) {
  std::string digits = std::to_string(micros);
  while (digits.size() < 6) digits.insert(0, "0");
  if (width >= 1 && width <= 9) {
    digits.resize(static_cast<size_t>(width), '0');
    return "." + digits;
  }
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return digits.empty() ? "" : "." + digits;
}

std::string FormatTimeOfDay(int64_t micros, int fraction_width) {
  int64_t secs = micros / kMicrosPerSecond;
  return Pad2(secs / 3600) + ":" + Pad2(secs / 60 % 60) + ":" + Pad2(secs % 60) +
         FormatFraction(micros % kMicrosPerSecond, fraction_width);
}

// ---------------------------------------------------------------------------------------------
// Schemas.

SchemaBuilder Named(SchemaBuilder builder, const char* name) {
  builder.Name(name).Version(1);
  return builder;
}

constexpr const char* kVariableScaleDecimal = "io.debezium.data.VariableScaleDecimal";

// Values of the builtin array types that Debezium captures, by array OID -> element OID.
struct ArrayOid {
  uint32_t array;
  uint32_t element;
};
constexpr ArrayOid kArrayOids[] = {
    {1000, oid::kBool},      {1001, oid::kBytea},     {1002, oid::kChar},
    {1003, oid::kName},      {1016, oid::kInt8},      {1005, oid::kInt2},
    {1007, oid::kInt4},      {1009, oid::kText},      {1028, oid::kOid},
    {199, oid::kJson},       {143, oid::kXml},        {651, oid::kCidr},
    {1021, oid::kFloat4},    {1022, oid::kFloat8},    {791, oid::kMoney},
    {1040, oid::kMacaddr},   {775, oid::kMacaddr8},   {1041, oid::kInet},
    {1014, oid::kBpchar},    {1015, oid::kVarchar},   {1182, oid::kDate},
    {1183, oid::kTime},      {1115, oid::kTimestamp}, {1185, oid::kTimestamptz},
    {1187, oid::kInterval},  {1270, oid::kTimetz},    {1561, oid::kBit},
    {1563, oid::kVarbit},    {1231, oid::kNumeric},   {2951, oid::kUuid},
    {3807, oid::kJsonb},     {3905, oid::kInt4range}, {3907, oid::kNumrange},
    {3909, oid::kTsrange},   {3911, oid::kTstzrange}, {3913, oid::kDaterange},
    {3927, oid::kInt8range}, {1017, oid::kPoint},
};

std::string BuiltinTypeName(uint32_t type_oid) {
  switch (type_oid) {
    case oid::kBool:
      return "bool";
    case oid::kBytea:
      return "bytea";
    case oid::kChar:
      return "char";
    case oid::kName:
      return "name";
    case oid::kInt8:
      return "int8";
    case oid::kInt2:
      return "int2";
    case oid::kInt4:
      return "int4";
    case oid::kText:
      return "text";
    case oid::kOid:
      return "oid";
    case oid::kXid:
      return "xid";
    case oid::kJson:
      return "json";
    case oid::kXml:
      return "xml";
    case oid::kPoint:
      return "point";
    case oid::kCidr:
      return "cidr";
    case oid::kFloat4:
      return "float4";
    case oid::kFloat8:
      return "float8";
    case oid::kMacaddr8:
      return "macaddr8";
    case oid::kMoney:
      return "money";
    case oid::kMacaddr:
      return "macaddr";
    case oid::kInet:
      return "inet";
    case oid::kBpchar:
      return "bpchar";
    case oid::kVarchar:
      return "varchar";
    case oid::kDate:
      return "date";
    case oid::kTime:
      return "time";
    case oid::kTimestamp:
      return "timestamp";
    case oid::kTimestamptz:
      return "timestamptz";
    case oid::kInterval:
      return "interval";
    case oid::kTimetz:
      return "timetz";
    case oid::kBit:
      return "bit";
    case oid::kVarbit:
      return "varbit";
    case oid::kNumeric:
      return "numeric";
    case oid::kUuid:
      return "uuid";
    case oid::kJsonb:
      return "jsonb";
    default:
      return "";
  }
}

// Declared fractional-second precision of time/timestamp types (typmod), -1 when not declared.
int32_t TimePrecision(int32_t modifier) { return modifier >= 0 && modifier <= 6 ? modifier : -1; }

struct MappingResult {
  SchemaBuilder builder = SchemaBuilder::String();
  ColumnMapping mapping;
};

Status Unsupported(const ColumnDescriptor& column, const std::string& type_name) {
  return Status::NotFound("column " + column.name + ": type " + type_name +
                          " is not supported (set include.unknown.datatypes=true to capture it "
                          "as text)");
}

// Fills `m` (conversion + parameters) and returns the schema builder for `type`, or an error.
// `array_element` is true while mapping the element of an array (some types are not captured in
// arrays, as with Debezium).
Result<SchemaBuilder> MapType(const ColumnDescriptor& column, const PgType& type,
                              const TypeMappingOptions& options, bool array_element,
                              ColumnMapping& m) {
  m.decimal_mode = options.decimal_mode;
  m.time_mode = options.time_precision_mode;
  m.binary_mode = options.binary_mode;
  m.interval_mode = options.interval_mode;
  m.hstore_mode = options.hstore_mode;
  const int32_t mod = type.modifier;
  std::string name = BuiltinTypeName(type.oid);
  if (name.empty()) name = type.name.empty() ? "oid " + std::to_string(type.oid) : type.name;
  m.type_name = name;

  auto unknown = [&]() -> Result<SchemaBuilder> {
    if (!options.include_unknown_datatypes) return Unsupported(column, name);
    m.conversion = ValueConversion::kString;
    return SchemaBuilder::String();
  };

  switch (type.oid) {
    case oid::kBool:
      m.conversion = ValueConversion::kBoolean;
      return SchemaBuilder::Bool();
    case oid::kInt2:
      m.conversion = ValueConversion::kInt16;
      return SchemaBuilder::Int16();
    case oid::kInt4:
      m.conversion = ValueConversion::kInt32;
      return SchemaBuilder::Int32();
    case oid::kInt8:
    case oid::kOid:
    case oid::kXid:
      m.conversion = ValueConversion::kInt64;
      return SchemaBuilder::Int64();
    case oid::kFloat4:
      m.conversion = ValueConversion::kFloat32;
      return SchemaBuilder::Float32();
    case oid::kFloat8:
      m.conversion = ValueConversion::kFloat64;
      return SchemaBuilder::Float64();
    case oid::kNumeric:
    case oid::kMoney: {
      bool money = type.oid == oid::kMoney;
      if (money && array_element) return unknown();
      int32_t precision = 0;
      int32_t scale = 0;
      bool fixed = money;
      if (money) {
        scale = options.money_fraction_digits;
      } else if (mod >= 4) {
        // typmod = ((precision << 16) | (scale & 0x7ff)) + 4; the scale is an 11-bit signed value.
        int32_t t = mod - 4;
        precision = (t >> 16) & 0xffff;
        scale = ((t & 0x7ff) ^ 1024) - 1024;
        fixed = true;
      }
      m.scale = scale;
      m.conversion = fixed ? ValueConversion::kDecimal : ValueConversion::kVariableDecimal;
      switch (options.decimal_mode) {
        case DecimalHandlingMode::kDouble:
          return SchemaBuilder::Float64();
        case DecimalHandlingMode::kString:
          return SchemaBuilder::String();
        case DecimalHandlingMode::kPrecise:
          break;
      }
      if (!fixed) {
        // VariableScaleDecimal is a struct; the caller's optional flag is applied by rebuilding.
        SchemaBuilder b = SchemaBuilder::Struct();
        b.Name(kVariableScaleDecimal).Version(1).Doc("Variable scaled decimal");
        b.AddField("scale", schemas::Int32()).AddField("value", schemas::Bytes());
        return b;
      }
      SchemaBuilder b = Decimal::Builder(scale);
      b.Version(1);
      if (!money) b.Parameter("connect.decimal.precision", std::to_string(precision));
      return b;
    }
    case oid::kChar:
    case oid::kBpchar:
    case oid::kVarchar:
    case oid::kText:
    case oid::kInet:
    case oid::kCidr:
    case oid::kMacaddr:
    case oid::kMacaddr8:
    case oid::kInt4range:
    case oid::kInt8range:
    case oid::kNumrange:
    case oid::kTsrange:
    case oid::kTstzrange:
    case oid::kDaterange:
      m.conversion = ValueConversion::kString;
      return SchemaBuilder::String();
    case oid::kName:
      if (array_element) return unknown();
      m.conversion = ValueConversion::kString;
      return SchemaBuilder::String();
    case oid::kJson:
    case oid::kJsonb:
      m.conversion = ValueConversion::kString;
      return Named(SchemaBuilder::String(), "io.debezium.data.Json");
    case oid::kXml:
      if (array_element) return unknown();
      m.conversion = ValueConversion::kString;
      return Named(SchemaBuilder::String(), "io.debezium.data.Xml");
    case oid::kUuid:
      m.conversion = ValueConversion::kString;
      return Named(SchemaBuilder::String(), "io.debezium.data.Uuid");
    case oid::kBytea:
      m.conversion = ValueConversion::kBytes;
      return options.binary_mode == BinaryHandlingMode::kBytes ? SchemaBuilder::Bytes()
                                                               : SchemaBuilder::String();
    case oid::kBit:
    case oid::kVarbit: {
      if (type.oid == oid::kVarbit && array_element) return unknown();
      // bit(n) typmod is n; varbit typmod is the maximum length (-1: unbounded).
      int32_t length = mod > 0 ? mod : (type.oid == oid::kBit ? 1 : -1);
      if (length == 1) {
        m.conversion = ValueConversion::kBit1;
        return SchemaBuilder::Bool();
      }
      m.conversion = ValueConversion::kBits;
      m.bit_length = length > 0 ? length : 0;
      SchemaBuilder b = Named(SchemaBuilder::Bytes(), "io.debezium.data.Bits");
      b.Parameter("length",
                  std::to_string(length > 0 ? length : std::numeric_limits<int32_t>::max()));
      return b;
    }
    case oid::kDate:
      m.conversion = ValueConversion::kDate;
      if (options.time_precision_mode == TimePrecisionMode::kConnect) {
        SchemaBuilder b = Date::Builder();
        b.Version(1);
        return b;
      }
      return Named(SchemaBuilder::Int32(), "io.debezium.time.Date");
    case oid::kTime: {
      m.conversion = ValueConversion::kTime;
      m.precision = TimePrecision(mod);
      if (options.time_precision_mode == TimePrecisionMode::kConnect) {
        SchemaBuilder b = Time::Builder();
        b.Version(1);
        return b;
      }
      int32_t p = m.precision < 0 ? 6 : m.precision;
      if (options.time_precision_mode == TimePrecisionMode::kAdaptive && p <= 3) {
        return Named(SchemaBuilder::Int32(), "io.debezium.time.Time");
      }
      return Named(SchemaBuilder::Int64(), "io.debezium.time.MicroTime");
    }
    case oid::kTimestamp: {
      m.conversion = ValueConversion::kTimestamp;
      m.precision = TimePrecision(mod);
      if (options.time_precision_mode == TimePrecisionMode::kConnect) {
        SchemaBuilder b = Timestamp::Builder();
        b.Version(1);
        return b;
      }
      int32_t p = m.precision < 0 ? 6 : m.precision;
      if (p <= 3) return Named(SchemaBuilder::Int64(), "io.debezium.time.Timestamp");
      return Named(SchemaBuilder::Int64(), "io.debezium.time.MicroTimestamp");
    }
    case oid::kTimestamptz:
      m.conversion = ValueConversion::kTimestamptz;
      m.precision = TimePrecision(mod);
      return Named(SchemaBuilder::String(), "io.debezium.time.ZonedTimestamp");
    case oid::kTimetz:
      m.conversion = ValueConversion::kTimetz;
      m.precision = TimePrecision(mod);
      return Named(SchemaBuilder::String(), "io.debezium.time.ZonedTime");
    case oid::kInterval:
      if (array_element) return unknown();
      m.conversion = ValueConversion::kInterval;
      if (options.interval_mode == IntervalHandlingMode::kString) {
        return Named(SchemaBuilder::String(), "io.debezium.time.Interval");
      }
      return Named(SchemaBuilder::Int64(), "io.debezium.time.MicroDuration");
    case oid::kPoint:
      return unknown();
    default:
      break;
  }

  // Not a built-in scalar: arrays, enums, domains, extension types by name.
  if (auto element_oid = BuiltinArrayElementOid(type.oid);
      element_oid.has_value() || type.element != nullptr) {
    if (array_element) return unknown();  // nested arrays are not a type of their own
    PgType element;
    if (element_oid.has_value()) {
      element.oid = *element_oid;
      element.modifier = mod;  // an array column's typmod applies to its elements
    } else {
      element = *type.element;
      if (element.modifier < 0) element.modifier = mod;
    }
    auto element_mapping = std::make_shared<ColumnMapping>();
    element_mapping->column = column.name;
    auto element_builder =
        MapType(column, element, options, /*array_element=*/true, *element_mapping);
    if (!element_builder.ok()) {
      if (element_builder.status().code() == StatusCode::kNotFound &&
          options.include_unknown_datatypes) {
        m.conversion = ValueConversion::kString;
        return SchemaBuilder::String();
      }
      return element_builder.status();
    }
    element_builder->Optional();
    TRIBUTARY_ASSIGN_OR_RETURN(element_mapping->schema, element_builder->Build());
    m.conversion = ValueConversion::kArray;
    m.type_name = element_mapping->type_name + "[]";
    m.element = element_mapping;
    return SchemaBuilder::Array(element_mapping->schema);
  }
  if (type.typtype == 'e' || !type.enum_labels.empty()) {
    m.conversion = ValueConversion::kString;
    SchemaBuilder b = Named(SchemaBuilder::String(), "io.debezium.data.Enum");
    b.Parameter("allowed", Join(type.enum_labels, ","));
    return b;
  }
  if (type.base != nullptr) {
    // A domain maps as its base type (with the domain's modifier when the column has none).
    PgType base = *type.base;
    if (base.modifier < 0) base.modifier = mod;
    return MapType(column, base, options, array_element, m);
  }
  std::string lower = Lower(type.name);
  if (lower == "citext") {
    m.conversion = ValueConversion::kString;
    return SchemaBuilder::String();
  }
  if (lower == "ltree") {
    m.conversion = ValueConversion::kString;
    return Named(SchemaBuilder::String(), "io.debezium.data.Ltree");
  }
  if (lower == "hstore" && !array_element) {
    m.conversion = ValueConversion::kHstore;
    if (options.hstore_mode == HstoreHandlingMode::kMap) {
      return SchemaBuilder::Map(schemas::String(), schemas::OptionalString());
    }
    return Named(SchemaBuilder::String(), "io.debezium.data.Json");
  }
  return unknown();
}

// A literal column default as pg_get_expr prints it: 'text'::type, 42, -1.5, true, or nullopt
// for anything else (function calls, expressions).
std::optional<std::string> LiteralDefault(std::string_view expr) {
  // Strip trailing casts ("::character varying", "::text[]").
  std::string_view e = expr;
  if (!e.empty() && e.front() == '\'') {
    std::string out;
    size_t i = 1;
    for (; i < e.size(); ++i) {
      if (e[i] == '\'') {
        if (i + 1 < e.size() && e[i + 1] == '\'') {
          out.push_back('\'');
          ++i;
          continue;
        }
        break;
      }
      out.push_back(e[i]);
    }
    if (i >= e.size()) return std::nullopt;
    std::string_view rest = e.substr(i + 1);
    if (!rest.empty() && rest.substr(0, 2) != "::") return std::nullopt;
    return out;
  }
  size_t cast = e.find("::");
  std::string_view core = e.substr(0, cast);
  if (core.size() > 2 && core.front() == '(' && core.back() == ')') {
    core = core.substr(1, core.size() - 2);
  }
  if (core == "true" || core == "false") return std::string(core);
  if (core.empty()) return std::nullopt;
  for (size_t i = 0; i < core.size(); ++i) {
    char c = core[i];
    if (!(IsDigit(c) || c == '.' || (i == 0 && c == '-') || c == 'e' || c == 'E')) {
      return std::nullopt;
    }
  }
  return std::string(core);
}

// ---------------------------------------------------------------------------------------------
// Conversions of one value's text.

Status BadValue(const ColumnMapping& m, std::string_view text, const std::string& reason) {
  std::string shown(text.substr(0, 200));
  if (text.size() > 200) shown += "…";
  return Status::DataError("column " + m.column + " (" + m.type_name + "): cannot convert '" +
                           shown + "': " + reason);
}

template <typename T>
bool ParseInt(std::string_view text, T& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool ParseDouble(std::string_view text, double& out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  // Fast path for what PostgreSQL prints (plain decimal / exponent notation, every streamed float
  // goes through here): from_chars rounds correctly, as strtod; anything it does not take
  // completely (overflow, a '+' sign, special values) goes the strtod way below.
  if (IsDigit(text[0]) || (text[0] == '-' && text.size() > 1 && IsDigit(text[1]))) {
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    if (ec == std::errc() && ptr == end) return true;
  }
  std::string s(text);
  std::string lower = Lower(s);
  if (lower == "nan") {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (lower == "infinity") {
    out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (lower == "-infinity") {
    out = -std::numeric_limits<double>::infinity();
    return true;
  }
  // Only plain decimal / exponent notation (no hex floats, no "inf" spellings strtod allows).
  for (char c : s) {
    if (!(IsDigit(c) || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) return false;
  }
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

// Brings a decimal to `scale` (padding with zeros); false if that would lose digits.
bool Rescale(DecimalValue& d, int32_t scale) {
  if (d.scale == scale) return true;
  if (d.scale < scale) {
    if (scale - d.scale > 1000) return false;
    if (d.unscaled != "0" && d.unscaled != "-0") d.unscaled.append(scale - d.scale, '0');
    d.scale = scale;
    return true;
  }
  // Only trailing zeros may be dropped.
  int32_t drop = d.scale - scale;
  std::string& u = d.unscaled;
  size_t digits = u.size() - (u[0] == '-' ? 1 : 0);
  if (static_cast<size_t>(drop) > digits) {
    if (std::all_of(u.begin() + (u[0] == '-'), u.end(), [](char c) { return c == '0'; })) {
      u = "0";
      d.scale = scale;
      return true;
    }
    return false;
  }
  for (int32_t i = 0; i < drop; ++i) {
    if (u[u.size() - 1 - i] != '0') return false;
  }
  u.resize(u.size() - drop);
  if (u.empty() || u == "-") u = "0";
  d.scale = scale;
  return true;
}

// A plain decimal text ("-12.340"): digits, at most one '.', optional leading '-'.
bool PlainDecimal(std::string_view text) {
  if (text.empty()) return false;
  size_t i = text[0] == '-' ? 1 : 0;
  bool digit = false;
  bool dot = false;
  for (; i < text.size(); ++i) {
    if (IsDigit(text[i])) {
      digit = true;
    } else if (text[i] == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digit;
}

Result<Value> ConvertNumeric(const ColumnMapping& m, std::string_view text, bool optional) {
  std::string cleaned;
  bool money = m.type_name == "money";
  if (money) {
    // money's output depends on lc_monetary: "$1,234.56", "-$1,234.56", "($1.00)". Keep the
    // digits, the decimal point and the sign.
    bool negative = false;
    for (char c : text) {
      if (IsDigit(c) || c == '.') {
        cleaned.push_back(c);
      } else if (c == '-' || c == '(') {
        negative = true;
      }
    }
    if (negative) cleaned.insert(0, "-");
  } else {
    cleaned.assign(text);
  }
  // Special values (numeric only).
  enum { kFinite, kNaN, kPosInf, kNegInf } special = kFinite;
  if (!money) {
    if (text == "NaN") special = kNaN;
    if (text == "Infinity") special = kPosInf;
    if (text == "-Infinity") special = kNegInf;
  }
  if (special == kFinite && !PlainDecimal(cleaned)) return BadValue(m, text, "not a number");
  switch (m.decimal_mode) {
    case DecimalHandlingMode::kDouble: {
      if (special == kNaN) return Value::Float64(std::numeric_limits<double>::quiet_NaN());
      if (special == kPosInf) return Value::Float64(std::numeric_limits<double>::infinity());
      if (special == kNegInf) return Value::Float64(-std::numeric_limits<double>::infinity());
      double d;
      if (!ParseDouble(cleaned, d)) return BadValue(m, text, "not a number");
      return Value::Float64(d);
    }
    case DecimalHandlingMode::kString:
      if (special == kNaN) return Value::String("NAN");
      if (special == kPosInf) return Value::String("POSITIVE_INFINITY");
      if (special == kNegInf) return Value::String("NEGATIVE_INFINITY");
      return Value::String(cleaned);
    case DecimalHandlingMode::kPrecise:
      break;
  }
  if (special != kFinite) {
    if (optional) return Value::Null();
    return BadValue(m, text,
                    "NaN and Infinity cannot be represented as a decimal "
                    "(use decimal.handling.mode=double or string)");
  }
  auto parsed = DecimalValue::Parse(cleaned);
  if (!parsed.ok()) return BadValue(m, text, parsed.status().message());
  DecimalValue d = std::move(parsed).value();
  if (m.conversion == ValueConversion::kDecimal) {
    if (!Rescale(d, m.scale)) {
      return BadValue(m, text, "has more fractional digits than scale " + std::to_string(m.scale));
    }
    return Value::DecimalValue(std::move(d));
  }
  if (d.scale < 0 && !Rescale(d, 0)) return BadValue(m, text, "bad scale");
  Struct s(m.schema);
  (void)s.Put("scale", Value::Int32(d.scale));
  (void)s.Put("value", Value::BytesValue(d.UnscaledBytes()));
  return Value::StructValue(std::move(s));
}

std::string EncodeBinary(const Bytes& bytes, BinaryHandlingMode mode) {
  switch (mode) {
    case BinaryHandlingMode::kBase64:
      return Base64Encode(bytes);
    case BinaryHandlingMode::kBase64UrlSafe: {
      std::string out = Base64Encode(bytes);
      for (char& c : out) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
      }
      return out;
    }
    case BinaryHandlingMode::kHex: {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string out;
      out.reserve(bytes.size() * 2);
      for (uint8_t b : bytes) {
        out.push_back(kHex[b >> 4]);
        out.push_back(kHex[b & 15]);
      }
      return out;
    }
    case BinaryHandlingMode::kBytes:
      break;
  }
  return std::string(AsText(bytes));
}

Result<Value> ConvertBits(const ColumnMapping& m, std::string_view text) {
  if (text.empty() && m.conversion == ValueConversion::kBit1) {
    return BadValue(m, text, "empty bit string");
  }
  for (char c : text) {
    if (c != '0' && c != '1') return BadValue(m, text, "not a bit string");
  }
  if (m.conversion == ValueConversion::kBit1) {
    return Value::Boolean(text.find('1') != std::string_view::npos);
  }
  // The rightmost character is bit 0; bytes are little-endian (byte 0 holds bits 0-7), as
  // Debezium's java.util.BitSet conversion produces them.
  size_t len = text.size();
  Bytes bytes((len + 7) / 8, 0);
  for (size_t i = 0; i < len; ++i) {
    if (text[len - 1 - i] == '1') bytes[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
  }
  return Value::BytesValue(std::move(bytes));
}

// Debezium's sentinels for timestamp ±infinity (epoch millis of Java's LocalDateTime MAX/MIN
// as Debezium computes them), used for both millisecond and microsecond timestamps.
constexpr int64_t kPositiveInfinityTimestamp = 9223372036825200000LL;
constexpr int64_t kNegativeInfinityTimestamp = -9223372036832400000LL;

Result<Value> ConvertDate(const ColumnMapping& m, std::string_view text) {
  if (text == "infinity") return Value::Int32(std::numeric_limits<int32_t>::max());
  if (text == "-infinity") return Value::Int32(std::numeric_limits<int32_t>::min());
  Cursor c(text);
  int64_t y, mo, d;
  if (!ParseDatePart(c, y, mo, d) || !ApplyEra(c, y) || !ValidDate(y, mo, d)) {
    return BadValue(m, text, "expected YYYY-MM-DD");
  }
  return Value::Int32(static_cast<int32_t>(DaysFromCivil(y, mo, d)));
}

Result<Value> ConvertTime(const ColumnMapping& m, std::string_view text) {
  Cursor c(text);
  int64_t micros;
  int digits;
  if (!ParseTimePart(c, micros, digits) || !c.done()) {
    return BadValue(m, text, "expected HH:MM:SS[.ffffff]");
  }
  if (m.schema->type() == SchemaType::kInt32) {
    return Value::Int32(static_cast<int32_t>(micros / 1000));
  }
  return Value::Int64(micros);
}

// "YYYY-MM-DD HH:MM:SS[.ffffff][+offset][ BC]" -> Unix microseconds (UTC when no offset).
bool ParseTimestamp(std::string_view text, bool with_zone, int64_t& unix_micros) {
  Cursor c(text);
  int64_t y, mo, d, tod, offset = 0;
  int digits;
  if (!ParseDatePart(c, y, mo, d) || !c.Eat(' ') || !ParseTimePart(c, tod, digits)) return false;
  if (with_zone && !ParseOffset(c, offset)) return false;
  if (!ApplyEra(c, y) || !ValidDate(y, mo, d)) return false;
  unix_micros = DaysFromCivil(y, mo, d) * kMicrosPerDay + tod - offset * kMicrosPerSecond;
  return true;
}

Result<Value> ConvertTimestamp(const ColumnMapping& m, std::string_view text) {
  bool millis = m.time_mode == TimePrecisionMode::kConnect ||
                (m.schema->name().has_value() && *m.schema->name() == "io.debezium.time.Timestamp");
  if (text == "infinity") return Value::Int64(kPositiveInfinityTimestamp);
  if (text == "-infinity") return Value::Int64(kNegativeInfinityTimestamp);
  int64_t micros;
  if (!ParseTimestamp(text, false, micros)) {
    return BadValue(m, text, "expected YYYY-MM-DD HH:MM:SS[.ffffff]");
  }
  return Value::Int64(millis ? FloorDiv(micros, 1000) : micros);
}

Result<Value> ConvertTimestamptz(const ColumnMapping& m, std::string_view text) {
  if (text == "infinity" || text == "-infinity") return Value::String(std::string(text));
  int64_t micros;
  if (!ParseTimestamp(text, true, micros)) {
    return BadValue(m, text, "expected YYYY-MM-DD HH:MM:SS[.ffffff]+HH[:MM]");
  }
  int64_t days = FloorDiv(micros, kMicrosPerDay);
  int64_t tod = micros - days * kMicrosPerDay;
  int64_t y, mo, d;
  CivilFromDays(days, y, mo, d);
  return Value::String(FormatYear(y) + "-" + Pad2(mo) + "-" + Pad2(d) + "T" +
                       FormatTimeOfDay(tod, m.precision) + "Z");
}

Result<Value> ConvertTimetz(const ColumnMapping& m, std::string_view text) {
  Cursor c(text);
  int64_t tod, offset;
  int digits;
  if (!ParseTimePart(c, tod, digits) || !ParseOffset(c, offset) || !c.done()) {
    return BadValue(m, text, "expected HH:MM:SS[.ffffff]+HH[:MM]");
  }
  int64_t utc = tod - offset * kMicrosPerSecond;
  utc = ((utc % kMicrosPerDay) + kMicrosPerDay) % kMicrosPerDay;
  // ISO_OFFSET_TIME: shortest fraction.
  return Value::String(FormatTimeOfDay(utc, -1) + "Z");
}

// IntervalStyle=postgres: "[N year[s]] [N mon[s]] [N day[s]] [[+-]HH:MM:SS[.ffffff]]".
Result<Value> ConvertInterval(const ColumnMapping& m, std::string_view text) {
  int64_t years = 0, months = 0, days = 0;
  int64_t time_micros = 0;  // signed
  bool any = false;
  size_t i = 0;
  auto fail = [&]() { return BadValue(m, text, "expected IntervalStyle postgres output"); };
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size()) break;
    size_t start = i;
    if (text[i] == '-' || text[i] == '+') ++i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    std::string_view number = text.substr(start, i - start);
    if (i < text.size() && text[i] == ':') {
      // The time part.
      bool negative = !number.empty() && number[0] == '-';
      std::string_view hours_text = number;
      if (!hours_text.empty() && (hours_text[0] == '-' || hours_text[0] == '+')) {
        hours_text.remove_prefix(1);
      }
      int64_t hours;
      if (hours_text.empty() || !ParseInt(hours_text, hours) || hours > 2562047788) return fail();
      Cursor c(text.substr(i));
      int64_t mi, s, f;
      int digits;
      if (!c.Eat(':') || !c.Digits(mi, 2) || !c.Eat(':') || !c.Digits(s, 2) ||
          !c.Fraction(f, digits) || !c.done() || mi > 59 || s > 59) {
        return fail();
      }
      time_micros = ((hours * 60 + mi) * 60 + s) * kMicrosPerSecond + f;
      if (negative) time_micros = -time_micros;
      any = true;
      break;
    }
    int64_t n;
    if (number.empty() || !ParseInt(number[0] == '+' ? number.substr(1) : number, n) ||
        n > std::numeric_limits<int32_t>::max() || n < std::numeric_limits<int32_t>::min()) {
      return fail();
    }
    if (i >= text.size() || text[i] != ' ') return fail();
    ++i;
    size_t unit_start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    if (unit == "year" || unit == "years") {
      years += n;
    } else if (unit == "mon" || unit == "mons") {
      months += n;
    } else if (unit == "day" || unit == "days") {
      days += n;
    } else {
      return fail();
    }
    any = true;
  }
  if (!any) return fail();
  // As pgjdbc's PGInterval reads it: years and months as written, the time part into h/m/s
  // carrying its sign.
  const int64_t y = years;
  const int64_t mo = months;
  int64_t abs_time = time_micros < 0 ? -time_micros : time_micros;
  int64_t sign = time_micros < 0 ? -1 : 1;
  int64_t h = sign * (abs_time / (3600 * kMicrosPerSecond));
  int64_t mi = sign * (abs_time / (60 * kMicrosPerSecond) % 60);
  int64_t sec_micros = sign * (abs_time % (60 * kMicrosPerSecond));
  if (m.interval_mode == IntervalHandlingMode::kString) {
    // seconds with trailing zeros stripped ("6.78", "0", "-1.5").
    int64_t whole = sec_micros / kMicrosPerSecond;
    int64_t frac = (sec_micros < 0 ? -sec_micros : sec_micros) % kMicrosPerSecond;
    std::string seconds = (sec_micros < 0 && whole == 0 ? "-" : "") + std::to_string(whole) +
                          FormatFraction(frac, -1);
    return Value::String("P" + std::to_string(y) + "Y" + std::to_string(mo) + "M" +
                         std::to_string(days) + "DT" + std::to_string(h) + "H" +
                         std::to_string(mi) + "M" + seconds + "S");
  }
  // MicroDuration: months count 365.25/12 days, computed in double as Debezium does.
  const double days_per_month = 365.25 / 12.0;
  double number_of_days =
      static_cast<double>(y * 12 + mo) * days_per_month + static_cast<double>(days);
  double seconds = static_cast<double>(sec_micros) / 1e6;
  double number_of_seconds =
      ((number_of_days * 24 + static_cast<double>(h)) * 60 + static_cast<double>(mi)) * 60 +
      seconds;
  double micros = number_of_seconds * 1e6;
  if (!(std::fabs(micros) < 9.2e18)) return BadValue(m, text, "out of range");
  return Value::Int64(static_cast<int64_t>(std::llround(micros)));
}

// hstore output: "k"=>"v", "k2"=>NULL (keys and values double-quoted, \" and \\ escaped).
Result<Value> ConvertHstore(const ColumnMapping& m, std::string_view text) {
  std::vector<std::pair<std::string, std::optional<std::string>>> entries;
  size_t i = 0;
  auto fail = [&](const char* why) { return BadValue(m, text, why); };
  auto quoted = [&](std::string& out) -> bool {
    if (i >= text.size() || text[i] != '"') return false;
    ++i;
    while (i < text.size() && text[i] != '"') {
      if (text[i] == '\\') {
        ++i;
        if (i >= text.size()) return false;
      }
      out.push_back(text[i++]);
    }
    if (i >= text.size()) return false;
    ++i;
    return true;
  };
  auto skip_spaces = [&]() {
    while (i < text.size() && text[i] == ' ') ++i;
  };
  skip_spaces();
  while (i < text.size()) {
    std::string key;
    if (!quoted(key)) return fail("expected a quoted key");
    skip_spaces();
    if (text.substr(i, 2) != "=>") return fail("expected =>");
    i += 2;
    skip_spaces();
    std::optional<std::string> value;
    if (text.substr(i, 4) == "NULL") {
      i += 4;
    } else {
      std::string v;
      if (!quoted(v)) return fail("expected a quoted value or NULL");
      value = std::move(v);
    }
    entries.emplace_back(std::move(key), std::move(value));
    skip_spaces();
    if (i < text.size()) {
      if (text[i] != ',') return fail("expected ,");
      ++i;
      skip_spaces();
    }
  }
  if (m.hstore_mode == HstoreHandlingMode::kMap) {
    Value::Map map;
    for (auto& [k, v] : entries) {
      map.push_back({Value::String(k), v ? Value::String(*v) : Value::Null()});
    }
    return Value::MapValue(std::move(map));
  }
  std::string json = "{";
  for (size_t k = 0; k < entries.size(); ++k) {
    if (k > 0) json += ",";
    AppendJsonString(json, entries[k].first);
    json += ":";
    if (entries[k].second) {
      AppendJsonString(json, *entries[k].second);
    } else {
      json += "null";
    }
  }
  json += "}";
  return Value::String(std::move(json));
}

Result<Value> Convert(const ColumnMapping& m, std::string_view text, bool optional);

Result<Value> ConvertArray(const ColumnMapping& m, std::string_view text) {
  auto elements = ParseArrayLiteral(text);
  if (!elements.ok()) return BadValue(m, text, elements.status().message());
  Value::Array out;
  out.reserve(elements->size());
  for (const auto& e : *elements) {
    if (!e.has_value()) {
      out.push_back(Value::Null());
      continue;
    }
    auto v = Convert(*m.element, *e, /*optional=*/true);
    if (!v.ok()) return BadValue(m, text, "element: " + v.status().message());
    out.push_back(std::move(v).value());
  }
  return Value::ArrayValue(std::move(out));
}

Result<Value> Convert(const ColumnMapping& m, std::string_view text, bool optional) {
  switch (m.conversion) {
    case ValueConversion::kBoolean:
      if (text == "t" || text == "true") return Value::Boolean(true);
      if (text == "f" || text == "false") return Value::Boolean(false);
      return BadValue(m, text, "expected t or f");
    case ValueConversion::kInt16: {
      int16_t v;
      if (!ParseInt(text, v)) return BadValue(m, text, "not a 16-bit integer");
      return Value::Int16(v);
    }
    case ValueConversion::kInt32: {
      int32_t v;
      if (!ParseInt(text, v)) return BadValue(m, text, "not a 32-bit integer");
      return Value::Int32(v);
    }
    case ValueConversion::kInt64: {
      int64_t v;
      if (!ParseInt(text, v)) {
        uint64_t u;  // oid/xid are unsigned 32-bit
        if (!ParseInt(text, u) || u > std::numeric_limits<uint32_t>::max()) {
          return BadValue(m, text, "not a 64-bit integer");
        }
        v = static_cast<int64_t>(u);
      }
      return Value::Int64(v);
    }
    case ValueConversion::kFloat32: {
      double d;
      if (!ParseDouble(text, d)) return BadValue(m, text, "not a number");
      return Value::Float32(static_cast<float>(d));
    }
    case ValueConversion::kFloat64: {
      double d;
      if (!ParseDouble(text, d)) return BadValue(m, text, "not a number");
      return Value::Float64(d);
    }
    case ValueConversion::kDecimal:
    case ValueConversion::kVariableDecimal:
      return ConvertNumeric(m, text, optional);
    case ValueConversion::kString:
      return Value::String(std::string(text));
    case ValueConversion::kBytes: {
      auto bytes = ParseByteaHex(text);
      if (!bytes.ok()) return BadValue(m, text, bytes.status().message());
      if (m.binary_mode == BinaryHandlingMode::kBytes) return Value::BytesValue(std::move(*bytes));
      return Value::String(EncodeBinary(*bytes, m.binary_mode));
    }
    case ValueConversion::kBits:
    case ValueConversion::kBit1:
      return ConvertBits(m, text);
    case ValueConversion::kDate:
      return ConvertDate(m, text);
    case ValueConversion::kTime:
      return ConvertTime(m, text);
    case ValueConversion::kTimestamp:
      return ConvertTimestamp(m, text);
    case ValueConversion::kTimestamptz:
      return ConvertTimestamptz(m, text);
    case ValueConversion::kTimetz:
      return ConvertTimetz(m, text);
    case ValueConversion::kInterval:
      return ConvertInterval(m, text);
    case ValueConversion::kHstore:
      return ConvertHstore(m, text);
    case ValueConversion::kArray:
      return ConvertArray(m, text);
  }
  return Status::Internal("unhandled value conversion");
}

Value ZeroValue(const SchemaPtr& schema);

Result<SchemaPtr> FinishSchema(SchemaBuilder builder, const ColumnDescriptor& column,
                               const ColumnMapping& mapping) {
  if (!column.not_null) builder.Optional();
  TRIBUTARY_ASSIGN_OR_RETURN(SchemaPtr plain, builder.Build());
  if (!column.default_expression.has_value()) return plain;
  std::optional<Value> default_value;
  if (auto literal = LiteralDefault(*column.default_expression)) {
    ColumnMapping probe = mapping;
    probe.schema = plain;
    auto v = Convert(probe, *literal, /*optional=*/true);
    if (v.ok() && !v->is_null()) default_value = std::move(v).value();
  } else {
    // A function default (nextval(), now(), …): Debezium's placeholder, the type's zero value,
    // which is why a serial key shows "default":0.
    Value zero = ZeroValue(plain);
    if (!zero.is_null()) default_value = std::move(zero);
  }
  if (!default_value.has_value()) return plain;
  builder.DefaultValue(*default_value);
  auto with_default = builder.Build();
  // A default the schema rejects is dropped rather than failing the column.
  return with_default.ok() ? with_default : Result<SchemaPtr>(plain);
}

// The type's zero value regardless of optionality: 0, 0.0, false, "", empty bytes/array/map, a
// struct of zeros; a Decimal 0 at the schema's scale.
Value ZeroValue(const SchemaPtr& schema) {
  if (schema == nullptr) return Value::Null();
  if (schema->IsLogical(Decimal::kLogicalName)) {
    auto scale = Decimal::ScaleOf(*schema);
    return Value::DecimalValue(DecimalValue{"0", scale.ok() ? *scale : 0});
  }
  switch (schema->type()) {
    case SchemaType::kInt8:
      return Value::Int8(0);
    case SchemaType::kInt16:
      return Value::Int16(0);
    case SchemaType::kInt32:
      return Value::Int32(0);
    case SchemaType::kInt64:
      return Value::Int64(0);
    case SchemaType::kFloat32:
      return Value::Float32(0);
    case SchemaType::kFloat64:
      return Value::Float64(0);
    case SchemaType::kBoolean:
      return Value::Boolean(false);
    case SchemaType::kString:
      return Value::String("");
    case SchemaType::kBytes:
      return Value::BytesValue({});
    case SchemaType::kArray:
      return Value::ArrayValue({});
    case SchemaType::kMap:
      return Value::MapValue({});
    case SchemaType::kStruct: {
      Struct st(schema);
      for (const Field& f : schema->fields()) {
        (void)st.Put(f.name, f.schema->optional() ? Value::Null() : ZeroValue(f.schema));
      }
      return Value::StructValue(std::move(st));
    }
  }
  return Value::Null();
}

}  // namespace

// ---------------------------------------------------------------------------------------------

namespace {

template <typename Mode>
Result<Mode> ParseMode(std::string_view text, const char* key,
                       std::initializer_list<std::pair<const char*, Mode>> values) {
  std::string lower = Lower(text);
  std::string accepted;
  for (const auto& [name, mode] : values) {
    if (lower == name) return mode;
    if (!accepted.empty()) accepted += ", ";
    accepted += name;
  }
  return Status::InvalidConfig("Invalid value " + std::string(text) + " for configuration " + key +
                               ": expected one of " + accepted);
}

}  // namespace

Result<DecimalHandlingMode> ParseDecimalHandlingMode(std::string_view text) {
  return ParseMode<DecimalHandlingMode>(text, "decimal.handling.mode",
                                        {{"precise", DecimalHandlingMode::kPrecise},
                                         {"double", DecimalHandlingMode::kDouble},
                                         {"string", DecimalHandlingMode::kString}});
}

Result<TimePrecisionMode> ParseTimePrecisionMode(std::string_view text) {
  return ParseMode<TimePrecisionMode>(
      text, "time.precision.mode",
      {{"adaptive", TimePrecisionMode::kAdaptive},
       {"adaptive_time_microseconds", TimePrecisionMode::kAdaptiveTimeMicroseconds},
       {"connect", TimePrecisionMode::kConnect}});
}

Result<BinaryHandlingMode> ParseBinaryHandlingMode(std::string_view text) {
  return ParseMode<BinaryHandlingMode>(text, "binary.handling.mode",
                                       {{"bytes", BinaryHandlingMode::kBytes},
                                        {"base64", BinaryHandlingMode::kBase64},
                                        {"base64-url-safe", BinaryHandlingMode::kBase64UrlSafe},
                                        {"hex", BinaryHandlingMode::kHex}});
}

Result<IntervalHandlingMode> ParseIntervalHandlingMode(std::string_view text) {
  return ParseMode<IntervalHandlingMode>(
      text, "interval.handling.mode",
      {{"numeric", IntervalHandlingMode::kNumeric}, {"string", IntervalHandlingMode::kString}});
}

Result<HstoreHandlingMode> ParseHstoreHandlingMode(std::string_view text) {
  return ParseMode<HstoreHandlingMode>(
      text, "hstore.handling.mode",
      {{"json", HstoreHandlingMode::kJson}, {"map", HstoreHandlingMode::kMap}});
}

std::optional<uint32_t> BuiltinArrayElementOid(uint32_t array_oid) {
  for (const ArrayOid& a : kArrayOids) {
    if (a.array == array_oid) return a.element;
  }
  return std::nullopt;
}

Result<ColumnMapping> MapColumn(const ColumnDescriptor& column, const TypeMappingOptions& options) {
  ColumnMapping mapping;
  mapping.column = column.name;
  auto builder = MapType(column, column.type, options, /*array_element=*/false, mapping);
  if (!builder.ok()) return builder.status();
  auto schema = FinishSchema(std::move(builder).value(), column, mapping);
  if (!schema.ok()) {
    return Status::InvalidArgument("column " + column.name + ": " + schema.status().message());
  }
  mapping.schema = std::move(schema).value();
  return mapping;
}

Result<Value> ConvertText(const ColumnMapping& mapping, std::string_view text) {
  return Convert(mapping, text, mapping.schema == nullptr || mapping.schema->optional());
}

Value FallbackValue(const SchemaPtr& schema) {
  if (schema == nullptr || schema->optional()) return Value::Null();
  if (schema->default_value() != nullptr) return *schema->default_value();
  return ZeroValue(schema);
}

Value UnavailableValue(const ColumnMapping& mapping, std::string_view placeholder) {
  const SchemaPtr& schema = mapping.schema;
  if (schema == nullptr) return Value::String(std::string(placeholder));
  if (schema->IsLogical(Decimal::kLogicalName)) return FallbackValue(schema);
  switch (schema->type()) {
    case SchemaType::kString:
      return Value::String(std::string(placeholder));
    case SchemaType::kBytes:
      return Value::BytesValue(ToBytes(placeholder));
    case SchemaType::kArray: {
      const SchemaPtr& element = schema->value_schema();
      Value::Array out;
      if (element != nullptr && element->type() == SchemaType::kString) {
        out.push_back(Value::String(std::string(placeholder)));
      } else if (element != nullptr && element->type() == SchemaType::kBytes &&
                 !element->IsLogical(Decimal::kLogicalName)) {
        out.push_back(Value::BytesValue(ToBytes(placeholder)));
      } else if (element != nullptr &&
                 (element->type() == SchemaType::kInt16 || element->type() == SchemaType::kInt32 ||
                  element->type() == SchemaType::kInt64)) {
        // Debezium: the placeholder's bytes as numbers.
        for (unsigned char b : placeholder) {
          int8_t v = static_cast<int8_t>(b);
          out.push_back(element->type() == SchemaType::kInt16   ? Value::Int16(v)
                        : element->type() == SchemaType::kInt32 ? Value::Int32(v)
                                                                : Value::Int64(v));
        }
      } else {
        return FallbackValue(schema);
      }
      return Value::ArrayValue(std::move(out));
    }
    case SchemaType::kMap: {
      Value::Map map;
      map.push_back(
          {Value::String(std::string(placeholder)), Value::String(std::string(placeholder))});
      return Value::MapValue(std::move(map));
    }
    default:
      return FallbackValue(schema);
  }
}

Result<std::vector<std::optional<std::string>>> ParseArrayLiteral(std::string_view text) {
  std::vector<std::optional<std::string>> out;
  size_t i = 0;
  auto fail = [&](const std::string& why) {
    return Status::InvalidArgument("array literal: " + why + " at byte " + std::to_string(i));
  };
  // Optional dimension decoration "[1:3]=".
  if (!text.empty() && text[0] == '[') {
    size_t eq = text.find('=');
    if (eq == std::string_view::npos) return fail("bad dimension prefix");
    if (text.find("][") < eq) return fail("multi-dimensional arrays are not supported");
    i = eq + 1;
  }
  if (i >= text.size() || text[i] != '{') return fail("expected {");
  ++i;
  if (i < text.size() && text[i] == '}') {
    ++i;
    if (i != text.size()) return fail("trailing characters");
    return out;
  }
  while (true) {
    if (i >= text.size()) return fail("unterminated array");
    if (text[i] == '{') return fail("multi-dimensional arrays are not supported");
    if (text[i] == '"') {
      ++i;
      std::string element;
      while (i < text.size() && text[i] != '"') {
        if (text[i] == '\\') {
          ++i;
          if (i >= text.size()) break;
        }
        element.push_back(text[i++]);
      }
      if (i >= text.size()) return fail("unterminated quoted element");
      ++i;
      out.emplace_back(std::move(element));
    } else {
      size_t start = i;
      std::string element;
      while (i < text.size() && text[i] != ',' && text[i] != '}') {
        if (text[i] == '"' || text[i] == '{') return fail("unexpected character");
        if (text[i] == '\\') {
          ++i;
          if (i >= text.size()) break;
        }
        element.push_back(text[i++]);
      }
      if (i == start) return fail("empty element");
      if (text.substr(start, i - start) == "NULL") {
        out.emplace_back(std::nullopt);
      } else {
        out.emplace_back(std::move(element));
      }
    }
    if (i >= text.size()) return fail("unterminated array");
    if (text[i] == ',') {
      ++i;
      continue;
    }
    if (text[i] == '}') {
      ++i;
      if (i != text.size()) return fail("trailing characters");
      return out;
    }
    return fail("expected , or }");
  }
}

Result<Bytes> ParseByteaHex(std::string_view text) {
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x') {
    return Status::InvalidArgument("bytea: expected hex format \\x… (set bytea_output=hex)");
  }
  std::string_view hex = text.substr(2);
  if (hex.size() % 2 != 0) return Status::InvalidArgument("bytea: odd number of hex digits");
  Bytes out;
  out.reserve(hex.size() / 2);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]);
    int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return Status::InvalidArgument("bytea: invalid hex digit");
    out.push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  return out;
}

}  // namespace tributary::connectors::pgcdc
