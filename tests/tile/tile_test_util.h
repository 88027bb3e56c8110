/* tests/tile/tile_test_util.h: helpers shared by the tile tests. */
#ifndef TESSERA_TESTS_TILE_UTIL_H
#define TESSERA_TESTS_TILE_UTIL_H

#include "noc/udn.h"
#include "sim/chip/chip_udn.h"
#include "sim/kernel/engine.h"
#include "sim/tile/chip_config.h"
#include "sim/tile/tile.h"

/* Default chip configuration (every key at its default). */
void tt_defaults(struct chip_config *cfg);
/* A 6x6 chip without a network (its UDN calls fail); asserts success. */
struct chip *tt_chip(const struct chip_config *cfg, struct sim_engine *e);
/* A 6x6 chip with the NoC's UDN plugged in (noc: defaults: demux queues and
 * injection buffers of 32 words); destroy with chip_mesh_destroy(*m). */
struct chip_mesh;
struct chip *tt_mesh_chip(const struct chip_config *cfg, struct sim_engine *e,
                          struct chip_mesh **m);
/* One word into tile dst's demux queue `queue`, sent now from tile src's
 * injection buffer (through the mesh). */
void tt_udn_inject(struct chip_mesh *m, unsigned src, unsigned dst, unsigned queue, uint64_t w);
/* Instructions listed by `objdump -d` for function fn in file path; -1 on error.
 * If offs is not NULL, stores up to max instruction offsets from the function start. */
long tt_objdump_insns(const char *path, const char *fn, long *offs, size_t max, long *hook_calls,
                      long *nops);

#endif
