#include "cli/admin_flags.hpp"

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "cli/commands.hpp"

#if MEMBOUND_CLI_HAVE_ADMIN
#include "membound/observability/admin_server.hpp"
#include "membound/observability/alerts.hpp"
#include "membound/observability/leak_detector.hpp"
#include "membound/observability/sqlite_history.hpp"
#endif

namespace membound::cli {

void add_admin_flags(CLI::App& app, admin_flags& flags, bool with_db) {
  app.add_option("--admin-port", flags.admin_port,
                 "Serve /metrics (Prometheus), JSON stats and a live dashboard on this port "
                 "(0 = any free port); bearer token from $MEMBOUND_ADMIN_TOKEN if set")
      ->check(CLI::Range(0, 65535));
  app.add_option("--admin-bind", flags.admin_bind, "Address the admin endpoint listens on")
      ->capture_default_str();
  if (with_db) {
    app.add_option("--db", flags.db,
                   "Append samples, level changes and alerts to this SQLite file (kept 48 h)");
  }
}

#if MEMBOUND_CLI_HAVE_ADMIN

class admin_session {
 public:
  explicit admin_session(pressure_monitor& monitor) : monitor_(monitor) {
    leaks_.set_containers([&monitor] { return monitor.attached_stats(); });
  }
  ~admin_session() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (feeder_.joinable()) feeder_.join();
    if (server_) server_->stop();
  }
  admin_session(const admin_session&) = delete;
  admin_session& operator=(const admin_session&) = delete;

  bool open_db(const std::string& path, const char* command) {
    sqlite_history_options o;
    o.clock = monitor_.options().clock;
    std::string error;
    db_ = sqlite_history::open(path, o, error);
    if (!db_) {
      std::fprintf(stderr, "membound %s: --db: %s\n", command, printable(error).c_str());
      return false;
    }
    level_sub_ = db_->record_level_changes(monitor_);
    alert_sub_ = db_->record_alerts(alerts_);
    return true;
  }

  bool serve(const admin_flags& flags, const char* command) {
    admin_options o;
    o.bind_address = flags.admin_bind;
    o.port = static_cast<std::uint16_t>(flags.admin_port);
    if (const char* token = std::getenv("MEMBOUND_ADMIN_TOKEN")) o.bearer_token = token;
    server_ = std::make_unique<admin_server>(monitor_, o);
    server_->expose(alerts_);
    server_->expose(leaks_);
    if (auto ec = server_->start()) {
      std::fprintf(stderr, "membound %s: cannot serve the admin endpoint on %s:%d: %s\n", command,
                   flags.admin_bind.c_str(), flags.admin_port, ec.message().c_str());
      server_.reset();
      return false;
    }
    std::fprintf(stderr, "membound %s: admin endpoint on http://%s:%u/ (metrics at /metrics)\n",
                 command, flags.admin_bind.c_str(), static_cast<unsigned>(server_->port()));
    return true;
  }

  // Feeds every new sample of the monitor (by time stamp) to the alerts, the leak detector and
  // the database, every 100 ms (faster than the monitor's fastest CLI cadence), and once more on
  // the way out so that the last sample is never lost.
  void start_feeder() {
    feeder_ = std::thread([this] {
      time_point last{};
      for (;;) {
        feed(last);
        std::unique_lock lock(mu_);
        if (cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop_; })) break;
      }
      feed(last);
    });
  }

 private:
  void feed(time_point& last) {
    const memory_sample s = monitor_.last_sample();
    if (s.time == last || s.time == time_point{}) return;
    last = s.time;
    alerts_.feed(s);
    leaks_.feed(s);
    if (db_) db_->append(s, monitor_.level());
  }

  pressure_monitor& monitor_;
  alert_manager alerts_;
  leak_detector leaks_;
  std::unique_ptr<sqlite_history> db_;
  std::unique_ptr<admin_server> server_;
  pressure_monitor::subscription level_sub_;
  subscription_handle alert_sub_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread feeder_;
};

admin_start start_admin(const admin_flags& flags, pressure_monitor& monitor, const char* command) {
  admin_start r;
  if (flags.admin_port < 0 && flags.db.empty()) return r;
  auto session = std::make_shared<admin_session>(monitor);
  if (!flags.db.empty() && !session->open_db(flags.db, command)) {
    r.ok = false;
    return r;
  }
  if (flags.admin_port >= 0 && !session->serve(flags, command)) {
    r.ok = false;
    return r;
  }
  session->start_feeder();
  r.session = std::move(session);
  return r;
}

#else  // built without membound::admin (MEMBOUND_BUILD_ADMIN=OFF)

class admin_session {};

admin_start start_admin(const admin_flags& flags, pressure_monitor&, const char* command) {
  admin_start r;
  if (flags.admin_port >= 0 || !flags.db.empty()) {
    std::fprintf(stderr,
                 "membound %s: --admin-port and --db need membound built with "
                 "MEMBOUND_BUILD_ADMIN=ON\n",
                 command);
    r.ok = false;
  }
  return r;
}

#endif

}  // namespace membound::cli
