// A manually advanced clock for deterministic tests: no sleeps, time moves only when told.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "membound/clock.hpp"

namespace membound::test {

// Thread-safe: advance() and now() may race (the time is one atomic).
class fake_clock {
 public:
  explicit fake_clock(time_point start = time_point{} + std::chrono::hours(1))
      : state_(std::make_shared<std::atomic<time_point::rep>>(start.time_since_epoch().count())) {}

  time_point now() const noexcept {
    return time_point(time_point::duration(state_->load(std::memory_order_acquire)));
  }
  void advance(std::chrono::nanoseconds d) noexcept {
    state_->fetch_add(std::chrono::duration_cast<time_point::duration>(d).count(),
                      std::memory_order_acq_rel);
  }
  // A clock_fn reading this clock; stays valid after the fake_clock is gone.
  clock_fn fn() const {
    auto s = state_;
    return [s] { return time_point(time_point::duration(s->load(std::memory_order_acquire))); };
  }

 private:
  std::shared_ptr<std::atomic<time_point::rep>> state_;
};

}  // namespace membound::test
