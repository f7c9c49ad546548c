// A deliberately simple single-threaded LRU cache (std::list + std::unordered_map): the model that
// concurrent_cache<..., policy::lru> with one shard must match operation by operation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>
#include <utility>

namespace membound::test {

// Not thread-safe. capacity 0 stores nothing.
template <class Key, class Value>
class reference_lru {
 public:
  explicit reference_lru(std::size_t capacity) : capacity_(capacity) {}

  std::optional<Value> get(const Key& key) {
    auto it = index_.find(key);
    if (it == index_.end()) {
      ++misses;
      return std::nullopt;
    }
    ++hits;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
  }
  void put(const Key& key, Value value) {
    auto it = index_.find(key);
    if (it != index_.end()) {
      it->second->second = std::move(value);
      order_.splice(order_.begin(), order_, it->second);
      return;
    }
    if (capacity_ == 0) return;
    while (index_.size() >= capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
      ++evictions;
    }
    order_.emplace_front(key, std::move(value));
    index_.emplace(key, order_.begin());
  }
  bool erase(const Key& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    order_.erase(it->second);
    index_.erase(it);
    return true;
  }
  bool contains(const Key& key) const { return index_.count(key) != 0; }
  template <class Loader>
  Value get_or_load(const Key& key, Loader&& loader) {
    if (auto v = get(key)) return *v;
    Value v = loader();
    put(key, v);
    return v;
  }
  // Lowers the capacity, evicting the least recently used entries.
  void set_capacity(std::size_t capacity) {
    capacity_ = capacity;
    while (index_.size() > capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }
  std::size_t size() const { return index_.size(); }

  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;

 private:
  std::size_t capacity_;
  std::list<std::pair<Key, Value>> order_;
  std::unordered_map<Key, typename std::list<std::pair<Key, Value>>::iterator> index_;
};

}  // namespace membound::test
