#include "membound/log.hpp"

#include <atomic>
#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace membound {
namespace {

std::shared_ptr<spdlog::logger> make_default() {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto log = std::make_shared<spdlog::logger>("membound", std::move(sink));
  log->set_level(spdlog::level::info);
  return log;
}

// std::atomic<std::shared_ptr> is not in libstdc++ 12; a mutex guards the pointer instead. The
// logger itself is thread-safe, and callers hold their own copy while logging.
std::mutex& logger_mutex() {
  static std::mutex mu;
  return mu;
}

std::shared_ptr<spdlog::logger>& logger_slot() {
  static std::shared_ptr<spdlog::logger> slot = make_default();
  return slot;
}

}  // namespace

std::shared_ptr<spdlog::logger> logger() noexcept {
  std::lock_guard lock(logger_mutex());
  return logger_slot();
}

void set_logger(std::shared_ptr<spdlog::logger> replacement) noexcept {
  if (!replacement) {
    replacement = std::make_shared<spdlog::logger>("membound");  // no sinks: silent
  }
  std::lock_guard lock(logger_mutex());
  logger_slot() = std::move(replacement);
}

}  // namespace membound
