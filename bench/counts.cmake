# bench/counts.cmake: instructions per function natively and on a tile
# (bench/counts_vs_native.c, bench/counts_vs_native.py, docs/tiles.md).
add_executable(bench_counts_native ${CMAKE_CURRENT_LIST_DIR}/counts_vs_native.c
  $<TARGET_OBJECTS:tessera_calib_native>)
target_link_libraries(bench_counts_native PRIVATE tessera_workloads)
tessera_native_code(bench_counts_native)
add_executable(bench_counts_tile ${CMAKE_CURRENT_LIST_DIR}/counts_vs_native.c
  $<TARGET_OBJECTS:tessera_calib_tile> $<TARGET_OBJECTS:tessera_stack_tile>
  $<TARGET_OBJECTS:tessera_workloads_tile>)
target_compile_definitions(bench_counts_tile PRIVATE COUNTS_TILE=1)
target_link_libraries(bench_counts_tile PRIVATE tessera_tile)
# The test that keeps the counts near the native build's: valgrind, so
# Release only (label release-only; scripts/test.sh runs it in build/release;
# skipped with 77 in an ASan build). Tolerances: the issue's, every function
# with >= 1% of the native count within 10%, the total within 5%
# (docs/tiles.md, "Against the native build, dynamically").
add_test(NAME tile_counts_vs_native
  COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/counts_vs_native.py ${CMAKE_BINARY_DIR} --check)
set_tests_properties(tile_counts_vs_native PROPERTIES LABELS release-only SKIP_RETURN_CODE 77
  TIMEOUT 300)
add_dependencies(bench_counts_tile bench_counts_native)
