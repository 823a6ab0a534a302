#pragma once
// The edge proxy (docs/edge.md): what answers on the edge addresses that proxied names resolve to.
//
//   HTTP ports  80 8080 8880 2052 2082 2086 2095   routed by the Host header
//   HTTPS ports 443 2053 2083 2087 2096 8443       routed by the TLS SNI, passed through untouched
//   Spectrum apps                                  any TCP port on an app address, to its origin
//   every other port                               nothing listens: connections are refused
//
// Each proxied name goes to its origin (the proxied record's A/AAAA content, or the addresses
// its CNAME target resolves to) on the same port. Routes come from the published Catalog only:
// the edge thread calls SnapshotReader::get() and rebuilds its RouteTable once per catalog
// generation, so a record change reaches new requests with the next publish.
//
// A connection runs through these phases (docs/edge.md has the diagram):
//   accept → read head / ClientHello → route (Host / SNI) → connect to the origin (failover
//   over its addresses) → forward the head → stream both ways → keep-alive or close
// and every failure becomes a ProxyError, turned into a response by describe() (edge/error.h).
//
// Thread safety: start(), stop(), set_apps(), apps() and listeners() may be called from any
// thread except the edge's own. All proxying runs on the edge thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/errors.h"
#include "common/result.h"
#include "common/snapshot.h"
#include "edge/address.h"
#include "edge/spectrum.h"
#include "view/origin_policy.h"
#include "view/zone_view.h"

namespace dnsedge::edge {

// Cloudflare's proxied HTTP and HTTPS ports (docs/edge.md).
inline const std::vector<uint16_t> kDefaultHttpPorts = {80, 8080, 8880, 2052, 2082, 2086, 2095};
inline const std::vector<uint16_t> kDefaultHttpsPorts = {443, 2053, 2083, 2087, 2096, 8443};

struct EdgeOptions {
  std::vector<IpAddress> addresses;  // the edge addresses proxied names answer (both families)
  std::vector<uint16_t> http_ports = kDefaultHttpPorts;
  std::vector<uint16_t> https_ports = kDefaultHttpsPorts;
  std::vector<IpPrefix> spectrum_pools;  // where Spectrum apps without edge_ips get an address
  // The first request head (or ClientHello) must be complete this long after accept, a later one
  // this long after its first byte: the whole head, not the gaps between bytes (slowloris).
  // Then 408 (HTTP) or close (TLS).
  std::chrono::milliseconds header_timeout{10'000};
  // An idle keep-alive connection is closed after this.
  std::chrono::milliseconds keepalive_timeout{60'000};
  // Per origin address: no connection within this → next address; all slow → 504/522.
  std::chrono::milliseconds connect_timeout{5'000};
  // The origin's response head must arrive this long after the request was sent → 504/524.
  std::chrono::milliseconds origin_timeout{100'000};
  // A body, a WebSocket or a tunnel with no byte in either direction for this long is closed.
  std::chrono::milliseconds idle_timeout{300'000};
  // Client connections of all listeners. At the limit a new one is admitted by closing the idle
  // or incomplete one (keep-alive, head or ClientHello not complete) that has waited longest,
  // the new client's own address first; only when every one is busy is it accepted and closed.
  size_t max_connections = 4096;
  // Where origins may be (view/origin_policy.h): checked on every route table build and every
  // Spectrum connect, so a CNAME target that now resolves somewhere prohibited gets error 1000
  // instead of a connection. Null: a policy of the edge addresses and pools alone.
  std::shared_ptr<const view::OriginPolicy> origin_policy;
  // Endpoints other listeners of the server hold (the API, metrics): the edge does not listen on
  // them (logged), so an edge port never shares an address and port with the API. An unspecified
  // address stands for every address of its family.
  std::vector<IpEndpoint> reserved;
  // The ports all Spectrum apps together may listen on (each is a socket): an app over it is
  // refused (flag/config apps at start, API apps at create).
  size_t spectrum_max_ports = 4096;
};

// The default for spectrum_max_ports: min(4096, RLIMIT_NOFILE / 4).
size_t default_spectrum_max_ports() noexcept;

// Error codes of Edge::prepare_app (the API answers them with HTTP 400).
namespace app_check {
inline constexpr int kProhibitedOrigin = errc::kBlockedTarget;  // the origin is the edge or a prohibited address
inline constexpr int kTooManyPorts = errc::kTooManyPorts;       // over spectrum_max_ports
inline constexpr int kCannotListen = errc::kCannotListen;       // a listener of the app cannot bind
}  // namespace app_check

struct ListenerInfo {
  enum class Kind : uint8_t { kHttp, kHttps, kApp };
  Kind kind = Kind::kHttp;
  IpEndpoint endpoint;  // the port actually bound (when 0 was asked)
  std::string app;      // kApp: the app's protocol and name
  std::string error;    // "" when listening
};

class Edge {
 public:
  // Binds the listeners and starts the edge thread. A listener that cannot bind (address in use,
  // no permission for a low port) is logged and reported by listeners(); the others run.
  // Fails only when the thread cannot start or an app is invalid.
  static Result<std::unique_ptr<Edge>> start(const EdgeOptions& options,
                                             const common::SnapshotPublisher<view::Catalog>& catalog,
                                             std::vector<SpectrumApp> apps = {});
  virtual ~Edge() = default;

  // Replaces the Spectrum apps (the API calls this after every change). Validates them, assigns
  // pool addresses, then opens and closes listeners on the edge thread; connections already
  // running keep their app. Returns the apps with edge_ips filled in, or the first problem
  // (nothing changes then). A listener that cannot bind is reported through listeners().
  // These are the apps from flags and the config file; the apps of the published catalog (API
  // apps, view::ZoneView::apps()) are merged with them (sync_catalog()).
  virtual Result<std::vector<SpectrumApp>> set_apps(std::vector<SpectrumApp> apps) = 0;
  // Reads the apps of the currently published catalog and, when they changed, opens and closes
  // app listeners to match (flag/config apps + catalog apps) before it returns. An API app that
  // would clash with a flag app or an HTTP/HTTPS listener is skipped with a warning. Cheap when
  // nothing changed. The control plane calls it after every publish.
  virtual void sync_catalog() = 0;
  // Before an API app is stored (`app`: its edge_ips filled in; an app with the same id is the
  // one it replaces): refuses it when the ports of all apps would exceed spectrum_max_ports, when
  // an origin_direct address is prohibited or an address an app listens on, or when one of its
  // listeners cannot bind — then nothing is stored. The listeners it opened are kept for the
  // next sync_catalog() (and closed by it when the app did not get stored).
  virtual Result<void> prepare_app(const view::ServedApp& app) = 0;
  virtual std::vector<SpectrumApp> apps() const = 0;
  virtual std::vector<ListenerInfo> listeners() const = 0;

  // Closes every listener and connection and joins the edge thread. Idempotent.
  virtual void stop() = 0;
};

}  // namespace dnsedge::edge
