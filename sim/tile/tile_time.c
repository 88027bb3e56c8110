/* sim/tile/tile_time.c: a tile's clock, profile labels, waking. See
 * tile_time.h. */
#include "sim/tile/tile_time.h"

const char *const tile_label_names[] = {"app", "stack", "driver", "lock", "stall", "idle", NULL};
const char *const tile_role_names[] = {"none", "net", "app", "rtc", NULL};

uint64_t tile_handler_cycles(struct tile *t) {
    if (!t->in_handler) return 0;
    const struct chip *c = t->chip;
    /* (instr in 1/COV_INSTR_ONE instructions, cpi and the load-use stall in
     * 1/65536 cycles) */
    unsigned __int128 q = (unsigned __int128)t->cov.instr * c->cpi_q16 +
                          ((unsigned __int128)t->cov.dep_hits * c->dep_q16 << COV_INSTR_SHIFT) +
                          (((unsigned __int128)1 << (16 + COV_INSTR_SHIFT)) - 1);
    return (uint64_t)(q >> (16 + COV_INSTR_SHIFT)) + t->cov.stall + t->extra;
}

uint64_t tile_now_cycles(struct tile *t) {
    if (!t->in_handler)
        return sim_clock_cycle_at_or_after(&t->chip->clock, sim_engine_now(t->chip->engine));
    return t->start_cycle + tile_handler_cycles(t);
}

uint64_t tile_now(struct tile *t) {
    if (!t->in_handler) return sim_engine_now(t->chip->engine);
    return sim_clock_cycles_to_ps(&t->chip->clock, tile_now_cycles(t));
}

sim_time_t tile_time_now_of(void *tile) { return tile_now(tile); }

unsigned tile_id(const struct tile *t) { return t->id; }
struct tile *tile_current(void) {
    return cov_cur ? cov_cur->owner : NULL;
}
unsigned tile_count(const struct tile *t) { return t->chip->ntiles; }
enum tile_role tile_role(const struct tile *t) { return t->role; }
unsigned tile_process(const struct tile *t) { return t->process; }

/* ---- profile ---- */

void tile_time_label_flush(struct tile *t) {
    uint64_t now = tile_handler_cycles(t);
    if (now > t->label_mark) t->prof.cycles[t->label] += now - t->label_mark;
    t->label_mark = now;
}

enum tile_label tile_label_set(struct tile *t, enum tile_label l) {
    enum tile_label prev = t->label;
    if ((unsigned)l >= TILE_LABEL_COUNT || l == TILE_LABEL_LOCK || l == TILE_LABEL_STALL ||
        l == TILE_LABEL_IDLE)
        return prev;
    if (t->in_handler) tile_time_label_flush(t);
    t->label = l;
    return prev;
}

void tile_time_charge_label(struct tile *t, enum tile_label l, uint64_t cycles) {
    tile_time_label_flush(t);
    t->extra += cycles;
    t->prof.cycles[l] += cycles;
    t->label_mark += cycles;
}

void tile_charge(struct tile *t, uint64_t cycles) { t->extra += cycles; }

/* ---- waking ---- */

void tile_wake(struct tile *t, sim_time_t when) {
    if (t->state != TS_IDLE) return;
    struct sim_engine *e = t->chip->engine;
    sim_time_t at = when > t->busy_until ? when : t->busy_until;
    if (at < sim_engine_now(e)) at = sim_engine_now(e);
    t->state = TS_SCHEDULED;
    sim_engine_schedule_at(e, at, t->chip->run, t, NULL);
}
