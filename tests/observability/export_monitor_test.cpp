// Exporters on a real pressure_monitor (scripted source, fake clock, recording shrinkables).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "membound/observability/export.hpp"
#include "membound/pressure/monitor.hpp"
#include "membound/pressure/source.hpp"
#include "support/fake_clock.hpp"
#include "support/recording_shrinkable.hpp"

namespace membound {
namespace {

TEST(MonitorExportTest, SnapshotFollowsTheMonitor) {
  test::fake_clock clock;
  auto src = std::make_unique<scripted_source>();
  scripted_source* s = src.get();
  s->set_clock(clock.fn());
  monitor_options o;
  o.clock = clock.fn();
  o.name = "svc";
  o.release_to_os = false;
  pressure_monitor mon(std::move(src), o);
  test::recording_shrinkable a("alpha");
  test::recording_shrinkable b("beta");
  auto att_a = mon.attach(a);
  auto att_b = mon.attach(b);

  s->set(50, 100);
  mon.poll_once();
  auto snap = take_snapshot(mon);
  EXPECT_EQ(snap.level, pressure_level::normal);
  EXPECT_EQ(snap.monitor_name, "svc");
  EXPECT_EQ(snap.containers.size(), 2U);

  clock.advance(std::chrono::seconds(1));
  s->set(95, 100);
  mon.poll_once();
  const auto text = to_prometheus(mon);
  EXPECT_NE(text.find("\nmembound_memory_level 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nmembound_memory_used_bytes 95\n"), std::string::npos);
  EXPECT_NE(text.find("membound_level_transitions_total 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("membound_container_capacity{name=\"alpha\""), std::string::npos);
  EXPECT_NE(text.find("membound_info{monitor=\"svc\",source=\"scripted\"} 1"), std::string::npos);

  const auto j = nlohmann::json::parse(to_json(mon));
  EXPECT_EQ(j.at("level"), "critical");
  EXPECT_GE(j.at("stats").at("shrink_passes").get<int>(), 1);
  const auto h = mon.history(std::chrono::minutes(5));
  const auto hj = nlohmann::json::parse(
      history_to_json(h, clock.now(), std::chrono::minutes(5), mon.options().thresholds));
  ASSERT_FALSE(hj.at("points").empty());
  EXPECT_EQ(hj.at("points").back().at("level"), "critical");
}

}  // namespace
}  // namespace membound
