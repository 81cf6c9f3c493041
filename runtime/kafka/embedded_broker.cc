#include "runtime/kafka/embedded_broker.h"

#include <librdkafka/rdkafka_mock.h>

namespace tributary::runtime {

Result<std::unique_ptr<EmbeddedBroker>> EmbeddedBroker::Start(int num_brokers) {
  if (num_brokers < 1) return Status::InvalidArgument("an embedded broker needs at least 1 broker");
  // A producer handle that is never used to produce: the mock cluster's bookkeeping owner.
  TRIBUTARY_ASSIGN_OR_RETURN(KafkaHandle handle,
                             CreateKafkaHandle(RD_KAFKA_PRODUCER, {{"log_level", "3"}}));
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(handle.get(), num_brokers);
  if (cluster == nullptr) return Status::IoError("cannot start the embedded Kafka broker");
  return std::unique_ptr<EmbeddedBroker>(new EmbeddedBroker(std::move(handle), cluster));
}

EmbeddedBroker::EmbeddedBroker(KafkaHandle handle, rd_kafka_mock_cluster_t* cluster)
    : handle_(std::move(handle)),
      cluster_(cluster),
      bootstrap_servers_(rd_kafka_mock_cluster_bootstraps(cluster)) {}

EmbeddedBroker::~EmbeddedBroker() { rd_kafka_mock_cluster_destroy(cluster_); }

Status EmbeddedBroker::CreateTopic(const std::string& topic, int partitions) {
  if (partitions < 1) return Status::InvalidArgument("a topic needs at least 1 partition");
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1);
  if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    return Status::AlreadyExists("Topic '" + topic + "' already exists.");
  }
  return StatusFromKafkaError(err, "create topic " + topic);
}

Status EmbeddedBroker::BrokerDown(int broker_id) {
  return StatusFromKafkaError(rd_kafka_mock_broker_set_down(cluster_, broker_id),
                              "take broker " + std::to_string(broker_id) + " down");
}

Status EmbeddedBroker::BrokerUp(int broker_id) {
  return StatusFromKafkaError(rd_kafka_mock_broker_set_up(cluster_, broker_id),
                              "bring broker " + std::to_string(broker_id) + " up");
}

}  // namespace tributary::runtime
