#pragma once
// UniqueFunction<R()>: a move-only std::function (C++23's std::move_only_function, which g++ 12
// does not have under -std=c++20). Holds callables that own move-only state, such as an Asio
// completion handler.

#include <memory>
#include <type_traits>
#include <utility>

namespace dnsedge::control {

template <typename Signature>
class UniqueFunction;

template <typename R>
class UniqueFunction<R()> {
 public:
  UniqueFunction() = default;
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, UniqueFunction>>>
  UniqueFunction(F f) : impl_(std::make_unique<Impl<std::decay_t<F>>>(std::move(f))) {}  // NOLINT
  UniqueFunction(UniqueFunction&&) noexcept = default;
  UniqueFunction& operator=(UniqueFunction&&) noexcept = default;

  R operator()() { return impl_->call(); }
  explicit operator bool() const noexcept { return impl_ != nullptr; }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual R call() = 0;
  };
  template <typename F>
  struct Impl final : Base {
    explicit Impl(F fn) : f(std::move(fn)) {}
    R call() override { return f(); }
    F f;
  };
  std::unique_ptr<Base> impl_;
};

}  // namespace dnsedge::control
