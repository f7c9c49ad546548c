// lru_cache<Key, Value>: concurrent_cache with the LRU policy.
#pragma once

#include "membound/containers/concurrent_cache.hpp"
#include "membound/policy/lru.hpp"

namespace membound {

// A thread-safe, sharded, bounded LRU cache; see concurrent_cache for the full contract.
template <class Key, class Value, class Hash = std::hash<Key>, class Weigher = default_weigher>
using lru_cache = concurrent_cache<Key, Value, policy::lru, Hash, Weigher>;

}  // namespace membound
