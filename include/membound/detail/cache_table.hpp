// Building blocks of concurrent_cache: hash mixing, malloc footprint estimates, entry nodes and the
// open-addressing index with lock-free reads. Internal: namespace membound::detail.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

namespace membound::detail {

// Finalizer of MurmurHash3 (fmix64): spreads every input bit over the whole word, so identity
// hashes (std::hash<integer>) index the table, pick the shard and form the tag independently.
constexpr std::uint64_t mix_hash(std::uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// Bytes glibc's malloc takes for a request of n bytes: the chunk (n + 8 rounded up to 16, at least
// 32) for small requests; page-rounded mmap (+16 header) above the default mmap threshold.
constexpr std::size_t malloc_footprint(std::size_t n) noexcept {
  if (n == 0) return 0;
  if (n >= 128 * 1024) return (n + 16 + 4095) & ~std::size_t{4095};
  const std::size_t c = (n + 8 + 15) & ~std::size_t{15};
  return c < 32 ? 32 : c;
}

// Heap bytes owned by a value beyond sizeof(T), as far as membound can tell: strings and vectors
// with std::allocator (recursively for vectors), 0 for everything else (shared_ptr targets are
// shared, so they are not charged to the entry).
template <class T>
std::size_t dynamic_bytes(const T& /*unused*/) noexcept {
  return 0;
}
template <class C, class Tr>
std::size_t dynamic_bytes(const std::basic_string<C, Tr, std::allocator<C>>& s) noexcept {
  const auto* obj = reinterpret_cast<const char*>(&s);
  const auto* data = reinterpret_cast<const char*>(s.data());
  if (data >= obj && data < obj + sizeof(s)) return 0;  // small-string buffer inside the object
  return malloc_footprint((s.capacity() + 1) * sizeof(C));
}
template <class T>
std::size_t dynamic_bytes(const std::vector<T, std::allocator<T>>& v) noexcept {
  std::size_t b = malloc_footprint(v.capacity() * sizeof(T));
  if constexpr (!std::is_trivially_copyable_v<T>) {
    for (const T& e : v) b += dynamic_bytes(e);
  }
  return b;
}

// An entry. Immutable once published in the index (an update publishes a new node), so readers
// copy the value without a lock while the node is protected by their epoch.
template <class Key, class Value>
struct cache_node {
  std::uint32_t handle;  // the policy's handle (the shard's slot in handle -> node)
  std::uint32_t gen;     // distinguishes nodes that reuse a handle (validates buffered hits)
  Key key;
  Value value;
};
// An entry of a cache with a TTL: the expiry (steady-clock ticks) follows the node.
template <class Key, class Value>
struct cache_timed_node : cache_node<Key, Value> {
  std::int64_t expiry;
};

// An open-addressing (linear probing) index of node pointers with lock-free lookups. Slot words:
// 0 = empty, 1 = tombstone, else (node pointer) | (16-bit tag << 48). Pointers are user-space
// addresses below 2^48 (x86-64, AArch64). The writer (holding the shard lock) only ever changes a
// slot empty -> node, node -> node (update) or node -> tombstone; everything else (growth,
// shrinking, dropping tombstones) builds a new table, publishes it and retires the old one through
// the epoch domain. The table is sized exactly (not a power of two) and indexed by fastrange.
class cache_table {
 public:
  static constexpr std::uint64_t empty = 0;
  static constexpr std::uint64_t tombstone = 1;

  static cache_table* create(std::size_t slots) {
    void* p = ::operator new(sizeof(cache_table) + slots * sizeof(std::atomic<std::uint64_t>));
    auto* t = new (p) cache_table(slots);
    auto* s = reinterpret_cast<std::atomic<std::uint64_t>*>(t + 1);
    for (std::size_t i = 0; i < slots; ++i) new (s + i) std::atomic<std::uint64_t>(empty);
    return t;
  }
  static void destroy(cache_table* t) noexcept {
    if (t == nullptr) return;
    t->~cache_table();
    ::operator delete(t);
  }
  static std::size_t footprint(std::size_t slots) noexcept {
    return malloc_footprint(sizeof(cache_table) + slots * sizeof(std::atomic<std::uint64_t>));
  }

  std::size_t size() const noexcept { return slots_; }
  std::size_t footprint() const noexcept { return footprint(slots_); }
  std::atomic<std::uint64_t>* slots() noexcept {
    return reinterpret_cast<std::atomic<std::uint64_t>*>(this + 1);
  }
  const std::atomic<std::uint64_t>* slots() const noexcept {
    return reinterpret_cast<const std::atomic<std::uint64_t>*>(this + 1);
  }
  // First probe position for a mixed hash.
  std::size_t home(std::uint64_t h) const noexcept {
    return static_cast<std::size_t>(((h & 0xffffffffULL) * slots_) >> 32);
  }
  std::size_t next(std::size_t i) const noexcept { return i + 1 == slots_ ? 0 : i + 1; }

  static std::uint64_t tag_of(std::uint64_t h) noexcept {
    const std::uint64_t t = (h >> 32) & 0xffffULL;
    return t == 0 ? 1 : t;
  }
  static std::uint64_t pack(const void* p, std::uint64_t tag) noexcept {
    return reinterpret_cast<std::uintptr_t>(p) | (tag << 48);
  }
  template <class Node>
  static Node* unpack(std::uint64_t word) noexcept {
    return reinterpret_cast<Node*>(static_cast<std::uintptr_t>(word & 0xffffffffffffULL));
  }
  static bool tag_matches(std::uint64_t word, std::uint64_t tag) noexcept {
    return (word >> 48) == tag;
  }

 private:
  explicit cache_table(std::size_t slots) : slots_(slots) {}
  std::size_t slots_;
  std::size_t reserved_ = 0;  // keeps the slot array 16-byte aligned
};

}  // namespace membound::detail
