# Stack benchmarks: two instances over the in-process wire (no faults).
add_executable(bench_stack_rr ${CMAKE_CURRENT_LIST_DIR}/stack_rr.c)
target_link_libraries(bench_stack_rr PRIVATE tessera_stack)

# The memcached store alone, native (workloads/mcd_store.h): USR requests per
# host second (issue 16: at least 2 M with hashpower 20).
add_executable(bench_mcd_store ${CMAKE_CURRENT_LIST_DIR}/mcd_store.c)
target_link_libraries(bench_mcd_store PRIVATE tessera_workloads)

# The client side alone: 8 client hosts running the mutilate-like client
# against a null responder (memcached natively on one more host), as the
# chip kind runs them (issue 16: cheaper than the chip's webserver run at
# the same rate).
add_executable(bench_clients_null ${CMAKE_CURRENT_LIST_DIR}/clients_null.c)
target_link_libraries(bench_clients_null PRIVATE tessera_chip_exp)
