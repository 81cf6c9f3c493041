#include "runtime/metrics/metrics_registry.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace tributary::runtime {
namespace {

TEST(MetricsRegistryTest, RendersFamiliesWithOneHelpAndTypeLineSortedByName) {
  MetricsRegistry registry;
  auto task0 = registry.NewGroup({{"connector", "c"}, {"task", "0"}});
  auto task1 = registry.NewGroup({{"connector", "c"}, {"task", "1"}});
  Counter polled0 = task0->AddCounter("kafka_connect_source_task_metrics_source_record_poll_total",
                                      "Records polled.");
  Counter polled1 = task1->AddCounter("kafka_connect_source_task_metrics_source_record_poll_total",
                                      "Records polled.");
  Gauge active = task0->AddGauge("kafka_connect_source_task_metrics_source_record_active_count",
                                 "Records in flight.");
  polled0.Increment(5);
  polled1.Increment();
  active.Set(7);
  active.Add(-2);
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP kafka_connect_source_task_metrics_source_record_active_count Records in "
            "flight.\n"
            "# TYPE kafka_connect_source_task_metrics_source_record_active_count gauge\n"
            "kafka_connect_source_task_metrics_source_record_active_count{connector=\"c\","
            "task=\"0\"} 5\n"
            "# HELP kafka_connect_source_task_metrics_source_record_poll_total Records polled.\n"
            "# TYPE kafka_connect_source_task_metrics_source_record_poll_total counter\n"
            "kafka_connect_source_task_metrics_source_record_poll_total{connector=\"c\","
            "task=\"0\"} 5\n"
            "kafka_connect_source_task_metrics_source_record_poll_total{connector=\"c\","
            "task=\"1\"} 1\n");
}

TEST(MetricsRegistryTest, EscapesLabelValuesAndHelp) {
  MetricsRegistry registry;
  auto group = registry.NewGroup({{"connector", "a\\b\"c\nd"}});
  group->AddGauge("g", "line one\nback\\slash \"quoted\"", {{"table", "public.t"}}).Set(1);
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP g line one\\nback\\\\slash \"quoted\"\n"
            "# TYPE g gauge\n"
            "g{connector=\"a\\\\b\\\"c\\nd\",table=\"public.t\"} 1\n");
}

TEST(MetricsRegistryTest, CounterNamesEndInTotalAndNamesAreSanitized) {
  MetricsRegistry registry;
  auto group = registry.NewGroup({});
  group->AddCounter("records-sent", "", {{"odd-label:x", "v"}}).Increment(3);
  group->AddCounter("sink-record-read-total", "").Increment(2);
  group->AddGauge("9lives.metric", "").Set(-4);
  EXPECT_EQ(registry.RenderPrometheus(),
            "# TYPE _9lives_metric gauge\n"
            "_9lives_metric -4\n"
            "# TYPE records_sent_total counter\n"
            "records_sent_total{odd_label_x=\"v\"} 3\n"
            "# TYPE sink_record_read_total counter\n"
            "sink_record_read_total 2\n");
  EXPECT_EQ(MetricsRegistry::SanitizeName("source-record-poll-total"), "source_record_poll_total");
  EXPECT_EQ(MetricsRegistry::SanitizeName("a:b"), "a:b");
  EXPECT_EQ(MetricsRegistry::SanitizeName(""), "_");
}

TEST(MetricsRegistryTest, SameSeriesTwiceSharesTheValue) {
  MetricsRegistry registry;
  auto group = registry.NewGroup({{"task", "0"}});
  Counter a = group->AddCounter("x_total", "help");
  Counter b = group->AddCounter("x", "other help");
  a.Increment();
  b.Increment();
  EXPECT_EQ(a.value(), 2);
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP x_total help\n# TYPE x_total counter\nx_total{task=\"0\"} 2\n");
}

TEST(MetricsRegistryTest, ATypeClashIsNotExported) {
  MetricsRegistry registry;
  auto group = registry.NewGroup({});
  group->AddGauge("x_total", "a gauge").Set(1);
  Counter clash = group->AddCounter("x_total", "a counter");
  clash.Increment(10);  // works, but is not exported
  EXPECT_EQ(clash.value(), 10);
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP x_total a gauge\n# TYPE x_total gauge\nx_total 1\n");
}

TEST(MetricsRegistryTest, DestroyingAGroupRemovesItsSeriesButHandlesStayValid) {
  MetricsRegistry registry;
  auto keep = registry.NewGroup({{"task", "0"}});
  auto gone = registry.NewGroup({{"task", "1"}});
  keep->AddGauge("g", "").Set(1);
  Gauge orphan = gone->AddGauge("g", "");
  gone->AddCounter("only_gone", "").Increment();
  gone.reset();
  orphan.Set(9);  // the value outlives its group
  EXPECT_EQ(orphan.value(), 9);
  EXPECT_EQ(registry.RenderPrometheus(), "# TYPE g gauge\ng{task=\"0\"} 1\n");
}

TEST(MetricsRegistryTest, ARestartedTaskGetsAFreshSeries) {
  MetricsRegistry registry;
  auto old_task = registry.NewGroup({{"task", "0"}});
  Counter old_counter = old_task->AddCounter("n", "");
  old_counter.Increment(5);
  auto new_task = registry.NewGroup({{"task", "0"}});
  Counter new_counter = new_task->AddCounter("n", "");
  new_counter.Increment();
  old_task.reset();  // must not take the new task's series with it
  EXPECT_EQ(registry.RenderPrometheus(), "# TYPE n_total counter\nn_total{task=\"0\"} 1\n");
}

TEST(MetricsRegistryTest, UpdatesFromManyThreadsWhileRendering) {
  MetricsRegistry registry;
  auto group = registry.NewGroup({});
  Counter counter = group->AddCounter("n", "");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) counter.Increment();
    });
  }
  for (int i = 0; i < 100; ++i) registry.RenderPrometheus();
  for (auto& t : threads) t.join();
  EXPECT_EQ(registry.RenderPrometheus(), "# TYPE n_total counter\nn_total 40000\n");
}

TEST(MetricsRegistryTest, UnexportedGroupHandlesWork) {
  MetricGroup& group = UnexportedMetricGroup::Instance();
  Counter c = group.AddCounter("x", "");
  c.Increment(2);
  EXPECT_EQ(c.value(), 2);
  Gauge g = group.AddGauge("y", "");
  g.Set(3);
  EXPECT_EQ(g.value(), 3);
}

}  // namespace
}  // namespace tributary::runtime
