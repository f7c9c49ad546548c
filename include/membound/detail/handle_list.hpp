// detail::handle_list – an intrusive doubly-linked list over policy handles whose links live in
// the policy's own per-handle node array (any struct with `prev` and `next` members). Several
// lists may share one node array (ARC's T1/T2, SLRU's segments), each handle being on at most one.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "membound/policy/policy.hpp"

namespace membound::detail {

// Head = most recently inserted, tail = oldest. Complexity: every operation O(1). Thread-compatible.
// Never throws. Tracks its entry count and total weight (the caller passes weights in and out).
class handle_list {
 public:
  using handle = policy::handle;
  static constexpr handle npos = policy::no_handle;

  template <class Node>
  void push_front(std::vector<Node>& nodes, handle h, std::uint64_t weight) noexcept {
    nodes[h].prev = npos;
    nodes[h].next = head_;
    if (head_ != npos) nodes[head_].prev = h; else tail_ = h;
    head_ = h;
    ++size_;
    weight_ += weight;
  }
  template <class Node>
  void unlink(std::vector<Node>& nodes, handle h, std::uint64_t weight) noexcept {
    const handle p = nodes[h].prev;
    const handle n = nodes[h].next;
    if (p != npos) nodes[p].next = n; else head_ = n;
    if (n != npos) nodes[n].prev = p; else tail_ = p;
    --size_;
    weight_ -= weight;
  }
  template <class Node>
  void move_to_front(std::vector<Node>& nodes, handle h) noexcept {
    if (head_ == h) return;
    unlink(nodes, h, 0);
    push_front(nodes, h, 0);
  }
  handle front() const noexcept { return head_; }
  handle back() const noexcept { return tail_; }
  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  std::uint64_t weight() const noexcept { return weight_; }

 private:
  handle head_ = npos;
  handle tail_ = npos;
  std::size_t size_ = 0;
  std::uint64_t weight_ = 0;
};

}  // namespace membound::detail
