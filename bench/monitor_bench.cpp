// Cost of one monitor tick (poll_once) with N attached shrinkables and N subscribers, in steady
// state and while dispatching; baseline: the source read alone, and the naive design that calls
// callbacks under the registration mutex.
//
//   cmake --build --preset release --target monitor_bench && ./build/release/bench/monitor_bench
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <system_error>
#include <vector>

#include <benchmark/benchmark.h>

#include "membound/log.hpp"
#include "membound/pressure/monitor.hpp"
#include "support/fake_clock.hpp"

namespace membound {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t limit = 1'000'000'000;

// Frees a fixed amount per call (so re-dispatch never trips the anti-spiral guard); no work.
class noop_shrinkable final : public shrinkable {
 public:
  std::string name() const override { return "noop"; }
  std::size_t memory_bytes() const noexcept override { return 0; }
  shrink_result shrink(const shrink_request&) override { return {1, limit / 50}; }
  bool regrow(double) override { return false; }
  shrinkable_stats stats_snapshot() const override { return {}; }
};

struct rig {
  explicit rig(int n, monitor_options o = {}) {
    // Level changes log at warn; a logger that is off keeps the measurement to the monitor.
    auto quiet = std::make_shared<spdlog::logger>("bench");
    quiet->set_level(spdlog::level::off);
    set_logger(quiet);
    o.clock = clock.fn();
    o.release_to_os = false;
    auto owned = std::make_unique<scripted_source>();
    owned->set_clock(clock.fn());
    src = owned.get();
    mon = std::make_unique<pressure_monitor>(std::move(owned), o);
    shrinkables.resize(static_cast<std::size_t>(n));
    for (auto& s : shrinkables) {
      attachments.push_back(mon->attach(s));
      subscriptions.push_back(mon->subscribe([this](const pressure_event&) { ++events; }));
    }
  }
  ~rig() {
    subscriptions.clear();
    attachments.clear();
    mon.reset();
    set_logger(nullptr);
  }
  void set(double ratio) { src->set(static_cast<std::uint64_t>(ratio * limit), limit); }

  test::fake_clock clock;
  scripted_source* src = nullptr;
  std::unique_ptr<pressure_monitor> mon;
  std::vector<noop_shrinkable> shrinkables;
  std::vector<pressure_monitor::attachment> attachments;
  std::vector<pressure_monitor::subscription> subscriptions;
  std::uint64_t events = 0;
};

// Baseline: what a tick cannot go below.
void BM_ScriptedSourceRead(benchmark::State& state) {
  scripted_source src(300'000'000, limit);
  std::error_code ec;
  for (auto _ : state) {
    benchmark::DoNotOptimize(src.read(ec));
  }
}
BENCHMARK(BM_ScriptedSourceRead);

// Steady state at NORMAL: read, classify, history; nothing to dispatch.
void BM_MonitorTick(benchmark::State& state) {
  rig r(static_cast<int>(state.range(0)));
  r.set(0.30);
  for (auto _ : state) {
    benchmark::DoNotOptimize(r.mon->poll_once());
    r.clock.advance(1s);
  }
  state.counters["attached"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_MonitorTick)->Arg(0)->Arg(1)->Arg(8)->Arg(64);

// ELEVATED held with a re-dispatch on every tick: every shrinkable and subscriber is called.
void BM_MonitorRedispatchTick(benchmark::State& state) {
  monitor_options o;
  o.redispatch_elevated = 0ms;
  rig r(static_cast<int>(state.range(0)), o);
  r.set(0.65);
  r.mon->poll_once();
  for (auto _ : state) {
    benchmark::DoNotOptimize(r.mon->poll_once());
    r.clock.advance(1s);
  }
  state.counters["calls_per_tick"] = static_cast<double>(2 * state.range(0));
}
BENCHMARK(BM_MonitorRedispatchTick)->Arg(1)->Arg(8)->Arg(64);

// A level change on every tick (dwell 0, margin 0): shrink pass + events up, events down.
void BM_MonitorLevelChangeTick(benchmark::State& state) {
  monitor_options o;
  o.thresholds.dwell = 0ms;
  o.thresholds.recovery_margin = 0.0;
  rig r(static_cast<int>(state.range(0)), o);
  bool up = false;
  for (auto _ : state) {
    up = !up;
    r.set(up ? 0.65 : 0.30);
    benchmark::DoNotOptimize(r.mon->poll_once());
    r.clock.advance(1s);
  }
}
BENCHMARK(BM_MonitorLevelChangeTick)->Arg(1)->Arg(8)->Arg(64);

// Baseline design: callbacks in a std::vector called under the registration mutex (what the
// monitor avoids, since a callback could then not subscribe or drop a handle).
void BM_NaiveDispatchUnderLock(benchmark::State& state) {
  std::mutex mu;
  std::vector<std::function<void(const pressure_event&)>> callbacks;
  std::uint64_t events = 0;
  for (int i = 0; i < state.range(0); ++i) {
    callbacks.emplace_back([&events](const pressure_event&) { ++events; });
  }
  pressure_event e;
  for (auto _ : state) {
    std::lock_guard lock(mu);
    for (auto& cb : callbacks) {
      cb(e);
    }
  }
  benchmark::DoNotOptimize(events);
}
BENCHMARK(BM_NaiveDispatchUnderLock)->Arg(1)->Arg(8)->Arg(64);

}  // namespace
}  // namespace membound

BENCHMARK_MAIN();
