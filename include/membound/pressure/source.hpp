// memory_source: where the monitor reads memory from, and the sources membound ships.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "membound/clock.hpp"
#include "membound/detail/thread_annotations.hpp"
#include "membound/pressure/sample.hpp"

namespace membound {

// Interface of a memory reading. read() never throws and never crashes on bad input: a missing
// or unreadable file, or garbage content, is reported through `ec` (and logged once per distinct
// failure by the Linux sources) and the returned sample must then be ignored.
//
// Cost: O(1) reads of already-open files (pread) for the Linux sources.
// Thread-safety: implementations are thread-compatible unless they say otherwise; the monitor
// calls read() from its one thread.
class memory_source {
 public:
  virtual ~memory_source() = default;

  // Returns a short static name, e.g. "cgroup-v2".
  virtual std::string_view name() const noexcept = 0;

  // Returns the current sample. On failure sets `ec` (and the sample is meaningless); on success
  // clears it.
  virtual memory_sample read(std::error_code& ec) noexcept = 0;
};

// Where the Linux sources look. Tests point these at fixture trees.
struct source_paths {
  std::string proc_root = "/proc";            // meminfo, self/cgroup, self/mountinfo, pressure/
  std::string cgroup_root = "/sys/fs/cgroup";  // used only if mountinfo names no cgroup mount
  clock_fn clock;                              // sample timestamps
};

// cgroup memory limit of this process: v2, v1 or hybrid (memory controller on v1 while cgroup2 is
// mounted at /sys/fs/cgroup/unified), detected from <proc>/self/cgroup and <proc>/self/mountinfo.
// Walks every ancestor and takes the tightest limit (v2: min of memory.max and memory.high; v1:
// memory.limit_in_bytes and hierarchical_memory_limit); used = usage − inactive_file, as the
// kubelet computes the working set. A limit at or above physical RAM counts as "no limit".
// Returns nullptr (and sets `ec`) when there is no memory cgroup or it has no limit.
std::unique_ptr<memory_source> make_cgroup_source(std::error_code& ec,
                                                  const source_paths& paths = {});
std::unique_ptr<memory_source> make_cgroup_source(const source_paths& paths = {});

// Host memory: used = MemTotal − MemAvailable, limit = MemTotal (<proc>/meminfo; never MemFree).
std::unique_ptr<memory_source> make_host_source(const source_paths& paths = {});

// A byte budget for this process: used = RSS from <proc>/self/statm, limit = budget_bytes.
// Throws: std::invalid_argument naming "budget_bytes" when it is 0.
std::unique_ptr<memory_source> make_process_budget_source(std::uint64_t budget_bytes,
                                                          const source_paths& paths = {});

// Adds PSI (the cgroup's memory.pressure, else <proc>/pressure/memory) to `base`'s samples: the
// classifier uses it only to escalate, never to lower a level. A missing PSI file is not an
// error: the samples simply carry no PSI fields. With no base, wraps make_default_source().
std::unique_ptr<memory_source> make_psi_source(std::unique_ptr<memory_source> base = nullptr,
                                               const source_paths& paths = {});

// The cgroup source if this process is in a memory cgroup with a limit, else the host source.
std::unique_ptr<memory_source> make_default_source(const source_paths& paths = {});

// A source whose readings are set from code: tests, the demo, the simulator.
// Thread-safe: set() and read() may race; a read sees one whole set() (a mutex guards the state).
class scripted_source final : public memory_source {
 public:
  scripted_source() = default;
  scripted_source(std::uint64_t used_bytes, std::uint64_t limit_bytes) { set(used_bytes, limit_bytes); }

  std::string_view name() const noexcept override { return "scripted"; }
  memory_sample read(std::error_code& ec) noexcept override;

  // Sets what the next read() returns.
  void set(std::uint64_t used_bytes, std::uint64_t limit_bytes) noexcept;
  void set_psi(std::optional<double> some_avg10, std::optional<double> full_avg10) noexcept;
  void set_rss(std::optional<std::uint64_t> rss_bytes) noexcept;
  // Makes read() fail with `ec` until cleared with an empty error_code.
  void set_error(std::error_code ec) noexcept;
  // Timestamps of samples; empty = steady_clock.
  void set_clock(clock_fn clock);

  // Returns how many times read() was called.
  std::uint64_t reads() const noexcept { return reads_.load(std::memory_order_relaxed); }

 private:
  mutable detail::mutex mu_;
  memory_sample next_ MEMBOUND_GUARDED_BY(mu_);
  std::error_code error_ MEMBOUND_GUARDED_BY(mu_);
  clock_fn clock_ MEMBOUND_GUARDED_BY(mu_);
  std::atomic<std::uint64_t> reads_{0};
};

}  // namespace membound
