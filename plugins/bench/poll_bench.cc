// The cost of a source poll across the plugin boundary, without Kafka: DataGenSourceTask::Poll
// built in against the same task loaded from libdatagen_plugin.so through the loader, in CPU time
// per record (so other load on the machine barely moves it): of the whole process and of the
// thread calling Poll, with the loader polling the plugin on the caller's thread (direct) and on a
// fetcher thread of its own (fetcher). Records are freed outside the timed part, as the worker
// frees them apart from polling.
//
//   plugin_poll_bench <path/to/libdatagen_plugin.so> [batches]
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "connectors/datagen/datagen_source.h"
#include "runtime/worker/plugin_loader.h"

namespace {

using namespace tributary;

class NoOffsets : public SourceTaskContext, public OffsetStorageReader {
 public:
  const ConfigMap& configs() const override { return configs_; }
  OffsetStorageReader& offset_storage_reader() override { return *this; }
  std::optional<SourceMap> Offset(const SourceMap&) override { return std::nullopt; }

 private:
  ConfigMap configs_;
};

double CpuSeconds(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Cost {
  double process_ns = 0;  // CPU of all threads per record (the loader may use a thread of its own)
  double caller_ns = 0;   // CPU of the thread calling Poll per record (the worker's poll thread)
};

// CPU per record over `batches` polls (after a warm-up).
Cost Measure(SourceTask& task, int batches) {
  NoOffsets context;
  task.Initialize(&context);
  Status st = task.Start(
      {{"topic", "t"}, {"rate", "0"}, {"count", "0"}, {"seed", "42"}, {"batch.size", "1000"}});
  if (!st.ok()) {
    std::fprintf(stderr, "start: %s\n", st.ToString().c_str());
    std::exit(1);
  }
  for (int i = 0; i < 20; ++i) (void)task.Poll();
  double process = 0, caller = 0;
  size_t records = 0;
  for (int i = 0; i < batches; ++i) {
    double process_start = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
    double caller_start = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
    Result<std::vector<SourceRecord>> polled = task.Poll();
    caller += CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - caller_start;
    process += CpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - process_start;
    if (!polled.ok()) {
      std::fprintf(stderr, "poll: %s\n", polled.status().ToString().c_str());
      std::exit(1);
    }
    records += polled->size();
  }
  task.Stop();
  double n = static_cast<double>(records);
  return Cost{process * 1e9 / n, caller * 1e9 / n};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <libdatagen_plugin.so> [batches]\n", argv[0]);
    return 2;
  }
  int batches = argc > 2 ? std::atoi(argv[2]) : 2000;
  runtime::Plugins plugins;
  runtime::PluginLibraryReport report = runtime::LoadPluginLibrary(argv[1], plugins);
  if (!report.loaded) {
    std::fprintf(stderr, "cannot load %s: %s\n", argv[1], report.reason.c_str());
    return 1;
  }
  Result<const ConnectorPlugin*> plugin =
      plugins.FindConnector("tributary.plugins.bench.DataGenPluginSourceConnector");
  if (!plugin.ok()) {
    std::fprintf(stderr, "%s\n", plugin.status().ToString().c_str());
    return 1;
  }
  for (int round = 0; round < 3; ++round) {
    connectors::datagen::DataGenSourceTask builtin;
    Cost builtin_cost = Measure(builtin, batches);
    std::printf("CPU per record: built-in %.0f ns", builtin_cost.process_ns);
    for (runtime::PluginPollMode mode :
         {runtime::PluginPollMode::kDirect, runtime::PluginPollMode::kFetcherThread}) {
      runtime::SetPluginPollModeForTest(mode);
      std::unique_ptr<Connector> connector = (*plugin)->factory();
      std::unique_ptr<SourceTask> task = static_cast<SourceConnector&>(*connector).CreateTask();
      Cost plugin_cost = Measure(*task, batches);
      std::printf("; plugin %s %.0f ns in all (boundary %+.0f ns), %.0f ns on the polling thread",
                  mode == runtime::PluginPollMode::kDirect ? "direct" : "fetcher",
                  plugin_cost.process_ns, plugin_cost.process_ns - builtin_cost.process_ns,
                  plugin_cost.caller_ns);
    }
    std::printf("\n");
  }
  return 0;
}
