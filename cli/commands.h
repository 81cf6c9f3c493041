#pragma once

#include <string>
#include <vector>

namespace tributary::cli {

// `tributary standalone worker.properties [connector.properties|.json|.yaml …]`.
// Returns the process exit code.
int RunStandalone(const std::string& worker_file, const std::vector<std::string>& connector_files);

// `tributary run tributary.yaml`: worker and connectors from one YAML file.
int RunYaml(const std::string& file);

// `tributary dev-broker`: an embedded broker on its own; prints `bootstrap.servers=<address>` and
// serves until SIGTERM/SIGINT. `topics` are "name[:partitions]" to create up front.
int RunDevBroker(int brokers, const std::vector<std::string>& topics);

// Blocks SIGTERM and SIGINT in the calling thread (and threads it starts later), so that
// WaitForShutdownSignal can receive them. Call first thing in main.
void BlockShutdownSignals();
// Waits for SIGTERM or SIGINT; returns the signal number.
int WaitForShutdownSignal();

}  // namespace tributary::cli
