// object_registry: one shared instance per key, created once, kept while idle up to a bound, and
// released least recently used first under memory pressure.
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <list>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "membound/containers/shrinkable.hpp"
#include "membound/detail/list_malloc_size.hpp"
#include "membound/detail/list_shrink.hpp"
#include "membound/detail/registry_counting_allocator.hpp"
#include "membound/detail/thread_annotations.hpp"
#include "membound/detail/throw.hpp"

namespace membound {

struct object_registry_options {
  std::string name = "object_registry";
  // Idle instances kept (an instance is idle when only the registry holds it). 1024: generous for
  // per-tenant / per-connection objects, small enough that a registry of small objects stays in
  // the low megabytes. 0 is allowed: idle instances are then released at the next check.
  std::size_t max_idle = 1024;
  // The idle capacity a CRITICAL shrink goes down to. Must be <= max_idle.
  std::size_t min_idle = 0;
  // Bytes charged per instance in memory_bytes(); 0 = an estimate of std::make_shared<T>()'s block
  // (sizeof(T) + the control block, as malloc rounds it). Set it when T owns heap memory.
  std::size_t instance_bytes = 0;
};

// A map from Key to one shared instance of T. get_or_create(key, factory) returns the instance for
// `key`, calling `factory` only if there is none: when several threads ask for a missing key at
// once, exactly one runs the factory and the others wait for its result (or its exception).
//
// The registry keeps a strong reference to every instance it created, so an instance outlives its
// users and is reused by the next get_or_create. An instance is *in use* while anyone else holds a
// shared_ptr to it (use_count() > 1) and *idle* when only the registry does. The registry keeps at
// most idle_capacity() idle instances (max_idle, lowered by shrink(), raised back by regrow()) and
// releases the excess least recently used first: "used" is the last time get_or_create() or get()
// handed the instance out. It never releases an instance in use; erase() only drops the registry's
// reference, so holders keep a valid object (a later get_or_create makes a new one).
//
// Complexity: get_or_create/get/erase O(1) average. Enforcing the idle bound walks the entries,
// O(size()), and runs only when size() > idle_capacity(): after each creation, in shrink() and in
// trim(). live() and idle() are O(size()).
// Thread-safety: thread-safe. The factory and T's destructor run outside the registry's lock (the
// factory may use the registry for other keys; instances are destroyed after the lock is dropped).
// Exceptions: the constructor throws std::invalid_argument naming "min_idle" when min_idle >
// max_idle. If the factory throws, nothing is stored and the same exception is rethrown to the
// creating caller and to every caller that was waiting on that creation; the next get_or_create
// tries again. Other members offer the strong guarantee (std::bad_alloc passes through).
// Stability: returned shared_ptrs stay valid independently of the registry (erase, shrink, clear
// and the registry's destruction never invalidate them).
// Capacity: no bound on instances in use. The idle bound is soft: an instance becomes idle when
// its last outside holder drops it, which the registry only notices at its next check (creation,
// shrink(), trim()), so between checks more than idle_capacity() idle instances may be held.
// max_idle 0 is allowed (idle instances are released at the next check); so is min_idle 0 (a
// CRITICAL shrink then releases every idle instance).
// memory_bytes() counts the registry's nodes and buckets (through a counting allocator), the
// per-instance charge, key heap buffers for std::string keys, and the object itself.
template <class Key, class T, class Hash = std::hash<Key>, class KeyEqual = std::equal_to<Key>>
class object_registry final : public shrinkable {
 public:
  using key_type = Key;
  using mapped_type = T;

  object_registry() : object_registry(object_registry_options{}) {}

  // Throws: std::invalid_argument naming "min_idle" when min_idle > max_idle.
  explicit object_registry(object_registry_options options)
      : name_(std::move(options.name)),
        max_idle_(validated(options).max_idle),
        min_idle_(options.min_idle),
        instance_bytes_(options.instance_bytes != 0 ? options.instance_bytes
                                                     : default_instance_bytes()),
        lru_(entry_alloc(&node_bytes_)),
        index_(0, Hash(), KeyEqual(), index_alloc(&node_bytes_)),
        pending_(0, Hash(), KeyEqual(), pending_alloc(&node_bytes_)),
        idle_capacity_(options.max_idle) {}

  // REQUIRES: no call on another thread is running (in particular no creation in progress).
  ~object_registry() override = default;
  object_registry(const object_registry&) = delete;
  object_registry& operator=(const object_registry&) = delete;

  // Returns the instance for `key`, creating it with `factory()` if the registry has none.
  // `factory` returns std::shared_ptr<T> (or anything convertible: std::unique_ptr<T>, a derived
  // shared_ptr) or a T (then wrapped with std::make_shared). A factory returning a null pointer
  // creates nothing: null is returned to the caller and to every waiter, and nothing is stored.
  // Exactly one factory runs per missing key, however many threads race; the others wait.
  // Throws: whatever the factory throws (to the creator and every waiter); std::bad_alloc.
  // REQUIRES: the factory does not call get_or_create for the same key (it would wait forever).
  template <class Factory>
    requires std::invocable<Factory&>
  std::shared_ptr<T> get_or_create(const Key& key, Factory&& factory) {
    std::shared_future<std::shared_ptr<T>> wait_on;
    std::shared_ptr<pending> mine;
    {
      detail::lock_guard lock(mu_);
      if (auto it = index_.find(key); it != index_.end()) {
        ++hits_;
        lru_.splice(lru_.end(), lru_, it->second);  // most recently used at the back
        return it->second->instance;
      }
      if (auto it = pending_.find(key); it != pending_.end()) {
        ++hits_;
        ++coalesced_;
        wait_on = it->second->result;
      } else {
        ++misses_;
        mine = std::make_shared<pending>();
        pending_.emplace(key, mine);
      }
    }
    if (!mine) return wait_on.get();  // the creator's instance, or its exception rethrown
    return create(key, *mine, factory);
  }

  // Returns the instance for `key`, or null if there is none (a creation still in progress counts
  // as none: get() never waits). Counts a hit or a miss.
  std::shared_ptr<T> get(const Key& key) {
    detail::lock_guard lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) {
      ++misses_;
      return nullptr;
    }
    ++hits_;
    lru_.splice(lru_.end(), lru_, it->second);
    return it->second->instance;
  }

  // Returns whether the registry holds an instance for `key` (does not count or touch recency).
  bool contains(const Key& key) const {
    detail::lock_guard lock(mu_);
    return index_.find(key) != index_.end();
  }

  // Drops the registry's reference to `key`'s instance. Holders keep theirs; the instance is
  // destroyed (outside the lock) if nobody else holds it. Returns whether there was one.
  bool erase(const Key& key) {
    entry_list doomed{entry_alloc(&node_bytes_)};  // destroyed after the lock is dropped
    detail::lock_guard lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    remove_locked(it->second, doomed);
    return true;
  }

  // Drops the registry's references to every instance (creations in progress still complete and
  // are stored).
  void clear() {
    entry_list doomed{entry_alloc(&node_bytes_)};  // destroyed after the lock is dropped
    detail::lock_guard lock(mu_);
    index_.clear();
    for (const entry& e : lru_) held_bytes_.fetch_sub(e.charge, std::memory_order_relaxed);
    doomed.splice(doomed.end(), lru_);
  }

  // Releases idle instances beyond idle_capacity() now, least recently used first (counted as
  // evictions, not pressure evictions). Returns how many were released.
  std::size_t trim() {
    entry_list doomed{entry_alloc(&node_bytes_)};  // destroyed after the lock is dropped
    detail::lock_guard lock(mu_);
    const std::size_t n = release_idle_locked(idle_capacity_, doomed).entries;
    evictions_ += n;
    return n;
  }

  // Returns the number of instances the registry holds (idle and in use).
  std::size_t size() const {
    detail::lock_guard lock(mu_);
    return lru_.size();
  }
  // Returns how many held instances are in use (someone besides the registry holds them).
  std::size_t live() const {
    detail::lock_guard lock(mu_);
    return live_locked();
  }
  // Returns how many held instances are idle (only the registry holds them).
  std::size_t idle() const {
    detail::lock_guard lock(mu_);
    return lru_.size() - live_locked();
  }
  // Returns the current bound on idle instances (max_idle, lowered by shrink(), raised by regrow()).
  std::size_t idle_capacity() const {
    detail::lock_guard lock(mu_);
    return idle_capacity_;
  }
  std::size_t max_idle() const noexcept { return max_idle_; }
  std::size_t min_idle() const noexcept { return min_idle_; }

  // Returns how many get_or_create()/get() calls found an instance (including waiting for another
  // thread's creation), and how many found none (get_or_create: the factory ran).
  std::uint64_t hits() const {
    detail::lock_guard lock(mu_);
    return hits_;
  }
  std::uint64_t misses() const {
    detail::lock_guard lock(mu_);
    return misses_;
  }
  // Returns how many get_or_create() calls waited for a creation another thread was running.
  std::uint64_t coalesced() const {
    detail::lock_guard lock(mu_);
    return coalesced_;
  }
  // Returns how many instances were released by shrink() (pressure) / by the idle bound otherwise.
  std::uint64_t pressure_evictions() const {
    detail::lock_guard lock(mu_);
    return pressure_evictions_;
  }
  std::uint64_t evictions() const {
    detail::lock_guard lock(mu_);
    return evictions_;
  }

  // shrinkable --------------------------------------------------------------------------------

  std::string name() const override { return name_; }

  std::size_t memory_bytes() const noexcept override {
    const std::size_t name_heap =
        name_.capacity() > 15 ? detail::malloc_chunk_bytes(name_.capacity() + 1) : 0;
    return sizeof(*this) + name_heap + node_bytes_.load(std::memory_order_relaxed) +
           held_bytes_.load(std::memory_order_relaxed);
  }

  // Lowers the idle capacity per shrinkable.hpp's rule (base max_idle, or the current idle
  // capacity when request.relative_to_current; floor min_idle) and releases idle instances beyond
  // it, least recently used first. Instances in use are never released. Returns the instances
  // released and the bytes they were charged at.
  shrink_result shrink(const shrink_request& request) override {
    entry_list doomed{entry_alloc(&node_bytes_)};  // destroyed after the lock is dropped
    detail::lock_guard lock(mu_);
    idle_capacity_ = detail::shrink_target(idle_capacity_, max_idle_, min_idle_, request);
    const shrink_result r = release_idle_locked(idle_capacity_, doomed);
    pressure_evictions_ += r.entries;
    return r;
  }

  // Raises the idle capacity by max(1, floor(step_fraction × max_idle)), never above max_idle.
  // Returns true while still below max_idle.
  bool regrow(double step_fraction) override {
    detail::lock_guard lock(mu_);
    idle_capacity_ = detail::regrow_target(idle_capacity_, max_idle_, step_fraction);
    return idle_capacity_ < max_idle_;
  }

  // kind "object_registry"; capacity = idle capacity, configured_capacity = max_idle, size =
  // instances held, live = instances in use.
  shrinkable_stats stats_snapshot() const override {
    shrinkable_stats s;
    s.kind = "object_registry";
    s.name = name_;
    s.configured_capacity = max_idle_;
    s.bytes = memory_bytes();
    detail::lock_guard lock(mu_);
    s.size = lru_.size();
    s.capacity = idle_capacity_;
    s.hits = hits_;
    s.misses = misses_;
    s.evictions = evictions_;
    s.pressure_evictions = pressure_evictions_;
    s.live = live_locked();
    return s;
  }

 private:
  struct entry {
    Key key;
    std::shared_ptr<T> instance;
    std::size_t charge = 0;  // bytes charged in held_bytes_
  };
  // One creation in progress: its creator fulfils `promise`; waiters block on `result`.
  struct pending {
    std::promise<std::shared_ptr<T>> promise;
    std::shared_future<std::shared_ptr<T>> result = promise.get_future().share();
  };
  using entry_alloc = detail::counting_allocator<entry>;
  using entry_list = std::list<entry, entry_alloc>;
  using entry_iter = typename entry_list::iterator;
  using index_alloc = detail::counting_allocator<std::pair<const Key, entry_iter>>;
  using pending_alloc =
      detail::counting_allocator<std::pair<const Key, std::shared_ptr<pending>>>;

  static const object_registry_options& validated(const object_registry_options& o) {
    if (o.min_idle > o.max_idle) {
      detail::throw_invalid_argument("object_registry", "min_idle", "must not exceed max_idle");
    }
    return o;
  }
  // std::make_shared<T>'s block: vtable pointer + two counts, then T.
  static constexpr std::size_t default_instance_bytes() noexcept {
    constexpr std::size_t header = 2 * sizeof(void*);
    constexpr std::size_t align = alignof(T) > header ? alignof(T) : header;
    return detail::malloc_chunk_bytes((header + align - 1) / align * align + sizeof(T));
  }
  // Heap bytes a key owns (std::string beyond its small buffer); the key is stored twice.
  static std::size_t key_heap_bytes(const Key& key) noexcept {
    if constexpr (std::is_same_v<Key, std::string>) {
      return key.capacity() > 15 ? 2 * detail::malloc_chunk_bytes(key.capacity() + 1) : 0;
    } else {
      return 0;
    }
  }

  template <class Factory>
  static std::shared_ptr<T> invoke_factory(Factory& factory) {
    using result = std::invoke_result_t<Factory&>;
    if constexpr (std::is_convertible_v<result, std::shared_ptr<T>>) {
      return std::shared_ptr<T>(std::invoke(factory));
    } else {
      static_assert(std::is_constructible_v<T, result>,
                    "the factory must return std::shared_ptr<T>, std::unique_ptr<T> or a T");
      return std::make_shared<T>(std::invoke(factory));
    }
  }

  // Runs the factory for `key` (registered in pending_ by this thread), stores and publishes the
  // result, and releases idle instances beyond the idle capacity.
  template <class Factory>
  std::shared_ptr<T> create(const Key& key, pending& p, Factory& factory) {
    entry_list doomed{entry_alloc(&node_bytes_)};  // destroyed after the lock is dropped
    std::shared_ptr<T> instance;
    try {
      instance = invoke_factory(factory);
      detail::lock_guard lock(mu_);
      if (instance) {
        insert_locked(key, instance);
        evictions_ += release_idle_locked(idle_capacity_, doomed).entries;
      }
      pending_.erase(key);
    } catch (...) {
      {
        detail::lock_guard lock(mu_);
        pending_.erase(key);  // (a no-op if already erased)
      }
      p.promise.set_exception(std::current_exception());
      throw;
    }
    p.promise.set_value(instance);
    return instance;
  }

  // Stores `instance` as the most recently used entry. Strong guarantee.
  void insert_locked(const Key& key, const std::shared_ptr<T>& instance) MEMBOUND_REQUIRES(mu_) {
    const std::size_t charge = instance_bytes_ + key_heap_bytes(key);
    lru_.push_back(entry{key, instance, charge});
    try {
      index_.emplace(key, std::prev(lru_.end()));
    } catch (...) {
      lru_.pop_back();
      throw;
    }
    held_bytes_.fetch_add(charge, std::memory_order_relaxed);
  }

  // Moves `it` into `doomed` (no allocation, no destructor runs under the lock).
  void remove_locked(entry_iter it, entry_list& doomed) MEMBOUND_REQUIRES(mu_) {
    held_bytes_.fetch_sub(it->charge, std::memory_order_relaxed);
    index_.erase(it->key);
    doomed.splice(doomed.end(), lru_, it);
  }

  // Moves idle instances beyond `capacity`, least recently used first, into `doomed`. Returns how
  // many and the bytes they were charged at (instance charge plus an estimate of the two nodes).
  shrink_result release_idle_locked(std::size_t capacity, entry_list& doomed)
      MEMBOUND_REQUIRES(mu_) {
    shrink_result r;
    if (lru_.size() <= capacity) return r;  // idle <= size <= capacity
    const std::size_t idle = lru_.size() - live_locked();
    if (idle <= capacity) return r;
    std::size_t excess = idle - capacity;
    for (auto it = lru_.begin(); it != lru_.end() && excess > 0;) {
      auto next = std::next(it);
      // use_count() == 1 under the lock means nobody else holds it, and nobody can get a new
      // reference except through the registry (or a user's weak_ptr, which then keeps a valid
      // object that the registry merely forgets).
      if (it->instance.use_count() == 1) {
        r.bytes += it->charge + node_estimate();
        ++r.entries;
        remove_locked(it, doomed);
        --excess;
      }
      it = next;
    }
    return r;
  }

  // malloc's bytes for one list node and one index node.
  static constexpr std::size_t node_estimate() noexcept {
    return detail::malloc_chunk_bytes(2 * sizeof(void*) + sizeof(entry)) +
           detail::malloc_chunk_bytes(sizeof(void*) + sizeof(std::pair<const Key, entry_iter>));
  }

  std::size_t live_locked() const MEMBOUND_REQUIRES(mu_) {
    std::size_t n = 0;
    for (const entry& e : lru_) n += e.instance.use_count() > 1 ? 1 : 0;
    return n;
  }

  const std::string name_;
  const std::size_t max_idle_;
  const std::size_t min_idle_;
  const std::size_t instance_bytes_;

  // Declared before the containers that allocate through it.
  std::atomic<std::size_t> node_bytes_{0};  // list nodes, index nodes and buckets
  std::atomic<std::size_t> held_bytes_{0};  // per-instance charges and key heap buffers

  mutable detail::mutex mu_;
  // Invariants: index_ maps exactly the keys of lru_ to their entries; lru_ is ordered from least
  // to most recently handed out; a key is in pending_ only while its creator runs the factory,
  // and then not in index_; min(min_idle_, max_idle_) <= idle_capacity_ <= max_idle_.
  entry_list lru_ MEMBOUND_GUARDED_BY(mu_);
  std::unordered_map<Key, entry_iter, Hash, KeyEqual, index_alloc> index_ MEMBOUND_GUARDED_BY(mu_);
  std::unordered_map<Key, std::shared_ptr<pending>, Hash, KeyEqual, pending_alloc> pending_
      MEMBOUND_GUARDED_BY(mu_);
  std::size_t idle_capacity_ MEMBOUND_GUARDED_BY(mu_);
  std::uint64_t hits_ MEMBOUND_GUARDED_BY(mu_) = 0;
  std::uint64_t misses_ MEMBOUND_GUARDED_BY(mu_) = 0;
  std::uint64_t coalesced_ MEMBOUND_GUARDED_BY(mu_) = 0;
  std::uint64_t evictions_ MEMBOUND_GUARDED_BY(mu_) = 0;
  std::uint64_t pressure_evictions_ MEMBOUND_GUARDED_BY(mu_) = 0;
};

}  // namespace membound
