#include "rest-api/root_resource.h"

#include "rest-api/entities.h"

namespace tributary::rest {

RootResource::RootResource(const runtime::Herder* herder, std::string version, std::string commit)
    : herder_(herder), version_(std::move(version)), commit_(std::move(commit)) {}

Status RootResource::Register(Router* router) {
  TRIBUTARY_RETURN_IF_ERROR(
      router->Add("GET", "/", [this](const RestRequest& r) { return ServerInfo(r); }));
  return router->Add("GET", "/health", [this](const RestRequest& r) { return Health(r); });
}

RestResponse RootResource::ServerInfo(const RestRequest&) const {
  return RestResponse::Json(200, ServerInfoJson(version_, commit_, herder_->KafkaClusterId()));
}

RestResponse RootResource::Health(const RestRequest&) const {
  switch (herder_->Health()) {
    case runtime::WorkerHealth::kHealthy:
      return RestResponse::Json(
          200, WorkerStatusJson("healthy",
                                "Worker has completed startup and is ready to handle requests."));
    case runtime::WorkerHealth::kStarting:
      return RestResponse::Json(503, WorkerStatusJson("starting", "Worker is still starting up."));
    case runtime::WorkerHealth::kUnhealthy:
      break;
  }
  return RestResponse::Json(
      500, WorkerStatusJson("unhealthy",
                            "Worker was unable to handle this request and may be unable to handle "
                            "other requests."));
}

}  // namespace tributary::rest
