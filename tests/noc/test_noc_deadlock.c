/* Tests of noc/noc_deadlock (static channel-dependency check) and of the
 * mesh's run-time detector on the unsafe routing function. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "noc/noc_deadlock.h"
#include "noc/noc_synthetic.h"
#include "sim/cli/experiment.h"

static void check(const char *name, uint32_t w, uint32_t h, bool want_acyclic) {
    const struct noc_route *r = noc_route_find(name);
    cr_assert(r, "routing %s not registered", name);
    struct noc_cdg_result res;
    cr_assert(noc_cdg_check(r, w, h, &res));
    cr_assert_eq(res.links, (size_t)2 * ((w - 1) * h + (h - 1) * w));
    cr_assert_eq(res.acyclic, want_acyclic, "%s on %ux%u", name, w, h);
    if (!want_acyclic) {
        cr_assert_eq(res.cycle_len, 4, "the shortest cycle is a 2x2 square");
        /* every step of the cycle is a real dependency of the function */
        for (size_t i = 0; i < res.cycle_len; i++) {
            const struct noc_cdg_link *a = &res.cycle[i], *b = &res.cycle[(i + 1) % res.cycle_len];
            cr_assert_eq(a->to_tile, b->tile, "cycle step %zu is not contiguous", i);
            bool allowed = false;
            for (uint32_t d = 0; d < w * h && !allowed; d++) {
                unsigned m = r->route(w, h, b->x, b->y, noc_port_opposite(a->port), d % w, d / w);
                allowed = m & (1u << b->port);
            }
            cr_assert(allowed, "cycle step %zu: turn not allowed by %s", i, name);
        }
    }
    noc_cdg_result_fini(&res);
}

Test(noc_deadlock, dimension_order_and_turn_model_are_acyclic) {
    const uint32_t sizes[][2] = {{2, 2}, {6, 6}, {8, 8}, {3, 7}, {16, 16}};
    for (size_t i = 0; i < 5; i++) {
        check("xy", sizes[i][0], sizes[i][1], true);
        check("yx", sizes[i][0], sizes[i][1], true);
        check("west-first", sizes[i][0], sizes[i][1], true);
    }
}

Test(noc_deadlock, unsafe_adaptive_has_a_cycle) {
    check("adaptive-unsafe", 2, 2, false);
    check("adaptive-unsafe", 6, 6, false);
    /* a single row or column has no turns: no cycle */
    check("adaptive-unsafe", 6, 1, true);
}

static int run_main(const char *routing, char *out, size_t len) {
    struct noc_config c;
    memset(&c, 0, sizeof c);
    cfg_defaults(&noc_config_section, &c);
    free(c.routing);
    c.routing = strdup(routing);
    FILE *f = fmemopen(out, len, "w");
    int rc = noc_check_deadlock_main(&c, f);
    fclose(f);
    cfg_release(&noc_config_section, &c);
    return rc;
}

Test(noc_deadlock, check_deadlock_command) {
    char out[8192];
    cr_assert_eq(run_main("xy", out, sizeof out), 0);
    /* it says what it checked, and what it did not */
    cr_assert(strstr(out, "acyclic: the routing function cannot deadlock the mesh"), "%s", out);
    cr_assert(strstr(out, "not checked: message-level dependencies"), "%s", out);
    cr_assert_eq(run_main("yx", out, sizeof out), 0);
    cr_assert_eq(run_main("adaptive-unsafe", out, sizeof out), TSR_EXIT_DEADLOCK);
    cr_assert(strstr(out, "has a cycle of"), "%s", out);
    cr_assert(strstr(out, "link "), "%s", out);
    cr_assert_eq(run_main("nope", out, sizeof out), TSR_EXIT_BAD_INPUT);
}

/* The unsafe function deadlocks under load; the run-time detector reports a
 * genuine wait-for cycle and the run stops with the deadlock exit code. */
Test(noc_deadlock, runtime_detector_finds_the_cycle) {
    struct noc_config c;
    memset(&c, 0, sizeof c);
    cfg_defaults(&noc_config_section, &c);
    free(c.routing);
    c.routing = strdup("adaptive-unsafe");
    c.width = c.height = 4;
    c.buffer_depth_flits = 2;
    c.traffic.packet_flits = 16;
    c.traffic.injection_rate = 0.6;
    c.traffic.warmup_cycles = 0;
    c.traffic.measure_cycles = 200000;
    c.deadlock.window_cycles = 500;
    struct sim_engine *e = sim_engine_create();
    char err[256];
    struct noc_synth *s = noc_synth_create(e, &c, 1, err, sizeof err);
    cr_assert(s, "%s", err);
    cr_assert_eq(noc_synth_run(s), TSR_EXIT_DEADLOCK);
    const struct noc_deadlock_report *r = noc_synth_deadlock(s);
    cr_assert(r && r->n >= 2);
    cr_assert_geq(r->cycle - r->stalled_since, 500);
    for (size_t i = 0; i < r->n; i++) {
        const struct noc_wait_node *a = &r->nodes[i], *b = &r->nodes[(i + 1) % r->n];
        cr_assert_eq(a->kind, NOC_WAIT_INPUT);
        cr_assert_eq(a->occupancy, a->capacity, "a node of the cycle is not full");
        cr_assert_neq(a->why[0], '\0');
        /* b is either the downstream buffer (no credit) or a competitor in the same router */
        bool same = a->tile == b->tile;
        bool down = strstr(a->why, "no credit") != NULL;
        cr_assert(same || down, "step %zu: %s", i, a->why);
    }
    noc_synth_destroy(s);
    sim_engine_destroy(e);
    cfg_release(&noc_config_section, &c);
}

/* Under the same overload, xy never deadlocks (it saturates instead). */
Test(noc_deadlock, xy_does_not_deadlock_under_overload) {
    struct noc_config c;
    memset(&c, 0, sizeof c);
    cfg_defaults(&noc_config_section, &c);
    c.width = c.height = 4;
    c.buffer_depth_flits = 2;
    c.traffic.packet_flits = 16;
    c.traffic.injection_rate = 0.6;
    c.traffic.warmup_cycles = 0;
    c.traffic.measure_cycles = 5000;
    c.traffic.drain_max_cycles = 2000;
    c.deadlock.window_cycles = 500;
    struct sim_engine *e = sim_engine_create();
    char err[256];
    struct noc_synth *s = noc_synth_create(e, &c, 1, err, sizeof err);
    cr_assert_eq(noc_synth_run(s), TSR_EXIT_OK);
    cr_assert_null(noc_synth_deadlock(s));
    noc_synth_destroy(s);
    sim_engine_destroy(e);
    cfg_release(&noc_config_section, &c);
}
