// Test helpers: admin_sources over hand-built values (no monitor needed), thread-safe to change.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "membound/observability/admin_server.hpp"

namespace membound::test {

// Thread-safe: set() and the sources' reads may race.
class fixed_sources {
 public:
  fixed_sources() {
    snap_.monitor_name = "test";
    snap_.sample.used_bytes = 850ULL << 20;
    snap_.sample.limit_bytes = 1000ULL << 20;
    snap_.sample.source = "scripted";
    snap_.level = pressure_level::high;
    shrinkable_stats c;
    c.kind = "cache";
    c.name = "users";
    c.size = 10;
    c.capacity = 50;
    c.configured_capacity = 100;
    c.hits = 30;
    c.misses = 10;
    snap_.containers.push_back(c);
  }

  void set(metrics_snapshot s, std::vector<history_point> h) {
    std::lock_guard lock(mu_);
    snap_ = std::move(s);
    history_ = std::move(h);
  }
  metrics_snapshot snapshot() const {
    std::lock_guard lock(mu_);
    return snap_;
  }

  admin_sources sources(clock_fn clock = {}) {
    admin_sources s;
    s.snapshot = [this] { return snapshot(); };
    s.history = [this](std::chrono::seconds) {
      std::lock_guard lock(mu_);
      return history_;
    };
    s.clock = std::move(clock);
    return s;
  }

 private:
  mutable std::mutex mu_;
  metrics_snapshot snap_;
  std::vector<history_point> history_;
};

}  // namespace membound::test
