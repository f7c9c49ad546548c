// pressure_monitor: sample → classify → dispatch, on its own thread or on demand.
//
// Locks (never held while a callback, a shrinkable or malloc_trim runs):
//   thread_mu_  – the jthread object (start/stop/running).
//   source_mu   – read + classify, so samples are classified in the order they were read and the
//                 thread-compatible memory_source is used by one thread at a time.
//   mu          – every piece of state public getters read (stats, history, last sample, timers).
//   registry.mu – the copy-on-write lists of subscribers and attachments.
//   registration.mu – one registration's "running now" count, for handles that detach.
// Lock order: source_mu → mu. registry.mu and registration.mu are leaves.
#include "membound/pressure/monitor.hpp"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <utility>

#include "membound/detail/thread_annotations.hpp"
#include "membound/detail/throw.hpp"
#include "membound/log.hpp"
#include "membound/pressure/classifier.hpp"
#include "pressure/monitor_history.hpp"
#include "pressure/monitor_rss.hpp"

namespace membound {
namespace {

// --- registrations --------------------------------------------------------------------------

struct registry;

// One subscriber or one attachment. Shared by the registry's lists (and the snapshots dispatch
// iterates) and by the handle's token; the token's destruction detaches it.
//
// Invariant: once `detached` is set no new invocation starts, and detach_and_wait() returns only
// when every invocation running on *another* thread has finished. Invocations running on the
// detaching thread itself (a callback dropping its own handle) are not waited for: that would
// deadlock, and they finish as soon as the detaching call returns to them.
struct registration {
  std::function<void(const pressure_event&)> callback;  // a subscriber, or
  shrinkable* target = nullptr;                          // an attachment
  std::weak_ptr<registry> owner;

  std::mutex mu;
  std::condition_variable idle;
  int active = 0;  // invocations running now, on any thread
  bool detached = false;

  bool enter() {
    std::lock_guard lock(mu);
    if (detached) {
      return false;
    }
    ++active;
    return true;
  }
  void leave() {
    std::lock_guard lock(mu);
    --active;
    if (detached) {
      idle.notify_all();
    }
  }
  void detach_and_wait() noexcept;
};

// The invocations running on this thread, innermost first: lets detach_and_wait() tell "my own
// callback drops its handle" (do not wait for yourself) from "another thread is running it".
struct invocation_frame {
  const registration* reg;
  const invocation_frame* outer;
};
thread_local const invocation_frame* tl_innermost = nullptr;

int invocations_on_this_thread(const registration* reg) noexcept {
  int n = 0;
  for (const invocation_frame* f = tl_innermost; f != nullptr; f = f->outer) {
    n += f->reg == reg ? 1 : 0;
  }
  return n;
}

void registration::detach_and_wait() noexcept {
  std::unique_lock lock(mu);
  detached = true;
  const int mine = invocations_on_this_thread(this);
  idle.wait(lock, [&] { return active <= mine; });
}

// Runs one invocation of `reg` if it is still attached. RAII for the frame and the count.
class invocation {
 public:
  explicit invocation(registration& reg) : reg_(reg), entered_(reg.enter()) {
    if (entered_) {
      frame_ = {&reg_, tl_innermost};
      tl_innermost = &frame_;
    }
  }
  ~invocation() {
    if (entered_) {
      tl_innermost = frame_.outer;
      reg_.leave();
    }
  }
  invocation(const invocation&) = delete;
  invocation& operator=(const invocation&) = delete;
  explicit operator bool() const noexcept { return entered_; }

 private:
  registration& reg_;
  bool entered_;
  invocation_frame frame_{};
};

using registration_list = std::vector<std::shared_ptr<registration>>;

// Copy-on-write lists: dispatch copies one shared_ptr under the lock (no allocation per tick), and
// only subscribe/attach/detach build a new vector.
struct registry {
  detail::mutex mu;
  std::shared_ptr<const registration_list> subscribers MEMBOUND_GUARDED_BY(mu) =
      std::make_shared<const registration_list>();
  std::shared_ptr<const registration_list> attached MEMBOUND_GUARDED_BY(mu) =
      std::make_shared<const registration_list>();

  std::shared_ptr<const registration_list> snapshot(bool subs) {
    detail::lock_guard lock(mu);
    return subs ? subscribers : attached;
  }

  void add(std::shared_ptr<registration> reg) {
    const bool subs = static_cast<bool>(reg->callback);
    detail::lock_guard lock(mu);
    auto& list = subs ? subscribers : attached;
    auto next = std::make_shared<registration_list>();
    next->reserve(list->size() + 1);
    // Drop registrations whose removal could not allocate earlier.
    for (const auto& r : *list) {
      if (!is_detached(*r)) {
        next->push_back(r);
      }
    }
    next->push_back(std::move(reg));
    list = std::move(next);
  }

  void remove(const registration* reg) noexcept {
    detail::lock_guard lock(mu);
    for (auto* list : {&subscribers, &attached}) {
      try {
        auto next = std::make_shared<registration_list>();
        for (const auto& r : **list) {
          if (r.get() != reg) {
            next->push_back(r);
          }
        }
        if (next->size() != (*list)->size()) {
          *list = std::move(next);
        }
      } catch (...) {
        // Out of memory: the registration stays listed but is marked detached, so it is skipped,
        // and the next add() drops it.
      }
    }
  }

  static bool is_detached(registration& r) {
    std::lock_guard lock(r.mu);
    return r.detached;
  }
};

// What a handle owns: destroying it detaches the registration.
struct registration_token {
  std::shared_ptr<registration> reg;
  registration_token(const registration_token&) = delete;
  registration_token& operator=(const registration_token&) = delete;
  explicit registration_token(std::shared_ptr<registration> r) : reg(std::move(r)) {}
  ~registration_token() {
    if (auto owner = reg->owner.lock()) {
      owner->remove(reg.get());
    }
    reg->detach_and_wait();
  }
};

// --- level reactions ------------------------------------------------------------------------

// Fractions of capacity kept on entering a level (DESIGN.md: 25 % / 50 % / to the minimum).
constexpr double keep_fraction_of(pressure_level level) noexcept {
  switch (level) {
    case pressure_level::elevated: return 0.75;
    case pressure_level::high: return 0.50;
    case pressure_level::critical: return 0.0;
    case pressure_level::normal: break;
  }
  return 1.0;
}

// Anti-spiral: a pass is futile when it freed under 1 % of the limit; two in a row at one level
// stop the re-applications until the level changes.
constexpr int futile_passes_to_stop = 2;
constexpr std::uint64_t futile_percent = 1;

std::uint64_t target_bytes_of(const memory_sample& s, const pressure_thresholds& t) noexcept {
  const double line = (t.elevated - t.recovery_margin) * static_cast<double>(s.limit_bytes);
  const double used = static_cast<double>(s.used_bytes);
  return used > line ? static_cast<std::uint64_t>(used - line) : 0;
}

void log_callback_error(const std::string& monitor, const char* what, const char* kind) noexcept {
  try {
    logger()->error("{}: {} threw: {}", monitor, kind, what);
  } catch (...) {
  }
}

}  // namespace

// --- impl -----------------------------------------------------------------------------------

struct pressure_monitor::impl {
  // What one tick decided under the lock, executed after it is released.
  struct plan {
    bool notify = false;
    pressure_event event;
    bool shrink = false;
    shrink_request request;
    bool regrow = false;
    bool level_changed = false;
    std::uint64_t epoch = 0;
    time_point now{};
    std::error_code read_error;
    bool log_read_error = false;
    bool log_recovered = false;
  };

  impl(std::unique_ptr<memory_source> src, monitor_options opts)
      : options(std::move(opts)), source(std::move(src)), classifier(options.thresholds) {
    normal_since_ = membound::now(options.clock);
  }

  const monitor_options options;
  const std::unique_ptr<memory_source> source;
  const std::shared_ptr<registry> reg = std::make_shared<registry>();
  const detail::self_rss_reader rss;

  detail::mutex source_mu;
  pressure_classifier classifier MEMBOUND_GUARDED_BY(source_mu);

  std::atomic<pressure_level> level{pressure_level::normal};

  mutable detail::mutex mu;
  monitor_stats stats_ MEMBOUND_GUARDED_BY(mu);
  memory_sample last_sample_ MEMBOUND_GUARDED_BY(mu);
  bool have_sample_ MEMBOUND_GUARDED_BY(mu) = false;
  detail::monitor_history history_ MEMBOUND_GUARDED_BY(mu);
  std::uint64_t epoch_ MEMBOUND_GUARDED_BY(mu) = 0;  // bumped on every level change
  time_point last_pass_ MEMBOUND_GUARDED_BY(mu){};    // last change or re-dispatch (cadence)
  int futile_passes_ MEMBOUND_GUARDED_BY(mu) = 0;
  bool spiral_stopped_ MEMBOUND_GUARDED_BY(mu) = false;
  time_point normal_since_ MEMBOUND_GUARDED_BY(mu){};
  bool regrow_pending_ MEMBOUND_GUARDED_BY(mu) = false;
  std::optional<time_point> last_regrow_ MEMBOUND_GUARDED_BY(mu);
  std::optional<time_point> last_release_ MEMBOUND_GUARDED_BY(mu);
  std::uint64_t consecutive_read_errors_ MEMBOUND_GUARDED_BY(mu) = 0;
  std::error_code last_read_error_ MEMBOUND_GUARDED_BY(mu);

  detail::mutex thread_mu;
  std::jthread thread MEMBOUND_GUARDED_BY(thread_mu);
  std::jthread retired MEMBOUND_GUARDED_BY(thread_mu);  // stopped from its own callback
  std::mutex wait_mu;
  std::condition_variable_any wait_cv;

  std::chrono::milliseconds redispatch_of(pressure_level l) const noexcept {
    switch (l) {
      case pressure_level::elevated: return options.redispatch_elevated;
      case pressure_level::high: return options.redispatch_high;
      case pressure_level::critical: return options.redispatch_critical;
      case pressure_level::normal: break;
    }
    return std::chrono::milliseconds::max();
  }

  pressure_level poll_once();
  void decide(const memory_sample& s, plan& p) MEMBOUND_REQUIRES(mu);
  void execute(const plan& p);
  void release_to_os() noexcept;
  void count_poll_error() noexcept {
    detail::lock_guard lock(mu);
    ++stats_.poll_errors;
  }
  void run(std::stop_token stop);
  void start();
  void stop() noexcept;
};

pressure_level pressure_monitor::impl::poll_once() {
  const auto tick_start = clock_type::now();
  plan p;
  {
    detail::lock_guard source_lock(source_mu);
    std::error_code ec;
    const memory_sample s = source->read(ec);
    p.now = membound::now(options.clock);
    detail::lock_guard lock(mu);
    if (ec) {
      ++stats_.read_errors;
      // Log the first failure of a streak, a change of error, and every 60th repeat (once a
      // minute at the default 1 s interval: a source that stays broken stays visible, quietly).
      p.log_read_error = consecutive_read_errors_ == 0 || ec != last_read_error_ ||
                         consecutive_read_errors_ % 60 == 0;
      ++consecutive_read_errors_;
      last_read_error_ = ec;
      p.read_error = ec;
    } else {
      p.log_recovered = consecutive_read_errors_ != 0;
      consecutive_read_errors_ = 0;
      // Classification stays under source_mu: samples are classified in the order they were read.
      const pressure_level previous = classifier.level();
      const pressure_level next = classifier.update(s);
      p.event.previous = previous;
      p.event.level = next;
      decide(s, p);
    }
  }
  if (p.log_read_error) {
    logger()->warn("{}: reading {} failed: {} (level stays {})", options.name, source->name(),
                   p.read_error.message(), to_string(level.load(std::memory_order_relaxed)));
  }
  if (p.log_recovered) {
    logger()->info("{}: reading {} works again", options.name, source->name());
  }
  execute(p);
  const auto elapsed = clock_type::now() - tick_start;
  detail::lock_guard lock(mu);
  stats_.tick_time += elapsed;
  stats_.max_tick_time = std::max<std::chrono::nanoseconds>(stats_.max_tick_time, elapsed);
  return level.load(std::memory_order_relaxed);
}

void pressure_monitor::impl::decide(const memory_sample& s, plan& p) {
  const pressure_level previous = p.event.previous;
  const pressure_level next = p.event.level;
  const time_point t = p.now;
  const pressure_thresholds& th = options.thresholds;

  ++stats_.samples;
  history_.add(s.time, s.used_bytes, s.limit_bytes, next);
  last_sample_ = s;
  have_sample_ = true;
  const std::uint64_t target = target_bytes_of(s, th);
  p.event.sample = s;
  p.event.target_bytes = target;

  if (next != previous) {
    level.store(next, std::memory_order_relaxed);
    ++stats_.level_transitions;
    ++epoch_;
    futile_passes_ = 0;
    spiral_stopped_ = false;
    last_pass_ = t;
    p.level_changed = true;
    p.notify = true;
    if (next > previous) {  // escalation: shrink relative to the configured capacity
      p.shrink = true;
      p.request = shrink_request{next, keep_fraction_of(next), target, false};
      regrow_pending_ = true;
    }
    if (next == pressure_level::normal) {
      normal_since_ = t;
      last_regrow_.reset();
    }
  } else if (next != pressure_level::normal) {
    // The level holds: re-apply its fraction to the current capacity at the level's cadence,
    // while the ratio is still at or above the ELEVATED threshold.
    if (s.ratio() >= th.elevated && t - last_pass_ >= redispatch_of(next)) {
      last_pass_ = t;
      if (spiral_stopped_) {
        ++stats_.redispatches_suppressed;
      } else {
        p.notify = true;
        p.event.repeat = true;
        p.shrink = true;
        p.request = shrink_request{next, keep_fraction_of(next), target, true};
      }
    }
  } else if (regrow_pending_ && t - normal_since_ >= options.regrow_after &&
             (!last_regrow_ || t - *last_regrow_ >= options.interval) &&
             s.ratio() < th.elevated - th.recovery_margin) {
    // NORMAL has held long enough and usage is below the exit line: one regrow step per interval.
    last_regrow_ = t;
    p.regrow = true;
  }
  if (p.notify) {
    ++stats_.events_dispatched;
  }
  p.epoch = epoch_;
}

void pressure_monitor::impl::execute(const plan& p) {
  if (p.level_changed) {
    const memory_sample& s = p.event.sample;
    auto log = logger();
    log->log(p.event.level > p.event.previous ? spdlog::level::warn : spdlog::level::info,
             "{}: pressure {} -> {} ({} of {} bytes, {:.1f} %, from {})", options.name,
             to_string(p.event.previous), to_string(p.event.level), s.used_bytes, s.limit_bytes,
             s.ratio() * 100.0, s.source);
  }
  if (!p.shrink && !p.notify && !p.regrow) {
    return;
  }
  std::uint64_t errors = 0;
  std::uint64_t invoked = 0;  // shrinkables actually called
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
  bool all_full = true;

  // Shrinkables first (they free the memory), then subscribers, then the OS release.
  if (p.shrink || p.regrow) {
    const auto list = reg->snapshot(false);
    for (const auto& r : *list) {
      invocation inv(*r);
      if (!inv) {
        continue;
      }
      ++invoked;
      try {
        if (p.shrink) {
          const shrink_result res = r->target->shrink(p.request);
          entries += res.entries;
          bytes += res.bytes;
        } else if (r->target->regrow(options.regrow_step)) {
          all_full = false;
        }
      } catch (const std::exception& e) {
        ++errors;
        all_full = false;
        log_callback_error(options.name, e.what(), p.shrink ? "shrink()" : "regrow()");
      } catch (...) {
        ++errors;
        all_full = false;
        log_callback_error(options.name, "unknown exception", p.shrink ? "shrink()" : "regrow()");
      }
    }
  }
  if (p.notify) {
    const auto list = reg->snapshot(true);
    for (const auto& r : *list) {
      invocation inv(*r);
      if (!inv) {
        continue;
      }
      try {
        r->callback(p.event);
      } catch (const std::exception& e) {
        ++errors;
        log_callback_error(options.name, e.what(), "subscriber");
      } catch (...) {
        ++errors;
        log_callback_error(options.name, "unknown exception", "subscriber");
      }
    }
  }

  bool release = false;
  {
    detail::lock_guard lock(mu);
    stats_.callback_errors += errors;
    if (p.shrink) {
      ++stats_.shrink_passes;
      stats_.entries_freed += entries;
      stats_.bytes_freed += bytes;
      // Credited only if the level has not changed since the pass was planned, and only if some
      // shrinkable was asked (with none attached there is nothing to measure, and subscribers
      // keep getting their repeats).
      if (p.epoch == epoch_ && invoked != 0) {
        if (bytes * 100 < futile_percent * p.event.sample.limit_bytes) {
          if (++futile_passes_ >= futile_passes_to_stop && !spiral_stopped_) {
            spiral_stopped_ = true;
            try {
              logger()->warn(
                  "{}: {} consecutive shrink passes at {} freed under {} % of the limit; "
                  "re-applying stops until the level changes",
                  options.name, futile_passes_, to_string(p.event.level), futile_percent);
            } catch (...) {
            }
          }
        } else {
          futile_passes_ = 0;
        }
      }
      if (bytes > 0 && options.release_to_os &&
          (p.event.level == pressure_level::critical || !last_release_ ||
           p.now - *last_release_ >= options.release_min_interval)) {
        last_release_ = p.now;
        release = true;
      }
    }
    if (p.regrow) {
      ++stats_.regrow_steps;
      if (all_full && p.epoch == epoch_) {
        regrow_pending_ = false;
      }
    }
  }
  if (release) {
    release_to_os();
  }
}

void pressure_monitor::impl::release_to_os() noexcept {
  const std::optional<std::uint64_t> before = rss.read();
  const auto start = clock_type::now();
  std::uint64_t errors = 0;
  try {
    if (options.os_release) {
      options.os_release();
    } else {
      ::malloc_trim(0);
    }
  } catch (const std::exception& e) {
    ++errors;
    log_callback_error(options.name, e.what(), "os_release");
  } catch (...) {
    ++errors;
    log_callback_error(options.name, "unknown exception", "os_release");
  }
  const auto elapsed = clock_type::now() - start;
  const std::optional<std::uint64_t> after = rss.read();
  std::uint64_t returned = 0;
  if (before && after && *after < *before) {
    returned = *before - *after;
  }
  {
    detail::lock_guard lock(mu);
    stats_.callback_errors += errors;
    ++stats_.os_releases;
    stats_.release_time += elapsed;
    stats_.bytes_returned_to_os += returned;
  }
  try {
    logger()->debug("{}: returned {} bytes to the OS in {} µs", options.name, returned,
                    std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
  } catch (...) {
  }
}

void pressure_monitor::impl::run(std::stop_token stop_token) {
  while (!stop_token.stop_requested()) {
    try {
      poll_once();
    } catch (const std::exception& e) {  // bad_alloc from logging, a throwing clock_fn
      count_poll_error();
      log_callback_error(options.name, e.what(), "poll");
    } catch (...) {
      count_poll_error();
      log_callback_error(options.name, "unknown exception", "poll");
    }
    const auto wait = level.load(std::memory_order_relaxed) >= pressure_level::high
                          ? options.fast_interval
                          : options.interval;
    std::unique_lock lock(wait_mu);
    // Returns on timeout or as soon as a stop is requested (the stop_token wakes the wait).
    wait_cv.wait_for(lock, stop_token, wait, [] { return false; });
  }
}

void pressure_monitor::impl::start() {
  std::jthread to_join;
  {
    detail::lock_guard lock(thread_mu);
    if (thread.joinable() && !thread.get_stop_token().stop_requested()) {
      return;  // running
    }
    if (thread.joinable()) {
      if (thread.get_id() == std::this_thread::get_id()) {
        // Restarted from a callback of the thread that stopped itself: it exits when the
        // callback returns; join it later.
        if (retired.joinable()) {
          to_join = std::move(retired);
        }
        retired = std::move(thread);
      } else {
        to_join = std::move(thread);
      }
    }
  }
  if (to_join.joinable()) {
    to_join.join();
  }
  detail::lock_guard lock(thread_mu);
  if (!thread.joinable()) {
    thread = std::jthread([this](std::stop_token st) { run(std::move(st)); });
  }
}

void pressure_monitor::impl::stop() noexcept {
  std::jthread to_join;
  std::jthread retired_to_join;
  {
    detail::lock_guard lock(thread_mu);
    if (thread.joinable()) {
      thread.request_stop();
      if (thread.get_id() == std::this_thread::get_id()) {
        return;  // from a callback on the monitor thread: it exits when the callback returns
      }
      to_join = std::move(thread);
    }
    if (retired.joinable() && retired.get_id() != std::this_thread::get_id()) {
      retired_to_join = std::move(retired);
    }
  }
  // Joined outside thread_mu: a callback on that thread may call running(), start() or stop().
  if (to_join.joinable()) {
    to_join.join();
  }
  if (retired_to_join.joinable()) {
    retired_to_join.join();
  }
}

// --- pressure_monitor -----------------------------------------------------------------------

pressure_monitor::subscription::subscription(subscription&& other) noexcept
    : token_(std::move(other.token_)) {}

pressure_monitor::subscription& pressure_monitor::subscription::operator=(
    subscription&& other) noexcept {
  if (this != &other) {
    reset();
    token_ = std::move(other.token_);
  }
  return *this;
}

pressure_monitor::subscription::~subscription() { reset(); }

void pressure_monitor::subscription::reset() noexcept {
  // Move out first: a callback of this very registration may look at the handle while we wait.
  std::shared_ptr<void> token = std::move(token_);
  token.reset();
}

namespace {

monitor_options validated(const std::unique_ptr<memory_source>& source, monitor_options o) {
  constexpr std::string_view what = "monitor_options";
  if (!source) {
    detail::throw_invalid_argument("pressure_monitor", "source", "must not be null");
  }
  o.thresholds.validate();
  if (o.interval.count() <= 0) {
    detail::throw_invalid_argument(what, "interval", "must be positive");
  }
  if (o.fast_interval.count() <= 0) {
    detail::throw_invalid_argument(what, "fast_interval", "must be positive");
  }
  if (o.redispatch_elevated.count() < 0) {
    detail::throw_invalid_argument(what, "redispatch_elevated", "must not be negative");
  }
  if (o.redispatch_high.count() < 0) {
    detail::throw_invalid_argument(what, "redispatch_high", "must not be negative");
  }
  if (o.redispatch_critical.count() < 0) {
    detail::throw_invalid_argument(what, "redispatch_critical", "must not be negative");
  }
  if (o.regrow_after.count() < 0) {
    detail::throw_invalid_argument(what, "regrow_after", "must not be negative");
  }
  if (!std::isfinite(o.regrow_step) || o.regrow_step <= 0.0 || o.regrow_step > 1.0) {
    detail::throw_invalid_argument(what, "regrow_step", "must be in (0, 1]");
  }
  if (o.release_min_interval.count() < 0) {
    detail::throw_invalid_argument(what, "release_min_interval", "must not be negative");
  }
  return o;
}

}  // namespace

pressure_monitor::pressure_monitor(std::unique_ptr<memory_source> source, monitor_options options) {
  monitor_options checked = validated(source, std::move(options));
  impl_ = std::make_unique<impl>(std::move(source), std::move(checked));
}

pressure_monitor::~pressure_monitor() {
  if (impl_) {
    impl_->stop();
#ifndef NDEBUG
    detail::lock_guard lock(impl_->thread_mu);
    // REQUIRES: not destroyed from one of its own callbacks on the monitor thread (that thread
    // would have to join itself).
    assert(impl_->thread.get_id() != std::this_thread::get_id() &&
           impl_->retired.get_id() != std::this_thread::get_id());
#endif
  }
}

void pressure_monitor::start() { impl_->start(); }

void pressure_monitor::stop() noexcept { impl_->stop(); }

bool pressure_monitor::running() const noexcept {
  detail::lock_guard lock(impl_->thread_mu);
  return impl_->thread.joinable() && !impl_->thread.get_stop_token().stop_requested();
}

pressure_level pressure_monitor::poll_once() { return impl_->poll_once(); }

pressure_level pressure_monitor::level() const noexcept {
  return impl_->level.load(std::memory_order_relaxed);
}

memory_sample pressure_monitor::last_sample() const {
  detail::lock_guard lock(impl_->mu);
  return impl_->last_sample_;
}

pressure_monitor::subscription pressure_monitor::subscribe(
    std::function<void(const pressure_event&)> callback) {
  if (!callback) {
    detail::throw_invalid_argument("pressure_monitor::subscribe", "callback", "must not be empty");
  }
  auto reg = std::make_shared<registration>();
  reg->callback = std::move(callback);
  reg->owner = impl_->reg;
  auto token = std::make_shared<registration_token>(reg);
  impl_->reg->add(std::move(reg));
  return subscription(std::move(token));
}

pressure_monitor::attachment pressure_monitor::attach(shrinkable& target) {
  auto reg = std::make_shared<registration>();
  reg->target = &target;
  reg->owner = impl_->reg;
  auto token = std::make_shared<registration_token>(reg);
  impl_->reg->add(std::move(reg));
  return attachment(std::move(token));
}

std::vector<history_point> pressure_monitor::history(std::chrono::seconds window) const {
  detail::lock_guard lock(impl_->mu);
  return impl_->history_.points(window);
}

double pressure_monitor::trend_bytes_per_min() const {
  detail::lock_guard lock(impl_->mu);
  return impl_->history_.trend_bytes_per_min();
}

std::uint64_t pressure_monitor::eviction_target_bytes() const {
  detail::lock_guard lock(impl_->mu);
  return impl_->have_sample_ ? target_bytes_of(impl_->last_sample_, impl_->options.thresholds) : 0;
}

monitor_stats pressure_monitor::stats() const {
  detail::lock_guard lock(impl_->mu);
  monitor_stats s = impl_->stats_;
  s.level = impl_->level.load(std::memory_order_relaxed);
  return s;
}

std::vector<shrinkable_stats> pressure_monitor::attached_stats() const {
  const auto list = impl_->reg->snapshot(false);
  std::vector<shrinkable_stats> out;
  out.reserve(list->size());
  std::uint64_t errors = 0;
  for (const auto& r : *list) {
    invocation inv(*r);
    if (!inv) {
      continue;
    }
    try {
      out.push_back(r->target->stats_snapshot());
    } catch (const std::exception& e) {
      ++errors;
      log_callback_error(impl_->options.name, e.what(), "stats_snapshot()");
    } catch (...) {
      ++errors;
      log_callback_error(impl_->options.name, "unknown exception", "stats_snapshot()");
    }
  }
  if (errors != 0) {
    detail::lock_guard lock(impl_->mu);
    impl_->stats_.callback_errors += errors;
  }
  return out;
}

const monitor_options& pressure_monitor::options() const noexcept { return impl_->options; }

}  // namespace membound
