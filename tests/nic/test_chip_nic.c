/* tests/nic/test_chip_nic.c: the device on a chip: DMA through the regions
 * and the cache model, the IO-TLB, the tile_nic_* driver calls, and the end
 * to end path generator -> port -> classifier -> ring -> echo tile program
 * -> eDMA -> port -> generator. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nic/eth_gen.h"
#include "nic/mpipe_driver.h"
#include "nic_test_util.h"
#include "sim/chip/chip_nic.h"
#include "sim/kernel/json.h"
#include "sim/tile/cov.h"
#include "tile_test_util.h"
#include "workloads/tile/echo_tile.h"

static struct chip_config ccfg;
static struct nic_config ncfg;
static struct sim_engine *eng;
static struct chip *chip;
static struct chip_nic *cn;

static void setup(void) {
    tt_defaults(&ccfg);
    nic_test_config(&ncfg);
    eng = sim_engine_create();
    chip = tt_chip(&ccfg, eng);
}

static void make_nic(void) {
    char err[256] = "";
    cn = chip_nic_create(chip, eng, &ncfg, "chip0", err, sizeof err);
    cr_assert_not_null(cn, "%s", err);
}

static void teardown(void) {
    chip_nic_destroy(cn);
    cn = NULL;
    chip_destroy(chip);
    sim_engine_destroy(eng);
    nic_test_config_fini(&ncfg);
}

static sim_time_t zero(void *ctx) {
    (void)ctx;
    return 0;
}
static uint64_t touch_line(unsigned tile, uint64_t pa, unsigned kind) {
    bool ex;
    return cache_access(chip_caches(chip), tile, pa, kind, -1, zero, NULL, &ex);
}

static uint64_t hop_trip(unsigned from, unsigned to) {
    return cache_hops(chip_caches(chip), from, to) * ccfg.l3.hop_cycles;
}

TestSuite(chip_nic, .init = setup, .fini = teardown);

Test(chip_nic, refuses_a_shim_outside_the_chip) {
    ncfg.mpipe.shim_tile = 36;
    char err[256] = "";
    cr_assert_null(chip_nic_create(chip, eng, &ncfg, "chip0", err, sizeof err));
    cr_assert(strstr(err, "nic.mpipe.shim_tile"), "%s", err);
}

Test(chip_nic, dma_write_lands_in_the_l3_home_and_invalidates_copies) {
    make_nic();
    struct cache_sys *cs = chip_caches(chip);
    uint64_t pa = cn->rx->pa + 4096;
    unsigned home = cache_home(cs, pa >> cs->line_shift);
    /* two tiles hold the line */
    touch_line(4, pa, COV_READ);
    touch_line(9, pa, COV_READ);
    cr_assert_eq(touch_line(4, pa, COV_READ), 0, "L1 hit before the write");
    uint8_t frame[100];
    for (unsigned i = 0; i < sizeof frame; i++) frame[i] = (uint8_t)(i * 7 + 1);
    sim_time_t done = 0;
    cr_assert_eq(chip_nic_mem_ops.write(cn, pa, frame, sizeof frame, SIM_NS(100), &done), 0);
    cr_assert_eq(memcmp(cn->rx->host + 4096, frame, sizeof frame), 0, "bytes in memory");
    cr_assert_eq(cn->st.dma_write_lines, 2);
    cr_assert_geq(cn->st.dma_invalidations, 2, "both tiles' copies invalidated");
    /* the copy is gone; the new data is at the home, not in DRAM */
    cr_assert_eq(touch_line(4, pa, COV_READ), ccfg.l3.hit_cycles + 2 * hop_trip(4, home) - 2);
    /* done: farthest line's one-way trip from the shim (+1 hop off the edge) + the
     * slice write, lines issued one per cycle */
    unsigned home2 = cache_home(cs, (pa + 64) >> cs->line_shift);
    uint64_t c1 = (cache_hops(cs, 0, home) + 1) * ccfg.l3.hop_cycles + ccfg.l3.hit_cycles;
    uint64_t c2 = (cache_hops(cs, 0, home2) + 1) * ccfg.l3.hop_cycles + ccfg.l3.hit_cycles + 1;
    uint64_t worst = c1 > c2 ? c1 : c2;
    struct sim_clock clk;
    sim_clock_init(&clk, ccfg.core_freq_hz);
    cr_assert_eq(done, SIM_NS(100) + sim_clock_cycles_to_ps(&clk, worst));
    /* outside memory */
    cr_assert_eq(chip_nic_mem_ops.write(cn, 0x7fffffff00ull, frame, 10, 0, &done), -1);
    cr_assert_eq(cn->st.dma_errors, 1);
}

Test(chip_nic, dma_read_of_a_dirty_line_gets_the_current_data) {
    make_nic();
    struct cache_sys *cs = chip_caches(chip);
    struct mem_region *heap = chip_proc_heap(chip, 0);
    uint64_t pa = heap->pa + 8192;
    unsigned home = cache_home(cs, pa >> cs->line_shift);
    /* tile 3 writes the line: it holds it exclusively (dirty) in its L1 */
    touch_line(3, pa, COV_WRITE);
    memset(heap->host + 8192, 0xab, 64);
    cr_assert_eq(touch_line(3, pa, COV_WRITE), 0, "exclusive L1 hit");
    uint8_t out[64];
    sim_time_t done = 0;
    cr_assert_eq(chip_nic_mem_ops.read(cn, pa, out, sizeof out, 0, &done), 0);
    for (unsigned i = 0; i < 64; i++) cr_assert_eq(out[i], 0xab);
    /* write-through: the home's slice has it (an L3 hit, not DRAM) */
    struct sim_clock clk;
    sim_clock_init(&clk, ccfg.core_freq_hz);
    uint64_t c = 2 * (cache_hops(cs, 0, home) + 1) * ccfg.l3.hop_cycles + ccfg.l3.hit_cycles;
    cr_assert_eq(done, sim_clock_cycles_to_ps(&clk, c));
    cr_assert_eq(touch_line(3, pa, COV_WRITE), 0, "the reader's copy is untouched");
    /* a line nobody touched comes from DRAM: at least the trip to its own
     * home and back plus the DRAM latency */
    uint64_t pa2 = heap->pa + 65536;
    unsigned home2 = cache_home(cs, pa2 >> cs->line_shift);
    uint64_t c2 =
        2 * (cache_hops(cs, 0, home2) + 1) * ccfg.l3.hop_cycles + ccfg.dram.latency_cycles;
    cr_assert_eq(chip_nic_mem_ops.read(cn, pa2, out, 8, 0, &done), 0);
    cr_assert_gt(done, sim_clock_cycles_to_ps(&clk, c2));
}

Test(chip_nic, io_tlb_allows_only_registered_ranges) {
    make_nic();
    struct mem_region *heap = chip_proc_heap(chip, 0);
    cr_assert(chip_nic_mem_ops.is_registered(cn, cn->rx->pa, 128), "Rx buffers");
    cr_assert(chip_nic_mem_ops.is_registered(cn, cn->tx->pa + 64, 64), "Tx headers");
    cr_assert_not(chip_nic_mem_ops.is_registered(cn, heap->pa, 64), "heap not yet");
    cr_assert_eq(chip_nic_register(cn, heap->pa + 1024, 512), 0);
    cr_assert(chip_nic_mem_ops.is_registered(cn, heap->pa + 1024, 512));
    cr_assert_not(chip_nic_mem_ops.is_registered(cn, heap->pa + 1024, 513), "crosses the end");
    cr_assert_not(chip_nic_mem_ops.is_registered(cn, heap->pa + 1000, 64), "starts before");
    cr_assert_eq(chip_nic_register(cn, 0x7fffffff00ull, 64), -1, "not memory");
    cr_assert_eq(cn->st.register_refused, 1);
}

static void idle_main(struct tile *t, void *arg) {
    (void)t;
    (void)arg;
}

/* Tile-side calls from simulator code (outside a handler: nothing charged). */
Test(chip_nic, gather_from_unregistered_memory_is_refused_until_registered) {
    make_nic();
    char err[256];
    cr_assert_eq(chip_tile_start(chip, 2, TILE_ROLE_NET, 0, idle_main, NULL, err, sizeof err), 0);
    cr_assert_eq(chip_tile_start(chip, 3, TILE_ROLE_APP, 1, idle_main, NULL, err, sizeof err), 0);
    struct tile *t = chip_tile(chip, 2);
    struct eth_port sink;
    eth_port_init(&sink, eng, &ncfg.eth, "sink");
    struct mpipe *m = chip_nic_mpipe(cn);
    eth_cable_connect(mpipe_port(m, 0), &sink);
    uint8_t *buf = mem_alloc(chip_proc_heap(chip, 0), 256);
    cr_assert_not_null(buf);
    for (unsigned i = 0; i < 256; i++) buf[i] = (uint8_t)i;
    struct tile_txd d = {.data = buf, .size = 200, .eop = true};
    cr_assert_eq(tile_nic_post(t, 0, &d, 1), 1);
    cr_assert_eq(tile_nic_doorbell(t, 0), 0);
    sim_engine_run_until(eng, SIM_US(10));
    cr_assert_eq(m->st.refused_unregistered, 1);
    cr_assert_eq(sink.st.rx_frames, 0);
    /* an app tile of another process may not register this heap */
    cr_assert_eq(tile_nic_register(chip_tile(chip, 3), buf, 256), -1);
    cr_assert_eq(tile_nic_register(t, buf, 256), 0);
    cr_assert_eq(tile_nic_post(t, 0, &d, 1), 1);
    cr_assert_eq(tile_nic_doorbell(t, 0), 0);
    sim_engine_run_until(eng, SIM_US(20));
    cr_assert_eq(m->st.refused_unregistered, 1);
    cr_assert_eq(m->st.tx_frames, 1);
    cr_assert_eq(sink.st.rx_frames, 1);
    /* Tx header buffers: popped and pushed back through the tile API */
    uint8_t *hdr = tile_nic_buffer_alloc(t, TILE_NIC_STACK_TX_HDR);
    cr_assert_not_null(hdr);
    cr_assert(hdr >= cn->tx->host && hdr < cn->tx->host + cn->tx->size, "in Tx header memory");
    cr_assert_eq(tile_nic_buffer_return(t, TILE_NIC_STACK_TX_HDR, hdr), 0);
    cr_assert_eq(tile_nic_buffer_return(t, TILE_NIC_STACK_TX_HDR, hdr), -1, "double return");
    cr_assert_eq(tile_nic_buffer_return(t, TILE_NIC_STACK_TX_HDR, buf), -1, "not a buffer");
    /* host memory outside every region cannot be posted at all */
    uint8_t host[64];
    struct tile_txd h = {.data = host, .size = 64, .eop = true};
    cr_assert_eq(tile_nic_post(t, 0, &h, 1), 0);
    cr_assert_eq(cn->st.bad_pointer, 1);
    cr_assert_eq(tile_nic_buffer_return(t, TILE_NIC_STACK_TX_HDR, host), -1);
    cr_assert_eq(cn->st.bad_pointer, 2);
    sim_engine_run_until(eng, SIM_TIME_MAX);
    eth_port_fini(&sink);
}

Test(chip_nic, without_a_device_the_calls_fail) {
    struct tile *t = chip_tile(chip, 0);
    struct tile_pkt p;
    cr_assert_eq(tile_nic_poll(t, 0, &p, 1), 0);
    cr_assert_eq(tile_nic_credit(t, 0, 1), -1);
    cr_assert_eq(tile_nic_doorbell(t, 0), -1);
    cr_assert_null(tile_nic_buffer_alloc(t, TILE_NIC_STACK_TX_HDR));
    cr_assert_eq(tile_nic_register(t, &p, 1), -1);
}

/* ---- end to end ---- */

struct rx_check {
    const struct eth_gen *g;
    uint64_t ok, bad;
    sim_time_t first;
};

static void check_echo(void *ctx, const struct eth_frame *f, sim_time_t t) {
    struct rx_check *x = ctx;
    uint8_t want[2048];
    /* the payload starts with the frame's sequence number (UDP: offset 42) */
    uint64_t seq = 0;
    for (unsigned i = 0; i < 8; i++) seq = seq << 8 | f->data[42 + i];
    size_t n = eth_gen_build(x->g, seq, want, sizeof want);
    if (n == f->len && memcmp(want, f->data, n) == 0)
        x->ok++;
    else
        x->bad++;
    if (!x->first) x->first = t;
}

Test(chip_nic, echo_tile_program_returns_every_frame_with_driver_costs_charged) {
    ncfg.mpipe.rings = 2;
    ncfg.mpipe.edma_rings = 2;
    make_nic();
    struct mpipe *m = chip_nic_mpipe(cn);
    cr_assert_eq(mpipe_edma_bind(m, 1, 0), 0, "both eDMA rings send on port 0");
    char err[256];
    const unsigned tiles[2] = {7, 14};
    struct echo_tile *x[2];
    for (unsigned i = 0; i < 2; i++) {
        x[i] = mem_alloc(chip_private_region(chip, tiles[i]), sizeof *x[i]);
        cr_assert_not_null(x[i]);
        *x[i] = (struct echo_tile){.ring = 0, .ering = i, .batch = 16};
        cr_assert_eq(chip_nic_map_ring(cn, i, tiles[i], 0), 0);
        cr_assert_eq(chip_tile_start(chip, tiles[i], TILE_ROLE_NET, 0, echo_tile_main, x[i], err,
                                     sizeof err),
                     0, "%s", err);
    }
    cr_assert_eq(chip_nic_map_ring(cn, 0, tiles[1], 0), -1, "tile ring already taken");
    cr_assert_eq(chip_nic_map_ring(cn, 9, tiles[1], 1), -1, "no such device ring");

    const uint64_t frames = 3000;
    struct eth_gen_params p = {.count = frames,
                               .frame_bytes = 60,
                               .rate_pps = 4000000,
                               .flows = 64,
                               .proto = IP_PROTO_UDP,
                               .seed = 5};
    struct eth_gen *g = eth_gen_create(eng, &ncfg.eth, &p, "gen", err, sizeof err);
    cr_assert_not_null(g, "%s", err);
    struct rx_check chk = {.g = g};
    eth_gen_on_rx(g, check_echo, &chk);
    eth_cable_connect(&g->port, mpipe_port(m, 0));
    eth_gen_start(g, 0);
    sim_engine_run_until(eng, SIM_TIME_MAX);
    sim_time_t end = sim_engine_now(eng);
    chip_finish(chip, end);

    cr_assert_eq(chk.bad, 0);
    cr_assert_eq(chk.ok, frames, "echoed %llu of %llu", (unsigned long long)chk.ok,
                 (unsigned long long)frames);
    cr_assert_eq(m->st.delivered, frames);
    cr_assert_eq(m->st.tx_frames, frames);
    cr_assert_eq(x[0]->dropped + x[1]->dropped, 0);
    cr_assert_eq(x[0]->echoed + x[1]->echoed, frames);
    cr_assert_gt(x[0]->echoed, frames / 4, "both rings used");
    cr_assert_gt(x[1]->echoed, frames / 4, "both rings used");
    const struct tile_fault *f;
    cr_assert_eq(chip_faults(chip, &f), 0, "fault: %s", chip_faults(chip, &f) ? f[0].what : "");
    /* every buffer is back on its stack */
    const struct mpipe_stack *s = &m->stack[MPIPE_STACK_SMALL];
    cr_assert_eq(s->top, s->count);
    cr_assert_eq(mpipe_ring_occupancy(m, 0) + mpipe_ring_occupancy(m, 1), 0);
    /* driver cycles: per frame one descriptor read + one egress descriptor
     * write; per batch a credit and a doorbell store */
    const struct nic_driver_config *dc = &ncfg.driver;
    for (unsigned i = 0; i < 2; i++) {
        const struct tile_prof *pr = chip_tile_prof(chip, tiles[i]);
        uint64_t want = x[i]->echoed * (dc->idesc_read_cycles + dc->edesc_write_cycles) +
                        x[i]->batches * 2 * dc->mmio_write_cycles;
        cr_assert_eq(pr->cycles[TILE_LABEL_DRIVER], want, "tile %u: driver %llu, want %llu",
                     tiles[i], (unsigned long long)pr->cycles[TILE_LABEL_DRIVER],
                     (unsigned long long)want);
        cr_assert_gt(pr->cycles[TILE_LABEL_STACK], 0, "the echo's own instructions");
        cr_assert_gt(pr->instr, 0);
        cr_assert_geq(pr->handlers, x[i]->batches);
    }
    /* round trip of the first frame: two wire times + two cables, the
     * classifier, the DMA, the handler and the doorbell: well under 5 us */
    cr_assert_gt(chk.first, 2 * eth_wire_time(&ncfg.eth, 60));
    cr_assert_lt(chk.first, SIM_US(5));
    cr_assert_eq(cn->st.dma_writes, frames);
    cr_assert_eq(cn->st.dma_reads, frames);
    eth_gen_destroy(g);
}

/* Same config and seed: byte-identical stats (device, DMA, tiles). */
static char *echo_run_stats(void) {
    struct chip_config cc;
    struct nic_config nc;
    tt_defaults(&cc);
    nic_test_config(&nc);
    nc.mpipe.rings = 2;
    struct sim_engine *e = sim_engine_create();
    struct chip *c = tt_chip(&cc, e);
    char err[256];
    struct chip_nic *n = chip_nic_create(c, e, &nc, "chip0", err, sizeof err);
    cr_assert_not_null(n, "%s", err);
    for (unsigned i = 0; i < 2; i++) {
        struct echo_tile *x = mem_alloc(chip_private_region(c, 20 + i), sizeof *x);
        *x = (struct echo_tile){.ring = 1, .ering = 0, .batch = 8};
        cr_assert_eq(chip_nic_map_ring(n, i, 20 + i, 1), 0);
        cr_assert_eq(
            chip_tile_start(c, 20 + i, TILE_ROLE_NET, 0, echo_tile_main, x, err, sizeof err), 0);
    }
    struct eth_gen_params p = {
        .count = 500, .frame_bytes = 200, .flows = 16, .proto = IP_PROTO_TCP, .seed = 9};
    struct eth_gen *g = eth_gen_create(e, &nc.eth, &p, "gen", err, sizeof err);
    eth_cable_connect(&g->port, mpipe_port(chip_nic_mpipe(n), 0));
    eth_gen_start(g, 0);
    sim_engine_run_until(e, SIM_TIME_MAX);
    chip_finish(c, sim_engine_now(e));
    cr_assert_eq(g->rx_frames, 500);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct json_writer w;
    json_init(&w, f);
    json_object_begin(&w);
    json_key(&w, "nic");
    chip_nic_write_stats(n, &w);
    json_key(&w, "chip");
    chip_write_stats(c, &w);
    json_object_end(&w);
    fclose(f);
    eth_gen_destroy(g);
    chip_nic_destroy(n);
    chip_destroy(c);
    sim_engine_destroy(e);
    nic_test_config_fini(&nc);
    return buf;
}

Test(chip_nic, same_seed_gives_identical_stats) {
    char *a = echo_run_stats(), *b = echo_run_stats();
    cr_assert(strlen(a) > 500);
    cr_assert(strstr(a, "\"write_lines\""), "DMA stats present");
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
}
