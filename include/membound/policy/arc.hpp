// policy::arc – Adaptive Replacement Cache (Megiddo & Modha, FAST'03).
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "membound/detail/ghost_list.hpp"
#include "membound/detail/handle_list.hpp"
#include "membound/policy/policy.hpp"

namespace membound::policy {

// Two resident LRU lists, T1 (seen once recently) and T2 (seen at least twice), and two ghost
// lists of evicted keys, B1 and B2. A miss that hits B1 grows the target size p of T1, one that
// hits B2 shrinks it; eviction takes T1's LRU while T1 is over p, else T2's LRU, and remembers the
// victim's key in B1 or B2. Directory bounds: |T1|+|B1| <= c and |T1|+|T2|+|B1|+|B2| <= 2c.
// Weighted: every size and p are in weight units, and the adaptation step is scaled by the
// missed entry's weight. Reproduces the ARC paper's OLTP hit ratio (shared/traces/README.md).
// Complexity: every operation expected O(1). Thread-compatible. on_insert/evict may throw
// std::bad_alloc (ghost growth). Handles are the owner's; about 24 bytes per slot plus ~40 per
// ghost key (up to c ghosts).
// Capacity: c steers p and the ghost bounds; the owner evicts while over capacity (0 allowed).
class arc {
 public:
  static constexpr std::string_view name = "arc";

  explicit arc(std::uint64_t capacity = 0) : c_(capacity) {}

  // Records (and consumes) a ghost hit for `hash`, adapting p, so that the following evict()
  // calls know whether x was in B2, as REPLACE(x, p) requires.
  void on_miss(std::uint64_t hash) {
    pending_ = consume_ghost(hash);
    if (pending_ != ghost::none) recent_.remember(hash, static_cast<std::uint8_t>(pending_));
  }
  void on_insert(handle h, std::uint64_t hash, std::uint64_t weight) {
    if (h >= nodes_.size()) nodes_.resize(static_cast<std::size_t>(h) + 1);
    node& n = nodes_[h];
    n.hash = hash;
    n.weight = weight;
    const bool seen = recent_.take(hash) != 0 || consume_ghost(hash) != ghost::none;
    n.frequent = seen;
    (seen ? t2_ : t1_).push_front(nodes_, h, weight);
    pending_ = ghost::none;
    trim_ghosts();
  }
  void on_hit(handle h) noexcept {
    node& n = nodes_[h];
    if (n.frequent) {
      t2_.move_to_front(nodes_, h);
    } else {
      t1_.unlink(nodes_, h, n.weight);
      n.frequent = true;
      t2_.push_front(nodes_, h, n.weight);
    }
  }
  void on_update(handle h, std::uint64_t weight) noexcept {
    node& n = nodes_[h];
    (n.frequent ? t2_ : t1_).unlink(nodes_, h, n.weight);
    n.weight = weight;
    n.frequent = true;
    t2_.push_front(nodes_, h, weight);
  }
  void on_remove(handle h) noexcept { (nodes_[h].frequent ? t2_ : t1_).unlink(nodes_, h, nodes_[h].weight); }

  // REPLACE(x, p) of the paper; x's ghost hit (if any) was recorded by on_miss.
  handle evict() {
    assert(size() > 0);
    const double t1 = static_cast<double>(t1_.weight());
    const bool from_t1 = !t1_.empty() && (t2_.empty() || t1 > p_ || (pending_ == ghost::b2 && t1 == p_));
    detail::handle_list& list = from_t1 ? t1_ : t2_;
    const handle victim = list.back();
    const node& n = nodes_[victim];
    list.unlink(nodes_, victim, n.weight);
    (from_t1 ? b1_ : b2_).push_front(n.hash, n.weight);
    return victim;
  }
  void set_capacity(std::uint64_t capacity) {
    c_ = capacity;
    p_ = std::min(p_, static_cast<double>(c_));
    trim_ghosts();
  }
  std::size_t size() const noexcept { return t1_.size() + t2_.size(); }
  std::size_t memory_bytes() const noexcept {
    return nodes_.capacity() * sizeof(node) + b1_.memory_bytes() + b2_.memory_bytes();
  }
  // The adaptive target for T1's weight (for tests and the docs).
  double target_t1() const noexcept { return p_; }

 private:
  enum class ghost : std::uint8_t { none, b1, b2 };
  struct node {
    handle prev = no_handle;
    handle next = no_handle;
    std::uint64_t hash = 0;
    std::uint32_t weight = 0;
    bool frequent = false;  // in T2
  };

  // The paper's adaptation: δ = max(1, |other ghost| / |this ghost|), both measured while x is
  // still in its ghost list; weighted, the step is δ × x's weight.
  ghost consume_ghost(std::uint64_t hash) {
    const auto b1 = static_cast<double>(b1_.weight());
    const auto b2 = static_cast<double>(b2_.weight());
    if (const std::uint64_t w = b1_.erase(hash); w != detail::ghost_list::absent) {
      const double delta = b1 >= b2 ? 1.0 : b2 / b1;
      p_ = std::min(static_cast<double>(c_), p_ + delta * static_cast<double>(w));
      return ghost::b1;
    }
    if (const std::uint64_t w = b2_.erase(hash); w != detail::ghost_list::absent) {
      const double delta = b2 >= b1 ? 1.0 : b1 / b2;
      p_ = std::max(0.0, p_ - delta * static_cast<double>(w));
      return ghost::b2;
    }
    return ghost::none;
  }

  void trim_ghosts() noexcept {
    while (!b1_.empty() && t1_.weight() + b1_.weight() > c_) b1_.pop_tail();
    while (!b2_.empty() && t1_.weight() + t2_.weight() + b1_.weight() + b2_.weight() > 2 * c_) b2_.pop_tail();
    while (!b1_.empty() && t1_.weight() + t2_.weight() + b1_.weight() + b2_.weight() > 2 * c_) b1_.pop_tail();
  }

  std::uint64_t c_;
  double p_ = 0;
  std::vector<node> nodes_;
  detail::handle_list t1_;
  detail::handle_list t2_;
  detail::ghost_list b1_;
  detail::ghost_list b2_;
  ghost pending_ = ghost::none;  // the last on_miss's ghost hit, for REPLACE's tie rule
  detail::ghost_hit_memory recent_;
};

static_assert(eviction_policy<arc>);

}  // namespace membound::policy
