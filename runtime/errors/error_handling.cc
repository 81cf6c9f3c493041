#include "runtime/errors/error_handling.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace tributary::runtime {

const char* ErrorStageName(ErrorStage stage) {
  switch (stage) {
    case ErrorStage::kKeyConverter:
      return "KEY_CONVERTER";
    case ErrorStage::kValueConverter:
      return "VALUE_CONVERTER";
    case ErrorStage::kHeaderConverter:
      return "HEADER_CONVERTER";
    case ErrorStage::kTransformation:
      return "TRANSFORMATION";
    case ErrorStage::kTaskPut:
      return "TASK_PUT";
    case ErrorStage::kTaskPoll:
      return "TASK_POLL";
    case ErrorStage::kKafkaProduce:
      return "KAFKA_PRODUCE";
    case ErrorStage::kKafkaConsume:
      return "KAFKA_CONSUME";
  }
  return "UNKNOWN";
}

namespace {

ConfigDef MakeDef(ConnectorType type) {
  ConfigDef def;
  def.Define("errors.retry.timeout", ConfigType::kLong, "0", Importance::kMedium,
             "The maximum duration in milliseconds that a failed operation will be reattempted. "
             "The default is 0, which means no retries will be attempted. Use -1 for infinite "
             "retries.");
  def.Define("errors.retry.delay.max.ms", ConfigType::kLong, "60000", Importance::kMedium,
             "The maximum duration in milliseconds between consecutive retry attempts. Jitter "
             "will be added to the delay once this limit is reached to prevent thundering herd "
             "issues.");
  def.Define("errors.tolerance", ConfigType::kString, "none", Importance::kMedium,
             "Behavior for tolerating errors during connector operation. 'none' is the default "
             "value and signals that any error will result in an immediate connector task "
             "failure; 'all' changes the behavior to skip over problematic records.",
             validators::OneOf({"none", "all"}), "[none, all]");
  def.Define("errors.log.enable", ConfigType::kBoolean, "false", Importance::kMedium,
             "If true, write each error and the details of the failed operation and problematic "
             "record to the Connect application log.");
  def.Define("errors.log.include.messages", ConfigType::kBoolean, "false", Importance::kMedium,
             "Whether to include in the log the Connect record that resulted in a failure.");
  if (type == ConnectorType::kSink) {
    def.Define("errors.deadletterqueue.topic.name", ConfigType::kString, "", Importance::kMedium,
               "The name of the topic to be used as the dead letter queue (DLQ) for messages "
               "that result in an error when processed by this sink connector, or its "
               "transformations or converters. The topic name is blank by default, which means "
               "that no messages are to be recorded in the DLQ.");
    def.Define("errors.deadletterqueue.topic.replication.factor", ConfigType::kShort, "3",
               Importance::kMedium,
               "Replication factor used to create the dead letter queue topic when it doesn't "
               "already exist.");
    def.Define("errors.deadletterqueue.context.headers.enable", ConfigType::kBoolean, "false",
               Importance::kMedium,
               "If true, add headers containing error context to the messages written to the "
               "dead letter queue. To avoid clashing with headers from the original record, all "
               "error context header keys, all error context header keys will start with "
               "<code>__connect.errors.</code>");
  }
  return def;
}

}  // namespace

const ConfigDef& ErrorHandlingConfigDef(ConnectorType type) {
  static const ConfigDef source = MakeDef(ConnectorType::kSource);
  static const ConfigDef sink = MakeDef(ConnectorType::kSink);
  return type == ConnectorType::kSource ? source : sink;
}

Result<ErrorHandlingConfig> ParseErrorHandlingConfig(ConnectorType type,
                                                     const ConfigMap& connector_config) {
  TRIBUTARY_ASSIGN_OR_RETURN(ParsedConfig parsed,
                             ErrorHandlingConfigDef(type).Parse(connector_config));
  ErrorHandlingConfig config;
  std::string tolerance = parsed.GetString("errors.tolerance");
  std::transform(tolerance.begin(), tolerance.end(), tolerance.begin(), ::tolower);
  config.tolerance = tolerance == "all" ? ErrorTolerance::kAll : ErrorTolerance::kNone;
  config.retry_timeout = std::chrono::milliseconds(parsed.GetLong("errors.retry.timeout"));
  config.retry_delay_max =
      std::chrono::milliseconds(std::max<int64_t>(0, parsed.GetLong("errors.retry.delay.max.ms")));
  config.log_enable = parsed.GetBool("errors.log.enable");
  config.log_include_messages = parsed.GetBool("errors.log.include.messages");
  if (type == ConnectorType::kSink) {
    config.dlq_topic = parsed.GetString("errors.deadletterqueue.topic.name");
    config.dlq_replication_factor =
        parsed.GetInt("errors.deadletterqueue.topic.replication.factor");
    config.dlq_context_headers = parsed.GetBool("errors.deadletterqueue.context.headers.enable");
  }
  return config;
}

ConsumedRecord ConsumedRecordFromMessage(const rd_kafka_message_t& message) {
  ConsumedRecord record;
  record.topic = rd_kafka_topic_name(message.rkt);
  record.partition = message.partition;
  record.offset = message.offset;
  rd_kafka_timestamp_type_t ts_type;
  int64_t ts = rd_kafka_message_timestamp(&message, &ts_type);
  if (ts_type != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE) record.timestamp = ts;
  if (message.key) record.key.emplace(static_cast<const char*>(message.key), message.key_len);
  if (message.payload) {
    record.value.emplace(static_cast<const char*>(message.payload), message.len);
  }
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name;
    const void* data;
    size_t size;
    for (size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &data, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      std::optional<std::string> bytes;
      if (data) bytes.emplace(static_cast<const char*>(data), size);
      record.headers.emplace_back(name, std::move(bytes));
    }
  }
  return record;
}

std::string DescribeRecord(const ProcessingContext& context) {
  if (context.consumed) {
    return "topic '" + context.consumed->topic + "' partition " +
           std::to_string(context.consumed->partition) + " offset " +
           std::to_string(context.consumed->offset);
  }
  if (context.source) {
    std::string partition;
    for (const auto& [k, v] : context.source->source_partition) {
      partition += (partition.empty() ? "" : ", ") + k + "=" + v.DebugString();
    }
    std::string offset;
    for (const auto& [k, v] : context.source->source_offset) {
      offset += (offset.empty() ? "" : ", ") + k + "=" + v.DebugString();
    }
    return "source record for topic '" + context.source->topic + "' from source partition {" +
           partition + "} offset {" + offset + "}";
  }
  return "unknown record";
}

namespace {

std::string Describe(const ProcessingContext& context) {
  return std::string("Error in stage ") + ErrorStageName(context.stage) + " (" +
         context.executing_class + ") for " + DescribeRecord(context);
}

std::string Printable(const std::optional<std::string>& bytes) {
  return bytes ? "'" + *bytes + "'" : "null";
}

}  // namespace

void LogReporter::Report(const ProcessingContext& context) {
  std::string record;
  if (context.consumed) {
    const ConsumedRecord& c = *context.consumed;
    record = "where consumed record is {topic='" + c.topic +
             "', partition=" + std::to_string(c.partition) +
             ", offset=" + std::to_string(c.offset) +
             ", timestamp=" + (c.timestamp ? std::to_string(*c.timestamp) : "null");
    if (include_messages_) {
      record += ", key=" + Printable(c.key) + ", value=" + Printable(c.value) + ", headers=[";
      for (size_t i = 0; i < c.headers.size(); ++i) {
        record += (i ? ", " : "") + c.headers[i].first + "=" + Printable(c.headers[i].second);
      }
      record += "]";
    }
    record += "}";
  } else if (context.source) {
    record = "where source record is " + DescribeRecord(context);
    if (include_messages_) {
      record += " key=" + context.source->key.DebugString() +
                " value=" + context.source->value.DebugString();
    }
  }
  spdlog::error("Error encountered in task {}. Executing stage '{}' with class '{}', {}: {}",
                task_id_, ErrorStageName(context.stage), context.executing_class, record,
                context.error.ToString());
  if (metrics_) ++metrics_->total_errors_logged;
}

Result<std::unique_ptr<DeadLetterQueueReporter>> DeadLetterQueueReporter::Create(
    const ErrorHandlingConfig& config, std::map<std::string, std::string> producer_properties,
    std::string connector, int task, ErrorHandlingMetrics* metrics) {
  std::unique_ptr<DeadLetterQueueReporter> reporter(new DeadLetterQueueReporter());
  reporter->topic_ = config.dlq_topic;
  reporter->context_headers_ = config.dlq_context_headers;
  reporter->connector_ = std::move(connector);
  reporter->task_ = task;
  reporter->metrics_ = metrics;
  producer_properties["acks"] = "all";
  producer_properties["enable.idempotence"] = "true";
  producer_properties.try_emplace(
      "client.id", "connector-dlq-producer-" + reporter->connector_ + "-" + std::to_string(task));
  DeadLetterQueueReporter* raw = reporter.get();
  TRIBUTARY_ASSIGN_OR_RETURN(
      reporter->producer_,
      CreateKafkaHandle(RD_KAFKA_PRODUCER, producer_properties, [raw](rd_kafka_conf_t* conf) {
        rd_kafka_conf_set_opaque(conf, raw);
        rd_kafka_conf_set_dr_msg_cb(conf, &DeadLetterQueueReporter::OnDelivery);
      }));

  // Create the topic if missing: one partition, the configured replication factor.
  rd_kafka_t* rk = reporter->producer_.get();
  char errstr[256];
  rd_kafka_NewTopic_t* new_topic = rd_kafka_NewTopic_new(
      config.dlq_topic.c_str(), 1, config.dlq_replication_factor, errstr, sizeof(errstr));
  if (new_topic != nullptr) {
    rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t* options =
        rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(options, 5000, errstr, sizeof(errstr));
    rd_kafka_CreateTopics(rk, &new_topic, 1, options, queue);
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 6000);
    std::string problem = "no answer from the broker";
    if (event != nullptr) {
      problem.clear();
      if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        problem = rd_kafka_event_error_string(event);
      } else if (const rd_kafka_CreateTopics_result_t* result =
                     rd_kafka_event_CreateTopics_result(event)) {
        size_t count = 0;
        const rd_kafka_topic_result_t** topics =
            rd_kafka_CreateTopics_result_topics(result, &count);
        for (size_t i = 0; i < count; ++i) {
          rd_kafka_resp_err_t err = rd_kafka_topic_result_error(topics[i]);
          if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            const char* text = rd_kafka_topic_result_error_string(topics[i]);
            problem = text ? text : rd_kafka_err2str(err);
          }
        }
      }
      rd_kafka_event_destroy(event);
    }
    if (!problem.empty()) {
      spdlog::warn(
          "Could not create dead letter queue topic '{}' ({}); relying on the broker to "
          "create it on first use",
          config.dlq_topic, problem);
    }
    rd_kafka_AdminOptions_destroy(options);
    rd_kafka_queue_destroy(queue);
    rd_kafka_NewTopic_destroy(new_topic);
  }
  return reporter;
}

DeadLetterQueueReporter::~DeadLetterQueueReporter() {
  if (producer_) rd_kafka_flush(producer_.get(), 5000);
}

void DeadLetterQueueReporter::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message,
                                         void* opaque) {
  auto* self = static_cast<DeadLetterQueueReporter*>(opaque);
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  if (self->metrics_) ++self->metrics_->deadletterqueue_produce_failures;
  spdlog::error("Could not produce message to dead letter queue. topic={}: {}", self->topic_,
                rd_kafka_err2str(message->err));
  if (self->failed_.ok()) {
    self->failed_ = StatusFromKafkaError(message->err,
                                         "Failed to write to dead letter queue "
                                         "topic '" +
                                             self->topic_ + "'")
                        .WithRetriable(false);
  }
}

void DeadLetterQueueReporter::Report(const ProcessingContext& context) {
  if (context.consumed == nullptr) return;  // only sink records go to the DLQ
  const ConsumedRecord& record = *context.consumed;
  if (metrics_) ++metrics_->deadletterqueue_produce_requests;
  rd_kafka_headers_t* headers = rd_kafka_headers_new(record.headers.size() + 10);
  for (const auto& [name, bytes] : record.headers) {
    rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()),
                        bytes ? bytes->data() : nullptr, bytes ? bytes->size() : 0);
  }
  if (context_headers_) {
    auto add = [&](const char* key, const std::string& value) {
      rd_kafka_header_add(headers, key, -1, value.data(), value.size());
    };
    add(kTopic, record.topic);
    add(kPartition, std::to_string(record.partition));
    add(kOffset, std::to_string(record.offset));
    add(kConnectorName, connector_);
    add(kTaskId, std::to_string(task_));
    add(kStage, ErrorStageName(context.stage));
    add(kClassName, context.executing_class);
    // There is no Java exception here; name the Connect exception class the failure maps to.
    add(kExceptionClassName, context.error.code() == StatusCode::kDataError
                                 ? "org.apache.kafka.connect.errors.DataException"
                                 : "org.apache.kafka.connect.errors.ConnectException");
    add(kExceptionMessage, context.error.message());
    add(kExceptionStacktrace, context.error.ToString());
  }
  const void* key = record.key ? record.key->data() : nullptr;
  const size_t key_size = record.key ? record.key->size() : 0;
  void* value = record.value ? const_cast<char*>(record.value->data()) : nullptr;
  const size_t value_size = record.value ? record.value->size() : 0;
  while (true) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_.get(), RD_KAFKA_V_TOPIC(topic_.c_str()),
        RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(key, key_size), RD_KAFKA_V_VALUE(value, value_size),
        RD_KAFKA_V_TIMESTAMP(record.timestamp.value_or(0)), RD_KAFKA_V_HEADERS(headers),
        RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;  // librdkafka owns `headers`
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer_.get(), 10);
      continue;
    }
    rd_kafka_headers_destroy(headers);
    if (metrics_) ++metrics_->deadletterqueue_produce_failures;
    if (failed_.ok()) {
      failed_ =
          StatusFromKafkaError(err, "Failed to write to dead letter queue topic '" + topic_ + "'")
              .WithRetriable(false);
    }
    break;
  }
  rd_kafka_poll(producer_.get(), 0);
}

Status DeadLetterQueueReporter::Flush(std::chrono::milliseconds timeout) {
  rd_kafka_resp_err_t err = rd_kafka_flush(producer_.get(), static_cast<int>(timeout.count()));
  if (!failed_.ok()) return failed_;
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Timeout("Dead letter queue records for topic '" + topic_ +
                           "' not acknowledged within " + std::to_string(timeout.count()) + " ms");
  }
  return Status::Ok();
}

RetryWithToleranceOperator::RetryWithToleranceOperator(
    ErrorHandlingConfig config, std::string task_id,
    std::function<void(std::chrono::milliseconds)> sleep, std::function<bool()> stopping)
    : config_(std::move(config)),
      task_id_(std::move(task_id)),
      sleep_(std::move(sleep)),
      stopping_(std::move(stopping)) {}

Status RetryWithToleranceOperator::HandleFailure(const ProcessingContext& context) {
  ++metrics_.total_record_failures;
  const bool tolerable_stage = context.errant || context.stage == ErrorStage::kKeyConverter ||
                               context.stage == ErrorStage::kValueConverter ||
                               context.stage == ErrorStage::kHeaderConverter ||
                               context.stage == ErrorStage::kTransformation;
  if (config_.tolerance == ErrorTolerance::kNone ||
      (!tolerable_stage && !context.error.retriable())) {
    return Status(context.error.code(), "Tolerance exceeded in error handler: " +
                                            Describe(context) + ": " + context.error.ToString());
  }
  ++metrics_.total_records_skipped;
  for (auto& reporter : reporters_) reporter->Report(context);
  if (!config_.log_enable && (config_.dlq_topic.empty() || context.consumed == nullptr)) {
    // Nothing is skipped silently, even when the error log is off and there is no DLQ.
    spdlog::warn("{} Skipped record after a tolerated error: {}: {}", task_id_, Describe(context),
                 context.error.ToString());
  }
  return Status::Ok();
}

Status RetryWithToleranceOperator::Flush(std::chrono::milliseconds timeout) {
  for (auto& reporter : reporters_) TRIBUTARY_RETURN_IF_ERROR(reporter->Flush(timeout));
  return Status::Ok();
}

}  // namespace tributary::runtime
