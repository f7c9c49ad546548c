// policy::two_queue – 2Q (Johnson & Shasha, VLDB'94), the "full version" with A1in, A1out, Am.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "membound/detail/ghost_list.hpp"
#include "membound/detail/handle_list.hpp"
#include "membound/policy/policy.hpp"

namespace membound::policy {

// New entries enter A1in, a FIFO holding about 25 % of the capacity; hits there do nothing.
// Entries evicted from A1in leave their key in A1out (a ghost FIFO of 50 % of the capacity); a
// miss whose key is in A1out is inserted into Am, an LRU list for the rest of the cache. Evicts
// from A1in while it is over its share, else from Am's LRU end (Am victims leave no ghost).
// Complexity: every operation expected O(1). Thread-compatible. on_insert/evict may throw
// std::bad_alloc (ghost growth). Handles are the owner's; 24 bytes per slot plus ~40 per ghost key.
// Capacity: c sets the A1in and A1out shares; the owner evicts while over capacity (0 allowed).
class two_queue {
 public:
  static constexpr std::string_view name = "two_queue";

  explicit two_queue(std::uint64_t capacity = 0) { set_capacity(capacity); }

  void on_miss(std::uint64_t hash) {
    if (a1out_.erase(hash) != detail::ghost_list::absent) recent_.remember(hash, 1);
  }
  void on_insert(handle h, std::uint64_t hash, std::uint64_t weight) {
    if (h >= nodes_.size()) nodes_.resize(static_cast<std::size_t>(h) + 1);
    node& n = nodes_[h];
    n.hash = hash;
    n.weight = static_cast<std::uint32_t>(weight);
    n.hot = recent_.take(hash) != 0 || a1out_.erase(hash) != detail::ghost_list::absent;
    (n.hot ? am_ : a1in_).push_front(nodes_, h, weight);
  }
  void on_hit(handle h) noexcept {
    if (nodes_[h].hot) am_.move_to_front(nodes_, h);
  }
  void on_update(handle h, std::uint64_t weight) noexcept {
    node& n = nodes_[h];
    list_of(n).unlink(nodes_, h, n.weight);
    n.weight = static_cast<std::uint32_t>(weight);
    list_of(n).push_front(nodes_, h, weight);
  }
  void on_remove(handle h) noexcept { list_of(nodes_[h]).unlink(nodes_, h, nodes_[h].weight); }
  handle evict() {
    assert(size() > 0);
    if (!a1in_.empty() && (a1in_.weight() > kin_ || am_.empty())) {
      const handle victim = a1in_.back();
      const node& n = nodes_[victim];
      a1in_.unlink(nodes_, victim, n.weight);
      a1out_.push_front(n.hash, n.weight);
      while (a1out_.weight() > kout_ && !a1out_.empty()) a1out_.pop_tail();
      return victim;
    }
    const handle victim = am_.back();
    am_.unlink(nodes_, victim, nodes_[victim].weight);
    return victim;
  }
  void set_capacity(std::uint64_t capacity) noexcept {
    kin_ = capacity / 4;   // the paper's recommended Kin = 25 %
    kout_ = capacity / 2;  // and Kout = 50 %
    while (a1out_.weight() > kout_ && !a1out_.empty()) a1out_.pop_tail();
  }
  std::size_t size() const noexcept { return a1in_.size() + am_.size(); }
  std::size_t memory_bytes() const noexcept { return nodes_.capacity() * sizeof(node) + a1out_.memory_bytes(); }

 private:
  struct node {
    handle prev = no_handle;
    handle next = no_handle;
    std::uint64_t hash = 0;
    std::uint32_t weight = 0;
    bool hot = false;  // in Am
  };
  detail::handle_list& list_of(const node& n) noexcept { return n.hot ? am_ : a1in_; }

  std::uint64_t kin_ = 0;
  std::uint64_t kout_ = 0;
  std::vector<node> nodes_;
  detail::handle_list a1in_;
  detail::handle_list am_;
  detail::ghost_list a1out_;
  detail::ghost_hit_memory recent_;
};

static_assert(eviction_policy<two_queue>);

}  // namespace membound::policy
