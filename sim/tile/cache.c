/* sim/tile/cache.c: L1/L2 per tile, the L3 made of the L2s + directory, DRAM. See cache.h. */
#include "sim/tile/cache.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sim/kernel/json.h"
#include "sim/tile/mem.h"

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Sets c's geometry; returns the bytes its set blocks take. */
static size_t level_geom(struct cache_level *c, uint64_t size, uint64_t ways, uint64_t line,
                         bool masks) {
    c->ways = (unsigned)ways;
    c->sets = size / (ways * line);
    c->set_mask = c->sets - 1;
    /* the layout of cache.h: tags, LRU state, flags (padded), the clock */
    const unsigned w = (unsigned)ways;
    c->age_off = CACHE_AGE_OFF(w);
    c->flag_off = CACHE_FLAG_OFF(w);
    unsigned bytes = CACHE_SET_BYTES(w);
    c->mask_off = masks ? CACHE_MASK_OFF(w) : 0;
    if (masks) bytes = c->mask_off + 8u * w;
    c->shift = cache_set_shift_of(bytes);
    return (size_t)c->sets << c->shift;
}

/* Points c at mem (zeroed, of level_geom's size): every set empty (2 ways:
 * ranks 0, 1; else stamps 0, lanes past the ways 0xffff, clock 0). */
static void level_format(struct cache_level *c, uint8_t *mem) {
    c->blk = mem;
    const unsigned lanes = CACHE_ROUND8(c->ways);
    for (uint64_t set = 0; set < c->sets; set++) {
        uint8_t *blk = c->blk + (set << c->shift);
        if (!CACHE_STAMPS(c->ways)) {
            for (unsigned w = 0; w < lanes; w++)
                blk[c->age_off + w] = w < c->ways ? (uint8_t)w : 0x7f;
            continue;
        }
        uint16_t *st = cache_set_stamps(blk, c->ways);
        for (unsigned w = c->ways; w < lanes; w++) st[w] = CACHE_STAMP_PAD;
    }
}

unsigned cache_stamps_renumber(uint8_t *set, unsigned ways) {
    uint16_t *st = cache_set_stamps(set, ways), old[64];
    assert(ways <= 64);
    memcpy(old, st, ways * sizeof *st);
    unsigned n = 0;
    for (unsigned w = 0; w < ways; w++) {
        if (!old[w]) continue;
        unsigned rank = 1;
        for (unsigned v = 0; v < ways; v++) rank += old[v] && old[v] < old[w];
        st[w] = (uint16_t)rank;
        n++;
    }
    *cache_set_clock(set, ways) = (uint16_t)n;
    return n;
}

unsigned cache_set_victim_built(uint8_t *set, unsigned ways) {
    return cache_set_victim_w(set, ways);
}

/* Slot index k = set x ways + way <-> the set block and the way. */
static inline uint8_t *slot_set(const struct cache_level *c, long k) {
    return c->blk + (((uint64_t)k / c->ways) << c->shift);
}
static inline unsigned slot_way(const struct cache_level *c, long k) {
    return (unsigned)((uint64_t)k % c->ways);
}
static inline uint8_t *slot_flag(const struct cache_level *c, long k) {
    return slot_set(c, k) + c->flag_off + slot_way(c, k);
}
static inline uint64_t *slot_sharers(const struct cache_level *c, long k) {
    return (uint64_t *)(void *)(slot_set(c, k) + c->mask_off) + slot_way(c, k);
}
static inline void slot_set_tag(const struct cache_level *c, long k, uint32_t tag, uint8_t flag) {
    cache_set_tags(slot_set(c, k))[slot_way(c, k)] = tag;
    *slot_flag(c, k) = flag;
}

/* Slot index of line in c, or -1. */
static inline long level_find(const struct cache_level *c, uint64_t line) {
    const uint64_t set = line & c->set_mask;
    int w = cache_set_find(c, c->blk + (set << c->shift), (uint32_t)(line + 1));
    return w < 0 ? -1 : (long)(set * c->ways + (unsigned)w);
}

static inline void level_touch(struct cache_level *c, long i) {
    cache_ages_touch(c, slot_set(c, i), slot_way(c, i));
}

/* Drops a tile's copy of line (an L2's home copy stays: the home keeps it). */
static void level_drop(struct cache_level *c, uint64_t line) {
    uint8_t *set = cache_set_of(c, line);
    int w = cache_set_find(c, set, (uint32_t)(line + 1));
    if (w >= 0 && !(set[c->flag_off + (unsigned)w] & CACHE_HOME))
        cache_set_clear(c, set, (unsigned)w);
}

/* A tile's copy of line becomes shared (a home copy's owner is the
 * directory's business). */
static void level_unexcl(struct cache_level *c, uint64_t line) {
    uint8_t *set = cache_set_of(c, line);
    int w = cache_set_find(c, set, (uint32_t)(line + 1));
    if (w >= 0 && !(set[c->flag_off + (unsigned)w] & CACHE_HOME))
        set[c->flag_off + (unsigned)w] &= (uint8_t)~1u;
}

static unsigned dist(int x0, int y0, int x1, int y1) {
    return (unsigned)(abs(x0 - x1) + abs(y0 - y1));
}

bool cache_mesh_check(uint64_t width, uint64_t height, char *err, size_t errlen) {
    if (width == 0 || height == 0 || width * height > 64) {
        snprintf(err, errlen,
                 "noc.width x noc.height: %llu x %llu tiles; the cache directory supports 1..64 "
                 "tiles",
                 (unsigned long long)width, (unsigned long long)height);
        return false;
    }
    return true;
}

bool cache_sys_init(struct cache_sys *s, const struct chip_config *cfg, unsigned width,
                    unsigned height, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    if (!chip_config_check(cfg, err, errlen)) return false;
    if (!cache_mesh_check(width, height, err, errlen)) return false;
    s->cfg = *cfg;
    s->width = width;
    s->height = height;
    s->ntiles = width * height;
    s->line_shift = (unsigned)__builtin_ctzll(cfg->line_bytes);
    s->l1 = calloc(s->ntiles, sizeof *s->l1);
    s->l2 = calloc(s->ntiles, sizeof *s->l2);
    s->st = calloc(s->ntiles, sizeof *s->st);
    s->port = calloc(s->ntiles, sizeof *s->port);
    s->l3_extra = calloc((size_t)s->ntiles * s->ntiles, sizeof *s->l3_extra);
    s->home_map = calloc(cfg->l3.home_map_entries, sizeof *s->home_map);
    s->hops = calloc((size_t)s->ntiles * s->ntiles, sizeof *s->hops);
    s->nctrl = (unsigned)cfg->dram.controllers;
    s->ctrl_x = calloc(s->nctrl, sizeof *s->ctrl_x);
    s->ctrl_y = calloc(s->nctrl, sizeof *s->ctrl_y);
    s->win_id = calloc((size_t)s->nctrl * CACHE_DRAM_WINDOWS, sizeof *s->win_id);
    s->win_load = calloc((size_t)s->nctrl * CACHE_DRAM_WINDOWS, sizeof *s->win_load);
    if (!s->l1 || !s->l2 || !s->st || !s->port || !s->l3_extra || !s->home_map || !s->hops ||
        !s->ctrl_x || !s->ctrl_y || !s->win_id || !s->win_load) {
        snprintf(err, errlen, "chip: out of memory for the caches");
        cache_sys_fini(s);
        return false;
    }
    /* Each level's sets for all tiles in one array (an L2 set's block holds
     * its sharer masks too: the L2s are the L3's slices), so an address is
     * computed without reading per-tile state. */
    size_t b1 = level_geom(&s->l1[0], cfg->l1d.size_bytes, cfg->l1d.ways, cfg->line_bytes, false);
    size_t b2 = level_geom(&s->l2[0], cfg->l2.size_bytes, cfg->l2.ways, cfg->line_bytes, true);
    /* One block for both, on huge pages where the host allows: the
     * model's arrays (megabytes) are walked at random, so host TLB misses
     * would cost as much as the host cache misses. */
    /* (each array starts on a 4 KB boundary: an L2 set block of 128 bytes is
     * then one aligned pair of host lines, which the host fetches together) */
    size_t o1 = 0, o2 = o1 + ((b1 * s->ntiles + 4095) & ~(size_t)4095);
    size_t total = o2 + b2 * s->ntiles;
    s->mem = mem_host_huge(&total);
    s->mem_bytes = total;
    if (s->mem) {
        s->l1_mem = s->mem + o1;
        s->l2_mem = s->mem + o2;
    }
    if (!s->mem) {
        snprintf(err, errlen, "chip: out of memory for the caches");
        cache_sys_fini(s);
        return false;
    }
    for (unsigned t = 0; t < s->ntiles; t++) {
        s->l1[t] = s->l1[0];
        s->l2[t] = s->l2[0];
        level_format(&s->l1[t], s->l1_mem + t * b1);
        level_format(&s->l2[t], s->l2_mem + t * b2);
    }
    s->ways_l1 = s->l1[0].ways;
    s->ways_l2 = s->l2[0].ways;
    for (unsigned a = 0; a < s->ntiles; a++)
        for (unsigned b = 0; b < s->ntiles; b++) {
            s->hops[a * s->ntiles + b] = (uint8_t)dist((int)(a % width), (int)(a / width),
                                                       (int)(b % width), (int)(b / width));
            /* (chip_config_check: l3.hit_cycles >= l2.hit_cycles >= l1d.hit_cycles)
             * The home copy of a line homed on the asking tile is in its own
             * L2: an L2 hit. */
            s->l3_extra[a * s->ntiles + b] =
                a == b ? (uint32_t)(cfg->l2.hit_cycles - cfg->l1d.hit_cycles)
                       : (uint32_t)(cfg->l3.hit_cycles +
                                    2ull * s->hops[a * s->ntiles + b] * cfg->l3.hop_cycles -
                                    cfg->l1d.hit_cycles);
        }
    uint64_t n = cfg->l3.home_map_entries;
    s->home_mask = (n & (n - 1)) == 0 ? n - 1 : 0;
    const bool folded = s->ways_l1 == 2 && s->ways_l2 == 8;
    for (unsigned t = 0; t < s->ntiles; t++) {
        struct cache_port *p = &s->port[t];
        p->access = folded ? cache_port_access_2_8 : cache_port_access_any;
        p->l1 = s->l1[t];
        p->l2 = s->l2[t];
        p->l2_mem = s->l2_mem;
        p->l2_sets_log2 = (unsigned)__builtin_ctzll(s->l2[0].sets);
        p->line_shift = s->line_shift;
        p->tile = t;
        p->l2_extra = cfg->l2.hit_cycles - cfg->l1d.hit_cycles;
        p->l3_extra = s->l3_extra + (size_t)t * s->ntiles;
        p->home_map = s->home_map;
        p->home_mask = s->home_mask;
        p->ntiles = s->ntiles;
        p->st = &s->st[t];
        p->s = s;
    }
    for (uint64_t i = 0; i < cfg->l3.home_map_entries; i++)
        s->home_map[i] = (uint16_t)(i % s->ntiles);
    /* Controllers alternate between the north edge (y = -1) and the south edge
     * (y = height), spread evenly along each [A]. */
    unsigned per_edge[2] = {(s->nctrl + 1) / 2, s->nctrl / 2};
    for (unsigned k = 0; k < s->nctrl; k++) {
        unsigned edge = k % 2, j = k / 2, m = per_edge[edge];
        s->ctrl_x[k] = (int)(((2 * j + 1) * width) / (2 * m));
        if (s->ctrl_x[k] >= (int)width) s->ctrl_x[k] = (int)width - 1;
        s->ctrl_y[k] = edge ? (int)height : -1;
    }
    double per_ctrl_gbps = cfg->dram.bandwidth_gbps / (double)s->nctrl;
    /* bits / (Gb/s) = ns; x 1000 = ps */
    s->line_ps = (sim_time_t)((double)cfg->line_bytes * 8.0 * 1000.0 / per_ctrl_gbps + 0.5);
    if (s->line_ps == 0) s->line_ps = 1;
    sim_clock_init(&s->clock, cfg->core_freq_hz);
    return true;
}

void cache_sys_fini(struct cache_sys *s) {
    mem_host_huge_free(s->mem, s->mem_bytes);
    free(s->l1);
    free(s->l2);
    free(s->st);
    free(s->port);
    free(s->l3_extra);
    free(s->home_map);
    free(s->hops);
    free(s->ctrl_x);
    free(s->ctrl_y);
    free(s->win_id);
    free(s->win_load);
    memset(s, 0, sizeof *s);
}

unsigned cache_hops(const struct cache_sys *s, unsigned a, unsigned b) {
    return s->hops[a * s->ntiles + b];
}

static void lose(struct cache_sys *s, unsigned tile, uint64_t line) {
    __builtin_prefetch(cache_set_of(&s->l2[tile], line), 1); /* fetched while L1 is searched */
    level_drop(&s->l1[tile], line);
    level_drop(&s->l2[tile], line);
}

/* A home copy of line leaves its home's L2: every sharer in mask sh loses
 * it (the L3 is inclusive). */
static void back_invalidate(struct cache_sys *s, uint64_t line, uint64_t sh) {
    while (sh) {
        unsigned t = (unsigned)__builtin_ctzll(sh);
        sh &= sh - 1;
        lose(s, t, line);
        s->st[t].back_inval++;
    }
}

static uint64_t dram_cost(struct cache_sys *s, unsigned home, uint64_t pa, sim_time_t now) {
    unsigned k = (unsigned)((pa / s->cfg.dram.stripe_bytes) % s->nctrl);
    unsigned hops =
        dist((int)(home % s->width), (int)(home / s->width), s->ctrl_x[k], s->ctrl_y[k]);
    uint64_t cycles = 2ull * hops * s->cfg.l3.hop_cycles + s->cfg.dram.latency_cycles;
    /* windowed load: find the first window from now's with room */
    uint64_t w0 = now / CACHE_DRAM_WINDOW_PS, w = w0;
    for (;; w++) {
        size_t slot = (size_t)k * CACHE_DRAM_WINDOWS + (size_t)(w % CACHE_DRAM_WINDOWS);
        if (s->win_id[slot] != w + 1) { /* a window not seen yet (or recycled) */
            s->win_id[slot] = w + 1;
            s->win_load[slot] = 0;
        }
        /* A line whose transfer outlasts a window (bandwidth below about
         * 1 Gb/s per controller) takes an idle window whole and waits for
         * its own transfer: no window could ever hold it beside another. */
        if (s->line_ps >= CACHE_DRAM_WINDOW_PS && s->win_load[slot] == 0) {
            s->win_load[slot] = s->line_ps;
            sim_time_t wait = s->line_ps;
            if (w > w0) wait += (w - w0) * CACHE_DRAM_WINDOW_PS - now % CACHE_DRAM_WINDOW_PS;
            cycles += sim_clock_cycle_at_or_after(&s->clock, wait);
            return cycles;
        }
        if (s->win_load[slot] + s->line_ps <= CACHE_DRAM_WINDOW_PS ||
            w - w0 >= CACHE_DRAM_WINDOWS - 1) {
            s->win_load[slot] += s->line_ps;
            double rho = (double)s->win_load[slot] / (double)CACHE_DRAM_WINDOW_PS;
            if (rho > 0.95) rho = 0.95;
            sim_time_t wait = (sim_time_t)((double)s->line_ps * rho / (2.0 * (1.0 - rho)));
            if (w > w0) wait += (w - w0) * CACHE_DRAM_WINDOW_PS - now % CACHE_DRAM_WINDOW_PS;
            cycles += sim_clock_cycle_at_or_after(&s->clock, wait);
            return cycles;
        }
    }
}

/* Puts tag into way w of a set block (w < 0: the victim way) as the most
 * recently used, with its flag. */
static inline __attribute__((always_inline)) void set_fill(uint8_t *set, int w, uint32_t tag,
                                                           uint8_t flag, unsigned ways) {
    if (w < 0) w = (int)cache_set_victim_w(set, ways);
    cache_set_tags(set)[w] = tag;
    set[CACHE_FLAG_OFF(ways) + (unsigned)w] = flag;
    cache_ages_touch_w(set, (unsigned)w, ways);
}

/* The cold parts of the access path, out of line so that its common paths
 * (hits at some level, reads) keep few values live across calls. */

/* Way w of L2 set `set` is about to be refilled: if it holds a home copy,
 * the line leaves the L3 and every sharer loses it (a copy of a line homed
 * elsewhere leaves silently). */
static __attribute__((noinline)) void evict_home_copy(struct cache_sys *s, uint8_t *set, unsigned w,
                                                      unsigned ways) {
    uint64_t *sh = (uint64_t *)(void *)(set + CACHE_MASK_OFF(ways));
    const uint32_t vt = cache_set_tags(set)[w];
    const uint64_t m = sh[w];
    sh[w] = 0;
    if (vt) back_invalidate(s, (uint64_t)vt - 1, m);
}

/* The victim way of an L2 set, emptied of its home copy if it held one. */
static inline __attribute__((always_inline)) unsigned l2_victim(struct cache_sys *s, uint8_t *set,
                                                                unsigned ways) {
    const unsigned w = cache_set_victim_w(set, ways);
    if (UNLIKELY(set[CACHE_FLAG_OFF(ways) + w] & CACHE_HOME)) evict_home_copy(s, set, w, ways);
    return w;
}

/* An L3 miss at home h: the line takes the victim way of the home's L2 set
 * s3 as its home copy (no sharers yet) and comes from DRAM. Returns the way;
 * *cycles gets the DRAM trip. */
static __attribute__((noinline)) int l3_fill(struct cache_sys *s, unsigned h, uint8_t *s3,
                                             uint64_t *sh3, uint32_t tag, uint64_t pa,
                                             cache_now_fn now, void *now_ctx, unsigned w2,
                                             uint64_t *cycles) {
    const int k = (int)l2_victim(s, s3, w2);
    cache_set_tags(s3)[k] = tag;
    s3[CACHE_FLAG_OFF(w2) + (unsigned)k] = CACHE_HOME;
    sh3[k] = 0;
    *cycles = dram_cost(s, h, pa, now(now_ctx));
    return k;
}

/* A store by tile at home h: every other sharer loses the line. Returns the
 * farthest one's distance from the home. */
static __attribute__((noinline)) unsigned
invalidate_others(struct cache_sys *s, unsigned tile, unsigned h, uint64_t line, uint64_t others) {
    unsigned far = 0;
    while (others) {
        unsigned t = (unsigned)__builtin_ctzll(others);
        others &= others - 1;
        unsigned d = s->hops[h * s->ntiles + t];
        if (d > far) far = d;
        lose(s, t, line);
        s->st[t].inval_recv++;
        s->st[tile].inval_sent++;
    }
    return far;
}

/* A load finds the line held exclusively by tile o: o keeps a shared copy. */
static __attribute__((noinline)) void downgrade(struct cache_sys *s, unsigned o, uint64_t line) {
    level_unexcl(&s->l1[o], line);
    level_unexcl(&s->l2[o], line);
}

/* The directory at the home copy (flag *owner, sharer mask *sh) serves an
 * access by tile: a store invalidates every other sharer and makes the tile
 * the exclusive owner (returns the invalidation round trip's cycles); a load
 * downgrades another exclusive owner and adds the tile to the sharers.
 * *ex: whether the tile now holds the line exclusively. */
static inline __attribute__((always_inline)) uint64_t directory(struct cache_sys *s, unsigned tile,
                                                                unsigned h, uint64_t line,
                                                                bool write, uint8_t *owner,
                                                                uint64_t *sh, bool *ex) {
    const uint64_t me = 1ull << tile;
    uint64_t cycles = 0;
    if (write) {
        const uint64_t others = *sh & ~me;
        if (others)
            cycles = 2ull * invalidate_others(s, tile, h, line, others) * s->cfg.l3.hop_cycles;
        *sh = me;
        *owner = (uint8_t)(CACHE_HOME | (tile + 1));
        *ex = true;
    } else {
        /* other holders keep a shared copy; an exclusive one is downgraded */
        const unsigned o = *owner & CACHE_OWNER_MASK;
        if (UNLIKELY(o && o != tile + 1)) downgrade(s, o - 1, line);
        *sh |= me;
        *ex = *sh == me;
        *owner = (uint8_t)(CACHE_HOME | (*ex ? tile + 1 : 0));
    }
    return cycles;
}

/* An access through port p for a geometry of w1 / w2 ways (constants where
 * the caller can: see below). Returns cache_port_fn's packed value. */
static inline __attribute__((always_inline)) uint64_t
access_ways(struct cache_port *p, uint64_t pa, unsigned kind, int home, cache_now_fn now,
            void *now_ctx, const unsigned w1, const unsigned w2) {
    const uint64_t line = pa >> p->line_shift;
    assert(line < UINT32_MAX && "simulated addresses are bounded by mem.h");
    const uint32_t tag = (uint32_t)(line + 1);
    const bool write = kind & MEM_WRITE;
    struct cache_tile_stats *st = p->st;
    uint8_t *s1 = cache_set_of(&p->l1, line);
    /* (a read the caller found absent from the L1 needs no second look) */
    const int i = (kind & CACHE_L1_MISSED) && !write ? -1 : cache_set_find_w(s1, tag, w1);
    if (i >= 0 && (!write || (s1[CACHE_FLAG_OFF(w1) + (unsigned)i] & 1))) {
        cache_ages_touch_w(s1, (unsigned)i, w1);
        st->l1_hits++;
        return s1[CACHE_FLAG_OFF(w1) + (unsigned)i] & 1;
    }
    uint8_t *s2 = cache_set_of(&p->l2, line);
    /* The home's L2 set and its directory entries: their host lines are
     * fetched while the own L2 set is searched (a hit there does not use
     * them). Every L2 has the same geometry, and they lie one after another. */
    unsigned h; /* (cache_home_of through the port's copies: 6 host instructions less) */
    if (home >= 0 && (unsigned)home < p->ntiles)
        h = (unsigned)home;
    else if (LIKELY(p->home_mask))
        h = p->home_map[cache_home_hash(line) & p->home_mask];
    else
        h = cache_home(p->s, line);
    const uint64_t set3 = ((uint64_t)h << p->l2_sets_log2) | (line & p->l2.set_mask);
    uint8_t *s3 = p->l2_mem + (set3 << p->l2.shift);
    uint64_t *sh3 = (uint64_t *)(void *)(s3 + CACHE_MASK_OFF(w2));
    __builtin_prefetch(s3, 1);
    __builtin_prefetch(sh3, 1);
    const int j = cache_set_find_w(s2, tag, w2);
    const unsigned tile = p->tile;
    struct cache_sys *s = p->s;
    bool ex;
    if (j >= 0) {
        const uint8_t f2 = s2[CACHE_FLAG_OFF(w2) + (unsigned)j];
        if (LIKELY(!(f2 & CACHE_HOME))) {
            if (!write || (f2 & 1)) { /* the tile's own copy */
                const bool ex2 = f2 & 1;
                cache_ages_touch_w(s2, (unsigned)j, w2);
                set_fill(s1, i, tag, ex2, w1);
                st->l2_hits++;
                st->extra_cycles += p->l2_extra;
                return p->l2_extra << 1 | ex2;
            }
        } else {
            /* the home copy of a line homed on this tile (s2 == s3): an L2
             * hit, plus the invalidations a store causes */
            uint64_t extra = p->l2_extra;
            uint64_t inval =
                directory(s, tile, tile, line, write, &s2[CACHE_FLAG_OFF(w2) + (unsigned)j],
                          (uint64_t *)(void *)(s2 + CACHE_MASK_OFF(w2)) + j, &ex);
            if (UNLIKELY(inval)) {
                extra += inval;
                st->upgrades++;
            }
            cache_ages_touch_w(s2, (unsigned)j, w2);
            set_fill(s1, i, tag, ex, w1);
            st->l2_hits++;
            st->extra_cycles += extra;
            return extra << 1 | ex;
        }
    }
    /* to the home (the tile itself if the line is homed here and absent) */
    uint64_t extra = p->l3_extra[h];
    /* (h == tile: s3 is s2, where only a copy found under another home can
     * be: see below) */
    int k = h == tile ? j : cache_set_find_w(s3, tag, w2);
    if (UNLIKELY(k < 0)) {
        uint64_t dram = 0;
        k = l3_fill(s, h, s3, sh3, tag, pa, now, now_ctx, w2, &dram);
        extra += dram;
        st->dram++;
    } else {
        uint8_t *f3 = &s3[CACHE_FLAG_OFF(w2) + (unsigned)k];
        if (UNLIKELY(!(*f3 & CACHE_HOME))) { /* a line reached under two homes (tests do) */
            *f3 = (uint8_t)(CACHE_HOME | ((*f3 & 1) ? h + 1 : 0));
            sh3[k] = 1ull << h;
        }
        st->l3_hits++;
    }
    cache_ages_touch_w(s3, (unsigned)k, w2);
    if (write && j >= 0) st->upgrades++;
    extra +=
        directory(s, tile, h, line, write, &s3[CACHE_FLAG_OFF(w2) + (unsigned)k], &sh3[k], &ex);
    /* the tile's own copy beside the home's (a back-invalidation above may
     * have emptied ways of s1/s2, never the ways holding this line) */
    if (h != tile) {
        const int v = j >= 0 ? j : (int)l2_victim(s, s2, w2);
        set_fill(s2, v, tag, ex, w2);
    }
    set_fill(s1, i, tag, ex, w1);
    st->extra_cycles += extra;
    return extra << 1 | ex;
}

uint64_t cache_port_access_2_8(struct cache_port *p, uint64_t pa, unsigned kind, int home,
                               cache_now_fn now, void *now_ctx) {
    return access_ways(p, pa, kind, home, now, now_ctx, 2, 8);
}

uint64_t cache_port_access_any(struct cache_port *p, uint64_t pa, unsigned kind, int home,
                               cache_now_fn now, void *now_ctx) {
    return access_ways(p, pa, kind, home, now, now_ctx, p->l1.ways, p->l2.ways);
}

unsigned cache_dma_write(struct cache_sys *s, uint64_t pa, int home) {
    const uint64_t line = pa >> s->line_shift;
    assert(line < UINT32_MAX);
    unsigned h = cache_home_of(s, line, home);
    struct cache_level *sl = &s->l2[h];
    long k = level_find(sl, line);
    unsigned n = 0;
    if (k < 0) {
        uint8_t *set = cache_set_of(sl, line);
        k = (long)((line & sl->set_mask) * sl->ways + l2_victim(s, set, sl->ways));
        slot_set_tag(sl, k, (uint32_t)(line + 1), CACHE_HOME);
    } else {
        uint64_t sh = *slot_sharers(sl, k);
        if (!(*slot_flag(sl, k) & CACHE_HOME)) /* a line reached under two homes (tests do) */
            sh = 0, level_drop(&s->l1[h], line);
        while (sh) {
            unsigned t = (unsigned)__builtin_ctzll(sh);
            sh &= sh - 1;
            lose(s, t, line);
            s->st[t].inval_recv++;
            n++;
        }
    }
    *slot_sharers(sl, k) = 0;
    *slot_flag(sl, k) = CACHE_HOME;
    level_touch(sl, k);
    s->dma_lines++;
    return n;
}

uint64_t cache_dma_read(struct cache_sys *s, uint64_t pa, int home, sim_time_t now,
                        unsigned *home_out) {
    const uint64_t line = pa >> s->line_shift;
    assert(line < UINT32_MAX);
    unsigned h = cache_home_of(s, line, home);
    if (home_out) *home_out = h;
    struct cache_level *sl = &s->l2[h];
    long k = level_find(sl, line);
    if (k >= 0) {
        level_touch(sl, k);
        return s->cfg.l3.hit_cycles;
    }
    return s->cfg.l3.hit_cycles + dram_cost(s, h, pa, now);
}

void cache_write_stats(const struct cache_sys *s, uint64_t pending_l1_hits, struct json_writer *w) {
    struct cache_tile_stats sum = {.l1_hits = pending_l1_hits};
    for (unsigned t = 0; t < s->ntiles; t++) {
        const struct cache_tile_stats *x = &s->st[t];
        sum.l1_hits += x->l1_hits;
        sum.l2_hits += x->l2_hits;
        sum.l3_hits += x->l3_hits;
        sum.dram += x->dram;
        sum.upgrades += x->upgrades;
        sum.inval_sent += x->inval_sent;
        sum.back_inval += x->back_inval;
        sum.extra_cycles += x->extra_cycles;
    }
    json_object_begin(w);
    json_kv_uint(w, "l1_hits", sum.l1_hits);
    json_kv_uint(w, "l2_hits", sum.l2_hits);
    json_kv_uint(w, "l3_hits", sum.l3_hits);
    json_kv_uint(w, "dram_accesses", sum.dram);
    json_kv_uint(w, "store_upgrades", sum.upgrades);
    json_kv_uint(w, "invalidations", sum.inval_sent);
    json_kv_uint(w, "back_invalidations", sum.back_inval);
    json_kv_uint(w, "extra_cycles", sum.extra_cycles);
    json_kv_uint(w, "dma_lines_written", s->dma_lines);
    json_object_end(w);
}
