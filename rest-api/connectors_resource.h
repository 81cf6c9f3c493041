#pragma once

#include "rest-api/router.h"
#include "runtime/herder/herder.h"

namespace tributary::rest {

// Connect's ConnectorsResource: the `/connectors…` routes. This slice serves the read-only status
// routes; the write routes (create, config, pause/resume, restart, offsets) are added here as more
// methods and routes. The herder is not owned and must outlive the router.
class ConnectorsResource {
 public:
  explicit ConnectorsResource(const runtime::Herder* herder);

  // Adds this resource's routes. The resource must outlive `router`.
  Status Register(Router* router);

  // GET /connectors[?expand=status] -> sorted name array, or {"<name>":{"status":…}} when any
  // `expand` is given. `expand=info` is not served yet (the Herder does not expose configs) and is
  // ignored like an unknown expansion; connectors deleted while listing are skipped.
  RestResponse ListConnectors(const RestRequest& request) const;
  // GET /connectors/{name}/status -> ConnectorStateInfo; 404 with the herder's message.
  RestResponse ConnectorStatus(const RestRequest& request) const;
  // GET /connectors/{name}/tasks/{task}/status -> TaskState; 404 "No status found for task
  // <c>-<n>".
  RestResponse TaskStatus(const RestRequest& request) const;

 private:
  const runtime::Herder* herder_;
};

}  // namespace tributary::rest
