#pragma once

// SnowplowCollectorSource: a source connector whose task is a Snowplow collector. It serves the
// collector's HTTP protocol and writes Thrift CollectorPayloads to streams.good and size_violation
// bad rows to streams.bad; in durable mode (default) it answers a request only after Kafka
// acknowledged every record of it. See README.md.

#include <memory>
#include <string>
#include <vector>

#include "connectors/snowplow/collector_config.h"
#include "connectors/snowplow/collector_server.h"
#include "runtime/api/connector.h"
#include "runtime/api/plugin_info.h"
#include "runtime/api/source_task.h"

namespace tributary::connectors::snowplow {

class SnowplowCollectorSourceConnector : public SourceConnector {
 public:
  static constexpr const char* kClassName =
      "tributary.connectors.snowplow.SnowplowCollectorSourceConnector";

  std::string Version() const override;
  const ConfigDef& Definition() const override { return SnowplowConfigDef(); }
  Status Start(const ConfigMap& props) override;
  // One task: the collector listens on one port.
  Result<std::vector<ConfigMap>> TaskConfigs(int max_tasks) override;
  void Stop() override {}
  std::unique_ptr<SourceTask> CreateTask() const override;

 private:
  ConfigMap props_;
};

// Runs the collector's HTTP server for as long as it is started.
//
// Threading: Start/Poll/CommitRecord/Stop on the task thread (SourceTask's contract); the HTTP
// server runs its own threads and meets the task thread only in CollectorServer's locked queue and
// pending-acknowledgement map.
class SnowplowCollectorSourceTask : public SourceTask {
 public:
  std::string Version() const override;
  // InvalidConfig for bad configs, IoError when the port cannot be bound.
  Status Start(const ConfigMap& props) override;
  // Records of requests received so far (at most 1000), in rounds: nothing while records of the
  // previous round are unacknowledged, unless 1000 are queued (CollectorServer::Poll). Never
  // waits. When Poll would return records again, the task calls its context's RecordsReady().
  Result<std::vector<SourceRecord>> Poll() override;
  // The worker polls the collector on the thread that sends to Kafka: one thread hand-off less per
  // batch of requests than a poll thread of its own.
  bool PollBlocks() const override { return false; }
  void CommitRecord(const SourceRecord& record, const RecordMetadata* metadata) override;
  // Graceful shutdown: answers 503 to new tracking requests and to those whose records were not
  // polled, keeps the port open for preTerminationPeriod (/health 503 if preTerminationUnhealthy),
  // then stops accepting. Requests whose records were polled keep waiting for their
  // acknowledgements (the worker's final flush delivers them after Stop); the destructor waits for
  // them up to terminationDeadline, answers the rest 503 and stops the server threads.
  void Stop() override;

  // The bound port, after Start.
  int port() const { return server_ ? server_->port() : 0; }
  int ssl_port() const { return server_ ? server_->ssl_port() : 0; }
  CollectorServer* server_for_test() { return server_.get(); }

 private:
  std::unique_ptr<CollectorServer> server_;
  bool stop_requested_ = false;
};

ConnectorPlugin SnowplowCollectorSourcePlugin();

}  // namespace tributary::connectors::snowplow
