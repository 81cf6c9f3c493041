#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

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
//
// librdkafka's mock cluster leaves Nagle's algorithm on for the connections it accepts, so a
// response written while the previous one is unacknowledged waits for the client's delayed ACK
// (40 ms on Linux): a producer waiting for each acknowledgement stalled 40 ms at a time. Kafka's
// own brokers disable Nagle on every connection; the embedded broker does the same by setting
// TCP_NODELAY on the mock's listening sockets, which Linux copies to the sockets they accept.
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

// This process's listening TCP sockets bound to one of `ports`.
std::vector<int> ListeningSocketsOn(const std::set<int>& ports);
// Sets TCP_NODELAY on this process's listening sockets of the ports in `servers`
// ("host:port[,…]"); returns how many it set.
int DisableNagleOnListeners(const std::string& servers);

}  // namespace tributary::runtime
