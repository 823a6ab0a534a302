#pragma once
// Result<T>: a value or an Error, the std::expected subset we need (g++ 12 has no
// std::expected under -std=c++20). Library code returns these instead of throwing.

#include <string>
#include <utility>
#include <variant>

namespace dnsedge {

struct Error {
  std::string message;  // human-readable, specific ("zone.db:12: CNAME beside other data")
  int code = 0;         // stable numeric code where the caller needs one (API error codes)
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
