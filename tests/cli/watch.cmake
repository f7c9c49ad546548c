# membound watch: output formats (no binary needed), the CLI end to end on fixture trees, and a
# real-cgroup check that needs root (skipped otherwise).
find_package(nlohmann_json CONFIG REQUIRED)

membound_add_test(watch_format_test ${CMAKE_CURRENT_LIST_DIR}/watch_format_test.cpp
  LIBS nlohmann_json::nlohmann_json)

membound_add_test(watch_cli_test ${CMAKE_CURRENT_LIST_DIR}/watch_cli_test.cpp
  LIBS nlohmann_json::nlohmann_json)
target_compile_definitions(watch_cli_test PRIVATE MEMBOUND_CLI="$<TARGET_FILE:membound_cli>")
add_dependencies(watch_cli_test membound_cli)

add_test(NAME watch_cgroup_test
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/watch_cgroup_test.sh $<TARGET_FILE:membound_cli>)
set_tests_properties(watch_cgroup_test PROPERTIES
  LABELS "cgroup;no-sanitizer" SKIP_RETURN_CODE 77 TIMEOUT 60)
