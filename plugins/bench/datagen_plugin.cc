// The built-in DataGenSource exported as a plugin through the SDK, under its own name, so that
// bench/plugin-vs-builtin.sh can compare the same connector built in and loaded across the C ABI.
#include "connectors/datagen/datagen_source.h"
#include "tributary/sdk/export.h"

namespace {

tributary::ConnectorPlugin DataGenPlugin() {
  tributary::ConnectorPlugin plugin = tributary::connectors::datagen::DataGenSourcePlugin();
  plugin.class_name = "tributary.plugins.bench.DataGenPluginSourceConnector";
  plugin.aliases = {"DataGenPlugin"};
  return plugin;
}

}  // namespace

TRIBUTARY_EXPORT_PLUGIN("datagen-plugin", TRIBUTARY_VERSION, &DataGenPlugin)
