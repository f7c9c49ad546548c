// A test program: an admin_server on a pressure_monitor with a scripted source, for the Chromium
// and Prometheus tests. It scripts a memory timeline that walks through every level (so the
// dashboard has bands to draw), alerts and stage records, writes its port to --port-file, and
// serves until SIGTERM / SIGINT or --seconds pass.
//   admin_demo_server --port-file FILE [--seconds N] [--token T]
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <iostream>
#include <string>
#include <thread>

#include "membound/containers/lru_cache.hpp"
#include "membound/membound.hpp"
#include "support/fake_clock.hpp"

namespace {

volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) { stop_requested = 1; }

}  // namespace

int main(int argc, char** argv) {
  using namespace membound;
  std::string port_file;
  std::string token;
  int seconds = 600;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--port-file" && i + 1 < argc) port_file = argv[++i];
    else if (a == "--seconds" && i + 1 < argc) seconds = std::stoi(argv[++i]);
    else if (a == "--token" && i + 1 < argc) token = argv[++i];
    else {
      std::cerr << "usage: admin_demo_server --port-file FILE [--seconds N] [--token T]\n";
      return 2;
    }
  }
  set_logger(nullptr);

  // A pressure_monitor on a scripted source and a fake clock, polled once a (fake) second through
  // a timeline that walks every level — normal → elevated → high → critical → high — so the
  // dashboard has bands to draw. The clock then stands still: history and JSON stay put.
  struct phase {
    int seconds;
    double ratio;
  };
  const phase phases[] = {{60, 0.45}, {45, 0.68}, {45, 0.84}, {30, 0.93}, {30, 0.82}};
  const std::uint64_t limit = 512ULL << 20;
  test::fake_clock clock;
  auto src = std::make_unique<scripted_source>();
  scripted_source* source = src.get();
  source->set_clock(clock.fn());
  monitor_options mo;
  mo.name = "demo";
  mo.clock = clock.fn();
  mo.release_to_os = false;
  pressure_monitor monitor(std::move(src), mo);

  // Real containers, attached, with traffic: two caches with different hit rates and a ring.
  cache_options co;
  co.name = "sessions";
  co.max_entries = 5000;
  co.min_entries = 500;
  lru_cache<std::uint64_t, std::string> sessions(co);
  co.name = "thumbnails \"hot\"";
  co.max_entries = 2000;
  lru_cache<std::uint64_t, std::string> thumbnails(co);
  bounded_list_options lo;
  lo.name = "latency-samples";
  lo.capacity = 4096;
  bounded_list<int> latencies(lo);
  auto att1 = monitor.attach(sessions);
  auto att2 = monitor.attach(thumbnails);
  auto att3 = monitor.attach(latencies);
  // Skewed (geometric) key popularity, as real caches see: most lookups hit a small hot set.
  std::mt19937_64 rng(42);
  std::geometric_distribution<std::uint64_t> hot_sessions(0.002);
  std::geometric_distribution<std::uint64_t> hot_thumbs(0.0004);
  for (int i = 0; i < 20000; ++i) {
    const auto k1 = hot_sessions(rng);
    if (!sessions.get(k1)) sessions.put(k1, "session");
    const auto k2 = hot_thumbs(rng);
    if (!thumbnails.get(k2)) thumbnails.put(k2, "thumb");
    latencies.push(i % 100);
  }

  alert_manager alerts;
  memory_tracker_options topt;
  std::uint64_t fake_rss = 100ULL << 20;
  topt.rss = [&fake_rss] { return fake_rss; };
  topt.clock = clock.fn();
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

  for (const auto& p : phases) {
    for (int i = 0; i < p.seconds; ++i) {
      clock.advance(std::chrono::seconds(1));
      // A small ripple so the line is not flat.
      const double ripple = 0.01 * ((i % 7) - 3) / 3.0;
      source->set(static_cast<std::uint64_t>((p.ratio + ripple) * static_cast<double>(limit)),
                  limit);
      monitor.poll_once();
      alerts.feed(monitor.last_sample());
    }
  }

  admin_options opts;
  opts.bearer_token = token;
  admin_server server(monitor, opts);
  server.expose(alerts);
  server.expose(tracker);

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
