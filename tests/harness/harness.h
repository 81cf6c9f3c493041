#pragma once

// Test harness for cross-module tests: temporary directories, child processes (the real
// `tributary` binary), waiting on conditions with deadlines, and file helpers.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tributary::testing {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A self-signed certificate for 127.0.0.1 / localhost made by the openssl CLI in a temp dir:
// keystore.pem (key and certificate, Kafka's PEM keystore), encrypted.pem (the same with the key
// encrypted with "s3cret") and cert.pem (what a client trusts). ok() is false if openssl failed.
class TestCertificates {
 public:
  TestCertificates();
  bool ok() const { return ok_; }
  std::string File(const std::string& name) const { return dir_.File(name); }

 private:
  TempDir dir_;
  bool ok_ = false;
};

// A child process with stdout and stderr captured to a file. Killed (SIGKILL) on destruction if
// still running, so a failing test never leaves it behind.
class Process {
 public:
  Process(std::vector<std::string> argv, std::string log_path);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void Kill(int signal);
  // Waits for exit up to `timeout`; the exit code (128+signal if killed) or nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  bool Running();
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string log_path_;
};

// Polls `condition` every few milliseconds until it is true or `timeout` passes.
bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

std::string ReadFile(const std::string& path);

// The port of a worker's REST listener, from its log line "REST API listening on
// <scheme>://127.0.0.1:<port>"; 0 if `log` has none within `timeout`.
uint16_t WaitForRestPort(const std::string& log, std::chrono::milliseconds timeout,
                         const std::string& scheme = "http");
std::vector<std::string> ReadLines(const std::string& path);
// The number of complete ('\n'-terminated) lines in a file, 0 if it does not exist. Cheap enough
// to poll on a file of a million lines, which ReadLines is not (above all under the sanitizers).
size_t CountLines(const std::string& path);
void WriteFile(const std::string& path, const std::string& content);
void AppendFile(const std::string& path, const std::string& content);
// Writes `config` as a .properties file.
void WriteProperties(const std::string& path, const std::map<std::string, std::string>& config);

// Path of the tributary binary under test.
std::string TributaryBinary();

}  // namespace tributary::testing
