// pressure_monitor with its background thread: start/stop/destruction and handles while callbacks
// run. Threads are ordered with latches, never with sleeps.
#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "membound/log.hpp"
#include "membound/pressure/monitor.hpp"
#include "support/recording_shrinkable.hpp"

namespace membound {
namespace {

using namespace std::chrono_literals;
using L = pressure_level;

class PressureMonitorThreadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_logger_ = logger();
    set_logger(nullptr);
  }
  void TearDown() override { set_logger(saved_logger_); }

  // The first tick runs as soon as the thread starts; the next one an hour later, so each test
  // sees exactly one background tick unless it asks for more.
  static monitor_options one_tick_options() {
    monitor_options o;
    o.interval = 1h;
    o.fast_interval = 1h;
    o.release_to_os = false;
    return o;
  }
  static std::unique_ptr<scripted_source> source_at(std::uint64_t used) {
    return std::make_unique<scripted_source>(used, 1000);
  }

  std::shared_ptr<spdlog::logger> saved_logger_;
};

TEST_F(PressureMonitorThreadTest, ExceptionInABackgroundTickIsCaughtCountedAndSamplingGoesOn) {
  monitor_options o = one_tick_options();
  o.interval = 1ms;  // the throwing tick is followed at once by the next
  o.fast_interval = 1ms;
  std::atomic<int> calls{0};
  std::latch threw(1);
  std::latch sampled_after(1);
  o.clock = [&]() -> time_point {
    const int n = ++calls;  // call 1: the constructor; 2: the first tick; 3: the second
    if (n == 2) {
      throw std::runtime_error("clock failed");  // the first tick's poll_once() throws
    }
    if (n == 3) {
      threw.count_down();  // the first tick's catch has run: this is the next tick
    }
    return clock_type::now();
  };
  pressure_monitor mon(source_at(650), o);
  auto sub = mon.subscribe([&](const pressure_event&) { sampled_after.count_down(); });
  mon.start();
  threw.wait();
  sampled_after.wait();  // the thread survived the exception and classified the next sample
  mon.stop();
  EXPECT_EQ(mon.level(), L::elevated);
  EXPECT_EQ(mon.stats().poll_errors, 1u);
}

TEST_F(PressureMonitorThreadTest, StartPollsAtOnceOnItsOwnThreadAndStopJoins) {
  auto owned = source_at(650);
  scripted_source* src = owned.get();
  pressure_monitor mon(std::move(owned), one_tick_options());
  std::latch got(1);
  std::latch got_again(1);
  std::thread::id callback_thread;
  auto sub = mon.subscribe([&](const pressure_event& e) {
    callback_thread = std::this_thread::get_id();
    (e.level == L::elevated ? got : got_again).count_down();
  });
  EXPECT_FALSE(mon.running());
  mon.start();
  EXPECT_TRUE(mon.running());
  mon.start();  // no-op while running
  got.wait();
  mon.stop();
  EXPECT_FALSE(mon.running());
  EXPECT_NE(callback_thread, std::this_thread::get_id());  // ordered by the join in stop()
  EXPECT_EQ(mon.level(), L::elevated);
  mon.stop();  // no-op while stopped

  src->set(850, 1000);
  mon.start();  // restartable: the new thread's first tick sees HIGH
  EXPECT_TRUE(mon.running());
  got_again.wait();
  mon.stop();
  EXPECT_FALSE(mon.running());
  EXPECT_EQ(mon.level(), L::high);
  EXPECT_EQ(mon.stats().samples, 2u);
}

// A callback that blocks until released, recording that it finished.
struct blocking_callback {
  std::latch entered{1};
  std::latch release{1};
  std::atomic<bool> finished{false};
  void operator()() {
    entered.count_down();
    release.wait();
    finished.store(true);
  }
};

TEST_F(PressureMonitorThreadTest, StopWaitsForARunningCallback) {
  pressure_monitor mon(source_at(650), one_tick_options());
  blocking_callback cb;
  auto sub = mon.subscribe([&](const pressure_event&) { cb(); });
  mon.start();
  cb.entered.wait();
  bool finished_when_stopped = false;
  std::thread stopper([&] {
    mon.stop();
    finished_when_stopped = cb.finished.load();
  });
  cb.release.count_down();
  stopper.join();
  EXPECT_TRUE(finished_when_stopped);
  EXPECT_FALSE(mon.running());
}

TEST_F(PressureMonitorThreadTest, StopFromInsideACallbackOnlyRequestsIt) {
  pressure_monitor mon(source_at(650), one_tick_options());
  std::latch done(1);
  bool stopped_inside = false;
  auto sub = mon.subscribe([&](const pressure_event&) {
    mon.stop();  // must not try to join its own thread
    stopped_inside = !mon.running();
    done.count_down();
  });
  mon.start();
  done.wait();
  mon.stop();  // joins
  EXPECT_TRUE(stopped_inside);
  EXPECT_FALSE(mon.running());
}

TEST_F(PressureMonitorThreadTest, RestartFromInsideACallbackAfterStoppingItself) {
  pressure_monitor mon(source_at(650), one_tick_options());
  std::latch done(1);
  auto sub = mon.subscribe([&](const pressure_event&) {
    mon.stop();
    mon.start();  // a new thread; this one exits when the callback returns
    done.count_down();
  });
  mon.start();
  done.wait();
  EXPECT_TRUE(mon.running());
  mon.stop();
  EXPECT_FALSE(mon.running());
}

TEST_F(PressureMonitorThreadTest, DestructionWaitsForARunningCallback) {
  auto mon = std::make_unique<pressure_monitor>(source_at(650), one_tick_options());
  blocking_callback cb;
  auto sub = mon->subscribe([&](const pressure_event&) { cb(); });
  mon->start();
  cb.entered.wait();
  bool finished_when_destroyed = false;
  std::thread destroyer([&] {
    mon.reset();
    finished_when_destroyed = cb.finished.load();
  });
  cb.release.count_down();
  destroyer.join();
  EXPECT_TRUE(finished_when_destroyed);
  sub.reset();  // after the monitor: a no-op
}

TEST_F(PressureMonitorThreadTest, DroppingAHandleWaitsForItsCallbackOnAnotherThread) {
  pressure_monitor mon(source_at(650), one_tick_options());
  blocking_callback cb;
  auto sub = mon.subscribe([&](const pressure_event&) { cb(); });
  mon.start();
  cb.entered.wait();
  std::latch dropping(1);
  bool finished_when_dropped = false;
  std::thread dropper([&] {
    dropping.count_down();
    sub.reset();
    finished_when_dropped = cb.finished.load();
  });
  dropping.wait();
  cb.release.count_down();
  dropper.join();
  EXPECT_TRUE(finished_when_dropped);
  mon.stop();
}

TEST_F(PressureMonitorThreadTest, DetachingWaitsForARunningShrink) {
  pressure_monitor mon(source_at(650), one_tick_options());
  test::recording_shrinkable a("a", 100);
  blocking_callback cb;
  a.on_shrink([&] { cb(); });
  auto att = mon.attach(a);
  mon.start();
  cb.entered.wait();
  std::latch dropping(1);
  bool finished_when_detached = false;
  std::thread dropper([&] {
    dropping.count_down();
    att.reset();
    finished_when_detached = cb.finished.load();
  });
  dropping.wait();
  cb.release.count_down();
  dropper.join();
  EXPECT_TRUE(finished_when_detached);
  mon.stop();
  EXPECT_EQ(a.capacity(), 75u);
}

TEST_F(PressureMonitorThreadTest, CallbackOnTheMonitorThreadMayDropItsOwnHandle) {
  pressure_monitor mon(source_at(650), one_tick_options());
  std::latch done(1);
  pressure_monitor::subscription sub;
  sub = mon.subscribe([&](const pressure_event&) {
    sub.reset();
    done.count_down();
  });
  mon.start();
  done.wait();
  mon.stop();
  EXPECT_FALSE(sub);
}

TEST_F(PressureMonitorThreadTest, StartFromACallbackOfPollOnce) {
  pressure_monitor mon(source_at(650), one_tick_options());
  auto sub = mon.subscribe([&](const pressure_event&) { mon.start(); });
  EXPECT_EQ(mon.poll_once(), L::elevated);
  EXPECT_TRUE(mon.running());
  mon.stop();
  EXPECT_FALSE(mon.running());
}

// Many threads at once: the background thread ticking every millisecond through level changes,
// two threads polling, one (un)subscribing and attaching, one reading stats. Runs a fixed amount
// of work, no sleeps; checks that nothing deadlocks, crashes or races (under TSan).
TEST_F(PressureMonitorThreadTest, ConcurrentTicksPollsAndRegistrations) {
  monitor_options o;
  o.interval = 1ms;
  o.fast_interval = 1ms;
  o.thresholds.dwell = 0ms;
  o.redispatch_elevated = 0ms;
  o.redispatch_high = 0ms;
  o.redispatch_critical = 0ms;
  o.regrow_after = 0ms;
  o.release_to_os = false;
  auto owned = std::make_unique<scripted_source>(100, 1000);
  scripted_source* src = owned.get();
  pressure_monitor mon(std::move(owned), o);
  test::recording_shrinkable a("a", 1000, 10);
  auto att = mon.attach(a);
  std::atomic<std::uint64_t> events{0};
  auto sub = mon.subscribe([&](const pressure_event&) { events.fetch_add(1); });
  mon.start();

  constexpr int rounds = 300;
  std::vector<std::thread> threads;
  threads.emplace_back([&] {
    for (int i = 0; i < rounds; ++i) {
      src->set(i % 2 == 0 ? 950 : 100, 1000);
      mon.poll_once();
    }
  });
  threads.emplace_back([&] {
    for (int i = 0; i < rounds; ++i) {
      src->set(i % 3 == 0 ? 850 : 650, 1000);
      mon.poll_once();
    }
  });
  threads.emplace_back([&] {
    for (int i = 0; i < rounds; ++i) {
      test::recording_shrinkable b("b", 100);
      auto s = mon.subscribe([&](const pressure_event&) { a.fill(); });
      auto t = mon.attach(b);
      if (i % 2 == 0) {
        s.reset();
      }
    }
  });
  threads.emplace_back([&] {
    for (int i = 0; i < rounds; ++i) {
      (void)mon.stats();
      (void)mon.attached_stats();
      (void)mon.history(std::chrono::seconds(10));
      (void)mon.trend_bytes_per_min();
      (void)mon.eviction_target_bytes();
      (void)mon.last_sample();
      if (i % 50 == 0) {
        mon.stop();
        mon.start();
      }
    }
  });
  for (auto& t : threads) {
    t.join();
  }
  mon.stop();
  const monitor_stats s = mon.stats();
  EXPECT_GE(s.samples, 2u * rounds);
  EXPECT_GT(events.load(), 0u);
  EXPECT_EQ(s.callback_errors, 0u);
}

}  // namespace
}  // namespace membound
