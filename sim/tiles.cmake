# sim/tiles.cmake: tiles that run real C code (docs/tiles.md).
#
# tessera_tile: the tile runtime, caches, memory regions and the
# sanitizer-coverage hooks. Simulator code: never instrumented.
add_library(tessera_tile STATIC
  ${CMAKE_CURRENT_LIST_DIR}/coro.c
  ${CMAKE_CURRENT_LIST_DIR}/cov.c
  ${CMAKE_CURRENT_LIST_DIR}/cov_x86.c
  ${CMAKE_CURRENT_LIST_DIR}/cache.c
  ${CMAKE_CURRENT_LIST_DIR}/mem.c
  ${CMAKE_CURRENT_LIST_DIR}/tile.c
  ${CMAKE_CURRENT_LIST_DIR}/tile_host.c)
# Handlers run on coroutines (sim/coro.h): Boost.Context's fcontext.
find_library(BOOST_CONTEXT_LIB boost_context REQUIRED)
target_link_libraries(tessera_tile PUBLIC tessera_sim ${BOOST_CONTEXT_LIB} ${CMAKE_DL_LIBS})
# The caches' LRU victim search (sim/cache.h) takes one SSE4.1 instruction
# where the host has it (the simulator is built where it runs); elsewhere a
# loop makes the same choice. Tile code is not built with it: its size is
# its cost.
include(CheckCSourceRuns)
set(CMAKE_REQUIRED_FLAGS -msse4.1)
check_c_source_runs("#include <smmintrin.h>
int main(void) {
  __m128i v = _mm_setr_epi16(9, 8, 7, 3, 5, 3, 6, 4);
  return ((unsigned)_mm_cvtsi128_si32(_mm_minpos_epu16(v)) >> 16) == 3 ? 0 : 1;
}" TESSERA_HOST_SSE41)
unset(CMAKE_REQUIRED_FLAGS)
if(TESSERA_HOST_SSE41)
  target_compile_options(tessera_tile PRIVATE -msse4.1)
endif()

# Tile code (stack/, workloads/, workloads/calib/) is compiled with these
# flags, always at -O2 and without ASan/UBSan (their checks would change the
# code whose size is the cost), in every build type, so that results do not
# depend on the build type. Use: tessera_tile_code(<object library>).
set(TESSERA_TILE_COV_FLAGS
  -fsanitize-coverage=trace-pc-guard,pc-table,no-prune,trace-loads,trace-stores
  CACHE INTERNAL "")
# Every such target is recorded; tests/tile checks that its objects call the
# hooks (and that the simulator's libraries do not).
# Their static data goes into tile_* sections (sim/tile_cc.sh, the compiler
# launcher), which the runtime maps onto the simulated program image.
function(tessera_tile_code target)
  target_compile_options(${target} PRIVATE -O2 -fomit-frame-pointer -falign-functions=64
                         -fno-sanitize=address,undefined ${TESSERA_TILE_COV_FLAGS})
  set_property(TARGET ${target} PROPERTY C_COMPILER_LAUNCHER
               sh ${CMAKE_SOURCE_DIR}/sim/tile_cc.sh ${CMAKE_OBJCOPY} ${CMAKE_OBJDUMP})
  set_property(GLOBAL APPEND PROPERTY TESSERA_TILE_CODE_TARGETS ${target})
endfunction()
# The same code built natively (client hosts, speed baselines). Functions
# start on 64-byte boundaries, so that a speed baseline's loops sit the same
# way in every build, whatever code the simulator around them gained or lost
# (a 16-byte shift of the hash-table loop alone changed its time by 15%).
function(tessera_native_code target)
  target_compile_options(${target} PRIVATE -O2 -fomit-frame-pointer -falign-functions=64
                         -fno-sanitize=address,undefined)
endfunction()

add_subdirectory(${CMAKE_SOURCE_DIR}/workloads/calib ${CMAKE_BINARY_DIR}/calib)
# Tile programs of the NIC (the echo of nic/ tests and bench/nic_tile_echo).
add_subdirectory(${CMAKE_SOURCE_DIR}/workloads/tile ${CMAKE_BINARY_DIR}/workloads_tile)

# The runtime over the NoC's UDN (noc/udn.h): separate, so that tessera_tile
# does not depend on the NoC.
add_library(tessera_tile_udn STATIC ${CMAKE_CURRENT_LIST_DIR}/tile_udn.c)
target_link_libraries(tessera_tile_udn PUBLIC tessera_tile tessera_noc)
