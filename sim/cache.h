/* sim/cache.h: the chip's memory hierarchy: per-tile L1D and L2, a
 * distributed L3 with hash-for-home and a directory, DRAM at the mesh edge.
 *
 * What it does: cache_access() takes one access of tile T to simulated
 * physical address pa and returns the cycles it costs beyond an L1 hit.
 *  - L1D and L2 per tile: set associative, LRU, chip.line_bytes lines. A line
 *    is held shared or exclusive; a store hits only an exclusive copy.
 *  - L3: every line has a home tile, hash-for-home through a map of
 *    chip.l3.home_map_entries entries filled round-robin over the tiles, or a
 *    fixed home given by the region. The home's slice (chip.l3.slice_bytes,
 *    LRU) holds the line and its directory entry (sharer bit set). A miss in
 *    L2 costs l3.hit_cycles + the mesh round trip to the home (Manhattan
 *    distance x l3.hop_cycles each way; computed, not simulated flit by flit).
 *  - Coherence: a store to a line not held exclusively goes to the home, which
 *    invalidates every other sharer (their L1 and L2 copies) and waits for the
 *    farthest one's acknowledgement (round trip home <-> sharer); the writer
 *    then holds the line exclusively. A later load by another tile misses and
 *    pays the trip to the home again, so a lock word or counter written by
 *    several tiles bounces. Stores write through to the home (as TILE-Gx),
 *    so a load never fetches from another tile's cache. A slice eviction
 *    invalidates the line's sharers (inclusive L3); L1/L2 evictions are silent
 *    (stale sharer bits cost an invalidation that finds nothing).
 *  - DRAM: an L3 miss goes from the home to the line's controller (addresses
 *    striped over chip.dram.controllers in stripe_bytes), which sits one hop
 *    off the mesh edge; it costs the round trip, dram.latency_cycles, and a
 *    queueing delay. A controller serves one line per line_bytes*8 /
 *    (bandwidth/controllers). Handlers run natively one after another, so
 *    requests do not arrive in time order; instead of a busy-until queue
 *    (which would make a later-run handler queue behind an earlier-run one's
 *    future requests) each controller counts the busy time requested in
 *    windows of CACHE_DRAM_WINDOW_PS: a request waits an M/D/1 delay
 *    rho / (2 (1 - rho)) x service for its window's load rho (capped at
 *    0.95), and a full window spills it into the next one (plus that
 *    window's distance).
 *
 * Memory: struct cache_sys owns its arrays. Cost: an L1 hit is a set lookup;
 * misses add an L2 and an L3 set lookup; a coherent store walks the sharers.
 * Left out: MSHRs and overlapping misses (every miss is charged in full),
 * prefetching, the L1 instruction cache, queueing in the mesh for cache
 * traffic, DRAM banks and row buffers, writeback traffic.
 */
#ifndef TESSERA_SIM_CACHE_H
#define TESSERA_SIM_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/chip_config.h"
#include "sim/clock.h"
#include "sim/engine.h"

struct json_writer;

#define CACHE_DRAM_WINDOW_PS SIM_US(1)
#define CACHE_DRAM_WINDOWS 1024u

/* One way: the line + 1 (0 = invalid; lines are below 2^32, see mem.h) and
 * the LRU stamp << 1 | exclusive. Packed so a set scan touches one host line. */
struct cache_way {
    uint32_t tag;
    uint32_t meta;
};

struct cache_level {
    struct cache_way *w;
    uint64_t sets, set_mask;
    unsigned ways;
    uint32_t clock;
};

struct l3_slice {
    struct cache_level c;
    uint64_t *sharers; /* per way: bit per tile */
    uint8_t *owner;    /* per way: tile + 1 holding the line exclusively, or 0 */
};

struct cache_tile_stats {
    uint64_t l1_hits, l2_hits, l3_hits, dram;
    uint64_t upgrades;      /* stores that had to go to the home */
    uint64_t inval_sent;    /* invalidations this tile's stores caused */
    uint64_t inval_recv;    /* lines this tile lost to other tiles' stores */
    uint64_t back_inval;    /* lines lost to L3 slice evictions */
    uint64_t extra_cycles;
};

/* Called when a tile loses a line or its exclusivity (the tile runtime drops
 * its "last line" shortcut). */
typedef void (*cache_lost_fn)(void *ctx, unsigned tile, uint64_t line);

struct cache_sys {
    struct chip_config cfg;
    unsigned width, height, ntiles;
    unsigned line_shift;
    struct cache_level *l1, *l2;
    struct l3_slice *l3;
    uint16_t *home_map;
    unsigned nctrl;
    int *ctrl_x, *ctrl_y; /* attachment points (may be just outside the mesh) */
    /* DRAM load per controller per time window: window id and busy ps */
    uint64_t *win_id;
    sim_time_t *win_load;
    sim_time_t line_ps; /* one line's transfer at one controller */
    struct sim_clock clock;
    struct cache_tile_stats *st;
    uint64_t dma_lines;
    cache_lost_fn lost;
    void *lost_ctx;
};

/* Returns false (with a message naming the key) on a bad configuration. */
bool cache_sys_init(struct cache_sys *s, const struct chip_config *cfg, unsigned width,
                    unsigned height, char *err, size_t errlen);
void cache_sys_fini(struct cache_sys *s);
void cache_sys_set_lost(struct cache_sys *s, cache_lost_fn fn, void *ctx);

/* Home tile of a line (hash-for-home). */
unsigned cache_home(const struct cache_sys *s, uint64_t line);
unsigned cache_hops(const struct cache_sys *s, unsigned a, unsigned b);

/* Simulated time of the access, asked only when DRAM is reached. */
typedef sim_time_t (*cache_now_fn)(void *ctx);

/* One access. kind: COV_READ or COV_WRITE; home: fixed home tile or -1;
 * now(now_ctx): simulated time of the access (for DRAM queueing). Returns
 * extra cycles beyond an L1 hit; *excl tells whether the tile now holds the
 * line exclusively. */
uint64_t cache_access(struct cache_sys *s, unsigned tile, uint64_t pa, unsigned kind, int home,
                      cache_now_fn now, void *now_ctx, bool *excl);

/* A device (the NIC) wrote line-sized data at pa: the line lands in its
 * home's L3 slice (allocated if absent, as TILE-Gx I/O writes are coherent
 * and homed) and every cached copy is invalidated. Returns the copies
 * invalidated. The device's own timing is the device's business. */
unsigned cache_dma_write(struct cache_sys *s, uint64_t pa, int home);

void cache_write_stats(const struct cache_sys *s, struct json_writer *w);

#endif
