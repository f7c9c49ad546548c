// Aggregate header of the containers area: includes each of its public headers.
#pragma once

#include "membound/containers/bounded_list.hpp"
#include "membound/containers/cache_options.hpp"
#include "membound/containers/cache_stats.hpp"
#include "membound/containers/concurrent_cache.hpp"
#include "membound/containers/lru_cache.hpp"
#include "membound/containers/object_registry.hpp"
#include "membound/containers/shrinkable.hpp"
