// tributary: a Kafka Connect-compatible connector runtime.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "cli/version.h"
#include "rest-api/basic_auth.h"

#if defined(__SANITIZE_ADDRESS__)
// Sanitizer builds only (the dev preset). GCC 12's sanitizer runtime (fixed in GCC 14 / LLVM 17)
// may take a plugin's dynamic TLS block for one with a pre-2.25 glibc header when it happens to sit
// 16 bytes into a page, and LeakSanitizer's tracer then crashes at exit ("Tracer caught signal
// 11"). Whether a run hits it depends on the heap layout; the worker dlopens plugins from
// plugin.path. runtime/worker/tests/plugin_loader_test.cc sets the same for its own binary.
extern "C" const char* __asan_default_options() { return "intercept_tls_get_addr=0"; }
#endif

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

// `tributary hash-password <user>`: reads the password from the first line of stdin (so it never
// shows in the process list or shell history) and prints a rest.basic.auth.credentials.file line.
int HashPassword(const std::string& user, int iterations) {
  std::string password;
  if (!std::getline(std::cin, password)) {
    std::cerr << "hash-password: expected the password on standard input\n";
    return 1;
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) {
    std::cerr << "hash-password: the password is empty\n";
    return 1;
  }
  auto line = rest::BasicAuthenticator::HashLine(user, password, iterations);
  std::fill(password.begin(), password.end(), '\0');
  if (!line.ok()) {
    std::cerr << "hash-password: " << line.status().message() << "\n";
    return 1;
  }
  std::cout << *line << "\n";
  return 0;
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

  std::string hash_user;
  int iterations = tributary::rest::BasicAuthenticator::kDefaultIterations;
  auto* hash_password = app.add_subcommand(
      "hash-password",
      "Read a password from stdin and print a line for rest.basic.auth.credentials.file");
  hash_password->add_option("user", hash_user, "user name")->required();
  hash_password->add_option("--iterations", iterations, "PBKDF2-HMAC-SHA256 iterations")
      ->check(CLI::Range(1, 100000000));

  CLI11_PARSE(app, argc, argv);
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] %^%l%$ %v");

  if (*standalone) return tributary::cli::RunStandalone(worker_file, connector_files);
  if (*run) return tributary::cli::RunYaml(yaml_file);
  if (*dev_broker) return tributary::cli::RunDevBroker(brokers, topics);
  if (*hash_password) return tributary::cli::HashPassword(hash_user, iterations);
  return 2;
}
