// pressure_monitor: samples a memory_source, classifies the level, tells subscribers and shrinks
// attached containers. global_monitor(): a lazily started process-wide monitor.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "membound/clock.hpp"
#include "membound/containers/shrinkable.hpp"
#include "membound/pressure/level.hpp"
#include "membound/pressure/sample.hpp"
#include "membound/pressure/source.hpp"
#include "membound/pressure/thresholds.hpp"

namespace membound {

struct monitor_options {
  pressure_thresholds thresholds;
  std::chrono::milliseconds interval{1000};      // sampling at NORMAL and ELEVATED
  std::chrono::milliseconds fast_interval{250};  // sampling at HIGH and CRITICAL
  // Re-application of a held level's fraction to the current capacity, at most this often, while
  // the ratio stays above the ELEVATED threshold.
  std::chrono::milliseconds redispatch_elevated{30'000};
  std::chrono::milliseconds redispatch_high{10'000};
  std::chrono::milliseconds redispatch_critical{2'000};
  std::chrono::milliseconds regrow_after{60'000};  // NORMAL must hold this long before regrowing
  double regrow_step = 0.05;                       // of configured capacity per regrow step
  bool release_to_os = true;                       // malloc_trim(0) after shrink passes
  std::chrono::milliseconds release_min_interval{10'000};  // rate limit (CRITICAL: every pass)
  // What "return memory to the OS" calls after a shrink pass that freed bytes; empty = glibc
  // malloc_trim(0). Tests inject a counter here. Runs on the polling thread, under no lock.
  std::function<void()> os_release;
  clock_fn clock;       // empty = steady_clock
  std::string name = "membound";
};

// Delivered to subscribers on every level change, and on each re-dispatch while a level holds.
struct pressure_event {
  pressure_level previous = pressure_level::normal;
  pressure_level level = pressure_level::normal;
  memory_sample sample;
  std::uint64_t target_bytes = 0;  // bytes to free to get back under the ELEVATED exit line
  bool repeat = false;             // a re-dispatch of a held level, not a change
};

// One point of the bounded history.
struct history_point {
  time_point time{};
  std::uint64_t used_bytes = 0;
  std::uint64_t limit_bytes = 0;
  pressure_level level = pressure_level::normal;
};

struct monitor_stats {
  std::uint64_t samples = 0;
  std::uint64_t read_errors = 0;
  std::uint64_t level_transitions = 0;
  std::uint64_t events_dispatched = 0;  // pressure_events produced (changes + repeats)
  // Exceptions thrown by subscribers, shrinkables (shrink, regrow, stats_snapshot) or
  // options.os_release.
  std::uint64_t callback_errors = 0;
  // Exceptions that ended a background tick early (a throwing options.clock, std::bad_alloc):
  // caught on the monitor thread, logged, counted here; the thread keeps sampling.
  std::uint64_t poll_errors = 0;
  std::uint64_t shrink_passes = 0;
  std::uint64_t redispatches_suppressed = 0;  // anti-spiral: passes skipped after 2 futile ones
  std::uint64_t regrow_steps = 0;  // ticks that called regrow() on the attached shrinkables
  std::uint64_t entries_freed = 0;
  std::uint64_t bytes_freed = 0;  // logical bytes, as the containers accounted them
  std::uint64_t os_releases = 0;  // malloc_trim calls
  std::uint64_t bytes_returned_to_os = 0;  // RSS drop measured around malloc_trim
  std::chrono::nanoseconds release_time{0};
  std::chrono::nanoseconds tick_time{0};  // total time spent in poll_once
  std::chrono::nanoseconds max_tick_time{0};
  pressure_level level = pressure_level::normal;
};

// Samples `source` on its own thread (after start()) or on demand (poll_once()), classifies with
// hysteresis, and on escalating into a level sends every attached shrinkable a shrink_request and
// every subscriber a pressure_event (see docs/design.md for the full level machine, the re-dispatch
// cadence, the anti-spiral rule and regrowth).
//
// Complexity: poll_once() is O(subscribers + attached) plus one source read.
// Thread-safety: thread-safe. Callbacks and shrinkables are called from the polling thread (or the
// thread calling poll_once()) and never under a lock that public methods take, so a callback may
// call level(), stats(), subscribe() or drop handles. Handles may be destroyed from any thread;
// destroying one waits for a callback of it that is running on another thread.
// Exceptions: the constructor throws std::invalid_argument for bad options; everything a callback or
// shrinkable throws is caught, logged and counted, and the others still run.
// Handles: a subscription/attachment stays valid until reset or destroyed, and may outlive the
// monitor (detaching is then a no-op). After reset() returns, its callback or shrinkable is not
// running on any other thread and is never called again. REQUIRES: the monitor is not destroyed
// from one of its own callbacks, nor while poll_once() runs on another thread.
// Capacity: the history is bounded (1 s points for the last hour, 1 min points for 48 h); a tick
// in steady state allocates nothing.
class pressure_monitor {
 public:
  // RAII registration of a callback; detaches on destruction or reset(). Movable.
  class subscription {
   public:
    subscription() = default;
    subscription(subscription&& other) noexcept;
    subscription& operator=(subscription&& other) noexcept;
    subscription(const subscription&) = delete;
    subscription& operator=(const subscription&) = delete;
    ~subscription();
    void reset() noexcept;
    explicit operator bool() const noexcept { return static_cast<bool>(token_); }

   private:
    friend class pressure_monitor;
    explicit subscription(std::shared_ptr<void> token) : token_(std::move(token)) {}
    std::shared_ptr<void> token_;
  };
  // RAII attachment of a shrinkable; detaches on destruction or reset(). Movable.
  using attachment = subscription;

  // Throws: std::invalid_argument naming the field for a null source, invalid thresholds, an
  // interval or fast_interval that is not positive, a negative redispatch_*, regrow_after or
  // release_min_interval, or a regrow_step outside (0, 1].
  explicit pressure_monitor(std::unique_ptr<memory_source> source, monitor_options options = {});
  ~pressure_monitor();  // stops and joins
  pressure_monitor(const pressure_monitor&) = delete;
  pressure_monitor& operator=(const pressure_monitor&) = delete;

  // Starts the background thread (no-op if running).
  void start();
  // Stops and joins the background thread (no-op if stopped). Safe to call from a callback: then
  // it only requests the stop.
  void stop() noexcept;
  bool running() const noexcept;

  // One sample-classify-dispatch, synchronously on the calling thread. Returns the level after it.
  // A failed source read is not an exception: it is logged, counted in read_errors and the level
  // stays. Throws: whatever options.clock throws, std::bad_alloc (nothing a callback, shrinkable
  // or os_release throws reaches the caller).
  pressure_level poll_once();

  pressure_level level() const noexcept;
  memory_sample last_sample() const;

  // Throws: std::invalid_argument naming "callback" when it is empty.
  [[nodiscard]] subscription subscribe(std::function<void(const pressure_event&)> callback);
  // REQUIRES: `target` outlives the returned attachment.
  [[nodiscard]] attachment attach(shrinkable& target);

  // Returns the points of the last `window`, oldest first.
  std::vector<history_point> history(std::chrono::seconds window = std::chrono::hours(1)) const;
  // Returns the growth of used bytes over the last minute of history, in bytes per minute: the
  // least-squares slope of the 1 s points less than 60 s older than the newest (0 if < 2 points).
  double trend_bytes_per_min() const;
  // Returns the bytes to free to get back under the ELEVATED exit line (0 when below it).
  std::uint64_t eviction_target_bytes() const;
  monitor_stats stats() const;
  // Returns stats_snapshot() of every attached shrinkable.
  std::vector<shrinkable_stats> attached_stats() const;
  const monitor_options& options() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Returns a process-wide monitor on make_default_source(), started on first use. Never destroyed
// before static destruction; thread-safe initialization.
pressure_monitor& global_monitor();

}  // namespace membound
