#pragma once

// Connect's error handling for records (R/errors/): errors.tolerance, retries with backoff,
// the error log and the sink dead-letter queue (RetryWithToleranceOperator, LogReporter,
// DeadLetterQueueReporter).

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/connector.h"
#include "runtime/api/record.h"
#include "runtime/api/status.h"
#include "runtime/kafka/kafka_client.h"

namespace tributary::runtime {

// Where in the pipeline an operation failed (Connect's Stage). Converters and transforms may
// fail for any reason and be tolerated; the other stages only for retriable errors.
enum class ErrorStage {
  kKeyConverter,
  kValueConverter,
  kHeaderConverter,
  kTransformation,
  kTaskPut,
  kTaskPoll,
  kKafkaProduce,
  kKafkaConsume,
};
// "KEY_CONVERTER", "TRANSFORMATION", … as Connect writes them in the DLQ stage header.
const char* ErrorStageName(ErrorStage stage);

enum class ErrorTolerance { kNone, kAll };

// The errors.* keys of a connector (ConnectorConfig / SinkConnectorConfig). The DLQ keys exist
// for sinks only.
const ConfigDef& ErrorHandlingConfigDef(ConnectorType type);

struct ErrorHandlingConfig {
  ErrorTolerance tolerance = ErrorTolerance::kNone;
  std::chrono::milliseconds retry_timeout{0};  // negative: retry forever
  std::chrono::milliseconds retry_delay_max{60000};
  bool log_enable = false;
  bool log_include_messages = false;
  std::string dlq_topic;  // empty: no dead-letter queue
  int dlq_replication_factor = 3;
  bool dlq_context_headers = false;
};

// Parses the errors.* keys of `connector_config`; InvalidConfig naming the key.
Result<ErrorHandlingConfig> ParseErrorHandlingConfig(ConnectorType type,
                                                     const ConfigMap& connector_config);

// Per-task counters, named as Connect's task-error-metrics group. Written by the task thread,
// readable from any thread.
struct ErrorHandlingMetrics {
  std::atomic<int64_t> total_record_errors{0};    // operations that failed (before retries ran out)
  std::atomic<int64_t> total_record_failures{0};  // records whose processing failed for good
  std::atomic<int64_t> total_records_skipped{0};  // failed records tolerated and skipped
  std::atomic<int64_t> total_retries{0};
  std::atomic<int64_t> total_errors_logged{0};
  std::atomic<int64_t> deadletterqueue_produce_requests{0};
  std::atomic<int64_t> deadletterqueue_produce_failures{0};
};

// A record as consumed from Kafka, kept only when its processing failed (for the DLQ and logs).
struct ConsumedRecord {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::optional<int64_t> timestamp;
  std::optional<std::string> key;    // nullopt: Kafka null
  std::optional<std::string> value;  // nullopt: Kafka null
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};
ConsumedRecord ConsumedRecordFromMessage(const rd_kafka_message_t& message);

// What was being done when an operation failed.
struct ProcessingContext {
  ErrorStage stage = ErrorStage::kTransformation;
  std::string executing_class;  // the converter's or transform's class name
  Status error;
  const ConsumedRecord* consumed = nullptr;  // sink tasks
  const SourceRecord* source = nullptr;      // source tasks
  // Handed over by the task (SinkTaskContext::ReportErrant): tolerable whatever the stage, as
  // Connect's errant record reporter.
  bool errant = false;
};

// "topic 'orders' partition 0 offset 17" or "source record for topic 'x' …".
std::string DescribeRecord(const ProcessingContext& context);

// Receives tolerated failures (Connect's ErrorReporter).
class ErrorReporter {
 public:
  virtual ~ErrorReporter() = default;
  virtual void Report(const ProcessingContext& context) = 0;
  // Waits until everything reported so far is durable. Error when a report was lost (a DLQ
  // record Kafka refused), so the caller must not commit past it.
  virtual Status Flush(std::chrono::milliseconds timeout) { return Status::Ok(); }
};

// errors.log.enable: one ERROR log line per failure, with the record's key, value and headers
// when errors.log.include.messages is on.
class LogReporter : public ErrorReporter {
 public:
  LogReporter(std::string task_id, bool include_messages, ErrorHandlingMetrics* metrics)
      : task_id_(std::move(task_id)), include_messages_(include_messages), metrics_(metrics) {}
  void Report(const ProcessingContext& context) override;

 private:
  std::string task_id_;
  bool include_messages_;
  ErrorHandlingMetrics* metrics_;
};

// Sink dead-letter queue: writes the original consumed record (key, value, headers, timestamp)
// to errors.deadletterqueue.topic.name, with Connect's __connect.errors.* context headers when
// enabled. Produces asynchronously; Flush waits for Kafka's acknowledgements.
class DeadLetterQueueReporter : public ErrorReporter {
 public:
  static constexpr const char* kHeaderPrefix = "__connect.errors.";
  static constexpr const char* kTopic = "__connect.errors.topic";
  static constexpr const char* kPartition = "__connect.errors.partition";
  static constexpr const char* kOffset = "__connect.errors.offset";
  static constexpr const char* kConnectorName = "__connect.errors.connector.name";
  static constexpr const char* kTaskId = "__connect.errors.task.id";
  static constexpr const char* kStage = "__connect.errors.stage";
  static constexpr const char* kClassName = "__connect.errors.class.name";
  static constexpr const char* kExceptionClassName = "__connect.errors.exception.class.name";
  static constexpr const char* kExceptionMessage = "__connect.errors.exception.message";
  static constexpr const char* kExceptionStacktrace = "__connect.errors.exception.stacktrace";

  // Creates the producer (from `producer_properties`) and, when missing, the topic with one
  // partition and the configured replication factor (as Connect does; a failure to create it
  // is logged, and producing then relies on the broker's auto-creation).
  static Result<std::unique_ptr<DeadLetterQueueReporter>> Create(
      const ErrorHandlingConfig& config, std::map<std::string, std::string> producer_properties,
      std::string connector, int task, ErrorHandlingMetrics* metrics);
  ~DeadLetterQueueReporter() override;

  void Report(const ProcessingContext& context) override;
  Status Flush(std::chrono::milliseconds timeout) override;

 private:
  DeadLetterQueueReporter() = default;
  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);

  std::string topic_;
  bool context_headers_ = false;
  std::string connector_;
  int task_ = 0;
  ErrorHandlingMetrics* metrics_ = nullptr;
  KafkaHandle producer_;
  Status failed_;  // first refused DLQ record, set from the delivery callback (task thread)
};

// Connect's RetryWithToleranceOperator: retries retriable failures with exponential backoff
// (300 ms doubling up to errors.retry.delay.max.ms, within errors.retry.timeout), then either
// tolerates the failure (reports it and says "skip the record") or fails the task.
// Used on the task thread only.
class RetryWithToleranceOperator {
 public:
  // `sleep` waits (interruptibly) and `stopping` says the task is stopping.
  RetryWithToleranceOperator(ErrorHandlingConfig config, std::string task_id,
                             std::function<void(std::chrono::milliseconds)> sleep,
                             std::function<bool()> stopping);

  void AddReporter(std::unique_ptr<ErrorReporter> reporter) {
    reporters_.push_back(std::move(reporter));
  }
  const ErrorHandlingConfig& config() const { return config_; }
  ErrorHandlingMetrics& metrics() { return metrics_; }

  // Runs `op` (returning Status or Result<T>), retrying while it fails with a retriable error
  // and the retry budget lasts. Returns the last outcome.
  template <typename Op>
  auto ExecuteWithRetry(Op&& op) -> decltype(op()) {
    // The clock is read only once something failed: this runs for every record.
    std::optional<std::chrono::steady_clock::time_point> deadline;
    auto delay = kMinRetryDelay;
    while (true) {
      auto outcome = op();
      if (StatusOf(outcome).ok()) return outcome;
      ++metrics_.total_record_errors;
      if (!StatusOf(outcome).retriable() || stopping_()) return outcome;
      auto now = std::chrono::steady_clock::now();
      if (!deadline) deadline = now + config_.retry_timeout;
      if (config_.retry_timeout.count() >= 0 && now + delay > *deadline) return outcome;
      ++metrics_.total_retries;
      sleep_(delay);
      delay = std::min(delay * 2, config_.retry_delay_max);
    }
  }

  // Decides about a failure that survived retries. OK: tolerated, the record was reported and
  // must be skipped. Error: the task must fail; the message names the stage, class and record
  // ("Tolerance exceeded in error handler: …").
  Status HandleFailure(const ProcessingContext& context);

  // Flushes every reporter (before offsets are committed).
  Status Flush(std::chrono::milliseconds timeout);

 private:
  static constexpr std::chrono::milliseconds kMinRetryDelay{300};
  static const Status& StatusOf(const Status& s) { return s; }
  template <typename T>
  static const Status& StatusOf(const Result<T>& r) {
    return r.status();
  }

  ErrorHandlingConfig config_;
  std::string task_id_;
  std::function<void(std::chrono::milliseconds)> sleep_;
  std::function<bool()> stopping_;
  std::vector<std::unique_ptr<ErrorReporter>> reporters_;
  ErrorHandlingMetrics metrics_;
};

}  // namespace tributary::runtime
