#pragma once
// Result<T>: a value or an Error, the std::expected subset we need (g++ 12 has no
// std::expected under -std=c++20). Library code returns these instead of throwing.

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace dnsedge {

// What kind of failure an error is: the closed set the API's HTTP statuses and the command
// line's exit statuses are chosen from (common/errors.h maps each API code to its kind).
enum class ErrorKind : uint8_t {
  kFromCode,          // the kind of the error's code (common/errors.h kCodes)
  kInvalid,           // the request or its data is invalid (400)
  kNotFound,          // no such zone, record, object or route (404)
  kMethodNotAllowed,  // the path exists, not with this method (405)
  kConflict,          // the data clashes with what is stored (400: duplicates are never 409)
  kInUse,             // the object is still used by another and cannot be deleted (400)
  kLimit,             // a limit or quota would be exceeded (400)
  kReadOnly,          // the object cannot be changed through the API: a file-backed zone (400)
  kTooLarge,          // the request body is over the limit (413)
  kUnauthorized,      // no valid credentials (403)
  kForbidden,         // valid credentials without the permission (403)
  kRateLimited,       // too many failures from the source: wait and retry (429)
  kInternal,          // the store or the machine failed (500)
  kUnavailable,       // the write is refused for now, reads go on: the disk is full (503)
  kUsage,             // a command line that is wrong (CLI exit status 2)
};

struct Error {
  std::string message;  // human-readable, specific ("zone.db:12: CNAME beside other data")
  int code = 0;         // stable numeric code where the caller needs one (API error codes)
  ErrorKind kind = ErrorKind::kFromCode;  // set only where the code alone does not tell it
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const& { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : ok_(false), error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const& { return error_; }

 private:
  bool ok_ = true;
  Error error_;
};

inline Error make_error(std::string message, int code = 0) { return Error{std::move(message), code}; }

}  // namespace dnsedge
