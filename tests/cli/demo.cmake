# `membound demo` end to end (tests/cli/demo_test.sh). The runs measure RSS, so they are slow and
# meaningless under sanitizers; the bad-flag check is fast and runs everywhere.
# (Registered once concurrent_cache is in the tree: before that the demo is a stub.)
if(TARGET membound_cli AND EXISTS ${PROJECT_SOURCE_DIR}/include/membound/containers/concurrent_cache.hpp)
  set(_demo_test ${CMAKE_CURRENT_LIST_DIR}/demo_test.sh)
  add_test(NAME demo_stays_within_budget
           COMMAND bash ${_demo_test} budget $<TARGET_FILE:membound_cli>)
  add_test(NAME demo_unbounded_exceeds_budget
           COMMAND bash ${_demo_test} unbounded $<TARGET_FILE:membound_cli>)
  add_test(NAME demo_survives_memory_cgroup
           COMMAND bash ${_demo_test} cgroup $<TARGET_FILE:membound_cli>)
  set_tests_properties(demo_stays_within_budget demo_unbounded_exceeds_budget
                       demo_survives_memory_cgroup
                       PROPERTIES LABELS "slow;no-sanitizer" TIMEOUT 180)
  set_tests_properties(demo_survives_memory_cgroup PROPERTIES SKIP_RETURN_CODE 77)
  add_test(NAME demo_rejects_bad_flags COMMAND bash ${_demo_test} flags $<TARGET_FILE:membound_cli>)
  set_tests_properties(demo_rejects_bad_flags PROPERTIES TIMEOUT 60)
endif()
