// pressure_monitor driven synchronously: poll_once() on a scripted source and a fake clock.
#include "membound/pressure/monitor.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

#include "membound/log.hpp"
#include "support/fake_clock.hpp"
#include "support/recording_shrinkable.hpp"

namespace membound {
namespace {

using namespace std::chrono_literals;
using L = pressure_level;
using test::recording_shrinkable;

constexpr std::uint64_t limit = 1'000'000;  // 1 % of it = 10 000 bytes

class PressureMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_logger_ = logger();
    set_logger(nullptr);  // the tests provoke errors on purpose
  }
  void TearDown() override {
    mon_.reset();
    set_logger(saved_logger_);
  }

  monitor_options options() {
    monitor_options o;
    o.clock = clock_.fn();
    o.os_release = [this] { releases_.fetch_add(1); };
    return o;
  }
  void make(monitor_options o) {
    auto s = std::make_unique<scripted_source>();
    s->set_clock(clock_.fn());
    src_ = s.get();
    mon_ = std::make_unique<pressure_monitor>(std::move(s), std::move(o));
  }
  void make() { make(options()); }

  // One sample at `ratio` now.
  L poll(double ratio) {
    src_->set(static_cast<std::uint64_t>(std::llround(ratio * limit)), limit);
    return mon_->poll_once();
  }
  // Samples `ratio` every `step` for `d` (first sample now); time ends `d` later.
  L hold(double ratio, std::chrono::milliseconds d, std::chrono::milliseconds step = 1s) {
    L l = mon_->level();
    for (std::chrono::milliseconds t{0}; t < d; t += step) {
      l = poll(ratio);
      clock_.advance(step);
    }
    return l;
  }
  // Seconds since the test's start.
  double elapsed_s() const {
    return std::chrono::duration<double>(clock_.now() - start_).count();
  }

  // Subscribes a recorder of events; each entry is (event, seconds since start).
  struct recorded {
    pressure_event event;
    double at_s;
  };
  pressure_monitor::subscription record(std::vector<recorded>& out) {
    return mon_->subscribe([this, &out](const pressure_event& e) { out.push_back({e, elapsed_s()}); });
  }

  test::fake_clock clock_;
  time_point start_ = clock_.now();
  scripted_source* src_ = nullptr;
  std::unique_ptr<pressure_monitor> mon_;
  std::atomic<int> releases_{0};
  std::shared_ptr<spdlog::logger> saved_logger_;
};

std::string invalid_argument_of(monitor_options o, bool null_source = false) {
  try {
    std::unique_ptr<memory_source> s;
    if (!null_source) {
      s = std::make_unique<scripted_source>();
    }
    pressure_monitor m(std::move(s), std::move(o));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST_F(PressureMonitorTest, InvalidOptionsThrowNamingTheField) {
  EXPECT_NE(invalid_argument_of({}, true).find("source"), std::string::npos);
  monitor_options o;
  o.thresholds.high = 0.5;
  EXPECT_NE(invalid_argument_of(o).find("high"), std::string::npos);
  o = {};
  o.interval = 0ms;
  EXPECT_NE(invalid_argument_of(o).find("interval"), std::string::npos);
  o = {};
  o.fast_interval = 0ms;
  EXPECT_NE(invalid_argument_of(o).find("fast_interval"), std::string::npos);
  for (double step : {0.0, -0.1, 1.01, std::numeric_limits<double>::quiet_NaN()}) {
    o = {};
    o.regrow_step = step;
    EXPECT_NE(invalid_argument_of(o).find("regrow_step"), std::string::npos) << step;
  }
  o = {};
  o.regrow_step = 1.0;  // the upper bound is allowed
  EXPECT_EQ(invalid_argument_of(o), "");
  o = {};
  o.redispatch_high = -1ms;
  EXPECT_NE(invalid_argument_of(o).find("redispatch_high"), std::string::npos);
  o = {};
  o.regrow_after = -1ms;
  EXPECT_NE(invalid_argument_of(o).find("regrow_after"), std::string::npos);
  o = {};
  o.release_min_interval = -1ms;
  EXPECT_NE(invalid_argument_of(o).find("release_min_interval"), std::string::npos);
}

TEST_F(PressureMonitorTest, EmptyCallbackIsRejected) {
  make();
  EXPECT_THROW((void)mon_->subscribe({}), std::invalid_argument);
}

TEST_F(PressureMonitorTest, EscalationShrinksRelativeToConfiguredCapacity) {
  make();
  recording_shrinkable a("a", 100, 10), b("b", 1000, 0);
  auto att_a = mon_->attach(a);
  auto att_b = mon_->attach(b);

  EXPECT_EQ(poll(0.59), L::normal);
  EXPECT_EQ(a.shrink_calls(), 0u);

  EXPECT_EQ(poll(0.65), L::elevated);
  ASSERT_EQ(a.requests().size(), 1u);
  shrink_request r = a.requests()[0];
  EXPECT_EQ(r.level, L::elevated);
  EXPECT_DOUBLE_EQ(r.keep_fraction, 0.75);
  EXPECT_FALSE(r.relative_to_current);
  EXPECT_EQ(r.target_bytes, 100'000u);  // 0.65 − 0.55 of the limit
  EXPECT_EQ(a.capacity(), 75u);
  EXPECT_EQ(b.capacity(), 750u);

  EXPECT_EQ(poll(0.85), L::high);
  r = a.requests().back();
  EXPECT_EQ(r.level, L::high);
  EXPECT_DOUBLE_EQ(r.keep_fraction, 0.50);
  EXPECT_FALSE(r.relative_to_current);
  EXPECT_EQ(r.target_bytes, 300'000u);
  EXPECT_EQ(a.capacity(), 50u);  // half of the configured 100, not of the current 75
  EXPECT_EQ(b.capacity(), 500u);

  EXPECT_EQ(poll(0.95), L::critical);
  r = a.requests().back();
  EXPECT_EQ(r.level, L::critical);
  EXPECT_DOUBLE_EQ(r.keep_fraction, 0.0);
  EXPECT_EQ(a.capacity(), 10u);  // its minimum
  EXPECT_EQ(b.capacity(), 0u);

  const monitor_stats s = mon_->stats();
  EXPECT_EQ(s.shrink_passes, 3u);
  EXPECT_EQ(s.entries_freed, 90u + 1000u);
  EXPECT_EQ(s.bytes_freed, (90u + 1000u) * 1000u);
  EXPECT_EQ(s.level_transitions, 3u);
  EXPECT_EQ(s.level, L::critical);
}

TEST_F(PressureMonitorTest, EscalatingStraightToHighUsesHighsFraction) {
  make();
  recording_shrinkable a("a", 100);
  auto att = mon_->attach(a);
  EXPECT_EQ(poll(0.85), L::high);
  ASSERT_EQ(a.shrink_calls(), 1u);
  EXPECT_EQ(a.requests()[0].level, L::high);
  EXPECT_EQ(a.capacity(), 50u);
}

TEST_F(PressureMonitorTest, SubscribersSeeEveryLevelChangeUpAndDown) {
  make();
  std::vector<recorded> events;
  auto sub = record(events);
  poll(0.95);
  ASSERT_EQ(mon_->level(), L::critical);
  clock_.advance(1s);
  hold(0.10, 60s);
  ASSERT_EQ(mon_->level(), L::normal);

  ASSERT_EQ(events.size(), 4u);
  const std::pair<L, L> expected[] = {{L::normal, L::critical},
                                      {L::critical, L::high},
                                      {L::high, L::elevated},
                                      {L::elevated, L::normal}};
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].event.previous, expected[i].first) << i;
    EXPECT_EQ(events[i].event.level, expected[i].second) << i;
    EXPECT_FALSE(events[i].event.repeat) << i;
  }
  EXPECT_DOUBLE_EQ(events[0].at_s, 0.0);
  EXPECT_DOUBLE_EQ(events[1].at_s, 11.0);  // dwell 10 s from the first sample below, at 1 s
  EXPECT_DOUBLE_EQ(events[2].at_s, 21.0);
  EXPECT_DOUBLE_EQ(events[3].at_s, 31.0);
  EXPECT_EQ(events[0].event.sample.used_bytes, 950'000u);
  EXPECT_EQ(events[0].event.target_bytes, 400'000u);
  EXPECT_EQ(events[3].event.target_bytes, 0u);
  EXPECT_EQ(mon_->stats().events_dispatched, 4u);
}

TEST_F(PressureMonitorTest, SteppingDownNeverShrinks) {
  make();
  recording_shrinkable a("a", 100);
  auto att = mon_->attach(a);
  poll(0.95);
  ASSERT_EQ(a.shrink_calls(), 1u);
  clock_.advance(1s);
  // 0.50 is below every exit line and below the ELEVATED threshold: no re-dispatch either.
  hold(0.50, 60s);
  ASSERT_EQ(mon_->level(), L::normal);
  EXPECT_EQ(a.shrink_calls(), 1u);
  EXPECT_EQ(mon_->stats().shrink_passes, 1u);
}

struct cadence_case {
  double ratio;
  L level;
  std::chrono::milliseconds step;
};

class PressureMonitorCadenceTest : public PressureMonitorTest,
                                   public ::testing::WithParamInterface<cadence_case> {};

TEST_P(PressureMonitorCadenceTest, ReappliesTheFractionToCurrentCapacityAtTheLevelsCadence) {
  const cadence_case c = GetParam();
  monitor_options o = options();
  o.redispatch_elevated = 30s;
  o.redispatch_high = 10s;
  o.redispatch_critical = 2s;
  make(o);
  const std::chrono::milliseconds period = c.level == L::elevated ? 30s
                                           : c.level == L::high   ? 10s
                                                                  : 2s;
  recording_shrinkable a("a", 100'000, 0);
  a.report_freed_bytes(50'000);  // every pass frees 5 % of the limit: never futile
  auto att = mon_->attach(a);
  std::vector<recorded> events;
  auto sub = record(events);

  // Four periods and a bit, sampled every `step`.
  hold(c.ratio, period * 4 + period / 2, c.step);
  ASSERT_EQ(mon_->level(), c.level);

  ASSERT_EQ(events.size(), 5u);
  EXPECT_FALSE(events[0].event.repeat);
  for (std::size_t i = 1; i < events.size(); ++i) {
    EXPECT_TRUE(events[i].event.repeat) << i;
    EXPECT_EQ(events[i].event.level, c.level) << i;
    EXPECT_EQ(events[i].event.previous, c.level) << i;
    EXPECT_DOUBLE_EQ(events[i].at_s, std::chrono::duration<double>(period * static_cast<int>(i)).count())
        << i;
  }
  const auto requests = a.requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_FALSE(requests[0].relative_to_current);
  for (std::size_t i = 1; i < requests.size(); ++i) {
    EXPECT_TRUE(requests[i].relative_to_current) << i;
    EXPECT_EQ(requests[i].level, c.level) << i;
  }
  if (c.level == L::elevated) {
    EXPECT_EQ(a.capacity(), 23'730u);  // 100 000 × 0.75^5, floored at each step
  } else if (c.level == L::high) {
    EXPECT_EQ(a.capacity(), 3'125u);  // 100 000 × 0.5^5
  } else {
    EXPECT_EQ(a.capacity(), 0u);
  }
  EXPECT_EQ(mon_->stats().shrink_passes, 5u);
  EXPECT_EQ(mon_->stats().redispatches_suppressed, 0u);
}

INSTANTIATE_TEST_SUITE_P(Levels, PressureMonitorCadenceTest,
                         ::testing::Values(cadence_case{0.65, L::elevated, 1000ms},
                                           cadence_case{0.85, L::high, 250ms},
                                           cadence_case{0.95, L::critical, 250ms}),
                         [](const ::testing::TestParamInfo<cadence_case>& param_info) {
                           return std::string(to_string(param_info.param.level));
                         });

TEST_F(PressureMonitorTest, NoReapplicationOnceTheRatioIsBelowTheElevatedThreshold) {
  make();
  recording_shrinkable a("a", 100'000);
  a.report_freed_bytes(50'000);
  auto att = mon_->attach(a);
  poll(0.85);
  clock_.advance(1s);
  // 0.58: below ELEVATED's entry, inside its margin. HIGH steps down to ELEVATED after the dwell
  // and ELEVATED then holds, but nothing is re-applied at either level.
  hold(0.58, 300s);
  EXPECT_EQ(mon_->level(), L::elevated);
  EXPECT_EQ(a.shrink_calls(), 1u);
  // Back above the threshold: the next re-application follows ELEVATED's cadence from the last pass.
  hold(0.62, 1s);
  EXPECT_EQ(a.shrink_calls(), 2u);
  EXPECT_TRUE(a.requests().back().relative_to_current);
  EXPECT_EQ(a.requests().back().level, L::elevated);
}

TEST_F(PressureMonitorTest, AntiSpiralStopsAfterTwoFutilePasses) {
  make();
  recording_shrinkable a("a", 100);
  a.report_freed_bytes(9'999);  // just under 1 % of the limit
  auto att = mon_->attach(a);
  std::vector<recorded> events;
  auto sub = record(events);

  hold(0.85, 45s);  // HIGH: entry pass at 0 s (futile #1), re-apply at 10 s (futile #2), then none
  EXPECT_EQ(a.shrink_calls(), 2u);
  EXPECT_EQ(events.size(), 2u);
  monitor_stats s = mon_->stats();
  EXPECT_EQ(s.shrink_passes, 2u);
  // 45 s of samples: the passes due at 20, 30 and 40 s were suppressed.
  EXPECT_EQ(s.redispatches_suppressed, 3u);

  // A level change resets the guard: CRITICAL gets its entry pass and one re-application.
  hold(0.95, 5s, 250ms);
  EXPECT_EQ(a.shrink_calls(), 4u);
  EXPECT_EQ(mon_->stats().redispatches_suppressed, 4u);
}

TEST_F(PressureMonitorTest, WithNothingAttachedSubscribersKeepGettingRepeats) {
  make();
  std::vector<recorded> events;
  auto sub = record(events);
  hold(0.85, 41s);  // entry at 0 s, repeats at 10, 20, 30, 40 s: no shrinkable, no guard
  EXPECT_EQ(events.size(), 5u);
  EXPECT_EQ(mon_->stats().redispatches_suppressed, 0u);
}

TEST_F(PressureMonitorTest, AProductivePassResetsTheFutileCount) {
  make();
  recording_shrinkable a("a", 100);
  auto att = mon_->attach(a);
  a.report_freed_bytes(0);
  poll(0.85);  // futile #1
  clock_.advance(10s);
  a.report_freed_bytes(10'000);  // exactly 1 %: not futile
  poll(0.85);
  clock_.advance(10s);
  a.report_freed_bytes(0);
  poll(0.85);  // futile #1 again
  clock_.advance(10s);
  poll(0.85);  // futile #2: stops here
  clock_.advance(10s);
  poll(0.85);
  EXPECT_EQ(a.shrink_calls(), 4u);
  EXPECT_EQ(mon_->stats().redispatches_suppressed, 1u);
}

TEST_F(PressureMonitorTest, RegrowsAfterNormalHeldSixtySecondsInFivePercentSteps) {
  make();
  recording_shrinkable a("a", 100), b("b", 200);
  auto att_a = mon_->attach(a);
  auto att_b = mon_->attach(b);
  poll(0.85);
  ASSERT_EQ(a.capacity(), 50u);
  ASSERT_EQ(b.capacity(), 100u);
  clock_.advance(1s);
  hold(0.30, 20s);  // HIGH → ELEVATED at 11 s → NORMAL at 21 s
  poll(0.30);
  ASSERT_EQ(mon_->level(), L::normal);
  ASSERT_DOUBLE_EQ(elapsed_s(), 21.0);
  clock_.advance(1s);

  hold(0.30, 59s);  // samples at 22 … 80 s: NORMAL has held 59 s
  EXPECT_EQ(a.regrow_calls(), 0u);
  EXPECT_EQ(a.capacity(), 50u);

  poll(0.30);  // 81 s: 60 s of NORMAL
  EXPECT_EQ(a.regrow_calls(), 1u);
  EXPECT_EQ(a.capacity(), 55u);
  EXPECT_EQ(b.capacity(), 110u);
  clock_.advance(1s);
  hold(0.30, 9s);  // nine more steps, one per interval
  EXPECT_EQ(a.capacity(), 100u);
  EXPECT_EQ(b.capacity(), 200u);
  EXPECT_EQ(a.regrow_calls(), 10u);

  hold(0.30, 30s);  // all full: no more calls
  EXPECT_EQ(a.regrow_calls(), 10u);
  EXPECT_EQ(mon_->stats().regrow_steps, 10u);
}

TEST_F(PressureMonitorTest, RegrowStepsAtMostOncePerInterval) {
  make();
  recording_shrinkable a("a", 100);
  auto att = mon_->attach(a);
  poll(0.95);
  ASSERT_EQ(a.capacity(), 0u);
  clock_.advance(1s);
  hold(0.30, 100s, 250ms);  // NORMAL from 31 s; regrow from 91 s, one step per 1 s interval
  // Samples at 91.00 … 100.75 s: steps at 91, 92, …, 100 s.
  EXPECT_EQ(a.regrow_calls(), 10u);
  EXPECT_EQ(a.capacity(), 50u);
}

TEST_F(PressureMonitorTest, RegrowWaitsWhileUsageIsNearTheElevatedExitLine) {
  make();
  recording_shrinkable a("a", 100);
  auto att = mon_->attach(a);
  poll(0.65);
  clock_.advance(1s);
  hold(0.54, 11s);  // ELEVATED → NORMAL at 11 s
  ASSERT_EQ(mon_->level(), L::normal);
  hold(0.56, 120s);  // NORMAL, but at or above 0.55: no regrow
  EXPECT_EQ(a.regrow_calls(), 0u);
  hold(0.54, 1s);
  EXPECT_EQ(a.regrow_calls(), 1u);
}

TEST_F(PressureMonitorTest, NewPressureInterruptsRegrowAndRestartsTheNormalTimer) {
  make();
  recording_shrinkable a("a", 100);
  auto att = mon_->attach(a);
  poll(0.65);  // 75
  clock_.advance(1s);
  hold(0.30, 71s);  // NORMAL at 11 s; regrow at 71 s → 80
  ASSERT_EQ(a.capacity(), 80u);
  poll(0.65);  // ELEVATED again: 0.75 × configured, capped by current
  EXPECT_EQ(a.capacity(), 75u);
  clock_.advance(1s);
  hold(0.30, 70s);  // NORMAL again at 83 s; regrow only from 143 s
  EXPECT_EQ(a.capacity(), 75u);
  hold(0.30, 1s);
  EXPECT_EQ(a.capacity(), 80u);
}

TEST_F(PressureMonitorTest, ThrowingSubscriberOrShrinkableDoesNotStopTheOthers) {
  make();
  recording_shrinkable a("a", 100), bad("bad", 100), c("c", 100);
  bad.throw_on_shrink(true);
  auto att_a = mon_->attach(a);
  auto att_bad = mon_->attach(bad);
  auto att_c = mon_->attach(c);
  int first = 0, third = 0;
  auto s1 = mon_->subscribe([&](const pressure_event&) { ++first; });
  auto s2 = mon_->subscribe([](const pressure_event&) { throw std::runtime_error("boom"); });
  auto s3 = mon_->subscribe([](const pressure_event&) { throw 42; });
  auto s4 = mon_->subscribe([&](const pressure_event&) { ++third; });

  poll(0.65);
  EXPECT_EQ(a.capacity(), 75u);
  EXPECT_EQ(c.capacity(), 75u);
  EXPECT_EQ(first, 1);
  EXPECT_EQ(third, 1);
  EXPECT_EQ(mon_->stats().callback_errors, 3u);
  EXPECT_EQ(mon_->level(), L::elevated);

  // Regrow errors are counted the same way, and the others still regrow.
  bad.throw_on_regrow(true);
  clock_.advance(1s);
  hold(0.30, 11s);
  hold(0.30, 61s);
  EXPECT_GT(a.regrow_calls(), 0u);
  EXPECT_GT(mon_->stats().callback_errors, 5u);

  c.throw_on_stats(true);
  const auto st = mon_->attached_stats();
  ASSERT_EQ(st.size(), 2u);
  EXPECT_EQ(st[0].name, "a");
  EXPECT_EQ(st[1].name, "bad");
}

TEST_F(PressureMonitorTest, AttachedStatsReportsEveryAttachedShrinkable) {
  make();
  recording_shrinkable a("a", 100, 5), b("b", 40);
  auto att_a = mon_->attach(a);
  auto att_b = mon_->attach(b);
  poll(0.85);
  const auto st = mon_->attached_stats();
  ASSERT_EQ(st.size(), 2u);
  EXPECT_EQ(st[0].name, "a");
  EXPECT_EQ(st[0].capacity, 50u);
  EXPECT_EQ(st[0].configured_capacity, 100u);
  EXPECT_EQ(st[0].pressure_evictions, 50u);
  EXPECT_EQ(st[1].name, "b");
  EXPECT_EQ(st[1].capacity, 20u);
}

TEST_F(PressureMonitorTest, HandlesDetachOnResetDestructionAndMoveAssignment) {
  make();
  recording_shrinkable a("a", 100), b("b", 100);
  int calls = 0, other = 0;
  auto sub = mon_->subscribe([&](const pressure_event&) { ++calls; });
  auto att = mon_->attach(a);
  EXPECT_TRUE(sub);
  EXPECT_TRUE(att);

  // Moving transfers the registration; the moved-from handle is empty and detaches nothing.
  pressure_monitor::subscription moved = std::move(sub);
  EXPECT_FALSE(sub);  // NOLINT(bugprone-use-after-move): documented moved-from state
  EXPECT_TRUE(moved);
  sub.reset();
  {
    pressure_monitor::attachment tmp = std::move(att);
    poll(0.65);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(a.shrink_calls(), 1u);
  }  // tmp destroyed: `a` is detached
  clock_.advance(1s);
  poll(0.85);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(a.shrink_calls(), 1u);

  // Move-assigning over a live handle detaches what it held.
  moved = mon_->subscribe([&](const pressure_event&) { ++other; });
  poll(0.95);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(other, 1);

  moved.reset();
  EXPECT_FALSE(moved);
  auto att_b = mon_->attach(b);
  att_b = pressure_monitor::attachment{};
  clock_.advance(1s);
  hold(0.1, 40s);
  EXPECT_EQ(other, 1);
  EXPECT_EQ(b.shrink_calls(), 0u);
  EXPECT_TRUE(mon_->attached_stats().empty());
}

TEST_F(PressureMonitorTest, HandleMayOutliveTheMonitor) {
  make();
  recording_shrinkable a("a", 100);
  auto sub = mon_->subscribe([](const pressure_event&) {});
  auto att = mon_->attach(a);
  mon_.reset();
  sub.reset();  // the monitor is gone: detaching is a no-op
  att.reset();
  SUCCEED();
}

TEST_F(PressureMonitorTest, CallbackMayDropItsOwnHandle) {
  make();
  int calls = 0;
  pressure_monitor::subscription sub;
  sub = mon_->subscribe([&](const pressure_event&) {
    ++calls;
    sub.reset();  // must not wait for itself
  });
  poll(0.65);
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(sub);
  poll(0.95);
  EXPECT_EQ(calls, 1);
}

TEST_F(PressureMonitorTest, CallbackMayUseTheMonitor) {
  make();
  pressure_monitor::subscription inner;
  L seen = L::normal;
  monitor_stats st;
  auto sub = mon_->subscribe([&](const pressure_event&) {
    seen = mon_->level();
    st = mon_->stats();
    (void)mon_->history();
    (void)mon_->attached_stats();
    inner = mon_->subscribe([](const pressure_event&) {});
  });
  poll(0.85);
  EXPECT_EQ(seen, L::high);
  EXPECT_EQ(st.level, L::high);
  EXPECT_TRUE(inner);
}

TEST_F(PressureMonitorTest, ReadErrorsAreCountedAndKeepTheLevel) {
  make();
  std::vector<recorded> events;
  auto sub = record(events);
  poll(0.85);
  ASSERT_EQ(mon_->level(), L::high);
  src_->set(100'000, limit);
  src_->set_error(std::make_error_code(std::errc::io_error));
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(mon_->poll_once(), L::high);
    clock_.advance(1s);
  }
  monitor_stats s = mon_->stats();
  EXPECT_EQ(s.read_errors, 30u);
  EXPECT_EQ(s.samples, 1u);
  EXPECT_EQ(events.size(), 1u);
  EXPECT_EQ(mon_->last_sample().used_bytes, 850'000u);

  src_->set_error({});  // recovers: the dwell starts with the first good sample
  EXPECT_EQ(poll(0.10), L::high);
  clock_.advance(10s);
  EXPECT_EQ(poll(0.10), L::elevated);
  EXPECT_EQ(mon_->stats().read_errors, 30u);
}

TEST_F(PressureMonitorTest, ReleasesToTheOsAfterAPassThatFreedBytesRateLimited) {
  monitor_options o = options();
  o.release_min_interval = 60s;
  make(o);
  recording_shrinkable a("a", 1000);
  auto att = mon_->attach(a);

  poll(0.65);  // frees 250 entries: released
  EXPECT_EQ(releases_.load(), 1);
  clock_.advance(1s);
  poll(0.85);  // frees again, but 1 s after the last release
  EXPECT_EQ(releases_.load(), 1);
  clock_.advance(1s);
  poll(0.95);  // CRITICAL releases on every pass
  EXPECT_EQ(releases_.load(), 2);
  clock_.advance(2s);
  poll(0.95);  // re-applied at CRITICAL, but frees nothing (already at the minimum)
  EXPECT_EQ(releases_.load(), 2);

  const monitor_stats s = mon_->stats();
  EXPECT_EQ(s.os_releases, 2u);
  EXPECT_EQ(s.bytes_freed, 1000u * 1000u);
}

TEST_F(PressureMonitorTest, ReleaseAgainOnceTheRateLimitHasPassed) {
  monitor_options o = options();
  o.release_min_interval = 10s;
  make(o);
  recording_shrinkable a("a", 100'000);
  auto att = mon_->attach(a);
  hold(0.65, 61s);  // passes at 0, 30 and 60 s: each ≥ 10 s after the previous release
  EXPECT_EQ(releases_.load(), 3);
}

TEST_F(PressureMonitorTest, NoReleaseWhenDisabled) {
  monitor_options o = options();
  o.release_to_os = false;
  make(o);
  recording_shrinkable a("a", 100);
  auto att = mon_->attach(a);
  poll(0.95);
  EXPECT_EQ(releases_.load(), 0);
  EXPECT_EQ(mon_->stats().os_releases, 0u);
}

TEST_F(PressureMonitorTest, ThrowingOsReleaseIsCaughtAndCounted) {
  monitor_options o = options();
  o.os_release = [] { throw std::runtime_error("trim failed"); };
  make(o);
  recording_shrinkable a("a", 100);
  auto att = mon_->attach(a);
  EXPECT_EQ(poll(0.95), L::critical);  // frees bytes, so it releases: the throw stays inside
  const monitor_stats s = mon_->stats();
  EXPECT_EQ(s.os_releases, 1u);
  EXPECT_EQ(s.callback_errors, 1u);
}

TEST_F(PressureMonitorTest, RealMallocTrimIsTimedAndMeasured) {
  monitor_options o = options();
  o.os_release = nullptr;  // glibc malloc_trim(0)
  make(o);
  recording_shrinkable a("a", 100);
  auto att = mon_->attach(a);
  poll(0.95);
  const monitor_stats s = mon_->stats();
  EXPECT_EQ(s.os_releases, 1u);
  EXPECT_GT(s.release_time.count(), 0);
}

TEST_F(PressureMonitorTest, EvictionTargetIsWhatGetsBackUnderTheElevatedExitLine) {
  make();
  EXPECT_EQ(mon_->eviction_target_bytes(), 0u);  // no sample yet
  poll(0.85);
  EXPECT_EQ(mon_->eviction_target_bytes(), 300'000u);  // 0.85 − (0.60 − 0.05)
  poll(0.55);
  EXPECT_EQ(mon_->eviction_target_bytes(), 0u);
  poll(0.30);
  EXPECT_EQ(mon_->eviction_target_bytes(), 0u);
  poll(1.20);
  EXPECT_EQ(mon_->eviction_target_bytes(), 650'000u);
}

TEST_F(PressureMonitorTest, TrendIsTheLeastSquaresSlopeOfTheLastMinute) {
  make();
  EXPECT_DOUBLE_EQ(mon_->trend_bytes_per_min(), 0.0);
  poll(0.1);
  EXPECT_DOUBLE_EQ(mon_->trend_bytes_per_min(), 0.0);  // one point
  // 1 000 bytes more every second for two minutes, after a flat stretch that must not count.
  hold(0.1, 120s);
  for (int i = 0; i < 120; ++i) {
    src_->set(100'000 + static_cast<std::uint64_t>(i) * 1'000, limit);
    mon_->poll_once();
    clock_.advance(1s);
  }
  EXPECT_NEAR(mon_->trend_bytes_per_min(), 60'000.0, 1e-6);
  for (int i = 0; i < 60; ++i) {
    src_->set(500'000 - static_cast<std::uint64_t>(i) * 500, limit);
    mon_->poll_once();
    clock_.advance(1s);
  }
  EXPECT_NEAR(mon_->trend_bytes_per_min(), -30'000.0, 1e-6);
}

TEST_F(PressureMonitorTest, HistoryKeepsOneHourOfSecondsAndDownsamplesToMinutes) {
  make();
  // 2 hours at one sample per second, used = seconds since start.
  for (int i = 0; i < 7200; ++i) {
    src_->set(static_cast<std::uint64_t>(i), limit);
    mon_->poll_once();
    clock_.advance(1s);
  }
  const auto hour = mon_->history(std::chrono::hours(1));
  ASSERT_EQ(hour.size(), 3600u);
  EXPECT_EQ(hour.front().used_bytes, 3600u);
  EXPECT_EQ(hour.back().used_bytes, 7199u);
  EXPECT_EQ(hour.back().time - hour.front().time, 3599s);
  EXPECT_EQ(mon_->history(10s).size(), 10u);

  const auto two_hours = mon_->history(std::chrono::hours(2));
  ASSERT_EQ(two_hours.size(), 120u);
  for (std::size_t i = 0; i < two_hours.size(); ++i) {
    // Each minute point keeps the maximum of its 60 seconds.
    EXPECT_EQ(two_hours[i].used_bytes, i * 60 + 59) << i;
    EXPECT_EQ(two_hours[i].limit_bytes, limit);
  }
  EXPECT_EQ(two_hours[1].time - two_hours[0].time, 60s);
}

TEST_F(PressureMonitorTest, HistoryIsBoundedAtFortyEightHours) {
  make();
  // 50 hours at one sample per minute.
  for (int i = 0; i < 50 * 60; ++i) {
    src_->set(static_cast<std::uint64_t>(i), limit);
    mon_->poll_once();
    clock_.advance(60s);
  }
  const auto all = mon_->history(std::chrono::hours(1000));
  ASSERT_EQ(all.size(), 2880u);
  EXPECT_EQ(all.front().used_bytes, 120u);  // the first two hours were dropped
  EXPECT_EQ(all.back().used_bytes, 2999u);
  EXPECT_EQ(mon_->history(std::chrono::hours(1)).size(), 60u);  // 1 s ring, sparse samples
}

TEST_F(PressureMonitorTest, SubSecondSamplesShareOneSecondPointWithTheMaximum) {
  make();
  clock_.advance(1s);
  const std::uint64_t used[] = {500, 900, 700, 100};
  for (std::uint64_t u : used) {
    src_->set(u, limit);
    mon_->poll_once();
    clock_.advance(250ms);
  }
  poll(0.85);  // next second, and the HIGH level
  const auto h = mon_->history(1h);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].used_bytes, 900u);
  EXPECT_EQ(h[0].level, L::normal);
  EXPECT_EQ(h[1].level, L::high);
}

TEST_F(PressureMonitorTest, StatsCountSamplesAndTicks) {
  make();
  hold(0.3, 5s);
  const monitor_stats s = mon_->stats();
  EXPECT_EQ(s.samples, 5u);
  EXPECT_EQ(s.level_transitions, 0u);
  EXPECT_EQ(s.events_dispatched, 0u);
  EXPECT_GT(s.tick_time.count(), 0);
  EXPECT_GE(s.tick_time, s.max_tick_time);
  EXPECT_EQ(mon_->last_sample().used_bytes, 300'000u);
  EXPECT_EQ(mon_->last_sample().source, "scripted");
}

TEST_F(PressureMonitorTest, PsiEscalatesTheMonitorToo) {
  make();
  recording_shrinkable a("a", 100);
  auto att = mon_->attach(a);
  src_->set_psi(std::nullopt, 25.0);
  EXPECT_EQ(poll(0.30), L::critical);
  EXPECT_EQ(a.capacity(), 0u);
}

}  // namespace
}  // namespace membound
