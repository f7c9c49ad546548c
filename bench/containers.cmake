# concurrent_cache benchmark (baselines inside: unordered_map floor, naive mutex LRU, TBB LRU).
membound_add_bench(cache_bench ${CMAKE_CURRENT_LIST_DIR}/cache_bench.cpp LIBS TBB::tbb)
# Instruction counts of a get hit under callgrind (deterministic; see the file's header).
membound_add_bench(cache_probe ${CMAKE_CURRENT_LIST_DIR}/cache_probe.cpp)
