// detail::handle_bits – one bit per policy handle, packed 64 to a word (SIEVE's visited bits,
// CLOCK's reference bits), so that a policy's per-slot state stays at its 8 bytes of links.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "membound/policy/policy.hpp"

namespace membound::detail {

// Complexity: get/set O(1); reserve_for amortised O(1). Thread-compatible. Only reserve_for
// throws (std::bad_alloc), and then leaves the bits as they were. Bits of new words start clear.
class handle_bits {
 public:
  using handle = policy::handle;

  // Makes bit h addressable.
  void reserve_for(handle h) {
    if (h / 64 >= words_.size()) words_.resize(static_cast<std::size_t>(h) / 64 + 1);
  }
  bool get(handle h) const noexcept { return (words_[h / 64] >> (h % 64)) & 1U; }
  void set(handle h, bool v) noexcept {
    const std::uint64_t bit = std::uint64_t{1} << (h % 64);
    words_[h / 64] = v ? (words_[h / 64] | bit) : (words_[h / 64] & ~bit);
  }
  std::size_t memory_bytes() const noexcept { return words_.capacity() * sizeof(std::uint64_t); }

 private:
  std::vector<std::uint64_t> words_;
};

}  // namespace membound::detail
