#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tributary {

// The labels of one time series, in the order they are exported: (name, value) pairs.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// A count that only goes up (a Prometheus counter). A cheap handle: copies share one value, and
// Increment is one relaxed atomic add, safe from any thread. The value lives as long as any
// handle does, so a handle never dangles; once its group is gone it is simply no longer exported.
// A default-constructed Counter counts into a value of its own that nobody exports.
class Counter {
 public:
  Counter() : cell_(std::make_shared<std::atomic<int64_t>>(0)) {}
  explicit Counter(std::shared_ptr<std::atomic<int64_t>> cell) : cell_(std::move(cell)) {}

  void Increment(int64_t n = 1) const { cell_->fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return cell_->load(std::memory_order_relaxed); }

 private:
  std::shared_ptr<std::atomic<int64_t>> cell_;
};

// A value that goes up and down (a Prometheus gauge). Same handle semantics as Counter.
class Gauge {
 public:
  Gauge() : cell_(std::make_shared<std::atomic<int64_t>>(0)) {}
  explicit Gauge(std::shared_ptr<std::atomic<int64_t>> cell) : cell_(std::move(cell)) {}

  void Set(int64_t v) const { cell_->store(v, std::memory_order_relaxed); }
  void Add(int64_t n) const { cell_->fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return cell_->load(std::memory_order_relaxed); }

 private:
  std::shared_ptr<std::atomic<int64_t>> cell_;
};

// Where a task publishes metrics of its own (Connect's PluginMetrics, KIP-877), exported by the
// worker at GET /metrics in Prometheus text format. Thread-safe. Register a handle once (at
// Start) and keep it: registering takes a lock, updating a handle does not.
//
// The worker adds its own labels first (connector="<name>", task="<n>"); `labels` follow. Series
// belong to the group and leave the export when the task stops.
class MetricGroup {
 public:
  virtual ~MetricGroup() = default;

  // Registers the series `name{labels}` and returns its handle. `name` is a Prometheus name
  // (e.g. "debezium_postgres_snapshot_rows_scanned"; characters other than [a-zA-Z0-9_:] become
  // '_'); a counter's name gets "_total" appended unless it already ends with it. `help` is the
  // family's HELP text (the first registration's wins). Registering the same name and labels
  // again returns the same value. A name already registered as the other kind (counter vs gauge)
  // gets a handle that is not exported, and the worker logs it.
  virtual Counter AddCounter(std::string_view name, std::string_view help,
                             const MetricLabels& labels = {}) = 0;
  virtual Gauge AddGauge(std::string_view name, std::string_view help,
                         const MetricLabels& labels = {}) = 0;
};

// A group that exports nothing: its handles work but nobody reads them. The default of
// SourceTaskContext/SinkTaskContext::plugin_metrics(), for contexts without a metrics registry
// (tests, plugins).
class UnexportedMetricGroup : public MetricGroup {
 public:
  Counter AddCounter(std::string_view, std::string_view, const MetricLabels&) override {
    return Counter();
  }
  Gauge AddGauge(std::string_view, std::string_view, const MetricLabels&) override {
    return Gauge();
  }

  // One shared instance (stateless, so shared safely between threads).
  static MetricGroup& Instance() {
    static UnexportedMetricGroup group;
    return group;
  }
};

}  // namespace tributary
