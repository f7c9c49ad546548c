# The simulator's throughput benchmark (requests/s per policy, one thread).
membound_add_bench(sim_bench ${CMAKE_CURRENT_LIST_DIR}/sim_bench.cpp)
