/* sim/tile/tile_timer.c: timers. See tile_timer.h. */
#include "sim/tile/tile_timer.h"

#include <stdlib.h>

#include "sim/tile/tile_sync.h"
#include "sim/tile/tile_time.h"

static void timer_ev(void *ctx, void *arg) {
    struct tile *t = ctx;
    struct timer *tm = arg;
    tm->fired = true;
    tm->next = NULL;
    if (t->fired_tail)
        t->fired_tail->next = tm;
    else
        t->fired_head = tm;
    t->fired_tail = tm;
    tile_wake(t, sim_engine_now(t->chip->engine));
}

void tile_timer_forget(struct tile *t, struct timer *tm) {
    for (size_t i = 0; i < t->ntimers; i++)
        if (t->timers[i] == tm) {
            t->timers[i] = t->timers[--t->ntimers];
            break;
        }
    free(tm);
}

void tile_timer_drop_cancelled(struct tile *t) {
    while (t->fired_head && t->fired_head->cancelled) {
        struct timer *x = t->fired_head;
        t->fired_head = x->next;
        if (!t->fired_head) t->fired_tail = NULL;
        tile_timer_forget(t, x);
    }
}

struct timer *tile_timer_pop_fired(struct tile *t) {
    struct timer *x = t->fired_head;
    if (!x) return NULL;
    t->fired_head = x->next;
    if (!t->fired_head) t->fired_tail = NULL;
    return x;
}

void tile_timer_fini(struct tile *t) {
    for (size_t k = 0; k < t->ntimers; k++) free(t->timers[k]);
    free(t->timers);
}

tile_timer_id tile_timer_arm(struct tile *t, uint64_t delay_ps, tile_handler_fn fn, void *ctx) {
    tile_sync(t); /* (whether a timer has fired depends on global time) */
    if (!fn || delay_ps > SIM_TIME_MAX / 2) return 0;
    if (t->ntimers == t->cap_timers) {
        size_t cap = t->cap_timers ? 2 * t->cap_timers : 8;
        struct timer **a = realloc(t->timers, cap * sizeof *a);
        if (!a) return 0;
        t->timers = a;
        t->cap_timers = cap;
    }
    struct timer *tm = calloc(1, sizeof *tm);
    if (!tm) return 0;
    tm->id = ++t->chip->next_timer;
    tm->tile = t;
    tm->fn = fn;
    tm->ctx = ctx;
    sim_time_t now = tile_now(t);
    tm->ev = sim_engine_schedule_at(t->chip->engine, now + delay_ps, timer_ev, t, tm);
    t->timers[t->ntimers++] = tm;
    return tm->id;
}

bool tile_timer_cancel(struct tile *t, tile_timer_id id) {
    tile_sync(t); /* (whether a timer has fired depends on global time) */
    for (size_t i = 0; i < t->ntimers; i++) {
        struct timer *tm = t->timers[i];
        if (tm->id != id || tm->cancelled) continue;
        if (!tm->fired) {
            sim_engine_cancel(t->chip->engine, tm->ev);
            tile_timer_forget(t, tm);
        } else {
            tm->cancelled = true; /* dropped when it reaches the head of the fired list */
        }
        return true;
    }
    return false;
}
