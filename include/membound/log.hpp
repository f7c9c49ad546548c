// membound's library logger: every log line of the library goes through one spdlog logger named
// "membound", which the user can replace or silence.
//
// Thread-safe: logger() and set_logger() may be called from any thread at any time.
#pragma once

#include <memory>

#include <spdlog/logger.h>

namespace membound {

// Returns the logger the library writes to. By default a thread-safe stderr logger named
// "membound" at level info. Never null.
std::shared_ptr<spdlog::logger> logger() noexcept;

// Replaces the library logger. Passing nullptr silences the library (a logger with no sinks).
void set_logger(std::shared_ptr<spdlog::logger> replacement) noexcept;

}  // namespace membound
