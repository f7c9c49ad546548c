# Linux memory sources: cgroup v1/v2/hybrid, host, process budget, PSI (docs/sources.md).
target_sources(membound PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/linux_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/linux_parse.cpp
  ${CMAKE_CURRENT_LIST_DIR}/linux_cgroup.cpp
  ${CMAKE_CURRENT_LIST_DIR}/linux_sources.cpp)
