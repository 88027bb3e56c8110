# Stack benchmarks: two instances over the in-process wire (no faults).
add_executable(bench_stack_rr ${CMAKE_CURRENT_LIST_DIR}/stack_rr.c)
target_link_libraries(bench_stack_rr PRIVATE tessera_stack)

# The memcached store alone, native (workloads/mcd_store.h): USR requests per
# host second (issue 16: at least 2 M with hashpower 20).
add_executable(bench_mcd_store ${CMAKE_CURRENT_LIST_DIR}/mcd_store.c)
target_link_libraries(bench_mcd_store PRIVATE tessera_workloads)
