/* tests/tile/test_udn.c: tile programs over the NoC's UDN (sim/chip/chip_udn.h). */
#include <criterion/criterion.h>
#include <string.h>

#include "noc/udn.h"
#include "sim/calib/calib.h"
#include "sim/chip/chip_udn.h"
#include "tile_test_util.h"

struct rig {
    struct noc_config noc;
    struct chip_config cfg;
    struct sim_engine *e;
    struct noc_mesh *m;
    struct udn *u;
    struct chip *c;
    struct chip_udn *a;
};

static void rig_init(struct rig *r, uint64_t inj_words) {
    memset(r, 0, sizeof *r);
    cfg_defaults(&noc_config_section, &r->noc);
    r->noc.udn.injection_depth_words = inj_words;
    tt_defaults(&r->cfg);
    r->e = sim_engine_create();
    char err[256];
    r->m = noc_mesh_create(r->e, &r->noc, err, sizeof err);
    cr_assert_not_null(r->m, "%s", err);
    r->u = udn_create(r->m, &r->noc.udn);
    cr_assert_not_null(r->u);
    struct chip_geom g = {(unsigned)r->noc.width, (unsigned)r->noc.height};
    r->c = chip_create(&r->cfg, &g, r->e, err, sizeof err);
    cr_assert_not_null(r->c, "%s", err);
    r->a = chip_udn_create(r->c, r->u, err, sizeof err);
    cr_assert_not_null(r->a, "%s", err);
}

static void rig_fini(struct rig *r) {
    chip_destroy(r->c);
    chip_udn_destroy(r->a);
    udn_destroy(r->u);
    noc_mesh_destroy(r->m);
    sim_engine_destroy(r->e);
    cfg_release(&noc_config_section, &r->noc);
}

Test(tile_udn, pingpong_over_the_mesh) {
    struct rig r;
    rig_init(&r, 16);
    struct mem_region *line = chip_region_create(r.c, MEM_SHARED, "counter", 64, -1, 0);
    struct calib_pingpong *a = mem_alloc(chip_private_region(r.c, 0), sizeof *a);
    struct calib_pingpong *b = mem_alloc(chip_private_region(r.c, 35), sizeof *b);
    *a = (struct calib_pingpong){
        .counter = (uint64_t *)line->host, .peer = 35, .rounds = 50, .starter = 1};
    *b = (struct calib_pingpong){.counter = (uint64_t *)line->host, .peer = 0, .rounds = 50};
    char err[200];
    cr_assert_eq(chip_tile_start(r.c, 0, TILE_ROLE_APP, 0, calib_pingpong_main, a, err, sizeof err),
                 0);
    cr_assert_eq(
        chip_tile_start(r.c, 35, TILE_ROLE_APP, 0, calib_pingpong_main, b, err, sizeof err), 0);
    sim_engine_run_until(r.e, SIM_MS(1));
    cr_assert_eq(*(uint64_t *)line->host, 100, "counter %llu",
                 (unsigned long long)*(uint64_t *)line->host);
    cr_assert_eq(a->handled + b->handled, 100);
    /* a round trip crosses 10 hops twice: well above 20 cycles each way */
    cr_assert_gt(sim_engine_now(r.e), SIM_NS(100 * 20 / 1.2));
    rig_fini(&r);
}

struct burst {
    unsigned peer;
    uint64_t words;
    int order_ok;
};

static void burst_send(struct tile *t, void *arg) {
    struct burst *b = arg;
    uint64_t w[8];
    for (uint64_t m = 0; m < 8; m++) {
        for (int i = 0; i < 8; i++) w[i] = m * 8 + (uint64_t)i;
        tile_udn_send(t, b->peer, 2, w, 8);
    }
}
static void burst_take(struct tile *t, void *arg) {
    struct burst *b = arg;
    uint64_t w;
    while (tile_udn_recv(t, 2, &w, 1) == 1) {
        if (w != b->words) b->order_ok = 0;
        b->words++;
    }
}
static void burst_recv_main(struct tile *t, void *arg) { tile_on_udn(t, 2, burst_take, arg); }

Test(tile_udn, stalled_sends_deliver_everything_in_order) {
    struct rig r;
    rig_init(&r, 4); /* a 4-word injection buffer: every 9-word message stalls */
    struct burst *s = mem_alloc(chip_shared_region(r.c), sizeof *s);
    struct burst *d = mem_alloc(chip_shared_region(r.c), sizeof *d);
    *s = (struct burst){.peer = 20};
    *d = (struct burst){.order_ok = 1};
    char err[200];
    chip_tile_start(r.c, 20, TILE_ROLE_APP, 0, burst_recv_main, d, err, sizeof err);
    chip_tile_start(r.c, 3, TILE_ROLE_APP, 0, burst_send, s, err, sizeof err);
    sim_engine_run_until(r.e, SIM_MS(1));
    cr_assert_eq(d->words, 64);
    cr_assert(d->order_ok);
    cr_assert_gt(chip_tile_prof(r.c, 3)->cycles[TILE_LABEL_STALL], 0);
    rig_fini(&r);
}
