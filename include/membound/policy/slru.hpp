// policy::slru – segmented LRU with a probationary and a protected segment.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "membound/detail/handle_list.hpp"
#include "membound/policy/policy.hpp"

namespace membound::policy {

// Two LRU segments, as in Caffeine's SegmentedLru and W-TinyLFU's main space: new entries enter
// probation; a hit in probation promotes the entry to protected (80 % of the capacity), whose LRU
// entries are demoted back to probation's MRU end when protected is over its share. Evicts
// probation's LRU entry (protected's when probation is empty). Note: libCacheSim's `slru` default
// is four equal segments, so its golden miss counts are not expected to match.
// Complexity: every operation O(1). Thread-compatible. Does not throw except std::bad_alloc from
// on_insert's growth. Handles are the owner's; 16 bytes per slot.
// Capacity: c sets protected's share; the owner evicts while over capacity (0 allowed).
class slru {
 public:
  static constexpr std::string_view name = "slru";

  explicit slru(std::uint64_t capacity = 0) { set_capacity(capacity); }

  void on_insert(handle h, std::uint64_t /*hash*/, std::uint64_t weight) {
    if (h >= nodes_.size()) nodes_.resize(static_cast<std::size_t>(h) + 1);
    nodes_[h].weight = static_cast<std::uint32_t>(weight);
    nodes_[h].protect = false;
    probation_.push_front(nodes_, h, weight);
  }
  void on_hit(handle h) noexcept {
    node& n = nodes_[h];
    if (n.protect) {
      protected_.move_to_front(nodes_, h);
      return;
    }
    probation_.unlink(nodes_, h, n.weight);
    n.protect = true;
    protected_.push_front(nodes_, h, n.weight);
    demote();
  }
  void on_update(handle h, std::uint64_t weight) noexcept {
    node& n = nodes_[h];
    (n.protect ? protected_ : probation_).unlink(nodes_, h, n.weight);
    n.weight = static_cast<std::uint32_t>(weight);
    (n.protect ? protected_ : probation_).push_front(nodes_, h, weight);
    on_hit(h);
  }
  void on_remove(handle h) noexcept {
    (nodes_[h].protect ? protected_ : probation_).unlink(nodes_, h, nodes_[h].weight);
  }
  handle evict() noexcept {
    assert(size() > 0);
    detail::handle_list& list = probation_.empty() ? protected_ : probation_;
    const handle victim = list.back();
    list.unlink(nodes_, victim, nodes_[victim].weight);
    return victim;
  }
  void set_capacity(std::uint64_t capacity) noexcept {
    protected_cap_ = capacity - capacity / 5;  // 80 %
    demote();
  }
  std::size_t size() const noexcept { return probation_.size() + protected_.size(); }
  std::size_t memory_bytes() const noexcept { return nodes_.capacity() * sizeof(node); }

 private:
  struct node {
    handle prev = no_handle;
    handle next = no_handle;
    std::uint32_t weight = 0;
    bool protect = false;
  };
  void demote() noexcept {
    while (protected_.weight() > protected_cap_ && protected_.size() > 1) {
      const handle d = protected_.back();
      protected_.unlink(nodes_, d, nodes_[d].weight);
      nodes_[d].protect = false;
      probation_.push_front(nodes_, d, nodes_[d].weight);
    }
  }

  std::uint64_t protected_cap_ = 0;
  std::vector<node> nodes_;
  detail::handle_list probation_;
  detail::handle_list protected_;
};

static_assert(eviction_policy<slru>);

}  // namespace membound::policy
