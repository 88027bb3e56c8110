/* sim/tile/cache.h: the chip's memory hierarchy: per-tile L1D and L2, a
 * distributed L3 made of the tiles' L2s (hash-for-home, a directory at each
 * home), DRAM at the mesh edge.
 *
 * What it does: cache_access() takes one access of tile T to simulated
 * physical address pa and returns the cycles it costs beyond an L1 hit.
 *  - L1D and L2 per tile: set associative, LRU, chip.line_bytes lines. A line
 *    is held shared or exclusive; a store hits only an exclusive copy.
 *  - L3 = the union of the L2s (as TILE-Gx): every line has a home tile,
 *    hash-for-home through a map of chip.l3.home_map_entries entries filled
 *    round-robin over the tiles, or a fixed home given by the region. The
 *    home's L2 holds the line's home copy (the L3 copy; there is no separate
 *    L3 array) with its directory entry (sharer bits, exclusive owner), in
 *    the same sets and ways as the tile's own copies of lines homed
 *    elsewhere: L2 and L3 share capacity. An access by the home tile itself
 *    finds the home copy in its own L2 and costs an L2 hit
 *    (chip.l2.hit_cycles). An access by another tile that misses its own L2
 *    costs l3.hit_cycles + the mesh round trip to the home (Manhattan
 *    distance x l3.hop_cycles each way; computed, not simulated flit by
 *    flit), and the tile keeps a copy in its L1 and L2.
 *  - Coherence: a store to a line not held exclusively goes to the home, which
 *    invalidates every other sharer (their L1 and L2 copies; the home copy
 *    stays) and waits for the farthest one's acknowledgement (round trip home
 *    <-> sharer); the writer then holds the line exclusively. A later load by
 *    another tile misses and pays the trip to the home again, so a lock word
 *    or counter written by several tiles bounces. Stores write through to the
 *    home (as TILE-Gx), so a load never fetches from another tile's cache.
 *    Evicting a home copy (from its home's L2, by any fill there) invalidates
 *    the line's sharers (inclusive L3); evicting a copy of a line homed
 *    elsewhere, and L1 evictions, are silent (stale sharer bits cost an
 *    invalidation that finds nothing).
 *  - DRAM: an L3 miss goes from the home to the line's controller (addresses
 *    striped over chip.dram.controllers in stripe_bytes), which sits one hop
 *    off the mesh edge; it costs the round trip, dram.latency_cycles, and a
 *    queueing delay, on top of the home's access (an L2 hit's cycles when the
 *    home is the asking tile, else l3.hit_cycles + the trip to the home). A
 *    controller serves one line per line_bytes*8 / (bandwidth/controllers).
 *    Handlers run natively one after another, so
 *    requests do not arrive in time order; instead of a busy-until queue
 *    (which would make a later-run handler queue behind an earlier-run one's
 *    future requests) each controller counts the busy time requested in
 *    windows of CACHE_DRAM_WINDOW_PS: a request waits an M/D/1 delay
 *    rho / (2 (1 - rho)) x service for its window's load rho (capped at
 *    0.95), and a full window spills it into the next one (plus that
 *    window's distance).
 *
 * Memory: struct cache_sys owns its arrays: every tile's L1 sets and L2 sets
 * (each L2 set with its ways' sharer masks), in one block on huge pages where
 * the host allows (layout: struct cache_level), and one cache_port per tile.
 * Cost: an L1 hit is one set lookup (one host line: tags compared at once,
 * the LRU state updated by one or two stores); misses add the own L2's set
 * lookup and, for a line homed elsewhere, the home L2's (that set and its
 * sharer masks are prefetched while the own L2 is searched; a victim is one
 * vector instruction where the host has SSE4.1); a coherent store walks the
 * sharers. The shipped geometry (2 / 8 ways) runs through a copy of the code
 * with the set layout folded in (cache_port_access_2_8), others through the
 * same code reading the ways (cache_port_access_any); both give the same
 * results. Distances between tiles, and an L3 hit's cycles from each tile to
 * each home, come from tables.
 * Left out: MSHRs and overlapping misses (every miss is charged in full),
 * prefetching, the L1 instruction cache, queueing in the mesh for cache
 * traffic, DRAM banks and row buffers, writeback traffic.
 */
#ifndef TESSERA_SIM_TILE_CACHE_H
#define TESSERA_SIM_TILE_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#if defined(__SSE4_1__)
#include <smmintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sim/kernel/clock.h"
#include "sim/kernel/engine.h"
#include "sim/tile/chip_config.h"

struct json_writer;

#define CACHE_DRAM_WINDOW_PS SIM_US(1)
#define CACHE_DRAM_WINDOWS 1024u

/* One level of one tile: `sets` sets of `ways` ways. Each set is one block of
 * 1 << shift bytes, 64-byte aligned (one host cache line up to 8 ways; an L2
 * set and its masks two), so a lookup touches one host line (a lookup that
 * needs the directory an aligned pair):
 *   uint32_t tag[ways]    the line + 1 (0 = invalid; lines are below 2^32, mem.h)
 *   LRU state, two forms:
 *     2 ways: uint8_t age[8]: rank, 0 = most recently used, 1 = least (bytes
 *             past the ways hold 0x7f and never change);
 *     other:  uint16_t stamp[ways rounded up to 8]: when the way was last
 *             used, larger = later, 0 = the way is invalid (lanes past the
 *             ways hold 0xffff and never change); the stamps of valid ways
 *             are distinct, so the least recently used way is the one with
 *             the smallest stamp, and an invalid way comes before it.
 *   uint8_t  flag[ways, rounded up to 8]  a copy: 1 = held exclusively;
 *                                         L2 home copy: CACHE_HOME | owner
 *                                         tile + 1 (or | 0: no exclusive owner)
 *   uint16_t clock        (stamps only) the set's largest stamp; when it
 *                         would reach 0xffff the valid ways are renumbered
 *                         1..n in their order (cache_stamps_renumber)
 *   uint64_t mask[ways]   L2 only, from CACHE_MASK_OFF: for a home copy the
 *                         directory, a bit per tile holding the line in its
 *                         L1 or L2 (unused for other ways); an 8-way L2 set
 *                         is then 128 bytes, one aligned pair of host lines,
 *                         which the host fetches together
 * A slot index (set x ways + way) names one way. */
struct cache_level {
    uint8_t *blk;
    uint64_t sets, set_mask;
    unsigned ways, shift, age_off, flag_off;
    unsigned mask_off; /* L2: where a set's sharer masks start in its block (0: none) */
};

static inline uint8_t *cache_set_of(const struct cache_level *c, uint64_t line) {
    return c->blk + ((line & c->set_mask) << c->shift);
}
static inline uint32_t *cache_set_tags(uint8_t *set) { return (uint32_t *)(void *)set; }

/* Where the LRU state, the flags and the clock of a set of `ways` ways start
 * (as in level_geom), and the bytes a set uses. */
#define CACHE_ROUND8(w) (((w) + 7u) & ~7u)
#define CACHE_STAMPS(ways) ((ways) != 2)
#define CACHE_AGE_OFF(ways) (4u * (ways))
#define CACHE_FLAG_OFF(ways)                                                                       \
    (CACHE_AGE_OFF(ways) + (CACHE_STAMPS(ways) ? 2u : 1u) * CACHE_ROUND8(ways))
#define CACHE_CLOCK_OFF(ways) (CACHE_FLAG_OFF(ways) + CACHE_ROUND8(ways))
#define CACHE_SET_BYTES(ways) (CACHE_CLOCK_OFF(ways) + (CACHE_STAMPS(ways) ? 2u : 0u))
#define CACHE_STAMP_PAD 0xffffu
/* The stride of sets that use `bytes` bytes: log2 of the next power of
 * two (level_geom lays sets out at it). */
static inline __attribute__((always_inline)) unsigned cache_set_shift_of(unsigned bytes) {
    unsigned s = 0;
    while ((1u << s) < bytes) s++;
    return s;
}
/* The stride of a set without sharer masks (an L1's): a constant for
 * constant ways. */
static inline __attribute__((always_inline)) unsigned cache_set_shift_w(unsigned ways) {
    return cache_set_shift_of(CACHE_SET_BYTES(ways));
}
/* cache_set_of for a level without sharer masks whose geometry has `ways`
 * (a constant: the set stride folds into the code). */
static inline __attribute__((always_inline)) uint8_t *cache_set_of_w(const struct cache_level *c,
                                                                     uint64_t line, unsigned ways) {
    return c->blk + ((line & c->set_mask) << cache_set_shift_w(ways));
}
/* An L2 set's sharer masks (uint64_t per way) follow its set in the block. */
#define CACHE_MASK_OFF(ways) ((CACHE_SET_BYTES(ways) + 7u) & ~7u)
/* An L2 way's flag with this bit holds the home copy of a line homed on the
 * tile (the L3 copy); its low 7 bits are the exclusive owner tile + 1 or 0. */
#define CACHE_HOME 0x80u
#define CACHE_OWNER_MASK 0x7fu

static inline uint16_t *cache_set_stamps(uint8_t *set, unsigned ways) {
    return (uint16_t *)(void *)(set + CACHE_AGE_OFF(ways));
}
static inline uint16_t *cache_set_clock(uint8_t *set, unsigned ways) {
    return (uint16_t *)(void *)(set + CACHE_CLOCK_OFF(ways));
}

/* Renumbers the stamps of a set's valid ways 1..n in their order and returns
 * n (the set's clock). Called once every ~65,000 uses of a set. */
unsigned cache_stamps_renumber(uint8_t *set, unsigned ways);
/* cache_set_victim_w() as built into the model (sim/cache.c may be built
 * for a wider instruction set than its callers: tests compare the two). */
unsigned cache_set_victim_built(uint8_t *set, unsigned ways);

/* The set operations below take the way count as an argument: called with
 * a constant (the common geometries, see cache_access()), the compiler folds
 * the layout; the cache_set_* wrappers pass the level's own. */

/* Way of tag (!= 0) in a set of `ways` ways, or -1. Up to 8 ways: one
 * compare of the whole tag array (a set block is at least 32 bytes and
 * 32-byte aligned; a tag is in a set at most once). */
static inline __attribute__((always_inline)) int cache_set_find_w(const uint8_t *set, uint32_t tag,
                                                                  unsigned ways) {
    const uint32_t *tags = (const uint32_t *)(const void *)set;
#if defined(__SSE2__)
    /* 2 ways: both at once, without a branch on which way hit (which the
     * host cannot predict) */
    if (ways == 2) {
        const __m128i v = _mm_loadl_epi64((const __m128i *)(const void *)set);
        const unsigned m = (unsigned)_mm_movemask_ps(
                               _mm_castsi128_ps(_mm_cmpeq_epi32(v, _mm_set1_epi32((int)tag)))) &
                           3u;
        return m ? (int)(m >> 1) : -1;
    }
    if (ways <= 8) {
        const __m128i t = _mm_set1_epi32((int)tag);
        const __m128i *v = (const __m128i *)(const void *)set;
        unsigned m = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(v[0], t)));
        if (ways > 4)
            m |= (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(v[1], t))) << 4;
        m &= (1u << ways) - 1;
        return m ? __builtin_ctz(m) : -1;
    }
#endif
    for (unsigned w = 0; w < ways; w++)
        if (tags[w] == tag) return (int)w;
    return -1;
}

/* The way to fill in a set: the first invalid one, else the least recently
 * used. */
static inline __attribute__((always_inline)) unsigned cache_set_victim_w(uint8_t *set,
                                                                         unsigned ways) {
    const uint32_t *tags = (const uint32_t *)(const void *)set;
    if (ways == 2) {
        const uint8_t *age = set + CACHE_AGE_OFF(ways);
        return !tags[0] ? 0 : !tags[1] ? 1 : age[0] == 1 ? 0 : 1;
    }
    const uint16_t *st = cache_set_stamps(set, ways);
#if defined(__SSE4_1__)
    if (ways <= 8) { /* the first smallest of 8 stamps (lanes past the ways are 0xffff) */
        const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)st);
        return ((unsigned)_mm_cvtsi128_si32(_mm_minpos_epu16(v)) >> 16) & 7u;
    }
#endif
    unsigned best = 0;
    for (unsigned w = 1; w < ways; w++)
        if (st[w] < st[best]) best = w;
    return best;
}

/* Makes way i of a set (valid, or being filled) the most recently used. */
static inline __attribute__((always_inline)) void cache_ages_touch_w(uint8_t *set, unsigned i,
                                                                     unsigned ways) {
    if (ways == 2) { /* ranks {0, 1} */
        uint8_t *age = set + CACHE_AGE_OFF(ways);
        age[i] = 0;
        age[i ^ 1] = 1;
        return;
    }
    uint16_t *clock = cache_set_clock(set, ways);
    unsigned t = *clock + 1u;
    if (__builtin_expect(t == CACHE_STAMP_PAD, 0)) t = cache_stamps_renumber(set, ways) + 1u;
    cache_set_stamps(set, ways)[i] = (uint16_t)t;
    *clock = (uint16_t)t;
}

/* Empties way i of a set. */
static inline __attribute__((always_inline)) void cache_set_clear_w(uint8_t *set, unsigned i,
                                                                    unsigned ways) {
    ((uint32_t *)(void *)set)[i] = 0;
    set[CACHE_FLAG_OFF(ways) + i] = 0;
    if (CACHE_STAMPS(ways)) cache_set_stamps(set, ways)[i] = 0;
}

static inline __attribute__((always_inline)) int cache_set_find(const struct cache_level *c,
                                                                const uint8_t *set, uint32_t tag) {
    return cache_set_find_w(set, tag, c->ways);
}
static inline __attribute__((always_inline)) unsigned cache_set_victim(const struct cache_level *c,
                                                                       uint8_t *set) {
    return cache_set_victim_w(set, c->ways);
}
static inline __attribute__((always_inline)) void cache_ages_touch(const struct cache_level *c,
                                                                   uint8_t *set, unsigned i) {
    cache_ages_touch_w(set, i, c->ways);
}
static inline __attribute__((always_inline)) void cache_set_clear(const struct cache_level *c,
                                                                  uint8_t *set, unsigned i) {
    cache_set_clear_w(set, i, c->ways);
}

/* Every access is counted at exactly one level: l2_hits include the
 * accesses that found the home copy of a line homed on the tile in its own
 * L2; l3_hits are hits at another tile's home copy; dram the L3 misses. */
struct cache_tile_stats {
    uint64_t l1_hits, l2_hits, l3_hits, dram;
    uint64_t upgrades;   /* stores that went to the home with a shared copy, or invalidated
                            other tiles' copies at their own home */
    uint64_t inval_sent; /* invalidations this tile's stores caused */
    uint64_t inval_recv; /* lines this tile lost to other tiles' stores */
    uint64_t back_inval; /* lines lost to evictions of home copies */
    uint64_t extra_cycles;
};

struct cache_sys;
struct cache_port;
typedef sim_time_t (*cache_now_fn)(void *ctx);
/* An access through a port: returns the cycles beyond an L1 hit << 1 | 1 if
 * the tile now holds the line exclusively (cache_access() unpacks it). */
typedef uint64_t (*cache_port_fn)(struct cache_port *p, uint64_t pa, unsigned kind, int home,
                                  cache_now_fn now, void *now_ctx);

/* One tile's way into the model: what an access needs, found once at
 * cache_sys_init (the tile runtime's hooks keep a pointer to their tile's). */
struct cache_port {
    cache_port_fn access;      /* the folded copy for the shipped geometry, else the general one */
    struct cache_level l1, l2; /* this tile's levels (copies of s->l1[tile], s->l2[tile]) */
    uint8_t *l2_mem;           /* every tile's L2 sets (with their sharer masks), tile after tile */
    unsigned l2_sets_log2;     /* log2 of an L2's sets */
    unsigned line_shift, tile;
    uint64_t l2_extra; /* an L2 hit's cycles beyond an L1 hit */
    /* [home]: an access at the home's copy, cycles beyond an L1 hit: an L3
     * hit with the mesh trip for another home, an L2 hit for the tile's own */
    const uint32_t *l3_extra;
    const uint16_t *home_map;
    uint64_t home_mask; /* as cache_sys's */
    unsigned ntiles;
    struct cache_tile_stats *st; /* this tile's */
    struct cache_sys *s;
};

struct cache_sys {
    struct chip_config cfg;
    unsigned width, height, ntiles;
    unsigned line_shift;
    /* The L2s are the L3's slices too: a way's flag tells a home copy
     * (CACHE_HOME) from a copy of a line homed elsewhere; each set's block
     * ends with its ways' sharer masks (a bit per tile; a home copy's). */
    struct cache_level *l1, *l2;
    uint8_t *mem;             /* one block holding the two arrays below */
    size_t mem_bytes;         /* its size (mem_host_huge) */
    uint8_t *l1_mem, *l2_mem; /* every tile's sets, tile after tile */
    uint16_t *home_map;
    uint8_t *hops; /* [a * ntiles + b]: Manhattan distance between tiles a and b */
    unsigned ways_l1, ways_l2;
    struct cache_port *port; /* [tile] */
    uint32_t *l3_extra;      /* [tile * ntiles + home]: cache_port's l3_extra rows */
    uint64_t home_mask;      /* home_map_entries - 1 if a power of two, else 0 */
    unsigned nctrl;
    int *ctrl_x, *ctrl_y; /* attachment points (may be just outside the mesh) */
    /* DRAM load per controller per time window: window id and busy ps */
    uint64_t *win_id;
    sim_time_t *win_load;
    sim_time_t line_ps; /* one line's transfer at one controller */
    struct sim_clock clock;
    struct cache_tile_stats *st;
    uint64_t dma_lines;
};

/* Whether the cache directory can hold a width x height mesh (1..64
 * tiles: its sharer sets are 64-bit masks); false with a message naming
 * noc.width x noc.height. The kinds' checks call it, so `validate` refuses
 * a mesh the run could not build. */
bool cache_mesh_check(uint64_t width, uint64_t height, char *err, size_t errlen);

/* Returns false (with a message naming the key) on a bad configuration. */
bool cache_sys_init(struct cache_sys *s, const struct chip_config *cfg, unsigned width,
                    unsigned height, char *err, size_t errlen);
void cache_sys_fini(struct cache_sys *s);

/* The hash of hash-for-home: an index into the home map modulo its entries. */
static inline uint64_t cache_home_hash(uint64_t line) {
    uint64_t h = line * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
}

/* Home tile of a line (hash-for-home). */
static inline unsigned cache_home(const struct cache_sys *s, uint64_t line) {
    const uint64_t h = cache_home_hash(line);
    /* (h & mask equals h % entries when entries is a power of two) */
    return s->home_map[s->home_mask ? h & s->home_mask : h % s->cfg.l3.home_map_entries];
}

/* The home of a line given its region's fixed home (or -1). */
static inline unsigned cache_home_of(const struct cache_sys *s, uint64_t line, int home) {
    return home >= 0 && (unsigned)home < s->ntiles ? (unsigned)home : cache_home(s, line);
}
unsigned cache_hops(const struct cache_sys *s, unsigned a, unsigned b);

/* Or-ed into cache_access()'s kind by a caller that has looked the line up
 * in the tile's L1 (cache_set_find) and not found a hit: a read then skips
 * the L1 lookup. */
#define CACHE_L1_MISSED 4u

/* One access. kind: MEM_READ or MEM_WRITE (| CACHE_L1_MISSED); home: fixed home tile or -1;
 * now(now_ctx): simulated time of the access (for DRAM queueing; asked only
 * when DRAM is reached). Returns extra cycles beyond an L1 hit; *excl tells
 * whether the tile now holds the line exclusively. */
static inline uint64_t cache_access(struct cache_sys *s, unsigned tile, uint64_t pa, unsigned kind,
                                    int home, cache_now_fn now, void *now_ctx, bool *excl) {
    struct cache_port *p = &s->port[tile];
    const uint64_t r = p->access(p, pa, kind, home, now, now_ctx);
    *excl = r & 1;
    return r >> 1;
}
/* The same through tile's port with a given copy of the code: the shipped
 * geometry (configs/chip/tilegx36.yaml) runs through a copy with its layout
 * folded in, any other through the same code with the ways read at run time
 * (cache_sys_init puts the right one in each port; both give the same
 * results: a test compares them). */
uint64_t cache_port_access_2_8(struct cache_port *p, uint64_t pa, unsigned kind, int home,
                               cache_now_fn now, void *now_ctx);
uint64_t cache_port_access_any(struct cache_port *p, uint64_t pa, unsigned kind, int home,
                               cache_now_fn now, void *now_ctx);

/* A device (the NIC) wrote line-sized data at pa: the line lands in its
 * home's L2 as the home copy (allocated if absent, as TILE-Gx I/O writes are
 * coherent and homed) and every other cached copy is invalidated. Returns the copies
 * invalidated. The device's own timing is the device's business. */
unsigned cache_dma_write(struct cache_sys *s, uint64_t pa, int home);

/* A device reads the line at pa at time now: stores write through to the
 * home, so the home copy (or DRAM behind it) has the current data,
 * whatever copies tiles hold. Returns the cycles at the home: l3.hit_cycles,
 * plus the DRAM trip (cache_access's model) when the home has no copy; a miss
 * does not allocate the line (I/O reads are not cached, [A]) and no tile's
 * copy changes. *home_out (if not NULL) = the line's home tile, for the
 * device's own mesh trip. */
uint64_t cache_dma_read(struct cache_sys *s, uint64_t pa, int home, sim_time_t now,
                        unsigned *home_out);

/* pending_l1_hits: L1 hits counted elsewhere and not yet added to the
 * tiles' stats (the hooks' count of a handler still running), added to the
 * total. */
void cache_write_stats(const struct cache_sys *s, uint64_t pending_l1_hits, struct json_writer *w);

#endif
