#include "dnstap/encoder.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <string>
#include <vector>

#include "dnstap/dnstap.pb-c.h"
#include "gtest/gtest.h"

namespace dnsedge::dnstap {
namespace {

sockaddr_storage v4(const char* ip, uint16_t port) {
  sockaddr_storage ss{};
  auto* in = reinterpret_cast<sockaddr_in*>(&ss);
  in->sin_family = AF_INET;
  in->sin_port = htons(port);
  EXPECT_EQ(inet_pton(AF_INET, ip, &in->sin_addr), 1);
  return ss;
}

sockaddr_storage v6(const char* ip, uint16_t port) {
  sockaddr_storage ss{};
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(port);
  EXPECT_EQ(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
  return ss;
}

std::vector<uint8_t> bytes_of(const ProtobufCBinaryData& d) { return {d.data, d.data + d.len}; }

// Decodes with protobuf-c's own unpacker, the way any dnstap reader would.
struct Decoded {
  Dnstap__Dnstap* top = nullptr;
  explicit Decoded(const std::vector<uint8_t>& wire) {
    top = dnstap__dnstap__unpack(nullptr, wire.size(), wire.data());
  }
  ~Decoded() {
    if (top != nullptr) dnstap__dnstap__free_unpacked(top, nullptr);
  }
};

const std::vector<uint8_t> kQuery = {0x12, 0x34, 0x01, 0x00, 0,   1,   0,   0, 0,   0,   0,   0, 3, 'w', 'w', 'w', 7,
                                     'e',  'x',  'a',  'm',  'p', 'l', 'e', 3, 'o', 'r', 'g', 0, 0, 1,   0,   1};
const std::vector<uint8_t> kZone = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0};

TEST(DnstapEncoderTest, AuthQueryCarriesTheQueryAndBothEndpoints) {
  const sockaddr_storage peer = v4("192.0.2.7", 40000);
  const sockaddr_storage local = v4("127.0.0.1", 53);
  Event e;
  e.type = MessageType::kAuthQuery;
  e.peer = &peer;
  e.local = &local;
  e.query = kQuery;
  e.zone = kZone;
  e.query_time = timespec{1700000000, 123456789};
  e.identity = "ns1.test";
  e.version = "dnsedge 0.1.0";
  std::vector<uint8_t> out(512);
  const size_t n = encode(e, out.data(), out.size());
  ASSERT_GT(n, 0u);
  ASSERT_LE(n, out.size());
  EXPECT_EQ(n, encoded_size(e));
  out.resize(n);
  Decoded d(out);
  ASSERT_NE(d.top, nullptr);
  EXPECT_EQ(d.top->type, DNSTAP__DNSTAP__TYPE__MESSAGE);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(d.top->identity.data), d.top->identity.len), "ns1.test");
  EXPECT_EQ(std::string(reinterpret_cast<char*>(d.top->version.data), d.top->version.len), "dnsedge 0.1.0");
  const Dnstap__Message* m = d.top->message;
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->type, DNSTAP__MESSAGE__TYPE__AUTH_QUERY);
  EXPECT_EQ(m->socket_family, DNSTAP__SOCKET_FAMILY__INET);
  EXPECT_EQ(m->socket_protocol, DNSTAP__SOCKET_PROTOCOL__UDP);
  EXPECT_EQ(bytes_of(m->query_address), (std::vector<uint8_t>{192, 0, 2, 7}));
  EXPECT_EQ(m->query_port, 40000u);
  EXPECT_EQ(bytes_of(m->response_address), (std::vector<uint8_t>{127, 0, 0, 1}));
  EXPECT_EQ(m->response_port, 53u);
  EXPECT_EQ(m->query_time_sec, 1700000000u);
  EXPECT_EQ(m->query_time_nsec, 123456789u);
  EXPECT_EQ(bytes_of(m->query_message), kQuery);
  EXPECT_EQ(bytes_of(m->query_zone), kZone);
  EXPECT_FALSE(m->has_response_message);
  EXPECT_FALSE(m->has_response_time_sec);
}

TEST(DnstapEncoderTest, AuthResponseOverTcpV6CarriesTheResponseAndItsTime) {
  const sockaddr_storage peer = v6("2001:db8::1", 5300);
  const sockaddr_storage local = v6("::1", 53);
  std::vector<uint8_t> response = kQuery;
  response[2] |= 0x80;
  Event e;
  e.type = MessageType::kAuthResponse;
  e.tcp = true;
  e.peer = &peer;
  e.local = &local;
  e.query = kQuery;
  e.response = response;
  e.query_time = timespec{10, 1};
  e.response_time = timespec{11, 2};
  std::vector<uint8_t> out(encoded_size(e));
  ASSERT_EQ(encode(e, out.data(), out.size()), out.size());
  Decoded d(out);
  ASSERT_NE(d.top, nullptr);
  EXPECT_FALSE(d.top->has_identity);
  const Dnstap__Message* m = d.top->message;
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->type, DNSTAP__MESSAGE__TYPE__AUTH_RESPONSE);
  EXPECT_EQ(m->socket_family, DNSTAP__SOCKET_FAMILY__INET6);
  EXPECT_EQ(m->socket_protocol, DNSTAP__SOCKET_PROTOCOL__TCP);
  ASSERT_EQ(m->query_address.len, 16u);
  EXPECT_EQ(m->query_address.data[0], 0x20);
  EXPECT_EQ(m->query_address.data[15], 0x01);
  EXPECT_EQ(m->query_port, 5300u);
  EXPECT_EQ(m->response_time_sec, 11u);
  EXPECT_EQ(m->response_time_nsec, 2u);
  EXPECT_EQ(bytes_of(m->response_message), response);
  EXPECT_FALSE(m->has_query_message);  // the response frame does not repeat the query
  EXPECT_FALSE(m->has_query_zone);
}

TEST(DnstapEncoderTest, TooSmallABufferIsLeftUntouchedAndTheSizeReported) {
  const sockaddr_storage peer = v4("192.0.2.7", 1);
  Event e;
  e.peer = &peer;
  e.query = kQuery;
  std::vector<uint8_t> out(8, 0xAA);
  const size_t n = encode(e, out.data(), out.size());
  EXPECT_EQ(n, encoded_size(e));
  EXPECT_GT(n, out.size());
  EXPECT_EQ(out, std::vector<uint8_t>(8, 0xAA));
}

TEST(DnstapEncoderTest, AnAddressOfAnotherFamilyIsLeftOut) {
  sockaddr_storage unix_peer{};
  unix_peer.ss_family = AF_UNIX;
  Event e;
  e.peer = &unix_peer;
  e.query = kQuery;
  std::vector<uint8_t> out(encoded_size(e));
  ASSERT_EQ(encode(e, out.data(), out.size()), out.size());
  Decoded d(out);
  ASSERT_NE(d.top, nullptr);
  EXPECT_FALSE(d.top->message->has_socket_family);
  EXPECT_FALSE(d.top->message->has_query_address);
  EXPECT_FALSE(d.top->message->has_query_port);
}

}  // namespace
}  // namespace dnsedge::dnstap
