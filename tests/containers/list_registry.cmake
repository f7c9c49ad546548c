# bounded_list and object_registry tests (header-only containers: nothing to add to the library).
membound_add_test(bounded_list_test ${CMAKE_CURRENT_LIST_DIR}/bounded_list_test.cpp)
membound_add_test(object_registry_test ${CMAKE_CURRENT_LIST_DIR}/object_registry_test.cpp)
