/* noc/noc_msgdep.c: the message-dependent deadlock example. See noc_msgdep.h. */
#include "noc/noc_msgdep.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "noc/udn.h"
#include "sim/kernel/exp.h"
#include "sim/kernel/json.h"

struct md_tile {
    uint32_t partner;
    uint64_t to_send;  /* messages not yet handed to the UDN */
    uint64_t received; /* data words received */
    uint64_t expect;   /* data words it must receive */
    bool draining;     /* reads its queue (stall mode: once all is sent) */
};

struct md {
    struct sim_engine *engine;
    struct udn *udn;
    struct noc_mesh *mesh;
    int mode;
    uint32_t n;
    uint32_t words; /* data words per message */
    struct md_tile *t;
    uint64_t *buf;
    uint32_t done_tiles;
    struct noc_msgdep_result *res;
    struct noc_deadlock_report dl;
    bool have_dl;
    bool finished;
};

static void md_check_done(struct md *m, uint64_t cycle) {
    if (m->finished || m->done_tiles < m->n) return;
    m->finished = true;
    m->res->completed = true;
    m->res->end_cycle = cycle;
    sim_engine_stop(m->engine);
}

static void md_tile_progress(struct md *m, uint32_t i, uint64_t cycle) {
    struct md_tile *t = &m->t[i];
    bool was_done = t->to_send == 0 && t->received == t->expect;
    if (was_done) return;
    if (t->draining) {
        long k;
        while ((k = udn_recv_pop(m->udn, i, 0, m->buf, 256)) > 0) {
            t->received += (uint64_t)k;
            m->res->words_received += (uint64_t)k;
        }
    }
    while (t->to_send > 0 && !udn_stalled(m->udn, i)) {
        if (m->mode == NOC_MSGDEP_CREDIT && udn_credits(m->udn, i) < (long)m->words + 1) break;
        for (uint32_t k = 0; k < m->words; k++) m->buf[k] = ((uint64_t)i << 32) | t->to_send;
        int rc = udn_send(m->udn, i, t->partner, 0, m->buf, m->words);
        if (rc < 0) {
            fprintf(stderr, "tessera: noc-msgdep: %s\n", udn_error(m->udn));
            abort(); /* arguments are built here from a checked config */
        }
        t->to_send--;
        m->res->words_sent += m->words;
        if (rc == UDN_STALLED) m->res->stalls++;
    }
    if (m->mode == NOC_MSGDEP_CREDIT && t->to_send > m->res->max_memory_queue)
        m->res->max_memory_queue = t->to_send;
    if (t->to_send == 0 && !udn_stalled(m->udn, i) && !t->draining) {
        t->draining = true; /* stall mode: everything sent, now read */
        md_tile_progress(m, i, cycle);
        return;
    }
    if (t->to_send == 0 && t->received == t->expect) {
        m->done_tiles++;
        md_check_done(m, cycle);
    }
}

static void on_sent(void *ctx, uint32_t tile, uint64_t cycle) {
    md_tile_progress(ctx, tile, cycle);
}
static void on_space(void *ctx, uint32_t tile, uint64_t cycle) {
    struct md *m = ctx;
    if (m->mode == NOC_MSGDEP_CREDIT && m->t[tile].to_send) md_tile_progress(m, tile, cycle);
}
static void on_recv(void *ctx, uint32_t tile, unsigned queue, size_t count, uint64_t cycle) {
    struct md *m = ctx;
    (void)queue, (void)count;
    if (m->t[tile].draining) md_tile_progress(m, tile, cycle);
}

static void on_deadlock(void *ctx, const struct noc_deadlock_report *r) {
    struct md *m = ctx;
    m->dl = *r;
    m->dl.nodes = malloc(r->n * sizeof *r->nodes);
    if (m->dl.nodes)
        memcpy(m->dl.nodes, r->nodes, r->n * sizeof *r->nodes);
    else
        m->dl.n = 0;
    m->have_dl = true;
    m->res->deadlocked = true;
    m->res->end_cycle = r->cycle;
    m->res->cycle_nodes = m->dl.n;
    for (size_t i = 0; i < m->dl.n; i++)
        m->res->cycle_stalled_tiles += m->dl.nodes[i].kind == NOC_WAIT_INJECT;
    m->finished = true;
    sim_engine_stop(m->engine);
}

static void start(void *ctx, void *arg) {
    struct md *m = ctx;
    (void)arg;
    for (uint32_t i = 0; i < m->n; i++) {
        m->t[i].draining = m->mode == NOC_MSGDEP_CREDIT;
        md_tile_progress(m, i, noc_mesh_cycle_now(m->mesh));
    }
}

int noc_msgdep_simulate(struct sim_engine *e, const struct noc_config *cfg,
                        struct noc_msgdep_result *res, struct json_writer *w, FILE *log, char *err,
                        size_t errlen) {
    memset(res, 0, sizeof *res);
    const struct noc_msgdep_config *mc = &cfg->msgdep;
    if (mc->mode == NOC_MSGDEP_CREDIT && mc->message_words + 1 > cfg->udn.injection_depth_words) {
        snprintf(err, errlen,
                 "noc.msgdep.message_words: a credit-checked message of %llu + 1 words never fits "
                 "the %llu-word injection buffer (noc.udn.injection_depth_words)",
                 (unsigned long long)mc->message_words,
                 (unsigned long long)cfg->udn.injection_depth_words);
        return TSR_EXIT_BAD_INPUT;
    }
    struct noc_mesh *mesh = noc_mesh_create(e, cfg, err, errlen);
    if (!mesh) return TSR_EXIT_BAD_INPUT;
    struct md m = {.engine = e,
                   .mesh = mesh,
                   .mode = mc->mode,
                   .n = noc_mesh_tiles(mesh),
                   .words = (uint32_t)mc->message_words,
                   .res = res};
    m.udn = udn_create(mesh, &cfg->udn);
    m.t = calloc(m.n, sizeof *m.t);
    m.buf = calloc(256, sizeof *m.buf);
    if (!m.udn || !m.t || !m.buf) {
        snprintf(err, errlen, "out of memory");
        udn_destroy(m.udn);
        free(m.t);
        free(m.buf);
        noc_mesh_destroy(mesh);
        return TSR_EXIT_RUN_FAILED;
    }
    struct udn_tile_hooks hk = {.sent = on_sent, .recv = on_recv, .space = on_space, .ctx = &m};
    for (uint32_t i = 0; i < m.n; i++) {
        m.t[i].partner = m.n - 1 - i;
        bool alone = m.t[i].partner == i; /* the centre of an odd mesh has no partner */
        m.t[i].to_send = alone ? 0 : mc->messages;
        m.t[i].expect = alone ? 0 : mc->messages * mc->message_words;
        m.done_tiles += alone;
        udn_set_hooks(m.udn, i, &hk);
    }
    noc_mesh_set_deadlock_hook(mesh, on_deadlock, &m);
    sim_engine_schedule_in(e, 0, start, &m, NULL);
    while (!m.finished && sim_engine_run_until(e, SIM_TIME_MAX) > 0) {}
    if (!m.finished) res->end_cycle = noc_mesh_cycle_now(mesh);
    int rc = res->completed    ? TSR_EXIT_OK
             : res->deadlocked ? TSR_EXIT_DEADLOCK
                               : TSR_EXIT_RUN_FAILED;
    if (!res->completed && !res->deadlocked)
        snprintf(err, errlen, "noc-msgdep: traffic stopped without completing or a detected cycle");
    if (w) {
        json_kv_string(w, "mode", noc_msgdep_mode_names[mc->mode]);
        json_kv_bool(w, "completed", res->completed);
        json_kv_bool(w, "deadlocked", res->deadlocked);
        json_kv_uint(w, "end_cycle", res->end_cycle);
        json_kv_uint(w, "words_sent", res->words_sent);
        json_kv_uint(w, "words_received", res->words_received);
        json_kv_uint(w, "stalled_sends", res->stalls);
        json_kv_uint(w, "max_messages_queued_in_memory", res->max_memory_queue);
        if (m.have_dl) {
            json_key(w, "deadlock");
            noc_deadlock_report_write_json(&m.dl, w);
        }
    }
    if (m.have_dl && log) noc_deadlock_report_print(&m.dl, log);
    free(m.dl.nodes);
    udn_destroy(m.udn);
    free(m.t);
    free(m.buf);
    noc_mesh_destroy(mesh);
    return rc;
}

int noc_msgdep_run(struct exp_run *run) {
    char err[512] = "";
    struct noc_msgdep_result res;
    int rc = noc_msgdep_simulate(run->engine, exp_run_section(run, "noc"), &res, run->stats, stderr,
                                 err, sizeof err);
    if (rc == TSR_EXIT_DEADLOCK)
        snprintf(run->stop_reason, sizeof run->stop_reason,
                 "noc deadlock at cycle %" PRIu64 ": wait-for cycle of %zu nodes, %zu of them "
                 "stalled senders (stats.deadlock)",
                 res.end_cycle, res.cycle_nodes, res.cycle_stalled_tiles);
    else if (rc != TSR_EXIT_OK) {
        fprintf(stderr, "tessera: %s\n", err);
        snprintf(run->stop_reason, sizeof run->stop_reason, "%s", err);
    }
    return rc;
}

static const char *const noc_msgdep_sections[] = {"noc", NULL};
/* The kind runs its own phases (the traffic until it deadlocks or drains):
 * experiment.duration_ns would not take effect. */
static bool noc_msgdep_check(const struct exp_run *run, char *msg, size_t len) {
    if (run->duration_ns) {
        snprintf(msg, len,
                 "experiment.duration_ns: noc-msgdep runs until its traffic drains or "
                 "deadlocks (noc.udn and noc.msgdep set it), so a duration would be ignored; "
                 "remove it");
        return false;
    }
    return true;
}

const struct exp_kind noc_msgdep_kind = {"noc-msgdep", noc_msgdep_sections, noc_msgdep_run,
                                         noc_msgdep_check};
