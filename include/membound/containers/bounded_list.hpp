// bounded_list: a thread-safe fixed-capacity ring for metric buffers that gives memory back under
// pressure.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <boost/circular_buffer.hpp>

#include "membound/containers/shrinkable.hpp"
#include "membound/detail/list_malloc_size.hpp"
#include "membound/detail/list_shrink.hpp"
#include "membound/detail/thread_annotations.hpp"
#include "membound/detail/throw.hpp"

namespace membound {

// What a full bounded container does with one more element.
//   overwrite_oldest – the oldest element is dropped to make room; the push succeeds.
//   reject           – the new element is dropped; the push returns false.
enum class overflow_policy : std::uint8_t { overwrite_oldest, reject };

struct bounded_list_options {
  std::string name = "bounded_list";
  // Configured capacity in elements: the hard bound, and what regrow() returns to. Must be > 0.
  // 4096: over an hour of one-per-second samples, in 64 KiB for 16-byte elements.
  std::size_t capacity = 4096;
  // The capacity a CRITICAL shrink goes down to. 0 is allowed: the list then holds nothing and
  // drops every push until it regrows. Must be <= capacity.
  std::size_t min_capacity = 1;
  overflow_policy overflow = overflow_policy::overwrite_oldest;
};

// A ring of at most capacity() elements of T, newest last, for recent metrics, events or samples.
// Under memory pressure it drops its oldest elements and lowers its capacity (so it does not simply
// refill), then regrows step by step once the monitor says pressure is gone.
//
// Storage is one boost::circular_buffer guarded by one mutex. Elements are kept in one contiguous
// block of capacity() × sizeof(T) that is allocated up front and reallocated only when the capacity
// changes (shrink, regrow). Per-thread rings merged on snapshot (cache-performance.md T10) are NOT
// implemented: every push takes the list's mutex (~7 ns uncontended, ~70 ns per push aggregate
// when two cores push at once), which is plenty for metric buffers but not for per-request tracing
// on many cores.
//
// Complexity: push O(1). recent(n) O(n), snapshot() O(size()). shrink() and regrow() O(size())
// (the block is reallocated and the kept elements moved).
// Thread-safety: thread-safe. Every member may be called concurrently from any thread, including
// the monitor's shrink()/regrow().
// Exceptions: the constructor throws std::invalid_argument naming the field for capacity 0 or
// min_capacity > capacity, and std::bad_alloc for a block it cannot allocate. push() offers the
// basic guarantee if T's copy/move throws (no-throw for trivially copyable T); snapshot() and
// recent() are strong (they copy into a new vector); shrink()/regrow() are strong if T's move is
// noexcept, else basic.
// Stability: elements are returned by value (copies); there are no references or iterators into
// the ring.
// Capacity: a hard bound in elements. When full, push() either overwrites the oldest element
// (overwrite_oldest, the default) or rejects the new one (reject); both count in dropped().
// Configured capacity 0 is not allowed; a capacity shrunk to a min_capacity of 0 is (every push is
// then dropped and counted in dropped()). memory_bytes() counts the block (as malloc rounds it)
// and the object itself, not heap memory owned by the elements (e.g. std::string contents).
template <class T>
class bounded_list final : public shrinkable {
 public:
  using value_type = T;

  // A list of `capacity` elements with the default options otherwise.
  // Throws: std::invalid_argument naming "capacity" when it is 0.
  explicit bounded_list(std::size_t capacity) : bounded_list(options_with(capacity)) {}

  // Throws: std::invalid_argument naming "capacity" (0) or "min_capacity" (> capacity).
  explicit bounded_list(bounded_list_options options)
      : name_(std::move(options.name)),
        configured_(validated(options).capacity),
        min_capacity_(options.min_capacity),
        overflow_(options.overflow),
        ring_(options.capacity),
        capacity_(options.capacity) {}

  bounded_list(const bounded_list&) = delete;
  bounded_list& operator=(const bounded_list&) = delete;

  // Appends `value` as the newest element. Returns true if it was stored: always for
  // overwrite_oldest (unless the capacity was shrunk to 0), false for reject when the list is full.
  bool push(const T& value) { return emplace(value); }
  bool push(T&& value) { return emplace(std::move(value)); }

  // Constructs the element from `args` (outside the lock) and pushes it as push() does.
  template <class... Args>
  bool emplace(Args&&... args) {
    T item(std::forward<Args>(args)...);
    detail::lock_guard lock(mu_);
    ++pushed_;
    if (ring_.full()) {
      if (overflow_ == overflow_policy::reject || ring_.capacity() == 0) {
        ++dropped_;
        return false;
      }
      ++dropped_;
      ++overwritten_;
    }
    ring_.push_back(std::move(item));  // overwrites the oldest when full
    return true;
  }

  // Returns copies of the newest min(n, size()) elements in push order: oldest first, newest last
  // (so recent(n).back() is the latest push).
  std::vector<T> recent(std::size_t n) const {
    detail::lock_guard lock(mu_);
    const std::size_t count = n < ring_.size() ? n : ring_.size();
    return std::vector<T>(ring_.end() - static_cast<std::ptrdiff_t>(count), ring_.end());
  }

  // Returns copies of every element, oldest first, newest last.
  std::vector<T> snapshot() const {
    detail::lock_guard lock(mu_);
    return std::vector<T>(ring_.begin(), ring_.end());
  }

  // Removes every element (not counted as dropped). Keeps the capacity.
  void clear() {
    detail::lock_guard lock(mu_);
    ring_.clear();
  }

  std::size_t size() const {
    detail::lock_guard lock(mu_);
    return ring_.size();
  }
  bool empty() const { return size() == 0; }
  // Returns the current capacity (the configured one, lowered by shrink(), raised by regrow()).
  // Memory ordering: relaxed; exact once no shrink/regrow is running.
  std::size_t capacity() const noexcept { return capacity_.load(std::memory_order_relaxed); }
  std::size_t configured_capacity() const noexcept { return configured_; }
  std::size_t min_capacity() const noexcept { return min_capacity_; }
  overflow_policy overflow() const noexcept { return overflow_; }

  // Returns how many pushed elements were lost to overflow: overwritten (overwrite_oldest) plus
  // rejected (reject, or capacity 0). Elements removed by shrink() are not counted here but in
  // pressure_evictions().
  std::uint64_t dropped() const {
    detail::lock_guard lock(mu_);
    return dropped_;
  }
  // Returns how many push()/emplace() calls were made.
  std::uint64_t pushed() const {
    detail::lock_guard lock(mu_);
    return pushed_;
  }
  // Returns how many elements shrink() removed.
  std::uint64_t pressure_evictions() const {
    detail::lock_guard lock(mu_);
    return pressure_evictions_;
  }

  // shrinkable --------------------------------------------------------------------------------

  std::string name() const override { return name_; }

  // Returns sizeof(*this) plus the element block as malloc rounds it (capacity() × sizeof(T)),
  // plus the name's heap buffer if it has one.
  std::size_t memory_bytes() const noexcept override { return bytes_for(capacity()); }

  // Lowers the capacity per shrinkable.hpp's rule (base = configured capacity, or the current one
  // when request.relative_to_current; floor min_capacity), dropping the oldest elements that no
  // longer fit and reallocating the block at the new size. Returns the elements dropped and the
  // bytes the block shrank by.
  shrink_result shrink(const shrink_request& request) override {
    detail::lock_guard lock(mu_);
    const std::size_t current = ring_.capacity();
    const std::size_t target = detail::shrink_target(current, configured_, min_capacity_, request);
    if (target >= current) return {};
    const std::size_t removed = ring_.size() > target ? ring_.size() - target : 0;
    ring_.rset_capacity(target);  // keeps the newest `target` elements
    capacity_.store(target, std::memory_order_relaxed);
    pressure_evictions_ += removed;
    return {removed, bytes_for(current) - bytes_for(target)};
  }

  // Raises the capacity by max(1, floor(step_fraction × configured)) elements, never above the
  // configured capacity; keeps every element. Returns true while still below the configured one.
  bool regrow(double step_fraction) override {
    detail::lock_guard lock(mu_);
    const std::size_t target = detail::regrow_target(ring_.capacity(), configured_, step_fraction);
    if (target != ring_.capacity()) {
      ring_.set_capacity(target);
      capacity_.store(target, std::memory_order_relaxed);
    }
    return target < configured_;
  }

  // kind "bounded_list"; evictions = overwritten elements, dropped = overwritten + rejected,
  // pressure_evictions = elements removed by shrink().
  shrinkable_stats stats_snapshot() const override {
    shrinkable_stats s;
    s.kind = "bounded_list";
    s.name = name_;
    s.configured_capacity = configured_;
    detail::lock_guard lock(mu_);
    s.size = ring_.size();
    s.capacity = ring_.capacity();
    s.bytes = bytes_for(ring_.capacity());
    s.evictions = overwritten_;
    s.dropped = dropped_;
    s.pressure_evictions = pressure_evictions_;
    return s;
  }

 private:
  static bounded_list_options options_with(std::size_t capacity) {
    bounded_list_options o;
    o.capacity = capacity;
    if (o.min_capacity > capacity) o.min_capacity = capacity;  // capacity 0 is rejected below
    return o;
  }
  static const bounded_list_options& validated(const bounded_list_options& o) {
    if (o.capacity == 0) {
      detail::throw_invalid_argument("bounded_list", "capacity", "must be greater than 0");
    }
    if (o.min_capacity > o.capacity) {
      detail::throw_invalid_argument("bounded_list", "min_capacity",
                                     "must not exceed capacity");
    }
    return o;
  }

  std::size_t bytes_for(std::size_t capacity) const noexcept {
    const std::size_t name_heap =
        name_.capacity() > 15 ? detail::malloc_chunk_bytes(name_.capacity() + 1) : 0;
    return sizeof(*this) + name_heap + detail::malloc_chunk_bytes(capacity * sizeof(T));
  }

  const std::string name_;
  const std::size_t configured_;
  const std::size_t min_capacity_;
  const overflow_policy overflow_;

  mutable detail::mutex mu_;
  // Invariant: ring_.capacity() == capacity_ and min(min_capacity_, configured_) <=
  // ring_.capacity() <= configured_.
  boost::circular_buffer<T> ring_ MEMBOUND_GUARDED_BY(mu_);
  std::atomic<std::size_t> capacity_;  // mirror of ring_.capacity() for lock-free reads
  std::uint64_t pushed_ MEMBOUND_GUARDED_BY(mu_) = 0;
  std::uint64_t dropped_ MEMBOUND_GUARDED_BY(mu_) = 0;  // overwritten + rejected
  std::uint64_t overwritten_ MEMBOUND_GUARDED_BY(mu_) = 0;
  std::uint64_t pressure_evictions_ MEMBOUND_GUARDED_BY(mu_) = 0;
};

}  // namespace membound
