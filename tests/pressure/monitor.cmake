# Tests of the classifier and the monitor (owner: monitor). Deterministic: fake clock, scripted
# source, poll_once(); the thread tests order threads with latches.
membound_add_test(classifier_test ${CMAKE_CURRENT_LIST_DIR}/classifier_test.cpp)
membound_add_test(monitor_test
  ${CMAKE_CURRENT_LIST_DIR}/monitor_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/monitor_threads_test.cpp)
# Replaces the global operator new: its own binary.
membound_add_test(monitor_alloc_test ${CMAKE_CURRENT_LIST_DIR}/monitor_alloc_test.cpp)
# global_monitor() needs make_default_source() from the Linux sources.
if(EXISTS ${PROJECT_SOURCE_DIR}/src/pressure/sources.cmake)
  membound_add_test(monitor_global_test ${CMAKE_CURRENT_LIST_DIR}/monitor_global_test.cpp)
endif()
