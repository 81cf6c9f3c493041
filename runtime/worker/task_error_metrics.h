#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "runtime/api/metrics.h"
#include "runtime/errors/error_handling.h"

namespace tributary::runtime {

// Connect's task-error-metrics group (kafka.connect:type=task-error-metrics,connector=…,task=…) as
// Prometheus counters kafka_connect_task_error_metrics_<attribute>[_total]. The error handling
// keeps counting in its own ErrorHandlingMetrics; Publish copies what changed since the last call,
// so the record path pays nothing for the export. Task thread only.
class TaskErrorMetrics {
 public:
  explicit TaskErrorMetrics(MetricGroup& group)
      : entries_{{
            Make(group, "total_record_errors", "Record processing errors (each failed attempt).",
                 &ErrorHandlingMetrics::total_record_errors),
            Make(group, "total_record_failures", "Records whose processing failed for good.",
                 &ErrorHandlingMetrics::total_record_failures),
            Make(group, "total_records_skipped", "Failed records tolerated and skipped.",
                 &ErrorHandlingMetrics::total_records_skipped),
            Make(group, "total_retries", "Retries of failed operations.",
                 &ErrorHandlingMetrics::total_retries),
            Make(group, "total_errors_logged", "Errors written to the log.",
                 &ErrorHandlingMetrics::total_errors_logged),
            Make(group, "deadletterqueue_produce_requests",
                 "Records written to the dead letter queue.",
                 &ErrorHandlingMetrics::deadletterqueue_produce_requests),
            Make(group, "deadletterqueue_produce_failures", "Dead letter queue writes that failed.",
                 &ErrorHandlingMetrics::deadletterqueue_produce_failures),
        }} {}

  // Adds to each counter what `source` counted since the last call.
  void Publish(const ErrorHandlingMetrics& source) {
    for (Entry& e : entries_) {
      int64_t now = (source.*e.field).load(std::memory_order_relaxed);
      if (now != e.published) e.counter.Increment(now - e.published);
      e.published = now;
    }
  }

 private:
  struct Entry {
    Counter counter;
    std::atomic<int64_t> ErrorHandlingMetrics::*field;
    int64_t published = 0;
  };
  static Entry Make(MetricGroup& group, const char* name, const char* help,
                    std::atomic<int64_t> ErrorHandlingMetrics::*field) {
    return {group.AddCounter(std::string("kafka_connect_task_error_metrics_") + name, help), field,
            0};
  }

  std::array<Entry, 7> entries_;
};

}  // namespace tributary::runtime
