# bench/tile.cmake: speed of the instrumented tile model (docs/tiles.md).
add_executable(bench_tile_hashtab ${CMAKE_CURRENT_LIST_DIR}/tile_hashtab.c
  $<TARGET_OBJECTS:tessera_calib_tile> $<TARGET_OBJECTS:tessera_calib_native>)
target_link_libraries(bench_tile_hashtab PRIVATE tessera_tile)
