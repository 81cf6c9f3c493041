#include "tests/harness/harness.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

extern char** environ;

namespace tributary::testing {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("tributary-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

TestCertificates::TestCertificates() {
  const std::string cmd =
      "cd '" + dir_.path().string() +
      "' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
      " -keyout key.pem -out cert.pem -days 2 -subj /CN=localhost"
      " -addext subjectAltName=IP:127.0.0.1,DNS:localhost 2>/dev/null"
      " && cat key.pem cert.pem > keystore.pem"
      " && openssl pkey -in key.pem -aes256 -passout pass:s3cret -out enc_key.pem"
      " && cat enc_key.pem cert.pem > encrypted.pem";
  ok_ = std::system(cmd.c_str()) == 0;
}

Process::Process(std::vector<std::string> argv, std::string log_path)
    : log_path_(std::move(log_path)) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The test process may block signals; the child must start with a clean mask.
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  if (posix_spawn(&pid_, args[0], &actions, &attr, args.data(), environ) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
}

Process::~Process() {
  if (Running()) {
    Kill(SIGKILL);
    Wait(std::chrono::seconds(10));
  }
}

void Process::Kill(int signal) {
  if (pid_ > 0 && !exit_code_) ::kill(pid_, signal);
}

bool Process::Running() {
  if (pid_ <= 0 || exit_code_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

std::optional<int> Process::Wait(std::chrono::milliseconds timeout) {
  WaitUntil([this] { return !Running(); }, timeout);
  return exit_code_;
}

std::string Process::Log() const { return ReadFile(log_path_); }

bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

uint16_t WaitForRestPort(const std::string& log, std::chrono::milliseconds timeout,
                         const std::string& scheme) {
  const std::regex listening("REST API listening on " + scheme + "://127\\.0\\.0\\.1:(\\d+)");
  uint16_t port = 0;
  WaitUntil(
      [&] {
        std::smatch match;
        const std::string text = ReadFile(log);
        if (!std::regex_search(text, match, listening)) return false;
        port = static_cast<uint16_t>(std::stoi(match[1].str()));
        return true;
      },
      timeout);
  return port;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

size_t CountLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chunk(1 << 16);
  size_t lines = 0;
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    lines += static_cast<size_t>(std::count(chunk.data(), chunk.data() + in.gcount(), '\n'));
  }
  return lines;
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

void AppendFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::app) << content;
}

void WriteProperties(const std::string& path, const std::map<std::string, std::string>& config) {
  std::string text;
  for (const auto& [k, v] : config) text += k + "=" + v + "\n";
  WriteFile(path, text);
}

std::string TributaryBinary() { return TRIBUTARY_BINARY; }

}  // namespace tributary::testing
