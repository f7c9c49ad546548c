// detail::ghost_list – an ordered list of non-resident keys (64-bit hashes) with a weight each,
// the "ghost" history of ARC (B1/B2), 2Q (A1out) and S3-FIFO (G).
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "membound/detail/flat_map.hpp"

namespace membound::detail {

// New keys enter at the head; the oldest key is at the tail. Keys can be removed from anywhere.
// The list tracks its total weight; the owner trims it (pop_tail) to whatever bound it keeps.
// Complexity: push_front/erase/contains/pop_tail expected O(1). Thread-compatible. push_front may
// throw std::bad_alloc (strong guarantee). Unbounded by itself: the owning policy trims it.
class ghost_list {
 public:
  static constexpr std::uint64_t absent = ~std::uint64_t{0};

  // Inserts hash at the head (moving it there if present).
  void push_front(std::uint64_t hash, std::uint64_t weight) {
    erase(hash);
    std::uint32_t n;
    if (free_ != npos) {
      n = free_;
      free_ = nodes_[n].next;
    } else {
      n = static_cast<std::uint32_t>(nodes_.size());
      nodes_.emplace_back();
    }
    nodes_[n] = {hash, weight, npos, head_};
    if (head_ != npos) nodes_[head_].prev = n; else tail_ = n;
    head_ = n;
    index_.assign(hash, n);
    ++count_;
    weight_ += weight;
  }
  bool contains(std::uint64_t hash) const noexcept { return index_.find(hash) != npos; }
  // Removes hash. Returns its weight, or `absent` when it was not in the list.
  std::uint64_t erase(std::uint64_t hash) noexcept {
    const std::uint32_t n = index_.erase(hash);
    if (n == npos) return absent;
    const std::uint64_t w = nodes_[n].weight;
    unlink(n);
    return w;
  }
  // Removes the oldest key. REQUIRES: !empty().
  void pop_tail() noexcept {
    assert(tail_ != npos);
    index_.erase(nodes_[tail_].hash);
    unlink(tail_);
  }
  std::uint64_t tail_weight() const noexcept { return nodes_[tail_].weight; }
  bool empty() const noexcept { return count_ == 0; }
  std::size_t size() const noexcept { return count_; }
  std::uint64_t weight() const noexcept { return weight_; }
  std::size_t memory_bytes() const noexcept {
    return nodes_.capacity() * sizeof(node) + index_.memory_bytes();
  }

 private:
  static constexpr std::uint32_t npos = flat_u64_map::npos;
  struct node {
    std::uint64_t hash = 0;
    std::uint64_t weight = 0;
    std::uint32_t prev = npos;  // toward the head
    std::uint32_t next = npos;  // toward the tail
  };
  void unlink(std::uint32_t n) noexcept {
    const node& x = nodes_[n];
    if (x.prev != npos) nodes_[x.prev].next = x.next; else head_ = x.next;
    if (x.next != npos) nodes_[x.next].prev = x.prev; else tail_ = x.prev;
    weight_ -= x.weight;
    --count_;
    nodes_[n].next = free_;
    free_ = n;
  }

  std::vector<node> nodes_;
  flat_u64_map index_;
  std::uint32_t head_ = npos;
  std::uint32_t tail_ = npos;
  std::uint32_t free_ = npos;
  std::size_t count_ = 0;
  std::uint64_t weight_ = 0;
};

// Remembers the last few ghost hits that on_miss consumed, so that on_insert still recognises its
// key when the owner reported other misses in between (a cache shard does: get() misses, then the
// caller loads and put()s later). Complexity: O(slots). Thread-compatible. Never throws.
class ghost_hit_memory {
 public:
  // kind: the policy's non-zero tag of the ghost list that was hit.
  void remember(std::uint64_t hash, std::uint8_t kind) noexcept {
    hashes_[next_] = hash;
    kinds_[next_] = kind;
    next_ = (next_ + 1) % slots;
  }
  // Returns and forgets the kind remembered for hash (0: none).
  std::uint8_t take(std::uint64_t hash) noexcept {
    for (unsigned i = 0; i < slots; ++i) {
      const unsigned k = (next_ + slots - 1 - i) % slots;  // newest first
      if (kinds_[k] != 0 && hashes_[k] == hash) {
        const std::uint8_t kind = kinds_[k];
        kinds_[k] = 0;
        return kind;
      }
    }
    return 0;
  }

 private:
  static constexpr unsigned slots = 16;
  std::uint64_t hashes_[slots] = {};
  std::uint8_t kinds_[slots] = {};
  unsigned next_ = 0;
};

}  // namespace membound::detail
