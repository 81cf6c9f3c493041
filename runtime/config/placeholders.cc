#include "runtime/config/placeholders.h"

#include <cstdlib>
#include <map>

#include "runtime/config/properties.h"

namespace tributary::runtime {

namespace {

struct Placeholder {
  size_t begin = 0;  // index of "${"
  size_t end = 0;    // one past "}"
  std::string provider;
  std::optional<std::string> path;
  std::string key;
};

// Finds the next placeholder at or after `from`, matching ConfigTransformer's DEFAULT_PATTERN
// `\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}` as Java's Matcher.find would.
std::optional<Placeholder> FindPlaceholder(const std::string& s, size_t from) {
  size_t i = from;
  while ((i = s.find("${", i)) != std::string::npos) {
    size_t close = s.find('}', i + 2);
    if (close == std::string::npos) return std::nullopt;  // no later "${" can close either
    std::string body = s.substr(i + 2, close - i - 2);
    size_t colon = body.find(':');
    if (colon == std::string::npos) {
      ++i;
      continue;
    }
    Placeholder p;
    p.begin = i;
    p.end = close + 1;
    p.provider = body.substr(0, colon);
    std::string rest = body.substr(colon + 1);
    size_t second = rest.find(':');
    if (second != std::string::npos) {
      p.path = rest.substr(0, second);
      p.key = rest.substr(second + 1);
    } else {
      p.key = rest;
    }
    return p;
  }
  return std::nullopt;
}

}  // namespace

ConfigProviderSources DefaultConfigProviderSources() {
  ConfigProviderSources sources;
  sources.env = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  sources.properties_file = [](const std::string& path) { return LoadPropertiesFile(path); };
  return sources;
}

Result<ConfigMap> ResolvePlaceholders(const ConfigMap& config,
                                      const ConfigProviderSources& sources) {
  std::map<std::string, ConfigMap> files;  // cache: path -> properties
  ConfigMap out;
  for (const auto& entry : config) {
    // Named references rather than a structured binding: lambdas below capture them.
    const std::string& config_key = entry.first;
    const std::string& value = entry.second;
    std::string resolved;
    size_t copied = 0;
    size_t from = 0;
    while (auto p = FindPlaceholder(value, from)) {
      std::string text = value.substr(p->begin, p->end - p->begin);
      auto fail = [&](const std::string& why) {
        return Status::InvalidConfig("cannot resolve " + text + " in configuration " + config_key +
                                     ": " + why);
      };
      std::optional<std::string> replacement;
      if (p->provider == "env") {
        // EnvVarConfigProvider ignores the path.
        if (sources.env) replacement = sources.env(p->key);
        if (!replacement) return fail("environment variable " + p->key + " is not set");
      } else if (p->provider == "file") {
        if (!p->path || p->path->empty()) {
          return fail("the file provider needs ${file:<path>:<key>}");
        }
        auto cached = files.find(*p->path);
        if (cached == files.end()) {
          if (!sources.properties_file) return fail("no file provider available");
          Result<ConfigMap> loaded = sources.properties_file(*p->path);
          if (!loaded.ok()) {
            return loaded.status().WithContext("cannot resolve " + text + " in configuration " +
                                               config_key);
          }
          cached = files.emplace(*p->path, std::move(loaded).value()).first;
        }
        auto found = cached->second.find(p->key);
        if (found == cached->second.end()) {
          return fail("file " + *p->path + " has no key " + p->key);
        }
        replacement = found->second;
      }
      if (replacement) {
        resolved.append(value, copied, p->begin - copied);
        resolved += *replacement;
        copied = p->end;
      }
      from = p->end;
    }
    resolved.append(value, copied, std::string::npos);
    out.emplace(config_key, std::move(resolved));
  }
  return out;
}

}  // namespace tributary::runtime
