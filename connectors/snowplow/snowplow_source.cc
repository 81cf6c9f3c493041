#include "connectors/snowplow/snowplow_source.h"

#include <chrono>
#include <thread>

namespace tributary::connectors::snowplow {

std::string SnowplowCollectorSourceConnector::Version() const { return TRIBUTARY_VERSION; }

Status SnowplowCollectorSourceConnector::Start(const ConfigMap& props) {
  auto config = ParseCollectorConfig(props);
  if (!config.ok()) return config.status();
  props_ = props;
  return Status::Ok();
}

Result<std::vector<ConfigMap>> SnowplowCollectorSourceConnector::TaskConfigs(int max_tasks) {
  return std::vector<ConfigMap>{props_};
}

std::unique_ptr<SourceTask> SnowplowCollectorSourceConnector::CreateTask() const {
  return std::make_unique<SnowplowCollectorSourceTask>();
}

std::string SnowplowCollectorSourceTask::Version() const { return TRIBUTARY_VERSION; }

Status SnowplowCollectorSourceTask::Start(const ConfigMap& props) {
  auto config = ParseCollectorConfig(props);
  if (!config.ok()) return config.status();
  server_ = std::make_unique<CollectorServer>(std::move(*config), &SystemCollectorEnv());
  if (SourceTaskContext* ctx = context()) {
    server_->set_on_records_ready([ctx] { ctx->RecordsReady(); });
  }
  Status st = server_->Start();
  if (!st.ok()) server_.reset();
  return st;
}

Result<std::vector<SourceRecord>> SnowplowCollectorSourceTask::Poll() {
  if (!server_) return std::vector<SourceRecord>{};
  return server_->Poll(CollectorServer::kFullRound);
}

void SnowplowCollectorSourceTask::CommitRecord(const SourceRecord& record,
                                               const RecordMetadata* metadata) {
  if (server_) server_->OnRecordDone(record, metadata != nullptr);
}

void SnowplowCollectorSourceTask::Stop() {
  if (!server_ || stop_requested_) return;
  stop_requested_ = true;
  // The worker calls Stop after the last Poll and delivers the acknowledgements of records
  // already sent afterwards (its final flush), so the server is only stopped in the destructor:
  // those requests are still answered 200 (see README.md "Shutdown").
  const CollectorConfig& c = server_->config();
  server_->BeginTermination(c.pre_termination_unhealthy);
  if (c.pre_termination_period_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(c.pre_termination_period_ms));
  }
  server_->StopAccepting();
}

ConnectorPlugin SnowplowCollectorSourcePlugin() {
  ConnectorPlugin plugin;
  plugin.class_name = SnowplowCollectorSourceConnector::kClassName;
  plugin.aliases = {"SnowplowCollectorSource", "SnowplowCollector"};
  plugin.type = ConnectorType::kSource;
  plugin.version = TRIBUTARY_VERSION;
  plugin.factory = [] { return std::make_unique<SnowplowCollectorSourceConnector>(); };
  return plugin;
}

}  // namespace tributary::connectors::snowplow
