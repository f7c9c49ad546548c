#include "membound/observability/admin_server.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

#include <httplib.h>

#include "membound/detail/throw.hpp"
#include "membound/log.hpp"
#include "membound/observability/alerts.hpp"
#include "membound/observability/leak_detector.hpp"
#include "membound/observability/memory_tracker.hpp"
#include "observability/admin/assets.hpp"
#include "observability/json_fields.hpp"
#include "observability/prometheus_text.hpp"

namespace membound {
namespace {

// Reads a small /proc file whole; empty on failure.
std::string read_small_file(const char* path) {
  std::string out;
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > (1U << 20)) break;  // /proc/meminfo is ~1.5 KiB; never read unboundedly
  }
  ::close(fd);
  return out;
}

struct process_memory {
  std::uint64_t rss = 0;
  std::uint64_t vms = 0;
  bool ok = false;
};

process_memory read_statm() {
  process_memory m;
  const auto text = read_small_file("/proc/self/statm");
  unsigned long long size = 0;
  unsigned long long resident = 0;
  if (std::sscanf(text.c_str(), "%llu %llu", &size, &resident) == 2) {
    const long page = ::sysconf(_SC_PAGESIZE);
    const auto p = static_cast<std::uint64_t>(page > 0 ? page : 4096);
    m.vms = size * p;
    m.rss = resident * p;
    m.ok = true;
  }
  return m;
}

// Returns the kB value of `key` in /proc/meminfo text, in bytes.
std::optional<std::uint64_t> meminfo_value(const std::string& text, std::string_view key) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto eol = text.find('\n', pos);
    std::string_view line(text.data() + pos, (eol == std::string::npos ? text.size() : eol) - pos);
    pos = eol == std::string::npos ? text.size() : eol + 1;
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':') {
      auto rest = line.substr(key.size() + 1);
      while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
      std::uint64_t kb = 0;
      auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), kb);
      if (ec != std::errc{}) return std::nullopt;
      return kb * 1024;
    }
  }
  return std::nullopt;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const auto y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

// Headers httplib adds itself; not part of what the client sent.
bool synthetic_header(const std::string& name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
         name == "LOCAL_PORT";
}

constexpr const char* json_type = "application/json; charset=utf-8";

}  // namespace

bool parse_window(std::string_view text, std::chrono::seconds& out) noexcept {
  if (text.size() < 2 || text.size() > 8) return false;
  const char unit = text.back();
  std::uint64_t n = 0;
  const auto digits = text.substr(0, text.size() - 1);
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc{} || p != digits.data() + digits.size() || n == 0) return false;
  std::uint64_t secs = 0;
  switch (unit) {
    case 's': secs = n; break;
    case 'm': secs = n * 60; break;
    case 'h': secs = n * 3600; break;
    default: return false;
  }
  if (secs > 48ULL * 3600) return false;
  out = std::chrono::seconds(static_cast<std::chrono::seconds::rep>(secs));
  return true;
}

struct admin_server::impl {
  admin_sources sources;
  admin_options options;
  const memory_tracker* tracker = nullptr;
  const leak_detector* leaks = nullptr;
  const alert_manager* alerts = nullptr;
  std::vector<std::function<std::string()>> extra_metrics;

  std::mutex run_mu;  // serialises start() and stop()
  std::unique_ptr<httplib::Server> server;
  std::thread thread;
  std::atomic<std::uint16_t> port{0};
  std::atomic<bool> running{false};

  std::atomic<std::uint64_t> requests{0}, unauthorized{0}, not_found{0}, method_not_allowed{0},
      too_large{0}, bad_request{0};

  void reject(httplib::Response& res, int status, std::string_view message) {
    res.status = status;
    res.set_content(detail::dump({{"error", message}, {"status", status}}), json_type);
  }

  // Runs before routing: size bounds (414/431), token (401), method (405).
  httplib::Server::HandlerResponse pre_route(const httplib::Request& req,
                                             httplib::Response& res) {
    if (req.target.size() > options.max_target_bytes) {
      too_large.fetch_add(1, std::memory_order_relaxed);
      reject(res, 414, "request target too long");
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    std::size_t header_bytes = 0;
    for (const auto& [k, v] : req.headers) {
      if (!synthetic_header(k)) header_bytes += k.size() + v.size() + 4;  // ": " and CRLF
    }
    if (header_bytes > options.max_header_bytes) {
      too_large.fetch_add(1, std::memory_order_relaxed);
      reject(res, 431, "request header fields too large");
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!options.bearer_token.empty() && !authorized(req)) {
      unauthorized.fetch_add(1, std::memory_order_relaxed);
      reject(res, 401, "missing or wrong bearer token");
      res.set_header("WWW-Authenticate", "Bearer realm=\"membound\"");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.method != "GET") {
      method_not_allowed.fetch_add(1, std::memory_order_relaxed);
      reject(res, 405, "only GET is allowed");
      res.set_header("Allow", "GET");
      // The body (if any) is never read: close so it cannot be taken for the next request.
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  }

  bool authorized(const httplib::Request& req) const {
    const auto auth = req.get_header_value("Authorization");
    constexpr std::string_view scheme = "Bearer ";
    if (auth.size() > scheme.size() && auth.compare(0, scheme.size(), scheme) == 0) {
      return constant_time_equal(std::string_view(auth).substr(scheme.size()),
                                 options.bearer_token);
    }
    if (req.has_param("access_token")) {
      return constant_time_equal(req.get_param_value("access_token"), options.bearer_token);
    }
    return false;
  }

  std::string metrics_text() {
    std::string out = to_prometheus(sources.snapshot());
    if (tracker != nullptr) out += to_prometheus(*tracker);
    if (leaks != nullptr) out += to_prometheus(*leaks);
    if (alerts != nullptr) out += to_prometheus(*alerts);
    for (const auto& f : extra_metrics) out += f();
    detail::prom_writer w(out);
    w.family("membound_admin_requests_total", "counter", "Requests answered by the admin server.");
    w.sample("membound_admin_requests_total", {}, requests.load(std::memory_order_relaxed));
    w.family("membound_admin_rejected_total", "counter",
             "Requests the admin server refused, by reason.");
    w.sample("membound_admin_rejected_total", {{"reason", "bad_request"}},
             bad_request.load(std::memory_order_relaxed));
    w.sample("membound_admin_rejected_total", {{"reason", "unauthorized"}},
             unauthorized.load(std::memory_order_relaxed));
    w.sample("membound_admin_rejected_total", {{"reason", "not_found"}},
             not_found.load(std::memory_order_relaxed));
    w.sample("membound_admin_rejected_total", {{"reason", "method_not_allowed"}},
             method_not_allowed.load(std::memory_order_relaxed));
    w.sample("membound_admin_rejected_total", {{"reason", "too_large"}},
             too_large.load(std::memory_order_relaxed));
    return out;
  }

  std::string memory_stats() {
    const auto snap = sources.snapshot();
    nlohmann::json j;
    j["sample"] = detail::json_of(snap.sample);
    j["level"] = std::string(to_string(snap.level));
    j["level_value"] = static_cast<int>(snap.level);
    j["thresholds"] = detail::json_of(snap.thresholds);
    j["eviction_target_bytes"] = snap.eviction_target_bytes;
    j["trend_bytes_per_min"] = snap.trend_bytes_per_min;
    const auto pm = read_statm();
    j["process"] = pm.ok ? nlohmann::json{{"rss_bytes", pm.rss}, {"vms_bytes", pm.vms}}
                         : nlohmann::json(nullptr);
    const auto meminfo = read_small_file("/proc/meminfo");
    const auto total = meminfo_value(meminfo, "MemTotal");
    const auto avail = meminfo_value(meminfo, "MemAvailable");
    j["system"] = {{"mem_total_bytes", total ? nlohmann::json(*total) : nullptr},
                   {"mem_available_bytes", avail ? nlohmann::json(*avail) : nullptr}};
    j["now_unix_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    return detail::dump(j);
  }

  void install_routes(httplib::Server& s) {
    s.set_pre_routing_handler(
        [this](const httplib::Request& req, httplib::Response& res) { return pre_route(req, res); });
    s.set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
      requests.fetch_add(1, std::memory_order_relaxed);
      res.set_header("Cache-Control", "no-store");
      res.set_header("X-Content-Type-Options", "nosniff");
    });
    s.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                               std::exception_ptr ep) {
      std::string what = "internal error";
      try {
        if (ep) std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      logger()->error("membound: admin handler failed: {}", what);
      res.status = 500;
      res.set_content(detail::dump({{"error", "internal error"}, {"status", 500}}), json_type);
    });
    s.set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request& req, httplib::Response& res) {
          // cpp-httplib answers 400 when one header line exceeds its compiled-in 8192 bytes.
          // That is the one way read_headers() fails on a connection that can still take a
          // reply (its other failure is the peer going away), and it is recognisable: the
          // request line parsed (valid method and version) but httplib never got to add
          // REMOTE_ADDR, which it does right after the headers. Report it as what it is.
          if (res.status == 400 && !req.has_header("REMOTE_ADDR") &&
              (req.version == "HTTP/1.1" || req.version == "HTTP/1.0") && !req.method.empty()) {
            too_large.fetch_add(1, std::memory_order_relaxed);
            res.status = 431;
            res.set_header("Connection", "close");
            res.set_content(
                detail::dump({{"error", "request header fields too large"}, {"status", 431}}),
                json_type);
            return httplib::Server::HandlerResponse::Handled;
          }
          if (res.status == 404) {
            not_found.fetch_add(1, std::memory_order_relaxed);
            res.set_content(detail::dump({{"error", "not found"}, {"status", 404}}), json_type);
          }
          return httplib::Server::HandlerResponse::Unhandled;
        }));
    s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics_text(), "text/plain; version=0.0.4; charset=utf-8");
    });
    s.Get("/memory-stats", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(memory_stats(), json_type);
    });
    s.Get("/memory-history", [this](const httplib::Request& req, httplib::Response& res) {
      std::chrono::seconds window = std::chrono::hours(1);
      if (req.has_param("window") && !parse_window(req.get_param_value("window"), window)) {
        bad_request.fetch_add(1, std::memory_order_relaxed);
        reject(res, 400, "bad window: use <n>s, <n>m or <n>h, at most 48h");
        return;
      }
      std::vector<history_point> points;
      if (sources.history) points = sources.history(window);
      const auto snap = sources.snapshot();
      auto j = nlohmann::json::parse(
          history_to_json(points, membound::now(sources.clock), window, snap.thresholds));
      j["now_unix_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
      j["level"] = std::string(to_string(snap.level));
      res.set_content(detail::dump(j), json_type);
    });
    s.Get("/cache-stats", [this](const httplib::Request&, httplib::Response& res) {
      const auto snap = sources.snapshot();
      res.set_content(detail::dump({{"containers", detail::json_of(snap.containers)}}), json_type);
    });
    s.Get("/alerts", [this](const httplib::Request&, httplib::Response& res) {
      auto j = nlohmann::json::parse(
          alerts != nullptr ? to_json(*alerts)
                            : std::string(R"({"active":null,"alerts":[],"enabled":false})"));
      // Alert times are steady-clock times: give the page what it needs to show wall times.
      j["now_steady_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                               membound::now(sources.clock).time_since_epoch())
                               .count();
      j["now_unix_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
      res.set_content(detail::dump(j), json_type);
    });
    s.Get("/stages", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(tracker != nullptr ? to_json(*tracker)
                                         : std::string(R"({"records":[],"totals":[]})"),
                      json_type);
    });
    s.Get("/leaks", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(leaks != nullptr ? to_json(*leaks) : std::string(R"({"enabled":false})"),
                      json_type);
    });
    for (const auto& a : detail::dashboard_assets()) {
      std::string path = a.path == "/index.html" ? "/" : std::string(a.path);
      // httplib routes by regex: match the file name literally.
      for (std::size_t i = path.find('.'); i != std::string::npos; i = path.find('.', i + 2)) {
        path.insert(i, 1, '\\');
      }
      s.Get(path, [a](const httplib::Request&, httplib::Response& res) {
        res.set_content(a.body.data(), a.body.size(), std::string(a.content_type).c_str());
        res.set_header("Content-Security-Policy",
                       "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:");
      });
    }
  }
};

admin_server::admin_server(admin_sources sources, admin_options options)
    : impl_(std::make_unique<impl>()) {
  if (!sources.snapshot) {
    detail::throw_invalid_argument("admin_server", "sources.snapshot", "must not be empty");
  }
  if (options.threads == 0) {
    detail::throw_invalid_argument("admin_options", "threads", "must be at least 1");
  }
  if (options.max_header_bytes == 0) {
    detail::throw_invalid_argument("admin_options", "max_header_bytes", "must be positive");
  }
  if (options.max_target_bytes == 0) {
    detail::throw_invalid_argument("admin_options", "max_target_bytes", "must be positive");
  }
  impl_->sources = std::move(sources);
  impl_->options = std::move(options);
}

admin_server::~admin_server() { stop(); }

void admin_server::expose(const memory_tracker& tracker) { impl_->tracker = &tracker; }
void admin_server::expose(const leak_detector& detector) { impl_->leaks = &detector; }
void admin_server::expose(const alert_manager& alerts) { impl_->alerts = &alerts; }
void admin_server::add_metrics(std::function<std::string()> prometheus_text) {
  impl_->extra_metrics.push_back(std::move(prometheus_text));
}

std::error_code admin_server::start() {
  std::lock_guard lock(impl_->run_mu);
  if (impl_->running.load()) return {};
  auto server = std::make_unique<httplib::Server>();
  const auto threads = impl_->options.threads;
  server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server->set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(
      impl_->options.read_timeout));
  server->set_write_timeout(std::chrono::duration_cast<std::chrono::microseconds>(
      impl_->options.write_timeout));
  server->set_keep_alive_max_count(impl_->options.keep_alive_max_requests);
  server->set_tcp_nodelay(true);  // headers and body go out in two writes: no Nagle delay
  server->set_payload_max_length(64 * 1024);  // GET only: a body is never wanted
  // httplib's default also sets SO_REUSEPORT, which would let a second server bind the same port
  // silently: keep only SO_REUSEADDR (restart without waiting out TIME_WAIT).
  server->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  impl_->install_routes(*server);
  int port = 0;
  if (impl_->options.port == 0) {
    port = server->bind_to_any_port(impl_->options.bind_address);
    if (port <= 0) port = 0;
  } else if (server->bind_to_port(impl_->options.bind_address, impl_->options.port)) {
    port = impl_->options.port;
  }
  if (port == 0) {
    const int err = errno != 0 ? errno : EADDRNOTAVAIL;
    logger()->error("membound: admin server cannot bind {}:{}", impl_->options.bind_address,
                    impl_->options.port);
    return {err, std::generic_category()};
  }
  impl_->port.store(static_cast<std::uint16_t>(port));
  httplib::Server* raw = server.get();
  impl_->server = std::move(server);
  auto exited = std::make_shared<std::atomic<bool>>(false);
  impl_->thread = std::thread([raw, exited] {
    raw->listen_after_bind();
    exited->store(true);
  });
  // stop() before the listener loop started would be lost (httplib checks is_running()), so wait
  // for the loop to start (or to have failed): our own thread's startup, microseconds.
  while (!raw->is_running() && !exited->load()) std::this_thread::yield();
  impl_->running.store(true);
  logger()->info("membound: admin server on http://{}:{}/", impl_->options.bind_address, port);
  return {};
}

void admin_server::stop() noexcept {
  std::lock_guard lock(impl_->run_mu);
  if (!impl_->server) return;
  impl_->server->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->server.reset();
  impl_->running.store(false);
  impl_->port.store(0);
}

bool admin_server::running() const noexcept { return impl_->running.load(); }
std::uint16_t admin_server::port() const noexcept { return impl_->port.load(); }

admin_stats admin_server::stats() const noexcept {
  admin_stats s;
  s.requests = impl_->requests.load(std::memory_order_relaxed);
  s.unauthorized = impl_->unauthorized.load(std::memory_order_relaxed);
  s.not_found = impl_->not_found.load(std::memory_order_relaxed);
  s.method_not_allowed = impl_->method_not_allowed.load(std::memory_order_relaxed);
  s.too_large = impl_->too_large.load(std::memory_order_relaxed);
  s.bad_request = impl_->bad_request.load(std::memory_order_relaxed);
  return s;
}

}  // namespace membound
