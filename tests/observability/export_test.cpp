// Exporters on hand-built values: Prometheus text shape, escaping, uniqueness; JSON fields.
#include "membound/observability/export.hpp"

#include <map>
#include <cctype>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace membound {
namespace {

metrics_snapshot make_snapshot() {
  metrics_snapshot s;
  s.monitor_name = "svc";
  s.sample.used_bytes = 850;
  s.sample.limit_bytes = 1000;
  s.sample.source = "scripted";
  s.sample.process_rss_bytes = 4096;
  s.level = pressure_level::high;
  s.stats.samples = 12;
  s.stats.level_transitions = 3;
  s.stats.shrink_passes = 2;
  s.stats.bytes_freed = 12345;
  s.stats.bytes_returned_to_os = 8192;
  s.trend_bytes_per_min = 1.5e6;
  s.eviction_target_bytes = 300;
  shrinkable_stats c;
  c.kind = "cache";
  c.name = "users";
  c.size = 10;
  c.capacity = 50;
  c.configured_capacity = 100;
  c.bytes = 640;
  c.hits = 3;
  c.misses = 1;
  c.evictions = 7;
  c.pressure_evictions = 50;
  s.containers.push_back(c);
  shrinkable_stats l;
  l.kind = "bounded_list";
  l.name = "odd \"name\"\\with\nnewline";
  l.dropped = 9;
  s.containers.push_back(l);
  shrinkable_stats r;
  r.kind = "object_registry";
  r.name = "users";  // same name as the cache: must not produce a duplicate series
  r.live = 4;
  s.containers.push_back(r);
  return s;
}

// [a-zA-Z_:][a-zA-Z0-9_:]*, as the exposition format requires.
bool valid_name(const std::string& n) {
  if (n.empty() || std::isdigit(static_cast<unsigned char>(n[0])) != 0) return false;
  for (char c : n) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != ':') return false;
  }
  return true;
}

// Returns metric line "name{labels}" -> value; checks every sample's family has HELP and TYPE
// lines before it and no series repeats.
std::map<std::string, std::string> parse(const std::string& text) {
  std::map<std::string, std::string> out;
  std::set<std::string> helped, typed;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      helped.insert(line.substr(7, line.find(' ', 7) - 7));
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      auto name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(typed.insert(name).second) << "family typed twice: " << name;
      continue;
    }
    // name{labels} value — the value never contains a space; label values may.
    const auto sp = line.rfind(' ');
    EXPECT_NE(sp, std::string::npos) << "bad line: " << line;
    if (sp == std::string::npos) continue;
    const std::string series = line.substr(0, sp);
    const std::string value = line.substr(sp + 1);
    const auto brace = series.find('{');
    const std::string name = series.substr(0, brace);
    const std::string labels = brace == std::string::npos ? "" : series.substr(brace);
    EXPECT_TRUE(valid_name(name)) << "bad metric name: " << line;
    if (!labels.empty()) {
      EXPECT_EQ(labels.back(), '}') << line;
    }
    EXPECT_FALSE(value.empty()) << line;
    EXPECT_EQ(name.rfind("membound_", 0), 0U) << line;
    EXPECT_TRUE(helped.count(name)) << "no HELP for " << line;
    EXPECT_TRUE(typed.count(name)) << "no TYPE for " << line;
    EXPECT_TRUE(out.emplace(series, value).second) << "duplicate series " << series;
  }
  return out;
}

TEST(PrometheusExportTest, MonitorGaugesAndCounters) {
  const auto m = parse(to_prometheus(make_snapshot()));
  EXPECT_EQ(m.at("membound_memory_level"), "2");
  EXPECT_EQ(m.at("membound_memory_used_bytes"), "850");
  EXPECT_EQ(m.at("membound_memory_limit_bytes"), "1000");
  EXPECT_EQ(m.at("membound_memory_ratio"), "0.85");
  EXPECT_EQ(m.at("membound_level_transitions_total"), "3");
  EXPECT_EQ(m.at("membound_shrink_passes_total"), "2");
  EXPECT_EQ(m.at("membound_bytes_freed_total"), "12345");
  EXPECT_EQ(m.at("membound_bytes_returned_to_os_total"), "8192");
  EXPECT_EQ(m.at("membound_process_resident_memory_bytes"), "4096");
  EXPECT_EQ(m.at("membound_memory_level_threshold_ratio{level=\"high\"}"), "0.8");
  EXPECT_EQ(m.at("membound_info{monitor=\"svc\",source=\"scripted\"}"), "1");
  EXPECT_EQ(m.count("membound_psi_some_avg10_ratio"), 0U);  // unknown: not exported
}

TEST(PrometheusExportTest, PerContainerSeriesCarryNameAndKind) {
  const auto m = parse(to_prometheus(make_snapshot()));
  EXPECT_EQ(m.at("membound_cache_hits_total{name=\"users\",kind=\"cache\"}"), "3");
  EXPECT_EQ(m.at("membound_cache_misses_total{name=\"users\",kind=\"cache\"}"), "1");
  EXPECT_EQ(m.at("membound_cache_hit_ratio{name=\"users\",kind=\"cache\"}"), "0.75");
  EXPECT_EQ(m.at("membound_cache_evictions_total{name=\"users\",kind=\"cache\"}"), "7");
  EXPECT_EQ(m.at("membound_cache_pressure_evictions_total{name=\"users\",kind=\"cache\"}"), "50");
  EXPECT_EQ(m.at("membound_container_entries{name=\"users\",kind=\"cache\"}"), "10");
  EXPECT_EQ(m.at("membound_container_capacity{name=\"users\",kind=\"cache\"}"), "50");
  EXPECT_EQ(m.at("membound_container_bytes{name=\"users\",kind=\"cache\"}"), "640");
  EXPECT_EQ(m.at("membound_registry_live_instances{name=\"users#2\",kind=\"object_registry\"}"),
            "4");
}

TEST(PrometheusExportTest, LabelValuesAreEscaped) {
  const auto text = to_prometheus(make_snapshot());
  EXPECT_NE(text.find(R"(membound_bounded_list_dropped_total{name="odd \"name\"\\with\nnewline",kind="bounded_list"} 9)"),
            std::string::npos)
      << text;
  EXPECT_EQ(prometheus_escape_label("a\\b\"c\nd"), R"(a\\b\"c\nd)");
}

TEST(PrometheusExportTest, NoContainersMeansNoContainerFamilies) {
  auto s = make_snapshot();
  s.containers.clear();
  const auto text = to_prometheus(s);
  EXPECT_EQ(text.find("membound_cache_hits_total"), std::string::npos);
  EXPECT_NE(text.find("# TYPE membound_memory_level gauge"), std::string::npos);
}

TEST(JsonExportTest, SnapshotHasSampleStatsAndContainers) {
  const auto j = nlohmann::json::parse(to_json(make_snapshot()));
  EXPECT_EQ(j.at("level"), "high");
  EXPECT_EQ(j.at("level_value"), 2);
  EXPECT_EQ(j.at("sample").at("used_bytes"), 850);
  EXPECT_DOUBLE_EQ(j.at("sample").at("ratio").get<double>(), 0.85);
  EXPECT_EQ(j.at("sample").at("process_rss_bytes"), 4096);
  EXPECT_TRUE(j.at("sample").at("psi_some_avg10").is_null());
  EXPECT_EQ(j.at("stats").at("shrink_passes"), 2);
  ASSERT_EQ(j.at("containers").size(), 3U);
  EXPECT_EQ(j.at("containers")[0].at("name"), "users");
  EXPECT_DOUBLE_EQ(j.at("containers")[0].at("hit_rate").get<double>(), 0.75);
  EXPECT_EQ(j.at("containers")[1].at("dropped"), 9);
  EXPECT_EQ(j.at("containers")[1].at("name"), "odd \"name\"\\with\nnewline");
}

TEST(JsonExportTest, HistoryPointsAreRelativeToNow) {
  const time_point now = time_point{} + std::chrono::hours(2);
  std::vector<history_point> pts(2);
  pts[0].time = now - std::chrono::seconds(30);
  pts[0].used_bytes = 50;
  pts[0].limit_bytes = 100;
  pts[1].time = now;
  pts[1].used_bytes = 95;
  pts[1].limit_bytes = 100;
  pts[1].level = pressure_level::critical;
  const auto j = nlohmann::json::parse(
      history_to_json(pts, now, std::chrono::seconds(300), pressure_thresholds{}));
  EXPECT_EQ(j.at("window_s"), 300);
  ASSERT_EQ(j.at("points").size(), 2U);
  EXPECT_DOUBLE_EQ(j.at("points")[0].at("t").get<double>(), -30.0);
  EXPECT_DOUBLE_EQ(j.at("points")[0].at("ratio").get<double>(), 0.5);
  EXPECT_EQ(j.at("points")[1].at("level"), "critical");
  EXPECT_DOUBLE_EQ(j.at("thresholds").at("critical").get<double>(), 0.9);
}

TEST(JsonExportTest, InvalidUtf8NamesDoNotThrow) {
  shrinkable_stats s;
  s.name = "bad\xff";
  EXPECT_NO_THROW((void)to_json(s));
}

}  // namespace
}  // namespace membound
