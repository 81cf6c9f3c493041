#include "runtime/config/config_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "runtime/config/json_config.h"
#include "runtime/config/properties.h"
#include "runtime/config/yaml_config.h"

namespace tributary::runtime {

namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Result<std::string> ReadConfigFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Status::IoError("cannot read config file " + path + ": it is a directory");
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    return Status::IoError("cannot read config file " + path + ": " +
                           (err != 0 ? std::strerror(err) : "open failed"));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read config file " + path + ": read failed");
  return buffer.str();
}

Result<ConfigMap> LoadConfigFile(const std::string& path) {
  if (EndsWith(path, ".yaml") || EndsWith(path, ".yml")) return LoadYamlConfig(path);
  if (EndsWith(path, ".json")) return LoadJsonConfig(path);
  return LoadPropertiesFile(path);
}

}  // namespace tributary::runtime
