#pragma once

#include <vector>

#include "runtime/api/plugin_info.h"

namespace tributary::runtime {

// Kafka Connect's built-in transforms (org.apache.kafka.connect.transforms.*, with `$Key` and
// `$Value` variants where Connect has them) and Debezium's
// io.debezium.transforms.ExtractNewRecordState.
std::vector<TransformationPlugin> BuiltinTransformations();

// TopicNameMatches, HasHeaderKey, RecordIsTombstone
// (org.apache.kafka.connect.transforms.predicates.*).
std::vector<PredicatePlugin> BuiltinPredicates();

}  // namespace tributary::runtime
