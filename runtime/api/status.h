#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace tributary {

// What went wrong, as a category the worker can act on. Keep in sync with StatusCodeName().
enum class StatusCode {
  kOk,
  kInvalidConfig,    // a configuration key is missing or has a bad value
  kInvalidArgument,  // a caller passed something malformed (bad request, bad record)
  kDataError,        // a record could not be converted (Connect's DataException)
  kNotFound,
  kAlreadyExists,
  kIoError,  // file system or network I/O failed
  kTimeout,
  kUnavailable,  // a dependency (Kafka, a database) cannot be reached right now
  kCancelled,    // the operation was stopped because the task or worker is shutting down
  kInternal,     // a bug of ours; the message says where
};

const char* StatusCodeName(StatusCode code);

// Errors are values (leveldb's Status, librdkafka's retriable/fatal errors). A Status carries a
// code, a message meant for a human, and a disposition: retriable errors are retried with backoff
// by the worker (Connect's RetriableException); fatal ones fail the task with the message as its
// trace.
class Status {
 public:
  Status() = default;  // OK

  static Status Ok() { return Status(); }
  static Status InvalidConfig(std::string msg) {
    return {StatusCode::kInvalidConfig, std::move(msg)};
  }
  static Status InvalidArgument(std::string msg) {
    return {StatusCode::kInvalidArgument, std::move(msg)};
  }
  static Status DataError(std::string msg) { return {StatusCode::kDataError, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) {
    return {StatusCode::kAlreadyExists, std::move(msg)};
  }
  static Status IoError(std::string msg) { return {StatusCode::kIoError, std::move(msg)}; }
  static Status Timeout(std::string msg) { return {StatusCode::kTimeout, std::move(msg), true}; }
  static Status Unavailable(std::string msg) {
    return {StatusCode::kUnavailable, std::move(msg), true};
  }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  Status(StatusCode code, std::string message, bool retriable = false)
      : code_(code), message_(std::move(message)), retriable_(retriable) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // True when trying the same operation again later may succeed.
  bool retriable() const { return retriable_; }

  // Returns a copy marked retriable (or not), e.g. an I/O error known to be transient.
  Status WithRetriable(bool retriable) const { return {code_, message_, retriable}; }
  // Returns a copy whose message is "<context>: <message>", to say where an error happened.
  Status WithContext(const std::string& context) const {
    return ok() ? *this : Status(code_, context + ": " + message_, retriable_);
  }

  // "<CodeName>: <message>", or "OK".
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  bool retriable_ = false;
};

// A value or the Status saying why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : value_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(value_).ok() && "a Result built from a Status must carry an error");
  }

  bool ok() const { return std::holds_alternative<T>(value_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(value_);
  }
  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> value_;
};

}  // namespace tributary

// Returns early from the enclosing function when `expr` (a Status) is not OK.
#define TRIBUTARY_RETURN_IF_ERROR(expr) \
  do {                                  \
    ::tributary::Status _st = (expr);   \
    if (!_st.ok()) return _st;          \
  } while (0)

#define TRIBUTARY_CONCAT_INNER(a, b) a##b
#define TRIBUTARY_CONCAT(a, b) TRIBUTARY_CONCAT_INNER(a, b)
// Declares `lhs` from a Result-returning `expr`, or returns its Status from the enclosing function.
#define TRIBUTARY_ASSIGN_OR_RETURN(lhs, expr)                                                     \
  auto TRIBUTARY_CONCAT(_res_, __LINE__) = (expr);                                                \
  if (!TRIBUTARY_CONCAT(_res_, __LINE__).ok()) return TRIBUTARY_CONCAT(_res_, __LINE__).status(); \
  lhs = std::move(TRIBUTARY_CONCAT(_res_, __LINE__)).value()
