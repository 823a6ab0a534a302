#include "resolve/resolver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "dns/name.h"
#include "dns/types.h"
#include "dns/zonefile.h"
#include "resolve/internal/test_knotd.h"

namespace dnsedge::resolve {
namespace {

using namespace std::chrono_literals;
using testing::Knotd;
using testing::SilentUdp;

constexpr const char* kExtZone = R"($ORIGIN ext.example.
$TTL 300
@        300 SOA ns.ext.example. hostmaster.ext.example. 1 3600 600 86400 60
@        300 NS ns
ns       300 A 127.0.0.1
host     120 A 192.0.2.10
host     120 A 192.0.2.11
host      90 AAAA 2001:db8::10
alias    200 CNAME host.other.example.
txtonly  300 TXT "v=spf1 -all"
mail     300 MX 10 host
mixed    300 CNAME HoSt.Ext.Example.
)";

constexpr const char* kOtherZone = R"($ORIGIN other.example.
@        300 SOA ns.other.example. hostmaster.other.example. 1 3600 600 86400 30
@        300 NS ns.ext.example.
host     100 CNAME host.ext.example.
)";

std::string W(const char* text) { return dns::name_from_text(text).value(); }

std::vector<std::string> lines(const Answer& a) {
  std::vector<std::string> out;
  for (const auto& r : a.records) out.push_back(dns::format_record(r, false));
  return out;
}

class ResolverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto k = Knotd::start({{"ext.example.", kExtZone}, {"other.example.", kOtherZone}});
    if (k) {
      knot_ = std::move(k).value().release();
    } else {
      start_error_ = new std::string(k.error().message);
    }
  }
  static void TearDownTestSuite() {
    delete knot_;
    knot_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(knot_, nullptr) << *start_error_; }

  std::unique_ptr<Resolver> make(ResolverOptions o = {}) {
    if (o.upstreams.empty()) o.upstreams = {knot_->address()};
    auto r = Resolver::create(o);
    EXPECT_TRUE(r) << r.error().message;
    return r ? std::move(r).value() : nullptr;
  }

  static Knotd* knot_;
  static std::string* start_error_;
};

Knotd* ResolverTest::knot_ = nullptr;
std::string* ResolverTest::start_error_ = nullptr;

TEST_F(ResolverTest, ResolvesAThroughTheForwarder) {
  auto r = make();
  ASSERT_TRUE(r);
  auto a = r->resolve("host.ext.example.", dns::rrtype::kA);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->rcode, dns::rcode::kNoError);
  EXPECT_FALSE(a->secure);
  EXPECT_FALSE(a->bogus);
  EXPECT_EQ(a->qname, W("host.ext.example."));
  EXPECT_EQ(a->qtype, dns::rrtype::kA);
  EXPECT_EQ(a->canonical_name, W("host.ext.example."));
  auto got = lines(*a);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"host.ext.example.\t120\tIN\tA\t192.0.2.10",
                                           "host.ext.example.\t120\tIN\tA\t192.0.2.11"}));
  EXPECT_EQ(a->min_ttl, 120u);
  EXPECT_EQ(a->rdata(dns::rrtype::kA).size(), 2u);
}

TEST_F(ResolverTest, TtlsAreTheUpstreamsNotACountdown) {
  // forward-no-cache: a second lookup a second later still carries the full TTL.
  auto r = make();
  ASSERT_TRUE(r);
  auto first = r->resolve("host.ext.example", dns::rrtype::kAAAA);
  ASSERT_TRUE(first) << first.error().message;
  std::this_thread::sleep_for(1100ms);
  auto second = r->resolve("host.ext.example", dns::rrtype::kAAAA);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(first->min_ttl, 90u);
  EXPECT_EQ(second->min_ttl, 90u);
}

TEST_F(ResolverTest, ResolvesAaaaTxtAndMx) {
  auto r = make();
  ASSERT_TRUE(r);
  auto aaaa = r->resolve("host.ext.example.", dns::rrtype::kAAAA);
  ASSERT_TRUE(aaaa) << aaaa.error().message;
  EXPECT_EQ(lines(*aaaa), std::vector<std::string>{"host.ext.example.\t90\tIN\tAAAA\t2001:db8::10"});

  auto txt = r->resolve("txtonly.ext.example.", dns::rrtype::kTXT);
  ASSERT_TRUE(txt) << txt.error().message;
  EXPECT_EQ(lines(*txt), std::vector<std::string>{"txtonly.ext.example.\t300\tIN\tTXT\t\"v=spf1 -all\""});

  auto mx = r->resolve("mail.ext.example.", dns::rrtype::kMX);
  ASSERT_TRUE(mx) << mx.error().message;
  EXPECT_EQ(lines(*mx), std::vector<std::string>{"mail.ext.example.\t300\tIN\tMX\t10 host.ext.example."});
  EXPECT_EQ(mx->min_ttl, 300u);
}

TEST_F(ResolverTest, FollowsACnameChainAcrossTwoExternalNames) {
  auto r = make();
  ASSERT_TRUE(r);
  auto a = r->resolve("alias.ext.example.", dns::rrtype::kA);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->rcode, dns::rcode::kNoError);
  auto got = lines(*a);
  ASSERT_EQ(got.size(), 4u);
  // The chain comes first, in order; then the addresses of its end.
  EXPECT_EQ(got[0], "alias.ext.example.\t200\tIN\tCNAME\thost.other.example.");
  EXPECT_EQ(got[1], "host.other.example.\t100\tIN\tCNAME\thost.ext.example.");
  std::sort(got.begin() + 2, got.end());
  EXPECT_EQ(got[2], "host.ext.example.\t120\tIN\tA\t192.0.2.10");
  EXPECT_EQ(got[3], "host.ext.example.\t120\tIN\tA\t192.0.2.11");
  EXPECT_EQ(a->canonical_name, W("host.ext.example."));
  EXPECT_EQ(a->min_ttl, 100u);
  EXPECT_EQ(a->rdata(dns::rrtype::kA).size(), 2u);
  EXPECT_TRUE(a->rdata(dns::rrtype::kCNAME).empty());  // not owned by the chain's end
}

TEST_F(ResolverTest, LowercasesOwnersAndNamesInRdata) {
  auto r = make();
  ASSERT_TRUE(r);
  auto a = r->resolve("MIXED.ext.EXAMPLE.", dns::rrtype::kA);
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_FALSE(a->records.empty());
  EXPECT_EQ(a->qname, W("mixed.ext.example."));
  EXPECT_EQ(a->records[0].owner, W("mixed.ext.example."));
  EXPECT_EQ(a->records[0].rdata, W("host.ext.example."));
  EXPECT_EQ(a->canonical_name, W("host.ext.example."));
}

TEST_F(ResolverTest, NxDomainHasItsRcodeAndNoRecords) {
  auto r = make();
  ASSERT_TRUE(r);
  auto a = r->resolve("nope.ext.example.", dns::rrtype::kA);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->rcode, dns::rcode::kNxDomain);
  EXPECT_TRUE(a->records.empty());
  EXPECT_EQ(a->min_ttl, 60u);  // RFC 2308 §5: min(SOA TTL 300, MINIMUM 60)
}

TEST_F(ResolverTest, NoDataIsNoErrorWithNoRecords) {
  auto r = make();
  ASSERT_TRUE(r);
  auto a = r->resolve("txtonly.ext.example.", dns::rrtype::kA);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->rcode, dns::rcode::kNoError);
  EXPECT_TRUE(a->records.empty());
  EXPECT_EQ(a->min_ttl, 60u);
  EXPECT_EQ(a->canonical_name, W("txtonly.ext.example."));
}

TEST_F(ResolverTest, AcceptsWireFormNames) {
  auto r = make();
  ASSERT_TRUE(r);
  auto a = r->resolve(W("host.ext.example."), dns::rrtype::kA);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->records.size(), 2u);
}

TEST_F(ResolverTest, RejectsMalformedNames) {
  auto r = make();
  ASSERT_TRUE(r);
  auto a = r->resolve("a..example.", dns::rrtype::kA);
  ASSERT_FALSE(a);
  EXPECT_TRUE(has_code(a.error(), ErrorCode::kBadName)) << a.error().message;
  auto b = r->resolve(std::string("\x05" "ab\0", 4), dns::rrtype::kA);  // label runs past the end
  ASSERT_FALSE(b);
  EXPECT_TRUE(has_code(b.error(), ErrorCode::kBadName));
  EXPECT_FALSE(r->resolve_async("", dns::rrtype::kA, [](Result<Answer>) {}));
}

TEST_F(ResolverTest, ResolvesOverTcp) {
  auto r = make(ResolverOptions{.use_tcp = true});
  ASSERT_TRUE(r);
  auto a = r->resolve("alias.ext.example.", dns::rrtype::kAAAA);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->rdata(dns::rrtype::kAAAA).size(), 1u);
}

TEST_F(ResolverTest, TimesOutInBoundedTimeWhenTheUpstreamIsSilent) {
  SilentUdp silent;
  auto r = make(ResolverOptions{.upstreams = {silent.address()}, .timeout = 400ms});
  ASSERT_TRUE(r);
  const auto t0 = std::chrono::steady_clock::now();
  auto a = r->resolve("host.ext.example.", dns::rrtype::kA);
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(a);
  EXPECT_TRUE(has_code(a.error(), ErrorCode::kTimeout)) << a.error().message;
  EXPECT_GE(took, 350ms);
  EXPECT_LT(took, 1500ms);
  EXPECT_EQ(r->stats().timeouts, 1u);
  EXPECT_EQ(r->stats().in_flight, 0u);
}

TEST_F(ResolverTest, FailsInBoundedTimeWhenNothingListens) {
  const uint16_t port = testing::free_loopback_port();
  auto r = make(ResolverOptions{.upstreams = {"127.0.0.1:" + std::to_string(port)}, .timeout = 400ms});
  ASSERT_TRUE(r);
  for (int i = 0; i < 2; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto a = r->resolve("host.ext.example.", dns::rrtype::kA);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);
    // Either our deadline or libunbound's SERVFAIL, never an address.
    if (a) {
      EXPECT_EQ(a->rcode, dns::rcode::kServFail);
      EXPECT_TRUE(a->records.empty());
    }
  }
}

TEST_F(ResolverTest, AsyncCallbacksRunOnTheResolverThread) {
  auto r = make();
  ASSERT_TRUE(r);
  constexpr int kN = 24;
  std::mutex mu;
  std::condition_variable cv;
  int done = 0, ok = 0;
  bool other_thread = true;
  const auto me = std::this_thread::get_id();
  const char* names[] = {"host.ext.example.", "alias.ext.example.", "txtonly.ext.example.",
                         "nope.ext.example."};
  for (int i = 0; i < kN; ++i) {
    auto started = r->resolve_async(names[i % 4], dns::rrtype::kA, [&](Result<Answer> a) {
      std::lock_guard lock(mu);
      ++done;
      if (a && (a->rcode == 0 || a->rcode == 3)) ++ok;
      if (std::this_thread::get_id() == me) other_thread = false;
      cv.notify_all();
    });
    ASSERT_TRUE(started) << started.error().message;
  }
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return done == kN; }));
  EXPECT_EQ(ok, kN);
  EXPECT_TRUE(other_thread);
  EXPECT_EQ(r->stats().lookups, static_cast<uint64_t>(kN));
  EXPECT_EQ(r->stats().answers, static_cast<uint64_t>(kN));
}

TEST_F(ResolverTest, CallbacksMayChainAsyncLookupsButNotBlockingOnes) {
  auto r = make();
  ASSERT_TRUE(r);
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Result<Answer>> blocking, chained;
  Resolver* rp = r.get();
  auto started = r->resolve_async("host.ext.example.", dns::rrtype::kA, [&, rp](Result<Answer>) {
    auto b = rp->resolve("host.ext.example.", dns::rrtype::kA);
    auto s = rp->resolve_async("host.ext.example.", dns::rrtype::kAAAA, [&](Result<Answer> a) {
      std::lock_guard lock(mu);
      chained = std::move(a);
      cv.notify_all();
    });
    EXPECT_TRUE(s);
    std::lock_guard lock(mu);
    blocking = std::move(b);
  });
  ASSERT_TRUE(started);
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return chained.has_value(); }));
  ASSERT_TRUE(blocking.has_value());
  ASSERT_FALSE(*blocking);
  EXPECT_TRUE(has_code(blocking->error(), ErrorCode::kBadUse));
  ASSERT_TRUE(*chained);
  EXPECT_EQ((*chained)->rdata(dns::rrtype::kAAAA).size(), 1u);
}

TEST_F(ResolverTest, DestructionEndsLookupsInFlightWithShutdown) {
  SilentUdp silent;
  auto r = make(ResolverOptions{.upstreams = {silent.address()}, .timeout = 30s});
  ASSERT_TRUE(r);
  std::atomic<int> shutdown{0};
  ASSERT_TRUE(r->resolve_async("host.ext.example.", dns::rrtype::kA, [&](Result<Answer> a) {
    if (!a && has_code(a.error(), ErrorCode::kShutdown)) ++shutdown;
  }));
  std::this_thread::sleep_for(50ms);
  const auto t0 = std::chrono::steady_clock::now();
  r.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_EQ(shutdown.load(), 1);
}

TEST(ResolverOptionsTest, ParsesUpstreamAddresses) {
  struct Case {
    const char* in;
    const char* out;  // nullptr: rejected
  } cases[] = {
      {"127.0.0.1:5300", "127.0.0.1@5300"},
      {"[::1]:53", "::1@53"},
      {"192.0.2.1", "192.0.2.1@53"},
      {"2001:db8::1", "2001:db8::1@53"},
      {"[2001:db8::1]", "2001:db8::1@53"},
      {"127.0.0.1:0", nullptr},
      {"127.0.0.1:65536", nullptr},
      {"127.0.0.1:", nullptr},
      {"127.0.0.1:53x", nullptr},
      {"[::1]53", nullptr},
      {"[::1", nullptr},
      {"dns.example:53", nullptr},
      {"", nullptr},
  };
  for (const auto& c : cases) {
    auto r = unbound_forward_addr(c.in);
    if (c.out == nullptr) {
      EXPECT_FALSE(r) << c.in << " → " << (r ? *r : "");
      if (!r) {
        EXPECT_TRUE(has_code(r.error(), ErrorCode::kBadOption));
      }
    } else {
      ASSERT_TRUE(r) << c.in << ": " << r.error().message;
      EXPECT_EQ(*r, c.out);
    }
  }
}

TEST(ResolverOptionsTest, CreateRejectsBadOptions) {
  EXPECT_FALSE(Resolver::create(ResolverOptions{.upstreams = {"localhost:53"}}));
  EXPECT_FALSE(Resolver::create(ResolverOptions{.upstreams = {"127.0.0.1:1"}, .timeout = 0ms}));
}

TEST(ResolverOptionsTest, FullRecursionNeedsNoUpstream) {
  // Only configuration here: nothing is resolved, so no packet leaves the machine.
  auto r = Resolver::create(ResolverOptions{});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)->stats().lookups, 0u);
}

TEST(ResolverNamesTest, NormalisesWireAndTextForms) {
  EXPECT_EQ(to_wire_name("Host.Example").value(), W("host.example."));
  EXPECT_EQ(to_wire_name("host.example.").value(), W("host.example."));
  EXPECT_EQ(to_wire_name(std::string("\x04Host\x07" "example\0", 14)).value(), W("host.example."));
  EXPECT_EQ(to_wire_name(".").value(), std::string(1, '\0'));
  EXPECT_FALSE(to_wire_name(""));
  EXPECT_FALSE(to_wire_name(std::string("\x04Host\x07" "example\0\0", 15)));  // trailing octet
}

}  // namespace
}  // namespace dnsedge::resolve
