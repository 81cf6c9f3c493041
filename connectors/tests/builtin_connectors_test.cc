#include "connectors/builtin_connectors.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace tributary::connectors {
namespace {

TEST(BuiltinConnectorsTest, ListsEveryRegisteredConnectorWithAWorkingFactory) {
  std::vector<ConnectorPlugin> plugins = BuiltinConnectors();
  std::set<std::string> names;
  for (const ConnectorPlugin& plugin : plugins) {
    names.insert(plugin.class_name);
    ASSERT_TRUE(plugin.factory) << plugin.class_name;
    auto connector = plugin.factory();
    ASSERT_NE(connector, nullptr) << plugin.class_name;
    EXPECT_EQ(connector->type(), plugin.type) << plugin.class_name;
    EXPECT_FALSE(plugin.version.empty()) << plugin.class_name;
  }
  EXPECT_EQ(names.size(), plugins.size()) << "duplicate class names";
  EXPECT_TRUE(names.count("org.apache.kafka.connect.file.FileStreamSourceConnector"));
  EXPECT_TRUE(names.count("org.apache.kafka.connect.file.FileStreamSinkConnector"));
  EXPECT_TRUE(names.count("tributary.connectors.datagen.DataGenSourceConnector"));
}

}  // namespace
}  // namespace tributary::connectors
