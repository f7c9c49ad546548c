// global_monitor(): one started process-wide monitor on make_default_source(). Built only when the
// Linux sources are in the tree (tests/pressure/monitor.cmake).
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "membound/pressure/monitor.hpp"

namespace membound {
namespace {

TEST(GlobalMonitorTest, IsOneStartedMonitorOnTheDefaultSource) {
  std::vector<pressure_monitor*> seen(4, nullptr);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&seen, i] { seen[i] = &global_monitor(); });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (pressure_monitor* m : seen) {
    EXPECT_EQ(m, &global_monitor());
  }
  pressure_monitor& mon = global_monitor();
  EXPECT_TRUE(mon.running());
  mon.poll_once();
  const monitor_stats s = mon.stats();
  EXPECT_GE(s.samples + s.read_errors, 1u);
  if (s.samples > 0) {
    EXPECT_GT(mon.last_sample().limit_bytes, 0u);
    EXPECT_FALSE(mon.last_sample().source.empty());
  }
}

}  // namespace
}  // namespace membound
