// tributary: a Kafka Connect-compatible connector runtime.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "cli/commands.h"
#include "cli/version.h"

namespace tributary::cli {

void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal = 0;
  sigwait(&set, &signal);
  return signal;
}

}  // namespace tributary::cli

int main(int argc, char** argv) {
  tributary::cli::BlockShutdownSignals();
  CLI::App app{"Tributary: a Kafka Connect-compatible connector runtime"};
  app.set_version_flag("--version", std::string("tributary ") + tributary::kVersion + " (" +
                                        tributary::kCommit + ")");
  app.require_subcommand(1);

  std::string worker_file;
  std::vector<std::string> connector_files;
  auto* standalone = app.add_subcommand(
      "standalone",
      "Run a standalone worker, as connect-standalone.sh: worker.properties then "
      "connector configs (.properties, .json or .yaml)");
  standalone->add_option("worker", worker_file, "worker configuration")->required();
  standalone->add_option("connectors", connector_files, "connector configurations");

  std::string yaml_file;
  auto* run =
      app.add_subcommand("run", "Run a standalone worker from one YAML file (worker + connectors)");
  run->add_option("file", yaml_file, "tributary.yaml")->required();

  int brokers = 1;
  std::vector<std::string> topics;
  auto* dev_broker = app.add_subcommand(
      "dev-broker", "Run an in-memory Kafka-protocol broker for development and print its address");
  dev_broker->add_option("--brokers", brokers, "number of brokers")->check(CLI::Range(1, 9));
  dev_broker->add_option("--topic", topics, "create a topic up front: name[:partitions]");

  CLI11_PARSE(app, argc, argv);
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] %^%l%$ %v");

  if (*standalone) return tributary::cli::RunStandalone(worker_file, connector_files);
  if (*run) return tributary::cli::RunYaml(yaml_file);
  if (*dev_broker) return tributary::cli::RunDevBroker(brokers, topics);
  return 2;
}
