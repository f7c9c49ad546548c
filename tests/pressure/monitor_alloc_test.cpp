// The monitor's tick allocates nothing in steady state (so measuring memory does not add to it).
// Its own binary: it replaces the global operator new to count allocations per thread.
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include <gtest/gtest.h>

#include "membound/log.hpp"
#include "membound/pressure/monitor.hpp"
#include "support/fake_clock.hpp"

namespace {
thread_local bool counting = false;
thread_local std::size_t allocations = 0;
}  // namespace

// GCC pairs the built-in operator new with operator delete and warns that free() does not match;
// here both are replaced, and both use malloc/free.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t n) {
  if (counting) {
    ++allocations;
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) {
    return p;
  }
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace membound {
namespace {

using namespace std::chrono_literals;

// Frees a fixed amount on every call and never allocates.
class quiet_shrinkable final : public shrinkable {
 public:
  std::string name() const override { return "quiet"; }
  std::size_t memory_bytes() const noexcept override { return 0; }
  shrink_result shrink(const shrink_request&) override { return {1, 100'000}; }
  bool regrow(double) override { return false; }
  shrinkable_stats stats_snapshot() const override { return {}; }
};

std::size_t allocations_in_polls(double ratio, int polls) {
  test::fake_clock clock;
  monitor_options o;
  o.clock = clock.fn();
  o.release_to_os = false;
  o.redispatch_elevated = 0ms;  // re-dispatch on every tick
  auto owned = std::make_unique<scripted_source>();
  owned->set_clock(clock.fn());
  owned->set(static_cast<std::uint64_t>(ratio * 1'000'000), 1'000'000);
  pressure_monitor mon(std::move(owned), o);
  std::vector<quiet_shrinkable> shrinkables(4);
  std::vector<pressure_monitor::attachment> attachments;
  std::vector<pressure_monitor::subscription> subscriptions;
  int events = 0;
  for (auto& s : shrinkables) {
    attachments.push_back(mon.attach(s));
    subscriptions.push_back(mon.subscribe([&events](const pressure_event&) { ++events; }));
  }
  for (int i = 0; i < 10; ++i) {  // warm-up: the level change, its log line, lazy statics
    mon.poll_once();
    clock.advance(1s);
  }
  allocations = 0;
  counting = true;
  for (int i = 0; i < polls; ++i) {
    mon.poll_once();
    clock.advance(1s);
  }
  counting = false;
  return allocations;
}

TEST(PressureMonitorAllocationTest, TheCounterSeesAllocations) {
  allocations = 0;
  counting = true;
  auto p = std::make_unique<std::vector<int>>(100);
  counting = false;
  EXPECT_EQ(allocations, 2u);  // the vector object and its buffer
}

TEST(PressureMonitorAllocationTest, SteadyNormalTickAllocatesNothing) {
  set_logger(nullptr);
  EXPECT_EQ(allocations_in_polls(0.30, 1000), 0u);
}

TEST(PressureMonitorAllocationTest, RedispatchTickAllocatesNothing) {
  set_logger(nullptr);
  EXPECT_EQ(allocations_in_polls(0.65, 1000), 0u);
}

}  // namespace
}  // namespace membound
