// detail::shadow_set – a lossy, fixed-cost "recently evicted" set for marginal-hit
// feedback (W-TinyLFU's window/main shadows, S3-FIFO's S/M shadows).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace membound::detail {

// Remembers keys (64-bit hashes) evicted within the last `bound` units of evicted weight (the key's
// own weight included, as a ghost FIFO trimmed to `bound` would keep it) or, when set_min_entries(n)
// is used, within the last n evictions, whichever reaches further back. Each key
// goes into one direct-mapped slot (a 32-bit fingerprint and the cumulative evicted weight when it
// was added); a later key mapping to the same slot overwrites it, and keys removed early still
// count toward the bound, so membership is approximate: it never reports a key that was not
// added (up to a 2^-32 fingerprint collision) and forgets at most what colliding slots overwrite.
// That is enough for a hit-rate signal and costs one memory access per query, where an exact
// ghost list costs several hash-table probes on every miss.
// Complexity: add/take O(1); grow O(slots). Thread-compatible. grow() may throw std::bad_alloc.
// Memory: 16 bytes per slot, slots = bit_ceil(4 × expected entries), at least 16.
class shadow_set {
 public:
  // Sizes the table for about `expected_entries` keys within the bound (clears it).
  void resize(std::size_t expected_entries) {
    slots_.assign(std::bit_ceil(std::max<std::size_t>(16, 4 * expected_entries)), slot{});
    mask_ = slots_.size() - 1;
  }
  std::size_t slots() const noexcept { return slots_.size(); }
  void set_bound(std::uint64_t bound) noexcept { bound_ = bound; }
  // Also remembers the last n evicted keys whatever their weight (0: the weight bound alone).
  // Size the table for at least n entries (resize) or colliding slots forget some of them.
  void set_min_entries(std::uint32_t n) noexcept { min_entries_ = n; }

  // Records that `hash` (of weight w) was just evicted.
  void add(std::uint64_t hash, std::uint64_t w) noexcept {
    if (slots_.empty() || (w > bound_ && min_entries_ == 0)) return;
    slot& s = slots_[index(hash)];
    s.fingerprint = fingerprint(hash);
    s.at = evicted_;
    s.count_at = added_++;
    last_at_ = evicted_;
    evicted_ += w;
  }
  // Returns whether `hash` was evicted within the bound, and forgets it.
  bool take(std::uint64_t hash) noexcept {
    std::uint64_t at = 0;
    return take(hash, at);
  }
  // As take(hash); on success `at` is the key's eviction position: the weight evicted before it
  // was added, so later evictions have larger positions (the order the keys left in).
  bool take(std::uint64_t hash, std::uint64_t& at) noexcept {
    if (slots_.empty()) return false;
    slot& s = slots_[index(hash)];
    if (s.fingerprint != fingerprint(hash) || s.fingerprint == 0) return false;
    const std::uint64_t since = evicted_ - s.at;  // its own weight plus everything evicted after it
    // Itself plus the keys added after it. Modulo 2^32: wrong only for a slot that outlived 2^32
    // adds without being overwritten, which a table of at least 16 slots makes vanishingly rare.
    const std::uint32_t since_count = added_ - s.count_at;
    s.fingerprint = 0;
    at = s.at;
    return since <= bound_ || (since_count != 0 && since_count <= min_entries_);
  }
  // The eviction position of the most recent add() (0 before any).
  std::uint64_t last_position() const noexcept { return last_at_; }
  std::size_t memory_bytes() const noexcept { return slots_.capacity() * sizeof(slot); }

 private:
  struct slot {
    std::uint64_t at = 0;           // evicted_ just before this key was added
    std::uint32_t fingerprint = 0;  // 0: empty
    std::uint32_t count_at = 0;     // added_ just before this key was added (in the padding)
  };
  static_assert(sizeof(slot) == 16);
  std::size_t index(std::uint64_t hash) const noexcept { return static_cast<std::size_t>(hash) & mask_; }
  static std::uint32_t fingerprint(std::uint64_t hash) noexcept {
    const auto f = static_cast<std::uint32_t>(hash >> 32);
    return f == 0 ? 1 : f;
  }

  std::vector<slot> slots_;
  std::size_t mask_ = 0;
  std::uint64_t bound_ = 0;
  std::uint64_t evicted_ = 0;
  std::uint64_t last_at_ = 0;
  std::uint32_t added_ = 0;  // adds so far, modulo 2^32
  std::uint32_t min_entries_ = 0;
};

}  // namespace membound::detail
