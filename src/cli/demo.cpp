// membound demo: a service-like workload under a memory budget. Request threads look up Zipf-
// distributed keys whose values are 4–64 KiB blobs (a working set about 4× the budget) in a
// byte-bounded membound cache, fetch per-tenant state from an object_registry and record request
// latencies in a bounded_list; a pressure_monitor on a process budget source shrinks all three.
// Prints level transitions and shrink passes as they happen, then a summary (peak RSS against the
// budget, hit rate, pressure evictions, bytes returned to the OS). --unbounded runs the same
// workload on a mutex-guarded std::unordered_map that never evicts. See docs/demo.md.
#include "cli/commands.hpp"
#include "cli/admin_flags.hpp"

// Until concurrent_cache is merged the demo cannot be built; keep the CLI linkable meanwhile.

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "membound/containers/bounded_list.hpp"
#include "membound/containers/concurrent_cache.hpp"
#include "membound/containers/object_registry.hpp"
#include "membound/detail/list_malloc_size.hpp"
#include "membound/detail/thread_annotations.hpp"
#include "membound/detail/throw.hpp"
#include "membound/log.hpp"
#include "membound/policy/sieve.hpp"
#include "membound/pressure/monitor.hpp"
#include "membound/pressure/source.hpp"

namespace membound::cli {
namespace {

using std::chrono::steady_clock;
constexpr double mib = 1024.0 * 1024.0;
constexpr std::uint64_t mib_bytes = 1024 * 1024;

// ---- configuration -------------------------------------------------------------------------

struct demo_config {
  admin_flags admin;  // --admin-port / --admin-bind
  std::uint64_t budget_mb = 256;
  unsigned duration_s = 20;  // the default run stays well under 30 s
  unsigned threads = 4;
  bool unbounded = false;
  bool json = false;
};

// Below this, what does not scale with the budget (the binary, evicted values awaiting reclamation,
// malloc's free lists and arenas: ~50 MiB together, see docs/demo.md) leaves no room for a cache.
constexpr std::uint64_t min_budget_mb = 128;

// Upper bounds that catch typos (a budget in bytes, a duration in milliseconds) rather than limit
// real runs.
constexpr std::uint64_t max_budget_mb = 1024 * 1024;  // 1 TiB
constexpr unsigned max_duration_s = 24 * 3600;        // a day
constexpr unsigned max_threads = 256;                  // beyond, it measures the scheduler

// Throws: std::invalid_argument naming the flag that is out of range.
void validate(const demo_config& c) {
  if (c.budget_mb < min_budget_mb) {
    detail::throw_invalid_argument(
        "demo", "--budget-mb",
        fmt::format("must be at least {} (what does not scale with the budget needs ~50 MiB; see "
                    "docs/demo.md), got {}",
                    min_budget_mb, c.budget_mb));
  }
  if (c.budget_mb > max_budget_mb) {
    detail::throw_invalid_argument("demo", "--budget-mb", "must be at most 1 TiB (1048576)");
  }
  if (c.duration_s == 0 || c.duration_s > max_duration_s) {
    detail::throw_invalid_argument("demo", "--duration-s",
                                   fmt::format("must be between 1 and {}", max_duration_s));
  }
  if (c.threads == 0 || c.threads > max_threads) {
    detail::throw_invalid_argument("demo", "--threads",
                                   fmt::format("must be between 1 and {}", max_threads));
  }
}

// ---- /proc ---------------------------------------------------------------------------------

std::uint64_t current_rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages_total = 0;
  std::uint64_t pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

// Returns VmHWM (the kernel's peak resident set) from /proc/self/status, in bytes.
std::uint64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // "... kB"
  }
  return 0;
}

// ---- the workload --------------------------------------------------------------------------

std::uint64_t mix(std::uint64_t x) noexcept {  // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr std::uint32_t min_value_bytes = 4 * 1024;
constexpr std::uint32_t max_value_bytes = 64 * 1024;
constexpr double mean_value_bytes = (min_value_bytes + max_value_bytes) / 2.0;

// Each key's value size: uniform in [4 KiB, 64 KiB], fixed per key.
std::uint32_t value_size(std::uint64_t key) noexcept {
  return min_value_bytes +
         static_cast<std::uint32_t>(mix(key) % (max_value_bytes - min_value_bytes + 1));
}

// A cached value: an immutable blob shared by the cache and the requests reading it. Copying it
// is a reference-count increment, so get() hits stay cheap.
struct blob {
  std::shared_ptr<const char[]> data;
  std::uint32_t size = 0;
};

char fill_byte(std::uint64_t key) noexcept { return static_cast<char>(mix(key ^ 0x5a5a) & 0x7f); }

// "Loading from the backend": allocate the value and write every byte (so it is resident).
blob load_value(std::uint64_t key) {
  const std::uint32_t n = value_size(key);
  std::shared_ptr<char[]> data = std::make_shared_for_overwrite<char[]>(n);
  std::memset(data.get(), fill_byte(key), n);
  std::memcpy(data.get(), &key, sizeof key);
  return blob{std::move(data), n};
}

// Reads the value the way a request would (one byte per page) and checks it is the key's.
bool value_ok(std::uint64_t key, const blob& b) noexcept {
  if (!b.data || b.size != value_size(key)) return false;
  std::uint64_t stored = 0;
  std::memcpy(&stored, b.data.get(), sizeof stored);
  if (stored != key) return false;
  const char expected = fill_byte(key);
  for (std::uint32_t i = 4096; i < b.size; i += 4096) {
    if (b.data[i] != expected) return false;
  }
  return b.data[b.size - 1] == expected;
}

// Charges what malloc really holds for a blob: one block of control block (16 B) + the bytes,
// as glibc rounds it (the cache adds its own per-entry overhead on top).
struct blob_weigher {
  std::size_t operator()(const std::uint64_t& /*key*/, const blob& b) const noexcept {
    return detail::malloc_chunk_bytes(std::size_t{b.size} + 2 * sizeof(void*));
  }
};

// Per-tenant state (think: parsed configuration, a connection pool), shared by the requests of
// one tenant and kept by the registry while idle.
constexpr std::size_t tenant_state_bytes = 32 * 1024;
constexpr std::uint64_t tenant_count = 2048;
struct tenant_state {
  explicit tenant_state(std::uint64_t id) : config(tenant_state_bytes, static_cast<char>(id)) {}
  std::vector<char> config;
};

// One request as recorded in the metrics ring.
struct request_sample {
  std::uint32_t latency_ns = 0;
  std::uint32_t key = 0;
  bool hit = false;
};

// Zipf(s) over ranks 0..n-1 by inverse CDF (binary search over n doubles).
class zipf_distribution {
 public:
  zipf_distribution(std::size_t n, double s) : cdf_(n) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      sum += 1.0 / std::pow(static_cast<double>(i + 1), s);
      cdf_[i] = sum;
    }
    for (double& c : cdf_) c /= sum;
  }
  template <class Rng>
  std::uint64_t operator()(Rng& rng) const {
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    const auto it = std::lower_bound(cdf_.begin(), cdf_.end(), u);
    return static_cast<std::uint64_t>(std::min<std::ptrdiff_t>(
        it - cdf_.begin(), static_cast<std::ptrdiff_t>(cdf_.size()) - 1));
  }

 private:
  std::vector<double> cdf_;
};

// ---- the two stores ------------------------------------------------------------------------

struct store_view {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;     // bytes charged for values (what the store holds)
  std::uint64_t capacity = 0;  // byte capacity now (0: unbounded)
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;
  std::uint64_t pressure_evictions = 0;
};

template <class R>
blob unwrap(R&& r) {
  if constexpr (std::is_same_v<std::decay_t<R>, blob>) {
    return std::forward<R>(r);
  } else {
    return r ? *std::forward<R>(r) : blob{};  // std::optional<blob>
  }
}

using value_cache = concurrent_cache<std::uint64_t, blob, policy::sieve, std::hash<std::uint64_t>,
                                     blob_weigher>;

// The membound cache: byte-bounded, SIEVE (reads only set a bit), attached to the monitor.
class bounded_store {
 public:
  explicit bounded_store(const cache_options& o) : cache_(o) {}

  blob get_or_load(std::uint64_t key, bool& hit) {
    bool loaded = false;
    blob b = unwrap(cache_.get_or_load(key, [&loaded, key] {
      loaded = true;
      return load_value(key);
    }));
    hit = !loaded;
    return b;
  }
  store_view view() const {
    const cache_stats s = cache_.stats();
    return {s.size,   s.charged_bytes, s.capacity_bytes,          s.hits,
            s.misses, s.evictions,     s.pressure_evictions};
  }
  value_cache& cache() noexcept { return cache_; }

 private:
  value_cache cache_;
};

// What membound replaces: a mutex-guarded std::unordered_map that never evicts.
class unbounded_store {
 public:
  blob get_or_load(std::uint64_t key, bool& hit) {
    {
      detail::lock_guard lock(mu_);
      if (auto it = map_.find(key); it != map_.end()) {
        ++hits_;
        hit = true;
        return it->second;
      }
      ++misses_;
    }
    hit = false;
    blob b = load_value(key);  // outside the lock, as a service would
    detail::lock_guard lock(mu_);
    auto [it, inserted] = map_.emplace(key, b);
    if (inserted) bytes_ += blob_weigher{}(key, b);
    return it->second;
  }
  store_view view() const {
    detail::lock_guard lock(mu_);
    return {map_.size(), bytes_, 0, hits_, misses_, 0, 0};
  }

 private:
  mutable detail::mutex mu_;
  std::unordered_map<std::uint64_t, blob> map_ MEMBOUND_GUARDED_BY(mu_);
  std::uint64_t bytes_ MEMBOUND_GUARDED_BY(mu_) = 0;
  std::uint64_t hits_ MEMBOUND_GUARDED_BY(mu_) = 0;
  std::uint64_t misses_ MEMBOUND_GUARDED_BY(mu_) = 0;
};

// ---- output --------------------------------------------------------------------------------

// Serialises lines printed by the monitor thread (events, shrink passes) and the main thread
// (status). Silent in --json mode.
class printer {
 public:
  printer(bool quiet, steady_clock::time_point start) : quiet_(quiet), start_(start) {}

  template <class... Args>
  void line(fmt::format_string<Args...> f, Args&&... args) {
    if (quiet_) return;
    const double t = std::chrono::duration<double>(steady_clock::now() - start_).count();
    std::string s = fmt::format("[{:5.1f}s] ", t);
    s += fmt::format(f, std::forward<Args>(args)...);
    s += '\n';
    std::lock_guard lock(mu_);
    std::fputs(s.c_str(), stdout);
    std::fflush(stdout);
  }
  bool quiet() const noexcept { return quiet_; }

 private:
  std::mutex mu_;
  bool quiet_;
  steady_clock::time_point start_;
};

// A shrinkable that forwards to a container and prints what each shrink pass (and the first and
// last regrow step) did: the monitor drives the wrapper, the wrapper drives the container.
class reporting_shrinkable final : public shrinkable {
 public:
  // `unit` formats a capacity of this container ("128.0 MiB", "4096 entries").
  reporting_shrinkable(shrinkable& inner, printer& out,
                       std::function<std::string(std::uint64_t)> unit)
      : inner_(inner), out_(out), unit_(std::move(unit)) {}

  std::string name() const override { return inner_.name(); }
  std::size_t memory_bytes() const noexcept override { return inner_.memory_bytes(); }
  shrinkable_stats stats_snapshot() const override { return inner_.stats_snapshot(); }

  shrink_result shrink(const shrink_request& request) override {
    const std::uint64_t before = inner_.stats_snapshot().capacity;
    const shrink_result r = inner_.shrink(request);
    const std::uint64_t after = inner_.stats_snapshot().capacity;
    out_.line("  shrink {:<15} {} ({}): capacity {} -> {}, dropped {} entries, {:.1f} MiB",
              inner_.name(), to_string(request.level),
              request.relative_to_current ? "re-applied" : "entering",
              unit_(before), unit_(after), r.entries, static_cast<double>(r.bytes) / mib);
    regrowing_.store(false, std::memory_order_relaxed);
    return r;
  }

  bool regrow(double step_fraction) override {
    const bool first = !regrowing_.exchange(true, std::memory_order_relaxed);
    const bool more = inner_.regrow(step_fraction);
    if (first) {
      out_.line("  regrow {:<15} started: capacity {}", inner_.name(),
                unit_(inner_.stats_snapshot().capacity));
    }
    if (!more) {
      regrowing_.store(false, std::memory_order_relaxed);
      out_.line("  regrow {:<15} back to its configured capacity {}", inner_.name(),
                unit_(inner_.stats_snapshot().capacity));
    }
    return more;
  }

 private:
  shrinkable& inner_;
  printer& out_;
  std::function<std::string(std::uint64_t)> unit_;
  std::atomic<bool> regrowing_{false};
};

std::string mib_string(std::uint64_t bytes) {
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / mib);
}

// ---- the run -------------------------------------------------------------------------------

using tenant_registry = object_registry<std::uint64_t, tenant_state>;
using sample_list = bounded_list<request_sample>;

struct run_totals {
  std::uint64_t requests = 0;
  std::uint64_t hits = 0;
  std::uint64_t corrupt = 0;  // values that failed value_ok(): must stay 0
};

// Sizes derived from the budget (see docs/demo.md for the reasoning).
struct demo_sizes {
  std::uint64_t budget_bytes = 0;
  std::uint64_t baseline_rss = 0;
  std::uint64_t cache_bytes = 0;
  std::uint64_t cache_min_bytes = 0;
  std::size_t registry_max_idle = 0;
  std::size_t metrics_capacity = 0;
  std::size_t keys = 0;
};

// Cache shards. Fewer than the automatic 4 × cores: a byte-bounded concurrent_cache frees evicted
// entries in batches per shard (epoch-based reclamation, up to 256 retired entries per shard), and
// with 4–64 KiB values each parked batch is ~8.5 MiB; two shards keep that under ~17 MiB. Reads
// are lock-free, so the only cost is more contention on misses.
constexpr std::size_t cache_shards = 2;
constexpr double retired_per_shard = 256;

demo_sizes size_for(const demo_config& c, std::uint64_t baseline_rss) {
  demo_sizes s;
  s.budget_bytes = c.budget_mb * mib_bytes;
  s.baseline_rss = baseline_rss;
  const double budget = static_cast<double>(s.budget_bytes);
  // Working set: about 4× the budget of distinct values.
  s.keys = static_cast<std::size_t>(4.0 * budget / mean_value_bytes);
  // What the process holds besides live cache values: its own RSS at start, evicted values still
  // awaiting reclamation, and the values requests are building or reading.
  const double overhead = static_cast<double>(baseline_rss) +
                          cache_shards * retired_per_shard * mean_value_bytes +
                          2.0 * c.threads * max_value_bytes;
  // The cache's hard byte bound: 55 % of the budget minus that overhead, so the configured total
  // (cache + tenants + metrics + allocator slack) crosses the ELEVATED line (60 %) and the monitor
  // has work to do, while the hard bound alone stays well under the budget. At least 10 %.
  s.cache_bytes = static_cast<std::uint64_t>(std::max(0.55 * budget - overhead, 0.10 * budget));
  s.cache_min_bytes = s.cache_bytes / 10;
  // Idle tenants: 4 % of the budget.
  s.registry_max_idle = static_cast<std::size_t>(0.04 * budget / (tenant_state_bytes + 64));
  // Metrics ring: 2 % of the budget.
  s.metrics_capacity = static_cast<std::size_t>(0.02 * budget / sizeof(request_sample));
  return s;
}

template <class Store>
void request_loop(Store& store, tenant_registry& tenants, sample_list& metrics,
                  const zipf_distribution& zipf, unsigned seed, const std::atomic<bool>& stop,
                  run_totals& totals) {
  std::mt19937_64 rng(seed);
  run_totals local;
  while (!stop.load(std::memory_order_relaxed)) {
    const auto start = steady_clock::now();
    const std::uint64_t key = mix(zipf(rng));  // rank -> scattered key id
    const std::uint64_t tenant_id = key % tenant_count;
    std::shared_ptr<tenant_state> tenant = tenants.get_or_create(
        tenant_id, [tenant_id] { return std::make_shared<tenant_state>(tenant_id); });
    bool hit = false;
    const blob value = store.get_or_load(key, hit);
    if (!value_ok(key, value) || tenant->config.empty()) ++local.corrupt;
    ++local.requests;
    local.hits += hit ? 1 : 0;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(steady_clock::now() - start);
    metrics.push(request_sample{static_cast<std::uint32_t>(std::min<std::int64_t>(ns.count(), UINT32_MAX)),
                                static_cast<std::uint32_t>(key), hit});
  }
  totals = local;
}

std::uint64_t percentile_ns(std::vector<request_sample> samples, double p) {
  if (samples.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1));
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(k), samples.end(),
                   [](const request_sample& a, const request_sample& b) {
                     return a.latency_ns < b.latency_ns;
                   });
  return samples[k].latency_ns;
}

// glibc tuning for this process (the library itself never changes process-wide knobs).
void tune_malloc() {
  // Two arenas instead of 8 per core: fewer heaps for 4–64 KiB blocks to fragment across, and
  // less memory parked in per-arena free lists. Request threads still rarely contend.
  ::mallopt(M_ARENA_MAX, 2);
  // Fixed thresholds (setting them disables glibc's dynamic mmap threshold, which would otherwise
  // move 128 KiB+ blocks into the heaps after the first large free).
  ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  ::mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
}

template <class Store>
int run_demo(const demo_config& cfg, Store& store, bool attach_containers,
             const demo_sizes& sizes, steady_clock::time_point start, printer& out,
             nlohmann::ordered_json& summary) {
  tenant_registry tenants([&] {
    object_registry_options o;
    o.name = "demo.tenants";
    o.max_idle = sizes.registry_max_idle;
    o.min_idle = std::min<std::size_t>(16, sizes.registry_max_idle);
    o.instance_bytes = detail::malloc_chunk_bytes(tenant_state_bytes) +
                       detail::malloc_chunk_bytes(sizeof(tenant_state) + 2 * sizeof(void*));
    return o;
  }());
  sample_list metrics([&] {
    bounded_list_options o;
    o.name = "demo.latencies";
    o.capacity = sizes.metrics_capacity;
    o.min_capacity = std::min<std::size_t>(4096, sizes.metrics_capacity);
    return o;
  }());

  // The monitor: the production level machine with its time constants compressed ~10× so a
  // 20 s run shows escalation, shrinking, stepping down and regrowth.
  monitor_options mo;
  mo.name = "demo";
  mo.interval = std::chrono::milliseconds(200);
  mo.fast_interval = std::chrono::milliseconds(100);
  mo.thresholds.dwell = std::chrono::milliseconds(2000);
  mo.redispatch_elevated = std::chrono::milliseconds(4000);
  mo.redispatch_high = std::chrono::milliseconds(1500);
  mo.redispatch_critical = std::chrono::milliseconds(500);
  mo.regrow_after = std::chrono::milliseconds(4000);
  mo.regrow_step = 0.05;
  mo.release_min_interval = std::chrono::milliseconds(1000);
  pressure_monitor monitor(make_process_budget_source(sizes.budget_bytes), mo);

  std::atomic<int> max_level{0};
  auto subscription = monitor.subscribe([&](const pressure_event& e) {
    int seen = max_level.load();
    while (static_cast<int>(e.level) > seen && !max_level.compare_exchange_weak(seen, static_cast<int>(e.level))) {
    }
    if (e.repeat) {
      out.line("pressure {} holds at {} ({:.1f} % of budget): {}", to_string(e.level),
               mib_string(e.sample.used_bytes), e.sample.ratio() * 100.0,
               attach_containers ? "re-applying" : "nothing attached to shrink");
    } else {
      out.line("pressure {} -> {} at {} of {} ({:.1f} %){}", to_string(e.previous),
               to_string(e.level), mib_string(e.sample.used_bytes), mib_string(e.sample.limit_bytes),
               e.sample.ratio() * 100.0,
               e.target_bytes > 0 ? fmt::format(", {} to free", mib_string(e.target_bytes)) : "");
    }
  });

  std::vector<std::unique_ptr<reporting_shrinkable>> wrappers;
  std::vector<pressure_monitor::attachment> attachments;
  if constexpr (std::is_same_v<Store, bounded_store>) {
    if (attach_containers) {
      wrappers.push_back(std::make_unique<reporting_shrinkable>(store.cache(), out, [](std::uint64_t c) {
        return mib_string(c);
      }));
    }
  }
  if (attach_containers) {
    wrappers.push_back(std::make_unique<reporting_shrinkable>(
        tenants, out, [](std::uint64_t c) { return fmt::format("{} idle", c); }));
    wrappers.push_back(std::make_unique<reporting_shrinkable>(
        metrics, out, [](std::uint64_t c) { return fmt::format("{} samples", c); }));
    for (auto& w : wrappers) attachments.push_back(monitor.attach(*w));
  }

  // Declared after the monitor, so it stops before the monitor goes away.
  const admin_start admin = start_admin(cfg.admin, monitor, "demo");
  if (!admin.ok) return exit_failure;

  const zipf_distribution zipf(sizes.keys, 0.99);
  monitor.start();

  std::atomic<bool> stop{false};
  std::vector<run_totals> totals(cfg.threads);
  std::vector<std::thread> threads;
  threads.reserve(cfg.threads);
  for (unsigned t = 0; t < cfg.threads; ++t) {
    threads.emplace_back([&, t] {
      request_loop(store, tenants, metrics, zipf, 1000 + t, stop, totals[t]);
    });
  }

  // Status once a second, plus what malloc_trim gave back since the last line.
  const auto end = start + std::chrono::seconds(cfg.duration_s);
  monitor_stats last = monitor.stats();
  store_view last_view = store.view();
  while (steady_clock::now() < end) {
    std::this_thread::sleep_until(std::min(end, steady_clock::now() + std::chrono::seconds(1)));
    const monitor_stats ms = monitor.stats();
    const store_view v = store.view();
    if (ms.os_releases > last.os_releases) {
      out.line("  malloc_trim: {} call(s) returned {} to the OS in {:.1f} ms",
               ms.os_releases - last.os_releases,
               mib_string(ms.bytes_returned_to_os - last.bytes_returned_to_os),
               std::chrono::duration<double, std::milli>(ms.release_time - last.release_time).count());
    }
    const std::uint64_t reads = (v.hits + v.misses) - (last_view.hits + last_view.misses);
    const double hit_rate =
        reads == 0 ? 0.0 : 100.0 * static_cast<double>(v.hits - last_view.hits) / static_cast<double>(reads);
    const std::uint64_t rss = current_rss_bytes();
    out.line("rss {:>9} ({:5.1f} %) {:<8} | {:6} req/s hit {:4.1f} % | store {:6} values {:>9}{} | "
             "tenants {:4} | samples {}",
             mib_string(rss), 100.0 * static_cast<double>(rss) / static_cast<double>(sizes.budget_bytes),
             to_string(monitor.level()), reads, hit_rate, v.entries, mib_string(v.bytes),
             v.capacity > 0 ? fmt::format(" / {}", mib_string(v.capacity)) : std::string(" (unbounded)"),
             tenants.size(), metrics.size());
    last = ms;
    last_view = v;
  }
  stop.store(true);
  for (auto& th : threads) th.join();
  const double elapsed = std::chrono::duration<double>(steady_clock::now() - start).count();
  monitor.stop();
  const monitor_stats ms = monitor.stats();

  run_totals all;
  for (const run_totals& t : totals) {
    all.requests += t.requests;
    all.hits += t.hits;
    all.corrupt += t.corrupt;
  }
  const std::uint64_t peak = peak_rss_bytes();
  const std::uint64_t final_rss = current_rss_bytes();
  const double peak_ratio = static_cast<double>(peak) / static_cast<double>(sizes.budget_bytes);
  const store_view v = store.view();
  const shrinkable_stats ts = tenants.stats_snapshot();
  const shrinkable_stats ls = metrics.stats_snapshot();
  const std::vector<request_sample> samples = metrics.snapshot();
  const double hit_rate =
      all.requests == 0 ? 0.0 : static_cast<double>(all.hits) / static_cast<double>(all.requests);
  const bool within = peak_ratio <= 1.10;

  summary = {
      {"mode", cfg.unbounded ? "unbounded" : "bounded"},
      {"budget_bytes", sizes.budget_bytes},
      {"budget_mb", cfg.budget_mb},
      {"duration_s", elapsed},
      {"threads", cfg.threads},
      {"baseline_rss_bytes", sizes.baseline_rss},
      {"peak_rss_bytes", peak},
      {"peak_rss_mb", static_cast<double>(peak) / mib},
      {"peak_rss_ratio", peak_ratio},
      {"within_budget", within},
      {"final_rss_bytes", final_rss},
      {"requests", all.requests},
      {"requests_per_s", static_cast<double>(all.requests) / elapsed},
      {"hit_rate", hit_rate},
      {"corrupt_values", all.corrupt},
      {"latency_p50_ns", percentile_ns(samples, 0.50)},
      {"latency_p99_ns", percentile_ns(samples, 0.99)},
      {"max_level", std::string(to_string(static_cast<pressure_level>(max_level.load())))},
      {"level_transitions", ms.level_transitions},
      {"shrink_passes", ms.shrink_passes},
      {"regrow_steps", ms.regrow_steps},
      {"entries_freed", ms.entries_freed},
      {"bytes_freed", ms.bytes_freed},
      {"os_releases", ms.os_releases},
      {"bytes_returned_to_os", ms.bytes_returned_to_os},
      {"release_time_ms", std::chrono::duration<double, std::milli>(ms.release_time).count()},
      {"pressure_evictions", v.pressure_evictions + ts.pressure_evictions + ls.pressure_evictions},
      {"store",
       {{"kind", cfg.unbounded ? "std::unordered_map (never evicts)" : "membound::concurrent_cache<sieve>"},
        {"entries", v.entries},
        {"bytes", v.bytes},
        {"capacity_bytes", v.capacity},
        {"hits", v.hits},
        {"misses", v.misses},
        {"evictions", v.evictions},
        {"pressure_evictions", v.pressure_evictions}}},
      {"tenants",
       {{"size", ts.size},
        {"live", ts.live},
        {"idle_capacity", ts.capacity},
        {"max_idle", ts.configured_capacity},
        {"bytes", ts.bytes},
        {"pressure_evictions", ts.pressure_evictions}}},
      {"metrics",
       {{"size", ls.size},
        {"capacity", ls.capacity},
        {"configured_capacity", ls.configured_capacity},
        {"dropped", ls.dropped},
        {"bytes", ls.bytes},
        {"pressure_evictions", ls.pressure_evictions}}},
  };

  if (!out.quiet()) {
    std::printf("\nmembound demo summary (%s, budget %s, %.1f s, %u threads)\n",
                cfg.unbounded ? "unbounded std::unordered_map" : "bounded membound containers",
                mib_string(sizes.budget_bytes).c_str(), elapsed, cfg.threads);
    std::printf("  peak RSS (VmHWM)    %s = %.1f %% of the budget%s\n", mib_string(peak).c_str(),
                100.0 * peak_ratio,
                cfg.unbounded ? (peak_ratio > 1.0 ? "  <- over budget: nothing bounds it" : "")
                              : (within ? "  (limit 110 %: OK)" : "  (limit 110 %: EXCEEDED)"));
    std::printf("  final RSS           %s\n", mib_string(final_rss).c_str());
    std::printf("  requests            %llu (%.0f/s), hit rate %.1f %%, p50 %.1f us, p99 %.1f us\n",
                static_cast<unsigned long long>(all.requests),
                static_cast<double>(all.requests) / elapsed, 100.0 * hit_rate,
                static_cast<double>(percentile_ns(samples, 0.50)) / 1000.0,
                static_cast<double>(percentile_ns(samples, 0.99)) / 1000.0);
    std::printf("  store               %llu values, %s%s\n", static_cast<unsigned long long>(v.entries),
                mib_string(v.bytes).c_str(),
                v.capacity > 0 ? (" of " + mib_string(v.capacity) + " capacity").c_str() : "");
    std::printf("  pressure            max level %s, %llu transitions, %llu shrink passes, %llu regrow steps\n",
                std::string(to_string(static_cast<pressure_level>(max_level.load()))).c_str(),
                static_cast<unsigned long long>(ms.level_transitions),
                static_cast<unsigned long long>(ms.shrink_passes),
                static_cast<unsigned long long>(ms.regrow_steps));
    std::printf("  pressure evictions  cache %llu, tenants %llu, samples %llu\n",
                static_cast<unsigned long long>(v.pressure_evictions),
                static_cast<unsigned long long>(ts.pressure_evictions),
                static_cast<unsigned long long>(ls.pressure_evictions));
    std::printf("  memory given back   %s freed logically; %s returned to the OS by %llu malloc_trim calls (%.1f ms)\n",
                mib_string(ms.bytes_freed).c_str(), mib_string(ms.bytes_returned_to_os).c_str(),
                static_cast<unsigned long long>(ms.os_releases),
                std::chrono::duration<double, std::milli>(ms.release_time).count());
  }
  if (all.corrupt != 0) {
    std::fprintf(stderr, "membound demo: %llu requests read a wrong value\n",
                 static_cast<unsigned long long>(all.corrupt));
    return exit_failure;
  }
  return exit_ok;
}

int run(const demo_config& cfg) {
  validate(cfg);
  tune_malloc();
  // The demo prints level changes itself; keep the library's own log lines to errors.
  logger()->set_level(spdlog::level::err);

  const auto start = steady_clock::now();
  const demo_sizes sizes = size_for(cfg, current_rss_bytes());
  printer out(cfg.json, start);
  out.line("membound demo: {} threads, budget {}, {} keys of 4-64 KiB (working set ~{}), {} s",
           cfg.threads, mib_string(sizes.budget_bytes), sizes.keys,
           mib_string(static_cast<std::uint64_t>(static_cast<double>(sizes.keys) * mean_value_bytes)),
           cfg.duration_s);

  nlohmann::ordered_json summary;
  int rc = exit_ok;
  if (cfg.unbounded) {
    out.line("store: std::unordered_map behind a mutex, never evicts (nothing attached to the monitor)");
    unbounded_store store;
    rc = run_demo(cfg, store, false, sizes, start, out, summary);
  } else {
    cache_options o;
    o.name = "demo.values";
    o.max_bytes = sizes.cache_bytes;
    o.min_bytes = sizes.cache_min_bytes;
    o.shards = cache_shards;
    out.line("store: membound cache (sieve, {} shards), max_bytes {}; tenants: registry, max_idle {}; "
             "latencies: bounded_list of {}",
             cache_shards, mib_string(sizes.cache_bytes), sizes.registry_max_idle,
             sizes.metrics_capacity);
    bounded_store store(o);
    rc = run_demo(cfg, store, true, sizes, start, out, summary);
  }
  if (cfg.json) std::printf("%s\n", summary.dump().c_str());
  if (rc == exit_ok && !cfg.unbounded && !summary["within_budget"].get<bool>()) {
    std::fprintf(stderr, "membound demo: peak RSS %.1f MiB exceeded 110 %% of the %s budget\n",
                 summary["peak_rss_mb"].get<double>(), mib_string(sizes.budget_bytes).c_str());
    return exit_failure;
  }
  return rc;
}

}  // namespace

command add_demo_command(CLI::App& parent) {
  auto cfg = std::make_shared<demo_config>();
  command c;
  c.app = parent.add_subcommand(
      "demo",
      "Run a service-like workload under a memory budget and show membound keeping it bounded");
  c.app->add_option("--budget-mb", cfg->budget_mb, "Memory budget for the process, in MiB")
      ->capture_default_str()
      ->check(unsigned_validator());
  c.app->add_option("--duration-s", cfg->duration_s, "How long to run, in seconds")
      ->capture_default_str();
  c.app->add_option("--threads", cfg->threads, "Request threads")->capture_default_str();
  c.app->add_flag("--unbounded", cfg->unbounded,
                  "Use a plain std::unordered_map cache that never evicts (what membound prevents)");
  c.app->add_flag("--json", cfg->json, "Print only the summary, as one JSON object");
  add_admin_flags(*c.app, cfg->admin, /*with_db=*/false);
  c.run = [cfg] { return run(*cfg); };
  return c;
}

}  // namespace membound::cli
