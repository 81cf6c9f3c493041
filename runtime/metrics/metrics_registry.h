#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "runtime/api/metrics.h"

namespace tributary::runtime {

enum class MetricType { kCounter, kGauge };

// The worker's metrics: every group's series, rendered on request in Prometheus' text exposition
// format 0.0.4 (what GET /metrics answers). Thread-safe: groups register from task threads while
// the REST server renders. Updating a handle never touches the registry.
class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();

  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // A group whose series carry `labels` first (e.g. connector and task). Destroying the group
  // removes its series from the export. A series registered again by another group (a restarted
  // task) moves to that group with a fresh value. The group must not outlive the registry.
  std::unique_ptr<MetricGroup> NewGroup(MetricLabels labels);

  // Every family, sorted by name, each with one HELP and one TYPE line and its series sorted by
  // labels; label values and HELP text escaped as the format requires.
  std::string RenderPrometheus() const;

  // `name` as a valid Prometheus metric name: characters outside [a-zA-Z0-9_:] become '_', and a
  // leading digit (or an empty name) gets a '_' prefix. Kafka's "source-record-poll-total" ->
  // "source_record_poll_total".
  static std::string SanitizeName(std::string_view name);

 private:
  class Group;
  struct Series;
  struct Family;

  // Returns the value cell of `name{labels}` owned by group `owner`; an unregistered cell when
  // `name` is a family of the other type.
  std::shared_ptr<std::atomic<int64_t>> Register(uint64_t owner, MetricType type,
                                                 std::string_view name, std::string_view help,
                                                 const MetricLabels& labels);
  void RemoveGroup(uint64_t owner);

  mutable std::mutex mutex_;
  uint64_t next_group_ = 1;
  std::map<std::string, Family> families_;  // by sanitized name
};

}  // namespace tributary::runtime
