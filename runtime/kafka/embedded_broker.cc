#include "runtime/kafka/embedded_broker.h"

#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <set>

namespace tributary::runtime {
namespace {

// The ports of "host:port[,host:port…]".
std::set<int> PortsOf(const std::string& servers) {
  std::set<int> ports;
  size_t start = 0;
  while (start < servers.size()) {
    size_t end = servers.find(',', start);
    if (end == std::string::npos) end = servers.size();
    size_t colon = servers.rfind(':', end - 1);
    if (colon != std::string::npos && colon >= start) {
      ports.insert(std::atoi(servers.c_str() + colon + 1));
    }
    start = end + 1;
  }
  return ports;
}

// The local TCP port of socket `fd`, or 0.
int LocalPort(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return 0;
}

}  // namespace

std::vector<int> ListeningSocketsOn(const std::set<int>& ports) {
  std::vector<int> fds;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    int fd = std::atoi(entry.path().filename().c_str());
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    int listening = 0;
    socklen_t len = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    if (ports.count(LocalPort(fd)) > 0) fds.push_back(fd);
  }
  return fds;
}

int DisableNagleOnListeners(const std::string& servers) {
  int done = 0;
  for (int fd : ListeningSocketsOn(PortsOf(servers))) {
    int on = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0) ++done;
  }
  return done;
}

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
      bootstrap_servers_(rd_kafka_mock_cluster_bootstraps(cluster)) {
  DisableNagleOnListeners(bootstrap_servers_);
}

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
  Status st = StatusFromKafkaError(rd_kafka_mock_broker_set_up(cluster_, broker_id),
                                   "bring broker " + std::to_string(broker_id) + " up");
  DisableNagleOnListeners(bootstrap_servers_);  // in case the mock opened a new listener
  return st;
}

}  // namespace tributary::runtime
