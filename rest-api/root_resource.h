#pragma once

#include <string>

#include "rest-api/router.h"
#include "runtime/herder/herder.h"

namespace tributary::rest {

// Connect's RootResource (`GET /`) and the KIP-1017 health check (`GET /health`).
// The herder is not owned and must outlive the router the routes are registered in.
class RootResource {
 public:
  RootResource(const runtime::Herder* herder, std::string version, std::string commit);

  // Adds this resource's routes. The resource must outlive `router`.
  Status Register(Router* router);

  // GET / -> 200 ServerInfo.
  RestResponse ServerInfo(const RestRequest& request) const;
  // GET /health -> 200 healthy, 503 starting, 500 unhealthy (WorkerStatus body).
  RestResponse Health(const RestRequest& request) const;

 private:
  const runtime::Herder* herder_;
  std::string version_;
  std::string commit_;
};

}  // namespace tributary::rest
