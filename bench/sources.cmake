# One read() per memory source on this machine, against an open+iostream baseline (docs/sources.md).
membound_add_bench(source_bench ${CMAKE_CURRENT_LIST_DIR}/source_bench.cpp)
