/* tests/tile/test_dma.c: the device-access entry points of the memory
 * system: cache_dma_read (a device reading a line at its home) and
 * mem_lookup_pa (a device's simulated address to its region). */
#include <criterion/criterion.h>

#include "sim/tile/cache.h"
#include "sim/tile/cov.h"
#include "sim/tile/mem.h"
#include "tile_test_util.h"

static struct cache_sys s;
static struct chip_config cfg;
static sim_time_t zero(void *ctx) {
    (void)ctx;
    return 0;
}
static uint64_t acc(unsigned t, uint64_t pa, unsigned kind) {
    bool ex;
    return cache_access(&s, t, pa, kind, -1, zero, NULL, &ex);
}

static void setup(void) {
    tt_defaults(&cfg);
    char err[200];
    cr_assert(cache_sys_init(&s, &cfg, 6, 6, err, sizeof err), "%s", err);
}
static void teardown(void) { cache_sys_fini(&s); }

TestSuite(tile_dma, .init = setup, .fini = teardown);

Test(tile_dma, read_of_a_line_written_by_a_tile_hits_its_home) {
    uint64_t x = 0x240000;
    acc(5, x, COV_WRITE); /* tile 5 holds it exclusively (write-through: home has it) */
    cr_assert_eq(acc(5, x, COV_WRITE), 0);
    unsigned home = 99;
    cr_assert_eq(cache_dma_read(&s, x, -1, 0, &home), cfg.l3.hit_cycles);
    cr_assert_eq(home, cache_home(&s, x >> 6));
    cr_assert_eq(acc(5, x, COV_WRITE), 0, "the tile keeps its exclusive copy");
    /* a fixed home is honoured */
    cache_dma_write(&s, 0x280000, 17);
    cr_assert_eq(cache_dma_read(&s, 0x280000, 17, 0, &home), cfg.l3.hit_cycles);
    cr_assert_eq(home, 17);
}

Test(tile_dma, read_miss_goes_to_dram_and_does_not_allocate) {
    uint64_t x = 0x800000;
    uint64_t c1 = cache_dma_read(&s, x, -1, 0, NULL);
    cr_assert_geq(c1, cfg.l3.hit_cycles + cfg.dram.latency_cycles);
    uint64_t c2 = cache_dma_read(&s, x, -1, 0, NULL);
    cr_assert_geq(c2, cfg.l3.hit_cycles + cfg.dram.latency_cycles, "not allocated in L3");
    /* after a DMA write the line is at its home */
    cache_dma_write(&s, x, -1);
    cr_assert_eq(cache_dma_read(&s, x, -1, 0, NULL), cfg.l3.hit_cycles);
}

Test(tile_dma, lookup_by_simulated_address) {
    struct mem_map m;
    mem_map_init(&m);
    struct mem_region *a = mem_region_create(&m, MEM_RX, "rx", 100000, -1, -1, true);
    struct mem_region *b = mem_region_create(&m, MEM_STACK, "st", 65536, 0, -1, false);
    struct mem_region *c = mem_region_create(&m, MEM_APP_HEAP, "heap", 65536, 0, -1, true);
    cr_assert(a && b && c);
    cr_assert_eq(mem_lookup_pa(&m, a->pa), a);
    cr_assert_eq(mem_lookup_pa(&m, a->pa + a->size - 1), a);
    cr_assert_eq(mem_lookup_pa(&m, b->pa + 5), b);
    cr_assert_eq(mem_lookup_pa(&m, c->pa + c->size - 1), c);
    cr_assert_null(mem_lookup_pa(&m, c->pa + c->size));
    cr_assert_null(mem_lookup_pa(&m, UINT64_MAX));
    mem_map_fini(&m);
}
