#pragma once

#include "rest-api/router.h"
#include "runtime/herder/herder.h"

namespace tributary::rest {

// Connect's ConnectorsResource: every public `/connectors…` route (reference kafka-connect.md
// §1.2), with Connect's status codes and messages. The herder is not owned and must outlive the
// router.
//
// Request bodies: config maps take JSON strings; numbers and booleans are accepted as their text
// (Jackson coerces scalars into Map<String,String> the same way); objects, arrays and malformed
// JSON are 400. Topic tracking (KIP-558): with `topic_tracking` false the topics routes answer 403
// "Topic tracking is disabled.", with `topic_tracking_reset` false the reset answers 403 "Topic
// tracking reset is disabled.", as Connect's worker keys topic.tracking.enable / .allow.reset.
class ConnectorsResource {
 public:
  explicit ConnectorsResource(runtime::Herder* herder, bool topic_tracking = true,
                              bool topic_tracking_reset = true);

  // Adds this resource's routes. The resource must outlive `router`.
  Status Register(Router* router);

  // GET /connectors[?expand=status&expand=info] -> sorted names, or {"<name>":{…}} with expand.
  RestResponse ListConnectors(const RestRequest& request) const;
  // POST /connectors {"name","config","initial_state"} -> 201 ConnectorInfo + Location.
  RestResponse CreateConnector(const RestRequest& request);
  RestResponse GetConnector(const RestRequest& request) const;
  RestResponse GetConfig(const RestRequest& request) const;
  // PUT /connectors/{name}/config -> 201 (+Location) created, 200 updated.
  RestResponse PutConfig(const RestRequest& request);
  // PATCH /connectors/{name}/config -> 200; null removes a key.
  RestResponse PatchConfig(const RestRequest& request);
  RestResponse DeleteConnector(const RestRequest& request);
  RestResponse ConnectorStatus(const RestRequest& request) const;
  RestResponse GetTasks(const RestRequest& request) const;
  RestResponse TaskStatus(const RestRequest& request) const;
  // POST /connectors/{name}/restart[?includeTasks&onlyFailed] -> 204, or 202 with the plan.
  RestResponse Restart(const RestRequest& request);
  RestResponse RestartTask(const RestRequest& request);
  RestResponse Pause(const RestRequest& request);
  RestResponse Resume(const RestRequest& request);
  RestResponse StopConnector(const RestRequest& request);
  RestResponse GetOffsets(const RestRequest& request) const;
  RestResponse AlterOffsets(const RestRequest& request);
  RestResponse ResetOffsets(const RestRequest& request);
  // GET /connectors/{name}/topics -> {"<name>":{"topics":[…]}} (unknown connector: empty list).
  RestResponse GetActiveTopics(const RestRequest& request) const;
  // PUT /connectors/{name}/topics/reset -> 202, no body.
  RestResponse ResetActiveTopics(const RestRequest& request);

 private:
  RestResponse PutOrCreate(const std::string& name, const ConfigMap& config, bool allow_replace,
                           runtime::ConnectorTargetState state);

  runtime::Herder* herder_;
  bool topic_tracking_;
  bool topic_tracking_reset_;
};

// Connect's ConnectorPluginsResource: `/connector-plugins…`.
class ConnectorPluginsResource {
 public:
  explicit ConnectorPluginsResource(const runtime::Herder* herder) : herder_(herder) {}
  Status Register(Router* router);

  // GET /connector-plugins[?connectorsOnly=false]
  RestResponse List(const RestRequest& request) const;
  // GET /connector-plugins/diagnostics -> [{"path", "error"}]: the plugin.path entries the worker
  // could not load (Tributary's; Connect has no such resource).
  RestResponse Diagnostics() const;
  // GET /connector-plugins/{plugin}/config -> [ConfigKeyInfo]; 404 "Unknown plugin <p>."
  RestResponse Config(const RestRequest& request) const;
  // PUT /connector-plugins/{plugin}/config/validate -> 200 ConfigInfos.
  RestResponse Validate(const RestRequest& request) const;

 private:
  const runtime::Herder* herder_;
};

}  // namespace tributary::rest
