// detail::reversal_guard – tells a back-and-forth scan from a loop by the order in which recently
// evicted keys come back (the adaptive W-TinyLFU and S3-FIFO use it).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace membound::detail {

// A back-and-forth scan (the LIRS traces backf and zigzag, where LRU is optimal) brings the keys
// a policy has just evicted back newest first; a loop or a re-read run brings them back oldest
// first. An admission-filtered policy gains from admitting on a loop and loses on a reversal:
// there each admission replaces a resident entry that the reversed sweep is about to read, while
// keeping the resident set as it is loses nothing (every resident key is read once per sweep).
//
// The owner reports each return of a key from its shadow of recent evictions with two positions
// (detail::shadow_set's, which grow with every eviction), the key's and the newest eviction's, and
// its resident weight and entry count. Two keys evicted one after the other lie at most two mean
// weights apart (2 with unit weights). A return of the newest evicted key, or of one evicted at
// most that gap before the previous return, is a reverse step; any other return is a forward step.
// Random returns seldom land just below the previous one, so they rarely make three reverse
// steps in a row.
//
// After a reverse step the owner's next admission decision admits nothing (take_hold). After
// `freeze_after` reverse steps in a row the guard is frozen: the owner admits nothing into its
// main part and stops adapting its split, until `thaw_after` forward steps in a row.
// Complexity: O(1). Thread-compatible. Never throws. 24 bytes; no capacity of its own (the owner's
// shadow bounds which returns it sees).
class reversal_guard {
 public:
  static constexpr std::uint32_t freeze_after = 3;
  static constexpr std::uint32_t thaw_after = 2;

  // Reports a return. Returns true when this return froze the guard. Out of line: it runs only on
  // shadow hits, and inlined it made GCC stop inlining handle_list::unlink into the simulator's
  // W-TinyLFU replay (+1.3 % instructions on OLTP, callgrind).
  [[gnu::noinline]] bool note_return(std::uint64_t at, std::uint64_t newest, std::uint64_t resident_weight,
                                     std::size_t resident_entries) noexcept {
    if ((reverse_run_ == 0 && at == newest) ||
        (at < last_ && last_ - at <= max_gap(resident_weight, resident_entries))) {
      reverse_run_ += 1;
      forward_run_ = 0;
    } else {
      forward_run_ += 1;
      reverse_run_ = 0;
    }
    last_ = at;
    hold_ = reverse_run_ > 0;
    if (frozen_ && forward_run_ >= thaw_after) frozen_ = false;
    if (!frozen_ && reverse_run_ >= freeze_after) {
      frozen_ = true;
      return true;
    }
    return false;
  }
  // Whether the next admission decision must refuse (a reverse step was just seen, or frozen);
  // clears the one-shot hold.
  bool take_hold() noexcept {
    const bool h = hold_ || frozen_;
    hold_ = false;
    return h;
  }
  bool frozen() const noexcept { return frozen_; }

 private:
  // Two mean weights, at least 2.
  static std::uint64_t max_gap(std::uint64_t weight, std::size_t entries) noexcept {
    return 2 * (entries == 0 ? 1 : std::max<std::uint64_t>(1, weight / entries));
  }

  std::uint64_t last_ = 0;  // eviction position of the previous return (0 before any: no step below it)
  std::uint32_t reverse_run_ = 0;
  std::uint32_t forward_run_ = 0;
  bool hold_ = false;
  bool frozen_ = false;
};

}  // namespace membound::detail
