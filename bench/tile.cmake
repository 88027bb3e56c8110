# bench/tile.cmake: speed of the instrumented tile model (docs/tiles.md).
add_executable(bench_tile_hashtab ${CMAKE_CURRENT_LIST_DIR}/tile_hashtab.c
  $<TARGET_OBJECTS:tessera_calib_tile> $<TARGET_OBJECTS:tessera_calib_native>)
target_link_libraries(bench_tile_hashtab PRIVATE tessera_tile)
# The cost of a coroutine switch (sim/tile/coro.h) against glibc's ucontext.
add_executable(bench_coro_switch ${CMAKE_CURRENT_LIST_DIR}/coro_switch.c)
target_link_libraries(bench_coro_switch PRIVATE tessera_tile)
# What the synchronisation quantum does to results and host time.
add_executable(bench_tile_quantum ${CMAKE_CURRENT_LIST_DIR}/tile_quantum.c
  $<TARGET_OBJECTS:tessera_calib_tile>)
target_link_libraries(bench_tile_quantum PRIVATE tessera_tile)
