#include "runtime/herder/sink_offsets.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <regex>
#include <set>
#include <thread>

#include "runtime/kafka/kafka_client.h"

namespace tributary::runtime {

namespace {

using Clock = std::chrono::steady_clock;

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(left.count(), 0));
}

Result<KafkaHandle> NewGroupConsumer(const SinkOffsetsTarget& target) {
  std::map<std::string, std::string> props = target.consumer_properties;
  props.try_emplace("group.id", "connect-" + target.connector);
  props["client.id"] = "connector-offsets-" + target.connector;
  props["enable.auto.commit"] = "false";
  props["enable.auto.offset.store"] = "false";
  TRIBUTARY_ASSIGN_OR_RETURN(KafkaHandle consumer, CreateKafkaHandle(RD_KAFKA_CONSUMER, props));
  rd_kafka_poll_set_consumer(consumer.get());
  return consumer;
}

// Every partition of the topics the connector consumes, from the cluster's metadata.
Result<TopicPartitionList> ConsumedPartitions(rd_kafka_t* rk, const SinkOffsetsTarget& target,
                                              Clock::time_point deadline) {
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, /*all_topics=*/1, nullptr, &metadata,
                                              std::max(RemainingMs(deadline), 1));
  if (err) return StatusFromKafkaError(err, "reading topic metadata");
  std::optional<std::regex> pattern;
  if (!target.topics_regex.empty()) {
    try {
      pattern.emplace(target.topics_regex);
    } catch (const std::regex_error& e) {
      rd_kafka_metadata_destroy(metadata);
      return Status::InvalidConfig("topics.regex: Invalid regex: " + std::string(e.what()));
    }
  }
  const std::set<std::string> topics(target.topics.begin(), target.topics.end());
  TopicPartitionList list(rd_kafka_topic_partition_list_new(0));
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& topic = metadata->topics[i];
    if (topic.err) continue;
    const std::string name = topic.topic;
    if (pattern ? !std::regex_match(name, *pattern) : !topics.count(name)) continue;
    for (int p = 0; p < topic.partition_cnt; ++p) {
      rd_kafka_topic_partition_list_add(list.get(), topic.topic, topic.partitions[p].id);
    }
  }
  rd_kafka_metadata_destroy(metadata);
  rd_kafka_topic_partition_list_sort(list.get(), nullptr, nullptr);
  return list;
}

}  // namespace

Result<std::vector<SinkPartitionOffset>> ReadSinkOffsets(const SinkOffsetsTarget& target) {
  const auto deadline = Clock::now() + target.timeout;
  TRIBUTARY_ASSIGN_OR_RETURN(KafkaHandle consumer, NewGroupConsumer(target));
  TRIBUTARY_ASSIGN_OR_RETURN(TopicPartitionList list,
                             ConsumedPartitions(consumer.get(), target, deadline));
  std::vector<SinkPartitionOffset> out;
  if (list->cnt == 0) return out;
  rd_kafka_resp_err_t err =
      rd_kafka_committed(consumer.get(), list.get(), std::max(RemainingMs(deadline), 1));
  if (err) return StatusFromKafkaError(err, "reading committed offsets");
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& tp = list->elems[i];
    if (tp.err) {
      return StatusFromKafkaError(tp.err, "reading the committed offset of " +
                                              std::string(tp.topic) + "-" +
                                              std::to_string(tp.partition));
    }
    if (tp.offset >= 0) out.push_back({tp.topic, tp.partition, tp.offset});
  }
  return out;
}

Status WriteSinkOffsets(const SinkOffsetsTarget& target,
                        const std::vector<SinkPartitionOffset>& offsets) {
  if (offsets.empty()) return Status::Ok();
  const auto deadline = Clock::now() + target.timeout;
  TRIBUTARY_ASSIGN_OR_RETURN(KafkaHandle consumer, NewGroupConsumer(target));
  rd_kafka_t* rk = consumer.get();

  TopicPartitionList commit(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  std::set<std::string> topics;
  for (const auto& entry : offsets) {
    int64_t offset = 0;
    if (entry.offset) {
      offset = *entry.offset;
    } else {
      int64_t low = 0;
      int64_t high = 0;
      rd_kafka_resp_err_t err =
          rd_kafka_query_watermark_offsets(rk, entry.topic.c_str(), entry.partition, &low, &high,
                                           std::max(RemainingMs(deadline), 1));
      if (err) {
        return StatusFromKafkaError(err, "reading the earliest offset of " + entry.topic + "-" +
                                             std::to_string(entry.partition));
      }
      offset = low;
    }
    rd_kafka_topic_partition_list_add(commit.get(), entry.topic.c_str(), entry.partition)->offset =
        offset;
    topics.insert(entry.topic);
  }

  // Join the group (it has no members while the connector is stopped) so the commit is accepted.
  TopicPartitionList subscription(
      rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& topic : topics) {
    rd_kafka_topic_partition_list_add(subscription.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  TRIBUTARY_RETURN_IF_ERROR(
      StatusFromKafkaError(rd_kafka_subscribe(rk, subscription.get()), "joining the group"));
  Status result = Status::Timeout("the sink connector's consumer group did not accept a member");
  while (RemainingMs(deadline) > 0) {
    if (rd_kafka_message_t* message = rd_kafka_consumer_poll(rk, 100)) {
      rd_kafka_message_destroy(message);  // fetched records are irrelevant; nothing is committed
    }
    rd_kafka_topic_partition_list_t* assignment = nullptr;
    if (rd_kafka_assignment(rk, &assignment) != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    const bool assigned = assignment->cnt > 0;
    rd_kafka_topic_partition_list_destroy(assignment);
    if (!assigned) continue;
    rd_kafka_resp_err_t err = rd_kafka_commit(rk, commit.get(), /*async=*/0);
    if (err) {
      result = StatusFromKafkaError(err, "committing offsets");
      break;
    }
    result = Status::Ok();
    for (int i = 0; i < commit->cnt; ++i) {
      if (commit->elems[i].err) {
        result =
            StatusFromKafkaError(commit->elems[i].err,
                                 "committing the offset of " + std::string(commit->elems[i].topic) +
                                     "-" + std::to_string(commit->elems[i].partition));
        break;
      }
    }
    break;
  }
  rd_kafka_consumer_close(rk);
  return result;
}

}  // namespace tributary::runtime
