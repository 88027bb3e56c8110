/* stack/twheel.h: hierarchical timing wheel (Varghese & Lauck 1987, scheme 7;
 * the layout IX and Linux use) for every TCP timer of one stack instance.
 *
 * Time is counted in ticks (the caller converts). TWHEEL_LEVELS levels of 64
 * slots: an entry whose expiry differs from the current tick first in 6-bit
 * group L lives in level L, slot group_L(expiry). Hence every entry of level L
 * expires before every entry of level L+1, and advancing the clock only has
 * to re-sort one slot per level whose group changed (cascade).
 *
 * Cost: arm and cancel O(1) (doubly linked lists, a 64-bit occupancy mask per
 * level); twheel_next is O(1) for level 0 and O(entries in one slot) above,
 * cached until the next change; advancing costs O(levels) per call plus the
 * entries cascaded or fired. Expiries beyond 64^LEVELS ticks (19 hours at
 * 1 us) stay in the top level, whose slots then wrap: still exact, at the
 * cost of scanning the top level in twheel_next when nothing nearer is
 * armed. Entries are embedded in the owner's structs; the
 * wheel owns no memory. Callbacks may arm and cancel any entry, including the
 * one that fired.
 */
#ifndef TESSERA_STACK_TWHEEL_H
#define TESSERA_STACK_TWHEEL_H

#include <stdbool.h>
#include <stdint.h>

#define TWHEEL_LEVELS 6
#define TWHEEL_SLOTS 64
#define TWHEEL_NEVER UINT64_MAX

struct twheel_entry {
    struct twheel_entry *next, *prev; /* prev == NULL: not armed */
    uint64_t expiry;                  /* in ticks */
};

struct twheel {
    uint64_t now; /* current tick */
    uint64_t next_cache;
    bool next_valid;
    uint64_t mask[TWHEEL_LEVELS];
    struct twheel_entry slot[TWHEEL_LEVELS][TWHEEL_SLOTS]; /* list heads */
    uint64_t armed;
};

/* Called for each expired entry; the entry is already disarmed. */
typedef void twheel_fire_fn(void *ctx, struct twheel_entry *e);

void twheel_init(struct twheel *w, uint64_t now_tick);
static inline void twheel_entry_init(struct twheel_entry *e) {
    e->next = e->prev = 0;
    e->expiry = 0;
}
static inline bool twheel_armed(const struct twheel_entry *e) { return e->prev != 0; }
/* Arms (or re-arms) e to fire at `expiry` (ticks; a past tick fires at the next advance). */
void twheel_arm(struct twheel *w, struct twheel_entry *e, uint64_t expiry);
void twheel_cancel(struct twheel *w, struct twheel_entry *e);
/* Earliest armed expiry, TWHEEL_NEVER when empty. */
uint64_t twheel_next(struct twheel *w);
/* Fires every entry with expiry <= tick in expiry order (ties in arm order
 * within a slot) and sets the current tick to `tick`. */
void twheel_advance(struct twheel *w, uint64_t tick, twheel_fire_fn *fire, void *ctx);

#endif
