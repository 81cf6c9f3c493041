#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "rest-api/router.h"

namespace tributary::rest {

// Connect's LoggingResource (`/admin/loggers`, KIP-495/KIP-976, worker scope) over spdlog.
// "root" is spdlog's global level (every logger); another name sets the spdlog logger of that
// name and every registered logger below it ("<name>.…"). Levels are Log4j's names: TRACE, DEBUG,
// INFO, WARN, ERROR, FATAL (spdlog critical), OFF. Thread-safe.
class LoggersResource {
 public:
  Status Register(Router* router);

  // GET /admin/loggers -> {"<logger>":{"level":…,"last_modified":ms|null}} for root and every
  // logger whose level was set here or that spdlog knows.
  RestResponse List(const RestRequest& request);
  // GET /admin/loggers/{logger} -> {"level","last_modified"}; 404 "Logger <name> not found.".
  RestResponse Get(const RestRequest& request);
  // PUT /admin/loggers/{logger} {"level":"DEBUG"} -> 200 [affected logger names]; 400 when the
  // level is missing, 404 "invalid log level '<x>'." (as Connect answers) when unknown.
  RestResponse Set(const RestRequest& request);

 private:
  std::mutex mu_;
  std::map<std::string, int64_t> last_modified_;  // loggers set through this resource
};

}  // namespace tributary::rest
