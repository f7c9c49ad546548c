// Building blocks of concurrent_cache: hash mixing, malloc footprint estimates, entry nodes and the
// open-addressing index with lock-free reads. Internal: namespace membound::detail.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace membound::detail {

// Spreads identity hashes (std::hash<integer>) so that they index the table, pick the shard and
// form the tag independently: the high and low halves of a 64x64->128-bit product by an odd
// constant, xor-folded (abseil's and wyhash's "mum" mix: every input bit reaches both halves). One
// multiply on the read path instead of fmix64's two plus three shift-xors.
__extension__ using cache_u128 = unsigned __int128;  // GCC/Clang extension (-Wpedantic)
constexpr std::uint64_t mix_hash(std::uint64_t x) noexcept {
  const cache_u128 p = static_cast<cache_u128>(x) * 0x9E3779B97F4A7C15ULL;
  return static_cast<std::uint64_t>(p) ^ static_cast<std::uint64_t>(p >> 64);
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

// Values small and trivially copyable enough to live in a lock-free std::atomic are updated in
// place (a put on a present key stores the new value into the published node); readers load them
// atomically. Other values make a node immutable once published: an update publishes a new node.
template <class Value, bool = std::is_trivially_copyable_v<Value> && (sizeof(Value) <= 8)>
struct cache_in_place_check : std::false_type {};
template <class Value>
struct cache_in_place_check<Value, true>
    : std::bool_constant<std::atomic<Value>::is_always_lock_free> {};
template <class Value>
inline constexpr bool cache_value_in_place = cache_in_place_check<Value>::value;

template <class Value>
using cache_value_storage =
    std::conditional_t<cache_value_in_place<Value>, std::atomic<Value>, Value>;

template <class Value>
const Value& load_value(const Value& v) noexcept {
  return v;
}
template <class Value>
Value load_value(const std::atomic<Value>& v) noexcept {
  return v.load(std::memory_order_relaxed);
}

// An entry. The key, handle and generation never change once published; the value changes only in
// place for cache_value_in_place types (see above), so readers copy it without a lock while the
// node is protected by their epoch.
inline constexpr std::uint32_t cache_gen_mask = 0x7fffffffU;  // generations use 31 bits

template <class Key, class Value>
struct cache_node {
  std::uint32_t handle;  // the policy's handle (the shard's slot in handle -> node)
  std::uint32_t gen;     // distinguishes nodes that reuse a handle (validates buffered hits)
  Key key;
  cache_value_storage<Value> value;
};
// An entry of a cache with a TTL: the expiry (steady-clock ticks) follows the node; atomic because
// an in-place update moves it.
template <class Key, class Value>
struct cache_timed_node : cache_node<Key, Value> {
  std::atomic<std::int64_t> expiry;
};

// An open-addressing index of node pointers with lock-free lookups, in 64-byte groups of 7 slots
// plus a control word (the F14 layout): bytes 0-6 hold a 1-byte tag of each slot's hash (0 for an
// empty slot, whose word is 0; see tag_of), byte 7 counts the entries homed at or before this
// group that live after it (overflow, saturating at 255). A lookup matches the tag against all 7 bytes at once (SWAR), dereferences
// only matching slots, and stops at the first group without the key whose overflow count is 0.
// Erasing empties the slot and lowers the counts: no tombstones, so churn never lengthens probes or
// forces a rebuild. A probe visits each group at most once.
//
// Concurrency: one writer (holding the shard lock) changes a slot empty -> node (after raising the
// overflow counts it passes; slot word first, then the tag), node -> node (update, same tag) or
// node -> empty (slot word first, then the tag and the counts); growth and shrinking build a new
// table, publish it and retire the old one through the epoch domain. Readers use seq_cst loads (see
// cache_epoch.hpp). The group count is exact (not a power of two); fastrange picks the home group.
class cache_table {
 public:
  static constexpr std::size_t group_slots = 7;
  static constexpr std::size_t npos = ~std::size_t{0};

  struct alignas(64) group {
    std::atomic<std::uint64_t> slot[group_slots];  // node pointers (0 = empty)
    std::atomic<std::uint64_t> ctrl;                // tags (bytes 0-6), overflow count (byte 7)
  };

  static cache_table* create(std::size_t groups) {
    void* p = ::operator new(bytes_for(groups), std::align_val_t{64});
    auto* t = new (p) cache_table(groups);
    for (std::size_t g = 0; g < groups; ++g) {
      group* gr = new (t->groups_begin() + g) group;
      for (auto& sl : gr->slot) sl.store(0, std::memory_order_relaxed);
      gr->ctrl.store(0, std::memory_order_relaxed);
    }
    return t;
  }
  static void destroy(cache_table* t) noexcept {
    if (t == nullptr) return;
    t->~cache_table();
    ::operator delete(t, std::align_val_t{64});
  }
  static std::size_t bytes_for(std::size_t groups) noexcept {
    return sizeof(group) /*header*/ + groups * sizeof(group);
  }
  // Groups needed to hold `entries` at a load of at most 2/3. Linear probing over 7-slot groups
  // clusters quickly above that: at a load of 0.79, 23 of 29 groups overflowed under FIFO churn
  // (measured), against 7 of 35 at 0.65.
  static std::size_t groups_for(std::size_t entries) noexcept {
    const std::size_t g = (entries * 3 + 2 * group_slots - 1) / (2 * group_slots);
    return g < 2 ? 2 : g;
  }

  std::size_t groups() const noexcept { return groups_; }
  std::size_t slots() const noexcept { return groups_ * group_slots; }
  // Entries this table takes before it must grow (load 4/5).
  std::size_t max_entries() const noexcept { return slots() * 4 / 5; }
  std::size_t footprint() const noexcept { return malloc_footprint(bytes_for(groups_)); }

  // A slot's tag: one byte of its hash. 0 is a valid tag, so an empty slot (tag 0, word 0) is
  // told apart by its word: every match is checked against the slot word, and writers find empty
  // slots by their words (empty_lane). Keys whose tag is 0 (1 in 256) also match the empty slots
  // of the groups they probe, which costs them a load of the same line.
  static std::uint64_t tag_of(std::uint64_t h) noexcept { return (h >> 32) & 0xffULL; }
  static std::uint64_t pack(const void* p) noexcept { return reinterpret_cast<std::uintptr_t>(p); }
  template <class Node>
  static Node* unpack(std::uint64_t word) noexcept {
    return reinterpret_cast<Node*>(static_cast<std::uintptr_t>(word));
  }

  std::atomic<std::uint64_t>& slot(std::size_t i) noexcept {
    return groups_begin()[i / group_slots].slot[i % group_slots];
  }

  // Reader (inside an epoch guard) and writer: the node whose key satisfies eq, or nullptr.
  template <class Node, class Eq>
  [[gnu::always_inline]] Node* find(std::uint64_t h, Eq&& eq) const {
    // The tag in every byte (a multiply: cheaper than SSE2's byte broadcast, which takes three
    // shuffles).
    const std::uint64_t tag8 = tag_of(h) * 0x0101010101010101ULL;
#if defined(__SSE2__)
    const __m128i tags = _mm_cvtsi64_si128(static_cast<long long>(tag8));
#else
    const std::uint64_t tags = tag8;
#endif
    // The home group's byte offset from groups_begin() (home(h) * sizeof(group)) in one
    // multiply, shift and mask.
    std::size_t off = static_cast<std::size_t>(((h & 0xffffffffULL) * groups_) >> 26) &
                      ~(sizeof(group) - 1);
    static_assert(sizeof(group) == 64);
    std::size_t left = groups_;
    for (;;) {
      const group& gr = *reinterpret_cast<const group*>(
          reinterpret_cast<const char*>(this) + (off + sizeof(group)));
      const std::uint64_t ctrl = gr.ctrl.load(std::memory_order_seq_cst);
#if defined(__SSE2__)
      // One byte compare of the 7 tags (bit j of m: slot j matches), in vector registers.
      const auto m0 = static_cast<std::uint32_t>(_mm_movemask_epi8(
          _mm_cmpeq_epi8(_mm_cvtsi64_si128(static_cast<long long>(ctrl)), tags)));
      for (std::uint32_t m = m0 & 0x7fU; m != 0; m &= m - 1) {
        const std::uint64_t w = gr.slot[std::countr_zero(m)].load(std::memory_order_seq_cst);
#else
      for (std::uint64_t m = match_spread(ctrl, tags); m != 0; m &= m - 1) {
        const std::uint64_t w = gr.slot[lane(m)].load(std::memory_order_seq_cst);
#endif
        if (w != 0) [[likely]] {
          Node* n = unpack<Node>(w);
          if (eq(*n)) [[likely]] return n;
        }
      }
      if ((ctrl >> 56) == 0 || --left == 0) [[likely]] return nullptr;
      off += sizeof(group);
      if (off == groups_ * sizeof(group)) off = 0;
    }
  }

  // Writer: the slot index holding the node whose key satisfies eq, or npos.
  template <class Node, class Eq>
  std::size_t locate(std::uint64_t h, Eq&& eq) const {
    const std::uint64_t tag = tag_of(h);
    const group* gs = groups_begin();
    std::size_t g = home(h);
    for (std::size_t visited = 0; visited < groups_; ++visited, g = next(g)) {
      const group& gr = gs[g];
      const std::uint64_t ctrl = gr.ctrl.load(std::memory_order_relaxed);
      for (std::uint64_t m = match(ctrl, tag); m != 0; m &= m - 1) {
        const std::size_t j = lane(m);
        const std::uint64_t w = gr.slot[j].load(std::memory_order_relaxed);
        if (w != 0 && eq(*unpack<Node>(w))) return g * group_slots + j;
      }
      if ((ctrl >> 56) == 0) return npos;
    }
    return npos;
  }

  // Writer: where `eq`'s key is (found) or, when absent, the first empty slot on its probe path
  // (free), in one walk.
  struct probe_result {
    std::size_t found = npos;
    std::size_t free = npos;
  };
  template <class Node, class Eq>
  probe_result probe(std::uint64_t h, Eq&& eq) const {
    const std::uint64_t tag = tag_of(h);
    const group* gs = groups_begin();
    probe_result r;
    std::size_t g = home(h);
    bool searching = true;  // the key may still be further on
    for (std::size_t visited = 0; visited < groups_; ++visited, g = next(g)) {
      const group& gr = gs[g];
      const std::uint64_t ctrl = gr.ctrl.load(std::memory_order_relaxed);
      if (searching) {
        for (std::uint64_t m = match(ctrl, tag); m != 0; m &= m - 1) {
          const std::size_t j = lane(m);
          const std::uint64_t w = gr.slot[j].load(std::memory_order_relaxed);
          if (w != 0 && eq(*unpack<Node>(w))) {
            r.found = g * group_slots + j;
            return r;
          }
        }
      }
      if (r.free == npos) {
        const std::size_t j = empty_lane(gr);
        if (j != group_slots) r.free = g * group_slots + j;
      }
      if ((ctrl >> 56) == 0) searching = false;
      if (!searching && r.free != npos) return r;
    }
    return r;
  }

  // Writer: stores node p (hash h) in empty slot i (from probe()), counting it in the overflow of
  // the groups between its home group and slot i's group.
  void insert_at(std::uint64_t h, std::size_t i, const void* p) noexcept {
    group* gs = groups_begin();
    const std::size_t g = i / group_slots;
    const std::size_t j = i % group_slots;
    for (std::size_t k = home(h); k != g; k = next(k)) {
      const std::uint64_t c = gs[k].ctrl.load(std::memory_order_relaxed);
      if ((c >> 56) != 0xff) gs[k].ctrl.store(c + (std::uint64_t{1} << 56), std::memory_order_seq_cst);
    }
    gs[g].slot[j].store(pack(p), std::memory_order_seq_cst);
    const std::uint64_t c = gs[g].ctrl.load(std::memory_order_relaxed);
    gs[g].ctrl.store(c | (tag_of(h) << (8 * j)), std::memory_order_seq_cst);
  }

  // Writer: the slot index holding exactly node p (hash h), or npos.
  std::size_t index_of(std::uint64_t h, const void* p) const noexcept {
    const std::uint64_t tag = tag_of(h);
    const group* gs = groups_begin();
    std::size_t g = home(h);
    for (std::size_t visited = 0; visited < groups_; ++visited, g = next(g)) {
      const std::uint64_t ctrl = gs[g].ctrl.load(std::memory_order_relaxed);
      for (std::uint64_t m = match(ctrl, tag); m != 0; m &= m - 1) {
        const std::size_t j = lane(m);
        if (gs[g].slot[j].load(std::memory_order_relaxed) == pack(p)) return g * group_slots + j;
      }
      if ((ctrl >> 56) == 0) return npos;
    }
    return npos;
  }

  // Writer: stores node p (hash h) in the first empty slot from its home group, counting it in the
  // overflow of the full groups it passes. REQUIRES: fewer than slots() entries.
  std::size_t insert(std::uint64_t h, const void* p, std::memory_order order) noexcept {
    group* gs = groups_begin();
    const std::size_t start = home(h);
    for (std::size_t g = start;; g = next(g)) {
      const std::size_t j = empty_lane(gs[g]);
      if (j == group_slots) continue;
      for (std::size_t k = start; k != g; k = next(k)) {
        const std::uint64_t c = gs[k].ctrl.load(std::memory_order_relaxed);
        if ((c >> 56) != 0xff) gs[k].ctrl.store(c + (std::uint64_t{1} << 56), order);
      }
      const std::uint64_t ctrl = gs[g].ctrl.load(std::memory_order_relaxed);
      gs[g].slot[j].store(pack(p), order);
      gs[g].ctrl.store(ctrl | (tag_of(h) << (8 * j)), order);
      return g * group_slots + j;
    }
  }

  // Writer: empties slot i (holding an entry of hash h) and uncounts it from the overflow counts.
  void erase(std::uint64_t h, std::size_t i) noexcept {
    group* gs = groups_begin();
    const std::size_t g = i / group_slots;
    const std::size_t j = i % group_slots;
    gs[g].slot[j].store(0, std::memory_order_seq_cst);
    const std::uint64_t c = gs[g].ctrl.load(std::memory_order_relaxed);
    gs[g].ctrl.store(c & ~(std::uint64_t{0xff} << (8 * j)), std::memory_order_seq_cst);
    for (std::size_t k = home(h); k != g; k = next(k)) {
      const std::uint64_t ck = gs[k].ctrl.load(std::memory_order_relaxed);
      if ((ck >> 56) != 0xff) gs[k].ctrl.store(ck - (std::uint64_t{1} << 56), std::memory_order_seq_cst);
    }
  }

 private:
  explicit cache_table(std::size_t groups) : groups_(groups) {}

  // Bit 8j+7 set for each of bytes 0-6 of ctrl equal to tag (exact SWAR zero-byte test).
  static std::uint64_t match(std::uint64_t ctrl, std::uint64_t tag) noexcept {
    return match_spread(ctrl, tag * 0x0101010101010101ULL);
  }
  // match() with the tag already copied into every byte.
  static std::uint64_t match_spread(std::uint64_t ctrl, std::uint64_t tags) noexcept {
    constexpr std::uint64_t lo7 = 0x7f7f7f7f7f7f7f7fULL;
    const std::uint64_t x = ctrl ^ tags;
    const std::uint64_t zero = ~(((x & lo7) + lo7) | x | lo7);
    return zero & 0x0080808080808080ULL;  // byte 7 is the overflow count, not a slot
  }
  // Writer: the first empty slot of gr (its word is 0; its tag is then 0 too), or group_slots.
  static std::size_t empty_lane(const group& gr) noexcept {
    for (std::size_t j = 0; j < group_slots; ++j)
      if (gr.slot[j].load(std::memory_order_relaxed) == 0) return j;
    return group_slots;
  }
  static std::size_t lane(std::uint64_t m) noexcept {
    return static_cast<std::size_t>(std::countr_zero(m)) / 8;
  }
  std::size_t home(std::uint64_t h) const noexcept {
    return static_cast<std::size_t>(((h & 0xffffffffULL) * groups_) >> 32);
  }
  std::size_t next(std::size_t g) const noexcept { return g + 1 == groups_ ? 0 : g + 1; }
  group* groups_begin() noexcept {
    return reinterpret_cast<group*>(reinterpret_cast<char*>(this) + sizeof(group));
  }
  const group* groups_begin() const noexcept {
    return reinterpret_cast<const group*>(reinterpret_cast<const char*>(this) + sizeof(group));
  }

  std::size_t groups_;
};
static_assert(sizeof(cache_table) <= sizeof(cache_table::group), "the header fits the first line");

}  // namespace membound::detail
