#include "connectors/datagen/datagen_source.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <thread>

namespace tributary::connectors::datagen {
namespace {

// Longest single sleep inside Poll, so pause and stop take effect promptly.
constexpr int64_t kMaxWaitMicros = 500 * 1000;
// Sleep of a Poll once `count` records were made (the worker keeps polling a finished task).
constexpr int64_t kFinishedWaitMicros = 200 * 1000;
constexpr int kUserCount = 10000;

// SplitMix64: a tiny, fast generator; good enough for fake data and cheap to seed per record.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t state) : state_(state) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n).
  uint64_t Below(uint64_t n) { return Next() % n; }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

uint64_t Mix(uint64_t a, uint64_t b) { return SplitMix64(a ^ (b * 0x9e3779b97f4a7c15ULL)).Next(); }

std::string Hex(uint64_t v, int digits) {
  static const char kHex[] = "0123456789abcdef";
  std::string out(digits, '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) out[i] = kHex[v & 0xf];
  return out;
}

// A random (version 4) UUID in its canonical text form.
std::string Uuid(SplitMix64& rng) {
  uint64_t hi = rng.Next();
  uint64_t lo = rng.Next();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;              // version 4
  lo = (lo & ~(0xc0ULL << 56)) | (0x80ULL << 56);  // RFC 4122 variant
  std::string h = Hex(hi, 16);
  std::string l = Hex(lo, 16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + l.substr(0, 4) +
         "-" + l.substr(4, 12);
}

template <size_t N>
const char* Pick(const char* const (&items)[N], SplitMix64& rng) {
  return items[rng.Below(N)];
}

constexpr const char* kSite = "https://shop.example.com";
constexpr const char* kCategories[] = {"fruit",  "vegetables", "dairy",     "bakery", "meat",
                                       "frozen", "drinks",     "household", "snacks"};
constexpr const char* kSearchTerms[] = {"milk",  "organic+eggs", "bread",  "coffee", "bananas",
                                        "pasta", "olive+oil",    "cheese", "yoghurt"};
constexpr const char* kExternalReferrers[] = {
    "https://www.google.com/",   "https://www.bing.com/", "https://duckduckgo.com/",
    "https://www.facebook.com/", "https://t.co/",         "https://newsletter.example.com/weekly"};
constexpr const char* kUserAgents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"};
// Weighted: earlier countries are more frequent.
constexpr const char* kCountries[] = {"US", "US", "US", "GB", "GB", "DE", "DE", "FR", "NL",
                                      "CA", "AU", "IN", "BR", "JP", "ES", "IT", "SE", "PL"};

std::string PagePath(SplitMix64& rng) {
  switch (rng.Below(10)) {
    case 0:
    case 1:
      return "/";
    case 2:
    case 3:
    case 4:
      return "/products/" + std::to_string(1 + rng.Below(5000));
    case 5:
    case 6:
      return std::string("/category/") + Pick(kCategories, rng);
    case 7:
      return std::string("/search?q=") + Pick(kSearchTerms, rng);
    case 8:
      return "/cart";
    default:
      return rng.Below(2) == 0 ? "/checkout" : "/account";
  }
}

class SystemClock : public DataGenClock {
 public:
  int64_t NowMicros() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  int64_t WallMillis() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void SleepMicros(int64_t micros) override {
    if (micros > 0) std::this_thread::sleep_for(std::chrono::microseconds(micros));
  }
};

}  // namespace

DataGenClock& SystemDataGenClock() {
  static SystemClock* clock = new SystemClock();
  return *clock;
}

const ConfigDef& DataGenConfigDef() {
  static const ConfigDef* def = [] {
    auto* d = new ConfigDef();
    d->Define(kTopicConfig, ConfigType::kString, kNoDefault, Importance::kHigh,
              "The topic to write page-view events to.", validators::NonEmptyString());
    d->Define(kRateConfig, ConfigType::kLong, "10", Importance::kMedium,
              "Records per second for the whole connector, split across its tasks. 0 means as "
              "fast as possible.",
              validators::AtLeast(0), "[0,...]");
    d->Define(kCountConfig, ConfigType::kLong, "0", Importance::kMedium,
              "Records to produce in total for the whole connector, split across its tasks; "
              "each task stops producing once it made its share. 0 means no limit.",
              validators::AtLeast(0), "[0,...]");
    d->Define(kBatchSizeConfig, ConfigType::kInt, "1000", Importance::kLow,
              "The maximum number of records one poll returns.", validators::Between(1, INT32_MAX),
              "[1,...]");
    d->Define(kSeedConfig, ConfigType::kLong, kNullDefault, Importance::kLow,
              "Seed for the generator. When set, record contents (except event_time) are "
              "reproducible; when not, a random seed is chosen at task start.");
    return d;
  }();
  return *def;
}

namespace {
const ConfigDef& TaskConfigDef() {
  static const ConfigDef* def = [] {
    auto* d = new ConfigDef(DataGenConfigDef());
    d->Define(kTaskIndexConfig, ConfigType::kInt, "0", Importance::kLow,
              "The task's number (set by the connector).", validators::AtLeast(0));
    return d;
  }();
  return *def;
}
}  // namespace

const SchemaPtr& PageViewSchema() {
  static const SchemaPtr* schema = new SchemaPtr(
      SchemaBuilder::Struct()
          .Name("tributary.connectors.datagen.PageView")
          .Version(1)
          .Doc("A page view on a web shop, as a web analytics tracker would report it.")
          .AddField("event_id", schemas::String())
          .AddField("user_id", schemas::String())
          .AddField("session_id", schemas::String())
          .AddField("page_url", schemas::String())
          .AddField("referrer", schemas::OptionalString())
          .AddField("user_agent", schemas::String())
          .AddField("country", schemas::String())
          .AddField("event_time", Timestamp::Builder().BuildOrDie())
          .AddField("duration_ms", schemas::Int32())
          .BuildOrDie());
  return *schema;
}

std::string DataGenSourceConnector::Version() const { return TRIBUTARY_VERSION; }

Status DataGenSourceConnector::Start(const ConfigMap& props) {
  auto parsed = DataGenConfigDef().Parse(props);
  if (!parsed.ok()) return parsed.status();
  props_ = props;
  rate_ = parsed->GetLong(kRateConfig);
  count_ = parsed->GetLong(kCountConfig);
  return Status::Ok();
}

Result<std::vector<ConfigMap>> DataGenSourceConnector::TaskConfigs(int max_tasks) {
  int64_t tasks = std::max(max_tasks, 1);
  if (rate_ > 0) tasks = std::min(tasks, rate_);
  if (count_ > 0) tasks = std::min(tasks, count_);
  std::vector<ConfigMap> configs;
  for (int64_t i = 0; i < tasks; ++i) {
    ConfigMap config = props_;
    // Shares differ by at most one; the first tasks take the remainder.
    int64_t rate = rate_ == 0 ? 0 : rate_ / tasks + (i < rate_ % tasks ? 1 : 0);
    int64_t count = count_ == 0 ? 0 : count_ / tasks + (i < count_ % tasks ? 1 : 0);
    config[kRateConfig] = std::to_string(rate);
    config[kCountConfig] = std::to_string(count);
    config[kTaskIndexConfig] = std::to_string(i);
    configs.push_back(std::move(config));
  }
  return configs;
}

std::unique_ptr<SourceTask> DataGenSourceConnector::CreateTask() const {
  return std::make_unique<DataGenSourceTask>();
}

std::string DataGenSourceTask::Version() const { return TRIBUTARY_VERSION; }

Status DataGenSourceTask::Start(const ConfigMap& props) {
  auto parsed = TaskConfigDef().Parse(props);
  if (!parsed.ok()) return parsed.status();
  topic_ = parsed->GetString(kTopicConfig);
  rate_ = parsed->GetLong(kRateConfig);
  count_ = parsed->GetLong(kCountConfig);
  batch_size_ = parsed->GetInt(kBatchSizeConfig);
  task_index_ = parsed->GetInt(kTaskIndexConfig);
  if (parsed->Has(kSeedConfig)) {
    seed_ = static_cast<uint64_t>(parsed->GetLong(kSeedConfig));
  } else {
    std::random_device rd;
    seed_ = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }
  next_seq_ = 0;
  window_started_ = false;
  if (context() != nullptr) {
    std::optional<SourceMap> stored =
        context()->offset_storage_reader().Offset({{kTaskField, Value::Int64(task_index_)}});
    if (stored) {
      auto it = stored->find(kSeqField);
      if (it != stored->end()) {
        std::optional<int64_t> seq = it->second.AsInteger();
        if (!seq || *seq < 0) {
          return Status::DataError("DataGenSourceTask: stored offset seq for task " +
                                   std::to_string(task_index_) +
                                   " is not a non-negative integer: " + it->second.DebugString());
        }
        next_seq_ = *seq;
      }
    }
  }
  return Status::Ok();
}

int64_t DataGenSourceTask::DueRecords() {
  if (rate_ == 0) return batch_size_;
  int64_t now = clock_->NowMicros();
  if (!window_started_) {
    window_started_ = true;
    window_start_us_ = now;
    window_emitted_ = 0;
  }
  auto due_at = [&](int64_t t) {
    return static_cast<int64_t>(static_cast<__int128>(t - window_start_us_) * rate_ / 1000000) -
           window_emitted_;
  };
  int64_t due = due_at(now);
  if (due > rate_) {
    // Far behind (a long pause between polls): allow at most one second's worth of catch-up.
    window_start_us_ = now - 1000000;
    window_emitted_ = 0;
    due = rate_;
  }
  if (due > 0) return due;
  // Sleep until the next record is due, but never long, so pause and stop take effect.
  int64_t next_at = window_start_us_ +
                    static_cast<int64_t>(
                        (static_cast<__int128>(window_emitted_ + 1) * 1000000 + rate_ - 1) / rate_);
  clock_->SleepMicros(std::min(next_at - now, kMaxWaitMicros));
  return std::max<int64_t>(due_at(clock_->NowMicros()), 0);
}

Result<SourceRecord> DataGenSourceTask::MakeRecord(int64_t seq) {
  SplitMix64 rng(Mix(Mix(seed_, static_cast<uint64_t>(task_index_)), static_cast<uint64_t>(seq)));
  // Squaring a uniform number favours low user numbers: a few heavy users, a long tail.
  double u = rng.Unit();
  int user = static_cast<int>(u * u * kUserCount);
  std::string user_id = "user-" + std::to_string(user);
  // A user's session changes every few hundred events of this task.
  uint64_t session = Mix(Mix(seed_, static_cast<uint64_t>(user)), static_cast<uint64_t>(seq / 500));
  std::string event_id = Uuid(rng);
  std::string page_url = kSite + PagePath(rng);
  Value referrer;
  uint64_t ref_kind = rng.Below(20);
  if (ref_kind < 7) {
    referrer = Value::Null();  // direct traffic
  } else if (ref_kind < 13) {
    referrer = Value::String(Pick(kExternalReferrers, rng));
  } else {
    referrer = Value::String(kSite + PagePath(rng));
  }
  std::string user_agent = Pick(kUserAgents, rng);
  std::string country = Pick(kCountries, rng);
  int64_t event_time = clock_->WallMillis();
  // Time on page: roughly exponential around 20 s, capped at 10 minutes.
  double duration = -std::log(1.0 - rng.Unit()) * 20000.0;
  int32_t duration_ms = static_cast<int32_t>(std::min(duration, 600000.0));

  Struct value(PageViewSchema());
  Status st;
  auto put = [&](const char* name, Value v) {
    if (st.ok()) st = value.Put(name, std::move(v));
  };
  put("event_id", Value::String(std::move(event_id)));
  put("user_id", Value::String(user_id));
  put("session_id", Value::String(Hex(session, 16)));
  put("page_url", Value::String(std::move(page_url)));
  put("referrer", std::move(referrer));
  put("user_agent", Value::String(std::move(user_agent)));
  put("country", Value::String(std::move(country)));
  put("event_time", Value::Int64(event_time));
  put("duration_ms", Value::Int32(duration_ms));
  if (!st.ok()) return st.WithContext("DataGenSourceTask: building a page view");

  SourceRecord record;
  record.topic = topic_;
  record.key_schema = schemas::String();
  record.key = Value::String(std::move(user_id));
  record.value_schema = PageViewSchema();
  record.value = Value::StructValue(std::move(value));
  record.timestamp = event_time;
  record.source_partition = {{kTaskField, Value::Int64(task_index_)}};
  record.source_offset = {{kSeqField, Value::Int64(seq + 1)}};
  return record;
}

Result<std::vector<SourceRecord>> DataGenSourceTask::Poll() {
  std::vector<SourceRecord> records;
  int64_t want = batch_size_;
  if (count_ > 0) {
    want = std::min(want, count_ - next_seq_);
    if (want <= 0) {
      clock_->SleepMicros(kFinishedWaitMicros);
      return records;
    }
  }
  want = std::min(want, DueRecords());
  records.reserve(static_cast<size_t>(std::max<int64_t>(want, 0)));
  for (int64_t i = 0; i < want; ++i) {
    TRIBUTARY_ASSIGN_OR_RETURN(SourceRecord record, MakeRecord(next_seq_));
    records.push_back(std::move(record));
    ++next_seq_;
  }
  if (rate_ > 0) window_emitted_ += want;
  return records;
}

ConnectorPlugin DataGenSourcePlugin() {
  ConnectorPlugin plugin;
  plugin.class_name = DataGenSourceConnector::kClassName;
  plugin.aliases = {"DataGenSource", "DataGen"};
  plugin.type = ConnectorType::kSource;
  plugin.version = TRIBUTARY_VERSION;
  plugin.factory = [] { return std::make_unique<DataGenSourceConnector>(); };
  return plugin;
}

}  // namespace tributary::connectors::datagen
