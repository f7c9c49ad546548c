// memory_tracker: RSS at the start and end of named stages and components of a program, with the
// delta, kept in a bounded history, exported (JSON, Prometheus) and logged.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <boost/circular_buffer.hpp>

#include "membound/clock.hpp"
#include "membound/detail/thread_annotations.hpp"
#include "membound/observability/subscription.hpp"

namespace membound {

enum class scope_kind : std::uint8_t { stage, component };

// Returns "stage" or "component".
constexpr std::string_view to_string(scope_kind kind) noexcept {
  return kind == scope_kind::stage ? "stage" : "component";
}

// One completed stage_scope / component_scope.
struct scope_record {
  scope_kind kind = scope_kind::stage;
  std::string name;
  time_point start{};
  time_point end{};
  std::uint64_t rss_start_bytes = 0;
  std::uint64_t rss_end_bytes = 0;

  // Returns rss_end − rss_start (negative when the scope gave memory back).
  std::int64_t delta_bytes() const noexcept {
    return static_cast<std::int64_t>(rss_end_bytes) - static_cast<std::int64_t>(rss_start_bytes);
  }
  std::chrono::nanoseconds duration() const noexcept { return end - start; }
};

// All completed scopes of one (kind, name), since the tracker was created (not bounded by the
// history; bounded by max_names).
struct scope_totals {
  scope_kind kind = scope_kind::stage;
  std::string name;
  std::uint64_t count = 0;
  std::int64_t total_delta_bytes = 0;
  std::int64_t max_delta_bytes = 0;
  std::int64_t last_delta_bytes = 0;
  std::chrono::nanoseconds total_time{0};
};

struct memory_tracker_options {
  std::size_t history = 256;    // completed scopes kept (reserved up front), oldest dropped first; ≥ 1
  std::size_t max_names = 1024;  // distinct (kind, name) totals; beyond it new names count in "other"
  // Returns the current RSS in bytes; empty = /proc/self/statm (0 when unreadable).
  std::function<std::uint64_t()> rss;
  clock_fn clock;          // empty = steady_clock
  bool log_scopes = true;  // log each completed scope through membound::logger() at info
};

// Records RSS around scopes: a stage_scope / component_scope reads RSS when it opens and when it
// closes, and the tracker keeps the record.
//
// Complexity: opening or closing a scope is two RSS reads (one pread of /proc/self/statm each by
// default) plus O(log names) under a mutex.
// Thread-safety: thread-safe; scopes may open and close on any thread, and overlap.
// Exceptions: the constructor throws std::invalid_argument for history or max_names of 0; the
// rest throws only std::bad_alloc (a scope's destructor swallows it and drops the record).
// Stability: history() and totals() return copies.
// Capacity: hard bound of `history` records (the oldest is dropped; dropped() counts them) and
// `max_names` totals entries.
class memory_tracker {
 public:
  explicit memory_tracker(memory_tracker_options options = {});
  memory_tracker(const memory_tracker&) = delete;
  memory_tracker& operator=(const memory_tracker&) = delete;

  // Returns the current RSS as the injected source reads it.
  std::uint64_t current_rss() const;
  // Records a scope directly (what the scopes call on closing).
  void record(scope_record record);

  // Completed scopes, oldest first.
  std::vector<scope_record> history() const;
  // Totals per (kind, name), sorted by total_delta_bytes, largest growth first.
  std::vector<scope_totals> totals() const;
  std::uint64_t dropped() const;
  time_point now() const;

  // Calls `callback` with each completed record, on the thread that closed the scope, outside
  // the tracker's lock (exceptions are caught and logged).
  [[nodiscard]] subscription_handle subscribe(std::function<void(const scope_record&)> callback);

 private:
  memory_tracker_options options_;
  mutable detail::mutex mu_;
  boost::circular_buffer<scope_record> ring_ MEMBOUND_GUARDED_BY(mu_);  // the oldest is overwritten when full
  std::uint64_t dropped_ MEMBOUND_GUARDED_BY(mu_) = 0;
  std::map<std::pair<scope_kind, std::string>, scope_totals> totals_ MEMBOUND_GUARDED_BY(mu_);
  detail::event_channel<scope_record> channel_;
};

namespace detail {
// Shared implementation of stage_scope and component_scope.
class tracked_scope {
 public:
  tracked_scope(const tracked_scope&) = delete;
  tracked_scope& operator=(const tracked_scope&) = delete;
  ~tracked_scope();
  // Closes the scope now (the destructor then does nothing). Idempotent.
  void end() noexcept;
  // Returns RSS now minus RSS at the start (the scope stays open).
  std::int64_t delta_so_far() const;

 protected:
  tracked_scope(memory_tracker& tracker, scope_kind kind, std::string name);

 private:
  memory_tracker* tracker_;
  scope_record record_;
  bool open_ = true;
};
}  // namespace detail

// RAII: a named stage of the program (e.g. "load-index"): reads RSS on construction and on
// destruction (or end()) and records the scope in the tracker.
// Complexity: two RSS reads. Thread-safety: not thread-safe (one thread opens and closes it; the
// tracker itself is thread-safe). Exceptions: the constructor may throw std::bad_alloc; the
// destructor never throws. Stability: not movable; REQUIRES the tracker outlives it.
// Capacity: not applicable.
class stage_scope final : public detail::tracked_scope {
 public:
  stage_scope(memory_tracker& tracker, std::string name)
      : tracked_scope(tracker, scope_kind::stage, std::move(name)) {}
};

// RAII: a named component's work (e.g. "parser", "cache-warmup"); same contract as stage_scope.
class component_scope final : public detail::tracked_scope {
 public:
  component_scope(memory_tracker& tracker, std::string name)
      : tracked_scope(tracker, scope_kind::component, std::move(name)) {}
};

// JSON: {"records": [...oldest first], "totals": [...], "dropped": n, "rss_bytes": now}.
// Prometheus (per {kind, name}): membound_scope_runs_total (counter),
// membound_scope_last_rss_delta_bytes, membound_scope_rss_delta_sum_bytes and
// membound_scope_max_rss_delta_bytes (gauges: deltas are signed), membound_scope_seconds_total.
std::string to_json(const memory_tracker& tracker);
std::string to_prometheus(const memory_tracker& tracker);

// Reads RSS from /proc/self/statm; 0 when unreadable.
std::uint64_t read_process_rss() noexcept;

}  // namespace membound
