// Process-wide thread registry and epoch-based reclamation (EBR) for concurrent_cache's lock-free
// read path. Internal: namespace membound::detail, never included by users directly.
//
// Every thread that reads a cache gets a small dense index (reused after the thread exits) and a
// cache-line-sized slot holding its announced epoch. A reader announces the global epoch on entry
// and clears it on exit; a writer that unlinks an object retires it tagged with the global epoch and
// frees it once the global epoch has advanced twice past the tag. The epoch advances only when every
// thread inside a read section has announced the current epoch, so an object retired at epoch t is
// unreachable by every reader once the epoch reaches t + 2.
//
// Fences (the store-load ordering both sides need):
//  - Fast mode (Linux membarrier(PRIVATE_EXPEDITED) available, not under TSan): the reader's side
//    is a compiler barrier only; the writer calls membarrier() before it scans the slots, which
//    forces a full barrier on every running thread of the process (asymmetric fences, as liburcu
//    and folly do).
//  - Fallback mode (no membarrier, or ThreadSanitizer, which models only acquire/release): the
//    reader announces with a seq_cst store and the writer scans with seq_cst loads after its
//    seq_cst unlinking stores.
// In both modes the reader's exit is a release store and the writer's scan an acquire (seq_cst)
// load, so every read of a retired object happens-before its free (TSan sees it this way too).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdlib>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#if defined(__SANITIZE_THREAD__)
#define MEMBOUND_DETAIL_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MEMBOUND_DETAIL_TSAN 1
#endif
#endif

namespace membound::detail {

inline constexpr std::size_t cache_line = 64;

// One registered thread: its dense index and its announced epoch (0 = not in a read section).
struct alignas(cache_line) thread_slot {
  std::atomic<std::uint64_t> epoch{0};
  std::uint32_t index = 0;
  std::uint32_t depth = 0;  // unused (nesting is read from epoch); kept for layout
  // One-entry cache of the owning thread's per-cache state (see concurrent_cache::reader_for).
  std::uint64_t last_owner = 0;
  void* last_state = nullptr;
  // Counts the hits a thread that is not a shard's drainer saw, to sample the ones it buffers
  // (see concurrent_cache::record_event); here rather than in the ring so that the ring lines the
  // drainer reads are not written on every hit.
  std::uint32_t sample = 0;
};

// Unique ids of caches (never reused), so a stale last_owner can never match a new cache.
inline constinit std::atomic<std::uint64_t> g_next_owner_id{1};

// A directory of pointers indexed by a dense index, growing in chunks that never move, so readers
// index it without a lock while writers append. Chunk k holds (first << k) entries.
template <class T, std::size_t First = 64, std::size_t Chunks = 26>
class segmented_directory {
 public:
  segmented_directory() = default;
  segmented_directory(const segmented_directory&) = delete;
  segmented_directory& operator=(const segmented_directory&) = delete;
  ~segmented_directory() {
    for (auto& c : chunks_) delete[] c.load(std::memory_order_relaxed);
  }

  // Returns the entry for index i, allocating its chunk if needed (thread-safe).
  std::atomic<T*>& at(std::size_t i) {
    const auto [k, off] = locate(i);
    std::atomic<T*>* c = chunks_[k].load(std::memory_order_acquire);
    if (c == nullptr) {
      auto* fresh = new std::atomic<T*>[First << k];
      for (std::size_t j = 0; j < (First << k); ++j) fresh[j].store(nullptr, std::memory_order_relaxed);
      if (chunks_[k].compare_exchange_strong(c, fresh, std::memory_order_acq_rel)) {
        c = fresh;
      } else {
        delete[] fresh;
      }
    }
    return c[off];
  }
  // Returns the entry for index i, or nullptr when its chunk was never allocated.
  T* find(std::size_t i) const noexcept {
    const auto [k, off] = locate(i);
    const std::atomic<T*>* c = chunks_[k].load(std::memory_order_acquire);
    return c != nullptr ? c[off].load(std::memory_order_acquire) : nullptr;
  }
  // Bytes of the chunks allocated so far.
  std::size_t memory_bytes() const noexcept {
    std::size_t b = 0;
    for (std::size_t k = 0; k < Chunks; ++k)
      if (chunks_[k].load(std::memory_order_relaxed) != nullptr) b += (First << k) * sizeof(std::atomic<T*>);
    return b;
  }

 private:
  static std::pair<std::size_t, std::size_t> locate(std::size_t i) noexcept {
    const std::size_t v = i / First + 1;
    const std::size_t k = static_cast<std::size_t>(std::bit_width(v)) - 1;
    return {k, i - First * ((std::size_t{1} << k) - 1)};
  }
  std::array<std::atomic<std::atomic<T*>*>, Chunks> chunks_{};
};

// The global epoch and the fence mode, read on every read-side entry: constant-initialised, so
// reading them needs no initialisation guard.
struct alignas(cache_line) epoch_globals {
  std::atomic<std::uint64_t> epoch{2};
  std::atomic<bool> fast{false};  // membarrier registered; set once, before any reader exists
};
inline constinit epoch_globals g_epoch{};

// The process-wide registry of reader threads and the global epoch. Immortal (never destroyed), so
// threads that outlive static destruction stay safe.
class epoch_domain {
 public:
  static epoch_domain& instance() {
    static epoch_domain* d = new epoch_domain();  // immortal on purpose
    return *d;
  }

  std::uint64_t current() const noexcept { return g_epoch.epoch.load(std::memory_order_seq_cst); }
  bool fast_mode() const noexcept { return g_epoch.fast.load(std::memory_order_relaxed); }

  // Number of indexes ever handed out (scan bound).
  std::uint32_t high_water() const noexcept { return high_water_.load(std::memory_order_acquire); }
  thread_slot* slot(std::uint32_t i) const noexcept { return slots_.find(i); }

  // Writer side: tries to advance the global epoch. Returns the epoch after the attempt.
  // REQUIRES: the caller's own unlinking stores are seq_cst (fallback mode) or happen before this
  // call (fast mode, where membarrier orders them).
  std::uint64_t try_advance() noexcept {
    const std::uint64_t e = g_epoch.epoch.load(std::memory_order_seq_cst);
    heavy_barrier();
    const std::uint32_t n = high_water();
    for (std::uint32_t i = 0; i < n; ++i) {
      const thread_slot* s = slots_.find(i);
      if (s == nullptr) continue;
      const std::uint64_t a = s->epoch.load(std::memory_order_seq_cst);
      if (a != 0 && a != e) return e;  // a reader is still in an older epoch
    }
    std::uint64_t expected = e;
    g_epoch.epoch.compare_exchange_strong(expected, e + 1, std::memory_order_seq_cst);
    return g_epoch.epoch.load(std::memory_order_seq_cst);
  }

  // Registers the calling thread (slow path of this_thread_slot()).
  thread_slot* register_thread();
  void unregister(thread_slot* s) noexcept {
    s->epoch.store(0, std::memory_order_release);
    s->depth = 0;
    s->last_owner = 0;
    s->last_state = nullptr;
    std::lock_guard<std::mutex> g(mu_);
    free_.push_back(s->index);
  }

 private:
  epoch_domain() {
#if defined(__linux__) && !defined(MEMBOUND_DETAIL_TSAN)
    const long cmds = ::syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0 &&
        (cmds & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) != 0) {
      g_epoch.fast.store(
          ::syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0,
          std::memory_order_relaxed);
    }
#endif
  }

  void heavy_barrier() noexcept {
#if defined(__linux__) && !defined(MEMBOUND_DETAIL_TSAN)
    if (fast_mode()) {
      // Cannot fail once registered; if it ever did, readers would have no fence: stop rather
      // than free memory a reader may still hold.
      if (::syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0) std::abort();
    }
#endif
  }

  std::mutex mu_;
  std::vector<std::uint32_t> free_;  // guarded by mu_
  std::atomic<std::uint32_t> high_water_{0};
  segmented_directory<thread_slot> slots_;
};

// What a thread's slot pointer holds before the thread first reads a cache (and after it exits):
// shared by all such threads and never written. Its last_owner (0) matches no cache, so a reader
// that checks last_owner first needs no separate test for "not registered yet".
inline constinit thread_slot g_unregistered_slot{};

// The calling thread's slot (&g_unregistered_slot until it first reads a cache).
// Constant-initialised, so reading it costs one TLS load with no guard.
inline thread_local thread_slot* tls_thread_slot = &g_unregistered_slot;

// Releases the thread's index when the thread exits.
struct thread_slot_releaser {
  thread_slot* slot = nullptr;
  ~thread_slot_releaser() {
    if (slot != nullptr) {
      epoch_domain::instance().unregister(slot);
      tls_thread_slot = &g_unregistered_slot;
    }
  }
};

inline thread_slot* epoch_domain::register_thread() {
  static thread_local thread_slot_releaser releaser;
  std::uint32_t idx = 0;
  thread_slot* s = nullptr;
  {
    std::lock_guard<std::mutex> g(mu_);
    if (!free_.empty()) {
      idx = free_.back();
      free_.pop_back();
      s = slots_.find(idx);
    } else {
      idx = high_water_.load(std::memory_order_relaxed);
      s = new thread_slot();  // immortal, reused by later threads
      s->index = idx;
      slots_.at(idx).store(s, std::memory_order_release);
      high_water_.store(idx + 1, std::memory_order_release);
    }
  }
  releaser.slot = s;
  tls_thread_slot = s;
  return s;
}

// Returns the calling thread's slot, registering the thread on first use.
inline thread_slot& this_thread_slot() {
  thread_slot* s = tls_thread_slot;
  if (s == &g_unregistered_slot) [[unlikely]] s = epoch_domain::instance().register_thread();
  return *s;
}

// The calling thread's slot, or g_unregistered_slot (read only, never write it) if the thread has
// not registered yet: for a hit path whose first check (last_owner) fails on the latter anyway.
[[gnu::always_inline]] inline thread_slot& peek_thread_slot() noexcept { return *tls_thread_slot; }

// A read section: epoch_enter() announces, epoch_exit() withdraws. Sections nest: a thread inside
// a read section has a non-zero announced epoch, which only it writes; an inner section keeps that
// epoch announced and restores it on exit, so the outermost announcement holds throughout.
// Branch-free on the fast path. Prefer epoch_guard; the bare pair is for hit paths that run no
// code that can throw inside the section (a guard object is kept in memory, not registers).
[[gnu::always_inline]] inline std::uint64_t epoch_enter(thread_slot& s) noexcept {
  const std::uint64_t prev = s.epoch.load(std::memory_order_relaxed);
  const std::uint64_t e = g_epoch.epoch.load(std::memory_order_seq_cst);
  const std::uint64_t a = prev != 0 ? prev : e;
#if !defined(MEMBOUND_DETAIL_TSAN)
  if (g_epoch.fast.load(std::memory_order_relaxed)) [[likely]] {
    s.epoch.store(a, std::memory_order_relaxed);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    return prev;
  }
#endif
  s.epoch.store(a, std::memory_order_seq_cst);
  return prev;
}
// Ends the section epoch_enter() began; `prev` is what it returned (0 for the outermost section).
[[gnu::always_inline]] inline void epoch_exit(thread_slot& s, std::uint64_t prev) noexcept {
  s.epoch.store(prev, std::memory_order_release);
}

// RAII read section (see epoch_enter).
class epoch_guard {
 public:
  explicit epoch_guard(thread_slot& s) noexcept : s_(s), prev_(epoch_enter(s)) {}
  ~epoch_guard() { epoch_exit(s_, prev_); }
  epoch_guard(const epoch_guard&) = delete;
  epoch_guard& operator=(const epoch_guard&) = delete;

 private:
  thread_slot& s_;
  const std::uint64_t prev_;
};

}  // namespace membound::detail
