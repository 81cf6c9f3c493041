#include "runtime/worker/connector_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tributary::runtime {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> NameErrors(const std::string& name) {
  auto errors = ValidateConnectorConfig(ConnectorType::kSource,
                                        {{"name", name}, {"connector.class", "FileStreamSource"}});
  return errors["name"];
}

TEST(ConnectorConfigTest, NameIsANonEmptyStringWithoutIsoControlCharactersAsInKafka) {
  EXPECT_THAT(NameErrors("orders-éü 1"), ElementsAre());
  EXPECT_THAT(NameErrors(""),
              ElementsAre("Invalid value  for configuration name: String may not be empty"));
  // Java's Character.isISOControl: U+0000-U+001F, U+007F-U+009F, listed by code point.
  EXPECT_THAT(NameErrors("a\r\nb\x7f\xc2\x85\xc2\xa0"),
              ElementsAre("Invalid value a\r\nb\x7f\xc2\x85\xc2\xa0 for configuration name: String "
                          "may not contain control sequences but had the following ASCII chars: "
                          "13, 10, 127, 133"));
}

}  // namespace
}  // namespace tributary::runtime
