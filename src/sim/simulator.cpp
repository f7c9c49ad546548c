// The replay loop (one template instance per policy), the size and schedule parsers, and the
// TBB grid.
#include "membound/sim/simulator.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include "membound/detail/flat_map.hpp"
#include "membound/detail/throw.hpp"
#include "membound/policy/policies.hpp"
#include "text.hpp"

namespace membound::sim {

namespace {

using policy::handle;
using policy::no_handle;

template <class... P>
struct type_list {};

using all_policies =
    type_list<policy::lru, policy::fifo, policy::clock, policy::sieve, policy::s3fifo, policy::s3fifo_static,
              policy::w_tinylfu, policy::w_tinylfu_climber, policy::arc, policy::lirs, policy::two_queue,
              policy::slru, policy::belady>;

constexpr std::array<std::string_view, 13> names{
    policy::lru::name,       policy::fifo::name,      policy::clock::name,     policy::sieve::name,
    policy::s3fifo::name,    policy::s3fifo_static::name, policy::w_tinylfu::name, policy::w_tinylfu_climber::name,
    policy::arc::name,       policy::lirs::name,      policy::two_queue::name, policy::slru::name,
    policy::belady::name};

// Capacity bookkeeping for pressure replay.
class capacity_driver {
 public:
  capacity_driver(std::uint64_t configured, const pressure_schedule* s)
      : configured_(configured), current_(configured), s_(s) {}

  std::uint64_t current() const noexcept { return current_; }

  // The next request index at which something may change (UINT64_MAX: never).
  std::uint64_t next_event() const noexcept {
    std::uint64_t e = UINT64_MAX;
    if (s_ != nullptr && next_ < s_->changes.size()) e = s_->changes[next_].request_index;
    if (level_ == pressure_level::normal && current_ < configured_ && normal_since_ != UINT64_MAX) {
      const std::uint64_t step_at =
          std::max(normal_since_ + s_->regrow_hold_requests, last_step_ + s_->regrow_step_requests);
      e = std::min(e, step_at);
    }
    return e;
  }

  // Applies what happens at request index i. Returns true when the capacity changed.
  bool advance(std::uint64_t i) {
    const std::uint64_t before = current_;
    while (s_ != nullptr && next_ < s_->changes.size() && s_->changes[next_].request_index <= i) {
      const pressure_level l = s_->changes[next_++].level;
      if (l > level_) {
        std::uint64_t target = current_;
        switch (l) {
          case pressure_level::elevated: target = configured_ * 3 / 4; break;
          case pressure_level::high: target = configured_ / 2; break;
          case pressure_level::critical: {
            const auto m = static_cast<std::uint64_t>(
                std::ceil(static_cast<double>(configured_) * s_->critical_fraction));
            target = std::max<std::uint64_t>(1, m);
            break;
          }
          case pressure_level::normal: break;
        }
        current_ = std::min(current_, target);
      }
      if (l == pressure_level::normal && level_ != pressure_level::normal) {
        normal_since_ = i;
        last_step_ = 0;
      }
      level_ = l;
    }
    if (level_ == pressure_level::normal && current_ < configured_ && normal_since_ != UINT64_MAX &&
        i >= normal_since_ + s_->regrow_hold_requests && i >= last_step_ + s_->regrow_step_requests) {
      const std::uint64_t step = std::max<std::uint64_t>(1, (configured_ + 19) / 20);
      current_ = std::min(configured_, current_ + step);
      last_step_ = i;
    }
    return current_ != before;
  }

 private:
  std::uint64_t configured_;
  std::uint64_t current_;
  const pressure_schedule* s_;
  std::size_t next_ = 0;
  pressure_level level_ = pressure_level::normal;
  std::uint64_t normal_since_ = UINT64_MAX;  // UINT64_MAX: no regrowth pending
  std::uint64_t last_step_ = 0;
};

template <class P>
sim_result replay(const trace& t, cache_size size, const sim_options& o) {
  constexpr bool needs_next = requires(P& p, handle h, std::uint64_t v) { p.set_next_access(h, v); };
  std::vector<std::uint32_t> local_next;
  const std::uint32_t* next = nullptr;
  if constexpr (needs_next) {
    if (t.has_next_access()) {
      next = t.next_access().data();
    } else {
      trace copy;
      copy.requests = t.requests;
      copy.keys.resize(t.keys.size());
      copy.compute_next_access();
      local_next = copy.next_access();
      next = local_next.data();
    }
  }

  const bool bytes = size.unit == capacity_unit::bytes;
  capacity_driver cap(size.value, o.pressure);
  std::uint64_t capacity = cap.current();
  P p(capacity);
  std::vector<handle> obj_handle(t.unique_objects(), no_handle);
  std::vector<std::uint32_t> handle_obj;
  std::vector<std::uint32_t> handle_weight;
  std::vector<handle> free_handles;
  handle_obj.reserve(std::min<std::size_t>(t.unique_objects(), bytes ? 1u << 16 : size.value + 1));
  handle_weight.reserve(handle_obj.capacity());

  sim_result r;
  r.policy = std::string(P::name);
  r.size = size;
  std::uint64_t used = 0;
  std::uint64_t hits = 0;
  std::uint64_t bytes_hit = 0;
  std::uint64_t evictions = 0;
  const request* reqs = t.requests.data();
  const std::size_t n = t.requests.size();

  auto evict_one = [&]() {
    const handle v = p.evict();
    used -= handle_weight[v];
    obj_handle[handle_obj[v]] = no_handle;
    free_handles.push_back(v);
    ++evictions;
  };

  const auto start = std::chrono::steady_clock::now();
  std::size_t i = 0;
  while (i < n) {
    if (o.pressure != nullptr) {
      if (cap.advance(i)) {
        capacity = cap.current();
        p.set_capacity(capacity);
        while (used > capacity && p.size() > 0) {
          evict_one();
          ++r.pressure_evictions;
        }
      }
    }
    std::size_t end = std::min<std::size_t>(n, i + (std::size_t{1} << 16));
    if (o.pressure != nullptr) {
      const std::uint64_t e = cap.next_event();
      if (e > i && e < end) end = static_cast<std::size_t>(e);
    }
    const std::size_t chunk_start = i;
    for (; i < end; ++i) {
      const request rq = reqs[i];
      handle h = obj_handle[rq.object];
      if (h != no_handle) {
        ++hits;
        bytes_hit += rq.size;
        if constexpr (needs_next) p.set_next_access(h, next[i] == trace::never ? P::never : next[i]);
        p.on_hit(h);
        continue;
      }
      const std::uint64_t w = bytes ? rq.size : 1;
      const std::uint64_t hash = detail::mix64(rq.object);
      policy::notify_miss(p, hash);
      if (w > capacity) continue;
      if constexpr (requires { p.can_admit(w); }) {
        if (!p.can_admit(w)) continue;
      }
      if constexpr (requires { p.expect_insert(w); }) p.expect_insert(w);
      while (used + w > capacity && p.size() > 0) evict_one();
      if (!free_handles.empty()) {
        h = free_handles.back();
        free_handles.pop_back();
        handle_obj[h] = rq.object;
        handle_weight[h] = static_cast<std::uint32_t>(w);
      } else {
        h = static_cast<handle>(handle_obj.size());
        handle_obj.push_back(rq.object);
        handle_weight.push_back(static_cast<std::uint32_t>(w));
      }
      obj_handle[rq.object] = h;
      used += w;
      if constexpr (needs_next) p.set_next_access(h, next[i] == trace::never ? P::never : next[i]);
      p.on_insert(h, hash, w);
    }
    if (o.progress != nullptr) o.progress->fetch_add(end - chunk_start, std::memory_order_relaxed);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.requests = n;
  r.hits = hits;
  r.bytes_requested = t.total_bytes;
  r.bytes_hit = bytes_hit;
  r.evictions = evictions;
  r.final_capacity = capacity;
  return r;
}

template <class... P>
sim_result dispatch(type_list<P...>, std::string_view name, const trace& t, cache_size size,
                    const sim_options& o) {
  sim_result r;
  const bool found = ((P::name == name ? (r = replay<P>(t, size, o), true) : false) || ...);
  if (!found) detail::throw_invalid_argument("sim", "policy", "is unknown: '" + std::string(name) + "'");
  return r;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::span<const std::string_view> policy_names() noexcept { return names; }

bool is_policy(std::string_view name) noexcept {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::optional<size_spec> parse_size_spec(std::string_view text) {
  size_spec s;
  s.text = std::string(text);
  std::string t = lower(text);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  // Plain decimal only: std::stod also took hex ("0x10"), exponents, "inf" and leading blanks.
  if (t.empty() || !std::isdigit(static_cast<unsigned char>(t[0]))) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v, std::chars_format::fixed);
  if (ec != std::errc() || !(v > 0) || end[-1] == '.') return std::nullopt;
  const std::string_view number(t.data(), static_cast<std::size_t>(end - t.data()));
  const std::string unit = t.substr(static_cast<std::size_t>(end - t.data()));
  if (number.find('.') == std::string_view::npos) {
    // A whole number: read it exactly, since a double rounds 2^53 + 1 down to 2^53.
    std::uint64_t whole = 0;
    const auto r = std::from_chars(number.data(), number.data() + number.size(), whole);
    if (r.ec != std::errc() || whole > static_cast<std::uint64_t>(max_size_value)) return std::nullopt;
  }
  if (unit.empty()) {
    if (number.find('.') != std::string_view::npos) return std::nullopt;
    s.type = size_spec::kind::entries;
  } else if (unit == "%") {
    s.type = size_spec::kind::percent;
    if (v > 100) return std::nullopt;
  } else {
    static constexpr std::array<std::pair<std::string_view, double>, 13> units{{
        {"b", 1.0}, {"k", 1e3}, {"kb", 1e3}, {"kib", 1024.0}, {"m", 1e6}, {"mb", 1e6},
        {"mib", 1048576.0}, {"g", 1e9}, {"gb", 1e9}, {"gib", 1073741824.0}, {"tb", 1e12},
        {"tib", 1099511627776.0}, {"t", 1e12}}};
    const auto it = std::find_if(units.begin(), units.end(), [&](const auto& u) { return u.first == unit; });
    if (it == units.end()) return std::nullopt;
    s.type = size_spec::kind::bytes;
    v = std::floor(v * it->second);
    if (v < 1) return std::nullopt;
  }
  // The value is a double: exact, and safe to convert to std::uint64_t, up to 2^53.
  if (v > max_size_value) return std::nullopt;
  s.value = v;
  return s;
}

cache_size resolve(const size_spec& spec, const trace& t) {
  switch (spec.type) {
    case size_spec::kind::entries: return {static_cast<std::uint64_t>(spec.value), capacity_unit::entries};
    case size_spec::kind::percent: {
      const double e = std::round(static_cast<double>(t.unique_objects()) * spec.value / 100.0);
      return {std::max<std::uint64_t>(1, static_cast<std::uint64_t>(e)), capacity_unit::entries};
    }
    case size_spec::kind::bytes: return {static_cast<std::uint64_t>(spec.value), capacity_unit::bytes};
  }
  return {};
}

std::optional<pressure_schedule> load_pressure_schedule(const std::string& path, std::string& error) {
  if (internal::is_directory(path)) {
    error = path + ": is a directory, not a pressure schedule";
    return std::nullopt;
  }
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot open the pressure schedule";
    return std::nullopt;
  }
  pressure_schedule s;
  std::string line;
  std::uint64_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    std::array<std::string_view, 3> fields;  // a third field is an error
    const std::size_t n = internal::split_ws(line, fields);
    if (n == 0 || fields[0].front() == '#') continue;
    const std::string at = path + ": line " + std::to_string(lineno) + ": ";
    std::optional<pressure_level> level;
    if (n == 2) {
      const std::string name = lower(fields[1]);
      for (auto c : {pressure_level::normal, pressure_level::elevated, pressure_level::high,
                     pressure_level::critical}) {
        if (name == to_string(c)) level = c;
      }
    }
    std::uint64_t index = 0;
    std::string_view f = fields[0];
    if (f.size() > 1 && f.front() == '+') f.remove_prefix(1);
    const auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), index);
    const bool digits = ec != std::errc::invalid_argument && end == f.data() + f.size();
    if (n != 2 || !level || !digits) {
      error = at + "expected 'request_index level' (level: normal, elevated, high or critical), got " +
              internal::quoted_excerpt(line);
      return std::nullopt;
    }
    if (ec == std::errc::result_out_of_range) {
      error = at + "request index " + internal::quoted_excerpt(f) + " is out of range (at most " +
              std::to_string(std::numeric_limits<std::uint64_t>::max()) + ")";
      return std::nullopt;
    }
    if (!s.changes.empty() && index < s.changes.back().request_index) {
      error = at + "request indexes must not decrease";
      return std::nullopt;
    }
    s.changes.push_back({index, *level});
  }
  if (in.bad()) {
    error = path + ": read error";
    return std::nullopt;
  }
  return s;
}

sim_result simulate(const trace& t, std::string_view policy, cache_size size, const sim_options& o) {
  if (size.value == 0) detail::throw_invalid_argument("sim", "cache_size", "must be positive");
  return dispatch(all_policies{}, policy, t, size, o);
}

std::vector<sim_result> simulate_grid(trace& t, const std::vector<std::string>& policies,
                                      const std::vector<cache_size>& sizes, const sim_options& o) {
  for (const auto& p : policies) {
    if (!is_policy(p)) detail::throw_invalid_argument("sim", "policy", "is unknown: '" + p + "'");
    if (p == policy::belady::name && !t.has_next_access()) t.compute_next_access();
  }
  for (const auto& s : sizes) {
    if (s.value == 0) detail::throw_invalid_argument("sim", "cache_size", "must be positive");
  }
  std::vector<sim_result> results(policies.size() * sizes.size());
  const trace& ct = t;
  auto run_one = [&](std::size_t k) {
    results[k] = simulate(ct, policies[k / sizes.size()], sizes[k % sizes.size()], o);
  };
#if defined(__SANITIZE_THREAD__)
  // The system oneTBB is not built with ThreadSanitizer, so TSan cannot see its synchronisation
  // and reports races inside TBB's own task code. Under TSan the grid runs on plain std::threads
  // pulling jobs from an atomic counter, so TSan still checks everything the simulator shares.
  const std::size_t workers = std::min<std::size_t>(
      results.size(), o.threads > 0 ? static_cast<std::size_t>(o.threads)
                                    : std::max(1u, std::thread::hardware_concurrency()));
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mu;
  std::vector<std::thread> pool;
  for (std::size_t w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (std::size_t k; (k = next.fetch_add(1)) < results.size();) {
        try {
          run_one(k);
        } catch (...) {
          const std::lock_guard<std::mutex> lock(error_mu);
          if (!error) error = std::current_exception();
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
#else
  std::unique_ptr<tbb::global_control> limit;
  if (o.threads > 0) {
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                  static_cast<std::size_t>(o.threads));
  }
  tbb::parallel_for(std::size_t{0}, results.size(), run_one);
#endif
  return results;
}

}  // namespace membound::sim
