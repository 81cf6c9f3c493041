#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "runtime/kafka/embedded_broker.h"

namespace tributary::cli {

int RunDevBroker(int brokers, const std::vector<std::string>& topics) {
  auto broker = runtime::EmbeddedBroker::Start(brokers);
  if (!broker.ok()) {
    spdlog::error("{}", broker.status().ToString());
    return 1;
  }
  for (const std::string& spec : topics) {
    std::string name = spec;
    int partitions = 1;
    if (auto colon = spec.rfind(':'); colon != std::string::npos) {
      name = spec.substr(0, colon);
      try {
        partitions = std::stoi(spec.substr(colon + 1));
      } catch (const std::exception&) {
        partitions = 0;
      }
    }
    Status st = (*broker)->CreateTopic(name, partitions);
    if (!st.ok()) {
      spdlog::error("--topic {}: {}", spec, st.ToString());
      return 1;
    }
  }
  spdlog::warn(
      "This broker keeps everything in memory and only the newest ~5 MiB per partition. "
      "It is for development, tests and demos, never for production.");
  std::printf("bootstrap.servers=%s\n", (*broker)->bootstrap_servers().c_str());
  std::fflush(stdout);
  WaitForShutdownSignal();
  return 0;
}

}  // namespace tributary::cli
