#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/herder/herder.h"

namespace tributary::rest::testing {

// A test double of the Herder interface: answers from maps the test fills in.
class FakeHerder : public runtime::Herder {
 public:
  void SetStatus(runtime::ConnectorStateInfo info) {
    std::lock_guard<std::mutex> lock(mu_);
    connectors_[info.name] = std::move(info);
  }
  void Remove(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    connectors_.erase(name);
  }
  // A name listed by ConnectorNames() whose status is gone, like a connector deleted mid-listing.
  void AddVanishingName(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    vanishing_.push_back(name);
  }
  void SetHealth(runtime::WorkerHealth health) {
    std::lock_guard<std::mutex> lock(mu_);
    health_ = health;
  }
  void SetClusterId(std::string id) {
    std::lock_guard<std::mutex> lock(mu_);
    cluster_id_ = std::move(id);
  }

  std::vector<std::string> ConnectorNames() const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> names = vanishing_;
    for (const auto& [name, info] : connectors_) names.push_back(name);
    return names;
  }
  Result<runtime::ConnectorStateInfo> ConnectorStatus(const std::string& name) const override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = connectors_.find(name);
    if (it == connectors_.end()) return Status::NotFound("No status found for connector " + name);
    return it->second;
  }
  // ConnectorInfo of a connector with a status: config {"name":<name>}, tasks from the status.
  Result<runtime::ConnectorInfo> GetConnectorInfo(const std::string& name) const override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = connectors_.find(name);
    if (it == connectors_.end()) return Status::NotFound("Connector " + name + " not found");
    runtime::ConnectorInfo info{name, {{"name", name}}, {}, it->second.type};
    for (const auto& task : it->second.tasks) info.tasks.push_back(task.id);
    return info;
  }
  runtime::WorkerHealth Health() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return health_;
  }
  std::string KafkaClusterId() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return cluster_id_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, runtime::ConnectorStateInfo> connectors_;
  std::vector<std::string> vanishing_;
  runtime::WorkerHealth health_ = runtime::WorkerHealth::kHealthy;
  std::string cluster_id_;
};

}  // namespace tributary::rest::testing
