// Replays a fuzzer's corpus as an ordinary test: runs LLVMFuzzerTestOneInput over every file in the
// directories and files named on the command line. Crashes and sanitizer reports fail the test.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int RunFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path arg(argv[i]);
    if (std::filesystem::is_directory(arg)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(arg)) {
        if (entry.is_regular_file()) runs += RunFile(entry.path());
      }
    } else if (std::filesystem::exists(arg)) {
      runs += RunFile(arg);
    }
  }
  // An empty input is always worth trying.
  LLVMFuzzerTestOneInput(nullptr, 0);
  std::printf("replayed %d corpus inputs\n", runs);
  return runs > 0 ? 0 : 1;
}
