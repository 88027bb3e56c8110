#include "stack/twheel.h"

#include <assert.h>

#define BITS 6

static unsigned group(uint64_t t, unsigned level) {
    return (unsigned)(t >> (BITS * level)) & (TWHEEL_SLOTS - 1);
}

void twheel_init(struct twheel *w, uint64_t now_tick) {
    w->now = now_tick;
    w->next_valid = false;
    w->armed = 0;
    for (unsigned l = 0; l < TWHEEL_LEVELS; l++) {
        w->mask[l] = 0;
        for (unsigned i = 0; i < TWHEEL_SLOTS; i++) {
            w->slot[l][i].next = &w->slot[l][i];
            w->slot[l][i].prev = &w->slot[l][i];
        }
    }
}

static void place(struct twheel *w, struct twheel_entry *e) {
    uint64_t diff = e->expiry ^ w->now;
    unsigned level = 0;
    if (diff) {
        unsigned hb = 63u - (unsigned)__builtin_clzll(diff);
        level = hb / BITS;
    }
    /* Beyond the top level's span: the top level holds it (its slots then
     * wrap); cascading re-sorts it until it is near enough. */
    if (level >= TWHEEL_LEVELS) level = TWHEEL_LEVELS - 1;
    unsigned s = group(e->expiry, level);
    struct twheel_entry *h = &w->slot[level][s];
    e->prev = h->prev;
    e->next = h;
    h->prev->next = e;
    h->prev = e;
    w->mask[level] |= 1ull << s;
}

static void unlink_entry(struct twheel *w, struct twheel_entry *e) {
    struct twheel_entry *n = e->next;
    e->prev->next = n;
    n->prev = e->prev;
    /* When the list became empty, `n` is the head if it points to itself. */
    if (n->next == n && n->prev == n) {
        for (unsigned l = 0; l < TWHEEL_LEVELS; l++) {
            if (n >= &w->slot[l][0] && n < &w->slot[l][TWHEEL_SLOTS]) {
                w->mask[l] &= ~(1ull << (unsigned)(n - &w->slot[l][0]));
                break;
            }
        }
    }
    e->next = e->prev = 0;
}

void twheel_arm(struct twheel *w, struct twheel_entry *e, uint64_t expiry) {
    if (twheel_armed(e)) twheel_cancel(w, e);
    if (expiry < w->now) expiry = w->now;
    e->expiry = expiry;
    place(w, e);
    w->armed++;
    if (w->next_valid && expiry < w->next_cache) w->next_cache = expiry;
}

void twheel_cancel(struct twheel *w, struct twheel_entry *e) {
    if (!twheel_armed(e)) return;
    unlink_entry(w, e);
    w->armed--;
    if (w->next_valid && e->expiry == w->next_cache) w->next_valid = false;
}

uint64_t twheel_next(struct twheel *w) {
    if (w->next_valid) return w->next_cache;
    uint64_t best = TWHEEL_NEVER;
    for (unsigned l = 0; l < TWHEEL_LEVELS; l++) {
        uint64_t m = w->mask[l];
        if (!m) continue;
        if (l == 0) {
            /* All level-0 entries lie in [now, end of the current 64-block). */
            unsigned s = (unsigned)__builtin_ctzll(m);
            best = (w->now & ~(uint64_t)(TWHEEL_SLOTS - 1)) | s;
        } else {
            /* Below the top, the lowest slot holds the earliest entries; the
             * top level may hold wrapped far entries, so scan all of it. */
            uint64_t mm = l == TWHEEL_LEVELS - 1 ? m : m & -m;
            while (mm) {
                unsigned s = (unsigned)__builtin_ctzll(mm);
                mm &= mm - 1;
                struct twheel_entry *h = &w->slot[l][s];
                for (struct twheel_entry *e = h->next; e != h; e = e->next)
                    if (e->expiry < best) best = e->expiry;
            }
        }
        break;
    }
    w->next_cache = best;
    w->next_valid = true;
    return best;
}

/* Moves the clock to t (no entry may expire before t) re-sorting the one slot
 * per level whose group changed, top level first. */
static void move_to(struct twheel *w, uint64_t t) {
    uint64_t old = w->now;
    if (t == old) return;
    w->now = t;
    for (int l = TWHEEL_LEVELS - 1; l >= 1; l--) {
        if ((old >> (BITS * l)) == (t >> (BITS * l))) continue;
        unsigned s = group(t, (unsigned)l);
        if (!(w->mask[l] & (1ull << s))) continue;
        struct twheel_entry *h = &w->slot[l][s];
        struct twheel_entry *e = h->next;
        h->next = h->prev = h;
        w->mask[l] &= ~(1ull << s);
        while (e != h) {
            struct twheel_entry *n = e->next;
            place(w, e);
            e = n;
        }
    }
    w->next_valid = false;
}

void twheel_advance(struct twheel *w, uint64_t tick, twheel_fire_fn *fire, void *ctx) {
    if (tick < w->now) return;
    for (;;) {
        uint64_t e = twheel_next(w);
        if (e == TWHEEL_NEVER || e > tick) break;
        move_to(w, e);
        unsigned s = group(e, 0);
        struct twheel_entry *h = &w->slot[0][s];
        /* Fire one at a time: callbacks may cancel or re-arm others. */
        while (h->next != h) {
            struct twheel_entry *x = h->next;
            assert(x->expiry == e);
            unlink_entry(w, x);
            w->armed--;
            w->next_valid = false;
            fire(ctx, x);
        }
        w->next_valid = false;
    }
    move_to(w, tick);
}
