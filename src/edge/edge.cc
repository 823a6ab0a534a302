// The edge: listeners, the edge thread, Spectrum app changes (see edge.h).

#include "edge/edge.h"

#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "common/mutex.h"
#include "edge/internal/conn.h"
#include "metrics/ops.h"
#include "spdlog/spdlog.h"

namespace dnsedge::edge {
namespace {

using internal::asio::awaitable;
using internal::tcp;
using internal::error_code;
namespace asio = internal::asio;

constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);
// Shedding at the connection limit is logged at most this often.
constexpr auto kShedLogInterval = std::chrono::seconds(60);

struct Listener {
  Listener(asio::io_context& ioc, ListenerInfo i) : info(std::move(i)), acceptor(ioc) {}
  ListenerInfo info;
  tcp::acceptor acceptor;
  std::shared_ptr<const SpectrumApp> app;  // kApp: the current app on this address and port
};

// (family, address, port): identifies an app listener across set_apps() calls.
using ListenKey = std::tuple<uint8_t, std::array<uint8_t, 16>, uint16_t>;

ListenKey key_of(const IpEndpoint& ep) { return {ep.addr.family, ep.addr.bytes, ep.port}; }

// Whether a listener on `ep` would take the address and port of `reserved` (an unspecified
// address on either side covers its whole family).
bool overlaps(const IpEndpoint& ep, const IpEndpoint& reserved) {
  if (ep.port != reserved.port || ep.addr.family != reserved.addr.family) return false;
  const IpAddress any{.family = ep.addr.family};
  return ep.addr == reserved.addr || ep.addr == any || reserved.addr == any;
}

size_t ports_of(const std::vector<SpectrumApp>& apps) {
  size_t n = 0;
  for (const auto& a : apps) n += (size_t{a.port_last} - a.port_first + 1) * a.edge_ips.size();
  return n;
}

// Binds a listening socket. IP_FREEBIND lets the edge listen on an edge address that is not
// (yet) configured on an interface, as an anycast edge must; SO_REUSEADDR allows a restart
// while old connections linger in TIME_WAIT.
std::string bind_listener(tcp::acceptor& a, IpEndpoint* ep) {
  error_code ec;
  const tcp::endpoint target = internal::to_asio(ep->addr, ep->port);
  a.open(target.protocol(), ec);
  if (ec) return ec.message();
  a.set_option(asio::socket_base::reuse_address(true), ec);
  if (ep->addr.family == 6) a.set_option(asio::ip::v6_only(true), ec);
  const int one = 1;
  if (ep->addr.family == 4) {
    (void)::setsockopt(a.native_handle(), IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
  } else {
    (void)::setsockopt(a.native_handle(), IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof one);
  }
  a.bind(target, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    a.close(ignored);
    return ec.message();
  }
  ep->port = a.local_endpoint(ec).port();
  return {};
}

class EdgeImpl final : public Edge {
 public:
  EdgeImpl(const EdgeOptions& options, const common::SnapshotPublisher<view::Catalog>& catalog)
      : rt_(options, catalog) {}
  ~EdgeImpl() override { stop(); }

  Result<void> init(std::vector<SpectrumApp> apps) {
    std::vector<std::string> http, https;
    for (const IpAddress& addr : rt_.options.addresses) {
      for (auto [kind, ports] : {std::pair{ListenerInfo::Kind::kHttp, &rt_.options.http_ports},
                                 {ListenerInfo::Kind::kHttps, &rt_.options.https_ports}}) {
        for (uint16_t port : *ports) {
          auto l = std::make_shared<Listener>(ioc_, ListenerInfo{.kind = kind, .endpoint = {addr, port}});
          const auto clash = std::find_if(rt_.options.reserved.begin(), rt_.options.reserved.end(),
                                          [&](const IpEndpoint& r) { return overlaps(l->info.endpoint, r); });
          if (clash != rt_.options.reserved.end()) {
            // The API (or metrics) listens there: an edge port never shares its address and port.
            l->info.error = "another listener of this server (API or metrics) uses " + clash->to_string();
            spdlog::warn("edge: not listening on {}: {}", l->info.endpoint.to_string(), l->info.error);
            proxy_listeners_.push_back(std::move(l));
            continue;
          }
          l->info.error = bind_listener(l->acceptor, &l->info.endpoint);
          if (!l->info.error.empty()) {
            spdlog::warn("edge: cannot listen on {}: {}", l->info.endpoint.to_string(), l->info.error);
          } else {
            (kind == ListenerInfo::Kind::kHttp ? http : https).push_back(l->info.endpoint.to_string());
          }
          proxy_listeners_.push_back(std::move(l));
        }
      }
    }
    if (!http.empty() || !https.empty()) {
      spdlog::info("edge: HTTP (Host routing) on {} socket(s), HTTPS (SNI passthrough) on {} socket(s): {}{}{}",
                   http.size(), https.size(), fmt_list(http), http.empty() || https.empty() ? "" : " ", fmt_list(https));
    }
    auto checked = check_apps(std::move(apps));
    if (!checked) return checked.error();
    if (auto ok = check_base_apps(*checked); !ok) return ok.error();
    common::MutexLock serial(set_mu_);  // uncontended: the edge is not shared yet
    base_apps_ = *checked;
    auto merged = merge_catalog_apps();
    apply_apps(merged);
    publish_info(merged);
    for (auto& l : proxy_listeners_)
      if (l->acceptor.is_open()) asio::co_spawn(ioc_, accept_loop(l), asio::detached);
    try {
      thread_ = std::thread([this] { run(); });
    } catch (const std::exception& e) {
      return make_error(std::string("edge: cannot start its thread: ") + e.what());
    }
    return {};
  }

  Result<std::vector<SpectrumApp>> set_apps(std::vector<SpectrumApp> apps) override {
    common::MutexLock serial(set_mu_);  // one change at a time, published in order
    auto checked = check_apps(std::move(apps));
    if (!checked) return checked.error();
    if (auto ok = check_base_apps(*checked); !ok) return ok.error();
    if (!thread_.joinable()) return make_error("edge: not running");
    base_apps_ = *checked;
    auto merged = merge_catalog_apps();
    apply_on_thread(merged);
    return merged;
  }

  void sync_catalog() override {
    common::MutexLock serial(set_mu_);
    if (!thread_.joinable()) return;
    if (catalog_apps() == catalog_apps_) {  // no app changed in this publish
      if (reserved_count_ > 0) run_on_thread([this] { close_reserved(); });
      return;
    }
    apply_on_thread(merge_catalog_apps());
  }

  Result<void> prepare_app(const view::ServedApp& v) override {
    common::MutexLock serial(set_mu_);
    auto app = app_from_view(v);
    if (!app) return Error{app.error().message, app_check::kCannotListen};
    std::vector<SpectrumApp> merged = base_apps_;
    for (const auto& c : catalog_apps_) {
      if (c.id == v.id) continue;
      if (auto a = app_from_view(c)) merged.push_back(std::move(*a));
    }
    const size_t others = ports_of(merged);
    const size_t mine = ports_of({*app});
    if (others + mine > rt_.options.spectrum_max_ports) {
      return Error{"Spectrum apps may listen on at most " + std::to_string(rt_.options.spectrum_max_ports) +
                       " ports in total (--spectrum-max-ports); the other apps hold " + std::to_string(others) +
                       " and " + v.protocol + " on " + std::to_string(app->edge_ips.size()) + " address(es) needs " +
                       std::to_string(mine),
                   app_check::kTooManyPorts};
    }
    merged.push_back(*app);
    if (auto ok = check_origins(*app, merged); !ok) return ok.error();
    if (auto ok = check_apps(merged); !ok) return Error{ok.error().message, app_check::kCannotListen};
    if (!thread_.joinable()) return {};
    std::string failure;
    run_on_thread([&] { failure = reserve_listeners(*app); });
    if (!failure.empty()) return Error{failure, app_check::kCannotListen};
    return {};
  }

  std::vector<SpectrumApp> apps() const override {
    common::MutexLock lock(mu_);
    return apps_;
  }

  std::vector<ListenerInfo> listeners() const override {
    common::MutexLock lock(mu_);
    return infos_;
  }

  void stop() override {
    common::MutexLock serial(set_mu_);  // not while an app change is being applied
    if (!thread_.joinable()) return;
    asio::post(ioc_, [this] { shutdown(); });
    thread_.join();
  }

 private:
  // The API apps of the current catalog, in catalog order.
  std::vector<view::ServedApp> catalog_apps() const {
    std::vector<view::ServedApp> out;
    const auto cat = rt_.publisher.current();
    if (!cat) return out;
    for (const auto& z : cat->zones()) out.insert(out.end(), z->apps().begin(), z->apps().end());
    return out;
  }

  // base_apps_ plus every catalog app that fits beside them.
  std::vector<SpectrumApp> merge_catalog_apps() ABSL_EXCLUSIVE_LOCKS_REQUIRED(set_mu_) {
    catalog_apps_ = catalog_apps();
    std::vector<SpectrumApp> merged = base_apps_;
    for (const auto& v : catalog_apps_) {
      auto app = app_from_view(v);
      if (!app) {
        spdlog::warn("spectrum: skipping API app: {}", app.error().message);
        continue;
      }
      if (ports_of(merged) + ports_of({*app}) > rt_.options.spectrum_max_ports) {
        spdlog::warn("spectrum: skipping API app {} ({} {}): over --spectrum-max-ports {}", v.id, v.protocol,
                     v.dns_name, rt_.options.spectrum_max_ports);
        continue;
      }
      merged.push_back(std::move(*app));
      if (auto ok = check_apps(merged); !ok) {
        spdlog::warn("spectrum: skipping API app {} ({} {}): {}", v.id, v.protocol, v.dns_name, ok.error().message);
        merged.pop_back();
      }
    }
    return merged;
  }

  // Runs `f` on the edge thread and waits for it (REQUIRES: the thread runs; not on it).
  template <class F>
  void run_on_thread(F&& f) {
    std::promise<void> done;
    asio::post(ioc_, [&] {
      try {
        f();
      } catch (const std::exception& e) {
        spdlog::error("edge: applying spectrum apps: {}", e.what());
      }
      done.set_value();
    });
    done.get_future().wait();
  }

  void apply_on_thread(const std::vector<SpectrumApp>& apps) {
    run_on_thread([&] { apply_apps(apps); });
    publish_info(apps);
  }

  // On the edge thread: binds every listener `app` needs that is not open yet and keeps them for
  // the next apply_apps(). "" when all are listening; else the first failure (and the ones this
  // call opened are closed again).
  std::string reserve_listeners(const SpectrumApp& app) {
    std::vector<ListenKey> opened;
    for (const auto& ip : app.edge_ips) {
      for (unsigned p = app.port_first; p <= app.port_last; ++p) {
        IpEndpoint ep{ip, static_cast<uint16_t>(p)};
        const ListenKey k = key_of(ep);
        if (auto it = app_listeners_.find(k); it != app_listeners_.end() && it->second->acceptor.is_open()) continue;
        if (reserved_.contains(k)) continue;
        auto l = std::make_shared<Listener>(ioc_, ListenerInfo{.kind = ListenerInfo::Kind::kApp, .endpoint = ep});
        std::string err = bind_listener(l->acceptor, &l->info.endpoint);
        for (const IpEndpoint& r : rt_.options.reserved) {
          if (err.empty() && overlaps(ep, r)) err = "another listener of this server (API or metrics) uses it";
        }
        if (!err.empty()) {
          for (const ListenKey& o : opened) {
            error_code ec;
            reserved_[o]->acceptor.close(ec);
            reserved_.erase(o);
          }
          reserved_count_ = reserved_.size();
          return "Spectrum app " + app.protocol + " " + app.dns_name + ": cannot listen on " + ep.to_string() + ": " + err;
        }
        reserved_[k] = std::move(l);
        opened.push_back(k);
      }
    }
    reserved_count_ = reserved_.size();
    return {};
  }

  // On the edge thread: listeners prepared for an app that did not get stored.
  void close_reserved() {
    for (auto& [k, l] : reserved_) {
      error_code ec;
      l->acceptor.close(ec);
    }
    reserved_.clear();
    reserved_count_ = 0;
  }

  static std::string fmt_list(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : ",") + e;
    return s;
  }

  void run() noexcept {
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("edge: unexpected exception: {}", e.what());  // sessions catch their own
      }
    }
  }

  // An app's origin_direct may not be a prohibited address (the origin policy) nor an address
  // one of `all` listens on: the app would feed the edge itself.
  Result<void> check_origins(const SpectrumApp& app, const std::vector<SpectrumApp>& all) const {
    const bool local_app = std::all_of(app.edge_ips.begin(), app.edge_ips.end(),
                                       [](const IpAddress& ip) { return view::OriginPolicy::loopback(ip.rdata()); });
    for (const IpEndpoint& o : app.origin_direct) {
      bool listener = false;
      for (const auto& a : all)
        for (const auto& ip : a.edge_ips) listener = listener || ip == o.addr;
      if (listener) {
        return Error{std::string(view::kProhibitedOrigin) + ": " + o.addr.to_string() +
                         " is the address of a Spectrum app (origin_direct " + o.to_string() + ")",
                     app_check::kProhibitedOrigin};
      }
      if (const auto verdict = rt_.policy->check(o.addr.rdata(), local_app); verdict != view::OriginVerdict::kAllowed) {
        return Error{view::OriginPolicy::message(o.addr.rdata(), verdict) + " (origin_direct " + o.to_string() + ")",
                     app_check::kProhibitedOrigin};
      }
    }
    return {};
  }

  // Flag/config apps: at most spectrum_max_ports ports together, origins not prohibited.
  Result<void> check_base_apps(const std::vector<SpectrumApp>& apps) const {
    if (const size_t n = ports_of(apps); n > rt_.options.spectrum_max_ports) {
      return make_error("spectrum apps listen on " + std::to_string(n) + " ports, more than --spectrum-max-ports " +
                        std::to_string(rt_.options.spectrum_max_ports));
    }
    for (const auto& a : apps) {
      if (auto ok = check_origins(a, apps); !ok) {
        return make_error("spectrum app " + a.protocol + " " + a.dns_name + ": " + ok.error().message);
      }
    }
    return {};
  }

  // Validates and assigns addresses; an app may not take an address and port of the HTTP/HTTPS
  // listeners.
  Result<std::vector<SpectrumApp>> check_apps(std::vector<SpectrumApp> apps) const {
    for (const auto& a : apps) {
      if (auto v = validate_app(a); !v) return make_error("spectrum app " + a.protocol + " " + a.dns_name + ": " + v.error().message);
    }
    auto assigned = assign_edge_ips(std::move(apps), rt_.options.spectrum_pools);
    if (!assigned) return assigned.error();
    std::set<ListenKey> proxy;
    for (const IpAddress& addr : rt_.options.addresses) {
      for (uint16_t p : rt_.options.http_ports) proxy.insert(key_of({addr, p}));
      for (uint16_t p : rt_.options.https_ports) proxy.insert(key_of({addr, p}));
    }
    for (const auto& a : *assigned) {
      for (const auto& ip : a.edge_ips) {
        for (unsigned p = a.port_first; p <= a.port_last; ++p) {
          const IpEndpoint ep{ip, static_cast<uint16_t>(p)};
          if (proxy.contains(key_of(ep))) {
            return make_error("spectrum app " + a.protocol + " " + a.dns_name + ": " + ep.to_string() +
                              " is an HTTP/HTTPS port of the edge");
          }
        }
      }
    }
    return assigned;
  }

  // On the edge thread (or before it starts): keeps the listeners whose address and port stay,
  // opens new ones, closes the rest. Connections in flight keep the app they started with.
  void apply_apps(const std::vector<SpectrumApp>& apps) {
    std::map<ListenKey, std::shared_ptr<Listener>> next;
    for (const auto& a : apps) {
      auto app = std::make_shared<const SpectrumApp>(a);
      for (const auto& ip : a.edge_ips) {
        for (unsigned p = a.port_first; p <= a.port_last; ++p) {
          const IpEndpoint ep{ip, static_cast<uint16_t>(p)};
          const ListenKey k = key_of(ep);
          std::shared_ptr<Listener> l;
          if (auto it = app_listeners_.find(k); it != app_listeners_.end() && it->second->acceptor.is_open()) {
            l = it->second;
          } else if (auto r = reserved_.find(k); r != reserved_.end()) {
            l = r->second;  // bound by prepare_app() before the app was stored
            reserved_.erase(r);
            asio::co_spawn(ioc_, accept_loop(l), asio::detached);
          } else {
            l = std::make_shared<Listener>(ioc_, ListenerInfo{.kind = ListenerInfo::Kind::kApp, .endpoint = ep});
            l->info.error = bind_listener(l->acceptor, &l->info.endpoint);
            if (!l->info.error.empty()) {
              spdlog::warn("spectrum: {}: cannot listen on {}: {}", a.protocol, ep.to_string(), l->info.error);
            } else {
              asio::co_spawn(ioc_, accept_loop(l), asio::detached);
            }
          }
          l->app = app;
          l->info.app = a.protocol + " " + a.dns_name;
          next[k] = std::move(l);
        }
      }
      spdlog::info("spectrum: {}", describe_app(a));
    }
    for (auto& [k, l] : app_listeners_) {
      if (!next.contains(k)) {
        error_code ec;
        l->acceptor.close(ec);
      }
    }
    app_listeners_ = std::move(next);
    close_reserved();
    rt_.app_addresses.clear();
    for (const auto& a : apps)
      for (const auto& ip : a.edge_ips)
        if (std::find(rt_.app_addresses.begin(), rt_.app_addresses.end(), ip) == rt_.app_addresses.end())
          rt_.app_addresses.push_back(ip);
  }

  void publish_info(const std::vector<SpectrumApp>& apps) {
    std::vector<ListenerInfo> infos;
    for (const auto& l : proxy_listeners_) infos.push_back(l->info);
    std::promise<void> done;
    // app_listeners_ belongs to the edge thread once it runs: copy it there.
    auto copy = [&] {
      for (const auto& [k, l] : app_listeners_) infos.push_back(l->info);
    };
    if (thread_.joinable() && std::this_thread::get_id() != thread_.get_id()) {
      asio::post(ioc_, [&] {
        copy();
        done.set_value();
      });
      done.get_future().wait();
    } else {
      copy();
    }
    common::MutexLock lock(mu_);
    infos_ = std::move(infos);
    apps_ = apps;
  }

  awaitable<void> accept_loop(std::shared_ptr<Listener> l) {
    asio::steady_timer backoff(ioc_);
    const ListenerInfo::Kind kind = l->info.kind;
    for (;;) {
      error_code ec;
      tcp::socket s = co_await l->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (rt_.shutting_down || !l->acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
      if (ec) {
        if (ec != asio::error::connection_aborted) {  // EMFILE, ENOBUFS, ...: back off
          backoff.expires_after(kAcceptBackoff);
          co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        continue;
      }
      if (rt_.table.full() && !shed_for(s)) {
        s.close(ec);  // every connection is busy proxying: accept and close at once
        continue;
      }
      try {
        s.set_option(tcp::no_delay(true), ec);
        std::shared_ptr<internal::Conn> c;
        switch (kind) {
          case ListenerInfo::Kind::kHttp:
            metrics::Ops::global().edge_connection(metrics::EdgeProtocol::kHttp);
            (void)rt_.routes();  // a newly published catalog becomes this connection's routes
            c = internal::make_http_conn(rt_, std::move(s));
            break;
          case ListenerInfo::Kind::kHttps:
            metrics::Ops::global().edge_connection(metrics::EdgeProtocol::kHttps);
            (void)rt_.routes();
            c = internal::make_tls_conn(rt_, std::move(s));
            break;
          case ListenerInfo::Kind::kApp: {
            const auto peer = s.remote_endpoint(ec);
            if (ec || !l->app->admits(internal::from_asio(peer).addr)) {
              s.close(ec);  // ip_firewall: a blocked client is closed at once, as Spectrum does
              continue;
            }
            metrics::Ops::global().spectrum_connection();
            c = internal::make_app_conn(rt_, std::move(s), l->app);
          }
            break;
        }
        // A Spectrum stream is busy from the start: nothing tells idle from quiet in raw TCP.
        internal::Conn::launch(std::move(c), kind != ListenerInfo::Kind::kApp);
      } catch (const std::exception& e) {
        spdlog::warn("edge: dropping a connection: {}", e.what());  // out of memory
      }
    }
  }

  // At the connection limit: closes the waiting connection (idle keep-alive, head or ClientHello
  // not complete) that has waited longest, of the new client's own address first. False when
  // every connection is busy.
  bool shed_for(const tcp::socket& s) {
    error_code ec;
    const auto peer = s.remote_endpoint(ec);
    if (ec) return false;
    const IpAddress a = internal::from_asio(peer).addr;
    const auto from = a.family == 6 ? common::PeerAddress::v6(a.bytes.data()) : common::PeerAddress::v4(a.bytes.data());
    auto* victim = rt_.table.victim(from);
    if (victim == nullptr) return false;
    victim->value()->shed();
    ++rt_.shed;
    const auto now = internal::Clock::now();
    if (now - rt_.last_shed_log >= kShedLogInterval) {
      spdlog::warn("edge: {} connections (the limit): closed {} idle or incomplete connection(s) to admit new ones",
                   rt_.table.limit(), rt_.shed);
      rt_.last_shed_log = now;
      rt_.shed = 0;
    }
    return true;
  }

  void shutdown() {
    rt_.shutting_down = true;
    work_.reset();
    error_code ec;
    for (auto& l : proxy_listeners_) l->acceptor.close(ec);
    for (auto& [k, l] : app_listeners_) l->acceptor.close(ec);
    close_reserved();
    rt_.table.for_each([](internal::Conn* c) { c->abort(); });
  }

  // Declaration order matters for destruction: the listeners (acceptors) before the io_context,
  // the io_context (and with it every coroutine frame) before the runtime they refer to.
  internal::Runtime rt_;
  asio::io_context ioc_{1};
  // Keeps run() going while no listener is open (no edge address, no app yet): API apps may
  // arrive with any publish, and sync_catalog() posts to this context. shutdown() releases it.
  asio::executor_work_guard<asio::io_context::executor_type> work_{ioc_.get_executor()};
  std::vector<std::shared_ptr<Listener>> proxy_listeners_;
  std::map<ListenKey, std::shared_ptr<Listener>> app_listeners_;  // edge thread only
  std::map<ListenKey, std::shared_ptr<Listener>> reserved_;  // bound by prepare_app(); edge thread only
  std::atomic<size_t> reserved_count_{0};                     // reserved_.size(), for sync_catalog()
  common::Mutex set_mu_;                                      // serializes set_apps() and sync_catalog()
  std::vector<SpectrumApp> base_apps_ ABSL_GUARDED_BY(set_mu_);         // flag/config apps, checked
  std::vector<view::ServedApp> catalog_apps_ ABSL_GUARDED_BY(set_mu_);  // the catalog's apps last applied
  mutable common::Mutex mu_;
  std::vector<SpectrumApp> apps_ ABSL_GUARDED_BY(mu_);
  std::vector<ListenerInfo> infos_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace

size_t default_spectrum_max_ports() noexcept {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 4096;
  return std::min<size_t>(4096, static_cast<size_t>(rl.rlim_cur / 4));
}

Result<std::unique_ptr<Edge>> Edge::start(const EdgeOptions& options,
                                          const common::SnapshotPublisher<view::Catalog>& catalog,
                                          std::vector<SpectrumApp> apps) {
  try {
    auto edge = std::make_unique<EdgeImpl>(options, catalog);
    if (auto r = edge->init(std::move(apps)); !r) return r.error();
    return std::unique_ptr<Edge>(std::move(edge));
  } catch (const std::exception& e) {
    return make_error(std::string("edge: cannot start: ") + e.what());
  }
}

}  // namespace dnsedge::edge
