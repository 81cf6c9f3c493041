#pragma once

// Loads connector plugins (shared libraries speaking plugins/include/tributary/plugin.h) from
// plugin.path and registers their connectors in a Plugins registry, as Connect's plugin.path does
// for JARs. See plugins/README.md.

#include <string>
#include <vector>

#include "runtime/worker/plugins.h"

namespace tributary::runtime {

// What happened to one library the loader looked at.
struct PluginLibraryReport {
  std::string path;
  bool loaded = false;
  // Why the library was skipped (loaded == false), or notes on connectors that were not
  // registered (a name already taken); empty otherwise.
  std::string reason;
  std::string name;  // the library's own name and version, once its table was read
  std::string version;
  std::vector<std::string> connectors;  // class names registered
};

// Loads every plugin library named by `plugin_path`: an entry that is a file is one library; a
// directory contributes its *.so files and those of its immediate subdirectories (one folder per
// plugin, as with Connect), in name order. Each library is loaded once per call (by canonical
// path). A library that cannot be opened, lacks the entry point, was built for another ABI major
// version, misses a required function or fails in init is skipped with the reason logged and in
// its report and in plugins.load_problems(); the others still load. Connectors are registered under
// their class names and aliases; one whose name is already registered is skipped (noted in the
// report).
//
// Libraries stay loaded for the life of the process (as Connect's class loaders): the registered
// factories keep the plugin's state alive, and its shutdown runs when the last of them is gone.
// Plugins run in-process and are trusted code: a plugin that crashes takes the worker down.
std::vector<PluginLibraryReport> LoadPlugins(const std::vector<std::string>& plugin_path,
                                             Plugins& plugins);

// Loads one library file (see LoadPlugins).
PluginLibraryReport LoadPluginLibrary(const std::string& path, Plugins& plugins);

// How a plugin's source task is polled (plugins/README.md, "Cost of the boundary"): kDirect on the
// caller's thread, decoding the plugin's buffer in place; kFetcherThread on a thread of the task,
// one batch ahead of the caller; kAuto (the default) uses a fetcher where the process may run on
// at least 4 CPUs. Applies to tasks created afterwards. For tests and benchmarks.
enum class PluginPollMode { kAuto, kFetcherThread, kDirect };
void SetPluginPollModeForTest(PluginPollMode mode);

}  // namespace tributary::runtime
