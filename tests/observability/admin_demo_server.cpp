// A test program: an admin_server on scripted data, for the Chromium, Prometheus and promtool
// tests. It scripts a memory timeline that walks through every level (so the dashboard has bands
// to draw), alerts and stage records, writes its port to --port-file, and serves until SIGTERM /
// SIGINT or --seconds pass.
//   admin_demo_server --port-file FILE [--seconds N] [--token T] [--print-metrics]
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "membound/membound.hpp"
#include "observability/admin_test_support.hpp"

namespace {

volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) { stop_requested = 1; }

}  // namespace

int main(int argc, char** argv) {
  using namespace membound;
  std::string port_file;
  std::string token;
  int seconds = 600;
  bool print_metrics = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--port-file" && i + 1 < argc) port_file = argv[++i];
    else if (a == "--seconds" && i + 1 < argc) seconds = std::stoi(argv[++i]);
    else if (a == "--token" && i + 1 < argc) token = argv[++i];
    else if (a == "--print-metrics") print_metrics = true;
    else {
      std::cerr << "usage: admin_demo_server --port-file FILE [--seconds N] [--token T] "
                   "[--print-metrics]\n";
      return 2;
    }
  }
  set_logger(nullptr);

  // The scripted timeline, one point a second ending now: normal → elevated → high → critical →
  // high (ratio per phase below), as a monitor's history would record it.
  struct phase {
    int seconds;
    double ratio;
    pressure_level level;
  };
  const phase phases[] = {{60, 0.45, pressure_level::normal},
                          {45, 0.68, pressure_level::elevated},
                          {45, 0.84, pressure_level::high},
                          {30, 0.93, pressure_level::critical},
                          {30, 0.82, pressure_level::high}};
  const std::uint64_t limit = 512ULL << 20;
  const time_point now = clock_type::now();
  int total = 0;
  for (const auto& p : phases) total += p.seconds;

  alert_manager alerts;
  memory_tracker_options topt;
  std::uint64_t fake_rss = 100ULL << 20;
  topt.rss = [&fake_rss] { return fake_rss; };
  topt.log_scopes = false;
  memory_tracker tracker(topt);
  {
    stage_scope load(tracker, "load-index");
    fake_rss += 40ULL << 20;
  }
  {
    component_scope warm(tracker, "cache-warmup");
    fake_rss += 25ULL << 20;
  }

  std::vector<history_point> history;
  int t = -total;
  metrics_snapshot snap;
  for (const auto& p : phases) {
    for (int i = 0; i < p.seconds; ++i, ++t) {
      history_point h;
      h.time = now + std::chrono::seconds(t + 1);
      h.limit_bytes = limit;
      // A small ripple so the line is not flat.
      const double ripple = 0.01 * ((i % 7) - 3) / 3.0;
      h.used_bytes = static_cast<std::uint64_t>((p.ratio + ripple) * static_cast<double>(limit));
      h.level = p.level;
      history.push_back(h);
      memory_sample s;
      s.time = h.time;
      s.used_bytes = h.used_bytes;
      s.limit_bytes = limit;
      s.source = "scripted";
      alerts.feed(s);
      snap.sample = s;
      snap.level = p.level;
    }
  }
  snap.monitor_name = "demo";
  snap.stats.samples = history.size();
  snap.stats.level_transitions = 4;
  snap.stats.shrink_passes = 6;
  snap.stats.bytes_freed = 180ULL << 20;
  snap.stats.bytes_returned_to_os = 120ULL << 20;
  snap.eviction_target_bytes = 80ULL << 20;
  auto cache = [](std::string name, std::uint64_t hits, std::uint64_t misses, std::uint64_t size,
                  std::uint64_t cap) {
    shrinkable_stats c;
    c.kind = "cache";
    c.name = std::move(name);
    c.hits = hits;
    c.misses = misses;
    c.size = size;
    c.capacity = cap;
    c.configured_capacity = cap * 2;
    c.bytes = size * 1024;
    c.evictions = misses / 2;
    c.pressure_evictions = cap;
    return c;
  };
  snap.containers.push_back(cache("sessions", 9200, 800, 5000, 5000));
  snap.containers.push_back(cache("thumbnails \"hot\"", 4100, 2900, 1200, 2000));
  shrinkable_stats list;
  list.kind = "bounded_list";
  list.name = "latency-samples";
  list.size = 4096;
  list.capacity = 4096;
  list.configured_capacity = 4096;
  list.dropped = 123456;
  snap.containers.push_back(list);

  test::fixed_sources data;
  data.set(snap, history);
  admin_options opts;
  opts.bearer_token = token;
  admin_server server(data.sources(), opts);
  server.expose(alerts);
  server.expose(tracker);

  if (print_metrics) {
    // The same text /metrics serves, without the network: for promtool.
    if (server.start()) return 1;
    std::fputs(to_prometheus(snap).c_str(), stdout);
    std::fputs(to_prometheus(tracker).c_str(), stdout);
    std::fputs(to_prometheus(alerts).c_str(), stdout);
    return 0;
  }

  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  if (auto ec = server.start()) {
    std::cerr << "admin_demo_server: cannot start: " << ec.message() << "\n";
    return 1;
  }
  if (!port_file.empty()) {
    const std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << server.port() << "\n";
    std::rename(tmp.c_str(), port_file.c_str());
  }
  std::cout << "admin_demo_server: http://127.0.0.1:" << server.port() << "/" << std::endl;
  for (int i = 0; i < seconds * 10 && stop_requested == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  server.stop();
  return 0;
}
