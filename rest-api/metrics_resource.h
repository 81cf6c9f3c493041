#pragma once

#include "rest-api/router.h"

namespace tributary::runtime {
class MetricsRegistry;
}

namespace tributary::rest {

// `GET /metrics`: the worker's metrics in Prometheus' text exposition format 0.0.4
// (`Content-Type: text/plain; version=0.0.4; charset=utf-8`). Like every resource except /health
// it needs Basic credentials when rest.basic.auth.credentials.file is set (Prometheus sends them
// with `basic_auth` in its scrape config).
class MetricsResource {
 public:
  // `registry` is not owned and must outlive the router; nullptr answers an empty exposition.
  explicit MetricsResource(const runtime::MetricsRegistry* registry) : registry_(registry) {}

  // Adds the route. The resource must outlive `router`.
  Status Register(Router* router);

  RestResponse Metrics(const RestRequest& request) const;

 private:
  const runtime::MetricsRegistry* registry_;
};

}  // namespace tributary::rest
