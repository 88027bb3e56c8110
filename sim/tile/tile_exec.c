/* sim/tile/tile_exec.c: picking the next input and running handlers. See
 * tile_exec.h. */
#include "sim/tile/tile_exec.h"

#include <stdio.h>

#include "sim/tile/coro.h"
#include "sim/tile/tile_access.h"
#include "sim/tile/tile_fault.h"
#include "sim/tile/tile_sync.h"
#include "sim/tile/tile_time.h"
#include "sim/tile/tile_timer.h"
#include "sim/tile/tile_udn.h"

/* Picks the next input; returns false if none. */
static bool next_input(struct tile *t, struct handler *h, struct timer **tm) {
    *tm = NULL;
    tile_timer_drop_cancelled(t);
    const unsigned nsrc = 1 + TILE_RINGS + TILE_UDN_QUEUES;
    for (unsigned k = 0; k < nsrc; k++) {
        unsigned s = (t->rr + k) % nsrc;
        if (s == 0) {
            struct timer *x = tile_timer_pop_fired(t);
            if (x) {
                *h = (struct handler){x->fn, x->ctx};
                *tm = x;
                t->rr = s + 1;
                return true;
            }
        } else if (s <= TILE_RINGS) {
            unsigned r = s - 1;
            if (t->ring_pending[r] && t->ring_h[r].fn) {
                *h = t->ring_h[r];
                t->rr = s + 1;
                return true;
            }
        } else {
            unsigned q = s - 1 - TILE_RINGS;
            if (t->udn_h[q].fn && tile_udn_avail(t, q)) {
                *h = t->udn_h[q];
                t->rr = s + 1;
                return true;
            }
        }
    }
    return false;
}

static enum tile_label default_label(const struct tile *t) {
    return t->role == TILE_ROLE_NET ? TILE_LABEL_STACK : TILE_LABEL_APP;
}

static void restart_ev(void *ctx, void *arg) {
    struct tile *t = ctx;
    (void)arg;
    if (t->state != TS_STOPPED || t->chip->aborted) return;
    t->state = TS_IDLE;
    if (tile_udn_has_input(t)) tile_wake(t, sim_engine_now(t->chip->engine));
}

/* Before a handler: its clock, label, counters, budget and next sample. */
static void handler_begin(struct tile *t, sim_time_t now) {
    struct chip *c = t->chip;
    t->start_ps = now;
    t->start_cycle = sim_clock_cycle_at_or_after(&c->clock, now);
    t->extra = 0;
    t->label = default_label(t);
    t->label_mark = 0;
    struct cov_ctx *cc = &t->cov;
    cc->instr = 0;
    cc->stall = 0;
    cc->dep_hits = 0;
    cc->last_val = 0;
    t->exact_mark = 0; /* (the exact profile counts from here) */
    uint64_t budget = c->cfg.tile.handler_budget_cycles;
    t->budget_instr =
        (uint64_t)(((unsigned __int128)budget << (16 + COV_INSTR_SHIFT)) / c->cpi_q16) + 1;
    uint64_t period = c->cfg.tile.profile_sample_instr << COV_INSTR_SHIFT;
    t->next_sample = period ? period - (t->instr_units % period) : UINT64_MAX;
    tile_sync_quantum_arm(t); /* sets the guard hook's limit */
}

/* After a handler: close its profile and fold the hooks' counters into the
 * tile's (loads0/stores0: the counters at its start). Returns its cycles,
 * poll included. */
static uint64_t handler_end(struct tile *t, uint64_t loads0, uint64_t stores0) {
    struct chip *c = t->chip;
    struct cov_ctx *cc = &t->cov;
    uint64_t cycles = tile_handler_cycles(t) + c->cfg.tile.poll_cycles;
    tile_time_label_flush(t);
    t->prof.cycles[t->label] += c->cfg.tile.poll_cycles;
    t->in_handler = false;
    t->prof.handlers++;
    t->instr_units += cc->instr;
    t->prof.instr = t->instr_units >> COV_INSTR_SHIFT;
    c->caches.st[t->id].l1_hits += cov_take_l1_fast_hits(cc);
    t->prof.mem_cycles += cc->mem_cycles;
    cc->mem_cycles = 0;
    t->prof.loads += cc->loads - loads0;
    t->prof.stores += cc->stores - stores0;
    cc->instr_limit = UINT64_MAX;
    t->busy_until = sim_clock_cycles_to_ps(&c->clock, t->start_cycle + cycles);
    return cycles;
}

/* Runs or resumes the tile's coroutine with the hooks' context set. */
static enum coro_status enter(struct tile *t, tile_handler_fn fn, void *ctx) {
    struct cov_ctx *prev = cov_set_current(&t->cov);
    /* The handler runs on the tile's coroutine, entered at a fixed stack
     * pointer (coro_top), so its frames map onto the stack region the same
     * way whatever the simulator's own code and frames are. */
    enum coro_status st =
        fn ? coro_run(t->coro, (coro_fn)(void (*)(void))fn, t, ctx) : coro_resume(t->coro);
    cov_set_current(prev);
    return st;
}

/* After the handler's coroutine has ended (returned, or abandoned when the
 * handler was cut short), in whichever event that happened. */
static void handler_after(struct tile *t, bool stopped) {
    struct chip *c = t->chip;
    if (!stopped && t->locks_held) {
        /* a spin lock held past its handler would block other tiles for an
         * unknown time: not allowed in run-to-completion handlers. The lock
         * stays held, as in hardware; its waiters are reported at the end. */
        char what[128];
        snprintf(what, sizeof what, "%u lock(s) still held at the end of a handler", t->locks_held);
        if (tile_fault_record(t, TILE_FAULT_LOCK, 0, NULL, 0, (uintptr_t)t->h_fn, what))
            stopped = true;
    }
    uint64_t cycles = handler_end(t, t->h_loads0, t->h_stores0);
    if (t->h_timer) tile_timer_forget(t, t->h_timer);
    t->h_timer = NULL;
    if (stopped || c->aborted) {
        t->state = TS_STOPPED;
        if (!c->aborted && c->cfg.protection.restart)
            sim_engine_schedule_at(
                c->engine,
                sim_clock_cycles_to_ps(&c->clock, t->start_cycle + cycles +
                                                      c->cfg.protection.restart_delay_cycles),
                restart_ev, t, NULL);
        return;
    }
    t->state = TS_IDLE;
    if (tile_udn_has_input(t)) tile_wake(t, t->busy_until);
}

/* Starts fn (a handler or the program's main) as one handler at the current
 * time; tm: the timer it serves, forgotten when the handler ends. */
static void run_handler(struct tile *t, tile_handler_fn fn, void *ctx, struct timer *tm) {
    handler_begin(t, sim_engine_now(t->chip->engine));
    t->h_fn = fn;
    t->h_timer = tm;
    t->h_loads0 = t->cov.loads;
    t->h_stores0 = t->cov.stores;
    t->in_handler = true;
    t->state = TS_RUNNING;
    tile_sync_quantum_arm(t); /* (in_handler now) */
    enum coro_status st = enter(t, fn, ctx);
    if (st != CORO_SUSPENDED) handler_after(t, st == CORO_ABANDONED);
}

void tile_exec_resume_ev(void *ctx, void *arg) {
    struct tile *t = ctx;
    (void)arg;
    if (t->chip->aborted || !t->suspended) return; /* (an aborted run leaves it) */
    enum coro_status st = enter(t, NULL, NULL);
    if (st != CORO_SUSPENDED) handler_after(t, st == CORO_ABANDONED);
}

void tile_exec_run_ev(void *ctx, void *arg) {
    struct tile *t = ctx;
    (void)arg;
    struct chip *c = t->chip;
    if (t->state != TS_SCHEDULED || c->aborted) return;
    if (t->main_pending) {
        t->main_pending = false;
        run_handler(t, t->main, t->main_arg, NULL); /* same signature as a handler */
        return;
    }
    struct handler h;
    struct timer *tm;
    if (!next_input(t, &h, &tm)) {
        t->state = TS_IDLE;
        return;
    }
    run_handler(t, h.fn, h.ctx, tm);
}
