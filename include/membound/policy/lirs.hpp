// policy::lirs – Low Inter-reference Recency Set (Jiang & Zhang, SIGMETRICS'02).
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "membound/detail/flat_map.hpp"
#include "membound/policy/policy.hpp"

namespace membound::policy {

// Entries are LIR (low inter-reference recency, 99 % of the capacity) or HIR. The stack S holds
// LIR entries and recently seen HIR entries, resident or not, in recency order; its bottom is
// always LIR ("stack pruning"). The queue Q holds the resident HIR entries, and eviction takes
// Q's oldest entry (which, if still in S, stays there as a non-resident ghost). An HIR entry hit
// while in S becomes LIR, and the bottom LIR entry of S is demoted to Q. A miss whose key is a
// non-resident ghost in S becomes LIR directly. Until the LIR set is full, new entries are LIR.
// Non-resident ghosts are bounded to 2 × capacity by weight (Caffeine's non-resident multiplier);
// the oldest-evicted ghost is dropped first.
// Complexity: on_hit/on_insert/evict amortised O(1) (pruning removes each stack entry once).
// Thread-compatible. on_insert/evict may throw std::bad_alloc (node growth).
// Handles are the owner's; ~56 bytes per tracked key (resident or ghost).
// Capacity: c sets the LIR share; the owner evicts while over capacity (0 allowed).
class lirs {
 public:
  static constexpr std::string_view name = "lirs";

  explicit lirs(std::uint64_t capacity = 0) { set_capacity(capacity); }

  void on_insert(handle h, std::uint64_t hash, std::uint64_t weight) {
    if (h >= node_of_.size()) node_of_.resize(static_cast<std::size_t>(h) + 1, npos);
    std::uint32_t n = index_.find(hash);
    if (n != npos) {
      // A non-resident ghost still in S: its inter-reference recency is small, so it turns LIR.
      node& x = nodes_[n];
      ghost_unlink(n);
      nonresident_weight_ -= x.weight;
      x.handle_ = h;
      x.weight = static_cast<std::uint32_t>(weight);
      x.status = state::lir;
      s_move_to_top(n);
      lir_weight_ += x.weight;
      node_of_[h] = n;
      ++resident_;
      demote_excess();
      return;
    }
    n = alloc();
    node& x = nodes_[n];
    x.hash = hash;
    x.handle_ = h;
    x.weight = static_cast<std::uint32_t>(weight);
    index_.assign(hash, n);
    node_of_[h] = n;
    if (lir_weight_ + weight <= lir_cap_) {
      x.status = state::lir;
      s_push_top(n);
      lir_weight_ += weight;
    } else {
      x.status = state::hir;
      s_push_top(n);
      q_push_back(n);
    }
  }
  void on_hit(handle h) {
    const std::uint32_t n = node_of_[h];
    node& x = nodes_[n];
    if (x.status == state::lir) {
      const bool was_bottom = s_bottom_ == n;
      s_move_to_top(n);
      if (was_bottom) prune();
      return;
    }
    // Resident HIR.
    if (x.in_s) {
      q_unlink(n);
      x.status = state::lir;
      lir_weight_ += x.weight;
      s_move_to_top(n);
      demote_excess();
    } else {
      s_push_top(n);
      q_unlink(n);
      q_push_back(n);
    }
  }
  void on_update(handle h, std::uint64_t weight) {
    node& x = nodes_[node_of_[h]];
    if (x.status == state::lir) lir_weight_ = lir_weight_ - x.weight + weight;
    x.weight = static_cast<std::uint32_t>(weight);
    on_hit(h);
    demote_excess();
  }
  void on_remove(handle h) {
    const std::uint32_t n = node_of_[h];
    node& x = nodes_[n];
    if (x.status == state::lir) lir_weight_ -= x.weight; else q_unlink(n);
    if (x.in_s) s_unlink(n);
    forget(n);
    node_of_[h] = npos;
    prune();
  }
  handle evict() {
    assert(size() > 0);
    if (q_head_ == npos) demote_bottom();  // only LIR entries are resident (e.g. after a shrink)
    const std::uint32_t n = q_head_;
    node& x = nodes_[n];
    q_unlink(n);
    const handle victim = x.handle_;
    node_of_[victim] = npos;
    x.handle_ = no_handle;
    if (x.in_s) {
      x.status = state::ghost;
      ghost_push(n);
      nonresident_weight_ += x.weight;
      while (nonresident_weight_ > ghost_cap_ && g_tail_ != npos) {
        const std::uint32_t g = g_tail_;
        ghost_unlink(g);
        nonresident_weight_ -= nodes_[g].weight;
        s_unlink(g);
        forget(g);
      }
      prune();
    } else {
      forget(n);
    }
    --resident_;
    return victim;
  }
  void set_capacity(std::uint64_t capacity) {
    // 1 % HIR (at least one unit), as in the paper and Caffeine's percent-hot 0.99.
    const std::uint64_t hir = std::max<std::uint64_t>(1, capacity / 100);
    lir_cap_ = capacity > hir ? capacity - hir : 0;
    ghost_cap_ = 2 * capacity;
    demote_excess();
  }
  std::size_t size() const noexcept { return resident_; }
  std::size_t memory_bytes() const noexcept {
    return nodes_.capacity() * sizeof(node) + node_of_.capacity() * sizeof(std::uint32_t) + index_.memory_bytes();
  }

 private:
  static constexpr std::uint32_t npos = detail::flat_u64_map::npos;
  enum class state : std::uint8_t { lir, hir, ghost };
  struct node {
    std::uint64_t hash = 0;
    handle handle_ = no_handle;
    std::uint32_t weight = 0;
    std::uint32_t s_prev = npos, s_next = npos;  // S: prev toward the top
    std::uint32_t q_prev = npos, q_next = npos;  // Q (resident HIR) or the ghost FIFO
    state status = state::hir;
    bool in_s = false;
  };

  std::uint32_t alloc() {
    ++resident_;
    if (free_ != npos) {
      const std::uint32_t n = free_;
      free_ = nodes_[n].q_next;
      nodes_[n] = node{};
      return n;
    }
    nodes_.emplace_back();
    return static_cast<std::uint32_t>(nodes_.size() - 1);
  }
  // Drops n from the index and recycles it. REQUIRES: n is in neither S nor Q nor the ghost FIFO.
  void forget(std::uint32_t n) {
    index_.erase(nodes_[n].hash);
    nodes_[n].q_next = free_;
    free_ = n;
    if (nodes_[n].status != state::ghost && nodes_[n].handle_ != no_handle) --resident_;
    nodes_[n].handle_ = no_handle;
  }

  // S, the LIRS stack: top = most recent.
  void s_push_top(std::uint32_t n) {
    node& x = nodes_[n];
    x.s_prev = npos;
    x.s_next = s_top_;
    if (s_top_ != npos) nodes_[s_top_].s_prev = n; else s_bottom_ = n;
    s_top_ = n;
    x.in_s = true;
  }
  void s_unlink(std::uint32_t n) {
    node& x = nodes_[n];
    if (x.s_prev != npos) nodes_[x.s_prev].s_next = x.s_next; else s_top_ = x.s_next;
    if (x.s_next != npos) nodes_[x.s_next].s_prev = x.s_prev; else s_bottom_ = x.s_prev;
    x.in_s = false;
  }
  void s_move_to_top(std::uint32_t n) {
    if (nodes_[n].in_s) s_unlink(n);
    s_push_top(n);
  }
  // Q, resident HIR entries: head = oldest (next victim), tail = newest.
  void q_push_back(std::uint32_t n) {
    node& x = nodes_[n];
    x.q_next = npos;
    x.q_prev = q_tail_;
    if (q_tail_ != npos) nodes_[q_tail_].q_next = n; else q_head_ = n;
    q_tail_ = n;
  }
  void q_unlink(std::uint32_t n) {
    node& x = nodes_[n];
    if (x.q_prev != npos) nodes_[x.q_prev].q_next = x.q_next; else q_head_ = x.q_next;
    if (x.q_next != npos) nodes_[x.q_next].q_prev = x.q_prev; else q_tail_ = x.q_prev;
  }
  // Ghost FIFO (non-resident entries in S), reusing the q links: head = newest, tail = oldest.
  void ghost_push(std::uint32_t n) {
    node& x = nodes_[n];
    x.q_prev = npos;
    x.q_next = g_head_;
    if (g_head_ != npos) nodes_[g_head_].q_prev = n; else g_tail_ = n;
    g_head_ = n;
  }
  void ghost_unlink(std::uint32_t n) {
    node& x = nodes_[n];
    if (x.q_prev != npos) nodes_[x.q_prev].q_next = x.q_next; else g_head_ = x.q_next;
    if (x.q_next != npos) nodes_[x.q_next].q_prev = x.q_prev; else g_tail_ = x.q_prev;
  }

  // Stack pruning: remove HIR entries (resident or not) from S's bottom until it is LIR.
  void prune() {
    while (s_bottom_ != npos && nodes_[s_bottom_].status != state::lir) {
      const std::uint32_t b = s_bottom_;
      s_unlink(b);
      if (nodes_[b].status == state::ghost) {
        ghost_unlink(b);
        nonresident_weight_ -= nodes_[b].weight;
        forget(b);
      }
    }
  }
  // Turns S's bottom LIR entry into a resident HIR entry at Q's tail.
  void demote_bottom() {
    prune();
    const std::uint32_t b = s_bottom_;
    assert(b != npos);
    s_unlink(b);
    nodes_[b].status = state::hir;
    lir_weight_ -= nodes_[b].weight;
    q_push_back(b);
    prune();
  }
  void demote_excess() {
    while (lir_weight_ > lir_cap_ && s_bottom_ != npos) demote_bottom();
  }

  std::vector<node> nodes_;
  std::vector<std::uint32_t> node_of_;  // handle -> node
  detail::flat_u64_map index_;          // hash -> node (resident and ghost)
  std::uint32_t s_top_ = npos, s_bottom_ = npos;
  std::uint32_t q_head_ = npos, q_tail_ = npos;
  std::uint32_t g_head_ = npos, g_tail_ = npos;
  std::uint32_t free_ = npos;
  std::uint64_t lir_cap_ = 0;
  std::uint64_t ghost_cap_ = 0;
  std::uint64_t lir_weight_ = 0;
  std::uint64_t nonresident_weight_ = 0;
  std::size_t resident_ = 0;
};

static_assert(eviction_policy<lirs>);

}  // namespace membound::policy
