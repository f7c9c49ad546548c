// sim::simulate / simulate_grid: replay a trace against eviction policies × cache sizes.
//
// Semantics (they reproduce libCacheSim's golden miss counts exactly, shared/traces/README.md):
//   - every request is a lookup; a miss always counts, whether or not the object is then inserted;
//   - an object heavier than the whole (current) capacity is not inserted;
//   - on insert the policy evicts until used + weight <= capacity;
//   - in `bytes` mode an entry weighs its request size (the size at the request that inserted it;
//     later hits with another size do not change it) and no per-object metadata is counted; in
//     `entries` mode every entry weighs 1.
// The simulator hands the policy dense handles (freed handles are reused, as a cache shard does)
// and the 64-bit hash detail::mix64(dense object id), which is collision-free.
//
// Pressure replay (sim::pressure_schedule): the capacity follows the pressure monitor's reaction
// (DESIGN.md) with the trace's request index as the clock, 1 request = 1 simulated millisecond:
//   - escalating into ELEVATED / HIGH sets capacity = min(current, 0.75 / 0.50 × configured);
//     into CRITICAL, min(current, max(1, 1 % of configured)) — the simulator's minimum;
//   - stepping down between non-normal levels never changes capacity;
//   - once NORMAL has held 60 s (60 000 requests) the capacity regrows by 5 % of the configured
//     capacity every 1 s (1 000 requests), up to the configured capacity;
//   - simplification: the monitor's periodic re-application of a held level (and its anti-spiral
//     rule) is not simulated — each escalation applies once.
// After each shrink the owner evicts until used <= capacity; those are `pressure_evictions`.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "membound/pressure/level.hpp"
#include "membound/sim/trace.hpp"

namespace membound::sim {

enum class capacity_unit { entries, bytes };

struct cache_size {
  std::uint64_t value = 0;
  capacity_unit unit = capacity_unit::entries;
  friend bool operator==(const cache_size&, const cache_size&) = default;
};

// A cache size as written on the command line: "1000" (entries), "10%" or "0.5%" (of the trace's
// unique objects, rounded, at least 1), "64MiB" / "1GB" / "512KiB" / "100B" (bytes; K/M/G/T with
// an optional B, "i" for powers of 1024, without "i" for powers of 1000, case-insensitive).
struct size_spec {
  enum class kind { entries, percent, bytes };
  kind type = kind::entries;
  double value = 0;
  std::string text;  // as written
};

// The largest size parse_size_spec accepts, in entries or bytes (2^53: size_spec::value is a
// double, exact up to there).
inline constexpr double max_size_value = 9007199254740992.0;

// Parses one size: a plain decimal number (no sign, exponent or hex; entries must be whole) with an
// optional unit. Returns std::nullopt for malformed text, a size of 0 (or below 1 byte), a percent
// above 100 and a size above max_size_value.
std::optional<size_spec> parse_size_spec(std::string_view text);
// Returns the size `spec` means for trace `t` (percent → entries of t's unique objects).
cache_size resolve(const size_spec& spec, const trace& t);

// One change of pressure level, applied before the request with this index is replayed.
struct pressure_change {
  std::uint64_t request_index = 0;
  pressure_level level = pressure_level::normal;
};

struct pressure_schedule {
  std::vector<pressure_change> changes;  // sorted by request_index
  std::uint64_t regrow_hold_requests = 60'000;  // NORMAL must hold this long before regrowing
  std::uint64_t regrow_step_requests = 1'000;   // then one 5 % step per this many requests
  double critical_fraction = 0.01;              // CRITICAL's minimum, of the configured capacity
};

// Reads a schedule file: one `request_index level` per line (level: normal, elevated, high,
// critical), indexes non-decreasing; blank lines and lines starting with '#' are skipped.
// Returns the error message (naming the file and line) in `error` and std::nullopt on failure.
std::optional<pressure_schedule> load_pressure_schedule(const std::string& path, std::string& error);

struct sim_result {
  std::string policy;
  cache_size size;
  std::uint64_t requests = 0;
  std::uint64_t hits = 0;
  std::uint64_t bytes_requested = 0;
  std::uint64_t bytes_hit = 0;
  std::uint64_t evictions = 0;
  std::uint64_t pressure_evictions = 0;
  std::uint64_t final_capacity = 0;
  double seconds = 0;  // replay time only (the trace is already in memory)

  std::uint64_t misses() const noexcept { return requests - hits; }
  double hit_ratio() const noexcept { return requests ? double(hits) / double(requests) : 0.0; }
  double miss_ratio() const noexcept { return requests ? 1.0 - hit_ratio() : 0.0; }
  double byte_miss_ratio() const noexcept {
    return bytes_requested ? 1.0 - double(bytes_hit) / double(bytes_requested) : 0.0;
  }
  double requests_per_second() const noexcept { return seconds > 0 ? double(requests) / seconds : 0.0; }
};

struct sim_options {
  const pressure_schedule* pressure = nullptr;    // nullptr: fixed capacity
  std::atomic<std::uint64_t>* progress = nullptr;  // incremented by requests replayed (if set)
  int threads = 0;                                 // simulate_grid's parallelism; 0: TBB default
};

// The policy names, in the CLI's order: lru, fifo, clock, sieve, s3fifo, s3fifo_static, w_tinylfu,
// w_tinylfu_climber, arc, lirs, two_queue, slru, belady (each the name of a class in membound::policy).
std::span<const std::string_view> policy_names() noexcept;
bool is_policy(std::string_view name) noexcept;

// Replays `t` once: O(requests) policy operations, memory O(unique objects + resident entries).
// Throws std::invalid_argument (naming the field) for an unknown policy or a capacity of 0, and
// std::bad_alloc. belady uses t.next_access() when computed, otherwise computes its own copy.
// Thread-safe for concurrent calls on the same const trace.
sim_result simulate(const trace& t, std::string_view policy, cache_size size,
                    const sim_options& options = {});

// Replays every (policy, size) pair in parallel with TBB (at most options.threads threads) and
// returns the results in policy-major order. Computes t's next-access information first when
// belady is among the policies. Throws like simulate().
std::vector<sim_result> simulate_grid(trace& t, const std::vector<std::string>& policies,
                                      const std::vector<cache_size>& sizes,
                                      const sim_options& options = {});

}  // namespace membound::sim
