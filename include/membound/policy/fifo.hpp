// policy::fifo – first in, first out.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "membound/detail/handle_list.hpp"
#include "membound/policy/policy.hpp"

namespace membound::policy {

// Evicts the entry inserted longest ago; hits change nothing (so a hit writes no memory at all).
// Matches libCacheSim's FIFO exactly.
// Complexity: every operation O(1) (on_insert amortised, the slot array grows).
// Thread-compatible. Does not throw except std::bad_alloc from on_insert's growth.
// Handles are the owner's; the policy keeps 8 bytes of links per slot.
// Capacity is not used for ordering: the owner evicts while over capacity (0 allowed).
class fifo {
 public:
  static constexpr std::string_view name = "fifo";

  explicit fifo(std::uint64_t capacity = 0) { (void)capacity; }

  void on_insert(handle h, std::uint64_t /*hash*/, std::uint64_t /*weight*/) {
    if (h >= nodes_.size()) nodes_.resize(static_cast<std::size_t>(h) + 1);
    queue_.push_front(nodes_, h, 0);
  }
  void on_hit(handle /*h*/) noexcept {}
  void on_update(handle /*h*/, std::uint64_t /*weight*/) noexcept {}
  void on_remove(handle h) noexcept { queue_.unlink(nodes_, h, 0); }
  handle evict() noexcept {
    assert(!queue_.empty());
    const handle victim = queue_.back();
    queue_.unlink(nodes_, victim, 0);
    return victim;
  }
  void set_capacity(std::uint64_t /*capacity*/) noexcept {}
  std::size_t size() const noexcept { return queue_.size(); }
  std::size_t memory_bytes() const noexcept { return nodes_.capacity() * sizeof(node); }

 private:
  struct node {
    handle prev = no_handle;
    handle next = no_handle;
  };
  std::vector<node> nodes_;
  detail::handle_list queue_;
};

static_assert(eviction_policy<fifo>);

}  // namespace membound::policy
