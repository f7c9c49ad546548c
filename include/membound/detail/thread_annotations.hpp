// Clang thread-safety annotations (checked by the clang-tsa preset); no-ops elsewhere.
#pragma once

#include <mutex>

#if defined(__clang__)
#define MEMBOUND_TSA(x) __attribute__((x))
#else
#define MEMBOUND_TSA(x)
#endif

#define MEMBOUND_CAPABILITY(x) MEMBOUND_TSA(capability(x))
#define MEMBOUND_SCOPED_CAPABILITY MEMBOUND_TSA(scoped_lockable)
#define MEMBOUND_GUARDED_BY(x) MEMBOUND_TSA(guarded_by(x))
#define MEMBOUND_PT_GUARDED_BY(x) MEMBOUND_TSA(pt_guarded_by(x))
#define MEMBOUND_REQUIRES(...) MEMBOUND_TSA(requires_capability(__VA_ARGS__))
#define MEMBOUND_EXCLUDES(...) MEMBOUND_TSA(locks_excluded(__VA_ARGS__))
#define MEMBOUND_ACQUIRE(...) MEMBOUND_TSA(acquire_capability(__VA_ARGS__))
#define MEMBOUND_RELEASE(...) MEMBOUND_TSA(release_capability(__VA_ARGS__))
#define MEMBOUND_TRY_ACQUIRE(...) MEMBOUND_TSA(try_acquire_capability(__VA_ARGS__))
#define MEMBOUND_NO_THREAD_SAFETY_ANALYSIS MEMBOUND_TSA(no_thread_safety_analysis)

namespace membound::detail {

// std::mutex with the capability annotation libstdc++ lacks (LevelDB's port::Mutex).
// Thread-safe. Not recursive.
class MEMBOUND_CAPABILITY("mutex") mutex {
 public:
  mutex() = default;
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;

  void lock() MEMBOUND_ACQUIRE() { mu_.lock(); }
  void unlock() MEMBOUND_RELEASE() { mu_.unlock(); }
  bool try_lock() MEMBOUND_TRY_ACQUIRE(true) { return mu_.try_lock(); }

  // For std::condition_variable; bypasses the analysis by design.
  std::mutex& native() noexcept { return mu_; }

 private:
  std::mutex mu_;
};

// RAII lock for detail::mutex, understood by the analysis.
class MEMBOUND_SCOPED_CAPABILITY lock_guard {
 public:
  explicit lock_guard(mutex& mu) MEMBOUND_ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~lock_guard() MEMBOUND_RELEASE() { mu_.unlock(); }
  lock_guard(const lock_guard&) = delete;
  lock_guard& operator=(const lock_guard&) = delete;

 private:
  mutex& mu_;
};

}  // namespace membound::detail
