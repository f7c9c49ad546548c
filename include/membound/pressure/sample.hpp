// memory_sample: one reading of a memory_source.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "membound/clock.hpp"

namespace membound {

// What a source saw at one instant. A value type: thread-compatible, copies never throw.
struct memory_sample {
  time_point time{};
  std::uint64_t used_bytes = 0;   // what counts against the limit (cgroup: usage − inactive_file)
  std::uint64_t limit_bytes = 0;  // the tightest limit that applies; 0 = unknown
  // Name of the source that produced the sample ("cgroup-v2", "cgroup-v1", "host",
  // "process-budget", "psi+<base>", "scripted"; plain "psi" when make_psi_source() wraps a source
  // of the user's own). Refers to static storage.
  std::string_view source;
  std::optional<std::uint64_t> process_rss_bytes;  // where known
  std::optional<double> psi_some_avg10;            // percent, where known
  std::optional<double> psi_full_avg10;            // percent, where known

  // Returns used / limit, or 0 when the limit is unknown.
  double ratio() const noexcept {
    return limit_bytes == 0 ? 0.0
                            : static_cast<double>(used_bytes) / static_cast<double>(limit_bytes);
  }
};

}  // namespace membound
