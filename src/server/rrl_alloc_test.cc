// Rate limiting and cookie secrets are on the query path: they allocate nothing. Counted by a
// global operator new that counts while `counting` is set on this thread.

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include "server/cookies.h"
#include "server/rrl.h"
#include "common/alloc_counter.h"

namespace {
using dnsedge::common::alloc_counter::allocations;
using dnsedge::common::alloc_counter::counting;
}  // namespace

namespace dnsedge::server {
namespace {

TEST(RrlAllocTest, TheQueryPathPartsDoNotAllocate) {
  RrlTable table(RrlOptions{.rate = 50}, dns::cookie::Secret{3}, 4096);
  CookieSecrets secrets(dns::cookie::Secret{1});
  secrets.rotate(dns::cookie::Secret{2});
  RrlSlip slip;
  sockaddr_storage peer{};
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(0xc0000201);
  std::memcpy(&peer, &sa, sizeof sa);
  static const uint8_t name[] = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0};
  auth::AnswerInfo info;
  info.response = auth::ResponseClass::kAnswer;
  info.name = name;
  info.name_len = sizeof name;
  info.qtype = 1;
  size_t sent = 0;
  counting = true;
  for (uint32_t now = 0; now < 5; ++now) {
    const CookieSecrets::Pair pair = secrets.read();
    EXPECT_TRUE(pair.has_previous);
    for (int i = 0; i < 200; ++i) {
      info.qtype = static_cast<uint16_t>(1 + i % 3);
      if (!table.over(table.key(peer, info), now) || slip.limited(2) != RrlAction::kDrop) ++sent;
    }
  }
  (void)slip.counters();
  counting = false;
  EXPECT_GT(sent, 0u);
  EXPECT_GT(slip.counters().limited, 0u);
  EXPECT_EQ(allocations, 0u);
}

}  // namespace
}  // namespace dnsedge::server
