// membound watch [--once] [--json] [--interval-ms N] [--budget-mb N]: live memory pressure of
// this container (cgroup limit), host, or a process budget, classified by a pressure_monitor.
#include "cli/watch.hpp"

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "cli/commands.hpp"
#include "membound/pressure/monitor.hpp"
#include "membound/pressure/source.hpp"

namespace membound::cli {
namespace watch {
namespace {

void print_line(const std::string& line) {
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);  // one line per sample, also through a pipe
}

std::string wall_time() { return format_time(std::chrono::system_clock::now()); }

// SIGINT/SIGTERM are blocked and taken synchronously with sigtimedwait() between samples: no
// handler, no flag polling, and the wait ends the moment a signal arrives.
class stop_signals {
 public:
  stop_signals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~stop_signals() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  stop_signals(const stop_signals&) = delete;
  stop_signals& operator=(const stop_signals&) = delete;

  // Waits until `deadline`; returns true when SIGINT or SIGTERM arrived first.
  bool wait_until(std::chrono::steady_clock::time_point deadline) const {
    for (;;) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) return false;
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      timespec ts{};
      ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
      const int sig = ::sigtimedwait(&set_, nullptr, &ts);
      if (sig == SIGINT || sig == SIGTERM) return true;
      if (sig < 0 && errno == EAGAIN) return false;  // timed out
      // EINTR (another signal): wait for the rest.
    }
  }

 private:
  sigset_t set_{};
  sigset_t old_{};
};

}  // namespace

int run(const options& o) {
  validate(o);
  // Block before anything could start a thread, so every thread inherits the mask.
  std::unique_ptr<stop_signals> signals;
  if (!o.once) signals = std::make_unique<stop_signals>();

  source_paths paths;
  paths.proc_root = o.proc_root;
  paths.cgroup_root = o.cgroup_root;
  std::unique_ptr<memory_source> base =
      o.budget_set ? make_process_budget_source(o.budget_mb << 20, paths)
                   : make_default_source(paths);
  std::unique_ptr<memory_source> source = make_psi_source(std::move(base), paths);
  const std::string source_name(display_source(source->name()));

  // One direct read first: an unreadable source is a clear error, not a monitor read_errors count.
  std::error_code ec;
  source->read(ec);
  if (ec) {
    std::fprintf(stderr, "membound watch: cannot read memory from the %s source: %s\n",
                 source_name.c_str(), ec.message().c_str());
    return exit_failure;
  }

  monitor_options mo;
  mo.interval = std::chrono::milliseconds(o.interval_ms);
  mo.fast_interval = mo.interval;  // watch samples at the cadence the user asked for
  mo.release_to_os = false;        // watch owns no memory worth trimming
  mo.name = "watch";
  pressure_monitor monitor(std::move(source), mo);

  // Declared after the monitor, so it stops before the monitor goes away.
  const admin_start admin = start_admin(o.admin, monitor, "watch");
  if (!admin.ok) return exit_failure;

  std::vector<pressure_event> changes;
  auto subscription = monitor.subscribe([&changes](const pressure_event& e) {
    if (!e.repeat) changes.push_back(e);
  });

  const auto interval = std::chrono::milliseconds(o.interval_ms);
  auto deadline = std::chrono::steady_clock::now();
  bool failing = false;
  for (;;) {
    const auto errors_before = monitor.stats().read_errors;
    changes.clear();
    const pressure_level level = monitor.poll_once();
    const std::string now = wall_time();
    if (monitor.stats().read_errors != errors_before) {
      if (o.once) {
        std::fprintf(stderr, "membound watch: cannot read memory from the %s source\n",
                     source_name.c_str());
        return exit_failure;
      }
      if (!failing) {
        std::fprintf(stderr, "%s  membound watch: reading the %s source failed (see the log)\n",
                     now.c_str(), source_name.c_str());
        failing = true;
      }
    } else {
      failing = false;
      const memory_sample s = monitor.last_sample();
      if (o.json) {
        nlohmann::json j = sample_json(s, level, monitor.eviction_target_bytes(), now);
        if (!o.once && !changes.empty()) {
          j["previous_level"] = std::string(to_string(changes.back().previous));
        }
        print_line(j.dump());
      } else {
        print_line(format_sample_line(s, level, now));
        if (!o.once) {
          for (const auto& e : changes) print_line(format_change_line(e, now));
        }
      }
    }
    if (o.once) return exit_ok;
    deadline += interval;
    const auto now_steady = std::chrono::steady_clock::now();
    if (deadline < now_steady) deadline = now_steady;  // a slow tick: do not burst to catch up
    if (signals->wait_until(deadline)) return exit_ok;
  }
}

}  // namespace watch

command add_watch_command(CLI::App& parent) {
  auto opts = std::make_shared<watch::options>();
  command c;
  c.app = parent.add_subcommand(
      "watch",
      "Live memory pressure of this container (cgroup limit), host, or a process budget: one "
      "line per sample and one per level change, until SIGINT/SIGTERM");
  c.app->add_flag("--once", opts->once, "Take one sample, print it and exit");
  c.app->add_flag("--json", opts->json,
                  "Print each sample as one JSON object (level, used_bytes, limit_bytes, ratio, "
                  "source, rss_bytes and psi_*_avg10 when known)");
  // Zero and the upper bounds are checked by watch::validate(), which names the flag.
  const CLI::Validator unsigned_only = unsigned_validator();
  c.app->add_option("--interval-ms", opts->interval_ms, "Sampling interval in milliseconds")
      ->capture_default_str()
      ->check(unsigned_only);
  CLI::Option* budget = c.app->add_option(
      "--budget-mb", opts->budget_mb,
      "Watch this process's RSS against a budget of N MiB instead of the container/host limit");
  budget->check(unsigned_only);
  // Undocumented on purpose (tests point watch at fixture trees with these).
  c.app->add_option("--proc-root", opts->proc_root)->group("");
  c.app->add_option("--cgroup-root", opts->cgroup_root)->group("");
  add_admin_flags(*c.app, opts->admin, /*with_db=*/true);
  c.run = [opts, budget] {
    opts->budget_set = budget->count() > 0;
    return watch::run(*opts);
  };
  return c;
}

}  // namespace membound::cli
