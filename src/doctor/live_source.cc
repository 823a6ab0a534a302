#include "doctor/live_source.h"

#include <condition_variable>
#include <optional>

#include "common/mutex.h"
#include "dns/types.h"

namespace dnsedge::doctor {

Result<std::unique_ptr<LiveSource>> LiveSource::create(const LiveOptions& options) {
  resolve::ResolverOptions ro;
  ro.upstreams = options.servers;
  ro.timeout = options.timeout;
  auto r = resolve::Resolver::create(ro);
  if (!r) return r.error();
  return std::unique_ptr<LiveSource>(new LiveSource(std::move(r).value(), options));
}

Lookup LiveSource::from_result(const Result<resolve::Answer>& r) {
  Lookup l;
  if (!r) {
    l.status =
        resolve::has_code(r.error(), resolve::ErrorCode::kTimeout) ? Lookup::Status::kTimeout : Lookup::Status::kError;
    l.error = r.error().message;
    return l;
  }
  l.rcode = static_cast<uint16_t>(r->rcode);
  l.records = r->records;
  return l;
}

Lookup LiveSource::lookup(std::string_view name, uint16_t type, std::chrono::milliseconds budget) {
  // The callback may outlive this call (when we stop waiting): it owns the shared state.
  struct State {
    common::Mutex mu;
    std::condition_variable cv;
    std::optional<Result<resolve::Answer>> result ABSL_GUARDED_BY(mu);
  };
  auto state = std::make_shared<State>();
  auto started = resolver_->resolve_async(name, type, [state](Result<resolve::Answer> r) {
    common::MutexLock lock(state->mu);
    state->result.emplace(std::move(r));
    state->cv.notify_all();
  });
  if (!started) {
    Lookup l;
    l.status = Lookup::Status::kError;
    l.error = started.error().message;
    return l;
  }
  const auto wait = std::min(budget, options_.timeout + std::chrono::milliseconds(500));
  common::UniqueLock lock(state->mu);
  if (!state->cv.wait_for(lock.native(), wait,
                          [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mu) { return state->result.has_value(); })) {
    Lookup l;
    l.status = Lookup::Status::kTimeout;
    l.error = "no answer within " + std::to_string(wait.count()) + " ms";
    return l;
  }
  return from_result(*state->result);
}

}  // namespace dnsedge::doctor
