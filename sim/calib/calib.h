/* sim/calib/calib.h: calibration tile programs.
 *
 * Tile code (compiled with the cost-model instrumentation, see
 * sim/tiles.cmake); it includes only sim/tile_api.h. Each program is a
 * tile_main_fn taking a struct describing its job and writing its results
 * there (the struct lives in host memory owned by the caller; only the
 * simulator's side reads it after the run).
 *  - chase: a pointer chase through `bytes` of memory, lines visited in
 *    address order (a cyclic sweep: with LRU every level smaller than the
 *    buffer misses), unrolled by 8 as lmbench's lat_mem_rd; reports cycles per
 *    step after one warm-up pass.
 *  - pingpong: two tiles pass a token over the UDN; each, on receipt, reads
 *    and increments a shared counter line and passes the token back.
 *  - udnlat: two tiles pass a one-word UDN message back and forth; the
 *    starter times `rounds` round trips after `warmup` ones (tile_now_cycles
 *    when the word comes back) and reports cycles per one-way message: the
 *    network's latency plus each side's software (handler dispatch, receive,
 *    send). Only the tile API's UDN calls: whichever UDN model the chip has.
 *  - loop: a loop of known length with no memory traffic (cost-model check).
 *  - hashtab: lookups in an open-addressing hash table (speed benchmark);
 *    the tile program runs `batches` timer handlers of `lookups` each.
 *  - protect: an app tile that writes Rx memory or reads another app's heap.
 * With CALIB_NATIVE defined, the loop and hash functions get a _native suffix
 * so that a native copy can be linked beside the instrumented one.
 */
#ifndef TESSERA_SIM_CALIB_CALIB_H
#define TESSERA_SIM_CALIB_CALIB_H

#include <stddef.h>
#include <stdint.h>

#include "sim/tile/tile_api.h"

#ifdef CALIB_NATIVE
#define CALIB_FN(name) name##_native
#else
#define CALIB_FN(name) name
#endif

struct calib_chase {
    void *buf; /* line-aligned memory in a region */
    size_t bytes;
    uint64_t steps; /* measured steps (after a warm-up pass) */
    double cycles_per_step;
    uint64_t sink;
};
void calib_chase_main(struct tile *t, void *arg);
/* The chase itself: `steps` dependent loads (steps a multiple of 8). */
void *calib_chase_walk(void *p, uint64_t steps);

struct calib_pingpong {
    uint64_t *counter; /* in a shared region */
    unsigned peer;
    uint64_t rounds; /* the first tile stops passing after this many */
    int starter;
    uint64_t handled;
};
void calib_pingpong_main(struct tile *t, void *arg);

/* contend.c: a turn passed through one shared word by spinning on it. */
struct calib_spin {
    uint64_t *turn; /* shared by the two tiles */
    uint64_t rounds;
    int second;      /* 0: takes turns 0, 2, 4...; 1: 1, 3, 5... */
    uint64_t cycles; /* out: the tile's cycles for all its rounds */
    int done;
};
void calib_spin_pingpong_main(struct tile *t, void *arg);
/* contend.c: iterations of (lock; ++*counter; unlock; `work` multiply-adds). */
struct calib_contend {
    struct tile_lock *lock;
    uint64_t *counter;
    uint64_t iterations, work;
    uint64_t cycles, sink; /* out */
};
void calib_lock_contend_main(struct tile *t, void *arg);

struct calib_udnlat {
    unsigned peer;
    int starter;
    uint64_t warmup, rounds; /* round trips before timing / timed */
    uint64_t round;          /* round trips completed (starter) */
    uint64_t start_cycles, end_cycles;
    double cycles_one_way; /* (end - start) / (2 x rounds); -1 until done */
};
void calib_udnlat_main(struct tile *t, void *arg);

uint64_t calib_loop(uint64_t n, uint64_t seed);
uint64_t calib_loop_native(uint64_t n, uint64_t seed);

struct calib_hashtab {
    uint64_t *keys; /* capacity slots, 0 = empty */
    uint64_t *vals;
    uint64_t capacity; /* power of two */
    uint64_t entries;
    uint64_t lookups;
    uint64_t seed;
    uint64_t batches; /* calib_hashtab_main: handlers of `lookups` lookups each */
    uint64_t found, sum;
};
/* Fill `entries` keys, then look up `lookups` keys (half present). */
void calib_hashtab_fill(struct calib_hashtab *h);
void calib_hashtab_lookups(struct calib_hashtab *h);
void calib_hashtab_fill_native(struct calib_hashtab *h);
void calib_hashtab_lookups_native(struct calib_hashtab *h);
void calib_hashtab_main(struct tile *t, void *arg);

enum calib_protect_op { CALIB_WRITE_RX, CALIB_READ_OTHER_HEAP, CALIB_WRITE_OWN_HEAP };
struct calib_protect {
    int op;
    void *target;
    uint64_t value;
    int done; /* set when the handler ran to its end */
};
void calib_protect_main(struct tile *t, void *arg);
extern const uint64_t calib_protect_image_word;

#endif
