/* sim/tile/tile_lock.c: spin locks. See tile_lock.h. */
#include "sim/tile/tile_lock.h"

#include <stdio.h>
#include <string.h>

#include "sim/tile/tile_access.h"
#include "sim/tile/tile_fault.h"
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

int tile_lock_acquire(struct tile *t, struct tile_lock *l) {
    struct chip *c = t->chip;
    if (!l || !mem_lookup(&c->mem, (uintptr_t)l)) return -1;
    if (!t->in_handler) return -1;
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    sim_time_t now = tile_now(t);
    if (l->word && l->word != t->id + 1u) {
        /* Held by a handler that ran natively before this one and did not
         * release it: cannot happen (locks are released within a handler). */
        char what[128];
        snprintf(what, sizeof what, "lock at %#llx held by tile %llu across a handler boundary",
                 (unsigned long long)lock_pa(c, l), (unsigned long long)(l->word - 1));
        if (tile_fault_record(t, TILE_FAULT_LOCK, 0, NULL, 0, pc, what)) tile_fault_cut_short(t);
    }
    l->acquisitions++;
    if (l->free_at > now) {
        /* spin until the holder's release */
        uint64_t wait = sim_clock_cycle_at_or_after(&c->clock, l->free_at) - tile_now_cycles(t);
        l->contended++;
        l->wait_cycles += wait;
        tile_time_charge_label(t, TILE_LABEL_LOCK, wait);
    }
    /* the atomic on the lock word: through the coherence model, at the home */
    uint64_t before = t->cov.stall;
    tile_access_one(t, (uintptr_t)&l->word, COV_WRITE, pc, true);
    uint64_t cost = t->cov.stall - before;
    t->cov.stall = before;
    tile_time_charge_label(t, TILE_LABEL_LOCK, cost);
    if (l->word != t->id + 1u) t->locks_held++;
    l->word = t->id + 1u;
    return 0;
}

int tile_lock_release(struct tile *t, struct tile_lock *l) {
    struct chip *c = t->chip;
    if (!l || !mem_lookup(&c->mem, (uintptr_t)l)) return -1;
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
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
    if (t->locks_held) t->locks_held--;
    l->word = 0;
    l->free_at = tile_now(t);
    return 0;
}
