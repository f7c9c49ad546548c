# concurrent_cache benchmark (baselines inside: unordered_map floor, naive mutex LRU, TBB LRU).
membound_add_bench(cache_bench ${CMAKE_CURRENT_LIST_DIR}/cache_bench.cpp LIBS TBB::tbb)
