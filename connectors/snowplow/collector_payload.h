#pragma once

// Encoding of CollectorPayload records: Thrift binary protocol (what Snowplow Enrich reads) and a
// JSON rendering for output.format=json. The Thrift exceptions stay inside collector_payload.cc.

#include <string>
#include <string_view>

#include "connectors/snowplow/gen-cpp/collector_payload_types.h"
#include "runtime/api/data.h"
#include "runtime/api/status.h"

namespace tributary::connectors::snowplow {

using CollectorPayload = thrift::CollectorPayload;

inline constexpr const char* kCollectorPayloadSchema =
    "iglu:com.snowplowanalytics.snowplow/CollectorPayload/thrift/1-0-0";

// TBinaryProtocol bytes of `payload`, as Java's `new TSerializer().serialize(payload)`.
Bytes SerializeThrift(const CollectorPayload& payload);

// Decodes TBinaryProtocol bytes; DataError if they are not a valid CollectorPayload.
Result<CollectorPayload> DeserializeThrift(std::string_view bytes);
inline Result<CollectorPayload> DeserializeThrift(const Bytes& bytes) {
  return DeserializeThrift(AsText(bytes));
}

// The payload as one JSON object; field names are the IDL's, optional fields that are unset are
// left out, `headers` is an array of strings.
std::string PayloadToJson(const CollectorPayload& payload);

// A human-readable rendering ("CollectorPayload(schema=…, …)") used in bad rows.
std::string PayloadToString(const CollectorPayload& payload);

}  // namespace tributary::connectors::snowplow
