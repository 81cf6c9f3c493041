#include "runtime/storage/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace tributary::runtime {

namespace {
std::string ErrnoText() { return std::strerror(errno); }
}  // namespace

Status WriteFileAtomically(const std::string& path, const std::string& content) {
  std::string temp = path + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("cannot write file " + temp + ": " + ErrnoText());
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status st = Status::IoError("cannot write file " + temp + ": " + ErrnoText());
      ::close(fd);
      return st;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status st = Status::IoError("cannot fsync file " + temp + ": " + ErrnoText());
    ::close(fd);
    return st;
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return Status::IoError("cannot rename " + temp + " to " + path + ": " + ErrnoText());
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Status::Ok();
}

}  // namespace tributary::runtime
