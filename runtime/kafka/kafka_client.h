#pragma once

// Thin RAII over librdkafka: handle creation from a property map, and error translation.
// The worker tasks drive librdkafka's C API directly on their own threads; this module keeps the
// lifetime and error handling in one place.

#include <librdkafka/rdkafka.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "runtime/api/status.h"

namespace tributary::runtime {

struct KafkaHandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaHandleDeleter>;

struct TopicPartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using TopicPartitionList =
    std::unique_ptr<rd_kafka_topic_partition_list_t, TopicPartitionListDeleter>;

// Creates a producer or consumer from librdkafka `properties`. `customize` may set callbacks and
// the opaque on the conf before the handle is made. InvalidConfig names the offending property.
Result<KafkaHandle> CreateKafkaHandle(rd_kafka_type_t type,
                                      const std::map<std::string, std::string>& properties,
                                      const std::function<void(rd_kafka_conf_t*)>& customize = {});

// A Status for a librdkafka error: retriable when librdkafka says trying again may help
// (transport, timeouts, leader changes), fatal otherwise. `what` says which operation failed.
Status StatusFromKafkaError(rd_kafka_resp_err_t err, const std::string& what);

// The id of the cluster `rk` is connected to, waiting up to `timeout_ms`; empty if not known.
std::string KafkaClusterId(rd_kafka_t* rk, int timeout_ms);

}  // namespace tributary::runtime
