// The plugin loader: ABI version checks and skipped libraries (plugins/tests/fixtures), and the
// example plugins driven through the loaded connectors' runtime/api interfaces in-process.
#include "runtime/worker/plugin_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "runtime/api/sink_task.h"
#include "runtime/api/source_task.h"
#include "tests/harness/harness.h"

#if defined(__SANITIZE_ADDRESS__)
// GCC 12's sanitizer runtime (fixed in GCC 14 / LLVM 17) may take a plugin's dynamic TLS block for
// one with a pre-2.25 glibc header when it happens to sit 16 bytes into a page, and LeakSanitizer's
// tracer then crashes at exit ("Tracer caught signal 11") after every test passed. Which run hits
// it depends on the heap layout; these tests dlopen several libraries with thread_locals.
extern "C" const char* __asan_default_options() { return "intercept_tls_get_addr=0"; }
#endif

namespace tributary::runtime {
namespace {

using ::testing::HasSubstr;

class FakeConnectorContext : public ConnectorContext {
 public:
  void RequestTaskReconfiguration() override {}
  void RaiseError(const Status& status) override {}
};

class FakeSourceContext : public SourceTaskContext, public OffsetStorageReader {
 public:
  const ConfigMap& configs() const override { return configs_; }
  OffsetStorageReader& offset_storage_reader() override { return *this; }
  std::optional<SourceMap> Offset(const SourceMap& partition) override {
    asked.push_back(partition);
    return stored;
  }
  std::optional<SourceMap> stored;
  std::vector<SourceMap> asked;

 private:
  ConfigMap configs_;
};

class FakeSinkContext : public SinkTaskContext {
 public:
  const ConfigMap& configs() const override { return configs_; }
  void Offset(const TopicPartition& partition, int64_t offset) override {}
  void Timeout(int64_t timeout_ms) override {}
  std::vector<TopicPartition> Assignment() const override { return {{"t", 0}}; }
  void Pause(const std::vector<TopicPartition>& partitions) override {}
  void Resume(const std::vector<TopicPartition>& partitions) override {}
  void RequestCommit() override {}
  Status ReportErrant(const SinkRecord& record, const Status& error) override {
    errant.push_back(record);
    errors.push_back(error);
    return Status::Ok();
  }
  std::vector<SinkRecord> errant;
  std::vector<Status> errors;

 private:
  ConfigMap configs_;
};

TEST(PluginLoaderTest, PluginBuiltAgainstOlderMinorVersionLoadsAndRuns) {
  Plugins plugins;
  PluginLibraryReport report = LoadPluginLibrary(OLD_MINOR_PLUGIN, plugins);
  ASSERT_TRUE(report.loaded) << report.reason;
  EXPECT_EQ(report.name, "old-minor-fixture");
  EXPECT_EQ(report.connectors, std::vector<std::string>{"fixture.OldMinorSourceConnector"});
  auto found = plugins.FindConnector("OldMinorSource");  // Connect's derived alias
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ((*found)->version, "0.9.0");
  EXPECT_EQ((*found)->type, ConnectorType::kSource);

  std::unique_ptr<Connector> connector = (*found)->factory();
  // ABI 1.0 has no connector_validate: the host validates against the declared definition.
  auto errors = connector->Validate({});
  ASSERT_EQ(errors.count("topic"), 1u);
  EXPECT_THAT(errors["topic"][0], HasSubstr("Missing required configuration"));

  FakeConnectorContext connector_context;
  connector->Initialize(&connector_context);
  ASSERT_TRUE(connector->Start({{"topic", "old"}}).ok());
  auto configs = connector->TaskConfigs(3);
  ASSERT_TRUE(configs.ok());
  ASSERT_EQ(configs->size(), 1u);
  EXPECT_EQ((*configs)[0].at("topic"), "old");

  std::unique_ptr<SourceTask> task = static_cast<SourceConnector&>(*connector).CreateTask();
  FakeSourceContext context;
  task->Initialize(&context);
  ASSERT_TRUE(task->Start((*configs)[0]).ok());
  auto records = task->Poll();
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  ASSERT_EQ(records->size(), 10u);
  EXPECT_EQ((*records)[0].topic, "old");
  EXPECT_EQ((*records)[0].value, Value::String("old-1"));
  EXPECT_EQ((*records)[9].value, Value::String("old-10"));
  EXPECT_EQ((*records)[0].value_schema, nullptr);
  task->Stop();
  connector->Stop();
}

// Polled on the caller's thread or by a fetcher thread one batch ahead (the host decodes batch N
// while the plugin makes N+1): batches arrive in order, a failed poll arrives as the error of the
// Poll that would have returned its batch, Stop waits for a fetch in progress, and a Poll after
// Stop is refused.
class PluginPollModeTest : public ::testing::TestWithParam<PluginPollMode> {
 protected:
  void SetUp() override { SetPluginPollModeForTest(GetParam()); }
  void TearDown() override { SetPluginPollModeForTest(PluginPollMode::kAuto); }
};
INSTANTIATE_TEST_SUITE_P(Modes, PluginPollModeTest,
                         ::testing::Values(PluginPollMode::kDirect, PluginPollMode::kFetcherThread),
                         [](const auto& info) {
                           return info.param == PluginPollMode::kDirect ? "Direct" : "Fetcher";
                         });

TEST_P(PluginPollModeTest, SourcePollsArriveInOrderWithTheirErrors) {
  Plugins plugins;
  ASSERT_TRUE(LoadPluginLibrary(OLD_MINOR_PLUGIN, plugins).loaded);
  auto found = plugins.FindConnector("OldMinorSource");
  ASSERT_TRUE(found.ok());
  std::unique_ptr<Connector> connector = (*found)->factory();
  std::unique_ptr<SourceTask> task = static_cast<SourceConnector&>(*connector).CreateTask();
  FakeSourceContext context;
  task->Initialize(&context);
  ASSERT_TRUE(task->Start({{"topic", "flaky"}}).ok());
  auto first = task->Poll();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->size(), 10u);
  EXPECT_EQ((*first)[9].value, Value::String("old-10"));
  auto failed = task->Poll();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(failed.status().retriable());
  EXPECT_EQ(failed.status().message(), "flaky poll 2");
  auto third = task->Poll();
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  ASSERT_EQ(third->size(), 10u);
  EXPECT_EQ((*third)[0].value, Value::String("old-11"));
  task->Stop();
  EXPECT_EQ(task->Poll().status().code(), StatusCode::kCancelled);
}

TEST(PluginLoaderTest, NewerMajorVersionIsRefusedWithClearReason) {
  Plugins plugins;
  PluginLibraryReport report = LoadPluginLibrary(NEWER_MAJOR_PLUGIN, plugins);
  EXPECT_FALSE(report.loaded);
  EXPECT_THAT(report.reason, HasSubstr("built for plugin ABI 2.0"));
  EXPECT_THAT(report.reason, HasSubstr("this worker speaks ABI 1."));
  EXPECT_THAT(report.reason, HasSubstr("rebuild the plugin"));
  EXPECT_TRUE(plugins.connectors().empty());
}

TEST(PluginLoaderTest, LibraryWithoutEntryPointIsSkipped) {
  Plugins plugins;
  PluginLibraryReport report = LoadPluginLibrary(NO_ENTRY_PLUGIN, plugins);
  EXPECT_FALSE(report.loaded);
  EXPECT_THAT(report.reason, HasSubstr("does not export tributary_plugin_entry()"));
}

TEST(PluginLoaderTest, PluginWhoseInitFailsIsSkippedWithItsMessage) {
  Plugins plugins;
  PluginLibraryReport report = LoadPluginLibrary(INIT_FAILS_PLUGIN, plugins);
  EXPECT_FALSE(report.loaded);
  EXPECT_THAT(report.reason, HasSubstr("init failed: license check failed: no license file"));
  EXPECT_TRUE(plugins.connectors().empty());
}

TEST(PluginLoaderTest, ScansDirectoriesLoadsEachLibraryOnceAndSkipsBadOnes) {
  testing::TempDir dir;
  namespace fs = std::filesystem;
  fs::create_directories(dir.path() / "sequence");
  fs::copy_file(SEQUENCE_SOURCE_PLUGIN, dir.path() / "sequence" / "libsequence.so");
  fs::copy_file(NO_ENTRY_PLUGIN, dir.path() / "libnot_a_plugin.so");
  fs::copy_file(NEWER_MAJOR_PLUGIN, dir.path() / "libnewer.so");
  testing::WriteFile(dir.File("README.txt"), "not a library");
  Plugins plugins;
  std::vector<PluginLibraryReport> reports = LoadPlugins(
      {dir.path().string(), dir.File("sequence/libsequence.so"), dir.File("missing")}, plugins);
  ASSERT_EQ(reports.size(), 3u);  // the sequence library once, though named twice
  int loaded = 0;
  for (const auto& r : reports) loaded += r.loaded ? 1 : 0;
  EXPECT_EQ(loaded, 1);
  ASSERT_EQ(plugins.connectors().size(), 1u);
  EXPECT_EQ(plugins.connectors()[0].class_name, "com.example.tributary.SequenceSourceConnector");
  EXPECT_EQ(plugins.connectors()[0].version, "1.0.0");
  // The skipped entries are kept for GET /connector-plugins/diagnostics, in load order.
  ASSERT_EQ(plugins.load_problems().size(), 3u);
  EXPECT_EQ(plugins.load_problems()[0].path, dir.File("missing"));
  EXPECT_THAT(plugins.load_problems()[0].reason, HasSubstr("does not exist"));
  EXPECT_EQ(plugins.load_problems()[1].path, dir.File("libnewer.so"));
  EXPECT_THAT(plugins.load_problems()[1].reason, HasSubstr("built for plugin ABI 2.0"));
  EXPECT_EQ(plugins.load_problems()[2].path, dir.File("libnot_a_plugin.so"));
  // A second library claiming the same connector name does not replace the first.
  PluginLibraryReport again = LoadPluginLibrary(SEQUENCE_SOURCE_PLUGIN, plugins);
  EXPECT_TRUE(again.loaded);
  EXPECT_THAT(again.reason, HasSubstr("the name is taken"));
  EXPECT_EQ(plugins.connectors().size(), 1u);
  ASSERT_EQ(plugins.load_problems().size(), 4u);
  EXPECT_THAT(plugins.load_problems()[3].reason, HasSubstr("the name is taken"));
}

TEST(PluginLoaderTest, SdkSourceValidatesInPluginResumesFromOffsetAndKeepsLogicalTypes) {
  Plugins plugins;
  ASSERT_TRUE(LoadPluginLibrary(SEQUENCE_SOURCE_PLUGIN, plugins).loaded);
  auto plugin = plugins.FindConnector("SequenceSource");
  ASSERT_TRUE(plugin.ok());
  std::unique_ptr<Connector> connector = (*plugin)->factory();
  // The plugin's own validators run (connector_validate), not only type checks.
  auto errors = connector->Validate({{"topic", ""}, {"count", "-1"}});
  ASSERT_EQ(errors["topic"].size(), 1u);
  ASSERT_EQ(errors["count"].size(), 1u);
  EXPECT_THAT(errors["count"][0], HasSubstr("at least 0"));
  EXPECT_TRUE(connector->Validate({{"topic", "seq"}})["topic"].empty());
  // The definition as data answers GET /connector-plugins/<name>/config.
  ASSERT_NE(connector->Definition().Find("batch.size"), nullptr);
  EXPECT_EQ(connector->Definition().Find("batch.size")->default_value, "500");

  std::unique_ptr<SourceTask> task = static_cast<SourceConnector&>(*connector).CreateTask();
  FakeSourceContext context;
  context.stored = SourceMap{{"seq", Value::Int64(5)}};
  task->Initialize(&context);
  ASSERT_TRUE(task->Start({{"topic", "seq"}, {"count", "12"}, {"batch.size", "4"}}).ok());
  ASSERT_EQ(context.asked.size(), 1u);
  EXPECT_EQ(context.asked[0].at("source"), Value::String("sequence"));
  std::vector<SourceRecord> all;
  for (int i = 0; i < 3; ++i) {
    auto records = task->Poll();
    ASSERT_TRUE(records.ok()) << records.status().ToString();
    all.insert(all.end(), records->begin(), records->end());
  }
  ASSERT_EQ(all.size(), 7u);  // 6..12
  const SourceRecord& first = all[0];
  EXPECT_EQ(first.key, Value::Int64(6));
  EXPECT_EQ(first.source_offset.at("seq"), Value::Int64(6));
  ASSERT_NE(first.value_schema, nullptr);
  EXPECT_TRUE(first.value_schema->FindField("created")->schema->IsLogical(Timestamp::kLogicalName));
  EXPECT_TRUE(first.value_schema->FindField("amount")->schema->IsLogical(Decimal::kLogicalName));
  EXPECT_TRUE(ValidateValue(first.value_schema, first.value).ok());
  EXPECT_EQ(*first.value.as_struct().Get("amount"), Value::DecimalValue(DecimalValue{"150", 2}));
  ASSERT_EQ(first.headers.size(), 1u);
  EXPECT_EQ(first.headers[0].value, Value::String("sequence"));
  EXPECT_EQ(all[0].value_schema.get(), all[6].value_schema.get());  // shared across batches
  task->Stop();
}

TEST(PluginLoaderTest, SdkSinkWritesFlushesAndReportsErrantRecordsThroughTheHost) {
  testing::TempDir dir;
  Plugins plugins;
  ASSERT_TRUE(LoadPluginLibrary(TEXT_SINK_PLUGIN, plugins).loaded);
  auto plugin = plugins.FindConnector("com.example.tributary.TextSinkConnector");
  ASSERT_TRUE(plugin.ok());
  std::unique_ptr<Connector> connector = (*plugin)->factory();
  std::unique_ptr<SinkTask> task = static_cast<SinkConnector&>(*connector).CreateTask();
  FakeSinkContext context;
  task->Initialize(&context);
  ASSERT_TRUE(task->Start({{"file", dir.File("out.txt")}}).ok());
  ASSERT_TRUE(task->Open({{"t", 0}}).ok());
  std::vector<SinkRecord> records(3);
  for (int i = 0; i < 3; ++i) {
    records[i].topic = "t";
    records[i].kafka_partition = 0;
    records[i].kafka_offset = i;
    records[i].key = Value::String("k" + std::to_string(i));
    if (i != 1) records[i].value = Value::Int32(i);
  }
  ASSERT_TRUE(task->Put(records).ok());
  auto committable = task->PreCommit({{{"t", 0}, 3}});
  ASSERT_TRUE(committable.ok()) << committable.status().ToString();
  EXPECT_EQ(committable->at({"t", 0}), 3);
  std::vector<std::string> lines = testing::ReadLines(dir.File("out.txt"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("t 0 0"));
  EXPECT_THAT(lines[1], HasSubstr("t 0 2"));
  ASSERT_EQ(context.errant.size(), 1u);
  EXPECT_EQ(context.errant[0].kafka_offset, 1);
  EXPECT_EQ(context.errors[0].code(), StatusCode::kDataError);
  EXPECT_THAT(context.errors[0].message(), HasSubstr("null value"));
  ASSERT_TRUE(task->Close({{"t", 0}}).ok());
  task->Stop();
}

}  // namespace
}  // namespace tributary::runtime
