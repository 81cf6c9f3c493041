#include "connectors/snowplow/split_batch.h"

#include <ctime>

#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace tributary::connectors::snowplow {
namespace {

std::string Compact(const rapidjson::Value& value) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  value.Accept(w);
  return std::string(out.GetString(), out.GetSize());
}

std::string JsonString(const std::string& s) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(out.GetString(), out.GetSize());
}

// Cuts `s` to at most `n` bytes without splitting a UTF-8 sequence.
std::string Truncate(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

}  // namespace

std::string IsoTimestamp(int64_t epoch_ms) {
  time_t secs = static_cast<time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(epoch_ms % 1000));
  return buf;
}

std::string SizeViolationBadRow(const CollectorPayload& payload, const SplitLimits& limits,
                                int64_t maximum_allowed, int64_t actual, const std::string& message,
                                int64_t now_ms) {
  std::string expectation = Truncate("oversized collector payload: " + message, 256);
  std::string text = Truncate(PayloadToString(payload), static_cast<size_t>(limits.max_bytes / 10));
  return std::string("{\"schema\":\"") + kSizeViolationSchema +
         "\",\"data\":{\"processor\":{\"artifact\":" + JsonString(limits.artifact) +
         ",\"version\":" + JsonString(limits.version) + "},\"failure\":{\"timestamp\":\"" +
         IsoTimestamp(now_ms) +
         "\",\"maximumAllowedSizeBytes\":" + std::to_string(maximum_allowed) +
         ",\"actualSizeBytes\":" + std::to_string(actual) +
         ",\"expectation\":" + JsonString(expectation) + "},\"payload\":" + JsonString(text) + "}}";
}

SplitResult SplitPayload(CollectorPayload payload, const SplitLimits& limits, int64_t now_ms) {
  SplitResult result;
  Bytes serialized = SerializeThrift(payload);
  const int64_t bytes = static_cast<int64_t>(serialized.size());
  if (bytes < limits.max_bytes) {
    result.good.push_back(std::move(payload));
    result.good_thrift.push_back(std::move(serialized));
    return result;
  }
  auto good = [&](CollectorPayload part) {
    result.good_thrift.push_back(SerializeThrift(part));
    result.good.push_back(std::move(part));
  };
  auto bad = [&](int64_t max, int64_t actual, const std::string& message) {
    result.bad.push_back(SizeViolationBadRow(payload, limits, max, actual, message, now_ms));
  };
  if (bytes > limits.max_payload_size) {
    bad(limits.max_payload_size, bytes,
        "Payload exceeds max size of " + std::to_string(limits.max_payload_size) +
            ". Actual length: " + std::to_string(bytes));
    return result;
  }
  if (!payload.__isset.body) {
    bad(limits.max_bytes, bytes, "GET requests cannot be split");
    return result;
  }
  rapidjson::Document doc;
  doc.Parse(payload.body.data(), payload.body.size());
  if (doc.HasParseError()) {
    bad(limits.max_bytes, bytes,
        std::string("cannot split POST requests which are not json: ") +
            rapidjson::GetParseError_En(doc.GetParseError()));
    return result;
  }
  if (!doc.IsObject() || !doc.HasMember("schema") || !doc.HasMember("data")) {
    bad(limits.max_bytes, bytes, "cannot split POST requests which are not self-describing");
    return result;
  }
  const rapidjson::Value& data = doc["data"];
  if (!data.IsArray()) {
    bad(limits.max_bytes, bytes, "cannot split POST requests which do not contain a data array");
    return result;
  }
  const int64_t data_len = static_cast<int64_t>(Compact(data).size());
  const int64_t envelope = bytes - data_len;
  if (envelope >= limits.max_bytes) {
    bad(limits.max_bytes, bytes,
        "cannot split this POST request because event without \"data\" field is still too big");
    return result;
  }
  // Two bytes of slack: "[" and "]" are not in the per-event sizes.
  const int64_t budget = limits.max_bytes - envelope - 2;
  const std::string schema = Compact(doc["schema"]);
  auto make = [&](const std::vector<std::string>& events) {
    CollectorPayload part = payload;
    std::string body = "{\"schema\":" + schema + ",\"data\":[";
    for (size_t i = 0; i < events.size(); ++i) {
      if (i > 0) body += ',';
      body += events[i];
    }
    body += "]}";
    part.__set_body(std::move(body));
    return part;
  };
  std::vector<std::string> batch;
  int64_t batch_size = 0;
  for (const auto& event : data.GetArray()) {
    std::string text = Compact(event);
    const int64_t size = static_cast<int64_t>(text.size()) + 1;
    if (size > budget) {
      CollectorPayload alone = make({text});
      bad(limits.max_bytes, static_cast<int64_t>(SerializeThrift(alone).size()),
          "this POST request split is still too large");
      continue;
    }
    if (batch_size + size > budget && !batch.empty()) {
      good(make(batch));
      batch.clear();
      batch_size = 0;
    }
    batch.push_back(std::move(text));
    batch_size += size;
  }
  if (!batch.empty()) good(make(batch));
  return result;
}

}  // namespace tributary::connectors::snowplow
