#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "runtime/api/data.h"

namespace tributary {

struct Header {
  std::string key;
  SchemaPtr schema;
  Value value;
};
using Headers = std::vector<Header>;

// Connect's Map<String, ?> for source partitions and source offsets. Values are schemaless
// (strings, int64 numbers, booleans, nested maps); they are stored as JSON by the offset stores.
using SourceMap = std::map<std::string, Value>;

// Fields shared by source and sink records (Connect's ConnectRecord).
struct ConnectRecord {
  std::string topic;
  std::optional<int32_t> kafka_partition;  // nullopt: let the producer's partitioner choose
  SchemaPtr key_schema;
  Value key;
  SchemaPtr value_schema;
  Value value;
  std::optional<int64_t> timestamp;  // epoch milliseconds
  Headers headers;
};

// A record produced by a SourceTask. source_partition/source_offset say where it came from; the
// worker stores the offset once Kafka acknowledged this record and every earlier one of the same
// source partition.
struct SourceRecord : ConnectRecord {
  SourceMap source_partition;
  SourceMap source_offset;
};

enum class TimestampType { kNoTimestamp, kCreateTime, kLogAppendTime };

// A record consumed from Kafka and handed to a SinkTask.
struct SinkRecord : ConnectRecord {
  int64_t kafka_offset = -1;
  TimestampType timestamp_type = TimestampType::kNoTimestamp;
};

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  bool operator==(const TopicPartition& other) const = default;
  bool operator<(const TopicPartition& other) const {
    return std::tie(topic, partition) < std::tie(other.topic, other.partition);
  }
};

// Offsets per partition. For sinks, the offset is the *next* offset to consume (Kafka's
// committed-offset convention, as Connect's OffsetAndMetadata).
using TopicPartitionOffsets = std::map<TopicPartition, int64_t>;

// Where Kafka stored a produced record (the parts of Kafka's RecordMetadata that Connect exposes).
struct RecordMetadata {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::optional<int64_t> timestamp;
};

}  // namespace tributary
