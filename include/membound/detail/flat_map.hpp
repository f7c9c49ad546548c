// detail::flat_u64_map – an open-addressing (linear probing, backward-shift deletion) map from
// 64-bit keys to 32-bit values, used on the simulator's and the policies' hot paths instead of
// std::unordered_map (one cache line per probe, no node allocation, no tombstones).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace membound::detail {

// splitmix64's finaliser: a bijection on 64-bit integers with good avalanche, so distinct inputs
// give distinct outputs (the simulator relies on that to hash dense object ids without collisions).
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Map from std::uint64_t to std::uint32_t; the value npos is reserved (marks an empty slot).
// Complexity: find/try_emplace/erase expected O(1) at load ≤ 7/8 (rehash doubles the table).
// Thread-compatible. try_emplace may throw std::bad_alloc (strong guarantee); others don't throw.
// No references are handed out, so there is nothing to invalidate. Unbounded: grows as needed.
class flat_u64_map {
 public:
  static constexpr std::uint32_t npos = ~std::uint32_t{0};

  explicit flat_u64_map(std::size_t expected = 0) { reserve(expected); }

  // Returns the value stored for key, or npos.
  std::uint32_t find(std::uint64_t key) const noexcept {
    if (slots_.empty()) return npos;
    for (std::size_t i = index(key);; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (s.value == npos) return npos;
      if (s.key == key) return s.value;
    }
  }

  // Inserts key → value unless key is present. Returns {the stored value, whether it inserted}.
  // REQUIRES: value != npos.
  std::pair<std::uint32_t, bool> try_emplace(std::uint64_t key, std::uint32_t value) {
    if ((size_ + 1) * 8 > slots_.size() * 7) grow();
    for (std::size_t i = index(key);; i = (i + 1) & mask_) {
      slot& s = slots_[i];
      if (s.value == npos) {
        s = {key, value};
        ++size_;
        return {value, true};
      }
      if (s.key == key) return {s.value, false};
    }
  }

  // Sets key → value, inserting or overwriting. REQUIRES: value != npos.
  void assign(std::uint64_t key, std::uint32_t value) {
    if ((size_ + 1) * 8 > slots_.size() * 7) grow();
    for (std::size_t i = index(key);; i = (i + 1) & mask_) {
      slot& s = slots_[i];
      if (s.value == npos) {
        s = {key, value};
        ++size_;
        return;
      }
      if (s.key == key) {
        s.value = value;
        return;
      }
    }
  }

  // Removes key. Returns its value, or npos when it was absent.
  std::uint32_t erase(std::uint64_t key) noexcept {
    if (slots_.empty()) return npos;
    std::size_t i = index(key);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].value == npos) return npos;
      if (slots_[i].key == key) break;
    }
    const std::uint32_t old = slots_[i].value;
    // Backward-shift deletion: pull later members of the probe run into the hole.
    for (std::size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (slots_[j].value == npos) break;
      const std::size_t home = index(slots_[j].key);
      // slot j may move to i when its home is not in the cyclic range (i, j].
      if (((j - home) & mask_) >= ((j - i) & mask_)) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i].value = npos;
    --size_;
    return old;
  }

  void clear() noexcept {
    for (slot& s : slots_) s.value = npos;
    size_ = 0;
  }
  void reserve(std::size_t n) {
    if (n * 8 > slots_.size() * 7) rehash(std::bit_ceil(std::max<std::size_t>(16, n * 8 / 7 + 1)));
  }
  std::size_t size() const noexcept { return size_; }
  std::size_t memory_bytes() const noexcept { return slots_.capacity() * sizeof(slot); }

 private:
  struct slot {
    std::uint64_t key = 0;
    std::uint32_t value = npos;
  };

  std::size_t index(std::uint64_t key) const noexcept {
    return static_cast<std::size_t>(mix64(key)) & mask_;
  }
  void grow() { rehash(slots_.empty() ? 16 : slots_.size() * 2); }
  void rehash(std::size_t n) {
    std::vector<slot> old(n);
    old.swap(slots_);
    mask_ = n - 1;
    for (const slot& s : old) {
      if (s.value == npos) continue;
      std::size_t i = index(s.key);
      while (slots_[i].value != npos) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }

  std::vector<slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace membound::detail
