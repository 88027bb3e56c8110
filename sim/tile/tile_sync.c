/* sim/tile/tile_sync.c: suspending handlers until global time catches up.
 * See tile_sync.h. */
#include "sim/tile/tile_sync.h"

#include <assert.h>

#include "sim/tile/coro.h"
#include "sim/tile/tile_time.h"

/* Suspend the running handler; chip->resume (the executor's event) goes on
 * with it. The hooks' context is the executor's to set and restore. */
static void suspend(struct tile *t) {
    assert(t->in_handler && coro_running(t->coro));
    t->suspended = true;
    t->prof.syncs++;
    coro_yield(t->coro);
    t->suspended = false;
}

static void quantum_arm_at(struct tile *t, uint64_t global);

void tile_sync(struct tile *t) {
    if (!t->in_handler) return;
    struct sim_engine *e = t->chip->engine;
    const uint64_t cycle = tile_now_cycles(t);
    sim_time_t local = sim_clock_cycles_to_ps(&t->chip->clock, cycle); /* (tile_now) */
    if (local <= sim_engine_now(e)) return;
    sim_engine_schedule_at(e, local, t->chip->resume, t, NULL);
    suspend(t);
    /* resumed at local: global time's cycle is the handler's (no division) */
    quantum_arm_at(t, cycle);
}

void tile_sync_wait(struct tile *t, enum tile_label label) {
    assert(t->in_handler);
    t->waiting = true;
    suspend(t);
    /* resumed at the engine's now, which is at or after the handler's clock:
     * the handler waited that long */
    struct chip *c = t->chip;
    uint64_t now_cycles = sim_clock_cycle_at_or_after(&c->clock, sim_engine_now(c->engine));
    uint64_t local = tile_now_cycles(t);
    if (now_cycles > local) tile_time_charge_label(t, label, now_cycles - local);
    tile_sync_quantum_arm(t);
}

void tile_sync_resume_at(struct tile *t, sim_time_t at) {
    if (!t->waiting) return;
    t->waiting = false;
    struct sim_engine *e = t->chip->engine;
    if (at < sim_engine_now(e)) at = sim_engine_now(e);
    sim_engine_schedule_at(e, at, t->chip->resume, t, NULL);
}

void tile_sync_quantum(struct tile *t) {
    uint64_t q = t->chip->cfg.tile.sync_quantum_cycles;
    if (!q || !t->in_handler) return;
    struct chip *c = t->chip;
    uint64_t global = sim_clock_cycle_at_or_after(&c->clock, sim_engine_now(c->engine));
    if (tile_now_cycles(t) > global + q)
        tile_sync(t); /* (which re-arms the quantum once resumed) */
    else
        tile_sync_quantum_arm(t);
}

void tile_sync_set_limit(struct tile *t) {
    if (t->chip->cfg.tile.profile == CHIP_PROFILE_EXACT) {
        t->cov.instr_limit = 0; /* every block reports (the exact profile) */
        return;
    }
    uint64_t l = t->budget_instr < t->next_sample ? t->budget_instr : t->next_sample;
    t->cov.instr_limit = l < t->quantum_instr ? l : t->quantum_instr;
}

void tile_sync_quantum_arm(struct tile *t) {
    const struct chip *c = t->chip;
    quantum_arm_at(t, c->cfg.tile.sync_quantum_cycles && t->in_handler
                          ? sim_clock_cycle_at_or_after(&c->clock, sim_engine_now(c->engine))
                          : 0);
}

/* tile_sync_quantum_arm with global time's cycle given (global). */
static void quantum_arm_at(struct tile *t, uint64_t global) {
    const struct chip *c = t->chip;
    uint64_t q = c->cfg.tile.sync_quantum_cycles;
    if (!q || !t->in_handler) {
        t->quantum_instr = t->quantum_stall = UINT64_MAX;
        t->cov.stall_limit = UINT64_MAX;
    } else {
        /* the handler's cycles grow by at least cpi per instruction and by
         * the memory stalls: neither can take it past global + q before its
         * threshold is reached */
        uint64_t local = tile_now_cycles(t);
        uint64_t room = global + q > local ? global + q - local : 0;
        const unsigned sh = 16 + COV_INSTR_SHIFT;
        /* (a 64-bit division while room << sh fits, as it does for any
         * realistic quantum: the 128-bit one is a runtime call) */
        const uint64_t units = room < (UINT64_C(1) << (64 - sh))
                                   ? (room << sh) / c->cpi_q16
                                   : (uint64_t)(((unsigned __int128)room << sh) / c->cpi_q16);
        t->quantum_instr = t->cov.instr + units + 1;
        t->quantum_stall = t->cov.stall + room + 1;
        t->cov.stall_limit = t->quantum_stall;
    }
    tile_sync_set_limit(t);
}
