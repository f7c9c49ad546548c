// admin_server: a small HTTP endpoint (library membound::admin, cpp-httplib) serving Prometheus
// metrics, JSON stats and a live dashboard for a pressure_monitor.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "membound/clock.hpp"
#include "membound/observability/export.hpp"
#include "membound/pressure/monitor.hpp"

namespace membound {

class memory_tracker;
class leak_detector;
class alert_manager;

struct admin_options {
  std::string bind_address = "127.0.0.1";  // loopback unless told otherwise
  std::uint16_t port = 0;                  // 0 = any free port; port() tells which
  // When non-empty every path (the dashboard included) requires "Authorization: Bearer <token>"
  // or, for browsers, the query parameter access_token=<token> (RFC 6750 §2.3); else 401.
  std::string bearer_token;
  // Bounds on a request: a target longer than max_target_bytes gets 414; header fields
  // totalling more than max_header_bytes (name + value + 4 per field) get 431. cpp-httplib itself
  // refuses a request line over 8192 bytes (414) and a single header line over 8192 bytes (400).
  std::size_t max_target_bytes = 2048;
  std::size_t max_header_bytes = 8192;
  std::size_t threads = 4;  // worker threads; connections beyond them wait in the accept queue
  std::chrono::milliseconds read_timeout{5000};
  std::chrono::milliseconds write_timeout{5000};
  std::size_t keep_alive_max_requests = 100;
};

// What the server reads, as callables: take_snapshot() and history() of a monitor (see
// monitor_sources()), or anything else — tests use hand-built values.
struct admin_sources {
  std::function<metrics_snapshot()> snapshot;  // REQUIRES: non-empty
  std::function<std::vector<history_point>(std::chrono::seconds)> history;  // may be empty
  clock_fn clock;  // the clock of history points (the monitor's); empty = steady_clock
};

// Returns sources reading `monitor`. REQUIRES: `monitor` outlives the server using them.
admin_sources monitor_sources(const pressure_monitor& monitor);

// Counters of the server itself (also exported as membound_admin_* metrics).
struct admin_stats {
  std::uint64_t requests = 0;           // every answered request
  std::uint64_t unauthorized = 0;       // 401
  std::uint64_t not_found = 0;          // 404
  std::uint64_t method_not_allowed = 0; // 405
  std::uint64_t too_large = 0;          // 414 and 431
  std::uint64_t bad_request = 0;        // 400 (e.g. a bad window)
};

// GET-only HTTP server on its own threads:
//   /metrics                 Prometheus text 0.0.4 (to_prometheus() + exposed components)
//   /memory-stats            JSON: current sample and level, process RSS/VMS (/proc/self/statm),
//                            system MemTotal/MemAvailable (/proc/meminfo)
//   /memory-history?window=  JSON of history(window); window = <n>s|m|h, 1 s … 48 h, default 1h;
//                            anything else → 400
//   /cache-stats             JSON: one object per attached container
//   /alerts, /stages, /leaks JSON of the exposed alert_manager / memory_tracker / leak_detector
//   /                        the dashboard (self-contained: its JS is embedded in the binary)
// Other methods → 405 (with Allow: GET), unknown paths → 404, see admin_options for 401/414/431.
//
// Complexity: a request costs one snapshot of the sources (O(attached containers)) or, for
// history, O(points in the window).
// Thread-safety: thread-safe: start(), stop(), port() and stats() may be called from any thread;
// expose() only before start(). Handlers run on the server's worker threads and read the sources
// concurrently, so the sources must be thread-safe (a pressure_monitor is).
// Exceptions: the constructor throws std::invalid_argument for an empty snapshot source, 0
// threads or 0 size bounds; start() reports a bind failure as an error_code, never throws it;
// an exception in a handler becomes a 500 response.
// Stability: exposed components are referenced, not copied: REQUIRES they outlive the server.
// Capacity: at most `threads` requests run at once; request size is bounded by admin_options.
class admin_server {
 public:
  explicit admin_server(admin_sources sources, admin_options options = {});
  // Serves `monitor`. REQUIRES: `monitor` outlives the server.
  explicit admin_server(const pressure_monitor& monitor, admin_options options = {});
  ~admin_server();  // stops and joins
  admin_server(const admin_server&) = delete;
  admin_server& operator=(const admin_server&) = delete;

  // Adds the component's metrics to /metrics and its JSON to /stages, /leaks or /alerts.
  // REQUIRES: called before start(); the component outlives the server.
  void expose(const memory_tracker& tracker);
  void expose(const leak_detector& detector);
  void expose(const alert_manager& alerts);
  // Adds Prometheus text (complete families, names not used elsewhere) to /metrics.
  void add_metrics(std::function<std::string()> prometheus_text);

  // Binds and starts serving on a background thread. Returns an error (and serves nothing) when
  // the address cannot be bound; a second start() while running does nothing.
  std::error_code start();
  // Stops serving and joins the threads; in-flight requests finish first. Idempotent.
  void stop() noexcept;
  bool running() const noexcept;
  // Returns the bound port (after a successful start()), else 0.
  std::uint16_t port() const noexcept;
  admin_stats stats() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Parses a history window "30s", "5m", "1h", "48h": a positive integer and one unit. Returns
// false for anything else, 0, or more than 48 h.
bool parse_window(std::string_view text, std::chrono::seconds& out) noexcept;

}  // namespace membound
