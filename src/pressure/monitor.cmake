# The pressure classifier and monitor (owner: monitor). global_monitor.cpp is its own object so
# that nothing but a caller of global_monitor() needs make_default_source().
target_sources(membound PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/classifier.cpp
  ${CMAKE_CURRENT_LIST_DIR}/monitor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/global_monitor.cpp)
