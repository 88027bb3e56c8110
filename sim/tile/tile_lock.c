/* sim/tile/tile_lock.c: spin locks. See tile_lock.h. */
#include "sim/tile/tile_lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/tile/tile_access.h"
#include "sim/tile/tile_fault.h"
#include "sim/tile/tile_sync.h"
#include "sim/tile/tile_time.h"

/* Simulated address of a lock (it lies in a region: checked by the callers). */
static uint64_t lock_pa(struct chip *c, const struct tile_lock *l) {
    const struct mem_region *r = mem_lookup(&c->mem, (uintptr_t)l);
    return r ? r->pa + ((uintptr_t)l - (uintptr_t)r->host) : 0;
}

void tile_lock_init(struct tile *t, struct tile_lock *l) {
    (void)t;
    memset(l, 0, sizeof *l);
}

/* ---- waiters (the chip's list) and held locks (the tile's) ---- */

static bool wait_add(struct chip *c, struct tile_lock *l, struct tile *t) {
    if (c->nlock_waits == c->cap_lock_waits) {
        size_t cap = c->cap_lock_waits ? 2 * c->cap_lock_waits : 16;
        void *p = realloc(c->lock_waits, cap * sizeof *c->lock_waits);
        if (!p) return false;
        c->lock_waits = p;
        c->cap_lock_waits = cap;
    }
    c->lock_waits[c->nlock_waits].lock = l;
    c->lock_waits[c->nlock_waits++].tile = t;
    return true;
}

/* Wake every tile waiting for l at `at`, in the order they began waiting. */
static void wake_waiters(struct chip *c, struct tile_lock *l, sim_time_t at) {
    size_t k = 0;
    for (size_t i = 0; i < c->nlock_waits; i++) {
        if (c->lock_waits[i].lock == l)
            tile_sync_resume_at(c->lock_waits[i].tile, at);
        else
            c->lock_waits[k++] = c->lock_waits[i];
    }
    c->nlock_waits = k;
}

static bool held_add(struct tile *t, struct tile_lock *l) {
    if (t->locks_held == TILE_MAX_HELD_LOCKS) return false;
    t->held[t->locks_held++] = l;
    return true;
}

static void held_remove(struct tile *t, struct tile_lock *l) {
    for (unsigned i = 0; i < t->locks_held; i++)
        if (t->held[i] == l) {
            t->held[i] = t->held[--t->locks_held];
            return;
        }
}

/* Let go of l (held by t) at time `at`. */
static void let_go(struct tile *t, struct tile_lock *l, sim_time_t at) {
    held_remove(t, l);
    l->word = 0;
    l->free_at = at;
    wake_waiters(t->chip, l, at);
}

/* ---- the API ---- */

int tile_lock_acquire(struct tile *t, struct tile_lock *l) {
    struct chip *c = t->chip;
    if (!l || !mem_lookup(&c->mem, (uintptr_t)l)) return -1;
    if (!t->in_handler) return -1;
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    tile_sync(t); /* in global time order */
    l->acquisitions++;
    if (l->word && l->word != t->id + 1u) {
        /* spin until the holder lets go (its release wakes us) */
        l->contended++;
        uint64_t c0 = tile_now_cycles(t);
        while (l->word && l->word != t->id + 1u) {
            if (!wait_add(c, l, t)) {
                if (tile_fault_record(t, TILE_FAULT_LOCK, 0, NULL, 0, pc,
                                      "out of memory for the lock's waiters"))
                    tile_fault_cut_short(t);
                return -1;
            }
            tile_sync_wait(t, TILE_LABEL_LOCK);
        }
        l->wait_cycles += tile_now_cycles(t) - c0;
    }
    /* the atomic on the lock word: through the coherence model, at the home */
    uint64_t before = t->cov.stall;
    tile_access_one(t, (uintptr_t)&l->word, COV_WRITE, pc, true);
    uint64_t cost = t->cov.stall - before;
    t->cov.stall = before;
    tile_time_charge_label(t, TILE_LABEL_LOCK, cost);
    if (l->word != t->id + 1u && !held_add(t, l)) {
        char what[128];
        snprintf(what, sizeof what, "more than %u locks held at once by one handler",
                 TILE_MAX_HELD_LOCKS);
        if (tile_fault_record(t, TILE_FAULT_LOCK, 0, NULL, 0, pc, what)) tile_fault_cut_short(t);
        return -1;
    }
    l->word = t->id + 1u;
    return 0;
}

int tile_lock_release(struct tile *t, struct tile_lock *l) {
    struct chip *c = t->chip;
    if (!l || !mem_lookup(&c->mem, (uintptr_t)l)) return -1;
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    tile_sync(t); /* in global time order */
    if (l->word != t->id + 1u) {
        char what[128];
        if (l->word)
            snprintf(what, sizeof what, "release of lock at %#llx held by tile %llu",
                     (unsigned long long)lock_pa(c, l), (unsigned long long)(l->word - 1));
        else
            snprintf(what, sizeof what, "release of lock at %#llx that is not held",
                     (unsigned long long)lock_pa(c, l));
        if (t->in_handler && tile_fault_record(t, TILE_FAULT_LOCK, 0, NULL, 0, pc, what))
            tile_fault_cut_short(t);
        return -1;
    }
    if (t->in_handler) tile_access_one(t, (uintptr_t)&l->word, COV_WRITE, pc, false);
    let_go(t, l, tile_now(t));
    return 0;
}

unsigned tile_lock_report_waiters(struct chip *c) {
    unsigned n = 0;
    for (size_t i = 0; i < c->nlock_waits; i++) {
        struct tile *t = c->lock_waits[i].tile;
        struct tile_lock *l = c->lock_waits[i].lock;
        /* a holder still in the handler that took it: the run's end cut a
         * wait that would have ended (not a fault) */
        if (l->word && l->word - 1 < c->ntiles && c->tiles[l->word - 1].in_handler) continue;
        char what[128];
        snprintf(what, sizeof what,
                 "still waiting at the end of the run for lock at %#llx held by tile %llu",
                 (unsigned long long)lock_pa(c, l), (unsigned long long)(l->word - 1));
        tile_fault_record(t, TILE_FAULT_LOCK, 0, NULL, 0, 0, what);
        n++;
    }
    return n;
}
