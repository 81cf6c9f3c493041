#pragma once

// Single Message Transforms (Connect's org.apache.kafka.connect.transforms.Transformation).

#include <cstdint>
#include <optional>

#include "runtime/api/config_def.h"
#include "runtime/api/record.h"
#include "runtime/api/status.h"

namespace tributary {

// Transforms one record at a time. The worker applies a chain of them to every source record
// before conversion and to every sink record after conversion. One instance serves one task, on
// that task's thread only.
//
// Records are transformed in place (no copy per transform). The SinkRecord-only fields Connect
// transforms read (InsertField's offset.field) come in `kafka_offset`, which is nullopt for source
// records.
class Transformation {
 public:
  virtual ~Transformation() = default;

  virtual const ConfigDef& Definition() const = 0;
  // Applies the transform's settings (without the transforms.<alias>. prefix). InvalidConfig on a
  // bad value, naming the key.
  virtual Status Configure(const ConfigMap& configs) = 0;

  // Transforms `record` in place. Returns true to keep the record, false to drop it (Connect's
  // `return null`). DataError when the record does not have the shape the transform needs; the
  // record may then be partially modified and must be discarded or reported by the caller.
  virtual Result<bool> Apply(ConnectRecord& record, std::optional<int64_t> kafka_offset) = 0;
};

}  // namespace tributary
