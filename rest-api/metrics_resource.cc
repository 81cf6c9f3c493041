#include "rest-api/metrics_resource.h"

#include "runtime/metrics/metrics_registry.h"

namespace tributary::rest {

Status MetricsResource::Register(Router* router) {
  return router->Add("GET", "/metrics", [this](const RestRequest& r) { return Metrics(r); });
}

RestResponse MetricsResource::Metrics(const RestRequest&) const {
  RestResponse response;
  response.status = 200;
  if (registry_ != nullptr) response.body = registry_->RenderPrometheus();
  response.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  return response;
}

}  // namespace tributary::rest
