#pragma once

// The collector's HTTP server (Boost.Beast) and the hand-off between its threads and the task
// thread: requests become SourceRecords in a bounded queue that Poll() drains; in durable mode the
// response waits until the task reports every record of the request acknowledged by Kafka.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "connectors/snowplow/collector_service.h"
#include "runtime/api/record.h"
#include "runtime/api/status.h"

namespace tributary::connectors::snowplow {

// Source offset field carrying the request a record belongs to. Records have an empty source
// partition, so the worker never stores this offset; it only comes back in CommitRecord.
inline constexpr const char* kRequestField = "request";

class CollectorServer {
 public:
  // `env` is not owned and must outlive the server.
  CollectorServer(CollectorConfig config, CollectorEnv* env);
  ~CollectorServer();  // calls Stop()

  CollectorServer(const CollectorServer&) = delete;
  CollectorServer& operator=(const CollectorServer&) = delete;

  // Binds interface:port (and interface:ssl.port with ssl.enable) and starts config.threads
  // server threads. IoError if it cannot bind, InvalidConfig if the keystore cannot be loaded.
  Status Start();
  // First step of a graceful shutdown, once the worker no longer polls: from now on requests
  // with records are answered 503 (nothing is queued), requests whose records were queued but not
  // polled are answered 503 at once, and /health answers 503 when `unhealthy`. Everything else
  // (acknowledgements of polled records included) is served as before. Idempotent.
  void BeginTermination(bool unhealthy);
  // Closes the listening socket; open connections are still served. Idempotent.
  void StopAccepting();
  // BeginTermination(false) and StopAccepting() if not done yet, then waits up to
  // config.termination_deadline_ms for every answer in flight (requests waiting for Kafka
  // included), answers the rest with 503 and stops the server threads. Idempotent. Any thread but
  // a server thread.
  void Stop();
  // The bound ports (useful with port 0). Valid after Start; ssl_port() is 0 without ssl.enable.
  int port() const { return port_; }
  int ssl_port() const { return ssl_port_; }

  // Called from a server thread when Poll, which returned nothing, would now return records (the
  // task then tells the worker to poll); never after BeginTermination returned. Set before Start.
  void set_on_records_ready(std::function<void()> callback) {
    on_records_ready_ = std::move(callback);
  }
  // Up to `max` queued records, at once (never waits). Any thread.
  //
  // Records go out in rounds: while records of an earlier Poll are not reported by OnRecordDone,
  // Poll returns nothing unless kFullRound records are queued. The worker polls again after each
  // batch of acknowledgements, so the requests that arrived during a round go to the producer
  // together when it ends, instead of a produce (a task and a broker thread wake-up, a
  // ProduceRequest per partition) every one or two requests; librdkafka's broker thread also
  // stops spinning on the idempotent producer's limit of 5 requests in flight. The cost is up to
  // one more round trip to Kafka for a request that arrives during a round.
  std::vector<SourceRecord> Poll(size_t max);
  static constexpr size_t kFullRound = 1000;
  // Reports that Kafka acknowledged (`acked`) or dropped a record taken from Poll; every record
  // taken must be reported once (rounds count them). Any thread.
  void OnRecordDone(const SourceRecord& record, bool acked);

  // Records queued and not yet polled.
  size_t QueuedForTest();

  const CollectorConfig& config() const { return service_.config(); }
  bool sink_healthy() const { return sink_healthy_.load(); }
  bool healthy() const { return !health_down_.load(); }

  // For the server's sessions (collector_server.cc) only.
  class Impl;
  // Queues the records of one request. In durable mode `complete(ok)` is called once all are
  // acknowledged (true), or one was dropped, the request timed out (ack.timeout.ms) or the server
  // stopped (false); in buffered mode `complete` is empty. Returns false (nothing queued) when the
  // queue has no room or the server stopped.
  bool EnqueueForSession(HandledRequest& handled, std::function<void(bool)> complete);
  // Fails the durable requests whose ack.timeout.ms has passed and marks the sink unhealthy
  // (/sink-health) until the next acknowledgement.
  void ExpireOverdue();

 private:
  struct Pending {
    size_t remaining = 0;
    std::chrono::steady_clock::time_point deadline;  // of the acknowledgement
    std::function<void(bool)> complete;  // called once, from whichever thread resolves it
  };

  CollectorService service_;
  int port_ = 0;
  int ssl_port_ = 0;
  std::unique_ptr<Impl> impl_;
  std::function<void()> on_records_ready_;

  std::mutex mu_;
  std::deque<SourceRecord> queue_;
  std::unordered_map<uint64_t, Pending> pending_;
  uint64_t next_request_id_ = 1;
  size_t in_flight_ = 0;  // records taken by Poll and not reported by OnRecordDone yet
  std::atomic<bool> sink_healthy_{true};
  std::atomic<bool> health_down_{false};
  bool stopped_ = false;  // BeginTermination ran: nothing is queued any more
};

}  // namespace tributary::connectors::snowplow
