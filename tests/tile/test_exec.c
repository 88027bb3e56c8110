/* tests/tile/test_exec.c: the tile execution model: handlers at input time,
 * busy until start + cost, actions time-stamped, poll cost, stalling sends,
 * credit-checked sends, timers, spin locks, profile output, determinism. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/calib/calib.h"
#include "sim/kernel/clock.h"
#include "sim/kernel/json.h"
#include "sim/tile/cov.h"
#include "tile_test_util.h"

/* Test programs are plain (uninstrumented) C calling the runtime; the work
 * whose cost is measured is calib_loop (instrumented). Their state lives in
 * the shared region. */
struct prog {
    unsigned peer;
    uint64_t loop;         /* calib_loop iterations before acting */
    uint64_t sends;        /* messages to send */
    uint64_t send_at[128]; /* tile_now() at each send */
    uint64_t start[64];    /* handler start times */
    uint64_t cycles_at_send;
    unsigned nstart;
    uint64_t words;
    int rc[128];
    struct tile_lock *lock;
    uint64_t lock_at, unlock_at;
};

static struct prog *prog_new(struct chip *c) {
    struct prog *p = mem_alloc(chip_shared_region(c), sizeof *p);
    cr_assert_not_null(p);
    memset(p, 0, sizeof *p);
    return p;
}

static void sender_main(struct tile *t, void *arg) {
    struct prog *p = arg;
    calib_loop(p->loop, 1);
    p->cycles_at_send = tile_handler_cycles(t);
    for (uint64_t i = 0; i < p->sends; i++) {
        uint64_t w = i;
        p->send_at[i] = tile_now(t);
        p->rc[i] = tile_udn_send(t, p->peer, 0, &w, 1);
    }
}

static void on_msg(struct tile *t, void *arg) {
    struct prog *p = arg;
    if (p->nstart < 64) p->start[p->nstart++] = tile_now(t);
    uint64_t w[8];
    p->words += tile_udn_recv(t, 0, w, 1);
    calib_loop(p->loop, 2);
}

static void receiver_main(struct tile *t, void *arg) { tile_on_udn(t, 0, on_msg, arg); }

static void no_slow(struct cov_ctx *c, uintptr_t a, unsigned size, unsigned kind, uintptr_t pc) {
    (void)c, (void)a, (void)size, (void)kind, (void)pc;
}
static void no_limit(struct cov_ctx *c, uintptr_t pc) {
    (void)pc;
    c->instr_limit = UINT64_MAX;
}

/* The instructions charged per iteration of calib_loop (the difference of
 * two runs, so the entry and exit blocks cancel). */
static double loop_charge_per_iteration(void) {
    struct cov_ctx c;
    cov_ctx_init(&c, NULL, no_slow, no_limit);
    cov_set_current(&c);
    calib_loop(1000, 7);
    uint64_t i1 = c.instr;
    calib_loop(2000, 7);
    uint64_t i2 = c.instr - i1;
    cov_set_current(NULL);
    return (double)(i2 - i1) / COV_INSTR_ONE / 1000.0;
}

Test(tile_exec, handler_runs_at_arrival_and_actions_are_time_stamped) {
    struct chip_config cfg;
    tt_defaults(&cfg);
    struct sim_engine *e = sim_engine_create();
    struct chip_mesh *m;
    struct chip *c = tt_mesh_chip(&cfg, e, &m);
    struct prog *a = prog_new(c), *b = prog_new(c);
    a->peer = 9; /* (3,1): 3 hops from tile 1 (1,0) */
    a->loop = 1000;
    a->sends = 2;
    b->loop = 5000;
    char err[200];
    cr_assert_eq(chip_tile_start(c, 9, TILE_ROLE_APP, 0, receiver_main, b, err, sizeof err), 0);
    cr_assert_eq(chip_tile_start(c, 1, TILE_ROLE_APP, 0, sender_main, a, err, sizeof err), 0);
    sim_engine_run_until(e, SIM_TIME_MAX);
    struct sim_clock clk;
    sim_clock_init(&clk, cfg.core_freq_hz);
    /* the send happens after the loop's cycles, not at the handler's start */
    cr_assert_gt(a->cycles_at_send, 1000 * 7 * cfg.cpi, "%llu",
                 (unsigned long long)a->cycles_at_send);
    cr_assert_eq(a->send_at[0], sim_clock_cycles_to_ps(&clk, a->cycles_at_send),
                 "time = start (0) + cycles consumed");
    /* injected after its word (1 cycle), arrives 2 + 3 hops + 1 word cycles later */
    uint64_t send_cyc = sim_clock_cycle_at_or_after(&clk, a->send_at[0]) + 1;
    cr_assert_eq(b->start[0], sim_clock_cycles_to_ps(&clk, send_cyc + 2 + 3 + 1));
    cr_assert_eq(b->nstart, 2);
    cr_assert_eq(b->words, 2);
    /* the second message waited for the first handler: busy until start + cost + poll */
    const struct tile_prof *pb = chip_tile_prof(c, 9);
    cr_assert_eq(pb->handlers, 3); /* main + 2 */
    uint64_t cyc0 = sim_clock_cycle_at_or_after(&clk, b->start[0]);
    uint64_t cyc1 = sim_clock_cycle_at_or_after(&clk, b->start[1]);
    /* calib_loop's charge per iteration (13.2 instructions scaled to the
     * native build by source line; tile_cov checks it against objdump) */
    double per_iter = loop_charge_per_iteration();
    cr_assert_gt(cyc1 - cyc0, 5000 * per_iter * cfg.cpi,
                 "second handler after the first one's cost");
    cr_assert_lt(cyc1 - cyc0, 5000 * per_iter * cfg.cpi + 200);
    chip_mesh_destroy(m);
    sim_engine_destroy(e);
}

Test(tile_exec, poll_cost_is_charged_per_handler) {
    struct chip_config cfg;
    tt_defaults(&cfg);
    cfg.tile.poll_cycles = 1000;
    struct sim_engine *e = sim_engine_create();
    struct chip_mesh *m;
    struct chip *c = tt_mesh_chip(&cfg, e, &m);
    struct prog *a = prog_new(c), *b = prog_new(c);
    a->peer = 2;
    a->sends = 3;
    char err[200];
    chip_tile_start(c, 2, TILE_ROLE_APP, 0, receiver_main, b, err, sizeof err);
    chip_tile_start(c, 1, TILE_ROLE_APP, 0, sender_main, a, err, sizeof err);
    sim_engine_run_until(e, SIM_TIME_MAX);
    cr_assert_eq(b->nstart, 3);
    struct sim_clock clk;
    sim_clock_init(&clk, cfg.core_freq_hz);
    /* messages arrive 1 cycle apart; each handler is >= 1000 poll cycles */
    for (int i = 1; i < 3; i++) {
        uint64_t d = sim_clock_cycle_at_or_after(&clk, b->start[i]) -
                     sim_clock_cycle_at_or_after(&clk, b->start[i - 1]);
        cr_assert_geq(d, 1000);
        cr_assert_lt(d, 1100);
    }
    chip_mesh_destroy(m);
    sim_engine_destroy(e);
}

/* ---- stalling sends ---- */

static void late_drain(struct tile *t, void *arg) { tile_on_udn(t, 0, on_msg, arg); }
static void lazy_receiver_main(struct tile *t, void *arg) {
    /* registers its handler only after 1 us: the queue fills meanwhile */
    tile_timer_arm(t, SIM_US(1), late_drain, arg);
}
static void poke(struct tile *t, void *arg) {
    struct prog *p = arg;
    if (p->nstart < 64) p->start[p->nstart++] = tile_now(t);
    uint64_t w;
    tile_udn_recv(t, 1, &w, 1);
}

Test(tile_exec, full_send_stalls_the_tile_until_injected) {
    struct chip_config cfg;
    tt_defaults(&cfg);
    struct sim_engine *e = sim_engine_create();
    struct chip_mesh *m;
    struct chip *c = tt_mesh_chip(&cfg, e, &m); /* demux queues of 32 words */
    struct prog *a = prog_new(c), *b = prog_new(c), *d = prog_new(c);
    a->peer = 3;
    a->sends =
        100; /* 200 flits: more than the demux queue, the path and the injection buffer hold */
    char err[200];
    chip_tile_start(c, 3, TILE_ROLE_APP, 0, lazy_receiver_main, b, err, sizeof err);
    chip_tile_start(c, 1, TILE_ROLE_APP, 0, sender_main, a, err, sizeof err);
    sim_engine_run_until(e, SIM_NS(200));
    /* while stalled, tile 1 gets a message on queue 1 and must not run it */
    tile_on_udn(chip_tile(c, 1), 1, poke, d);
    tt_udn_inject(m, 2, 1, 1, 9);
    sim_engine_run_until(e, SIM_TIME_MAX);
    cr_assert_eq(b->words, 100, "every message arrived");
    for (int i = 0; i < 100; i++) cr_assert_eq(a->rc[i], 0);
    cr_assert_eq(d->nstart, 1);
    cr_assert_geq(d->start[0], SIM_US(1), "input waited for the stall to end");
    const struct tile_prof *pa = chip_tile_prof(c, 1);
    struct sim_clock clk;
    sim_clock_init(&clk, cfg.core_freq_hz);
    cr_assert_gt(pa->cycles[TILE_LABEL_STALL], sim_clock_ps_to_cycles(&clk, SIM_US(1)) * 9 / 10,
                 "stall cycles %llu", (unsigned long long)pa->cycles[TILE_LABEL_STALL]);
    chip_mesh_destroy(m);
    sim_engine_destroy(e);
}

static void try_main(struct tile *t, void *arg) {
    struct prog *p = arg;
    uint64_t w[4] = {1, 2, 3, 4};
    p->rc[0] = (int)tile_udn_credits(t, p->peer, 0);
    /* try until the network refuses: the credits are the local injection
     * buffer's, which drains into the mesh until the receiver's queue and
     * the path are full */
    p->sends = 0;
    int got;
    while ((got = tile_udn_try_send(t, p->peer, 0, w, 4)) == 1 && p->sends < 100) p->sends++;
    p->rc[1] = got;
    p->rc[2] = (int)tile_udn_credits(t, p->peer, 0);
    p->rc[3] = tile_udn_try_send(t, 99, 0, w, 4);
    p->rc[4] = tile_udn_send(t, p->peer, 7, w, 4);
    p->rc[5] = tile_udn_send(t, p->peer, 0, w, 0);
}

Test(tile_exec, credit_checked_send_fails_instead_of_stalling) {
    struct chip_config cfg;
    tt_defaults(&cfg);
    struct sim_engine *e = sim_engine_create();
    struct chip_mesh *m;
    struct chip *c = tt_mesh_chip(&cfg, e, &m);
    struct prog *a = prog_new(c);
    a->peer = 5; /* has no handler: its demux queue fills and the mesh backs up */
    char err[200];
    chip_tile_start(c, 0, TILE_ROLE_APP, 0, try_main, a, err, sizeof err);
    sim_engine_run_until(e, SIM_TIME_MAX);
    /* the credit register: the injection buffer's 32 words less the header */
    cr_assert_eq(a->rc[0], 31);
    cr_assert_eq(a->rc[1], 0, "a send was refused at last");
    cr_assert_lt(a->rc[2], 4, "refused because the credits were short");
    cr_assert_gt(a->sends * 4, 32, "more was taken than the receiver's queue holds: %llu",
                 (unsigned long long)a->sends);
    cr_assert_eq(a->rc[3], -1, "bad tile");
    cr_assert_eq(a->rc[4], -1, "bad queue");
    cr_assert_eq(a->rc[5], -1, "empty message");
    cr_assert_eq(chip_tile_prof(c, 0)->cycles[TILE_LABEL_STALL], 0, "a checked send never stalls");
    cr_assert_eq(tile_udn_avail(chip_tile(c, 5), 0), 32, "the receiver's queue is full");
    chip_mesh_destroy(m);
    sim_engine_destroy(e);
}

/* ---- timers ---- */

static void tick(struct tile *t, void *arg) {
    struct prog *p = arg;
    p->start[p->nstart++] = tile_now(t);
}
static void timer_main(struct tile *t, void *arg) {
    struct prog *p = arg;
    tile_timer_arm(t, SIM_US(2), tick, p);
    tile_timer_id x = tile_timer_arm(t, SIM_US(1), tick, p);
    tile_timer_arm(t, SIM_US(3), tick, p);
    p->rc[0] = tile_timer_cancel(t, x);
    p->rc[1] = tile_timer_cancel(t, x);
    p->send_at[0] = tile_now(t);
}

Test(tile_exec, timers_fire_after_their_delay_and_cancel) {
    struct chip_config cfg;
    tt_defaults(&cfg);
    struct sim_engine *e = sim_engine_create();
    struct chip_mesh *m;
    struct chip *c = tt_mesh_chip(&cfg, e, &m);
    struct prog *p = prog_new(c);
    char err[200];
    chip_tile_start(c, 0, TILE_ROLE_APP, 0, timer_main, p, err, sizeof err);
    sim_engine_run_until(e, SIM_TIME_MAX);
    cr_assert_eq(p->rc[0], 1);
    cr_assert_eq(p->rc[1], 0);
    cr_assert_eq(p->nstart, 2);
    cr_assert_geq(p->start[0], SIM_US(2));
    cr_assert_lt(p->start[0], SIM_US(2) + SIM_NS(100));
    cr_assert_geq(p->start[1], SIM_US(3));
    chip_mesh_destroy(m);
    sim_engine_destroy(e);
}

/* ---- spin locks ---- */

static void locker_main(struct tile *t, void *arg) {
    struct prog *p = arg;
    tile_lock_acquire(t, p->lock);
    p->lock_at = tile_now(t);
    calib_loop(p->loop, 3);
    p->unlock_at = tile_now(t);
    tile_lock_release(t, p->lock);
}

Test(tile_exec, contended_lock_waits_for_release_labelled_lock) {
    struct chip_config cfg;
    tt_defaults(&cfg);
    struct sim_engine *e = sim_engine_create();
    struct chip_mesh *m;
    struct chip *c = tt_mesh_chip(&cfg, e, &m);
    struct tile_lock *l = mem_alloc(chip_shared_region(c), sizeof *l);
    tile_lock_init(NULL, l);
    struct prog *a = prog_new(c), *b = prog_new(c);
    a->lock = b->lock = l;
    a->loop = 2000;
    b->loop = 10;
    char err[200];
    chip_tile_start(c, 0, TILE_ROLE_APP, 0, locker_main, a, err, sizeof err);
    chip_tile_start(c, 35, TILE_ROLE_APP, 0, locker_main, b, err, sizeof err);
    sim_engine_run_until(e, SIM_TIME_MAX);
    cr_assert_geq(b->lock_at, a->unlock_at, "tile 35 got the lock after tile 0 released it");
    cr_assert_eq(l->acquisitions, 2);
    cr_assert_eq(l->contended, 1);
    const struct tile_prof *pb = chip_tile_prof(c, 35);
    struct sim_clock clk;
    sim_clock_init(&clk, cfg.core_freq_hz);
    uint64_t held = sim_clock_ps_to_cycles(&clk, a->unlock_at - a->lock_at);
    cr_assert_geq(pb->cycles[TILE_LABEL_LOCK], held, "lock wait %llu >= held %llu",
                  (unsigned long long)pb->cycles[TILE_LABEL_LOCK], (unsigned long long)held);
    /* the lock word came from tile 0's cache across the mesh */
    cr_assert_gt(pb->mem_cycles, 2 * 10);
    cr_assert_eq(l->word, 0);
    chip_mesh_destroy(m);
    sim_engine_destroy(e);
}

/* ---- profile ---- */

static void labelled_main(struct tile *t, void *arg) {
    (void)arg;
    calib_loop(1000, 1);
    enum tile_label prev = tile_label_set(t, TILE_LABEL_DRIVER);
    calib_loop(3000, 1);
    tile_label_set(t, prev);
    cr_assert_eq(tile_label_set(t, TILE_LABEL_LOCK), TILE_LABEL_APP, "runtime labels are refused");
}

Test(tile_exec, profile_splits_cycles_by_label_and_is_written) {
    struct chip_config cfg;
    tt_defaults(&cfg);
    struct sim_engine *e = sim_engine_create();
    struct chip_mesh *m;
    struct chip *c = tt_mesh_chip(&cfg, e, &m);
    char err[200];
    chip_tile_start(c, 7, TILE_ROLE_APP, 0, labelled_main, NULL, err, sizeof err);
    sim_engine_run_until(e, SIM_TIME_MAX);
    chip_finish(c, SIM_US(100));
    const struct tile_prof *p = chip_tile_prof(c, 7);
    double ratio = (double)p->cycles[TILE_LABEL_DRIVER] /
                   (double)(p->cycles[TILE_LABEL_APP] - cfg.tile.poll_cycles);
    cr_assert(ratio > 2.7 && ratio < 3.3, "driver/app = %.2f", ratio);
    uint64_t sum = 0;
    for (int l = 0; l < TILE_LABEL_COUNT; l++) sum += p->cycles[l];
    cr_assert_eq(sum, 120000, "labels add up to 100 us of 1.2 GHz cycles");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct json_writer w;
    json_init(&w, f);
    chip_write_stats(c, &w);
    fclose(f);
    cr_assert(strstr(buf, "\"driver\"") && strstr(buf, "\"idle\"") && strstr(buf, "\"l3_hits\""));
    free(buf);
    char path[] = "/tmp/tessera_tile_profile_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    cr_assert_eq(chip_write_profile_csv(c, path), 0);
    FILE *in = fopen(path, "r");
    char line[200];
    int rows = 0, found = 0;
    while (fgets(line, sizeof line, in)) {
        rows++;
        if (!strncmp(line, "7,app,driver,", 13)) found = 1;
    }
    fclose(in);
    unlink(path);
    cr_assert_eq(rows, 1 + 36 * TILE_LABEL_COUNT);
    cr_assert(found);
    chip_mesh_destroy(m);
    sim_engine_destroy(e);
}

/* ---- determinism ---- */

static char *pingpong_stats(void) {
    struct chip_config cfg;
    tt_defaults(&cfg);
    struct sim_engine *e = sim_engine_create();
    struct chip_mesh *m;
    struct chip *c = tt_mesh_chip(&cfg, e, &m);
    struct mem_region *line = chip_region_create(c, MEM_SHARED, "counter", 64, -1, -1);
    struct calib_pingpong *a = mem_alloc(chip_private_region(c, 4), sizeof *a);
    struct calib_pingpong *b = mem_alloc(chip_private_region(c, 30), sizeof *b);
    *a = (struct calib_pingpong){
        .counter = (uint64_t *)line->host, .peer = 30, .rounds = 50, .starter = 1};
    *b = (struct calib_pingpong){.counter = (uint64_t *)line->host, .peer = 4, .rounds = 50};
    char err[200];
    chip_tile_start(c, 4, TILE_ROLE_APP, 0, calib_pingpong_main, a, err, sizeof err);
    chip_tile_start(c, 30, TILE_ROLE_APP, 0, calib_pingpong_main, b, err, sizeof err);
    sim_engine_run_until(e, SIM_TIME_MAX);
    chip_finish(c, sim_engine_now(e));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct json_writer w;
    json_init(&w, f);
    chip_write_stats(c, &w);
    fprintf(f, " end=%llu", (unsigned long long)sim_engine_now(e));
    fclose(f);
    chip_mesh_destroy(m);
    sim_engine_destroy(e);
    return buf;
}

Test(tile_exec, same_run_gives_identical_results) {
    char *x = pingpong_stats();
    /* perturb the host heap between the runs */
    void *junk = malloc(12345);
    char *y = pingpong_stats();
    free(junk);
    cr_assert_str_eq(x, y);
    free(x);
    free(y);
}

/* A hash-table descriptor in region pr for `cap` slots (half of them to be
 * filled) over keys and vals: the ones given (a shared table), or new
 * zeroed ones in pr when keys is NULL. */
static struct calib_hashtab *table_in(struct mem_region *pr, uint64_t cap, uint64_t *keys,
                                      uint64_t *vals, uint64_t seed, uint64_t lookups) {
    struct calib_hashtab *h = mem_alloc(pr, sizeof *h);
    cr_assert_not_null(h);
    memset(h, 0, sizeof *h);
    h->capacity = cap;
    h->entries = cap / 2;
    if (!keys) {
        keys = mem_alloc(pr, cap * 8);
        vals = mem_alloc(pr, cap * 8);
        cr_assert(keys && vals);
        memset(keys, 0, cap * 8);
    }
    h->keys = keys;
    h->vals = vals;
    h->seed = seed;
    h->lookups = lookups;
    return h;
}

/* ---- per-function profile (sampled) ---- */

static void two_functions(struct tile *t, void *arg) {
    (void)t;
    struct calib_hashtab *h = arg;
    calib_loop(30000, 1); /* ~390k instructions */
    calib_hashtab_lookups(h);
}

Test(tile_exec, function_profile_samples_the_running_function) {
    struct chip_config cfg;
    tt_defaults(&cfg);
    struct sim_engine *e = sim_engine_create();
    struct chip_mesh *m;
    struct chip *c = tt_mesh_chip(&cfg, e, &m);
    struct calib_hashtab *h = table_in(chip_private_region(c, 2), 1024, NULL, NULL, 5, 20000);
    calib_hashtab_fill_native(h);
    char err[200];
    chip_tile_start(c, 2, TILE_ROLE_APP, 0, two_functions, h, err, sizeof err);
    sim_engine_run_until(e, SIM_TIME_MAX);
    char path[] = "/tmp/tessera_tile_fn_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    cr_assert_eq(chip_write_function_csv(c, path), 0);
    FILE *in = fopen(path, "r");
    char line[256];
    uint64_t loop = 0, look = 0, total = 0;
    while (fgets(line, sizeof line, in)) {
        char *comma = strrchr(line, ',');
        if (!comma || line[0] == 't') continue;
        uint64_t v = strtoull(comma + 1, NULL, 10);
        total += v;
        if (strstr(line, ",calib_loop,")) loop = v;
        if (strstr(line, ",calib_hashtab_lookups,")) look = v;
    }
    fclose(in);
    unlink(path);
    const struct tile_prof *p = chip_tile_prof(c, 2);
    /* 30000 iterations of 13 charged instructions */
    cr_assert(loop > 370000 && loop < 410000, "calib_loop sampled %llu", (unsigned long long)loop);
    cr_assert_gt(look, 0);
    cr_assert(total <= p->instr && total + 1000 > p->instr, "samples %llu of %llu instructions",
              (unsigned long long)total, (unsigned long long)p->instr);
    chip_mesh_destroy(m);
    sim_engine_destroy(e);
}

/* ---- every access is counted once ---- */

static void fill_then_look(struct tile *t, void *arg) {
    (void)t;
    struct calib_hashtab *h = arg;
    calib_hashtab_fill(h); /* (instrumented: stores, shared lines written by several tiles) */
    calib_hashtab_lookups(h);
}

/* Whatever path an access takes (a repeat of the last line, an L1 hit in
 * the hook, a translated miss, a region lookup), it is counted at exactly
 * one level: L1 + L2 + L3 + DRAM = loads + stores. Tiles alternate between
 * their private descriptor and a table, shared by half of them. */
Test(tile_exec, every_access_is_counted_at_one_cache_level) {
    struct chip_config cfg;
    tt_defaults(&cfg);
    struct sim_engine *e = sim_engine_create();
    struct chip_mesh *m;
    struct chip *c = tt_mesh_chip(&cfg, e, &m);
    const uint64_t cap = 4096;
    struct mem_region *table = chip_region_create(c, MEM_SHARED, "table", 2 * cap * 8, -1, -1);
    cr_assert_not_null(table);
    char err[200];
    for (unsigned t = 0; t < 8; t++) {
        uint64_t *shared = t % 2 == 0 ? (uint64_t *)table->host : NULL;
        struct calib_hashtab *h = table_in(chip_private_region(c, t * 4), cap, shared,
                                           shared ? shared + cap : NULL, 77, 5000);
        cr_assert_eq(
            chip_tile_start(c, t * 4, TILE_ROLE_APP, 0, fill_then_look, h, err, sizeof err), 0,
            "%s", err);
    }
    sim_engine_run_until(e, SIM_TIME_MAX);
    const struct tile_fault *f;
    cr_assert_eq(chip_faults(c, &f), 0, "a fault: %s", chip_faults(c, &f) ? f[0].what : "");
    uint64_t writes_to_home = 0;
    for (unsigned t = 0; t < 8; t++) {
        const struct tile_prof *p = chip_tile_prof(c, t * 4);
        const struct cache_tile_stats *cs = &chip_caches(c)->st[t * 4];
        uint64_t levels = cs->l1_hits + cs->l2_hits + cs->l3_hits + cs->dram;
        cr_assert_gt(p->stores, cap / 2, "tile %u stored %llu times", t * 4,
                     (unsigned long long)p->stores);
        cr_assert_eq(levels, p->loads + p->stores,
                     "tile %u: %llu accesses counted at the levels, %llu loads + stores", t * 4,
                     (unsigned long long)levels, (unsigned long long)(p->loads + p->stores));
        writes_to_home += cs->inval_sent;
    }
    cr_assert_gt(writes_to_home, 0, "the shared table's writers invalidated each other");
    chip_mesh_destroy(m);
    sim_engine_destroy(e);
}

/* ---- a plugged-in network (a small test double of the NoC's UDN) ---- */

#define FN_BUF 8
struct fword {
    unsigned dst, queue;
    uint64_t w;
};
struct fakenet {
    struct chip *chip;
    struct sim_engine *e;
    struct fword buf[36][FN_BUF];
    unsigned bh[36], bl[36];
    struct fword pend[36][TILE_UDN_MAX_WORDS];
    unsigned ph[36], pl[36];
    uint64_t q[36][TILE_UDN_QUEUES][512];
    unsigned qh[36][TILE_UDN_QUEUES], ql[36][TILE_UDN_QUEUES];
    bool draining[36];
    uint64_t sent_calls, stalls;
};

static void fn_drain(void *ctx, void *arg) {
    struct fakenet *f = ctx;
    unsigned s = (unsigned)(uintptr_t)arg;
    sim_time_t now = sim_engine_now(f->e);
    struct fword x = f->buf[s][f->bh[s]];
    f->bh[s] = (f->bh[s] + 1) % FN_BUF;
    f->bl[s]--;
    f->q[x.dst][x.queue][(f->qh[x.dst][x.queue] + f->ql[x.dst][x.queue]++) % 512] = x.w;
    chip_udn_arrived(f->chip, x.dst, now);
    if (f->pl[s] > f->ph[s]) {
        f->buf[s][(f->bh[s] + f->bl[s]++) % FN_BUF] = f->pend[s][f->ph[s]++];
        if (f->ph[s] == f->pl[s]) {
            f->ph[s] = f->pl[s] = 0;
            chip_udn_sent(f->chip, s, now);
        }
    }
    if (f->bl[s])
        sim_engine_schedule_in(f->e, SIM_NS(10), fn_drain, f, arg);
    else
        f->draining[s] = false;
}

static int fn_send(void *net, unsigned src, unsigned dst, unsigned queue, const uint64_t *w,
                   size_t n) {
    struct fakenet *f = net;
    f->sent_calls++;
    if (f->pl[src]) return TILE_NET_FULL;
    for (size_t i = 0; i < n; i++) {
        struct fword x = {dst, queue, w[i]};
        if (f->bl[src] < FN_BUF)
            f->buf[src][(f->bh[src] + f->bl[src]++) % FN_BUF] = x;
        else
            f->pend[src][f->pl[src]++] = x;
    }
    if (!f->draining[src]) {
        f->draining[src] = true;
        sim_engine_schedule_in(f->e, SIM_NS(10), fn_drain, f, (void *)(uintptr_t)src);
    }
    if (f->pl[src]) f->stalls++;
    return f->pl[src] ? TILE_NET_STALLED : TILE_NET_SENT;
}
static uint64_t fn_credits(void *net, unsigned src, unsigned dst, unsigned queue) {
    struct fakenet *f = net;
    (void)dst, (void)queue;
    return f->pl[src] ? 0 : FN_BUF - f->bl[src];
}
static size_t fn_avail(void *net, unsigned tile, unsigned queue) {
    struct fakenet *f = net;
    return f->ql[tile][queue];
}
static size_t fn_recv(void *net, unsigned tile, unsigned queue, uint64_t *out, size_t max) {
    struct fakenet *f = net;
    size_t n = 0;
    while (n < max && f->ql[tile][queue]) {
        out[n++] = f->q[tile][queue][f->qh[tile][queue]];
        f->qh[tile][queue] = (f->qh[tile][queue] + 1) % 512;
        f->ql[tile][queue]--;
    }
    return n;
}
static const struct tile_net_ops fn_ops = {fn_send, fn_credits, fn_avail, fn_recv};

static void burst_main(struct tile *t, void *arg) {
    struct prog *p = arg;
    tile_on_udn(t, 1, poke, p);
    uint64_t w[4];
    for (uint64_t m = 0; m < 6; m++) {
        for (int i = 0; i < 4; i++) w[i] = m * 4 + (uint64_t)i;
        p->rc[m] = tile_udn_send(t, p->peer, 0, w, 4);
    }
    p->send_at[0] = tile_now(t);
}
static void collect(struct tile *t, void *arg) {
    struct prog *p = arg;
    uint64_t w;
    while (tile_udn_recv(t, 0, &w, 1) == 1) {
        if (w != p->words) p->rc[0] = -99; /* out of order */
        p->words++;
    }
}
static void collect_main(struct tile *t, void *arg) { tile_on_udn(t, 0, collect, arg); }
static void poke_sender(struct tile *t, void *arg) {
    struct prog *p = arg;
    uint64_t w = 7;
    tile_udn_send(t, p->peer, 1, &w, 1);
}

Test(tile_exec, plugged_network_carries_messages_and_stalls_the_sender) {
    struct chip_config cfg;
    tt_defaults(&cfg);
    struct sim_engine *e = sim_engine_create();
    struct chip_mesh *m;
    struct chip *c = tt_mesh_chip(&cfg, e, &m);
    struct fakenet *f = calloc(1, sizeof *f);
    f->chip = c;
    f->e = e;
    chip_set_net(c, &fn_ops, f);
    struct prog *a = prog_new(c), *b = prog_new(c), *d = prog_new(c);
    a->peer = 2;
    d->peer = 1;
    char err[200];
    chip_tile_start(c, 2, TILE_ROLE_APP, 0, collect_main, b, err, sizeof err);
    chip_tile_start(c, 1, TILE_ROLE_APP, 0, burst_main, a, err, sizeof err);
    chip_tile_start(c, 3, TILE_ROLE_APP, 0, poke_sender, d, err, sizeof err);
    sim_engine_run_until(e, SIM_TIME_MAX);
    cr_assert_eq(b->words, 24, "all words arrived (%llu)", (unsigned long long)b->words);
    cr_assert_eq(b->rc[0], 0, "in order");
    cr_assert_geq(f->stalls, 1);
    const struct tile_prof *pa = chip_tile_prof(c, 1);
    /* 24 words through an 8-word buffer draining 1 word per 10 ns: stalled ~150 ns */
    cr_assert_gt(pa->cycles[TILE_LABEL_STALL], 100 * 1.2, "stall %llu cycles",
                 (unsigned long long)pa->cycles[TILE_LABEL_STALL]);
    cr_assert_eq(a->nstart, 1, "the poke ran");
    cr_assert_geq(a->start[0], SIM_NS(100), "the poke waited for the stall to end (%llu ps)",
                  (unsigned long long)a->start[0]);
    chip_mesh_destroy(m);
    sim_engine_destroy(e);
    free(f);
}

static void bad_timer_main(struct tile *t, void *arg) {
    struct prog *p = arg;
    p->rc[0] = (int)tile_timer_arm(t, UINT64_MAX, tick, p);
    p->rc[1] = (int)tile_timer_arm(t, 10, NULL, p);
    p->rc[2] = tile_on_udn(t, 4, on_msg, p);
    p->rc[3] = tile_on_ring(t, TILE_RINGS, on_msg, p);
    p->rc[4] = tile_timer_cancel(t, 12345);
}

Test(tile_exec, bad_runtime_calls_fail_cleanly) {
    struct chip_config cfg;
    tt_defaults(&cfg);
    struct sim_engine *e = sim_engine_create();
    struct chip_mesh *m;
    struct chip *c = tt_mesh_chip(&cfg, e, &m);
    struct prog *p = prog_new(c);
    char err[200];
    cr_assert_eq(chip_tile_start(c, 36, TILE_ROLE_APP, 0, bad_timer_main, p, err, sizeof err), -1);
    cr_assert(strstr(err, "outside") != NULL, "%s", err);
    cr_assert_eq(chip_tile_start(c, 0, TILE_ROLE_APP, 0, bad_timer_main, p, err, sizeof err), 0);
    cr_assert_eq(chip_tile_start(c, 0, TILE_ROLE_APP, 0, bad_timer_main, p, err, sizeof err), -1);
    sim_engine_run_until(e, SIM_TIME_MAX);
    for (int i = 0; i < 2; i++) cr_assert_eq(p->rc[i], 0);
    cr_assert_eq(p->rc[2], -1);
    cr_assert_eq(p->rc[3], -1);
    cr_assert_eq(p->rc[4], 0);
    chip_mesh_destroy(m);
    sim_engine_destroy(e);
}
