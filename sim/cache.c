/* sim/cache.c: L1/L2 per tile, distributed L3 + directory, DRAM. See cache.h. */
#include "sim/cache.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cov.h"
#include "sim/json.h"

static bool level_init(struct cache_level *c, uint64_t size, uint64_t ways, uint64_t line) {
    c->ways = (unsigned)ways;
    c->sets = size / (ways * line);
    c->set_mask = c->sets - 1;
    c->w = calloc(c->sets * ways, sizeof *c->w);
    c->clock = 0;
    return c->w != NULL;
}

static void level_fini(struct cache_level *c) { free(c->w); }

static inline bool way_excl(const struct cache_level *c, long i) { return c->w[i].meta & 1; }

/* Way index of line in c, or -1. */
static inline long level_find(const struct cache_level *c, uint64_t line) {
    uint64_t base = (line & c->set_mask) * c->ways;
    const uint32_t t = (uint32_t)(line + 1);
    for (unsigned w = 0; w < c->ways; w++)
        if (c->w[base + w].tag == t) return (long)(base + w);
    return -1;
}

static inline void level_touch(struct cache_level *c, long i) {
    c->w[i].meta = (++c->clock << 1) | (c->w[i].meta & 1);
}

/* Victim slot for line (invalid first, else least recently used). */
static long level_victim(const struct cache_level *c, uint64_t line) {
    uint64_t base = (line & c->set_mask) * c->ways;
    long best = (long)base;
    for (unsigned w = 0; w < c->ways; w++) {
        long i = (long)(base + w);
        if (!c->w[i].tag) return i;
        /* stamps are 31-bit counters: compare modulo 2^31 */
        if ((int32_t)(((c->w[i].meta >> 1) - (c->w[best].meta >> 1)) << 1) < 0) best = i;
    }
    return best;
}

/* Insert line (or update it if present); returns the slot. */
static long level_fill(struct cache_level *c, uint64_t line, bool excl) {
    long i = level_find(c, line);
    if (i < 0) {
        i = level_victim(c, line);
        c->w[i].tag = (uint32_t)(line + 1);
    }
    c->w[i].meta = (++c->clock << 1) | (excl ? 1u : 0u);
    return i;
}

static void level_drop(struct cache_level *c, uint64_t line) {
    long i = level_find(c, line);
    if (i >= 0) c->w[i] = (struct cache_way){0, 0};
}

static void level_unexcl(struct cache_level *c, uint64_t line) {
    long i = level_find(c, line);
    if (i >= 0) c->w[i].meta &= ~1u;
}

bool cache_sys_init(struct cache_sys *s, const struct chip_config *cfg, unsigned width,
                    unsigned height, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    if (!chip_config_check(cfg, err, errlen)) return false;
    if (width == 0 || height == 0 || width * height > 64) {
        snprintf(err, errlen,
                 "noc.width x noc.height: %u x %u tiles; the cache directory supports 1..64 tiles",
                 width, height);
        return false;
    }
    s->cfg = *cfg;
    s->width = width;
    s->height = height;
    s->ntiles = width * height;
    s->line_shift = (unsigned)__builtin_ctzll(cfg->line_bytes);
    s->l1 = calloc(s->ntiles, sizeof *s->l1);
    s->l2 = calloc(s->ntiles, sizeof *s->l2);
    s->l3 = calloc(s->ntiles, sizeof *s->l3);
    s->st = calloc(s->ntiles, sizeof *s->st);
    s->home_map = calloc(cfg->l3.home_map_entries, sizeof *s->home_map);
    s->nctrl = (unsigned)cfg->dram.controllers;
    s->ctrl_x = calloc(s->nctrl, sizeof *s->ctrl_x);
    s->ctrl_y = calloc(s->nctrl, sizeof *s->ctrl_y);
    s->win_id = calloc((size_t)s->nctrl * CACHE_DRAM_WINDOWS, sizeof *s->win_id);
    s->win_load = calloc((size_t)s->nctrl * CACHE_DRAM_WINDOWS, sizeof *s->win_load);
    if (!s->l1 || !s->l2 || !s->l3 || !s->st || !s->home_map || !s->ctrl_x || !s->ctrl_y ||
        !s->win_id || !s->win_load) {
        snprintf(err, errlen, "chip: out of memory for the caches");
        cache_sys_fini(s);
        return false;
    }
    for (unsigned t = 0; t < s->ntiles; t++) {
        bool ok = level_init(&s->l1[t], cfg->l1d.size_bytes, cfg->l1d.ways, cfg->line_bytes) &&
                  level_init(&s->l2[t], cfg->l2.size_bytes, cfg->l2.ways, cfg->line_bytes) &&
                  level_init(&s->l3[t].c, cfg->l3.slice_bytes, cfg->l3.ways, cfg->line_bytes);
        s->l3[t].sharers = ok ? calloc(s->l3[t].c.sets * s->l3[t].c.ways, sizeof(uint64_t)) : NULL;
        s->l3[t].owner = ok ? calloc(s->l3[t].c.sets * s->l3[t].c.ways, 1) : NULL;
        if (!s->l3[t].sharers || !s->l3[t].owner) {
            snprintf(err, errlen, "chip: out of memory for the caches");
            cache_sys_fini(s);
            return false;
        }
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
    for (unsigned t = 0; s->l1 && t < s->ntiles; t++) {
        level_fini(&s->l1[t]);
        if (s->l2) level_fini(&s->l2[t]);
        if (s->l3) {
            level_fini(&s->l3[t].c);
            free(s->l3[t].sharers);
            free(s->l3[t].owner);
        }
    }
    free(s->l1);
    free(s->l2);
    free(s->l3);
    free(s->st);
    free(s->home_map);
    free(s->ctrl_x);
    free(s->ctrl_y);
    free(s->win_id);
    free(s->win_load);
    memset(s, 0, sizeof *s);
}

void cache_sys_set_lost(struct cache_sys *s, cache_lost_fn fn, void *ctx) {
    s->lost = fn;
    s->lost_ctx = ctx;
}

unsigned cache_home(const struct cache_sys *s, uint64_t line) {
    uint64_t h = line * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    return s->home_map[h % s->cfg.l3.home_map_entries];
}

static unsigned dist(int x0, int y0, int x1, int y1) {
    return (unsigned)(abs(x0 - x1) + abs(y0 - y1));
}

unsigned cache_hops(const struct cache_sys *s, unsigned a, unsigned b) {
    return dist((int)(a % s->width), (int)(a / s->width), (int)(b % s->width),
                (int)(b / s->width));
}

static void lose(struct cache_sys *s, unsigned tile, uint64_t line) {
    level_drop(&s->l1[tile], line);
    level_drop(&s->l2[tile], line);
    if (s->lost) s->lost(s->lost_ctx, tile, line);
}

static uint64_t dram_cost(struct cache_sys *s, unsigned home, uint64_t pa, sim_time_t now) {
    unsigned k = (unsigned)((pa / s->cfg.dram.stripe_bytes) % s->nctrl);
    unsigned hops = dist((int)(home % s->width), (int)(home / s->width), s->ctrl_x[k], s->ctrl_y[k]);
    uint64_t cycles = 2ull * hops * s->cfg.l3.hop_cycles + s->cfg.dram.latency_cycles;
    /* windowed load: find the first window from now's with room */
    uint64_t w0 = now / CACHE_DRAM_WINDOW_PS, w = w0;
    for (;; w++) {
        size_t slot = (size_t)k * CACHE_DRAM_WINDOWS + (size_t)(w % CACHE_DRAM_WINDOWS);
        if (s->win_id[slot] != w + 1) { /* a window not seen yet (or recycled) */
            s->win_id[slot] = w + 1;
            s->win_load[slot] = 0;
        }
        if (s->win_load[slot] + s->line_ps <= CACHE_DRAM_WINDOW_PS || w - w0 >= CACHE_DRAM_WINDOWS - 1) {
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

uint64_t cache_access(struct cache_sys *s, unsigned tile, uint64_t pa, unsigned kind, int home,
                      cache_now_fn now, void *now_ctx, bool *excl) {
    assert(tile < s->ntiles);
    const uint64_t line = pa >> s->line_shift;
    assert(line < UINT32_MAX && "simulated addresses are bounded by mem.h");
    const bool write = kind & COV_WRITE;
    struct cache_tile_stats *st = &s->st[tile];
    struct cache_level *l1 = &s->l1[tile], *l2 = &s->l2[tile];
    const uint64_t l1hit = s->cfg.l1d.hit_cycles;
    long i = level_find(l1, line);
    if (i >= 0 && (!write || way_excl(l1, i))) {
        level_touch(l1, i);
        st->l1_hits++;
        *excl = way_excl(l1, i);
        return 0;
    }
    long j = level_find(l2, line);
    if (j >= 0 && (!write || way_excl(l2, j))) {
        level_touch(l2, j);
        level_fill(l1, line, way_excl(l2, j));
        st->l2_hits++;
        *excl = way_excl(l2, j);
        uint64_t extra = s->cfg.l2.hit_cycles - l1hit;
        st->extra_cycles += extra;
        return extra;
    }
    /* to the home */
    unsigned h = home >= 0 && (unsigned)home < s->ntiles ? (unsigned)home : cache_home(s, line);
    uint64_t total = s->cfg.l3.hit_cycles + 2ull * cache_hops(s, tile, h) * s->cfg.l3.hop_cycles;
    struct l3_slice *sl = &s->l3[h];
    long k = level_find(&sl->c, line);
    if (k < 0) {
        k = level_victim(&sl->c, line);
        if (sl->c.w[k].tag) { /* inclusive: the evicted line leaves every sharer */
            uint64_t old = (uint64_t)sl->c.w[k].tag - 1, sh = sl->sharers[k];
            while (sh) {
                unsigned t = (unsigned)__builtin_ctzll(sh);
                sh &= sh - 1;
                lose(s, t, old);
                s->st[t].back_inval++;
            }
        }
        sl->c.w[k] = (struct cache_way){(uint32_t)(line + 1), 0};
        sl->sharers[k] = 0;
        sl->owner[k] = 0;
        total += dram_cost(s, h, pa, now(now_ctx));
        st->dram++;
    } else {
        st->l3_hits++;
    }
    level_touch(&sl->c, k);
    const uint64_t me = 1ull << tile;
    uint64_t others = sl->sharers[k] & ~me;
    bool ex;
    if (write) {
        if (j >= 0) st->upgrades++;
        unsigned far = 0;
        while (others) {
            unsigned t = (unsigned)__builtin_ctzll(others);
            others &= others - 1;
            unsigned d = cache_hops(s, h, t);
            if (d > far) far = d;
            lose(s, t, line);
            s->st[t].inval_recv++;
            st->inval_sent++;
        }
        if (sl->sharers[k] & ~me) total += 2ull * far * s->cfg.l3.hop_cycles;
        sl->sharers[k] = me;
        sl->owner[k] = (uint8_t)(tile + 1);
        ex = true;
    } else {
        /* other holders keep a shared copy; an exclusive one is downgraded */
        unsigned o = sl->owner[k];
        if (o && o != tile + 1) {
            level_unexcl(&s->l1[o - 1], line);
            level_unexcl(&s->l2[o - 1], line);
            if (s->lost) s->lost(s->lost_ctx, o - 1, line);
        }
        sl->sharers[k] |= me;
        ex = sl->sharers[k] == me;
        sl->owner[k] = ex ? (uint8_t)(tile + 1) : 0;
    }
    level_fill(l2, line, ex);
    level_fill(l1, line, ex);
    *excl = ex;
    uint64_t extra = total > l1hit ? total - l1hit : 0;
    st->extra_cycles += extra;
    return extra;
}

unsigned cache_dma_write(struct cache_sys *s, uint64_t pa, int home) {
    const uint64_t line = pa >> s->line_shift;
    assert(line < UINT32_MAX);
    unsigned h = home >= 0 && (unsigned)home < s->ntiles ? (unsigned)home : cache_home(s, line);
    struct l3_slice *sl = &s->l3[h];
    long k = level_find(&sl->c, line);
    unsigned n = 0;
    if (k < 0) {
        k = level_victim(&sl->c, line);
        if (sl->c.w[k].tag) {
            uint64_t old = (uint64_t)sl->c.w[k].tag - 1, sh = sl->sharers[k];
            while (sh) {
                unsigned t = (unsigned)__builtin_ctzll(sh);
                sh &= sh - 1;
                lose(s, t, old);
                s->st[t].back_inval++;
            }
        }
        sl->c.w[k] = (struct cache_way){(uint32_t)(line + 1), 0};
    } else {
        uint64_t sh = sl->sharers[k];
        while (sh) {
            unsigned t = (unsigned)__builtin_ctzll(sh);
            sh &= sh - 1;
            lose(s, t, line);
            s->st[t].inval_recv++;
            n++;
        }
    }
    sl->sharers[k] = 0;
    sl->owner[k] = 0;
    level_touch(&sl->c, k);
    s->dma_lines++;
    return n;
}

void cache_write_stats(const struct cache_sys *s, struct json_writer *w) {
    struct cache_tile_stats sum = {0};
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
