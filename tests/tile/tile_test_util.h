/* tests/tile/tile_test_util.h: helpers shared by the tile tests. */
#ifndef TESSERA_TESTS_TILE_UTIL_H
#define TESSERA_TESTS_TILE_UTIL_H

#include "sim/kernel/engine.h"
#include "sim/tile/chip_config.h"
#include "sim/tile/tile.h"

/* Default chip configuration (every key at its default). */
void tt_defaults(struct chip_config *cfg);
/* A 6x6 chip with demux queues of 32 words; asserts success. */
struct chip *tt_chip(const struct chip_config *cfg, struct sim_engine *e);
/* Instructions listed by `objdump -d` for function fn in file path; -1 on error.
 * If offs is not NULL, stores up to max instruction offsets from the function start. */
long tt_objdump_insns(const char *path, const char *fn, long *offs, size_t max, long *hook_calls,
                      long *nops);

#endif
