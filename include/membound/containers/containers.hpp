// Aggregate header of the containers area: includes each of its public headers.
#pragma once

#include "membound/containers/shrinkable.hpp"
// (__has_include while the area is being built in parallel; plain includes once all have landed)
#if __has_include("membound/containers/concurrent_cache.hpp")
#include "membound/containers/concurrent_cache.hpp"
#endif
#if __has_include("membound/containers/bounded_list.hpp")
#include "membound/containers/bounded_list.hpp"
#endif
#if __has_include("membound/containers/object_registry.hpp")
#include "membound/containers/object_registry.hpp"
#endif
