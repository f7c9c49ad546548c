// memory_tracker with an injected RSS source and a fake clock.
#include "membound/observability/memory_tracker.hpp"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/fake_clock.hpp"

namespace membound {
namespace {

constexpr std::uint64_t MiB = 1ULL << 20;

struct fixture {
  test::fake_clock clock;
  std::atomic<std::uint64_t> rss{100 * MiB};
  memory_tracker tracker;

  explicit fixture(std::size_t history = 8)
      : tracker([&] {
          memory_tracker_options o;
          o.history = history;
          o.rss = [this] { return rss.load(); };
          o.clock = clock.fn();
          o.log_scopes = false;
          return o;
        }()) {}
};

TEST(MemoryTrackerTest, StageScopeRecordsRssAtStartEndAndDelta) {
  fixture f;
  {
    stage_scope s(f.tracker, "load-index");
    f.rss += 40 * MiB;
    f.clock.advance(std::chrono::seconds(3));
    EXPECT_EQ(s.delta_so_far(), static_cast<std::int64_t>(40 * MiB));
  }
  const auto h = f.tracker.history();
  ASSERT_EQ(h.size(), 1U);
  EXPECT_EQ(h[0].kind, scope_kind::stage);
  EXPECT_EQ(h[0].name, "load-index");
  EXPECT_EQ(h[0].rss_start_bytes, 100 * MiB);
  EXPECT_EQ(h[0].rss_end_bytes, 140 * MiB);
  EXPECT_EQ(h[0].delta_bytes(), static_cast<std::int64_t>(40 * MiB));
  EXPECT_EQ(h[0].duration(), std::chrono::seconds(3));
}

TEST(MemoryTrackerTest, NegativeDeltaAndNestedComponents) {
  fixture f;
  {
    stage_scope stage(f.tracker, "serve");
    {
      component_scope c(f.tracker, "parser");
      f.rss += 10 * MiB;
    }
    {
      component_scope c(f.tracker, "cache-trim");
      f.rss -= 30 * MiB;
    }
  }
  const auto h = f.tracker.history();
  ASSERT_EQ(h.size(), 3U);  // closing order: parser, cache-trim, serve
  EXPECT_EQ(h[0].name, "parser");
  EXPECT_EQ(h[0].kind, scope_kind::component);
  EXPECT_EQ(h[1].delta_bytes(), -static_cast<std::int64_t>(30 * MiB));
  EXPECT_EQ(h[2].name, "serve");
  EXPECT_EQ(h[2].delta_bytes(), -static_cast<std::int64_t>(20 * MiB));
  const auto t = f.tracker.totals();  // largest growth first
  ASSERT_EQ(t.size(), 3U);
  EXPECT_EQ(t.front().name, "parser");
  EXPECT_EQ(t.back().name, "cache-trim");
}

TEST(MemoryTrackerTest, EndIsIdempotentAndTotalsAccumulate) {
  fixture f;
  for (int i = 0; i < 3; ++i) {
    stage_scope s(f.tracker, "batch");
    f.rss += MiB;
    s.end();
    f.rss += 100 * MiB;  // after end(): not counted
    s.end();
  }
  const auto t = f.tracker.totals();
  ASSERT_EQ(t.size(), 1U);
  EXPECT_EQ(t[0].count, 3U);
  EXPECT_EQ(t[0].total_delta_bytes, static_cast<std::int64_t>(3 * MiB));
  EXPECT_EQ(t[0].last_delta_bytes, static_cast<std::int64_t>(MiB));
}

TEST(MemoryTrackerTest, HistoryIsBoundedOldestDropped) {
  fixture f(4);
  for (int i = 0; i < 10; ++i) {
    // (not "s" + std::to_string(i): GCC 12 -O3 raises a false -Wrestrict on that, GCC bug 105651)
    std::string name = std::to_string(i);
    name.insert(name.begin(), 's');
    stage_scope s(f.tracker, name);
  }
  const auto h = f.tracker.history();
  ASSERT_EQ(h.size(), 4U);
  EXPECT_EQ(h.front().name, "s6");
  EXPECT_EQ(h.back().name, "s9");
  EXPECT_EQ(f.tracker.dropped(), 6U);
  EXPECT_EQ(f.tracker.totals().size(), 10U);  // totals outlive the history
}

TEST(MemoryTrackerTest, SubscribersSeeEachRecord) {
  fixture f;
  std::vector<std::string> seen;
  auto sub = f.tracker.subscribe([&](const scope_record& r) { seen.push_back(r.name); });
  { component_scope c(f.tracker, "a"); }
  sub.reset();
  { component_scope c(f.tracker, "b"); }
  EXPECT_EQ(seen, std::vector<std::string>{"a"});
}

TEST(MemoryTrackerTest, ExportsJsonAndPrometheus) {
  fixture f;
  {
    stage_scope s(f.tracker, "load \"x\"");
    f.rss += 2 * MiB;
  }
  const auto j = nlohmann::json::parse(to_json(f.tracker));
  ASSERT_EQ(j.at("records").size(), 1U);
  EXPECT_EQ(j.at("records")[0].at("delta_bytes"), 2 * MiB);
  EXPECT_EQ(j.at("totals")[0].at("kind"), "stage");
  const auto p = to_prometheus(f.tracker);
  EXPECT_NE(p.find("membound_scope_runs_total{kind=\"stage\",name=\"load \\\"x\\\"\"} 1"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find("membound_scope_last_rss_delta_bytes{kind=\"stage\",name=\"load \\\"x\\\"\"} 2097152"),
            std::string::npos)
      << p;
}

TEST(MemoryTrackerTest, ConcurrentScopesAreAllRecorded) {
  fixture f(1024);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&f, t] {
      for (int i = 0; i < 100; ++i) component_scope c(f.tracker, "worker" + std::to_string(t));
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(f.tracker.history().size(), 400U);
  for (const auto& t : f.tracker.totals()) EXPECT_EQ(t.count, 100U);
}

TEST(MemoryTrackerTest, DefaultRssSourceReadsProc) {
  EXPECT_GT(read_process_rss(), 0U);
  memory_tracker_options o;
  o.history = 0;
  EXPECT_THROW(memory_tracker{o}, std::invalid_argument);
}

}  // namespace
}  // namespace membound
