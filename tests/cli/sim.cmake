# `membound sim` end-to-end tests (run the built CLI).
if(TARGET membound_cli)
  find_package(nlohmann_json CONFIG REQUIRED)
  membound_add_test(sim_cli_test ${CMAKE_CURRENT_LIST_DIR}/sim_cli_test.cpp LIBS nlohmann_json::nlohmann_json)
  add_dependencies(sim_cli_test membound_cli)
endif()
