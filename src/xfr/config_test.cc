#include "xfr/config.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

namespace dnsedge::xfr {
namespace {

Peer peer(const char* ip) {
  Peer p;
  p.ip = ip;
  p.address = Prefix::parse(ip).value();
  return p;
}

TEST(SourceAddressTest, AnAddressOfThisHostOnly) {
  auto v4 = SourceAddress::parse("127.0.0.2");
  ASSERT_TRUE(v4) << v4.error().message;
  EXPECT_EQ(v4->family(), AF_INET);
  EXPECT_EQ(v4->len, sizeof(sockaddr_in));
  EXPECT_EQ(v4->text, "127.0.0.2");
  EXPECT_NE(SourceAddress::parse("nope").error().message.find("not an IPv4 or IPv6 address"), std::string::npos);
  EXPECT_FALSE(SourceAddress::parse("127.0.0.0/8"));
  EXPECT_FALSE(SourceAddress::parse("127.0.0.1:53"));
  // 192.0.2.0/24 (TEST-NET-1) is no address of this host: it cannot be bound.
  auto far = SourceAddress::parse("192.0.2.99");
  ASSERT_FALSE(far);
  EXPECT_NE(far.error().message.find("cannot send from '192.0.2.99'"), std::string::npos) << far.error().message;
  EXPECT_TRUE(SourceAddress::parse("192.0.2.99", /*must_bind=*/false));
}

TEST(SourceAddressTest, ThePeersOwnSourceWinsElseTheDefaultOfItsFamily) {
  const auto defaults = parse_notify_sources({"127.0.0.2"}).value();
  Peer plain = peer("127.0.0.1");
  Peer v6 = peer("::1");
  Peer own = peer("127.0.0.1");
  own.notify_source = SourceAddress::parse("127.0.0.3").value();
  EXPECT_EQ(notify_source_for(plain, defaults)->text, "127.0.0.2");
  EXPECT_EQ(notify_source_for(own, defaults)->text, "127.0.0.3");
  EXPECT_EQ(notify_source_for(v6, defaults), nullptr);  // no IPv6 default: the kernel chooses
  EXPECT_EQ(notify_source_for(plain, {}), nullptr);
}

TEST(SourceAddressTest, OneDefaultPerFamilyAndThePeersFamily) {
  EXPECT_FALSE(parse_notify_sources({"127.0.0.2", "127.0.0.3"}));
  EXPECT_FALSE(parse_notify_sources({"127.0.0.2", "bad"}));
  EXPECT_TRUE(parse_notify_sources({}));
  Peer p = peer("127.0.0.1");
  p.notify_source = SourceAddress::parse("::1", /*must_bind=*/false).value();
  auto r = check_notify_source(p, "x: ");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "x: notify_source '::1' is IPv6 but the peer's ip '127.0.0.1' is not");
  p.notify_source.reset();
  EXPECT_TRUE(check_notify_source(p, ""));
}

}  // namespace
}  // namespace dnsedge::xfr
