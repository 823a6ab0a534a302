#include "common/snapshot.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace dnsedge::common {
namespace {

TEST(SnapshotTest, ReaderSeesLatestPublish) {
  SnapshotPublisher<int> pub(std::make_shared<const int>(1));
  SnapshotReader<int> reader(pub);
  EXPECT_EQ(reader.get(), 1);
  pub.publish(std::make_shared<const int>(2));
  EXPECT_EQ(reader.get(), 2);
}

TEST(SnapshotTest, ConcurrentReadersNeverSeeTornState) {
  struct Pair { int a; int b; };
  SnapshotPublisher<Pair> pub(std::make_shared<const Pair>(Pair{0, 0}));
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      SnapshotReader<Pair> r(pub);
      int last = 0;
      while (!stop.load()) {
        const Pair& p = r.get();
        if (p.a != p.b || p.a < last) bad++;
        last = p.a;
      }
    });
  }
  for (int i = 1; i <= 2000; ++i) pub.publish(std::make_shared<const Pair>(Pair{i, i}));
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace dnsedge::common
