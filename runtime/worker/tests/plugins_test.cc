#include "runtime/worker/plugins.h"

#include <gtest/gtest.h>

namespace tributary::runtime {
namespace {

TEST(PluginsTest, MatchesClassNameSimpleNameAndConnectorlessAlias) {
  const std::string cls = "org.apache.kafka.connect.file.FileStreamSourceConnector";
  EXPECT_TRUE(MatchesPluginName(cls, cls, {}));
  EXPECT_TRUE(MatchesPluginName("FileStreamSourceConnector", cls, {}));
  EXPECT_TRUE(MatchesPluginName("FileStreamSource", cls, {}));
  EXPECT_TRUE(MatchesPluginName("Files", cls, {"Files"}));
  EXPECT_FALSE(MatchesPluginName("FileStream", cls, {}));
  EXPECT_FALSE(MatchesPluginName("", cls, {}));
}

TEST(PluginsTest, UnknownConnectorListsAvailableOnes) {
  Plugins plugins;
  plugins.AddConnector({"a.b.FooConnector", {}, ConnectorType::kSource, "1", nullptr});
  auto found = plugins.FindConnector("Foo");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ((*found)->class_name, "a.b.FooConnector");
  auto missing = plugins.FindConnector("Bar");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "Failed to find any class that implements Connector and which name matches Bar, "
            "available connectors are: a.b.FooConnector");
}

}  // namespace
}  // namespace tributary::runtime
