# Stack benchmarks: two instances over the in-process wire (no faults).
add_executable(bench_stack_rr ${CMAKE_CURRENT_LIST_DIR}/stack_rr.c)
target_link_libraries(bench_stack_rr PRIVATE tessera_stack)
