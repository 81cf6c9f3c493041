#pragma once

// Factories of the built-in transforms, registered by builtin_transforms.cc. `key` selects the
// $Key variant (true) or the $Value variant (false).

#include <memory>

#include "runtime/api/predicate.h"
#include "runtime/api/transformation.h"
#include "runtime/transforms/transform_util.h"

namespace tributary::runtime::transforms {

std::unique_ptr<Transformation> NewFilter();
std::unique_ptr<Transformation> NewRegexRouter();
std::unique_ptr<Transformation> NewTimestampRouter();
std::unique_ptr<Transformation> NewDropHeaders();
std::unique_ptr<Transformation> NewInsertHeader();
std::unique_ptr<Transformation> NewHeaderFrom(bool key);
std::unique_ptr<Transformation> NewInsertField(bool key);
std::unique_ptr<Transformation> NewReplaceField(bool key);
std::unique_ptr<Transformation> NewExtractField(bool key);
std::unique_ptr<Transformation> NewHoistField(bool key);
std::unique_ptr<Transformation> NewMaskField(bool key);
std::unique_ptr<Transformation> NewValueToKey();
std::unique_ptr<Transformation> NewSetSchemaMetadata(bool key);
std::unique_ptr<Transformation> NewFlatten(bool key);
std::unique_ptr<Transformation> NewCast(bool key);
std::unique_ptr<Transformation> NewTimestampConverter(bool key);
std::unique_ptr<Transformation> NewExtractNewRecordState();

std::unique_ptr<Predicate> NewTopicNameMatches();
std::unique_ptr<Predicate> NewHasHeaderKey();
std::unique_ptr<Predicate> NewRecordIsTombstone();

}  // namespace tributary::runtime::transforms
