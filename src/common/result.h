// Errors are values at library boundaries: every fallible call returns Result<T> (or Status),
// never throws across a library edge.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace edgeid {

// The codes mirror gRPC's so a daemon can map an Error straight onto a status.
enum class ErrorCode {
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnauthenticated,
  kFailedPrecondition,
  kUnavailable,
  kDeadlineExceeded,
  kResourceExhausted,
  kUnimplemented,
  kInternal,
};

std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;

  // Prefixes context, keeping the code: "loading bundle: x5c[0]: not a certificate".
  Error Wrap(std::string_view context) const {
    return Error{code, std::string(context) + ": " + message};
  }
  std::string ToString() const { return std::string(ErrorCodeName(code)) + ": " + message; }
};

inline Error InvalidArgument(std::string message) {
  return {ErrorCode::kInvalidArgument, std::move(message)};
}
inline Error NotFound(std::string message) {
  return {ErrorCode::kNotFound, std::move(message)};
}
inline Error AlreadyExists(std::string message) {
  return {ErrorCode::kAlreadyExists, std::move(message)};
}
inline Error PermissionDenied(std::string message) {
  return {ErrorCode::kPermissionDenied, std::move(message)};
}
inline Error FailedPrecondition(std::string message) {
  return {ErrorCode::kFailedPrecondition, std::move(message)};
}
inline Error Unavailable(std::string message) {
  return {ErrorCode::kUnavailable, std::move(message)};
}
inline Error Unauthenticated(std::string message) {
  return {ErrorCode::kUnauthenticated, std::move(message)};
}
inline Error ResourceExhausted(std::string message) {
  return {ErrorCode::kResourceExhausted, std::move(message)};
}
inline Error Internal(std::string message) {
  return {ErrorCode::kInternal, std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> state_;
};

// Result of an operation that yields nothing but may fail.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error)
      : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

inline Status OkStatus() {
  return {};
}

namespace internal {
inline Error TakeError(const Status& s) {
  return s.error();
}
template <typename T>
Error TakeError(const Result<T>& r) {
  return r.error();
}
}  // namespace internal

}  // namespace edgeid

// Propagates an error to the caller: `auto key = EDGEID_TRY(PrivateKey::FromPem(pem));`.
// Uses a statement expression (GCC and Clang) so the value can be bound in one line. Use it only
// as a whole initializer, a whole right-hand side or a statement of its own: returning from
// inside a braced initializer or a call's argument list skips destroying what that expression
// had already built (found by LeakSanitizer).
#define EDGEID_TRY(expr)                                             \
  ({                                                                 \
    auto edgeid_try_result_ = (expr);                                \
    if (!edgeid_try_result_.ok()) return edgeid_try_result_.error(); \
    std::move(edgeid_try_result_).value();                           \
  })

// For calls that return Status.
#define EDGEID_RETURN_IF_ERROR(expr)                         \
  do {                                                       \
    auto edgeid_status_ = (expr);                            \
    if (!edgeid_status_.ok()) return edgeid_status_.error(); \
  } while (false)
