// CPU time of the monitor's own thread at a 1 s interval over a long run (60 s by default):
// not a Google Benchmark (one iteration of a minute), and not run in CI.
//
//   monitor_cpu [--seconds N] [--interval-ms N] [--source scripted|host]
//
// The monitor thread is identified by a wrapper source that records pthread_self() on its first
// read; its CPU time is then read with pthread_getcpuclockid + clock_gettime. RUSAGE_SELF (the
// whole process, whose main thread only sleeps) is printed as a cross-check.
#include <pthread.h>
#include <sys/resource.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "membound/pressure/monitor.hpp"
#include "membound/pressure/source.hpp"

namespace {

// Delegates to `inner`; remembers the CPU clock of the thread that first reads.
class thread_capturing_source final : public membound::memory_source {
 public:
  explicit thread_capturing_source(std::unique_ptr<membound::memory_source> inner)
      : inner_(std::move(inner)) {}
  std::string_view name() const noexcept override { return inner_->name(); }
  membound::memory_sample read(std::error_code& ec) noexcept override {
    if (!captured_.load(std::memory_order_acquire)) {
      clockid_t id{};
      if (pthread_getcpuclockid(pthread_self(), &id) == 0) {
        clock_ = id;
        captured_.store(true, std::memory_order_release);
      }
    }
    return inner_->read(ec);
  }
  bool captured() const noexcept { return captured_.load(std::memory_order_acquire); }
  double thread_cpu_s() const noexcept {
    timespec ts{};
    clock_gettime(clock_, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }

 private:
  std::unique_ptr<membound::memory_source> inner_;
  std::atomic<bool> captured_{false};
  clockid_t clock_{};
};

double process_cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const auto sec = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6;
  };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

int usage() {
  std::fputs("usage: monitor_cpu [--seconds N] [--interval-ms N] [--source scripted|host]\n", stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 60;
  int interval_ms = 1000;
  std::string source = "scripted";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) {
      return usage();
    }
    if (arg == "--seconds") {
      seconds = std::atoi(argv[++i]);
    } else if (arg == "--interval-ms") {
      interval_ms = std::atoi(argv[++i]);
    } else if (arg == "--source") {
      source = argv[++i];
    } else {
      return usage();
    }
  }
  if (seconds <= 0 || interval_ms <= 0) {
    return usage();
  }

  std::unique_ptr<membound::memory_source> inner;
  if (source == "scripted") {
    inner = std::make_unique<membound::scripted_source>(300'000'000, 1'000'000'000);
#if defined(MEMBOUND_HAVE_LINUX_SOURCES)
  } else if (source == "host") {
    inner = membound::make_host_source();
#endif
  } else {
    std::fprintf(stderr, "monitor_cpu: source '%s' is not available in this build\n", source.c_str());
    return 2;
  }
  auto capturing = std::make_unique<thread_capturing_source>(std::move(inner));
  thread_capturing_source* probe = capturing.get();

  membound::monitor_options options;
  options.interval = std::chrono::milliseconds(interval_ms);
  membound::pressure_monitor monitor(std::move(capturing), options);

  const double cpu0 = process_cpu_s();
  const auto wall0 = std::chrono::steady_clock::now();
  monitor.start();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  const double thread_cpu = probe->captured() ? probe->thread_cpu_s() : 0.0;
  monitor.stop();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  const double cpu = process_cpu_s() - cpu0;
  const membound::monitor_stats st = monitor.stats();
  const double ticks = static_cast<double>(st.samples + st.read_errors);

  std::printf("source            %s\n", std::string(monitor.last_sample().source).c_str());
  std::printf("interval          %d ms\n", interval_ms);
  std::printf("wall              %.3f s\n", wall);
  std::printf("ticks             %.0f\n", ticks);
  std::printf("monitor thread    %.6f s CPU = %.5f %% of one core, %.2f us per tick\n", thread_cpu,
              100.0 * thread_cpu / wall, ticks > 0 ? 1e6 * thread_cpu / ticks : 0.0);
  std::printf("poll_once total   %.6f s (stats.tick_time), max tick %.2f us\n",
              std::chrono::duration<double>(st.tick_time).count(),
              std::chrono::duration<double, std::micro>(st.max_tick_time).count());
  std::printf("process (rusage)  %.6f s CPU = %.5f %% of one core\n", cpu, 100.0 * cpu / wall);
  return 0;
}
