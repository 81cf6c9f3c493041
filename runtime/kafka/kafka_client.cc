#include "runtime/kafka/kafka_client.h"

namespace tributary::runtime {

Result<KafkaHandle> CreateKafkaHandle(rd_kafka_type_t type,
                                      const std::map<std::string, std::string>& properties,
                                      const std::function<void(rd_kafka_conf_t*)>& customize) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  // Kafka's Java clients always disable Nagle's algorithm (TCP_NODELAY); librdkafka leaves it on
  // unless told, which delays a request written while the previous one is unacknowledged.
  // `properties` may still turn it back on.
  rd_kafka_conf_set(conf, "socket.nagle.disable", "true", errstr, sizeof(errstr));
  // Kafka's Java producer puts a keyed record in partition murmur2(key) mod partitions;
  // librdkafka's default hashes with CRC-32, which would send a key to another partition than Kafka
  // Connect does (a key's records would change partition when a pipeline moves to Tributary).
  if (type == RD_KAFKA_PRODUCER) {
    rd_kafka_conf_set(conf, "partitioner", "murmur2_random", errstr, sizeof(errstr));
  }
  for (const auto& [key, value] : properties) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof(errstr)) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidConfig("Kafka client property '" + key + "': " + errstr);
    }
  }
  if (customize) customize(conf);
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);  // rd_kafka_new only takes ownership on success
    return Status::InvalidConfig(std::string("cannot create Kafka client: ") + errstr);
  }
  return KafkaHandle(rk);
}

Status StatusFromKafkaError(rd_kafka_resp_err_t err, const std::string& what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  std::string message = what + ": " + rd_kafka_err2str(err) + " (" + rd_kafka_err2name(err) + ")";
  switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return Status::Timeout(message);
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return Status::Unavailable(message);
    default:
      return Status(StatusCode::kIoError, message);
  }
}

std::string KafkaClusterId(rd_kafka_t* rk, int timeout_ms) {
  char* id = rd_kafka_clusterid(rk, timeout_ms);
  if (id == nullptr) return {};
  std::string result(id);
  rd_kafka_mem_free(rk, id);
  return result;
}

}  // namespace tributary::runtime
