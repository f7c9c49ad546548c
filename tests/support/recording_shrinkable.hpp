// recording_shrinkable: a fake shrinkable for tests. It models a container's capacity the way
// membound/containers/shrinkable.hpp specifies (configured / current / minimum capacity, in
// entries of a fixed size), holds `size` entries, and records every request it gets.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "membound/containers/shrinkable.hpp"

namespace membound::test {

// Capacity rule (shrinkable.hpp):
//   shrink:  current = max(minimum, min(current, floor(base × keep_fraction))), base = configured
//            or current (relative_to_current); then entries above the capacity are evicted.
//   regrow:  current = min(configured, current + max(1, floor(step × configured))); returns
//            current < configured.
// By default the fake stays full (`refill`): after a shrink it still holds `capacity` entries, as a
// busy cache would. Thread-safe (one mutex). shrink()/regrow() throw std::runtime_error when told to.
class recording_shrinkable final : public shrinkable {
 public:
  explicit recording_shrinkable(std::string name, std::uint64_t configured = 100,
                                std::uint64_t minimum = 0, std::size_t entry_bytes = 1000)
      : name_(std::move(name)),
        configured_(configured),
        current_(configured),
        minimum_(minimum),
        size_(configured),
        entry_bytes_(entry_bytes) {}

  std::string name() const override { return name_; }

  std::size_t memory_bytes() const noexcept override {
    std::lock_guard lock(mu_);
    return static_cast<std::size_t>(size_) * entry_bytes_;
  }

  shrink_result shrink(const shrink_request& request) override {
    std::function<void()> hook;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      if (throw_on_shrink_) {
        throw std::runtime_error(name_ + ": shrink failed");
      }
      hook = on_shrink_;
    }
    if (hook) {
      hook();  // outside the lock: tests block here to order threads
    }
    std::lock_guard lock(mu_);
    const std::uint64_t base = request.relative_to_current ? current_ : configured_;
    const auto wanted =
        static_cast<std::uint64_t>(std::floor(static_cast<double>(base) * request.keep_fraction));
    current_ = std::max(minimum_, std::min(current_, wanted));
    shrink_result result;
    if (size_ > current_) {
      result.entries = static_cast<std::size_t>(size_ - current_);
      result.bytes = result.entries * entry_bytes_;
      size_ = current_;
      pressure_evictions_ += result.entries;
    }
    if (reported_bytes_) {
      result.bytes = *reported_bytes_;
    }
    return result;
  }

  bool regrow(double step_fraction) override {
    std::lock_guard lock(mu_);
    ++regrow_calls_;
    if (throw_on_regrow_) {
      throw std::runtime_error(name_ + ": regrow failed");
    }
    const auto step = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::floor(step_fraction * static_cast<double>(configured_) + 1e-9)));
    current_ = std::min(configured_, current_ + step);
    if (refill_) {
      size_ = current_;
    }
    return current_ < configured_;
  }

  shrinkable_stats stats_snapshot() const override {
    std::lock_guard lock(mu_);
    if (throw_on_stats_) {
      throw std::runtime_error(name_ + ": stats failed");
    }
    shrinkable_stats s;
    s.kind = "recording";
    s.name = name_;
    s.size = size_;
    s.capacity = current_;
    s.configured_capacity = configured_;
    s.bytes = size_ * entry_bytes_;
    s.pressure_evictions = pressure_evictions_;
    return s;
  }

  // --- test controls and observations ---
  std::uint64_t capacity() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  std::uint64_t size() const {
    std::lock_guard lock(mu_);
    return size_;
  }
  // Refills to the current capacity (a cache that got traffic again).
  void fill() {
    std::lock_guard lock(mu_);
    size_ = current_;
  }
  void set_size(std::uint64_t n) {
    std::lock_guard lock(mu_);
    size_ = std::min(n, current_);
  }
  // Whether regrow() also refills (default true).
  void set_refill(bool on) {
    std::lock_guard lock(mu_);
    refill_ = on;
  }
  std::vector<shrink_request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::size_t shrink_calls() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }
  std::size_t regrow_calls() const {
    std::lock_guard lock(mu_);
    return regrow_calls_;
  }
  void clear_requests() {
    std::lock_guard lock(mu_);
    requests_.clear();
  }
  void throw_on_shrink(bool on) {
    std::lock_guard lock(mu_);
    throw_on_shrink_ = on;
  }
  void throw_on_regrow(bool on) {
    std::lock_guard lock(mu_);
    throw_on_regrow_ = on;
  }
  void throw_on_stats(bool on) {
    std::lock_guard lock(mu_);
    throw_on_stats_ = on;
  }
  // Makes shrink() report `bytes` freed whatever it did (nullopt: the modelled figure).
  void report_freed_bytes(std::optional<std::size_t> bytes) {
    std::lock_guard lock(mu_);
    reported_bytes_ = bytes;
  }
  // Called at the start of each shrink(), outside the fake's lock.
  void on_shrink(std::function<void()> hook) {
    std::lock_guard lock(mu_);
    on_shrink_ = std::move(hook);
  }

 private:
  mutable std::mutex mu_;
  std::string name_;
  std::uint64_t configured_;
  std::uint64_t current_;
  std::uint64_t minimum_;
  std::uint64_t size_;
  std::size_t entry_bytes_;
  std::uint64_t pressure_evictions_ = 0;
  std::size_t regrow_calls_ = 0;
  bool refill_ = true;
  bool throw_on_shrink_ = false;
  bool throw_on_regrow_ = false;
  bool throw_on_stats_ = false;
  std::optional<std::size_t> reported_bytes_;
  std::function<void()> on_shrink_;
  std::vector<shrink_request> requests_;
};

}  // namespace membound::test
