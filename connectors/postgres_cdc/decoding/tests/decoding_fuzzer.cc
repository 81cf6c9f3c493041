// Fuzzes everything in decoding/ that reads outside bytes: the replication CopyData framing, the
// pgoutput message decoder (plain and inside a streamed block), tuples turned into rows, and the
// text parsers of values (every mapped type, arrays included).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connectors/postgres_cdc/decoding/debezium_events.h"
#include "connectors/postgres_cdc/decoding/pg_types.h"
#include "connectors/postgres_cdc/decoding/pgoutput.h"
#include "connectors/postgres_cdc/decoding/replication_protocol.h"

using namespace tributary::connectors::pgcdc;

namespace {

// Type OIDs (and typmods) the fuzzer converts text for.
struct FuzzType {
  uint32_t type_oid;
  int32_t modifier;
};
constexpr FuzzType kTypes[] = {
    {oid::kBool, -1},
    {oid::kInt2, -1},
    {oid::kInt4, -1},
    {oid::kInt8, -1},
    {oid::kOid, -1},
    {oid::kFloat4, -1},
    {oid::kFloat8, -1},
    {oid::kNumeric, -1},
    {oid::kNumeric, ((10 << 16) | 2) + 4},
    {oid::kMoney, -1},
    {oid::kText, -1},
    {oid::kBytea, -1},
    {oid::kBit, 1},
    {oid::kBit, 12},
    {oid::kVarbit, -1},
    {oid::kDate, -1},
    {oid::kTime, -1},
    {oid::kTime, 3},
    {oid::kTimestamp, -1},
    {oid::kTimestamp, 3},
    {oid::kTimestamptz, -1},
    {oid::kTimestamptz, 3},
    {oid::kTimetz, -1},
    {oid::kInterval, -1},
    {oid::kJsonb, -1},
    {oid::kUuid, -1},
    {1007, -1},
    {1009, -1},
    {1231, -1},
    {1185, -1},
    {1001, -1},
};

const std::vector<ColumnMapping>& Mappings() {
  static const std::vector<ColumnMapping> mappings = [] {
    std::vector<ColumnMapping> out;
    for (int mode = 0; mode < 3; ++mode) {
      TypeMappingOptions options;
      options.decimal_mode = static_cast<DecimalHandlingMode>(mode);
      options.interval_mode =
          mode == 1 ? IntervalHandlingMode::kString : IntervalHandlingMode::kNumeric;
      options.binary_mode = mode == 2 ? BinaryHandlingMode::kBase64 : BinaryHandlingMode::kBytes;
      options.time_precision_mode = static_cast<TimePrecisionMode>(mode);
      for (const FuzzType& t : kTypes) {
        ColumnDescriptor c;
        c.name = "c";
        c.type.oid = t.type_oid;
        c.type.modifier = t.modifier;
        c.not_null = mode == 1;
        auto m = MapColumn(c, options);
        if (m.ok()) out.push_back(*m);
      }
      ColumnDescriptor h;
      h.name = "h";
      h.type.oid = 90000;
      h.type.name = "hstore";
      options.hstore_mode = mode == 0 ? HstoreHandlingMode::kJson : HstoreHandlingMode::kMap;
      if (auto m = MapColumn(h, options); m.ok()) out.push_back(*m);
    }
    return out;
  }();
  return mappings;
}

const TableSchemas& Table() {
  static const std::shared_ptr<const TableSchemas> table = [] {
    TableDescription d;
    d.topic_prefix = "p";
    d.schema = "s";
    d.table = "t";
    const auto& m = Mappings();
    for (size_t i = 0; i < 4; ++i) {
      ColumnMapping mapping = m[i * 7 % m.size()];
      mapping.column = "c" + std::to_string(i);
      d.columns.push_back(TableColumn{mapping, true, i == 0});
    }
    return *TableSchemas::Create(d);
  }();
  return *table;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto copy = DecodeCopyData(in);
  if (copy.ok() && std::holds_alternative<XLogData>(*copy)) {
    (void)DecodePgoutput(std::get<XLogData>(*copy).payload);
  }
  for (bool streamed : {false, true}) {
    auto message = DecodePgoutput(in, streamed);
    if (!message.ok()) continue;
    (void)PgoutputMessageName(*message);
    const TupleData* tuple = nullptr;
    if (auto* insert = std::get_if<InsertMessage>(&*message)) tuple = &insert->new_tuple;
    if (auto* update = std::get_if<UpdateMessage>(&*message)) tuple = &update->new_tuple;
    if (auto* del = std::get_if<DeleteMessage>(&*message)) tuple = &del->old_tuple;
    if (tuple != nullptr) {
      (void)Table().RowFromTuple(*tuple, OldTupleKind::kKey, tuple);
      (void)Table().KeyFromTuple(*tuple);
    }
  }
  (void)DecodeStandbyStatusUpdate(in);
  (void)ParseLsn(in);
  (void)ParseArrayLiteral(in);
  (void)ParseByteaHex(in);
  // Text conversion: the first byte picks the mapping, the rest is the value's text.
  if (!in.empty()) {
    const auto& mappings = Mappings();
    const ColumnMapping& m = mappings[static_cast<uint8_t>(in[0]) % mappings.size()];
    auto v = ConvertText(m, in.substr(1));
    if (v.ok()) (void)tributary::ValidateValue(m.schema, *v);
  }
  return 0;
}
