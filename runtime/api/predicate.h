#pragma once

// Predicates that make a transform conditional (Connect's
// org.apache.kafka.connect.transforms.predicates.Predicate).

#include "runtime/api/config_def.h"
#include "runtime/api/record.h"
#include "runtime/api/status.h"

namespace tributary {

// Decides whether a transform applies to a record. One instance serves one task's chain, on that
// task's thread only.
class Predicate {
 public:
  virtual ~Predicate() = default;

  virtual const ConfigDef& Definition() const = 0;
  // Applies the settings (without the predicates.<alias>. prefix); InvalidConfig naming the key.
  virtual Status Configure(const ConfigMap& configs) = 0;
  // True when the record matches.
  virtual bool Test(const ConnectRecord& record) const = 0;
};

}  // namespace tributary
