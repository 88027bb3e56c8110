/* tests/tile/test_cache.c: the cache hierarchy on its own. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sim/kernel/rng.h"
#include "sim/tile/cache.h"
#include "sim/tile/cov.h"
#include "tile_test_util.h"

static struct cache_sys s;
static sim_time_t zero(void *ctx) {
    (void)ctx;
    return 0;
}
/* now() reading the time ctx points to */
static sim_time_t now_at(void *ctx) { return *(const sim_time_t *)ctx; }
static struct chip_config cfg;

static void setup(void) {
    tt_defaults(&cfg);
    char err[200];
    cr_assert(cache_sys_init(&s, &cfg, 6, 6, err, sizeof err), "%s", err);
}
static void teardown(void) { cache_sys_fini(&s); }

static uint64_t rd(unsigned t, uint64_t pa, int home) {
    bool ex;
    return cache_access(&s, t, pa, COV_READ, home, zero, NULL, &ex);
}
static uint64_t wr(unsigned t, uint64_t pa, int home) {
    bool ex;
    return cache_access(&s, t, pa, COV_WRITE, home, zero, NULL, &ex);
}

TestSuite(tile_cache, .init = setup, .fini = teardown);

Test(tile_cache, levels_cost_what_the_config_says) {
    /* first touch: L3 miss at home 7 -> DRAM */
    uint64_t first = rd(0, 0x10000, 7);
    cr_assert_gt(first, cfg.l3.hit_cycles + cfg.dram.latency_cycles - 2);
    cr_assert_eq(rd(0, 0x10000, 7), 0, "L1 hit");
    /* remote L3 hit from another tile: 32 + 2 x hops(5, 7) - 2 */
    cr_assert_eq(rd(5, 0x10000, 7), cfg.l3.hit_cycles + 2 * cache_hops(&s, 5, 7) - 2);
    cr_assert_eq(cache_hops(&s, 0, 35), 10);
    cr_assert_eq(cache_hops(&s, 5, 7), 5 - 1 + 1);
}

Test(tile_cache, l1_lru_then_l2) {
    /* three lines in one L1 set (256 sets x 64 B = 16 KB apart), 2 ways */
    uint64_t a = 0x100000, b = a + 16384, c = a + 2 * 16384;
    rd(0, a, 0), rd(0, b, 0);
    cr_assert_eq(rd(0, a, 0), 0);
    rd(0, c, 0); /* evicts b, the least recently used */
    cr_assert_eq(rd(0, a, 0), 0);
    cr_assert_eq(rd(0, b, 0), cfg.l2.hit_cycles - cfg.l1d.hit_cycles, "b comes from L2");
}

Test(tile_cache, write_invalidates_sharers) {
    uint64_t x = 0x200000;
    rd(1, x, 0);
    rd(2, x, 0);
    cr_assert_eq(rd(1, x, 0), 0);
    cr_assert_eq(rd(2, x, 0), 0);
    /* tile 3 writes: tiles 1 and 2 lose the line; it waits for the farthest ack */
    uint64_t w = wr(3, x, 0);
    cr_assert_eq(w, cfg.l3.hit_cycles + 2 * 3 + 2 * 2 - 2);
    cr_assert_eq(s.st[1].inval_recv, 1);
    cr_assert_eq(s.st[2].inval_recv, 1);
    cr_assert_eq(rd(1, x, 0), cfg.l3.hit_cycles + 2 * 1 - 2, "tile 1 misses again");
    /* the writer keeps a (now shared) copy */
    cr_assert_eq(rd(3, x, 0), 0);
    /* and its next write must invalidate tile 1 again */
    cr_assert_gt(wr(3, x, 0), 0);
    cr_assert_eq(wr(3, x, 0), 0, "exclusive now: a store hits");
}

Test(tile_cache, hash_for_home_spreads_lines) {
    unsigned count[36] = {0};
    for (uint64_t l = 0; l < 36 * 1000; l++) count[cache_home(&s, l)]++;
    for (int t = 0; t < 36; t++)
        cr_assert(count[t] > 700 && count[t] < 1300, "tile %d homes %u", t, count[t]);
}

Test(tile_cache, dram_bandwidth_queues_requests) {
    /* 512 B stripes over 2 controllers at 85 Gb/s each: ~6 ns a line, so a
     * 1 us window holds ~166 lines per controller */
    bool ex;
    uint64_t first = cache_access(&s, 0, 0x4000000, COV_READ, 0, zero, NULL, &ex);
    uint64_t mid = 0, last = 0;
    for (int i = 1; i < 2000; i++) {
        uint64_t c =
            cache_access(&s, 0, 0x4000000 + (uint64_t)i * 64, COV_READ, 0, zero, NULL, &ex);
        if (i == 100) mid = c;
        last = c;
    }
    cr_assert_gt(mid, first, "queueing grows with the window's load");
    /* 2000 lines = 1000 per controller = 6 windows: the last waits ~5 us */
    cr_assert_gt(last, first + 5 * 1200 * 9 / 10, "%llu", (unsigned long long)last);
    cr_assert_lt(last, first + 7 * 1200);
}

Test(tile_cache, home_copy_eviction_invalidates_sharers) {
    /* fill one set of tile 4's L2 with home copies beyond its 8 ways; the
     * first line is evicted from the home and from tile 9's caches */
    uint64_t stride = s.l2[4].sets * 64;
    for (uint64_t i = 0; i < 9; i++) rd(9, 0x8000000 + i * stride, 4);
    cr_assert_eq(s.st[9].back_inval, 1);
    cr_assert_gt(rd(9, 0x8000000, 4), cfg.l3.hit_cycles, "gone from every level");
}

/* The home copies' LRU (in the home's L2 set): the lines fill the ways in
 * order, and a hit on the first one makes it the most recent, so a new line
 * takes the second. */
Test(tile_cache, l3_lru_counts_the_first_way) {
    uint64_t stride = s.l2[4].sets * 64, base = 0x4000000;
    for (uint64_t i = 0; i < 8; i++) cache_dma_write(&s, base + i * stride, 4); /* ways 0..7 */
    cr_assert_eq(cache_dma_read(&s, base, 4, 0, NULL), cfg.l3.hit_cycles, "way 0 hits");
    cache_dma_write(&s, base + 8 * stride, 4); /* evicts the least recent: line 1 */
    cr_assert_eq(cache_dma_read(&s, base, 4, 0, NULL), cfg.l3.hit_cycles, "line 0 stayed");
    cr_assert_gt(cache_dma_read(&s, base + stride, 4, 0, NULL), cfg.l3.hit_cycles, "line 1 left");
    for (uint64_t i = 2; i < 9; i++)
        cr_assert_eq(cache_dma_read(&s, base + i * stride, 4, 0, NULL), cfg.l3.hit_cycles);
}

/* A tile that reads a line no one else holds gets it exclusively (its store
 * then hits); another tile's load takes that away. */
Test(tile_cache, a_load_downgrades_the_exclusive_holder) {
    uint64_t x = 0x5000000;
    rd(1, x, 3);
    cr_assert_eq(wr(1, x, 3), 0, "sole reader: exclusive, the store hits");
    rd(2, x, 3);
    cr_assert_gt(wr(1, x, 3), 0, "shared now: the store goes to the home");
    cr_assert_eq(s.st[2].inval_recv, 1, "and takes tile 2's copy");
    cr_assert_eq(wr(1, x, 3), 0);
}

Test(tile_cache, bad_geometry_is_refused) {
    struct cache_sys t;
    char err[200];
    cr_assert_not(cache_sys_init(&t, &cfg, 9, 9, err, sizeof err));
    cr_assert(strstr(err, "64 tiles") != NULL, "%s", err);
    struct chip_config bad = cfg;
    bad.l1d.size_bytes = 3000;
    cr_assert_not(cache_sys_init(&t, &bad, 6, 6, err, sizeof err));
    cr_assert(strstr(err, "chip.l1d") != NULL, "%s", err);
}

Test(tile_cache, latencies_out_of_order_are_refused) {
    char err[200];
    struct chip_config bad = cfg;
    bad.l1d.hit_cycles = bad.l2.hit_cycles + 1;
    cr_assert_not(chip_config_check(&bad, err, sizeof err));
    cr_assert(strstr(err, "chip.l1d.hit_cycles: ") == err, "%s", err);
    bad = cfg;
    bad.l3.hit_cycles = bad.l2.hit_cycles - 1;
    cr_assert_not(chip_config_check(&bad, err, sizeof err));
    cr_assert(strstr(err, "chip.l3.hit_cycles: ") == err, "%s", err);
    bad.l3.hit_cycles = bad.l2.hit_cycles; /* equal is allowed: the hops add to it */
    cr_assert(chip_config_check(&bad, err, sizeof err), "%s", err);
}

/* configs/chip/tilegx36.yaml binds (no unknown keys, every value in range)
 * and states the defaults. */
struct root {
    struct chip_config chip;
};
static const struct cfg_key root_keys[] = {CFG_SECTION_KEY(struct root, chip, chip_config_section)};
static CFG_SECTION_DEF(root_section, "", "test root", root_keys);

Test(tile_cache, chip_yaml_binds_to_the_defaults) {
    char path[1024];
    const char *src = getenv("TESSERA_SOURCE_DIR");
    cr_assert_not_null(src);
    snprintf(path, sizeof path, "%s/configs/chip/tilegx36.yaml", src);
    struct cfg_errors err = {0};
    struct cfg_doc *d = cfg_doc_load(path, &err);
    cr_assert_not_null(d);
    struct root r;
    memset(&r, 0, sizeof r);
    bool ok = cfg_bind(d, &root_section, &r, &err);
    if (!ok) cfg_errors_print(&err, stderr);
    cr_assert(ok);
    struct chip_config def;
    memset(&def, 0, sizeof def);
    cfg_defaults(&chip_config_section, &def);
    cr_assert_eq(memcmp(&r.chip, &def, sizeof def), 0, "the file states the defaults");
    char msg[200];
    cr_assert(chip_config_check(&r.chip, msg, sizeof msg), "%s", msg);
    cfg_release(&root_section, &r);
    cfg_doc_free(d);
    cfg_errors_fini(&err);
}

#include "sim/tile/tile_host.h"

Test(tile_cache, host_cpu_model) {
    struct chip_host_config h = {
        .freq_hz = 2000000000, .handler_cycles = 1000, .cycles_per_byte = 0.5};
    cr_assert_eq(tile_host_cost(&h, 0), SIM_NS(500));
    cr_assert_eq(tile_host_cost(&h, 2000), SIM_NS(1000));
    h.freq_hz = 3000000000;
    cr_assert_eq(tile_host_cost(&h, 0), 333334, "rounded up");
}

Test(tile_cache, dma_write_invalidates_cached_copies) {
    uint64_t x = 0x300000;
    rd(4, x, -1);
    rd(9, x, -1);
    cr_assert_eq(rd(4, x, -1), 0);
    cr_assert_eq(cache_dma_write(&s, x, -1), 2);
    uint64_t h = cache_home(&s, x >> 6);
    cr_assert_eq(rd(4, x, -1), cfg.l3.hit_cycles + 2 * cache_hops(&s, 4, h) - 2,
                 "the new data is in the home's L3, not in DRAM");
    /* a line never seen before lands in L3 too */
    cache_dma_write(&s, 0x900000, -1);
    h = cache_home(&s, 0x900000 >> 6);
    cr_assert_eq(rd(4, 0x900000, -1), cfg.l3.hit_cycles + 2 * cache_hops(&s, 4, h) - 2);
}

/* The set helpers (LRU ranks for 2 ways, stamps for the others, vector tag
 * compare) choose exactly the ways a timestamp LRU chooses, for every
 * associativity up to 16 (both the vector paths, up to 8 ways, and the loops
 * beyond; the victim as the tests' build makes it and as the model's build
 * does), with lines dropped at random (invalidations) in between, and across
 * the renumbering of a set's stamps (every ~65,000 uses). */
Test(tile_cache, set_helpers_are_exact_lru) {
    for (unsigned ways = 1; ways <= 16; ways++) {
        struct cache_sys x;
        struct chip_config c2 = cfg;
        c2.l2.ways = ways;
        c2.l2.size_bytes = 4096ull * ways; /* 64 sets */
        char err[200];
        cr_assert(cache_sys_init(&x, &c2, 2, 2, err, sizeof err), "%s", err);
        struct cache_level *lv = &x.l2[1];
        cr_assert_eq(lv->ways, ways);
        uint8_t *set = cache_set_of(lv, 5);
        uint32_t ref_tag[16] = {0};
        uint64_t ref_stamp[16] = {0}, clock = 0, rng = 0x9E3779B97F4A7C15ull ^ ways;
        unsigned renumbered = 0, last_clock = 0;
        const int ops = ways == 2 ? 20000 : 90000;
        for (int op = 0; op < ops; op++) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            uint32_t tag = 1 + (uint32_t)(rng % (ways + 3)); /* a few more lines than ways */
            int ref = -1;
            for (unsigned w = 0; w < ways; w++)
                if (ref_tag[w] == tag) ref = (int)w;
            int got = cache_set_find(lv, set, tag);
            if (got != ref) cr_assert_fail("ways %u op %d: find %u", ways, op, tag);
            if ((rng >> 40) % 8 == 0) { /* drop it */
                if (ref >= 0) {
                    ref_tag[ref] = 0;
                    cache_set_clear(lv, set, (unsigned)ref);
                }
                continue;
            }
            if (ref < 0) {
                unsigned v = 0;
                bool found_free = false;
                for (unsigned w = 0; w < ways && !found_free; w++)
                    if (!ref_tag[w]) v = w, found_free = true;
                if (!found_free)
                    for (unsigned w = 1; w < ways; w++)
                        if (ref_stamp[w] < ref_stamp[v]) v = w;
                unsigned vv = cache_set_victim(lv, set), vb = cache_set_victim_built(set, ways);
                if (vv != v || vb != v)
                    cr_assert_fail("ways %u op %d: victim %u (model's build %u), LRU says %u", ways,
                                   op, vv, vb, v);
                ref_tag[v] = tag;
                cache_set_tags(set)[v] = tag;
                ref = (int)v;
            }
            ref_stamp[ref] = ++clock;
            cache_ages_touch(lv, set, (unsigned)ref);
            if (ways == 2) { /* the ranks stay a permutation of {0, 1} */
                unsigned seen = 0;
                for (unsigned w = 0; w < ways; w++) seen |= 1u << set[lv->age_off + w];
                if (seen != 3) cr_assert_fail("op %d: ranks not a permutation", op);
                continue;
            }
            /* valid ways: distinct stamps 1..clock; invalid: 0; padding 0xffff */
            const uint16_t *st = cache_set_stamps(set, ways);
            const unsigned now = *cache_set_clock(set, ways);
            if (now < last_clock) renumbered++;
            last_clock = now;
            bool ok = st[ref] == now;
            for (unsigned w = 0; w < ways; w++) {
                ok = ok && (ref_tag[w] ? st[w] >= 1 && st[w] <= now : st[w] == 0);
                for (unsigned v = 0; v < w; v++) ok = ok && (!ref_tag[w] || st[v] != st[w]);
            }
            for (unsigned w = ways; w < CACHE_ROUND8(ways); w++)
                ok = ok && st[w] == CACHE_STAMP_PAD;
            if (!ok) cr_assert_fail("ways %u op %d: stamps out of order", ways, op);
        }
        if (ways != 2) cr_assert_geq(renumbered, 1, "ways %u: the stamps were renumbered", ways);
        cache_sys_fini(&x);
    }
}

/* Associativities that are not powers of two (3-way L1, 5-way L2 and so L3:
 * set blocks whose tags end off an 8-byte boundary) run through the general
 * code, home-copy evictions, stores and device writes included (the
 * sanitizers check every access), and every access is counted at exactly one
 * level. */
Test(tile_cache, odd_associativities_work) {
    struct chip_config odd = cfg;
    odd.l1d.ways = 3;
    odd.l1d.size_bytes = 3 * 64 * 128;
    odd.l2.ways = 5;
    odd.l2.size_bytes = 5 * 64 * 512;
    struct cache_sys g;
    char err[200];
    cr_assert(cache_sys_init(&g, &odd, 6, 6, err, sizeof err), "%s", err);
    cr_assert(g.port[0].access == cache_port_access_any);
    struct sim_rng r;
    sim_rng_init(&r, 5, 6);
    uint64_t n = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t pa = 0x100000 + sim_rng_below(&r, 8u << 20);
        if (sim_rng_below(&r, 50) == 0) {
            cache_dma_write(&g, pa, -1);
            continue;
        }
        bool ex = false;
        unsigned kind = sim_rng_below(&r, 5) == 0 ? COV_WRITE : COV_READ;
        cache_access(&g, (unsigned)sim_rng_below(&r, 36), pa, kind, -1, zero, NULL, &ex);
        n++;
    }
    uint64_t counted = 0, back = 0;
    for (unsigned t = 0; t < 36; t++) {
        counted += g.st[t].l1_hits + g.st[t].l2_hits + g.st[t].l3_hits + g.st[t].dram;
        back += g.st[t].back_inval;
    }
    cr_assert_eq(counted, n);
    cr_assert_gt(back, 0, "home copies were evicted");
    cache_sys_fini(&g);
}

/* The shipped geometry runs through a copy of the model with its layout
 * folded in (cache_port_access_2_8); the general code
 * (cache_port_access_any) must give the same cycles, exclusivity and counts,
 * access by access, over a mix of tiles, homes, reads and writes that
 * reaches every level. */
Test(tile_cache, folded_geometry_matches_the_general_code) {
    cr_assert_eq(s.ways_l1 * 10 + s.ways_l2, 28, "the shipped geometry");
    cr_assert(s.port[7].access == cache_port_access_2_8, "the shipped geometry runs folded");
    struct cache_sys g;
    char err[200];
    cr_assert(cache_sys_init(&g, &cfg, 6, 6, err, sizeof err), "%s", err);
    struct sim_rng r;
    sim_rng_init(&r, 3, 4);
    for (int n = 0; n < 400000; n++) {
        unsigned t = (unsigned)sim_rng_below(&r, 36);
        /* 16 MB of lines: beyond the L3, so DRAM and home-copy evictions happen */
        uint64_t pa = 0x100000 + sim_rng_below(&r, 16u << 20);
        unsigned kind = sim_rng_below(&r, 5) == 0 ? COV_WRITE : COV_READ;
        int home = sim_rng_below(&r, 10) == 0 ? (int)sim_rng_below(&r, 36) : -1;
        sim_time_t now = (sim_time_t)n * 20000;
        uint64_t a = cache_port_access_2_8(&s.port[t], pa, kind, home, now_at, &now);
        uint64_t b = cache_port_access_any(&g.port[t], pa, kind, home, now_at, &now);
        cr_assert_eq(a >> 1, b >> 1, "access %d: %llu cycles folded, %llu general", n,
                     (unsigned long long)(a >> 1), (unsigned long long)(b >> 1));
        cr_assert_eq(a & 1, b & 1, "access %d: exclusivity differs", n);
    }
    for (unsigned t = 0; t < 36; t++)
        cr_assert_eq(memcmp(&s.st[t], &g.st[t], sizeof s.st[t]), 0, "tile %u's counts differ", t);
    cr_assert_gt(s.st[0].dram, 0);
    cr_assert_gt(s.st[0].back_inval + s.st[1].back_inval, 0);
    cr_assert_gt(s.st[0].inval_sent + s.st[1].inval_sent, 0);
    cache_sys_fini(&g);
}

/* The L3 is the union of the L2s: a line homed on the asking tile is in its
 * own L2 (the home copy), so once another tile's store or a device write
 * has taken the tile's own copies away, reading it still costs an L2 hit,
 * not a trip to an L3 slice. */
Test(tile_cache, a_line_homed_on_the_tile_costs_an_l2_hit) {
    const uint64_t l2 = cfg.l2.hit_cycles - cfg.l1d.hit_cycles;
    uint64_t x = 0x600000;
    rd(7, x, 7);
    wr(3, x, 7); /* tile 7 loses its copies; the home copy stays */
    cr_assert_eq(rd(7, x, 7), l2, "the home copy in tile 7's own L2");
    cr_assert_eq(s.st[7].l3_hits, 0);
    /* a store by the home while tile 3 shares the line: an L2 hit plus the
     * invalidation round trip to tile 3 */
    cr_assert_eq(wr(7, x, 7), l2 + 2 * cache_hops(&s, 7, 3) * cfg.l3.hop_cycles);
    cr_assert_eq(s.st[3].inval_recv, 1);
    /* a device write lands in the home copy: an L2 hit for the home */
    uint64_t y = 0x700000;
    cache_dma_write(&s, y, 7);
    cr_assert_eq(rd(7, y, 7), l2, "the device's data is in tile 7's L2");
    /* and a remote tile pays the L3 trip to it */
    cr_assert_eq(rd(8, y, 7), cfg.l3.hit_cycles + 2 * cache_hops(&s, 8, 7) - cfg.l1d.hit_cycles);
    uint64_t counted = 0;
    for (unsigned t = 0; t < 36; t++)
        counted += s.st[t].l1_hits + s.st[t].l2_hits + s.st[t].l3_hits + s.st[t].dram;
    cr_assert_eq(counted, 6, "every access counted at one level");
}

/* L2 and L3 share capacity: lines other tiles home on tile 7 take the ways
 * of tile 7's L2 that held its own copies of lines homed elsewhere. */
Test(tile_cache, l2_and_l3_share_capacity) {
    uint64_t stride = s.l2[7].sets * 64, a = 0x1000000, b = 0x2000000;
    for (uint64_t i = 0; i < 8; i++) rd(7, a + i * stride, 0); /* one set of tile 7's L2 */
    cr_assert_eq(rd(7, a, 0), cfg.l2.hit_cycles - cfg.l1d.hit_cycles, "in tile 7's L2");
    rd(7, a + 16384, 0), rd(7, a + 16384 + stride, 0);         /* out of the L1 (another L2 set) */
    for (uint64_t i = 0; i < 8; i++) rd(3, b + i * stride, 7); /* homed on 7, same set */
    cr_assert_eq(rd(7, a, 0), cfg.l3.hit_cycles + 2 * cache_hops(&s, 7, 0) - cfg.l1d.hit_cycles,
                 "tile 7's copy made room for the home copies: back to home 0");
    /* and the other way: tile 7's own copies evict the home copies, whose
     * sharers (tile 3) lose them */
    uint64_t before = s.st[3].back_inval;
    for (uint64_t i = 0; i < 8; i++) rd(7, a + (8 + i) * stride, 0);
    cr_assert_gt(s.st[3].back_inval, before, "home copies evicted by tile 7's own lines");
}
