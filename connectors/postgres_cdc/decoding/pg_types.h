#pragma once

// PostgreSQL column types -> Connect schemas and values, as Debezium's PostgreSQL connector maps
// them (reference/debezium-postgres.md §1.10; PostgresValueConverter).
//
// Two steps:
//   1. MapColumn(): a column description (type OID, atttypmod, catalog facts for enums, domains,
//      arrays and extension types, NOT NULL, default) + the connector's handling modes -> a
//      ColumnMapping holding the Connect schema of the field (Debezium's semantic names and
//      parameters) and what is needed to convert values.
//   2. ConvertText(): PostgreSQL's TEXT output of a value -> the Connect Value for that schema.
//      This is what pgoutput sends in TupleData 't' columns and what libpq returns for a plain
//      SELECT in text mode. The text assumes the session settings the connector pins on every
//      connection: DateStyle=ISO, IntervalStyle=postgres, extra_float_digits=3, bytea_output=hex,
//      client_encoding=UTF8 (TimeZone=UTC recommended; other offsets are parsed too).
//
// Pure functions; thread-safe. Bad text is a DataError naming the column, the type and the text.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/api/data.h"
#include "runtime/api/status.h"

namespace tributary::connectors::pgcdc {

// Debezium's handling modes (config keys of the same names).
enum class DecimalHandlingMode { kPrecise, kDouble, kString };  // decimal.handling.mode
// time.precision.mode; `connect` uses Kafka's Date/Time/Timestamp (milliseconds, lossy).
enum class TimePrecisionMode { kAdaptive, kAdaptiveTimeMicroseconds, kConnect };
enum class BinaryHandlingMode { kBytes, kBase64, kBase64UrlSafe, kHex };  // binary.handling.mode
enum class IntervalHandlingMode { kNumeric, kString };                    // interval.handling.mode
enum class HstoreHandlingMode { kJson, kMap };                            // hstore.handling.mode

// Parse the config values as Debezium spells them ("precise", "adaptive_time_microseconds",
// "base64-url-safe", …; case-insensitive). InvalidConfig naming the key and the accepted values.
Result<DecimalHandlingMode> ParseDecimalHandlingMode(std::string_view text);
Result<TimePrecisionMode> ParseTimePrecisionMode(std::string_view text);
Result<BinaryHandlingMode> ParseBinaryHandlingMode(std::string_view text);
Result<IntervalHandlingMode> ParseIntervalHandlingMode(std::string_view text);
Result<HstoreHandlingMode> ParseHstoreHandlingMode(std::string_view text);

struct TypeMappingOptions {
  DecimalHandlingMode decimal_mode = DecimalHandlingMode::kPrecise;
  TimePrecisionMode time_precision_mode = TimePrecisionMode::kAdaptive;
  BinaryHandlingMode binary_mode = BinaryHandlingMode::kBytes;
  IntervalHandlingMode interval_mode = IntervalHandlingMode::kNumeric;
  HstoreHandlingMode hstore_mode = HstoreHandlingMode::kJson;
  int32_t money_fraction_digits = 2;  // money.fraction.digits
  // include.unknown.datatypes: when false, MapColumn() returns NotFound for a type it cannot map
  // (the caller leaves the column out, as Debezium does); when true, such a column is an optional
  // STRING carrying the server's text.
  bool include_unknown_datatypes = false;
  // unavailable.value.placeholder: stands for unchanged TOASTed values (see UnavailableValue()).
  std::string unavailable_value_placeholder = "__debezium_unavailable_value";
};

// Well-known built-in type OIDs (pg_type.h; stable across PostgreSQL versions).
namespace oid {
inline constexpr uint32_t kBool = 16;
inline constexpr uint32_t kBytea = 17;
inline constexpr uint32_t kChar = 18;  // "char" (single byte)
inline constexpr uint32_t kName = 19;
inline constexpr uint32_t kInt8 = 20;
inline constexpr uint32_t kInt2 = 21;
inline constexpr uint32_t kInt4 = 23;
inline constexpr uint32_t kText = 25;
inline constexpr uint32_t kOid = 26;
inline constexpr uint32_t kXid = 28;
inline constexpr uint32_t kJson = 114;
inline constexpr uint32_t kXml = 142;
inline constexpr uint32_t kPoint = 600;
inline constexpr uint32_t kCidr = 650;
inline constexpr uint32_t kFloat4 = 700;
inline constexpr uint32_t kFloat8 = 701;
inline constexpr uint32_t kMacaddr8 = 774;
inline constexpr uint32_t kMoney = 790;
inline constexpr uint32_t kMacaddr = 829;
inline constexpr uint32_t kInet = 869;
inline constexpr uint32_t kBpchar = 1042;
inline constexpr uint32_t kVarchar = 1043;
inline constexpr uint32_t kDate = 1082;
inline constexpr uint32_t kTime = 1083;
inline constexpr uint32_t kTimestamp = 1114;
inline constexpr uint32_t kTimestamptz = 1184;
inline constexpr uint32_t kInterval = 1186;
inline constexpr uint32_t kTimetz = 1266;
inline constexpr uint32_t kBit = 1560;
inline constexpr uint32_t kVarbit = 1562;
inline constexpr uint32_t kNumeric = 1700;
inline constexpr uint32_t kUuid = 2950;
inline constexpr uint32_t kJsonb = 3802;
inline constexpr uint32_t kInt4range = 3904;
inline constexpr uint32_t kNumrange = 3906;
inline constexpr uint32_t kTsrange = 3908;
inline constexpr uint32_t kTstzrange = 3910;
inline constexpr uint32_t kDaterange = 3912;
inline constexpr uint32_t kInt8range = 3926;
}  // namespace oid

// For a built-in array type OID (e.g. 1007 int4[]), the element type OID; nullopt otherwise.
std::optional<uint32_t> BuiltinArrayElementOid(uint32_t array_oid);

// What the catalog says about a column's type. For built-in types the OID (and modifier) is
// enough; for others the caller fills in what pg_type/pg_enum say (or what a pgoutput Type
// message names).
struct PgType {
  uint32_t oid = 0;
  int32_t modifier = -1;  // atttypmod: length/precision/scale; -1 when none
  std::string name;       // pg_type.typname: "mood", "_mood", "hstore", "citext", "my_domain"
  // pg_type.typtype: 'b' base, 'e' enum, 'd' domain, 'c' composite, 'r' range, 'p' pseudo;
  // 0 when unknown (built-in types are recognised by OID).
  char typtype = 0;
  std::vector<std::string> enum_labels;  // typtype 'e': labels in enumsortorder
  // Domains: the base type (with the domain's typtypmod as its modifier). Arrays that are not
  // built-in (arrays of enums, domains, extension types): the element type.
  std::shared_ptr<const PgType> base;
  std::shared_ptr<const PgType> element;
};

// One column as the caller describes it.
struct ColumnDescriptor {
  std::string name;
  PgType type;
  bool not_null = false;  // attnotnull: the field is required (not optional)
  // The column default as pg_get_expr() prints it ("0", "'x'::text", "nextval('t_id_seq'::
  // regclass)"), or nullopt. A literal default becomes the schema default; a function default
  // becomes Debezium's placeholder (0, "", false, …) so a serial key shows "default":0.
  std::optional<std::string> default_expression;
};

// How a ColumnMapping converts text (internal dispatch; callers normally only read `schema`).
enum class ValueConversion {
  kBoolean,
  kInt16,
  kInt32,
  kInt64,
  kFloat32,
  kFloat64,
  kDecimal,          // numeric(p,s) / money: Decimal, double or string per mode
  kVariableDecimal,  // numeric without scale: VariableScaleDecimal, double or string per mode
  kString,           // text-likes, json, xml, uuid, inet, ranges, enums, unknown types
  kBytes,            // bytea per binary.handling.mode
  kBits,             // bit(n>1)/varbit -> io.debezium.data.Bits bytes
  kBit1,             // bit(1) -> boolean
  kDate,             // io.debezium.time.Date (days) or Connect Date
  kTime,             // Time (ms), MicroTime (µs) or Connect Time
  kTimestamp,        // Timestamp (ms), MicroTimestamp (µs) or Connect Timestamp
  kTimestamptz,      // ZonedTimestamp string in UTC
  kTimetz,           // ZonedTime string in UTC
  kInterval,         // MicroDuration or Interval string
  kHstore,           // Json string or map<string,string>
  kArray,            // one-dimensional array of `element`
};

// A column's Connect schema and how to convert its values.
struct ColumnMapping {
  std::string column;     // column name, for error messages
  std::string type_name;  // e.g. "numeric", "mood[]", for error messages
  SchemaPtr schema;       // the field schema (optional unless NOT NULL; default when known)
  ValueConversion conversion = ValueConversion::kString;
  // Conversion parameters.
  int32_t scale = 0;       // kDecimal: the Decimal scale
  int32_t precision = 0;   // time/timestamp(tz): declared fractional digits; -1 none
  int32_t bit_length = 0;  // kBits: declared length (0 for unbounded varbit)
  DecimalHandlingMode decimal_mode = DecimalHandlingMode::kPrecise;
  TimePrecisionMode time_mode = TimePrecisionMode::kAdaptive;
  BinaryHandlingMode binary_mode = BinaryHandlingMode::kBytes;
  IntervalHandlingMode interval_mode = IntervalHandlingMode::kNumeric;
  HstoreHandlingMode hstore_mode = HstoreHandlingMode::kJson;
  std::shared_ptr<const ColumnMapping> element;  // kArray: the element mapping
};

// Maps a column. NotFound when the type is not supported and include_unknown_datatypes is off
// (the caller should drop the column and log a warning, as Debezium does); InvalidArgument for an
// inconsistent description (e.g. an array without element information).
Result<ColumnMapping> MapColumn(const ColumnDescriptor& column, const TypeMappingOptions& options);

// Converts the text output of one non-NULL value. DataError "column <name> (<type>): cannot
// convert '<text>': <reason>" when the text does not parse. Special values follow Debezium:
// numeric NaN/±Infinity are null in precise mode (and an error if the column is NOT NULL), NaN/
// ±Infinity doubles in double mode, "NAN"/"POSITIVE_INFINITY"/"NEGATIVE_INFINITY" in string mode;
// timestamp ±infinity are Debezium's sentinel values; timestamptz ±infinity are the strings
// "infinity"/"-infinity".
Result<Value> ConvertText(const ColumnMapping& mapping, std::string_view text);

// The value Debezium puts in place of an unchanged TOASTed column: the placeholder as text for
// strings, its bytes for bytes, a one-element list for arrays, {placeholder: placeholder} for maps.
// For types without a sensible placeholder (numbers, dates) it is null when the schema is optional
// and the schema's fallback value otherwise.
Value UnavailableValue(const ColumnMapping& mapping, std::string_view placeholder);

// The value Debezium uses for a NOT NULL column whose value is absent (e.g. a non-key column of
// a DELETE's old key tuple): the schema default if any, else 0 / 0.0 / false / "" / empty bytes /
// empty array / epoch. Null for optional schemas.
Value FallbackValue(const SchemaPtr& schema);

// Text-level helpers, exposed for tests and the fuzzer.

// Splits a one-dimensional array literal ("{1,2,NULL}", "{\"a b\",\"c\\\"d\"}", "{}", with an
// optional "[1:3]=" dimension prefix) into its elements; nullopt for an unquoted NULL. Nested
// (multi-dimensional) arrays are InvalidArgument.
Result<std::vector<std::optional<std::string>>> ParseArrayLiteral(std::string_view text);

// Decodes bytea's hex output ("\x0aff"); InvalidArgument otherwise (escape format is not
// supported: the connector pins bytea_output=hex).
Result<Bytes> ParseByteaHex(std::string_view text);

}  // namespace tributary::connectors::pgcdc
