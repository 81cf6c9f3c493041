#pragma once

#include <memory>
#include <string>

#include "runtime/api/status.h"
#include "runtime/kafka/kafka_client.h"

typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;

namespace tributary::runtime {

// An in-process Kafka-protocol broker on loopback: librdkafka's mock cluster. For the quickstart,
// demos, tests and benchmarks only — everything is in memory, and each partition keeps only its
// newest ~5 MiB (older batches are dropped by the mock), so it is never for production.
//
// Topics are created automatically on first use; CreateTopic() creates one with an exact number of
// partitions (the mock cannot serve CreateTopics requests). Thread-safe.
class EmbeddedBroker {
 public:
  // Starts `num_brokers` brokers listening on 127.0.0.1 on free ports.
  static Result<std::unique_ptr<EmbeddedBroker>> Start(int num_brokers = 1);
  ~EmbeddedBroker();

  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  // "127.0.0.1:port[,…]" for bootstrap.servers.
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }

  // Creates `topic` with `partitions` partitions; AlreadyExists if it exists.
  Status CreateTopic(const std::string& topic, int partitions);

  // Disconnects broker `broker_id` (1-based) and refuses new connections until BrokerUp().
  Status BrokerDown(int broker_id);
  Status BrokerUp(int broker_id);

 private:
  EmbeddedBroker(KafkaHandle handle, rd_kafka_mock_cluster_t* cluster);

  KafkaHandle handle_;  // the mock cluster needs a client instance for bookkeeping
  rd_kafka_mock_cluster_t* cluster_;
  std::string bootstrap_servers_;
};

}  // namespace tributary::runtime
