#include "runtime/metrics/metrics_registry.h"

#include <spdlog/spdlog.h>

namespace tributary::runtime {

struct MetricsRegistry::Series {
  MetricLabels labels;  // sanitized names, raw values
  std::shared_ptr<std::atomic<int64_t>> cell;
  uint64_t owner = 0;
};

struct MetricsRegistry::Family {
  MetricType type = MetricType::kGauge;
  std::string help;
  std::map<std::string, Series> series;  // by rendered label set
};

class MetricsRegistry::Group : public MetricGroup {
 public:
  Group(MetricsRegistry* registry, uint64_t id, MetricLabels labels)
      : registry_(registry), id_(id), labels_(std::move(labels)) {}
  ~Group() override { registry_->RemoveGroup(id_); }

  Counter AddCounter(std::string_view name, std::string_view help,
                     const MetricLabels& labels) override {
    return Counter(registry_->Register(id_, MetricType::kCounter, name, help, Join(labels)));
  }
  Gauge AddGauge(std::string_view name, std::string_view help,
                 const MetricLabels& labels) override {
    return Gauge(registry_->Register(id_, MetricType::kGauge, name, help, Join(labels)));
  }

 private:
  MetricLabels Join(const MetricLabels& labels) const {
    MetricLabels all = labels_;
    all.insert(all.end(), labels.begin(), labels.end());
    return all;
  }

  MetricsRegistry* registry_;
  const uint64_t id_;
  const MetricLabels labels_;
};

namespace {

bool IsNameChar(char c, bool colon_ok) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         (colon_ok && c == ':');
}

std::string Sanitize(std::string_view name, bool colon_ok) {
  std::string out;
  out.reserve(name.size() + 1);
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) out += '_';
  for (char c : name) out += IsNameChar(c, colon_ok) ? c : '_';
  return out;
}

// Label values: backslash, double quote and newline are escaped (text format 0.0.4).
void AppendLabelValue(std::string& out, const std::string& value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// HELP text: backslash and newline are escaped (a double quote is not).
std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// `{a="x",b="y"}`, or empty without labels.
std::string RenderLabels(const MetricLabels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first;
    out += "=\"";
    AppendLabelValue(out, labels[i].second);
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

std::string MetricsRegistry::SanitizeName(std::string_view name) { return Sanitize(name, true); }

std::unique_ptr<MetricGroup> MetricsRegistry::NewGroup(MetricLabels labels) {
  std::lock_guard lock(mutex_);
  return std::make_unique<Group>(this, next_group_++, std::move(labels));
}

std::shared_ptr<std::atomic<int64_t>> MetricsRegistry::Register(uint64_t owner, MetricType type,
                                                                std::string_view name,
                                                                std::string_view help,
                                                                const MetricLabels& labels) {
  std::string family_name = SanitizeName(name);
  if (type == MetricType::kCounter &&
      (family_name.size() < 6 || family_name.compare(family_name.size() - 6, 6, "_total") != 0)) {
    family_name += "_total";
  }
  MetricLabels clean;
  clean.reserve(labels.size());
  for (const auto& [label, value] : labels) {
    // Label names may not contain ':'; names starting with "__" are reserved, which a caller
    // would have to spell on purpose, so they are kept as given (sanitized).
    clean.emplace_back(Sanitize(label, false), value);
  }
  std::string key = RenderLabels(clean);

  std::lock_guard lock(mutex_);
  auto [family_it, inserted] = families_.try_emplace(family_name);
  Family& family = family_it->second;
  if (inserted) {
    family.type = type;
    family.help = std::string(help);
  } else if (family.type != type) {
    spdlog::warn("Metric {} is already registered as a {}; this registration is not exported",
                 family_name, family.type == MetricType::kCounter ? "counter" : "gauge");
    return std::make_shared<std::atomic<int64_t>>(0);
  }
  auto [series_it, fresh] = family.series.try_emplace(key);
  Series& series = series_it->second;
  if (fresh || series.owner != owner) {
    series.labels = std::move(clean);
    series.cell = std::make_shared<std::atomic<int64_t>>(0);
    series.owner = owner;
  }
  return series.cell;
}

void MetricsRegistry::RemoveGroup(uint64_t owner) {
  std::lock_guard lock(mutex_);
  for (auto family = families_.begin(); family != families_.end();) {
    auto& series = family->second.series;
    std::erase_if(series, [owner](const auto& entry) { return entry.second.owner == owner; });
    family = series.empty() ? families_.erase(family) : std::next(family);
  }
}

std::string MetricsRegistry::RenderPrometheus() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, family] : families_) {
    if (!family.help.empty()) out += "# HELP " + name + ' ' + EscapeHelp(family.help) + '\n';
    out += "# TYPE " + name + (family.type == MetricType::kCounter ? " counter\n" : " gauge\n");
    for (const auto& [labels, series] : family.series) {
      out += name;
      out += labels;
      out += ' ';
      out += std::to_string(series.cell->load(std::memory_order_relaxed));
      out += '\n';
    }
  }
  return out;
}

}  // namespace tributary::runtime
