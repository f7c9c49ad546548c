// An allocator that adds what malloc really takes for each allocation to a shared counter, so a
// node-based container's memory_bytes() follows its actual allocations (cache-performance.md §6).
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

#include "membound/detail/list_malloc_size.hpp"

namespace membound::detail {

// Thread-safety: the counter is atomic (relaxed), so memory_bytes() may read it without the
// container's lock; the container itself still serialises its allocations.
template <class U>
class counting_allocator {
 public:
  using value_type = U;

  explicit counting_allocator(std::atomic<std::size_t>* bytes) noexcept : bytes_(bytes) {}
  template <class V>
  counting_allocator(const counting_allocator<V>& other) noexcept  // NOLINT: rebinding
      : bytes_(other.counter()) {}

  U* allocate(std::size_t n) {
    U* p = std::allocator<U>{}.allocate(n);
    bytes_->fetch_add(malloc_chunk_bytes(n * sizeof(U)), std::memory_order_relaxed);
    return p;
  }
  void deallocate(U* p, std::size_t n) noexcept {
    bytes_->fetch_sub(malloc_chunk_bytes(n * sizeof(U)), std::memory_order_relaxed);
    std::allocator<U>{}.deallocate(p, n);
  }

  std::atomic<std::size_t>* counter() const noexcept { return bytes_; }

  template <class V>
  friend bool operator==(const counting_allocator& a, const counting_allocator<V>& b) noexcept {
    return a.counter() == b.counter();
  }

 private:
  std::atomic<std::size_t>* bytes_;
};

}  // namespace membound::detail
