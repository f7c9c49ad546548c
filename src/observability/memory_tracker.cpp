#include "membound/observability/memory_tracker.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "membound/detail/throw.hpp"
#include "membound/log.hpp"
#include "observability/json_fields.hpp"
#include "observability/prometheus_text.hpp"

namespace membound {

std::uint64_t read_process_rss() noexcept {
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128];
  const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  unsigned long long size = 0;
  unsigned long long resident = 0;
  if (std::sscanf(buf, "%llu %llu", &size, &resident) != 2) return 0;
  const long page = ::sysconf(_SC_PAGESIZE);
  return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(page > 0 ? page : 4096);
}

memory_tracker::memory_tracker(memory_tracker_options options) : options_(std::move(options)) {
  if (options_.history == 0) {
    detail::throw_invalid_argument("memory_tracker_options", "history", "must be at least 1");
  }
  if (options_.max_names == 0) {
    detail::throw_invalid_argument("memory_tracker_options", "max_names", "must be at least 1");
  }
  if (!options_.rss) options_.rss = [] { return read_process_rss(); };
  ring_.set_capacity(options_.history);
}

std::uint64_t memory_tracker::current_rss() const { return options_.rss(); }
time_point memory_tracker::now() const { return membound::now(options_.clock); }

void memory_tracker::record(scope_record r) {
  if (options_.log_scopes) {
    logger()->info("membound: {} '{}': rss {} -> {} bytes ({:+} bytes) in {:.3f} s",
                   to_string(r.kind), r.name, r.rss_start_bytes, r.rss_end_bytes, r.delta_bytes(),
                   std::chrono::duration<double>(r.duration()).count());
  }
  {
    detail::lock_guard lock(mu_);
    auto key = std::make_pair(r.kind, r.name);
    auto it = totals_.find(key);
    if (it == totals_.end()) {
      if (totals_.size() >= options_.max_names) key.second = "other";
      it = totals_.try_emplace(key).first;
      it->second.kind = key.first;
      it->second.name = key.second;
    }
    auto& t = it->second;
    const auto d = r.delta_bytes();
    t.max_delta_bytes = t.count == 0 ? d : std::max(t.max_delta_bytes, d);
    ++t.count;
    t.total_delta_bytes += d;
    t.last_delta_bytes = d;
    t.total_time += r.duration();
    if (ring_.full()) ++dropped_;
    ring_.push_back(r);
  }
  channel_.emit(r);
}

std::vector<scope_record> memory_tracker::history() const {
  detail::lock_guard lock(mu_);
  return {ring_.begin(), ring_.end()};
}

std::vector<scope_totals> memory_tracker::totals() const {
  std::vector<scope_totals> out;
  {
    detail::lock_guard lock(mu_);
    out.reserve(totals_.size());
    for (const auto& [k, v] : totals_) out.push_back(v);
  }
  std::stable_sort(out.begin(), out.end(), [](const scope_totals& a, const scope_totals& b) {
    return a.total_delta_bytes > b.total_delta_bytes;
  });
  return out;
}

subscription_handle memory_tracker::subscribe(std::function<void(const scope_record&)> callback) {
  return channel_.subscribe(std::move(callback));
}

std::uint64_t memory_tracker::dropped() const {
  detail::lock_guard lock(mu_);
  return dropped_;
}

namespace detail {

tracked_scope::tracked_scope(memory_tracker& tracker, scope_kind kind, std::string name)
    : tracker_(&tracker) {
  record_.kind = kind;
  record_.name = std::move(name);
  record_.start = tracker.now();
  record_.rss_start_bytes = tracker.current_rss();
}

tracked_scope::~tracked_scope() { end(); }

void tracked_scope::end() noexcept {
  if (!open_) return;
  open_ = false;
  try {
    record_.end = tracker_->now();
    record_.rss_end_bytes = tracker_->current_rss();
    tracker_->record(std::move(record_));
  } catch (...) {
    // Dropping one record is better than terminating in a destructor.
  }
}

std::int64_t tracked_scope::delta_so_far() const {
  return static_cast<std::int64_t>(tracker_->current_rss()) -
         static_cast<std::int64_t>(record_.rss_start_bytes);
}

}  // namespace detail

std::string to_json(const memory_tracker& tracker) {
  nlohmann::json records = nlohmann::json::array();
  for (const auto& r : tracker.history()) {
    records.push_back({{"kind", std::string(to_string(r.kind))},
                       {"name", r.name},
                       {"rss_start_bytes", r.rss_start_bytes},
                       {"rss_end_bytes", r.rss_end_bytes},
                       {"delta_bytes", r.delta_bytes()},
                       {"duration_s", std::chrono::duration<double>(r.duration()).count()}});
  }
  nlohmann::json totals = nlohmann::json::array();
  for (const auto& t : tracker.totals()) {
    totals.push_back({{"kind", std::string(to_string(t.kind))},
                      {"name", t.name},
                      {"count", t.count},
                      {"total_delta_bytes", t.total_delta_bytes},
                      {"max_delta_bytes", t.max_delta_bytes},
                      {"last_delta_bytes", t.last_delta_bytes},
                      {"total_time_s", std::chrono::duration<double>(t.total_time).count()}});
  }
  return detail::dump({{"records", std::move(records)},
                       {"totals", std::move(totals)},
                       {"dropped", tracker.dropped()},
                       {"rss_bytes", tracker.current_rss()}});
}

std::string to_prometheus(const memory_tracker& tracker) {
  const auto totals = tracker.totals();
  std::string out;
  if (totals.empty()) return out;
  detail::prom_writer w(out);
  auto each = [&](std::string_view name, std::string_view type, std::string_view help,
                  auto value_of) {
    w.family(name, type, help);
    for (const auto& t : totals) {
      w.sample(name, {{"kind", to_string(t.kind)}, {"name", t.name}}, value_of(t));
    }
  };
  each("membound_scope_runs_total", "counter", "Completed stage/component scopes.",
       [](const scope_totals& t) { return t.count; });
  each("membound_scope_last_rss_delta_bytes", "gauge", "RSS change over the last completed scope.",
       [](const scope_totals& t) { return static_cast<double>(t.last_delta_bytes); });
  each("membound_scope_rss_delta_sum_bytes", "gauge", "Sum of RSS changes over all scopes.",
       [](const scope_totals& t) { return static_cast<double>(t.total_delta_bytes); });
  each("membound_scope_max_rss_delta_bytes", "gauge", "Largest RSS change of one scope.",
       [](const scope_totals& t) { return static_cast<double>(t.max_delta_bytes); });
  each("membound_scope_seconds_total", "counter", "Time spent inside scopes.",
       [](const scope_totals& t) { return std::chrono::duration<double>(t.total_time).count(); });
  return out;
}

}  // namespace membound
