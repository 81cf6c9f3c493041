#include "runtime/converters/simple_header_converter.h"

#include <cctype>
#include <charconv>
#include <cstdio>

#include "runtime/converters/java_format.h"

namespace tributary::runtime {

namespace {

constexpr int64_t kMillisPerDay = 24LL * 60 * 60 * 1000;

// Days since 1970-01-01 to a proleptic Gregorian civil date.
void CivilFromDays(int64_t days, int64_t* year, int* month, int* day) {
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *year = yoe + era * 400 + (*month <= 2 ? 1 : 0);
}

std::string FormatDate(int64_t days) {
  int64_t y;
  int m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%04lld-%02d-%02d", static_cast<long long>(y), m, d);
  return buf;
}

std::string FormatTime(int64_t millis_of_day) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%02d:%02d:%02d.%03dZ", static_cast<int>(millis_of_day / 3600000),
                static_cast<int>(millis_of_day / 60000 % 60),
                static_cast<int>(millis_of_day / 1000 % 60),
                static_cast<int>(millis_of_day % 1000));
  return buf;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Values.dateFormatFor: the pattern depends on the instant, not on the schema.
std::string FormatInstant(int64_t millis) {
  int64_t days = FloorDiv(millis, kMillisPerDay);
  int64_t of_day = millis - days * kMillisPerDay;
  if (millis < kMillisPerDay) return FormatTime(of_day);
  if (of_day == 0) return FormatDate(days);
  return FormatDate(days) + "T" + FormatTime(of_day);
}

void AppendEscaped(const std::string& s, std::string* out) {
  *out += '"';
  for (char c : s) {
    if (c == '\\' || c == '"') *out += '\\';
    *out += c;
  }
  *out += '"';
}

void Append(const Value& value, bool embedded, std::string* out) {
  switch (value.kind()) {
    case ValueKind::kNull:
      *out += "null";
      return;
    case ValueKind::kBoolean:
      *out += value.as_bool() ? "true" : "false";
      return;
    case ValueKind::kInt8:
    case ValueKind::kInt16:
    case ValueKind::kInt32:
    case ValueKind::kInt64:
      *out += std::to_string(*value.AsInteger());
      return;
    case ValueKind::kFloat32:
      *out += JavaFloatToString(value.as_float32());
      return;
    case ValueKind::kFloat64:
      *out += JavaDoubleToString(value.as_float64());
      return;
    case ValueKind::kDecimal:
      *out += JavaBigDecimalToString(value.as_decimal());
      return;
    case ValueKind::kString:
      if (embedded) {
        AppendEscaped(value.as_string(), out);
      } else {
        *out += value.as_string();
      }
      return;
    case ValueKind::kBytes: {
      const Bytes& b = value.as_bytes();
      std::string encoded = Base64Encode(AsText(b));
      if (embedded) {
        *out += '"' + encoded + '"';
      } else {
        *out += encoded;
      }
      return;
    }
    case ValueKind::kArray: {
      *out += '[';
      bool first = true;
      for (const Value& e : value.as_array()) {
        if (!first) *out += ',';
        first = false;
        Append(e, true, out);
      }
      *out += ']';
      return;
    }
    case ValueKind::kMap: {
      *out += '{';
      bool first = true;
      for (const MapEntry& e : value.as_map()) {
        if (!first) *out += ',';
        first = false;
        Append(e.key, true, out);
        *out += ':';
        Append(e.value, true, out);
      }
      *out += '}';
      return;
    }
    case ValueKind::kStruct: {
      const Struct& s = value.as_struct();
      *out += '{';
      bool first = true;
      if (s.schema()) {
        for (const Field& f : s.schema()->fields()) {
          if (!first) *out += ',';
          first = false;
          AppendEscaped(f.name, out);
          *out += ':';
          const Value& v = s.Get(f.index);
          const Value* d = f.schema->default_value();
          Append(v.is_null() && d != nullptr ? *d : v, true, out);
        }
      }
      *out += '}';
      return;
    }
  }
}

template <typename T>
bool ParseAs(std::string_view text, int64_t* out) {
  T v{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return false;
  *out = v;
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string ConvertToString(const SchemaPtr& schema, const Value& value) {
  if (schema && value.AsInteger().has_value()) {
    int64_t v = *value.AsInteger();
    if (schema->IsLogical(Date::kLogicalName)) return FormatInstant(v * kMillisPerDay);
    if (schema->IsLogical(Time::kLogicalName) || schema->IsLogical(Timestamp::kLogicalName)) {
      return FormatInstant(v);
    }
  }
  std::string out;
  Append(value, false, &out);
  return out;
}

const ConfigDef& SimpleHeaderConverter::ConfigDefinition() {
  static const ConfigDef def;
  return def;
}

Status SimpleHeaderConverter::Configure(const ConfigMap& configs) {
  Result<ParsedConfig> parsed = ConfigDefinition().Parse(configs);
  return parsed.ok() ? Status::Ok() : parsed.status();
}

Result<std::optional<std::string>> SimpleHeaderConverter::FromConnectHeader(
    const std::string& /*topic*/, const std::string& /*header_key*/, const SchemaPtr& schema,
    const Value& value) {
  if (value.is_null()) return std::optional<std::string>();
  return std::optional<std::string>(ConvertToString(schema, value));
}

Result<SchemaAndValue> SimpleHeaderConverter::ToConnectHeader(
    const std::string& /*topic*/, const std::string& /*header_key*/,
    std::optional<std::string_view> bytes) {
  if (!bytes) return SchemaAndValue{};
  std::string text = SanitizeUtf8(*bytes);
  if (EqualsIgnoreCase(text, "true")) return SchemaAndValue{schemas::Bool(), Value::Boolean(true)};
  if (EqualsIgnoreCase(text, "false")) {
    return SchemaAndValue{schemas::Bool(), Value::Boolean(false)};
  }
  std::string_view digits = text;
  if (!digits.empty() && digits[0] == '-') digits.remove_prefix(1);
  bool integral = !digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos;
  int64_t v = 0;
  if (integral && ParseAs<int64_t>(text, &v)) {
    if (v >= INT8_MIN && v <= INT8_MAX) {
      return SchemaAndValue{schemas::Int8(), Value::Int8(static_cast<int8_t>(v))};
    }
    if (v >= INT16_MIN && v <= INT16_MAX) {
      return SchemaAndValue{schemas::Int16(), Value::Int16(static_cast<int16_t>(v))};
    }
    if (v >= INT32_MIN && v <= INT32_MAX) {
      return SchemaAndValue{schemas::Int32(), Value::Int32(static_cast<int32_t>(v))};
    }
    return SchemaAndValue{schemas::Int64(), Value::Int64(v)};
  }
  return SchemaAndValue{schemas::String(), Value::String(std::move(text))};
}

}  // namespace tributary::runtime
