// concurrent_cache: a thread-safe, sharded, bounded cache whose read hits write no shared memory.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "membound/clock.hpp"
#include "membound/containers/cache_options.hpp"
#include "membound/containers/cache_stats.hpp"
#include "membound/containers/shrinkable.hpp"
#include "membound/detail/cache_epoch.hpp"
#include "membound/detail/cache_table.hpp"
#include "membound/detail/thread_annotations.hpp"
#include "membound/detail/throw.hpp"
#include "membound/policy/lru.hpp"
#include "membound/policy/policy.hpp"

namespace membound {

// The default Weigher: sizeof(Key) + sizeof(Value) + the heap bytes of std::string / std::vector
// keys and values (glibc malloc chunk sizes). Only consulted when max_bytes is set.
struct default_weigher {
  template <class K, class V>
  std::uint64_t operator()(const K& key, const V& value) const noexcept {
    return sizeof(K) + sizeof(V) + detail::dynamic_bytes(key) + detail::dynamic_bytes(value);
  }
};

// A thread-safe cache of Key -> Value bounded by entry count and/or bytes, split into shards that
// each own a single-threaded eviction Policy (policy::lru, policy::sieve, ... see policy.hpp).
//
// Design: each shard has a writer mutex, the policy, and an open-addressing index of nodes that
// readers probe without any lock. A node's key never changes once published; its value is either
// immutable (an update publishes a new node) or, for trivially copyable values of at most 8 bytes,
// a lock-free atomic updated in place. A read hit copies the value, records (handle,
// generation) in the calling thread's own ring buffer for that shard and bumps the thread's own hit
// counter: it writes no memory shared with other threads. The rings are replayed into the policy
// (in batches, policy::replay_hits) under the shard lock before every write to that shard and,
// with try_lock, when a ring fills. Only one thread at a time replays full rings (the shard's
// drainer, as Caffeine keeps one maintenance thread), so the policy's memory stays in one core's
// cache; other threads buffer one hit in four for it and drop hits while their ring is full or the
// lock is busy, and take the drainer's place when it stops emptying their ring. LRU order is
// therefore approximate under concurrency only: a thread using a shard alone is its drainer and all
// its hits reach the policy, in order. When only entries are counted and there is no TTL, a put of
// a present key with an in-place value is lock-free too: it stores the value into the published
// node and buffers the access like a hit (see update_lock_free for why that is linearizable).
// Policies whose hit only sets a bit that eviction clears (policy::clock, policy::sieve:
// policy::takes_hit_marks) need no ring at all: a hit sets a mark bit in the node, only when it
// is not already set (so hot entries are not written at all), and the policy's eviction scan
// consumes the marks under the lock. Exact single-threaded; under concurrency a hit that lands
// while the scan passes its entry may merge with the previous one.
// Removed nodes are freed by epoch-based reclamation (detail/cache_epoch.hpp) once no reader can
// hold them.
//
// Complexity: get / contains: O(1) expected, lock-free (no lock; a hit writes only the calling
// thread's own buffers, or, with a hit-mark policy, the entry's mark bit when it is not yet set).
// get()'s hit path is always inlined into the caller (about 60 instructions with SIEVE, 125 with
// LRU, no call), with small trivially copyable keys and values kept in registers: an out-of-line
// get cost 20-30 % more instructions and a store-forwarding stall per hit
// (docs/benchmarks-containers.md). A thread's first get of a cache after using another one, and
// every get of a cache with a TTL, take an out-of-line path.
// put of a present key with an in-place value (entry-bounded, no TTL): O(1) expected, lock-free.
// Other puts, erase, get_or_load miss: O(1) expected amortised, under the shard's mutex, plus
// replaying the buffered hits (at most 128 per thread). shrink(): O(entries removed), in lock holds
// of at most 1024 evictions per shard. size(), capacity(): O(shards). stats(): O(shards + threads).
// Thread-safety: thread-safe. Every member may be called concurrently from any thread, except the
// destructor. Hash, Weigher, the loader and Key/Value copies run on the calling thread; Key/Value
// destructors may run on any thread that writes the cache; none of them may call back into the same
// cache (self-deadlock).
// Exceptions: get, contains: whatever copying the value throws, cache unchanged. put: if copying,
// hashing or weighing throws, the cache is unchanged (strong); std::bad_alloc from internal growth
// leaves the cache valid (entries may have been evicted, the new one may be absent) (basic).
// get_or_load: the loader's exception reaches the caller and every thread waiting on that key, and
// nothing is cached. erase, clear, shrink, regrow: no-throw except std::bad_alloc (basic).
// Handle stability: values are returned by copy; no reference into the cache is ever handed out, so
// nothing is invalidated.
// Capacity: max_entries and max_bytes are hard limits: whenever a put has returned, the entries
// held (and the bytes charged to them) are within the *current* capacity, in total and per shard
// (the total is split over the shards; each shard's share is exact, the shares sum to the total). A
// put into a full shard evicts the policy's victims first, so when keys hash unevenly a full cache
// holds slightly fewer than max_entries (a few per cent for small shards). An entry charged more than its shard's
// whole byte capacity is not stored (stats().rejected). Expired entries read as misses and are
// removed lazily (when read, or when the policy evicts them), so size() can count entries whose TTL
// passed but that nobody read since. max_entries == 0 means "no entry limit" (max_bytes must then
// be set); a capacity of 0 is reachable only through shrink() with min_entries == 0 and then stores
// nothing. The byte charge of an entry is Weigher(key, value) + entry_overhead_bytes() (the node,
// index slot and policy metadata). shrink() lowers the capacity, regrow() raises it back (see
// shrinkable.hpp for the formula). Memory: about 62 bytes per <uint64_t, uint64_t> entry (a 24-byte
// node in a 32-byte malloc chunk, 13.7 B of index at the 2/3 design load, 8 B handle map, the
// policy's links), plus nodes retired but not yet reclaimed; memory_bytes() reports all of it.
template <class Key, class Value, class Policy = policy::lru, class Hash = std::hash<Key>,
          class Weigher = default_weigher>
class concurrent_cache final : public shrinkable {
  static_assert(policy::eviction_policy<Policy>, "Policy must satisfy policy::eviction_policy");
  static_assert(std::is_copy_constructible_v<Value>, "values are returned by copy");

  using node = detail::cache_node<Key, Value>;
  using timed_node = detail::cache_timed_node<Key, Value>;
  using handle = policy::handle;
  using table = detail::cache_table;
  // Small trivially copyable keys travel by value on the read path, in registers (a reference
  // forces the key into memory and reloads it after every seq_cst load).
  static constexpr bool key_by_value = std::is_trivially_copyable_v<Key> && sizeof(Key) <= 16;
  using key_arg = std::conditional_t<key_by_value, Key, const Key&>;
  // Values get() returns through registers (see get()).
  static constexpr bool scalar_value =
      detail::cache_value_in_place<Value> && std::is_default_constructible_v<Value>;

  // Events buffered per (thread, shard) before the thread tries to replay them: the shard lock and
  // the other threads' rings are touched once per 128 hits (64 scaled 1.78x from 1 to 2 threads,
  // 128 1.8-2.0x, bench/cache_bench.cpp; 1 KiB per thread and shard).
  static constexpr std::uint32_t ring_size = 128;
  // A thread that is not its shard's drainer drops hits while its ring is full; after this many
  // drops without the drainer having emptied the ring, it takes the drainer's place.
  static constexpr std::uint32_t takeover_after = 2 * ring_size;
  static constexpr std::uint32_t no_drainer = std::numeric_limits<std::uint32_t>::max();
  // A thread that is not its shard's drainer buffers one hit in this many: the drainer reads the
  // other threads' rings, so every buffered event costs a cache-line transfer between cores.
  static constexpr std::uint32_t non_drainer_sampling = 4;
  // Low word of a buffered event: the node's generation, plus this bit for an update.
  static constexpr std::uint64_t update_event = std::uint64_t{1} << 31;
  // Evictions per lock hold in shrink() and clear(): about 100-200 µs per hold (target: < 1 ms).
  static constexpr std::size_t shrink_batch = 1024;
  static constexpr std::uint64_t unlimited = std::numeric_limits<std::uint64_t>::max();
  static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();
  static constexpr bool in_place = detail::cache_value_in_place<Value>;
  // Hits are marks on the nodes (policy::takes_hit_marks), not ring events.
  static constexpr bool marks = policy::takes_hit_marks<Policy>;
  static_assert(!marks || policy::update_is_hit<Policy>,
                "a policy with evict_marked must declare update_is_hit: updates are recorded as marks");
  // The mark: bit 31 of a published node's generation (generations use bits 0-30).
  static constexpr std::uint32_t hit_mark = ~detail::cache_gen_mask;

 public:
  using key_type = Key;
  using mapped_type = Value;
  using policy_type = Policy;

  // Throws: std::invalid_argument naming the field for invalid options (see cache_options).
  explicit concurrent_cache(cache_options options, Hash hash = Hash(), Weigher weigher = Weigher())
      : options_(std::move(options)), hash_(std::move(hash)), weigher_(std::move(weigher)) {
    validate(options_);
    byte_mode_ = options_.max_bytes > 0;
    ttl_ = options_.ttl.count() > 0;
    if (!ttl_) untimed_id_ = id_;
    ttl_ticks_ = std::chrono::duration_cast<clock_type::duration>(options_.ttl).count();
    conf_entries_ = options_.max_entries > 0 ? options_.max_entries : unlimited;
    conf_bytes_ = byte_mode_ ? options_.max_bytes : unlimited;
    min_entries_ = options_.min_entries;
    min_bytes_ = byte_mode_ ? options_.min_bytes : 0;
    cur_entries_.store(conf_entries_, std::memory_order_relaxed);
    cur_bytes_.store(conf_bytes_, std::memory_order_relaxed);
    overhead_ = detail::malloc_footprint(ttl_ ? sizeof(timed_node) : sizeof(node)) - sizeof(Key) -
                sizeof(Value) + 8 /*handle->node*/ + 8 /*weight*/ + 12 /*index slot*/ +
                8 /*policy links*/;
    nshards_ = options_.shards ? *options_.shards : auto_shards(options_);
    {
      // On whole cache lines of their own, so that no other object's writes share them.
      void* raw = ::operator new(heads_bytes(), std::align_val_t{detail::cache_line});
      for (std::size_t i = 0; i < nshards_; ++i) new (static_cast<read_head*>(raw) + i) read_head;
      heads_.reset(std::launder(static_cast<read_head*>(raw)));
    }
    shards_ = static_cast<shard*>(
        ::operator new(nshards_ * sizeof(shard), std::align_val_t{alignof(shard)}));
    std::size_t built = 0;
    try {
      for (; built < nshards_; ++built) {
        const std::uint64_t ce = split(conf_entries_, built);
        const std::uint64_t cb = split(conf_bytes_, built);
        shard* s = new (shards_ + built) shard(byte_mode_ ? cb : ce, built);
        detail::lock_guard g(s->mu);
        s->cap_entries = ce;
        s->cap_bytes = cb;
        head(built).tbl.store(table::create(2), std::memory_order_seq_cst);
        s->next_reclaim = reclaim_step(*s);
        publish(*s);
      }
    } catch (...) {
      destroy_shards(built);
      throw;
    }
  }

  ~concurrent_cache() override {
    destroy_shards(nshards_);
    const std::uint32_t n = readers_high_.load(std::memory_order_acquire);
    for (std::uint32_t i = 0; i < n; ++i) delete readers_.find(i);
  }

  concurrent_cache(const concurrent_cache&) = delete;
  concurrent_cache& operator=(const concurrent_cache&) = delete;

  // Returns a copy of the value for `key`, or nullopt (a miss; expired entries are misses).
  // Lock-free; on a hit writes only the calling thread's own buffers (or, with a hit-mark policy,
  // the entry's mark bit when it is not yet set).
  [[gnu::always_inline]] std::optional<Value> get(const Key& key) {
    // One compare finds the thread's state for this cache (the cache it used last) and rules out
    // a TTL (untimed_id_) and an unregistered thread (its slot matches no cache); anything else
    // takes get_slow().
    detail::thread_slot& slot = detail::peek_thread_slot();
    const bool fast = slot.last_owner == untimed_id_;
    if constexpr (scalar_value) {
      // One optional, built by one return expression from scalars: GCC 12 otherwise assembles
      // it in memory and reloads it as one 16-byte load from two smaller stores (a
      // store-forwarding stall on every hit).
      Value v{};
      bool hit = false;
      if (fast) [[likely]] {
        hit = lookup<false>(slot, *static_cast<reader_state*>(slot.last_state), key,
                            [&v](const node* n) noexcept { v = detail::load_value(n->value); });
      } else {
        const std::optional<Value> t = get_slow(key);
        hit = t.has_value();
        if (hit) v = *t;
      }
      return hit ? std::optional<Value>(v) : std::nullopt;
    } else {
      if (fast) [[likely]]
        return lookup_copy<false>(slot, *static_cast<reader_state*>(slot.last_state), key);
      return get_slow(key);
    }
  }

  // Returns true when a live (unexpired) entry for `key` is present. Lock-free; touches neither the
  // policy nor the stats.
  bool contains(const Key& key) const {
    const std::uint64_t h = hash_of(key);
    detail::thread_slot& slot = detail::this_thread_slot();
    detail::epoch_guard guard(slot);
    const node* n = find_published(shard_index(h), key, h);
    return n != nullptr && !(ttl_ && is_expired(n, now_ticks()));
  }

  // Stores `value` for `key` (inserting or replacing), evicting per the policy to stay within
  // capacity. With a TTL, the entry expires ttl after this call.
  void put(const Key& key, Value value) {
    const std::uint64_t h = hash_of(key);
    shard& s = shards_[shard_index(h)];
    const std::uint64_t charge = charge_of(key, value);
    if constexpr (in_place) {
      // Small trivially copyable values: update a present entry in place (no allocation, nothing
      // to retire), without the lock when only entries are counted (the charge cannot change);
      // allocate only for a new key, under the lock (the key copy runs there).
      // Not with a TTL: a lock-free expiry refresh could land between expire()'s check and its
      // removal, and a put that has returned would then be removed as expired.
      if (!byte_mode_ && !ttl_ && update_lock_free(s, key, h, value)) return;
      detail::lock_guard g(s.mu);
      drain(s);
      const std::size_t found = locate(s, key, h);
      if (found != npos && update_in_place(s, slot_node(s, found), value, charge)) {
        finish_write(s);
        return;
      }
      store_locked(s, make_node(key, value), h, charge);
      finish_write(s);
    } else {
      node* n = make_node(key, std::move(value));
      detail::lock_guard g(s.mu);
      drain(s);
      store_locked(s, n, h, charge);
      finish_write(s);
    }
  }

  // Removes `key`. Returns true when a live entry was removed (an expired one counts as an
  // expiration and returns false).
  bool erase(const Key& key) {
    const std::uint64_t h = hash_of(key);
    shard& s = shards_[shard_index(h)];
    detail::lock_guard g(s.mu);
    drain(s);
    const std::size_t i = locate(s, key, h);
    if (i == npos) return false;
    node* n = slot_node(s, i);
    const bool was_live = !(ttl_ && is_expired(n, now_ticks()));
    s.policy.on_remove(n->handle);
    remove_locked(s, i, n, h);
    if (!was_live) count(s.expirations);
    finish_write(s);
    return was_live;
  }

  // Returns the value for `key`, calling loader() (or loader(key)) on a miss and caching its
  // result. When threads race on a missing key exactly one of them runs the loader; the others wait
  // for its result. If the loader throws, nothing is cached and the exception reaches the caller and
  // every waiter. The loader runs without any cache lock held.
  template <class Loader>
  Value get_or_load(const Key& key, Loader&& loader) {
    const std::uint64_t h = hash_of(key);
    const std::size_t si = shard_index(h);
    shard& s = shards_[si];
    detail::thread_slot& slot = detail::this_thread_slot();
    reader_state& rs = reader_for(slot);
    {
      std::optional<Value> out;
      std::uint64_t event = 0;
      {
        detail::epoch_guard guard(slot);
        const node* n = find_published(si, key, h);
        if (n != nullptr && !(ttl_ && is_expired(n, now_ticks()))) {
          out.emplace(detail::load_value(n->value));
          event = note_access(n);
        }
      }
      if (out) {
        count(rs.hits);
        record_event(si, rs, slot, event);
        return std::move(*out);
      }
    }
    std::shared_ptr<load_state> state;
    bool leader = false;
    {
      detail::lock_guard g(s.mu);
      drain(s);
      const std::size_t i = locate(s, key, h);
      if (i != npos) {
        node* n = slot_node(s, i);
        if (!(ttl_ && is_expired(n, now_ticks()))) {
          Value v = detail::load_value(n->value);
          s.policy.on_hit(n->handle);
          count(rs.hits);
          return v;
        }
        s.policy.on_remove(n->handle);
        remove_locked(s, i, n, h);
        count(s.expirations);
        finish_write(s);
      }
      for (auto& [k, st] : s.loading) {
        if (k == key) {
          state = st;
          break;
        }
      }
      if (!state) {
        state = std::make_shared<load_state>();
        s.loading.emplace_back(key, state);
        leader = true;
      }
    }
    count(rs.misses);
    if (!leader) return state->future.get();

    std::optional<Value> loaded;
    try {
      count_shared(s.loads);
      if constexpr (std::is_invocable_v<Loader&, const Key&>) {
        loaded.emplace(loader(key));
      } else {
        loaded.emplace(loader());
      }
      const std::uint64_t charge = charge_of(key, *loaded);
      node* n = make_node(key, *loaded);
      detail::lock_guard g(s.mu);
      drain(s);
      forget_load(s, key);
      store_locked(s, n, h, charge);
      finish_write(s);
    } catch (...) {
      {
        detail::lock_guard g(s.mu);
        forget_load(s, key);
        if (!loaded) count(s.load_failures);
      }
      state->promise.set_exception(std::current_exception());
      throw;
    }
    state->promise.set_value(*loaded);
    return std::move(*loaded);
  }

  // Removes every entry (not counted as evictions). Capacity is unchanged.
  void clear() {
    for (std::size_t i = 0; i < nshards_; ++i) {
      shard& s = shards_[i];
      bool more = true;
      while (more) {
        garbage trash;
        {
          detail::lock_guard g(s.mu);
          drain(s);
          for (std::size_t k = 0; k < shrink_batch && s.policy.size() > 0; ++k) {
            const handle v = evict_victim(s);
            node* n = s.nodes[v];
            const std::uint64_t nh = hash_of(n->key);
            remove_locked(s, table_of(s)->index_of(nh, n), n, nh);
          }
          more = s.policy.size() > 0;
          if (!more) compact_table(s);
          take_reclaimable(s, detail::epoch_domain::instance().try_advance(), &trash);
          publish(s);
        }
        dispose(trash);
      }
      flush_limbo(s);
    }
  }

  // Returns the number of entries held (expired-but-unread ones included). O(shards).
  std::size_t size() const noexcept {
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < nshards_; ++i) n += shards_[i].size_pub.load(std::memory_order_relaxed);
    return static_cast<std::size_t>(n);
  }

  // Returns the current entry capacity (the byte capacity when there is no entry limit).
  std::size_t capacity() const noexcept {
    return static_cast<std::size_t>(conf_entries_ != unlimited
                                        ? cur_entries_.load(std::memory_order_relaxed)
                                        : cur_bytes_.load(std::memory_order_relaxed));
  }
  // Returns the current byte capacity (0 when there is no byte limit).
  std::size_t capacity_bytes() const noexcept {
    return byte_mode_ ? static_cast<std::size_t>(cur_bytes_.load(std::memory_order_relaxed)) : 0;
  }
  // Returns the capacity regrow() returns to (entries, or bytes when there is no entry limit).
  std::size_t configured_capacity() const noexcept {
    return static_cast<std::size_t>(conf_entries_ != unlimited ? conf_entries_ : conf_bytes_);
  }
  std::size_t shard_count() const noexcept { return nshards_; }
  // Returns the fixed bytes charged per entry on top of Weigher(key, value) when byte-limited.
  std::size_t entry_overhead_bytes() const noexcept { return overhead_; }
  const cache_options& options() const noexcept { return options_; }
  // Returns the longest single shard-lock hold of any shrink() so far (diagnostics, benchmarks).
  std::chrono::nanoseconds longest_shrink_lock_hold() const noexcept {
    return std::chrono::nanoseconds(longest_hold_ns_.load(std::memory_order_relaxed));
  }

  cache_stats stats() const {
    cache_stats st;
    const std::uint32_t n = readers_high_.load(std::memory_order_acquire);
    for (std::uint32_t i = 0; i < n; ++i) {
      if (const reader_state* r = readers_.find(i)) {
        st.hits += r->hits.load(std::memory_order_relaxed);
        st.misses += r->misses.load(std::memory_order_relaxed);
        st.updates += r->updates.load(std::memory_order_relaxed);
      }
    }
    for (std::size_t i = 0; i < nshards_; ++i) {
      const shard& s = shards_[i];
      st.inserts += s.inserts.load(std::memory_order_relaxed);
      st.updates += s.updates.load(std::memory_order_relaxed);
      st.rejected += s.rejected.load(std::memory_order_relaxed);
      st.evictions += s.evictions.load(std::memory_order_relaxed);
      st.expirations += s.expirations.load(std::memory_order_relaxed);
      st.pressure_evictions += s.pressure_evictions.load(std::memory_order_relaxed);
      st.loads += s.loads.load(std::memory_order_relaxed);
      st.load_failures += s.load_failures.load(std::memory_order_relaxed);
      st.size += s.size_pub.load(std::memory_order_relaxed);
      st.charged_bytes += s.charged_pub.load(std::memory_order_relaxed);
    }
    st.capacity = capacity();
    st.configured_capacity = configured_capacity();
    st.capacity_bytes = capacity_bytes();
    st.bytes = memory_bytes();
    return st;
  }

  // shrinkable ------------------------------------------------------------------------------

  std::string name() const override { return options_.name; }

  // Estimated footprint: nodes (malloc chunks + string/vector heap), index tables, per-handle
  // vectors, policy metadata, nodes awaiting reclamation, per-thread read buffers. O(shards); takes
  // each shard's lock briefly.
  std::size_t memory_bytes() const noexcept override {
    std::size_t b = sizeof(*this) + detail::malloc_footprint(nshards_ * sizeof(shard)) +
                    detail::malloc_footprint(heads_bytes());
    for (std::size_t i = 0; i < nshards_; ++i) {
      const shard& s = shards_[i];
      detail::lock_guard g(s.mu);
      b += shard_memory(s);
    }
    const std::size_t readers = reader_count_.load(std::memory_order_relaxed);
    b += readers * (detail::malloc_footprint(sizeof(reader_state)) +
                    (marks ? 0 : detail::malloc_footprint(nshards_ * sizeof(ring) + 8)));
    b += readers_.memory_bytes();
    return b;
  }

  // Lowers the capacity per shrinkable.hpp and evicts down to it in batches of at most 1024
  // evictions per shard lock hold. Removals count as pressure_evictions. The returned bytes are the
  // charged bytes (byte-limited caches) or the estimated footprint of the removed entries.
  shrink_result shrink(const shrink_request& request) override {
    std::lock_guard<std::mutex> resize(resize_mu_);
    const double kf = std::clamp(request.keep_fraction, 0.0, 1.0);
    const auto lower = [&](std::uint64_t conf, std::uint64_t cur, std::uint64_t minimum) {
      if (conf == unlimited) return unlimited;
      const std::uint64_t base = request.relative_to_current ? cur : conf;
      const auto scaled = static_cast<std::uint64_t>(std::floor(static_cast<double>(base) * kf));
      return std::max(minimum, std::min(cur, scaled));
    };
    const std::uint64_t ne =
        lower(conf_entries_, cur_entries_.load(std::memory_order_relaxed), min_entries_);
    const std::uint64_t nb = lower(conf_bytes_, cur_bytes_.load(std::memory_order_relaxed), min_bytes_);
    cur_entries_.store(ne, std::memory_order_relaxed);
    cur_bytes_.store(nb, std::memory_order_relaxed);
    shrink_result result;
    for (std::size_t i = 0; i < nshards_; ++i) {
      shard& s = shards_[i];
      bool more = true;
      bool first = true;
      while (more) {
        garbage trash;
        {
          detail::lock_guard g(s.mu);
          const auto held_from = clock_type::now();
          drain(s);
          if (first) {
            set_shard_capacity(s, split(ne, i), split(nb, i));
            first = false;
          }
          for (std::size_t k = 0; k < shrink_batch && over(s) && s.policy.size() > 0; ++k) {
            const auto [entries, bytes] = evict_one(s, /*pressure=*/true);
            result.entries += entries;
            result.bytes += bytes;
          }
          more = over(s) && s.policy.size() > 0;
          if (!more) compact_table(s);
          take_reclaimable(s, detail::epoch_domain::instance().try_advance(), &trash);
          publish(s);
          note_hold(clock_type::now() - held_from);
        }
        dispose(trash);  // destructors and free() outside the lock
      }
      flush_limbo(s);
    }
    return result;
  }

  // Raises the capacity by step_fraction × configured capacity (at least one entry / byte), never
  // above the configured capacity. Returns true while still below it.
  bool regrow(double step_fraction) override {
    std::lock_guard<std::mutex> resize(resize_mu_);
    const double step = std::clamp(step_fraction, 0.0, 1.0);
    const auto raise = [&](std::uint64_t conf, std::uint64_t cur) {
      if (conf == unlimited || step <= 0.0) return cur;
      const auto add = std::max<std::uint64_t>(
          1, static_cast<std::uint64_t>(std::ceil(static_cast<double>(conf) * step)));
      return std::min(conf, cur + add);
    };
    const std::uint64_t ne = raise(conf_entries_, cur_entries_.load(std::memory_order_relaxed));
    const std::uint64_t nb = raise(conf_bytes_, cur_bytes_.load(std::memory_order_relaxed));
    cur_entries_.store(ne, std::memory_order_relaxed);
    cur_bytes_.store(nb, std::memory_order_relaxed);
    for (std::size_t i = 0; i < nshards_; ++i) {
      shard& s = shards_[i];
      detail::lock_guard g(s.mu);
      set_shard_capacity(s, split(ne, i), split(nb, i));
      publish(s);
    }
    return ne < conf_entries_ || (conf_bytes_ != unlimited && nb < conf_bytes_);
  }

  shrinkable_stats stats_snapshot() const override {
    const cache_stats st = stats();
    shrinkable_stats out;
    out.kind = "cache";
    out.name = options_.name;
    out.size = st.size;
    out.capacity = st.capacity;
    out.configured_capacity = st.configured_capacity;
    out.bytes = st.bytes;
    out.hits = st.hits;
    out.misses = st.misses;
    out.evictions = st.evictions;
    out.pressure_evictions = st.pressure_evictions;
    out.expirations = st.expirations;
    return out;
  }

 private:
  // One thread's hit buffer for one shard: single producer (the thread), consumers serialised by
  // the shard lock. Lossy: when full and the lock is busy (or another thread is the shard's
  // drainer), the hit is dropped.
  struct alignas(detail::cache_line) ring {
    std::atomic<std::uint32_t> head{0};  // next event to replay (written under the shard lock)
    std::atomic<std::uint32_t> tail{0};  // next free slot (written by the owning thread)
    std::uint32_t drops = 0;      // owning thread only: hits dropped since head last moved
    std::uint32_t seen_head = 0;  // owning thread only: head when drops was last reset
    std::atomic<std::uint64_t> events[ring_size] = {};
  };
  // Per (cache, thread) state: written only by its thread (plus ring heads by drainers).
  struct alignas(detail::cache_line) reader_state {
    std::atomic<std::uint64_t> hits{0};
    std::atomic<std::uint64_t> misses{0};
    std::atomic<std::uint64_t> updates{0};  // lock-free in-place updates
    // Read by drainers on other cores: on its own line, never written after creation.
    alignas(detail::cache_line) std::uint32_t index = 0;  // the thread's slot index
    std::unique_ptr<ring[]> rings;                        // one per shard
  };
  struct retired_node {
    node* n;
    std::uint64_t epoch;
    std::size_t bytes;
  };
  struct retired_table {
    table* t;
    std::uint64_t epoch;
  };
  struct load_state {
    std::promise<Value> promise;
    std::shared_future<Value> future = promise.get_future().share();
  };
  struct garbage {
    std::vector<node*> nodes;
  };

  struct read_head {
    std::atomic<table*> tbl{nullptr};  // the shard's index: read lock-free, replaced under its mu
    // The thread (slot index) that replays the shard's buffered hits when its ring fills (see
    // make_room). Written under mu, and only when another thread takes over (rare); read on every
    // hit of a ring policy.
    std::atomic<std::uint32_t> drainer{no_drainer};
  };
  std::size_t heads_bytes() const noexcept {
    return (nshards_ * sizeof(read_head) + detail::cache_line - 1) & ~(detail::cache_line - 1);
  }
  static_assert(std::is_trivially_destructible_v<read_head>, "heads_deleter runs no destructors");
  struct heads_deleter {
    void operator()(read_head* p) const noexcept {
      ::operator delete(static_cast<void*>(p), std::align_val_t{detail::cache_line});
    }
  };
  struct alignas(detail::cache_line) shard {
    shard(std::uint64_t policy_capacity, std::size_t idx) : index(idx), policy(policy_capacity) {}

    // Lock-free readers never touch the shard (they read its read_head): everything here is for
    // writers. (False sharing measured when the table pointer shared the mutex's line: 2-thread
    // hits scaled 0.7x.)
    const std::size_t index;
    mutable detail::mutex mu;
    Policy policy MEMBOUND_GUARDED_BY(mu);
    std::vector<node*> nodes MEMBOUND_GUARDED_BY(mu);  // handle -> node (nullptr = free handle)
    std::vector<std::uint64_t> weights MEMBOUND_GUARDED_BY(mu);  // handle -> charge (byte mode)
    std::vector<handle> free_handles MEMBOUND_GUARDED_BY(mu);
    std::size_t live MEMBOUND_GUARDED_BY(mu) = 0;
    std::uint32_t gen MEMBOUND_GUARDED_BY(mu) = 0;
    std::uint64_t cap_entries MEMBOUND_GUARDED_BY(mu) = 0;
    std::uint64_t cap_bytes MEMBOUND_GUARDED_BY(mu) = 0;
    std::uint64_t charged MEMBOUND_GUARDED_BY(mu) = 0;     // sum of charges (byte mode)
    std::uint64_t node_bytes MEMBOUND_GUARDED_BY(mu) = 0;  // footprint of live nodes
    std::vector<retired_node> limbo MEMBOUND_GUARDED_BY(mu);
    std::uint64_t limbo_bytes MEMBOUND_GUARDED_BY(mu) = 0;
    std::vector<retired_table> old_tables MEMBOUND_GUARDED_BY(mu);
    std::size_t next_reclaim MEMBOUND_GUARDED_BY(mu) = 0;
    std::uint32_t table_reclaim_tries MEMBOUND_GUARDED_BY(mu) = 0;
    std::vector<std::pair<Key, std::shared_ptr<load_state>>> loading MEMBOUND_GUARDED_BY(mu);
    // Published under mu for lock-free readers (size(), stats(), memory_bytes()).
    std::atomic<std::uint64_t> size_pub{0};
    std::atomic<std::uint64_t> charged_pub{0};
    std::atomic<std::uint64_t> inserts{0};
    std::atomic<std::uint64_t> updates{0};
    std::atomic<std::uint64_t> rejected{0};
    std::atomic<std::uint64_t> evictions{0};
    std::atomic<std::uint64_t> expirations{0};
    std::atomic<std::uint64_t> pressure_evictions{0};
    std::atomic<std::uint64_t> loads{0};
    std::atomic<std::uint64_t> load_failures{0};
  };

  // --- configuration -------------------------------------------------------------------------

  static void validate(const cache_options& o) {
    constexpr std::string_view what = "cache_options";
    if (o.max_entries == 0 && o.max_bytes == 0)
      detail::throw_invalid_argument(what, "max_entries", "and max_bytes are both 0: set a bound");
    if (o.max_entries > 0 && o.min_entries > o.max_entries)
      detail::throw_invalid_argument(what, "min_entries", "exceeds max_entries");
    if (o.max_entries == 0 && o.min_entries > 0)
      detail::throw_invalid_argument(what, "min_entries", "is set but max_entries is 0");
    if (o.max_bytes > 0 && o.min_bytes > o.max_bytes)
      detail::throw_invalid_argument(what, "min_bytes", "exceeds max_bytes");
    if (o.shards && *o.shards == 0) detail::throw_invalid_argument(what, "shards", "is 0");
    if (o.shards && *o.shards > 65536) detail::throw_invalid_argument(what, "shards", "exceeds 65536");
    if (o.shards && o.max_entries > 0 && *o.shards > o.max_entries)
      detail::throw_invalid_argument(what, "shards", "exceeds max_entries");
    if (o.ttl.count() < 0) detail::throw_invalid_argument(what, "ttl", "is negative");
  }

  // The smallest power of two >= 4 × hardware threads, halved while a shard would get fewer than
  // 64 entries (16 KiB when only bytes are bounded): enough shards that writers rarely meet, not
  // so many that tiny shards make LRU order coarse.
  static std::size_t auto_shards(const cache_options& o) {
    const std::size_t hw = std::max(1u, std::thread::hardware_concurrency());
    std::size_t n = std::bit_ceil(4 * hw);
    while (n > 1 && (o.max_entries > 0 ? o.max_entries / n < 64 : o.max_bytes / n < 16384)) n /= 2;
    return n;
  }

  // Shard i's share of a total: total / n, plus one for the first total % n shards.
  std::uint64_t split(std::uint64_t total, std::size_t i) const noexcept {
    if (total == unlimited) return unlimited;
    return total / nshards_ + (i < total % nshards_ ? 1 : 0);
  }

  // Retirements between two attempts to advance the epoch. An attempt costs a membarrier() system
  // call (0.2-4 µs measured on the 2-vCPU CI VM), so it is amortised over at least 256 writes;
  // retired nodes wait about two steps before they are freed (counted in memory_bytes()).
  std::size_t reclaim_step(const shard& s) const MEMBOUND_REQUIRES(s.mu) {
    const std::uint64_t cap = s.cap_entries != unlimited ? s.cap_entries : 4096;
    return static_cast<std::size_t>(std::clamp<std::uint64_t>(cap / 2, 256, 4096));
  }

  // Retired bytes a byte-bounded shard may hold before every write tries to advance the epoch: an
  // eighth of its byte capacity (at least 64 KiB). Without it, a cache of large values kept up to
  // reclaim_step() evicted values per shard alive (the demo measured 35-50 MiB beside a 67 MiB
  // cache), which defeats a byte bound. Count-bounded caches keep the count rule only.
  std::uint64_t limbo_byte_limit(const shard& s) const MEMBOUND_REQUIRES(s.mu) {
    if (s.cap_bytes == unlimited) return unlimited;
    return std::max<std::uint64_t>(s.cap_bytes / 8, std::uint64_t{64} * 1024);
  }

  // --- hashing, nodes, time --------------------------------------------------------------------

  std::uint64_t hash_of(const Key& key) const {
    return detail::mix_hash(static_cast<std::uint64_t>(hash_(key)));
  }
  read_head& head(std::size_t si) const noexcept { return heads_.get()[si]; }
  table* table_of(const shard& s) const noexcept {
    return head(s.index).tbl.load(std::memory_order_relaxed);
  }
  std::size_t shard_index(std::uint64_t h) const noexcept {
    return static_cast<std::size_t>(((h >> 32) * nshards_) >> 32);
  }
  std::uint64_t charge_of(const Key& key, const Value& value) const {
    return byte_mode_ ? static_cast<std::uint64_t>(weigher_(key, value)) + overhead_ : 1;
  }
  std::int64_t now_ticks() const { return now(options_.clock).time_since_epoch().count(); }
  static bool is_expired(const node* n, std::int64_t now) noexcept {
    return static_cast<const timed_node*>(n)->expiry.load(std::memory_order_relaxed) <= now;
  }
  node* make_node(const Key& key, Value value) {
    if (ttl_) return new timed_node{{0, 0, key, std::move(value)}, now_ticks() + ttl_ticks_};
    return new node{0, 0, key, std::move(value)};
  }
  void destroy_node(node* n) const noexcept {
    if (ttl_) {
      delete static_cast<timed_node*>(n);
    } else {
      delete n;
    }
  }
  // What an entry occupies: its node plus the heap its key and value own where we can see it
  // (std::string and the like). In byte mode the weigher knows about values we cannot look into
  // (e.g. shared_ptr<buffer>), so the entry counts at least its charge.
  std::size_t footprint(const node* n) const noexcept {
    const std::size_t seen = detail::malloc_footprint(ttl_ ? sizeof(timed_node) : sizeof(node)) +
                             detail::dynamic_bytes(n->key) + detail::dynamic_bytes(detail::load_value(n->value));
    if (!byte_mode_) return seen;
    std::uint64_t charged = 0;
    try {
      charged = charge_of(n->key, detail::load_value(n->value));
    } catch (...) {
      return seen;  // a throwing weigher already failed the put; be conservative here
    }
    return std::max(seen, static_cast<std::size_t>(charged));
  }

  template <class Counter>
  [[gnu::always_inline]] static void count(Counter& c) noexcept {  // single writer: no RMW
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  static void count_shared(std::atomic<std::uint64_t>& c) noexcept {
    c.fetch_add(1, std::memory_order_relaxed);
  }

  // --- lock-free read side ---------------------------------------------------------------------

  // REQUIRES: inside an epoch_guard. Memory ordering: seq_cst loads pair with the writer's seq_cst
  // stores (publication) and order after the guard's announcement (see cache_epoch.hpp).
  [[gnu::always_inline]] const node* find_published(std::size_t si, key_arg key,
                                                    std::uint64_t h) const {
    const table* t = head(si).tbl.load(std::memory_order_seq_cst);
    if constexpr (key_by_value) {
      // By value, so that the key stays in a register across the seq_cst loads (a reference
      // would be reloaded from memory after each of them).
      return t->find<const node>(h, [key](const node& n) { return n.key == key; });
    } else {
      return t->find<const node>(h, [&key](const node& n) { return n.key == key; });
    }
  }

  // The calling thread's state for this cache: its slot remembers the last cache it used, so a
  // thread working on one cache finds its state with one compare.
  reader_state& reader_for(detail::thread_slot& slot) const {
    if (slot.last_owner == id_) [[likely]] return *static_cast<reader_state*>(slot.last_state);
    reader_state* r = readers_.find(slot.index);
    if (r == nullptr) [[unlikely]] r = make_reader(slot.index);
    slot.last_owner = id_;
    slot.last_state = r;
    return *r;
  }
  [[gnu::noinline]] reader_state* make_reader(std::uint32_t idx) const {
    auto owned = std::make_unique<reader_state>();
    owned->index = idx;
    if constexpr (!marks) owned->rings = std::make_unique<ring[]>(nshards_);
    reader_state* r = owned.release();
    readers_.at(idx).store(r, std::memory_order_release);
    reader_count_.fetch_add(1, std::memory_order_relaxed);
    std::uint32_t cur = readers_high_.load(std::memory_order_relaxed);
    while (cur < idx + 1 &&
           !readers_high_.compare_exchange_weak(cur, idx + 1, std::memory_order_acq_rel)) {
    }
    return r;
  }

  // Hit marks (marks == true). A published node's generation is only ever changed in its mark
  // bit: readers set it (inside their epoch guard) and the eviction scan clears it under the
  // lock, both through atomic_ref, so every store writes back the same generation.
  static void mark_hit(const node* n) noexcept {
    std::atomic_ref<std::uint32_t> g(const_cast<node*>(n)->gen);  // nodes are never const objects
    const std::uint32_t v = g.load(std::memory_order_relaxed);
    if ((v & hit_mark) == 0) g.store(v | hit_mark, std::memory_order_relaxed);
  }
  static bool take_mark(node* n) noexcept {
    std::atomic_ref<std::uint32_t> g(n->gen);
    const std::uint32_t v = g.load(std::memory_order_relaxed);
    if ((v & hit_mark) == 0) return false;
    g.store(v & ~hit_mark, std::memory_order_relaxed);
    return true;
  }
  // The policy's victim; for marks, its scan consumes the marks of the entries it passes.
  handle evict_victim(shard& s) MEMBOUND_REQUIRES(s.mu) {
    if constexpr (marks) {
      node* const* const nodes = s.nodes.data();
      return s.policy.evict_marked([nodes](handle h) noexcept { return take_mark(nodes[h]); });
    } else {
      return s.policy.evict();
    }
  }

  static std::uint64_t event_of(const node* n) noexcept {
    return (static_cast<std::uint64_t>(n->handle) << 32) | n->gen;
  }
  // Records an access to n, inside the epoch guard: sets its mark (marks; returns 0) or returns
  // the event record_event() buffers once the guard is released.
  static std::uint64_t note_access(const node* n) noexcept {
    if constexpr (marks) {
      mark_hit(n);
      return 0;
    } else {
      return event_of(n);
    }
  }

  // Buffers an access for the policy in the calling thread's ring for this shard.
  [[gnu::always_inline]] void record_event(std::size_t si, reader_state& rs,
                                          detail::thread_slot& slot, std::uint64_t event) {
    if constexpr (marks) return;  // already marked by note_access
    const std::uint32_t d = head(si).drainer.load(std::memory_order_relaxed);
    if (d != slot.index && d != no_drainer) {
      if (++slot.sample % non_drainer_sampling != 0) return;  // lossy: sampled
    }
    ring& g = rs.rings[si];
    const std::uint32_t t = g.tail.load(std::memory_order_relaxed);
    if (t - g.head.load(std::memory_order_acquire) >= ring_size) [[unlikely]] {
      if (!make_room(shards_[si], rs, g)) return;  // lossy
    }
    g.events[t % ring_size].store(event, std::memory_order_relaxed);
    g.tail.store(t + 1, std::memory_order_release);
  }

  // The calling thread's ring for shard s is full: replay every thread's buffered events into the
  // policy if this thread is the shard's drainer (or there is none, or the drainer has not emptied
  // this ring for takeover_after hits: it is idle or gone) and the lock is free. One drainer at a
  // time keeps the policy's memory in one core's cache (Caffeine: one maintenance thread). A
  // thread using a shard alone is, or becomes, its drainer, so it replays every hit in order.
  [[gnu::noinline]] bool make_room(shard& s, const reader_state& rs, ring& g) {
    std::atomic<std::uint32_t>& drainer = head(s.index).drainer;
    const std::uint32_t d = drainer.load(std::memory_order_relaxed);
    if (d != rs.index && d != no_drainer) {
      const std::uint32_t head = g.head.load(std::memory_order_relaxed);
      if (head != g.seen_head) {
        g.seen_head = head;
        g.drops = 0;
      }
      if (++g.drops <= takeover_after) return false;
    }
    if (!s.mu.try_lock()) return false;
    drain(s);
    if (d != rs.index) drainer.store(rs.index, std::memory_order_relaxed);
    s.mu.unlock();
    g.drops = 0;
    return true;
  }

  // Stores `value` into the published node for `key` without the lock (in-place values, entry
  // counting only, no TTL). Returns false when the key is absent (the caller then puts under the
  // lock).
  bool update_lock_free(shard& s, const Key& key, std::uint64_t h, const Value& value) {
    detail::thread_slot& slot = detail::this_thread_slot();
    reader_state& rs = reader_for(slot);
    std::uint64_t event = 0;
    {
      detail::epoch_guard guard(slot);
      node* n = const_cast<node*>(find_published(s.index, key, h));
      if (n == nullptr) return false;
      // A writer may unpublish n (erase, eviction) between our lookup and this store. The put is
      // still linearizable: it can take effect just before that removal, which falls inside this
      // call (after the lookup that found n published, before the store); readers that read the
      // value from n found it before the removal. So no check and no retry are needed.
      if constexpr (in_place) n->value.store(value, std::memory_order_release);
      event = note_access(n) | update_event;  // with marks, a mark (policies declare update_is_hit)
    }
    count(rs.updates);
    record_event(s.index, rs, slot, event);
    return true;
  }

  // get() when the calling thread last used another cache, or for caches with a TTL (expired
  // entries read as misses and are removed). Out of line so that get()'s hit path stays small.
  [[gnu::noinline]] std::optional<Value> get_slow(key_arg key) {
    detail::thread_slot& slot = detail::this_thread_slot();
    reader_state& rs = reader_for(slot);
    if (ttl_) return lookup_copy<true>(slot, rs, key);
    return lookup_copy<false>(slot, rs, key);
  }

  // lookup() copying the value into an optional (values that are not returned through registers,
  // and the TTL path).
  template <bool Timed>
  [[gnu::always_inline]] std::optional<Value> lookup_copy(detail::thread_slot& slot,
                                                         reader_state& rs, key_arg key) {
    std::optional<Value> out;
    lookup<Timed>(slot, rs, key,
                  [&out](const node* n) { out.emplace(detail::load_value(n->value)); });
    return out;
  }

  // get()'s body, for the calling thread's slot and its state for this cache: on a hit, calls
  // copy_out(node) inside the read section and returns true. Timed checks expiry (and removes an
  // expired entry under the lock).
  template <bool Timed, class CopyOut>
  [[gnu::always_inline]] bool lookup(detail::thread_slot& slot, reader_state& rs, key_arg key,
                                     CopyOut&& copy_out) {
    const std::uint64_t h = hash_of(key);
    const std::size_t si = shard_index(h);
    std::uint64_t event = 0;
    bool hit = false;
    bool expired = false;
    auto section = [&] {
      const node* n = find_published(si, key, h);
      if (n != nullptr) {
        if (Timed && is_expired(n, now_ticks())) {
          expired = true;
        } else {
          copy_out(n);
          event = note_access(n);
          hit = true;
        }
      }
    };
    if constexpr (!Timed && noexcept(copy_out(static_cast<const node*>(nullptr))) &&
                  noexcept(std::declval<const Key&>() == std::declval<const Key&>())) {
      // Nothing in the section can throw: the bare enter/exit pair keeps the announced epoch in
      // a register (a guard object is kept in memory, two stores and four loads per hit).
      const std::uint64_t prev = detail::epoch_enter(slot);
      section();
      detail::epoch_exit(slot, prev);
    } else {
      detail::epoch_guard guard(slot);
      section();
    }
    if (hit) [[likely]] {
      count(rs.hits);
      record_event(si, rs, slot, event);
    } else {
      count(rs.misses);
      if (Timed && expired) expire(shards_[si], key, h);
    }
    return hit;
  }

  // Replays every thread's buffered hits on this shard into the policy: validates each event
  // (the handle still holds the node that was hit) into a batch, then hands the batch to the
  // policy in one call (policy::replay_hits).
  void drain(shard& s) MEMBOUND_REQUIRES(s.mu) {
    if constexpr (marks) return;  // no rings: hits are marks on the nodes
    const std::uint32_t n = readers_high_.load(std::memory_order_acquire);
    handle batch[ring_size];
    node* const* const nodes = s.nodes.data();
    const std::size_t handles = s.nodes.size();
    for (std::uint32_t i = 0; i < n; ++i) {
      reader_state* r = readers_.find(i);
      if (r == nullptr) continue;
      ring& g = r->rings[s.index];
      const std::uint32_t t = g.tail.load(std::memory_order_acquire);
      std::uint32_t h = g.head.load(std::memory_order_relaxed);
      if (h == t) continue;
      std::size_t nb = 0;
      for (; h != t; ++h) {
        const std::uint64_t e = g.events[h % ring_size].load(std::memory_order_relaxed);
        const auto hd = static_cast<handle>(e >> 32);
        if (hd >= handles) continue;
        const node* nd = nodes[hd];
        if (nd == nullptr || nd->gen != (e & detail::cache_gen_mask)) continue;
        if constexpr (policy::update_is_hit<Policy>) {
          batch[nb++] = hd;
        } else if ((e & update_event) != 0) {
          policy::replay_hits(s.policy, batch, nb);
          nb = 0;
          s.policy.on_update(hd, 1);  // lock-free updates happen only when counting entries
        } else {
          batch[nb++] = hd;
        }
      }
      policy::replay_hits(s.policy, batch, nb);
      g.head.store(t, std::memory_order_release);
    }
  }

  // --- writer side (shard lock held) -----------------------------------------------------------

  // Returns the slot index holding `key`, or npos.
  std::size_t locate(const shard& s, const Key& key, std::uint64_t h) const MEMBOUND_REQUIRES(s.mu) {
    return table_of(s)->template locate<node>(
        h, [&key](const node& n) { return n.key == key; });
  }
  node* slot_node(const shard& s, std::size_t i) const MEMBOUND_REQUIRES(s.mu) {
    return table::unpack<node>(table_of(s)->slot(i).load(std::memory_order_relaxed));
  }

  bool fits_alone(const shard& s, std::uint64_t charge) const MEMBOUND_REQUIRES(s.mu) {
    return s.cap_entries >= 1 && charge <= s.cap_bytes;
  }
  bool over(const shard& s) const MEMBOUND_REQUIRES(s.mu) {
    return s.live > s.cap_entries || s.charged > s.cap_bytes;
  }

  // Inserts or replaces; takes ownership of n.
  void store_locked(shard& s, node* n, std::uint64_t h, std::uint64_t charge)
      MEMBOUND_REQUIRES(s.mu) {
    const std::uint64_t pw = byte_mode_ ? charge : 1;
    const auto pr = table_of(s)->template probe<node>(
        h, [n](const node& other) { return other.key == n->key; });
    const std::size_t found = pr.found;
    if (found != npos) {
      node* old = slot_node(s, found);
      const handle hd = old->handle;
      if (!fits_alone(s, charge)) {
        s.policy.on_remove(hd);
        remove_locked(s, found, old, h);
        destroy_node(n);
        count(s.rejected);
        return;
      }
      n->handle = hd;
      n->gen = ++s.gen & detail::cache_gen_mask;
      s.nodes[hd] = n;
      table_of(s)->slot(found).store(table::pack(n), std::memory_order_seq_cst);
      if constexpr (marks) {
        if (take_mark(old)) mark_hit(n);  // a hit marked on the replaced node still counts
      }
      if (byte_mode_) {
        s.charged = s.charged - s.weights[hd] + charge;
        s.weights[hd] = charge;
      }
      s.node_bytes = s.node_bytes - footprint(old) + footprint(n);
      s.policy.on_update(hd, pw);
      retire(s, old);
      count(s.updates);
      while (over(s) && s.policy.size() > 0) evict_one(s, /*pressure=*/false);
      return;
    }
    policy::notify_miss(s.policy, h);
    if (!fits_alone(s, charge)) {
      destroy_node(n);
      count(s.rejected);
      return;
    }
    while ((s.live + 1 > s.cap_entries || s.charged + charge > s.cap_bytes) &&
           s.policy.size() > 0) {
      evict_one(s, /*pressure=*/false);
    }
    std::size_t free_slot = pr.free;  // still empty: evictions only empty slots
    if (s.live + 1 > table_of(s)->max_entries() || free_slot == npos) {
      try {
        rebuild(s, s.live + 1);
      } catch (...) {
        destroy_node(n);
        throw;
      }
      free_slot = npos;
    }
    handle hd = 0;
    try {
      hd = alloc_handle(s);
      s.policy.on_insert(hd, h, pw);
    } catch (...) {
      if (hd < s.nodes.size() && s.nodes[hd] == nullptr) release_handle(s, hd);
      destroy_node(n);
      throw;
    }
    n->handle = hd;
    n->gen = ++s.gen & detail::cache_gen_mask;
    s.nodes[hd] = n;
    if (byte_mode_) s.weights[hd] = charge;
    table* t = table_of(s);
    if (free_slot != npos) {
      t->insert_at(h, free_slot, n);
    } else {
      t->insert(h, n, std::memory_order_seq_cst);
    }
    ++s.live;
    s.charged += byte_mode_ ? charge : 0;
    s.node_bytes += footprint(n);
    count(s.inserts);
  }

  // Stores `value` into the published node n (cache_value_in_place types). Returns false when the
  // new charge does not fit the shard at all (the caller then takes the general path).
  bool update_in_place(shard& s, node* n, const Value& value, std::uint64_t charge)
      MEMBOUND_REQUIRES(s.mu) {
    if (!fits_alone(s, charge)) return false;
    const handle hd = n->handle;
    s.node_bytes -= footprint(n);  // in byte mode the footprint follows the (value's) charge
    if constexpr (in_place) n->value.store(value, std::memory_order_relaxed);
    s.node_bytes += footprint(n);
    if (ttl_) {
      static_cast<timed_node*>(n)->expiry.store(now_ticks() + ttl_ticks_, std::memory_order_relaxed);
    }
    if (byte_mode_) {
      s.charged = s.charged - s.weights[hd] + charge;
      s.weights[hd] = charge;
    }
    s.policy.on_update(hd, byte_mode_ ? charge : 1);
    count(s.updates);
    while (over(s) && s.policy.size() > 0) evict_one(s, /*pressure=*/false);
    return true;
  }

  // Allocates a handle; on return s.nodes[hd] exists (nullptr) and is reserved.
  handle alloc_handle(shard& s) MEMBOUND_REQUIRES(s.mu) {
    if (!s.free_handles.empty()) {
      const handle hd = s.free_handles.back();
      s.free_handles.pop_back();
      return hd;
    }
    if (s.nodes.size() >= policy::no_handle) throw std::bad_alloc();
    s.nodes.push_back(nullptr);
    if (byte_mode_) {
      try {
        s.weights.push_back(0);
      } catch (...) {
        s.nodes.pop_back();
        throw;
      }
    }
    return static_cast<handle>(s.nodes.size() - 1);
  }
  void release_handle(shard& s, handle hd) noexcept MEMBOUND_REQUIRES(s.mu) {
    s.nodes[hd] = nullptr;
    try {
      s.free_handles.push_back(hd);
    } catch (...) {
      // Out of memory: the handle is simply never reused.
    }
  }

  // Unlinks node n (hash h, found at `slot`, already removed from the policy) and retires it.
  void remove_locked(shard& s, std::size_t slot, node* n, std::uint64_t h) MEMBOUND_REQUIRES(s.mu) {
    table_of(s)->erase(h, slot);
    --s.live;
    if (byte_mode_) s.charged -= s.weights[n->handle];
    s.node_bytes -= footprint(n);
    release_handle(s, n->handle);
    retire(s, n);
  }

  // Evicts the policy's victim. Returns {1, bytes accounted}.
  std::pair<std::size_t, std::size_t> evict_one(shard& s, bool pressure) MEMBOUND_REQUIRES(s.mu) {
    const handle v = evict_victim(s);
    node* n = s.nodes[v];
    const std::size_t bytes =
        byte_mode_ ? static_cast<std::size_t>(s.weights[v]) : footprint(n);
    const std::uint64_t h = hash_of(n->key);
    remove_locked(s, table_of(s)->index_of(h, n), n, h);
    count(pressure ? s.pressure_evictions : s.evictions);
    return {1, bytes};
  }

  [[gnu::noinline]] void expire(shard& s, const Key& key, std::uint64_t h) {
    detail::lock_guard g(s.mu);
    drain(s);
    const std::size_t i = locate(s, key, h);
    if (i == npos) return;
    node* n = slot_node(s, i);
    if (!is_expired(n, now_ticks())) return;
    s.policy.on_remove(n->handle);
    remove_locked(s, i, n, h);
    count(s.expirations);
    finish_write(s);
  }

  void forget_load(shard& s, const Key& key) MEMBOUND_REQUIRES(s.mu) {
    for (std::size_t i = 0; i < s.loading.size(); ++i) {
      if (s.loading[i].first == key) {
        s.loading.erase(s.loading.begin() + static_cast<std::ptrdiff_t>(i));
        return;
      }
    }
  }

  void set_shard_capacity(shard& s, std::uint64_t entries, std::uint64_t bytes)
      MEMBOUND_REQUIRES(s.mu) {
    s.cap_entries = entries;
    s.cap_bytes = bytes;
    s.policy.set_capacity(byte_mode_ ? bytes : entries);
  }

  // Builds a table sized for `want` live entries (load <= 2/3; room to double unless the entry
  // capacity says it will not be needed), publishes it and retires the old one.
  void rebuild(shard& s, std::size_t want) MEMBOUND_REQUIRES(s.mu) {
    // Double, but go straight to the entry capacity when doubling would nearly reach it, so a full
    // shard sits at the table's design load (2/3) rather than near its growth point.
    std::uint64_t target = 2 * std::uint64_t{want};
    if (s.cap_entries != unlimited && target * 4 >= s.cap_entries * 3)
      target = std::max<std::uint64_t>(want, s.cap_entries);
    table* nt = table::create(table::groups_for(static_cast<std::size_t>(target)));
    for (node* n : s.nodes) {
      if (n == nullptr) continue;
      const std::uint64_t h = hash_of(n->key);
      nt->insert(h, n, std::memory_order_relaxed);
    }
    table* old = table_of(s);
    head(s.index).tbl.store(nt, std::memory_order_seq_cst);
    try {
      s.old_tables.push_back({old, detail::epoch_domain::instance().current()});
    } catch (...) {
      // Out of memory: leak the old table rather than free it under a reader.
    }
  }

  // After removals: rebuild a table that has become mostly empty.
  void compact_table(shard& s) MEMBOUND_REQUIRES(s.mu) {
    const table* t = table_of(s);
    if (t->groups() > 2 && table::groups_for(s.live) * 2 < t->groups()) {
      try {
        rebuild(s, s.live);
      } catch (const std::bad_alloc&) {
        // Keep the old table: correct, only larger.
      }
    }
  }

  void retire(shard& s, node* n) MEMBOUND_REQUIRES(s.mu) {
    const std::size_t bytes = footprint(n);
    try {
      s.limbo.push_back({n, detail::epoch_domain::instance().current(), bytes});
      s.limbo_bytes += bytes;
    } catch (...) {
      // Out of memory: leak the node rather than free it under a reader.
    }
  }

  // Frees retired nodes and tables no reader can hold any more (under the lock: bounded by about
  // two reclaim steps of nodes).
  void reclaim(shard& s, std::uint64_t epoch) MEMBOUND_REQUIRES(s.mu) {
    take_reclaimable(s, epoch, nullptr);
  }

  // Tries to free retired memory now (after a shrink or clear): advances the epoch up to three
  // times, freeing outside the lock.
  void flush_limbo(shard& s) {
    for (int i = 0; i < 3; ++i) {
      garbage trash;
      {
        detail::lock_guard g(s.mu);
        if (s.limbo.empty() && s.old_tables.empty()) break;
        take_reclaimable(s, detail::epoch_domain::instance().try_advance(), &trash);
        publish(s);
      }
      dispose(trash);
    }
  }

  // Moves the retired nodes and tables no reader can hold any more into `out` (to free after
  // unlocking).
  // With out == nullptr, frees them here (no allocation, which would make glibc consolidate the
  // fastbins the nodes just went to).
  void take_reclaimable(shard& s, std::uint64_t epoch, garbage* out) MEMBOUND_REQUIRES(s.mu) {
    std::size_t k = 0;
    while (k < s.limbo.size() && s.limbo[k].epoch + 2 <= epoch) ++k;
    if (out != nullptr) {
      try {
        out->nodes.reserve(out->nodes.size() + k);
      } catch (const std::bad_alloc&) {
        out = nullptr;  // free them here instead
      }
    }
    for (std::size_t j = 0; j < k; ++j) {
      s.limbo_bytes -= s.limbo[j].bytes;
      if (out != nullptr) {
        out->nodes.push_back(s.limbo[j].n);
      } else {
        destroy_node(s.limbo[j].n);
      }
    }
    s.limbo.erase(s.limbo.begin(), s.limbo.begin() + static_cast<std::ptrdiff_t>(k));
    k = 0;
    while (k < s.old_tables.size() && s.old_tables[k].epoch + 2 <= epoch) {
      table::destroy(s.old_tables[k].t);  // trivially destructible: cheap
      ++k;
    }
    s.old_tables.erase(s.old_tables.begin(), s.old_tables.begin() + static_cast<std::ptrdiff_t>(k));
    s.next_reclaim = s.limbo.size() + s.old_tables.size() + reclaim_step(s);
  }
  void dispose(garbage& g) const noexcept {
    for (node* n : g.nodes) destroy_node(n);
    g.nodes.clear();
  }
  void note_hold(clock_type::duration d) noexcept {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    std::int64_t cur = longest_hold_ns_.load(std::memory_order_relaxed);
    while (ns > cur && !longest_hold_ns_.compare_exchange_weak(cur, ns, std::memory_order_relaxed)) {
    }
  }

  // End of every write: reclaim when enough garbage has accumulated (or when other writers have
  // already advanced the epoch far enough), publish the counters.
  void finish_write(shard& s) MEMBOUND_REQUIRES(s.mu) {
    if (!s.old_tables.empty() && ++s.table_reclaim_tries % 16 == 1) {
      // A replaced index is as large as the live data: free it soon (two epoch advances), not
      // after the next few hundred retirements. At most one attempt per 16 writes.
      std::uint64_t e = detail::epoch_domain::instance().try_advance();
      if (s.old_tables.front().epoch + 2 > e) e = detail::epoch_domain::instance().try_advance();
      reclaim(s, e);
      if (s.old_tables.empty()) s.table_reclaim_tries = 0;
    }
    if (s.limbo.size() + s.old_tables.size() >= s.next_reclaim ||
        s.limbo_bytes >= limbo_byte_limit(s)) {
      reclaim(s, detail::epoch_domain::instance().try_advance());
    } else if (!s.limbo.empty()) {
      const std::uint64_t e = detail::epoch_domain::instance().current();
      if (s.limbo.front().epoch + 2 <= e) reclaim(s, e);
    }
    publish(s);
  }

  void publish(shard& s) MEMBOUND_REQUIRES(s.mu) {
    s.size_pub.store(s.live, std::memory_order_relaxed);
    s.charged_pub.store(s.charged, std::memory_order_relaxed);
  }

  // The shard's footprint (computed on demand: memory_bytes() is rare, writes are not).
  std::size_t shard_memory(const shard& s) const MEMBOUND_REQUIRES(s.mu) {
    std::size_t m = s.node_bytes + s.limbo_bytes;
    m += table_of(s)->footprint();
    for (const retired_table& r : s.old_tables) m += r.t->footprint();
    m += detail::malloc_footprint(s.nodes.capacity() * sizeof(node*));
    m += detail::malloc_footprint(s.weights.capacity() * sizeof(std::uint64_t));
    m += detail::malloc_footprint(s.free_handles.capacity() * sizeof(handle));
    m += detail::malloc_footprint(s.limbo.capacity() * sizeof(retired_node));
    m += detail::malloc_footprint(s.old_tables.capacity() * sizeof(retired_table));
    m += detail::malloc_footprint(s.policy.memory_bytes());
    return m;
  }

  void destroy_shards(std::size_t built) noexcept {
    for (std::size_t i = 0; i < built; ++i) {
      shard& s = shards_[i];
      {
        detail::lock_guard g(s.mu);
        for (node* n : s.nodes)
          if (n != nullptr) destroy_node(n);
        for (const retired_node& r : s.limbo) destroy_node(r.n);
        for (const retired_table& r : s.old_tables) table::destroy(r.t);
        table::destroy(table_of(s));
      }
      s.~shard();
    }
    ::operator delete(shards_, std::align_val_t{alignof(shard)});
  }

  const std::uint64_t id_ = detail::g_next_owner_id.fetch_add(1, std::memory_order_relaxed);
  // id_ when gets take the untimed path (no TTL), else an id no thread slot ever holds (see get()).
  std::uint64_t untimed_id_ = ~std::uint64_t{0};
  cache_options options_;
  Hash hash_;
  Weigher weigher_;
  bool byte_mode_ = false;
  bool ttl_ = false;
  std::int64_t ttl_ticks_ = 0;
  std::uint64_t conf_entries_ = 0;  // unlimited when max_entries == 0
  std::uint64_t conf_bytes_ = 0;    // unlimited when max_bytes == 0
  std::uint64_t min_entries_ = 0;
  std::uint64_t min_bytes_ = 0;
  std::size_t overhead_ = 0;
  std::atomic<std::uint64_t> cur_entries_{0};
  std::atomic<std::uint64_t> cur_bytes_{0};
  std::mutex resize_mu_;  // serialises shrink() and regrow()
  std::atomic<std::int64_t> longest_hold_ns_{0};
  std::size_t nshards_ = 1;
  // What lock-free readers need of each shard, in an array of its own: a hit loads its shard's
  // head with one indexed load and touches nothing else of the shard (whose stride is several
  // cache lines). Written under the shard's mutex, read lock-free.
  std::unique_ptr<read_head, heads_deleter> heads_;  // nshards_ of them
  shard* shards_ = nullptr;
  mutable detail::segmented_directory<reader_state> readers_;  // by thread index
  mutable std::atomic<std::uint32_t> readers_high_{0};
  mutable std::atomic<std::size_t> reader_count_{0};
};

}  // namespace membound
