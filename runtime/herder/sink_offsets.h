#pragma once

// Sink connector offsets (KIP-875): the committed offsets of the connector's consumer group
// (`connect-<name>` unless `consumer.override.group.id`), read and written with short-lived
// librdkafka consumers of that group.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/api/status.h"

namespace tributary::runtime {

struct SinkPartitionOffset {
  std::string topic;
  int32_t partition = 0;
  std::optional<int64_t> offset;  // nullopt: reset (see WriteSinkOffsets)
};

// Which group and partitions a sink connector consumes.
struct SinkOffsetsTarget {
  // librdkafka consumer properties (worker + consumer.override.*), without group.id unless
  // overridden; the group defaults to connect-<connector>.
  std::map<std::string, std::string> consumer_properties;
  std::string connector;
  std::vector<std::string> topics;  // `topics`, or empty with `topics_regex`
  std::string topics_regex;         // ECMAScript, matched against the whole topic name
  std::chrono::milliseconds timeout{30000};
};

// The committed offsets of the group for every partition of the topics the connector consumes
// (found through metadata), sorted by topic and partition; partitions without a committed offset
// are left out. Unlike Connect (which lists every partition the group has offsets for), offsets of
// topics the connector no longer consumes are not shown. Timeout/IoError if Kafka does not answer.
Result<std::vector<SinkPartitionOffset>> ReadSinkOffsets(const SinkOffsetsTarget& target);

// Commits `offsets` for the group. Only call while the connector is STOPPED: a short-lived
// consumer joins the (then empty) group, is assigned the partitions, commits and leaves, which
// works against every broker (librdkafka's mock cluster rejects commits from non-members, and has
// no OffsetDelete). An entry without an offset is reset to the partition's earliest available
// offset (its low watermark) instead of having its committed offset deleted: a resumed connector
// then re-reads everything still in the partition, which is what a deletion leads to with the
// default auto.offset.reset=earliest. Errors name the partition that failed.
Status WriteSinkOffsets(const SinkOffsetsTarget& target,
                        const std::vector<SinkPartitionOffset>& offsets);

}  // namespace tributary::runtime
