// detail::count_min_sketch – TinyLFU's frequency sketch: 4-bit counters, depth 4, periodic aging.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "membound/detail/flat_map.hpp"

namespace membound::detail {

// A count-min sketch of 4 rows of 4-bit saturating counters (Caffeine's "count-min-4"). Each row
// has 4 × bit_ceil(expected entries) counters, so the whole table holds 16 counters per expected
// entry (8 bytes), as Caffeine's FrequencySketch does. After `sample_size` increments (10 × the
// expected entries) every counter is halved ("reset"), so old popularity fades.
// Complexity: increment/frequency O(1); the periodic reset O(table). Thread-compatible.
// resize() may throw std::bad_alloc; the rest does not throw.
class count_min_sketch {
 public:
  explicit count_min_sketch(std::size_t expected_entries = 16) { resize(expected_entries); }

  // Re-sizes for `expected_entries` (counters are cleared). Throws std::bad_alloc.
  void resize(std::size_t expected_entries) {
    expected_ = std::max<std::size_t>(16, expected_entries);
    row_counters_ = std::bit_ceil(expected_) * 4;
    words_.assign(row_counters_ * 4 / 16, 0);
    sample_size_ = 10 * expected_;
    additions_ = 0;
  }
  std::size_t expected_entries() const noexcept { return expected_; }
  // The number of counted increments after which the sketch ages (10 × expected entries).
  std::size_t sample_size() const noexcept { return sample_size_; }

  // Returns the estimated frequency of `hash` (0..15).
  unsigned frequency(std::uint64_t hash) const noexcept {
    unsigned f = 15;
    for (unsigned row = 0; row < 4; ++row) f = std::min(f, get(index(hash, row)));
    return f;
  }

  // Counts one occurrence of `hash`.
  void increment(std::uint64_t hash) noexcept {
    bool added = false;
    for (unsigned row = 0; row < 4; ++row) {
      const std::size_t i = index(hash, row);
      if (get(i) < 15) {
        words_[i >> 4] += std::uint64_t{1} << ((i & 15) * 4);
        added = true;
      }
    }
    if (added && ++additions_ >= sample_size_) reset();
  }

  std::size_t memory_bytes() const noexcept { return words_.capacity() * sizeof(std::uint64_t); }

 private:
  static constexpr std::uint64_t seeds[4] = {0xc3a5c85c97cb3127ULL, 0xb492b66fbe98f273ULL,
                                             0x9ae16a3b2f90404fULL, 0xcbf29ce484222325ULL};
  std::size_t index(std::uint64_t hash, unsigned row) const noexcept {
    const std::uint64_t h = mix64(hash + seeds[row]);
    return row * row_counters_ + (static_cast<std::size_t>(h) & (row_counters_ - 1));
  }
  unsigned get(std::size_t i) const noexcept {
    return static_cast<unsigned>((words_[i >> 4] >> ((i & 15) * 4)) & 0xf);
  }
  void reset() noexcept {
    for (std::uint64_t& w : words_) w = (w >> 1) & 0x7777777777777777ULL;
    additions_ /= 2;
  }

  std::vector<std::uint64_t> words_;
  std::size_t expected_ = 16;
  std::size_t row_counters_ = 64;
  std::size_t sample_size_ = 160;
  std::size_t additions_ = 0;
};

}  // namespace membound::detail
