add_executable(bench_engine_hold ${CMAKE_CURRENT_LIST_DIR}/engine_hold.c)
target_link_libraries(bench_engine_hold PRIVATE tessera_kernel)
