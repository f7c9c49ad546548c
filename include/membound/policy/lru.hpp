// policy::lru – least recently used.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "membound/policy/policy.hpp"

namespace membound::policy {

// Classic LRU over an intrusive doubly-linked list of handles (8 bytes of links per slot).
// Complexity: every operation O(1) (amortised O(1) when the slot array grows).
// Thread-compatible. Operations do not throw except std::bad_alloc from on_insert's growth.
// Capacity is not used for ordering: the owner evicts while over capacity.
class lru {
 public:
  static constexpr std::string_view name = "lru";

  explicit lru(std::uint64_t capacity = 0) { (void)capacity; }

  void on_insert(handle h, std::uint64_t /*hash*/, std::uint64_t /*weight*/) {
    if (h >= links_.size()) links_.resize(static_cast<std::size_t>(h) + 1);
    push_front(h);
    ++size_;
  }
  void on_hit(handle h) noexcept {
    if (head_ == h) return;
    unlink(h);
    push_front(h);
  }
  // on_hit for each of hs[0 .. n), in order (the owner's batched replay of buffered hits).
  // Branch-free: hit streams are skewed, so "is it the head / the tail" is unpredictable; writes
  // that on_hit would skip go to a scratch link instead. REQUIRES: every handle resident.
  void on_hits(const handle* hs, std::size_t n) noexcept {
    link* const l = links_.data();
    link scratch;
    handle head = head_;
    handle tail = tail_;
    for (std::size_t i = 0; i < n; ++i) {
      const handle h = hs[i];
      const link cur = l[h];
      const bool is_head = h == head;
      const bool is_tail = cur.next == no_handle;
      // Unlink (nothing to do for the head).
      link* const before = is_head ? &scratch : &l[cur.prev];
      before->next = cur.next;
      link* const after = (is_head || is_tail) ? &scratch : &l[cur.next];
      after->prev = cur.prev;
      tail = (is_tail && !is_head) ? cur.prev : tail;
      // Push to the front.
      l[h] = {no_handle, is_head ? cur.next : head};
      link* const old_head = is_head ? &scratch : &l[head];
      old_head->prev = h;
      head = h;
    }
    head_ = head;
    tail_ = tail;
  }
  void on_update(handle h, std::uint64_t /*weight*/) noexcept { on_hit(h); }
  static constexpr bool update_is_hit = true;
  void on_remove(handle h) noexcept {
    unlink(h);
    --size_;
  }
  handle evict() noexcept {
    assert(size_ > 0);
    const handle victim = tail_;
    unlink(victim);
    --size_;
    return victim;
  }
  void set_capacity(std::uint64_t /*capacity*/) noexcept {}
  std::size_t size() const noexcept { return size_; }
  std::size_t memory_bytes() const noexcept { return links_.capacity() * sizeof(link); }

  // Returns the handle that evict() would return next (no_handle when empty).
  handle peek_victim() const noexcept { return tail_; }

 private:
  struct link {
    handle prev = no_handle;
    handle next = no_handle;
  };

  void push_front(handle h) noexcept {
    links_[h] = {no_handle, head_};
    if (head_ != no_handle) links_[head_].prev = h;
    head_ = h;
    if (tail_ == no_handle) tail_ = h;
  }
  void unlink(handle h) noexcept {
    const link l = links_[h];
    if (l.prev != no_handle) links_[l.prev].next = l.next; else head_ = l.next;
    if (l.next != no_handle) links_[l.next].prev = l.prev; else tail_ = l.prev;
  }

  std::vector<link> links_;
  handle head_ = no_handle;  // most recently used
  handle tail_ = no_handle;  // least recently used
  std::size_t size_ = 0;
};

static_assert(eviction_policy<lru>);

}  // namespace membound::policy
