#pragma once

#include <string>

#include "runtime/api/status.h"

namespace tributary::runtime {

// Writes `content` to `path` durably: a temporary file `<path>.tmp`, fsync, rename over `path`,
// fsync of the directory. A crash leaves either the old or the new content, never a mix.
// IoError naming the file and the system error on failure. Callers serialize writes to one path.
Status WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace tributary::runtime
