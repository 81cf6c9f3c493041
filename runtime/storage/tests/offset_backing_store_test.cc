#include "runtime/storage/offset_backing_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tributary::runtime {
namespace {

class FileOffsetBackingStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tributary-offsets-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "offsets.json").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string ReadFile() const {
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(FileOffsetBackingStoreTest, StartsEmptyWhenFileIsMissing) {
  FileOffsetBackingStore store(path_);
  ASSERT_TRUE(store.Start().ok());
  EXPECT_TRUE(store.All().empty());
}

TEST_F(FileOffsetBackingStoreTest, PersistsAcrossRestartsAsReadableJson) {
  const std::string key = R"(["file-source",{"filename":"/tmp/in.txt"}])";
  {
    FileOffsetBackingStore store(path_);
    ASSERT_TRUE(store.Start().ok());
    ASSERT_TRUE(store.Set({{key, R"({"position":30})"}}).ok());
  }
  std::string text = ReadFile();
  EXPECT_NE(text.find(R"("[\"file-source\",{\"filename\":\"/tmp/in.txt\"}]")"), std::string::npos)
      << text;
  EXPECT_NE(text.find(R"("position": 30)"), std::string::npos) << text;

  FileOffsetBackingStore reopened(path_);
  ASSERT_TRUE(reopened.Start().ok());
  EXPECT_EQ(reopened.Get(key), std::optional<std::string>(R"({"position":30})"));
}

TEST_F(FileOffsetBackingStoreTest, NullValueDeletesKey) {
  FileOffsetBackingStore store(path_);
  ASSERT_TRUE(store.Start().ok());
  ASSERT_TRUE(store.Set({{"a", "1"}, {"b", "2"}}).ok());
  ASSERT_TRUE(store.Set({{"a", std::nullopt}}).ok());
  FileOffsetBackingStore reopened(path_);
  ASSERT_TRUE(reopened.Start().ok());
  EXPECT_EQ(reopened.All(), (std::map<std::string, std::string>{{"b", "2"}}));
}

TEST_F(FileOffsetBackingStoreTest, CorruptFileIsAClearErrorNamingThePath) {
  std::ofstream(path_) << "{not json";
  FileOffsetBackingStore store(path_);
  Status st = store.Start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(path_), std::string::npos) << st.message();
}

TEST_F(FileOffsetBackingStoreTest, FailedWriteLeavesMemoryAndFileUnchanged) {
  FileOffsetBackingStore store(path_);
  ASSERT_TRUE(store.Start().ok());
  ASSERT_TRUE(store.Set({{"a", "1"}}).ok());
  // A directory where the temporary file must go makes the write fail.
  std::filesystem::create_directories(path_ + ".tmp");
  EXPECT_FALSE(store.Set({{"a", "2"}}).ok());
  EXPECT_EQ(store.Get("a"), std::optional<std::string>("1"));
  std::filesystem::remove_all(path_ + ".tmp");
  FileOffsetBackingStore reopened(path_);
  ASSERT_TRUE(reopened.Start().ok());
  EXPECT_EQ(reopened.Get("a"), std::optional<std::string>("1"));
}

TEST(MemoryOffsetBackingStoreTest, SetGetAndDelete) {
  MemoryOffsetBackingStore store;
  ASSERT_TRUE(store.Start().ok());
  ASSERT_TRUE(store.Set({{"k", "v"}}).ok());
  EXPECT_EQ(store.Get("k"), std::optional<std::string>("v"));
  ASSERT_TRUE(store.Set({{"k", std::nullopt}}).ok());
  EXPECT_EQ(store.Get("k"), std::nullopt);
}

}  // namespace
}  // namespace tributary::runtime
