#include "zone/record.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace dnsedge::zone {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Parses exactly n decimal digits at text[pos..pos+n).
bool digits(std::string_view text, size_t pos, size_t n, int& out) {
  if (pos + n > text.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

}  // namespace

void random_bytes(void* buf, size_t n) {
  auto* p = static_cast<unsigned char*>(buf);
  while (n > 0) {
    const ssize_t got = ::getrandom(p, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "dnsedge: getrandom failed: %s\n", std::strerror(errno));
      std::abort();
    }
    p += got;
    n -= static_cast<size_t>(got);
  }
}

std::string random_hex(size_t n) {
  std::string bytes(n, '\0');
  random_bytes(bytes.data(), n);
  std::string out(2 * n, '\0');
  for (size_t i = 0; i < n; ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kHex[b >> 4];
    out[2 * i + 1] = kHex[b & 0xf];
  }
  return out;
}

std::string new_id() { return random_hex(16); }

bool is_id(std::string_view s) noexcept {
  if (s.size() != 32) return false;
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto us = floor<microseconds>(t);
  const auto midnight = floor<days>(us);
  const year_month_day ymd{midnight};
  const hh_mm_ss<microseconds> hms{us - midnight};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<long long>(hms.subseconds().count()));
  return buf;
}

Result<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, frac = 0;
  const auto bad = [&] {
    return make_error("invalid RFC 3339 timestamp: \"" + std::string(text) + "\"");
  };
  if (!digits(text, 0, 4, y) || text.size() < 20 || text[4] != '-' || !digits(text, 5, 2, mo) ||
      text[7] != '-' || !digits(text, 8, 2, d) || text[10] != 'T' || !digits(text, 11, 2, h) ||
      text[13] != ':' || !digits(text, 14, 2, mi) || text[16] != ':' || !digits(text, 17, 2, s)) {
    return bad();
  }
  if (text.size() == 20) {
    if (text[19] != 'Z') return bad();
  } else if (text.size() != 27 || text[19] != '.' || !digits(text, 20, 6, frac) ||
             text[26] != 'Z') {
    return bad();
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return bad();
  return system_clock::time_point(sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} +
                                  microseconds{frac});
}

std::string now_rfc3339(const Clock& clock) { return format_rfc3339(clock.now()); }

std::string now_rfc3339() { return format_rfc3339(std::chrono::system_clock::now()); }

}  // namespace dnsedge::zone
