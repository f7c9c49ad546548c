# concurrent_cache tests (included from tests/containers/CMakeLists.txt).
membound_add_test(cache_basic_test ${CMAKE_CURRENT_LIST_DIR}/cache_basic_test.cpp)
membound_add_test(cache_differential_test ${CMAKE_CURRENT_LIST_DIR}/cache_differential_test.cpp)
membound_add_test(cache_concurrency_test ${CMAKE_CURRENT_LIST_DIR}/cache_concurrency_test.cpp)
membound_add_test(cache_shrink_test ${CMAKE_CURRENT_LIST_DIR}/cache_shrink_test.cpp)
membound_add_test(cache_monitor_test ${CMAKE_CURRENT_LIST_DIR}/cache_monitor_test.cpp)
