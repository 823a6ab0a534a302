#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "dnstap/dnstap.h"
#include "gtest/gtest.h"

namespace dnsedge::dnstap {
namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/dnstap_test.XXXXXX";
  const char* d = mkdtemp(tmpl);
  EXPECT_NE(d, nullptr);
  return d != nullptr ? d : "/tmp";
}

TEST(DnstapSinkTest, MessagesOptionParses) {
  EXPECT_EQ(*parse_messages("query"), Messages::kQuery);
  EXPECT_EQ(*parse_messages("response"), Messages::kResponse);
  EXPECT_EQ(*parse_messages("both"), Messages::kBoth);
  auto bad = parse_messages("all");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("query, response or both"), std::string::npos);
}

TEST(DnstapSinkTest, SocketPathMustBeAbsentOrASocketAndFit) {
  const std::string dir = temp_dir();
  EXPECT_TRUE(check_socket_path(dir + "/absent.sock"));
  auto d = check_socket_path(dir);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("not a unix socket (a directory)"), std::string::npos);
  const std::string file = dir + "/file";
  FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  auto r = check_socket_path(file);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not a unix socket (a regular file)"), std::string::npos);
  auto long_path = check_socket_path(dir + "/" + std::string(200, 'x'));
  ASSERT_FALSE(long_path);
  EXPECT_NE(long_path.error().message.find("too long"), std::string::npos);
  EXPECT_FALSE(check_socket_path(""));
  // A real unix socket is accepted.
  const std::string sock = dir + "/listening.sock";
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  EXPECT_TRUE(check_socket_path(sock));
  close(fd);
  unlink(sock.c_str());
  unlink(file.c_str());
  rmdir(dir.c_str());
}

TEST(DnstapSinkTest, OpenRefusesABadPathAndABadSample) {
  Options o;
  o.socket_path = "/";
  EXPECT_FALSE(Sink::open(o, 1));
  o.socket_path = "/tmp/dnstap-never-there.sock";
  o.sample = 0;
  EXPECT_FALSE(Sink::open(o, 1));
}

struct Logged {
  dns::Query q;
  sockaddr_storage peer{};
  uint8_t query[12] = {0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  uint8_t response[12] = {0x12, 0x34, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0};
};

// Without a reader every sampled message is dropped and counted; nothing waits.
Counts log_without_reader(uint32_t sample, Messages messages, int queries) {
  const std::string dir = temp_dir();
  Options o;
  o.socket_path = dir + "/nobody.sock";
  o.sample = sample;
  o.messages = messages;
  auto sink = Sink::open(o, 2);
  EXPECT_TRUE(sink) << sink.error().message;
  Writer* w = (*sink)->writer(1);
  EXPECT_NE(w, nullptr);
  EXPECT_EQ((*sink)->writer(2), nullptr);
  auto catalog = view::Catalog::empty();
  Logged l;
  l.peer.ss_family = AF_INET;
  for (int i = 0; i < queries; ++i) {
    w->log(*catalog, l.q, dns::ParseStatus::kOk, false, l.peer, l.peer, l.query, l.response);
  }
  const Counts c = (*sink)->counts();
  EXPECT_FALSE((*sink)->connected());
  sink->reset();
  rmdir(dir.c_str());
  return c;
}

TEST(DnstapSinkTest, WithoutAReaderSampledMessagesAreDroppedAndCounted) {
  Counts c = log_without_reader(1, Messages::kBoth, 10);
  EXPECT_EQ(c.sent, 0u);
  EXPECT_EQ(c.dropped_full, 0u);
  EXPECT_EQ(c.dropped_reader, 20u);  // a query and a response frame each
  c = log_without_reader(3, Messages::kBoth, 9);
  EXPECT_EQ(c.dropped_reader, 6u);  // queries 1, 4 and 7
  c = log_without_reader(1, Messages::kQuery, 5);
  EXPECT_EQ(c.dropped_reader, 5u);
  c = log_without_reader(2, Messages::kResponse, 5);
  EXPECT_EQ(c.dropped_reader, 3u);
}

}  // namespace
}  // namespace dnsedge::dnstap
