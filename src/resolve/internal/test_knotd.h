#pragma once
// Test helpers for the resolve module (tests only; header-only so no .cc needs a _test.cc):
//  - Knotd: a real Knot DNS server on 127.0.0.1 and a free port, serving zone texts given by
//    the test, in a private temporary directory; started with posix_spawn, stopped by PID.
//  - SilentUdp: a bound loopback UDP socket that never answers (for timeouts).
//  - FakeClock: a settable system_clock for TargetCache.
// Everything stays on loopback.
//
// Thread safety: none; each object belongs to one test.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"
#include "dns/name.h"

extern char** environ;

namespace dnsedge::resolve::testing {

// `env_var` (e.g. KNOTD) overrides; then /usr/sbin, /usr/local/sbin and $PATH.
inline std::string find_program(const char* name, const char* env_var) {
  if (const char* env = std::getenv(env_var); env && *env) return env;
  std::vector<std::string> dirs = {"/usr/sbin", "/usr/local/sbin"};
  if (const char* path = std::getenv("PATH")) {
    std::stringstream ss(path);
    for (std::string d; std::getline(ss, d, ':');) dirs.push_back(d);
  }
  for (const auto& d : dirs) {
    const std::string p = d + "/" + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return {};
}

// A port free for both UDP and TCP on 127.0.0.1 right now.
inline uint16_t free_loopback_port() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    common::UniqueFd u(::socket(AF_INET, SOCK_DGRAM, 0));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(u.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) continue;
    socklen_t len = sizeof sa;
    ::getsockname(u.get(), reinterpret_cast<sockaddr*>(&sa), &len);
    common::UniqueFd t(::socket(AF_INET, SOCK_STREAM, 0));
    if (::bind(t.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) return ntohs(sa.sin_port);
  }
  return 0;
}

// Runs `argv` to completion; returns its exit status (-1 if it could not run).
inline int run_program(const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  const int r = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (r != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class SilentUdp {
 public:
  SilentUdp() : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    socklen_t len = sizeof sa;
    ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
  }
  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  common::UniqueFd fd_;
  uint16_t port_ = 0;
};

class FakeClock {
 public:
  explicit FakeClock(std::chrono::system_clock::time_point start =
                         std::chrono::system_clock::time_point(std::chrono::hours(24 * 365 * 50)))
      : now_(start.time_since_epoch().count()) {}
  std::chrono::system_clock::time_point now() const {
    return std::chrono::system_clock::time_point(std::chrono::system_clock::duration(now_.load()));
  }
  void advance(std::chrono::system_clock::duration d) { now_ += d.count(); }
  std::function<std::chrono::system_clock::time_point()> fn() {
    return [this] { return now(); };
  }

 private:
  std::atomic<std::chrono::system_clock::rep> now_;
};

class Knotd {
 public:
  // zones: origin ("ext.example.") → zone file text.
  static Result<std::unique_ptr<Knotd>> start(std::map<std::string, std::string> zones) {
    auto k = std::unique_ptr<Knotd>(new Knotd());
    k->knotd_ = find_program("knotd", "KNOTD");
    k->knotc_ = find_program("knotc", "KNOTC");
    if (k->knotd_.empty()) return make_error("knotd not found (install knot)");
    char tmpl[] = "/tmp/dnsedge-knotd-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return make_error("mkdtemp failed");
    k->dir_ = tmpl;
    for (const char* sub : {"run", "db", "zones"}) std::filesystem::create_directory(k->dir_ / sub);
    k->zones_ = std::move(zones);
    for (const auto& [origin, text] : k->zones_) k->write_zone(origin, text);
    for (int attempt = 0; attempt < 3; ++attempt) {
      k->port_ = free_loopback_port();
      if (auto r = k->launch(); r) return k;
      else if (attempt == 2) return r.error();
    }
    return make_error("unreachable");
  }

  ~Knotd() {
    stop();
    std::error_code ec;
    if (!dir_.empty() && std::getenv("DNSEDGE_KEEP_KNOTD") == nullptr) std::filesystem::remove_all(dir_, ec);
  }

  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& dir() const { return dir_; }

  // Rewrites a zone and makes knotd load it (raise the SOA serial in `text`).
  Result<void> set_zone(const std::string& origin, const std::string& text) {
    zones_[origin] = text;
    write_zone(origin, text);
    if (pid_ <= 0) return {};
    const int rc = run_program({knotc_, "-s", (dir_ / "run" / "knot.sock").string(), "-b",
                                "zone-reload", origin},
                               (dir_ / "knotc.log").string());
    if (rc != 0) return make_error("knotc zone-reload " + origin + " failed: " + log_tail("knotc.log"));
    return {};
  }

  // Stops knotd (SIGTERM, then SIGKILL after 5 s) and reaps it.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 500; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  // Starts knotd again on the same port.
  Result<void> restart() {
    stop();
    return launch();
  }

  std::string log_tail(const char* file = "knotd.log") const {
    std::ifstream in(dir_ / file);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
  }

 private:
  Knotd() = default;

  void write_zone(const std::string& origin, const std::string& text) {
    std::ofstream(dir_ / "zones" / (origin + "zone")) << text;
  }

  Result<void> launch() {
    std::ostringstream conf;
    conf << "server:\n  rundir: \"" << (dir_ / "run").string() << "\"\n"
         << "  listen: 127.0.0.1@" << port_ << "\n"
         << "  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n"
         << "database:\n  storage: \"" << (dir_ / "db").string() << "\"\n"
         << "control:\n  listen: \"" << (dir_ / "run" / "knot.sock").string() << "\"\n"
         << "log:\n  - target: stderr\n    any: info\n"
         << "template:\n  - id: default\n    storage: \"" << (dir_ / "zones").string() << "\"\n"
         << "    semantic-checks: off\n    zonefile-load: whole\n    journal-content: none\n"
         << "    zonefile-sync: -1\n"
         << "zone:\n";
    for (const auto& [origin, text] : zones_) {
      conf << "  - domain: \"" << origin << "\"\n    file: \"" << origin << "zone\"\n";
    }
    const std::string conf_path = (dir_ / "knot.conf").string();
    std::ofstream(conf_path) << conf.str();

    const std::string log = (dir_ / "knotd.log").string();
    std::vector<std::string> argv = {knotd_, "-c", conf_path};
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    const int r = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (r != 0) {
      pid_ = -1;
      return make_error("posix_spawn knotd: " + std::string(std::strerror(r)));
    }
    // Ready when it answers a SOA query for the first zone.
    const std::string probe = zones_.begin()->first;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return make_error("knotd exited before answering:\n" + log_tail());
      }
      if (answers_soa(probe)) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    return make_error("knotd did not answer within 10 s:\n" + log_tail());
  }

  bool answers_soa(const std::string& origin) const {
    auto wire = dns::name_from_text(origin);
    if (!wire) return false;
    std::string q("\x12\x34\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
    q += *wire;
    q += std::string("\x00\x06\x00\x01", 4);
    common::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM, 0));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port_);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::sendto(fd.get(), q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
      return false;
    }
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, 100) != 1) return false;
    uint8_t buf[512];
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    return n >= 12 && buf[0] == 0x12 && buf[1] == 0x34 && (buf[3] & 0x0f) == 0;
  }

  std::string knotd_, knotc_;
  std::filesystem::path dir_;
  std::map<std::string, std::string> zones_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace dnsedge::resolve::testing
