// The time source membound reads. Every component that looks at time (the monitor, cache TTLs)
// takes a clock_fn, so tests drive time with a fake clock instead of sleeping.
#pragma once

#include <chrono>
#include <functional>

namespace membound {

using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;

// A callable returning the current time. An empty clock_fn means std::chrono::steady_clock::now.
// REQUIRES: monotonic (never goes backwards) and safe to call from any thread.
using clock_fn = std::function<time_point()>;

// Returns clock ? clock() : steady_clock::now().
inline time_point now(const clock_fn& clock) { return clock ? clock() : clock_type::now(); }

}  // namespace membound
