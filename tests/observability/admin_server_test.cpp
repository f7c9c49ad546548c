// admin_server over hand-built sources: endpoints, bad requests, bearer token.
#include "membound/observability/admin_server.hpp"

#include <string>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "membound/observability/alerts.hpp"
#include "observability/admin_test_support.hpp"

namespace membound {
namespace {

class AdminServerTest : public ::testing::Test {
 protected:
  void start(admin_options o = {}) {
    server_ = std::make_unique<admin_server>(data_.sources(), std::move(o));
    server_->expose(alerts_);
    ASSERT_FALSE(server_->start());
    ASSERT_NE(server_->port(), 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }
  test::fixed_sources data_;
  alert_manager alerts_;
  std::unique_ptr<admin_server> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(AdminServerTest, MetricsArePrometheusText) {
  start();
  auto r = client_->Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r->body.find("\nmembound_memory_level 2\n"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("membound_cache_hits_total{name=\"users\",kind=\"cache\"} 30"),
            std::string::npos);
  EXPECT_NE(r->body.find("membound_alert_active{severity=\"warning\"} 0"), std::string::npos);
  EXPECT_NE(r->body.find("# TYPE membound_admin_requests_total counter"), std::string::npos);
}

TEST_F(AdminServerTest, MemoryStatsReadProcAndSample) {
  start();
  auto r = client_->Get("/memory-stats");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j.at("level"), "high");
  EXPECT_EQ(j.at("sample").at("used_bytes"), 850ULL << 20);
  EXPECT_GT(j.at("process").at("rss_bytes").get<std::uint64_t>(), 0U);
  EXPECT_GE(j.at("process").at("vms_bytes").get<std::uint64_t>(),
            j.at("process").at("rss_bytes").get<std::uint64_t>());
  EXPECT_GT(j.at("system").at("mem_total_bytes").get<std::uint64_t>(),
            j.at("system").at("mem_available_bytes").get<std::uint64_t>());
}

TEST_F(AdminServerTest, HistoryWindowIsParsedAndValidated) {
  const time_point now = time_point{} + std::chrono::hours(5);
  std::vector<history_point> h(3);
  for (int i = 0; i < 3; ++i) {
    h[static_cast<std::size_t>(i)].time = now - std::chrono::seconds(2 - i);
    h[static_cast<std::size_t>(i)].used_bytes = 10;
    h[static_cast<std::size_t>(i)].limit_bytes = 100;
  }
  data_.set(data_.snapshot(), h);
  // The sources' clock says "now", so point times come out relative to it.
  admin_options o;
  server_ = std::make_unique<admin_server>(data_.sources([now] { return now; }), o);
  ASSERT_FALSE(server_->start());
  httplib::Client c("127.0.0.1", server_->port());
  for (const char* w : {"30s", "5m", "1h", "48h"}) {
    auto r = c.Get(std::string("/memory-history?window=") + w);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << w;
  }
  auto r = c.Get("/memory-history?window=5m");
  const auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j.at("window_s"), 300);
  ASSERT_EQ(j.at("points").size(), 3U);
  EXPECT_DOUBLE_EQ(j.at("points")[0].at("t").get<double>(), -2.0);
  EXPECT_EQ(c.Get("/memory-history")->status, 200);  // default 1h
  for (const char* w : {"49h", "0s", "5", "m", "5x", "-5m", "1h30m", "99999999999h", "%20"}) {
    auto bad = c.Get(std::string("/memory-history?window=") + w);
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400) << w;
  }
  EXPECT_GE(server_->stats().bad_request, 9U);
}

TEST_F(AdminServerTest, CacheStatsAndDashboard) {
  start();
  auto r = client_->Get("/cache-stats");
  ASSERT_TRUE(r);
  const auto j = nlohmann::json::parse(r->body);
  ASSERT_EQ(j.at("containers").size(), 1U);
  EXPECT_DOUBLE_EQ(j.at("containers")[0].at("hit_rate").get<double>(), 0.75);
  auto page = client_->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("uplot.iife.min.js"), std::string::npos);
  auto lib = client_->Get("/uplot.iife.min.js");
  ASSERT_TRUE(lib);
  EXPECT_EQ(lib->status, 200);
  EXPECT_GT(lib->body.size(), 10'000U);  // the real library, embedded
  EXPECT_NE(lib->body.find("uPlot"), std::string::npos);
  auto alerts = client_->Get("/alerts");
  ASSERT_TRUE(alerts);
  EXPECT_TRUE(nlohmann::json::parse(alerts->body).at("alerts").is_array());
  auto stages = client_->Get("/stages");  // no tracker exposed: empty lists
  ASSERT_TRUE(stages);
  EXPECT_TRUE(nlohmann::json::parse(stages->body).at("records").empty());
  auto leaks = client_->Get("/leaks");
  ASSERT_TRUE(leaks);
  EXPECT_FALSE(nlohmann::json::parse(leaks->body).at("enabled").get<bool>());
}

TEST_F(AdminServerTest, OtherMethodsGet405) {
  start();
  auto post = client_->Post("/metrics", "x=1", "application/x-www-form-urlencoded");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET");
  auto put = client_->Put("/", "x", "text/plain");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 405);
  auto del = client_->Delete("/cache-stats");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
  // The connection still serves a GET afterwards.
  auto get = client_->Get("/metrics");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(server_->stats().method_not_allowed, 3U);
}

TEST_F(AdminServerTest, UnknownPathGets404) {
  start();
  for (const char* p : {"/nope", "/metrics/x", "/../etc/passwd", "/index.html.bak"}) {
    auto r = client_->Get(p);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << p;
  }
}

TEST_F(AdminServerTest, OversizedHeadersGet431) {
  start();
  httplib::Headers big;
  for (int i = 0; i < 10; ++i) big.emplace("X-Filler-" + std::to_string(i), std::string(1000, 'a'));
  auto r = client_->Get("/metrics", big);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  httplib::Headers one{{"X-One", std::string(8190, 'b')}};  // one field over the 8192 total
  auto r1 = client_->Get("/metrics", one);
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->status, 431);
  // One header line over cpp-httplib's own 8192-byte line limit: 431 too, not its 400.
  httplib::Headers huge{{"X-Huge", std::string(20'000, 'c')}};
  auto r2 = client_->Get("/metrics", huge);
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 431);
  auto target = client_->Get("/metrics?" + std::string(4000, 'q'));
  ASSERT_TRUE(target);
  EXPECT_EQ(target->status, 414);
  auto ok = client_->Get("/metrics");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_GE(server_->stats().too_large, 4U);
}

TEST_F(AdminServerTest, BearerTokenGuardsEveryPath) {
  admin_options o;
  o.bearer_token = "s3cret";
  start(o);
  for (const char* p : {"/", "/metrics", "/memory-stats", "/cache-stats", "/nope"}) {
    auto none = client_->Get(p);
    ASSERT_TRUE(none);
    EXPECT_EQ(none->status, 401) << p;
    EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer realm=\"membound\"");
    auto wrong = client_->Get(p, {{"Authorization", "Bearer s3cre"}});
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401) << p;
    auto basic = client_->Get(p, {{"Authorization", "Basic czNjcmV0"}});
    ASSERT_TRUE(basic);
    EXPECT_EQ(basic->status, 401) << p;
  }
  auto ok = client_->Get("/metrics", {{"Authorization", "Bearer s3cret"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  auto query = client_->Get("/memory-stats?access_token=s3cret");
  ASSERT_TRUE(query);
  EXPECT_EQ(query->status, 200);
  auto post = client_->Post("/metrics", "", "text/plain");  // no token: 401 before 405
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 401);
  EXPECT_EQ(server_->stats().unauthorized, 16U);
}

TEST_F(AdminServerTest, PortZeroPicksAFreePortAndStopIsIdempotent) {
  start();
  const auto p = server_->port();
  EXPECT_TRUE(server_->running());
  admin_options same;
  same.port = p;
  admin_server clash(data_.sources(), same);
  EXPECT_TRUE(clash.start());  // address in use: an error, not an exception
  EXPECT_FALSE(clash.running());
  server_->stop();
  server_->stop();
  EXPECT_FALSE(server_->running());
  EXPECT_EQ(server_->port(), 0);
}

TEST(AdminOptionsTest, BadConfigurationThrows) {
  test::fixed_sources data;
  EXPECT_THROW(admin_server(admin_sources{}), std::invalid_argument);
  admin_options o;
  o.threads = 0;
  EXPECT_THROW(admin_server(data.sources(), o), std::invalid_argument);
}

TEST(ParseWindowTest, AcceptsSecondsMinutesHours) {
  std::chrono::seconds w{};
  EXPECT_TRUE(parse_window("30s", w));
  EXPECT_EQ(w.count(), 30);
  EXPECT_TRUE(parse_window("5m", w));
  EXPECT_EQ(w.count(), 300);
  EXPECT_TRUE(parse_window("48h", w));
  EXPECT_EQ(w.count(), 48 * 3600);
  EXPECT_FALSE(parse_window("2881m", w));
  EXPECT_FALSE(parse_window("", w));
  EXPECT_FALSE(parse_window("1d", w));
  EXPECT_FALSE(parse_window("+5m", w));
}

}  // namespace
}  // namespace membound
