#include "tests/harness/harness.h"

#include <gtest/gtest.h>

#include <string>

namespace tributary::testing {
namespace {

TEST(HarnessTest, CountLinesCountsCompleteLinesOnly) {
  TempDir dir;
  const std::string path = dir.File("lines.txt");
  EXPECT_EQ(CountLines(path), 0u);  // no file yet
  WriteFile(path, "");
  EXPECT_EQ(CountLines(path), 0u);
  WriteFile(path, "a\nb\n\nc");  // the empty line counts, the unterminated "c" does not yet
  EXPECT_EQ(CountLines(path), 3u);
  AppendFile(path, "\n");
  EXPECT_EQ(CountLines(path), 4u);
  EXPECT_EQ(ReadLines(path).size(), 4u);
}

TEST(HarnessTest, CountLinesReadsPastItsChunkSize) {
  TempDir dir;
  const std::string path = dir.File("big.txt");
  std::string content;
  for (int i = 0; i < 50000; ++i) content += "line " + std::to_string(i) + "\n";  // ~540 KB
  WriteFile(path, content);
  EXPECT_EQ(CountLines(path), 50000u);
}

}  // namespace
}  // namespace tributary::testing
