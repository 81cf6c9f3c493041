#pragma once

// Size limits for CollectorPayloads, as the reference collector applies them (its SplitBatch):
// a payload that fits is one good record; a POST batch that does not is split into several
// payloads by its events; what cannot be made to fit becomes a size_violation bad row.

#include <cstdint>
#include <string>
#include <vector>

#include "connectors/snowplow/collector_payload.h"

namespace tributary::connectors::snowplow {

inline constexpr const char* kSizeViolationSchema =
    "iglu:com.snowplowanalytics.snowplow.badrows/size_violation/jsonschema/1-0-0";

struct SplitLimits {
  int64_t max_bytes = 1000000;         // a good record must be smaller than this
  int64_t max_payload_size = 1048576;  // above this no split is tried
  std::string artifact = "tributary-snowplow-collector";
  std::string version = "0.0.0";
};

struct SplitResult {
  std::vector<CollectorPayload> good;  // each serialises to fewer than max_bytes bytes
  std::vector<Bytes> good_thrift;      // good[i] serialised (SerializeThrift)
  std::vector<std::string> bad;        // size_violation bad rows (JSON text)
};

// Applies the limits to `payload`. `now_ms` stamps bad rows (failure.timestamp).
SplitResult SplitPayload(CollectorPayload payload, const SplitLimits& limits, int64_t now_ms);

// A size_violation bad row for `payload`: failure.expectation is "oversized collector payload: "
// + `message` (cut to the schema's 256 chars), payload is PayloadToString() cut to max_bytes/10.
std::string SizeViolationBadRow(const CollectorPayload& payload, const SplitLimits& limits,
                                int64_t maximum_allowed, int64_t actual, const std::string& message,
                                int64_t now_ms);

// "2024-05-01T12:00:00.123Z".
std::string IsoTimestamp(int64_t epoch_ms);

}  // namespace tributary::connectors::snowplow
