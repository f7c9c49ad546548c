# Linux sources against fixture trees (tests/pressure/fixtures, copied to a temp dir per test).
membound_add_test(source_parse_test ${CMAKE_CURRENT_LIST_DIR}/source_parse_test.cpp)
membound_add_test(source_cgroup_test ${CMAKE_CURRENT_LIST_DIR}/source_cgroup_test.cpp)
membound_add_test(source_host_test ${CMAKE_CURRENT_LIST_DIR}/source_host_test.cpp)
