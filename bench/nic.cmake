# nic/ benchmark: frames per host second through the NIC model (ingress +
# egress with a trivial echo). The echo and flat memory are the tests' helpers.
if(TARGET tessera_nic)
  add_executable(bench_nic_echo ${CMAKE_CURRENT_LIST_DIR}/nic_echo.c
    ${CMAKE_SOURCE_DIR}/tests/nic/nic_test_util.c)
  target_include_directories(bench_nic_echo PRIVATE ${CMAKE_SOURCE_DIR}/tests/nic)
  target_link_libraries(bench_nic_echo PRIVATE tessera_nic)
endif()

# The issue 5 benchmark: ingress + egress with the echo tile program
# (workloads/tile/echo_tile.c, instrumented tile code) on a chip.
if(TARGET tessera_chip AND TARGET tessera_echo_tile)
  add_executable(bench_nic_tile_echo ${CMAKE_CURRENT_LIST_DIR}/nic_tile_echo.c
    $<TARGET_OBJECTS:tessera_echo_tile>)
  target_link_libraries(bench_nic_tile_echo PRIVATE tessera_chip)
  set_target_properties(bench_nic_tile_echo PROPERTIES ENABLE_EXPORTS ON)
endif()
