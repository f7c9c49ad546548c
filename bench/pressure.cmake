# Monitor benchmarks (owner: monitor).
#   monitor_bench: Google Benchmark, cost of one tick (poll_once) with N shrinkables/subscribers.
#   monitor_cpu:   a plain program, CPU of the monitor thread over 60 s at a 1 s interval (not CI).
membound_add_bench(monitor_bench ${CMAKE_CURRENT_LIST_DIR}/monitor_bench.cpp)

add_executable(monitor_cpu ${CMAKE_CURRENT_LIST_DIR}/monitor_cpu.cpp)
target_link_libraries(monitor_cpu PRIVATE membound::membound)
membound_configure_target(monitor_cpu)
# The host source comes from the Linux sources (src/pressure/sources.cmake); without them only the
# scripted source can be measured.
if(EXISTS ${PROJECT_SOURCE_DIR}/src/pressure/sources.cmake)
  target_compile_definitions(monitor_cpu PRIVATE MEMBOUND_HAVE_LINUX_SOURCES=1)
endif()
