// admin_server under load: 10 000 requests from 8 concurrent loopback clients, no errors, bounded
// memory.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>

#include "membound/observability/admin_server.hpp"
#include "membound/observability/memory_tracker.hpp"
#include "observability/admin_test_support.hpp"

namespace membound {
namespace {

// RSS may grow by at most this much across the measured 10 000 requests (after a warm-up that
// lets the allocator and httplib's per-thread buffers reach their steady state). Measured growth
// is ~0–2 MiB; a per-request leak of even 2 KiB would add ~20 MiB.
constexpr std::uint64_t rss_bound = 8ULL << 20;

void hammer(std::uint16_t port, int clients, int per_client, std::atomic<int>& failures,
            std::atomic<int>& ok) {
  const char* paths[] = {"/metrics", "/memory-stats", "/cache-stats", "/memory-history?window=5m",
                         "/alerts", "/"};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client cli("127.0.0.1", port);
      cli.set_keep_alive(true);
      cli.set_read_timeout(std::chrono::seconds(30));
      for (int i = 0; i < per_client; ++i) {
        auto r = cli.Get(paths[(c + i) % std::size(paths)]);
        if (r && r->status == 200 && !r->body.empty()) {
          ok.fetch_add(1, std::memory_order_relaxed);
        } else {
          failures.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
}

TEST(AdminLoadTest, TenThousandRequestsFromEightClients) {
  test::fixed_sources data;
  admin_server server(data.sources());
  ASSERT_FALSE(server.start());
  std::atomic<int> failures{0};
  std::atomic<int> ok{0};
  hammer(server.port(), 8, 100, failures, ok);  // warm-up
  ASSERT_EQ(failures.load(), 0);
  const auto before = read_process_rss();
  ok = 0;
  hammer(server.port(), 8, 1250, failures, ok);
  const auto after = read_process_rss();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ok.load(), 10'000);
  EXPECT_GE(server.stats().requests, 10'800U);
  ASSERT_GT(before, 0U);
  const auto growth = after > before ? after - before : 0;
  RecordProperty("rss_before_bytes", std::to_string(before));
  RecordProperty("rss_after_bytes", std::to_string(after));
  std::printf("RSS before %llu KiB, after %llu KiB, growth %llu KiB (bound %llu KiB)\n",
              static_cast<unsigned long long>(before >> 10),
              static_cast<unsigned long long>(after >> 10),
              static_cast<unsigned long long>(growth >> 10),
              static_cast<unsigned long long>(rss_bound >> 10));
  EXPECT_LE(growth, rss_bound);
  server.stop();
}

}  // namespace
}  // namespace membound
