/* Tests of noc/udn (endpoints: stalling sends, credits, demux queues, bad
 * calls) and of the message-dependent deadlock example (noc/noc_msgdep). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "noc/noc_msgdep.h"
#include "noc/udn.h"
#include "sim/cli/experiment.h"
#include "sim/kernel/json.h"

struct fixture {
    struct noc_config c;
    struct sim_engine *e;
    struct noc_mesh *m;
    struct udn *u;
};

static void fx_init(struct fixture *f, uint64_t inj, uint64_t demux) {
    memset(f, 0, sizeof *f);
    cfg_defaults(&noc_config_section, &f->c);
    f->c.udn.injection_depth_words = inj;
    f->c.udn.demux_depth_words = demux;
    f->e = sim_engine_create();
    char err[256];
    f->m = noc_mesh_create(f->e, &f->c, err, sizeof err);
    cr_assert(f->m, "%s", err);
    f->u = udn_create(f->m, &f->c.udn);
    cr_assert(f->u);
}

static void fx_fini(struct fixture *f) {
    udn_destroy(f->u);
    noc_mesh_destroy(f->m);
    sim_engine_destroy(f->e);
    cfg_release(&noc_config_section, &f->c);
}

struct log {
    int sent;
    uint64_t sent_cycle;
    size_t arrivals;
    unsigned last_queue;
};
static void lg_sent(void *ctx, uint32_t tile, uint64_t cycle) {
    struct log *l = ctx;
    (void)tile;
    l->sent++;
    l->sent_cycle = cycle;
}
static void lg_recv(void *ctx, uint32_t tile, unsigned q, size_t count, uint64_t cycle) {
    struct log *l = ctx;
    (void)tile, (void)count, (void)cycle;
    l->arrivals++;
    l->last_queue = q;
}

Test(noc_udn, message_arrives_in_its_demux_queue_header_stripped) {
    struct fixture f;
    fx_init(&f, 32, 32);
    struct log lg = {0};
    struct udn_tile_hooks hk = {.sent = lg_sent, .recv = lg_recv, .ctx = &lg};
    udn_set_hooks(f.u, 14, &hk);
    uint64_t w[5] = {11, 22, 33, 44, 55};
    cr_assert_eq(udn_credits(f.u, 0), 32);
    cr_assert_eq(udn_send(f.u, 0, 14, 2, w, 5), UDN_SENT);
    cr_assert_eq(udn_credits(f.u, 0), 32 - 6);
    sim_engine_run_until(f.e, SIM_TIME_MAX);
    cr_assert_eq(udn_credits(f.u, 0), 32);
    cr_assert_eq(lg.arrivals, 5);
    cr_assert_eq(lg.last_queue, 2);
    cr_assert_eq(udn_recv_count(f.u, 14, 2), 5);
    cr_assert_eq(udn_recv_count(f.u, 14, 0), 0);
    uint64_t out[8];
    cr_assert_eq(udn_recv_pop(f.u, 14, 2, out, 3), 3);
    cr_assert_eq(udn_recv_pop(f.u, 14, 2, out + 3, 8), 2);
    cr_assert_arr_eq(out, w, sizeof w);
    /* 0 -> 14 is (0,0) -> (2,2): 4 links; 6 words; written at cycle 0, leave from 1 */
    cr_assert_eq(noc_mesh_cycle_now(f.m), 1 + noc_mesh_zero_load_cycles(f.m, 0, 14, 6));
    fx_fini(&f);
}

Test(noc_udn, send_into_full_buffer_stalls_until_space) {
    struct fixture f;
    fx_init(&f, 8, 128);
    struct log lg = {0};
    struct udn_tile_hooks hk = {.sent = lg_sent, .ctx = &lg};
    udn_set_hooks(f.u, 3, &hk);
    uint64_t w[100];
    for (int i = 0; i < 100; i++) w[i] = (uint64_t)i * 7;
    cr_assert_eq(udn_send(f.u, 3, 20, 0, w, 100), UDN_STALLED);
    cr_assert(udn_stalled(f.u, 3));
    cr_assert_eq(udn_credits(f.u, 3), 0);
    cr_assert_eq(udn_send(f.u, 3, 20, 0, w, 1), UDN_EBUSY);
    cr_assert(strstr(udn_error(f.u), "stalled"));
    sim_engine_run_until(f.e, SIM_TIME_MAX);
    cr_assert_eq(lg.sent, 1);
    cr_assert_not(udn_stalled(f.u, 3));
    /* 101 words leave at one per cycle from cycle 1; the last is written when the
     * 93rd leaves (8 slots), i.e. at cycle 93 */
    cr_assert_eq(lg.sent_cycle, 93);
    uint64_t out[100];
    cr_assert_eq(udn_recv_pop(f.u, 20, 0, out, 100), 100);
    cr_assert_arr_eq(out, w, sizeof w);
    fx_fini(&f);
}

Test(noc_udn, full_demux_queue_backpressures_and_resumes) {
    struct fixture f;
    fx_init(&f, 32, 4);
    uint64_t w[20];
    for (int i = 0; i < 20; i++) w[i] = (uint64_t)i;
    cr_assert_eq(udn_send(f.u, 0, 1, 1, w, 20), UDN_SENT);
    sim_engine_run_until(f.e, SIM_TIME_MAX);
    /* only 4 words fit; the rest wait in the mesh, nothing is lost */
    cr_assert_eq(udn_recv_count(f.u, 1, 1), 4);
    cr_assert_gt(noc_mesh_load(f.m), 0);
    uint64_t out[20];
    size_t got = 0;
    for (int round = 0; round < 50 && got < 20; round++) {
        long k = udn_recv_pop(f.u, 1, 1, out + got, 20 - got);
        cr_assert_geq(k, 0);
        got += (size_t)k;
        sim_engine_run_until(f.e, SIM_TIME_MAX);
    }
    cr_assert_eq(got, 20);
    cr_assert_arr_eq(out, w, sizeof w);
    cr_assert_eq(noc_mesh_load(f.m), 0);
    fx_fini(&f);
}

Test(noc_udn, bad_calls_are_clear_errors) {
    struct fixture f;
    fx_init(&f, 32, 32);
    uint64_t w[200] = {0};
    cr_assert_eq(udn_send(f.u, 0, 36, 0, w, 1), UDN_EINVAL);
    cr_assert_str_eq(udn_error(f.u), "udn_send: destination tile 36 outside the 6x6 mesh (0..35)");
    cr_assert_eq(udn_send(f.u, 0, 1, 0, w, 127), UDN_EINVAL);
    cr_assert_str_eq(udn_error(f.u),
                     "udn_send: message of 127 words; a message has 1..126 data words");
    cr_assert_eq(udn_send(f.u, 0, 1, 4, w, 1), UDN_EINVAL);
    cr_assert_str_eq(udn_error(f.u), "udn_send: demux queue 4 out of range (0..3)");
    cr_assert_eq(udn_send(f.u, 40, 1, 0, w, 1), UDN_EINVAL);
    cr_assert(strstr(udn_error(f.u), "udn_send: tile 40 outside"));
    cr_assert_eq(udn_recv_pop(f.u, 0, 9, w, 1), -1);
    cr_assert_str_eq(udn_error(f.u), "udn_recv_pop: demux queue 9 out of range (0..3)");
    cr_assert_eq(udn_recv_count(f.u, 0, 4), -1);
    cr_assert_eq(udn_credits(f.u, 99), -1);
    cr_assert_eq(udn_send(f.u, 0, 1, 0, w, 126), UDN_STALLED); /* the maximum is fine */
    cr_assert_eq(noc_mesh_counters(f.m)->packets_injected, 1);
    sim_engine_run_until(f.e, SIM_TIME_MAX);
    fx_fini(&f);
}

/* ---------------------------------------------------------------- C16 */

static void md_cfg(struct noc_config *c, int mode) {
    memset(c, 0, sizeof *c);
    cfg_defaults(&noc_config_section, c);
    c->msgdep.mode = mode;
    c->msgdep.message_words = 16;
    c->msgdep.messages = 64;
    c->deadlock.window_cycles = 2000;
}

Test(noc_udn, msgdep_stalling_sends_deadlock_and_are_reported) {
    struct noc_config c;
    md_cfg(&c, NOC_MSGDEP_STALL);
    struct sim_engine *e = sim_engine_create();
    struct noc_msgdep_result r;
    char err[256];
    char *buf = NULL;
    size_t len = 0;
    FILE *js = open_memstream(&buf, &len);
    struct json_writer w;
    json_init(&w, js);
    json_object_begin(&w);
    int rc = noc_msgdep_simulate(e, &c, &r, &w, NULL, err, sizeof err);
    json_object_end(&w);
    fclose(js);
    cr_assert_eq(rc, TSR_EXIT_DEADLOCK);
    cr_assert(r.deadlocked && !r.completed);
    cr_assert_lt(r.words_received, r.words_sent);
    /* the cycle runs through stalled senders (at least the two of a pair) */
    cr_assert_geq(r.cycle_stalled_tiles, 2);
    cr_assert_geq(r.cycle_nodes, 4);
    cr_assert(strstr(buf, "\"deadlock\""));
    cr_assert(strstr(buf, "stalled in udn_send"), "%s", buf);
    cr_assert(strstr(buf, "\"kind\": \"eject\""));
    free(buf);
    sim_engine_destroy(e);
    cfg_release(&noc_config_section, &c);
}

Test(noc_udn, msgdep_credit_checked_sends_complete) {
    struct noc_config c;
    md_cfg(&c, NOC_MSGDEP_CREDIT);
    struct sim_engine *e = sim_engine_create();
    struct noc_msgdep_result r;
    char err[256];
    cr_assert_eq(noc_msgdep_simulate(e, &c, &r, NULL, NULL, err, sizeof err), TSR_EXIT_OK, "%s",
                 err);
    cr_assert(r.completed && !r.deadlocked);
    cr_assert_eq(r.words_sent, 36 * 64 * 16);
    cr_assert_eq(r.words_received, r.words_sent);
    cr_assert_eq(r.stalls, 0);
    cr_assert_gt(r.max_memory_queue, 0);
    sim_engine_destroy(e);
    cfg_release(&noc_config_section, &c);
}

/* Stalling sends whose traffic fits in the buffers complete: the deadlock
 * needs the dependency, not just stalling. */
Test(noc_udn, msgdep_small_burst_completes_even_when_stalling) {
    struct noc_config c;
    md_cfg(&c, NOC_MSGDEP_STALL);
    c.msgdep.messages = 1;
    c.msgdep.message_words = 8;
    struct sim_engine *e = sim_engine_create();
    struct noc_msgdep_result r;
    char err[256];
    cr_assert_eq(noc_msgdep_simulate(e, &c, &r, NULL, NULL, err, sizeof err), TSR_EXIT_OK, "%s",
                 err);
    cr_assert_eq(r.words_received, 36 * 8);
    sim_engine_destroy(e);
    cfg_release(&noc_config_section, &c);
}
