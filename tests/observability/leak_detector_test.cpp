// leak_detector driven by scripted samples on a fake timeline.
#include "membound/observability/leak_detector.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "membound/observability/memory_tracker.hpp"

namespace membound {
namespace {

constexpr std::uint64_t MiB = 1ULL << 20;
const time_point t0 = time_point{} + std::chrono::hours(10);

leak_options opts() {
  leak_options o;  // 100 MiB over the baseline, 10 min window, ≥ 1 MiB/min
  return o;
}

TEST(LeakDetectorTest, SteadyGrowthRaisesExactlyOnce) {
  leak_detector d(opts());
  int events = 0;
  leak_event last;
  auto sub = d.subscribe([&](const leak_event& e) {
    ++events;
    last = e;
  });
  // 200 MiB baseline, +1 MiB every 10 s (6 MiB/min) for an hour.
  int raised_at = -1;
  for (int i = 0; i <= 360; ++i) {
    if (d.feed(t0 + std::chrono::seconds(10 * i), 200 * MiB + static_cast<std::uint64_t>(i) * MiB)) {
      raised_at = i;
    }
  }
  EXPECT_EQ(events, 1);
  EXPECT_EQ(d.stats().raised, 1U);
  EXPECT_TRUE(d.suspected());
  // Growth passes 100 MiB at i = 101 (the window is long covered by then).
  EXPECT_EQ(raised_at, 101);
  EXPECT_EQ(last.baseline_bytes, 200 * MiB);
  EXPECT_EQ(last.growth_bytes, 101 * MiB);
  EXPECT_NEAR(last.trend_bytes_per_min, 6.0 * MiB, 0.01 * MiB);
  EXPECT_NE(last.report.find("memory grew 101.0 MiB"), std::string::npos) << last.report;
}

TEST(LeakDetectorTest, FlatUsageNeverRaises) {
  leak_detector d(opts());
  // Flat at 700 MiB with ±3 MiB noise, for 3 hours — high, but not growing.
  for (int i = 0; i <= 1080; ++i) {
    const int noise = (i * 7919) % 7 - 3;
    EXPECT_FALSE(d.feed(t0 + std::chrono::seconds(10 * i),
                        static_cast<std::uint64_t>(700 + noise) * MiB));
  }
  EXPECT_EQ(d.stats().raised, 0U);
  EXPECT_FALSE(d.suspected());
}

TEST(LeakDetectorTest, StepUpThenFlatDoesNotRaise) {
  leak_detector d(opts());
  d.feed(t0, 100 * MiB);
  // One jump of 300 MiB (a cache warming up), then flat for an hour: growth but no trend once the
  // window has moved past the jump.
  for (int i = 1; i <= 360; ++i) {
    d.feed(t0 + std::chrono::seconds(10 * i), 400 * MiB);
  }
  // Whether or not the jump inside the first window counted, the detector must not keep raising;
  // with the jump, the slope in the first window is steep: this documents that a step counts as
  // growth only while it is inside the window.
  EXPECT_LE(d.stats().raised, 1U);
  leak_detector later(opts());
  for (int i = 0; i <= 360; ++i) later.feed(t0 + std::chrono::seconds(10 * i), 400 * MiB);
  EXPECT_EQ(later.stats().raised, 0U);
}

TEST(LeakDetectorTest, GrowthBelowThresholdDoesNotRaise) {
  leak_detector d(opts());
  // +90 MiB over an hour: a trend, but under the 100 MiB threshold.
  for (int i = 0; i <= 360; ++i) {
    d.feed(t0 + std::chrono::seconds(10 * i), 200 * MiB + static_cast<std::uint64_t>(i) * MiB / 4);
  }
  EXPECT_EQ(d.stats().raised, 0U);
}

TEST(LeakDetectorTest, GrowthNeedsAFullWindow) {
  leak_detector d(opts());
  // +150 MiB within 5 minutes: growth over the threshold, but the window (10 min) is not covered.
  for (int i = 0; i <= 30; ++i) {
    d.feed(t0 + std::chrono::seconds(10 * i), 200 * MiB + static_cast<std::uint64_t>(i) * 5 * MiB);
  }
  EXPECT_EQ(d.stats().raised, 0U);
  // Keep growing: it raises once the growth has lasted a full window.
  int i = 31;
  while (!d.suspected() && i < 200) {
    d.feed(t0 + std::chrono::seconds(10 * i), 200 * MiB + static_cast<std::uint64_t>(i) * 5 * MiB);
    ++i;
  }
  EXPECT_TRUE(d.suspected());
  EXPECT_EQ(i, 61);  // the feed at i = 60 (10 minutes after the first) raised it
}

TEST(LeakDetectorTest, ResetReArmsWithANewBaseline) {
  leak_detector d(opts());
  int events = 0;
  auto sub = d.subscribe([&](const leak_event&) { ++events; });
  int i = 0;
  auto grow = [&](int n) {
    for (int k = 0; k < n; ++k, ++i) {
      d.feed(t0 + std::chrono::seconds(10 * i), 200 * MiB + static_cast<std::uint64_t>(i) * MiB);
    }
  };
  grow(200);
  EXPECT_EQ(events, 1);
  d.reset();
  EXPECT_FALSE(d.suspected());
  grow(50);  // new baseline at the first feed after reset; 50 MiB more: not yet
  EXPECT_EQ(events, 1);
  grow(100);
  EXPECT_EQ(events, 2);
  EXPECT_EQ(d.stats().raised, 2U);
}

TEST(LeakDetectorTest, ReportListsStagesAndContainersByGrowth) {
  memory_tracker_options to;
  std::uint64_t rss = 0;
  to.rss = [&rss] { return rss; };
  to.log_scopes = false;
  memory_tracker tracker(to);
  {
    stage_scope s(tracker, "small-stage");
    rss += MiB;
  }
  {
    component_scope c(tracker, "big-component");
    rss += 80 * MiB;
  }
  leak_detector d(opts());
  d.set_tracker(&tracker);
  d.set_containers([] {
    shrinkable_stats a;
    a.kind = "cache";
    a.name = "small-cache";
    a.bytes = MiB;
    shrinkable_stats b;
    b.kind = "cache";
    b.name = "huge-cache";
    b.bytes = 90 * MiB;
    return std::vector<shrinkable_stats>{a, b};
  });
  std::string report;
  auto sub = d.subscribe([&](const leak_event& e) { report = e.report; });
  for (int i = 0; i <= 200; ++i) {
    d.feed(t0 + std::chrono::seconds(10 * i), 200 * MiB + static_cast<std::uint64_t>(i) * MiB);
  }
  ASSERT_FALSE(report.empty());
  EXPECT_LT(report.find("big-component"), report.find("small-stage")) << report;
  EXPECT_LT(report.find("huge-cache"), report.find("small-cache")) << report;
  const auto j = nlohmann::json::parse(to_json(d));
  EXPECT_TRUE(j.at("suspected").get<bool>());
  EXPECT_EQ(j.at("last_event").at("report"), report);
  EXPECT_NE(to_prometheus(d).find("membound_leak_suspected 1"), std::string::npos);
}

TEST(LeakDetectorTest, UsesProcessRssWhenTheSampleHasIt) {
  leak_detector d(opts());
  memory_sample s;
  s.time = t0;
  s.used_bytes = 5;
  s.process_rss_bytes = 300 * MiB;
  d.feed(s);
  EXPECT_EQ(d.stats().baseline_bytes, 300 * MiB);
}

TEST(LeakDetectorTest, ThrowingSubscriberIsCountedAndOthersRun) {
  leak_detector d(opts());
  int ok = 0;
  auto a = d.subscribe([](const leak_event&) { throw std::runtime_error("boom"); });
  auto b = d.subscribe([&](const leak_event&) { ++ok; });
  for (int i = 0; i <= 200; ++i) {
    d.feed(t0 + std::chrono::seconds(10 * i), 200 * MiB + static_cast<std::uint64_t>(i) * MiB);
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(d.stats().callback_errors, 1U);
}

TEST(LeakDetectorTest, BadOptionsThrow) {
  leak_options o;
  o.growth_threshold_bytes = 0;
  EXPECT_THROW(leak_detector{o}, std::invalid_argument);
  o = {};
  o.window = std::chrono::seconds(0);
  EXPECT_THROW(leak_detector{o}, std::invalid_argument);
  o = {};
  o.max_points = 1;
  EXPECT_THROW(leak_detector{o}, std::invalid_argument);
}

}  // namespace
}  // namespace membound
