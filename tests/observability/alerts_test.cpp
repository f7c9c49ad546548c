// alert_manager thresholds (ratio and MiB), hysteresis and cooldown on a fake timeline.
#include "membound/observability/alerts.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace membound {
namespace {

constexpr std::uint64_t MiB = 1ULL << 20;
const time_point t0 = time_point{} + std::chrono::hours(10);

memory_sample at(int second, double ratio, std::uint64_t limit = 1000 * MiB) {
  memory_sample s;
  s.time = t0 + std::chrono::seconds(second);
  s.limit_bytes = limit;
  s.used_bytes = static_cast<std::uint64_t>(ratio * static_cast<double>(limit));
  s.source = "scripted";
  return s;
}

TEST(AlertManagerTest, RatioThresholdsFireBySeverity) {
  alert_manager a;  // 0.80 / 0.90 / 0.95
  std::vector<alert_event> seen;
  auto sub = a.subscribe([&](const alert_event& e) { seen.push_back(e); });
  EXPECT_TRUE(a.feed(at(0, 0.50)).empty());
  auto e = a.feed(at(1, 0.85));
  ASSERT_EQ(e.size(), 1U);
  EXPECT_EQ(e[0].severity, alert_severity::warning);
  EXPECT_TRUE(e[0].firing);
  EXPECT_EQ(a.active(), alert_severity::warning);
  e = a.feed(at(2, 0.97));  // jumps past critical and emergency at once
  ASSERT_EQ(e.size(), 2U);
  EXPECT_EQ(e[0].severity, alert_severity::critical);
  EXPECT_EQ(e[1].severity, alert_severity::emergency);
  EXPECT_EQ(a.active(), alert_severity::emergency);
  EXPECT_EQ(seen.size(), 3U);
  EXPECT_EQ(a.history().size(), 3U);
  EXPECT_EQ(a.stats().fired, 3U);
}

TEST(AlertManagerTest, HysteresisPreventsAStorm) {
  alert_options o;
  o.cooldown = std::chrono::milliseconds(0);
  alert_manager a(o);
  // The ratio hovers around the 0.80 warning threshold for 10 minutes.
  for (int i = 0; i < 600; ++i) a.feed(at(i, i % 2 == 0 ? 0.79 : 0.81));
  EXPECT_EQ(a.stats().fired, 1U);  // fired once, never resolved: 0.79 is not below 0.75
  EXPECT_EQ(a.stats().resolved, 0U);
  auto e = a.feed(at(600, 0.74));
  ASSERT_EQ(e.size(), 1U);
  EXPECT_FALSE(e[0].firing);
  EXPECT_EQ(a.active(), std::nullopt);
}

TEST(AlertManagerTest, CooldownSuppressesRefiringThenFires) {
  alert_options o;
  o.cooldown = std::chrono::seconds(60);
  alert_manager a(o);
  a.feed(at(0, 0.85));          // fires
  a.feed(at(10, 0.70));         // resolves
  EXPECT_TRUE(a.feed(at(20, 0.85)).empty());  // inside the cooldown: suppressed
  EXPECT_TRUE(a.feed(at(30, 0.86)).empty());
  EXPECT_EQ(a.stats().suppressed, 1U);        // one suppressed crossing, not one per sample
  auto e = a.feed(at(71, 0.86));              // cooldown over, still above: fires
  ASSERT_EQ(e.size(), 1U);
  EXPECT_TRUE(e[0].firing);
  EXPECT_EQ(a.stats().fired, 2U);
}

TEST(AlertManagerTest, MibThresholdsWorkWithoutALimit) {
  alert_options o;
  o.warning = alert_threshold::mib(512);
  o.critical = alert_threshold::mib(768);
  o.emergency = alert_threshold::disabled();
  o.hysteresis_bytes = 64 * MiB;
  alert_manager a(o);
  memory_sample s;
  s.time = t0;
  s.used_bytes = 600 * MiB;  // limit unknown (0): byte thresholds still apply
  auto e = a.feed(s);
  ASSERT_EQ(e.size(), 1U);
  EXPECT_EQ(e[0].severity, alert_severity::warning);
  EXPECT_EQ(e[0].threshold, "used >= 512.0 MiB");
  s.time += std::chrono::seconds(1);
  s.used_bytes = 460 * MiB;  // below 512 but not below 448: still active
  EXPECT_TRUE(a.feed(s).empty());
  s.time += std::chrono::seconds(1);
  s.used_bytes = 440 * MiB;
  EXPECT_EQ(a.feed(s).size(), 1U);
  EXPECT_FALSE(a.active(alert_severity::warning));
}

TEST(AlertManagerTest, RatioThresholdIgnoredWithoutALimit) {
  alert_manager a;
  memory_sample s;
  s.time = t0;
  s.used_bytes = 1ULL << 40;
  EXPECT_TRUE(a.feed(s).empty());
}

TEST(AlertManagerTest, HistoryIsBounded) {
  alert_options o;
  o.history = 4;
  o.cooldown = std::chrono::milliseconds(0);
  o.critical = alert_threshold::disabled();
  o.emergency = alert_threshold::disabled();
  alert_manager a(o);
  for (int i = 0; i < 10; ++i) a.feed(at(i, i % 2 == 0 ? 0.9 : 0.5));
  EXPECT_EQ(a.history().size(), 4U);
  EXPECT_EQ(a.stats().dropped_history, 6U);
  EXPECT_FALSE(a.history().back().firing);  // the newest is the last resolve
}

TEST(AlertManagerTest, ExportsJsonAndPrometheus) {
  alert_manager a;
  a.feed(at(0, 0.92));
  const auto j = nlohmann::json::parse(to_json(a));
  EXPECT_EQ(j.at("active"), "critical");
  ASSERT_EQ(j.at("alerts").size(), 2U);
  EXPECT_EQ(j.at("alerts")[1].at("severity"), "critical");
  const auto p = to_prometheus(a);
  EXPECT_NE(p.find("membound_alert_active{severity=\"critical\"} 1"), std::string::npos) << p;
  EXPECT_NE(p.find("membound_alert_active{severity=\"emergency\"} 0"), std::string::npos);
  EXPECT_NE(p.find("membound_alerts_fired_total 2"), std::string::npos);
}

TEST(AlertManagerTest, BadOptionsThrow) {
  alert_options o;
  o.warning = alert_threshold::ratio(1.5);
  EXPECT_THROW(alert_manager{o}, std::invalid_argument);
  o = {};
  o.critical = alert_threshold::ratio(0.7);  // below warning 0.8
  EXPECT_THROW(alert_manager{o}, std::invalid_argument);
  o = {};
  o.history = 0;
  EXPECT_THROW(alert_manager{o}, std::invalid_argument);
  o = {};
  o.warning = alert_threshold::mib(-1);
  EXPECT_THROW(alert_manager{o}, std::invalid_argument);
}

}  // namespace
}  // namespace membound
