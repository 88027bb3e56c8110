/* sim/tile/tile_timer.h: a tile's timers (tile_timer_* of tile_api.h) and
 * the list of fired ones the executor takes its input from.
 *
 * What it does: arming schedules an engine event at tile_now() + delay; when
 * it fires, the timer joins the tile's fired list (in firing order) and the
 * tile is woken. Cancelling a pending timer cancels its event; cancelling a
 * fired one marks it, and the executor drops it when it reaches the head.
 *
 * Internal to the tile runtime (sim/tile/tile_*.c). A tile owns its timers:
 * a timer is freed when its handler has run, when it is cancelled, or by
 * tile_timer_fini.
 * Cost: one engine event per timer; cancel and forget scan the tile's
 * pending timers.
 */
#ifndef TESSERA_SIM_TILE_TILE_TIMER_H
#define TESSERA_SIM_TILE_TILE_TIMER_H

#include "sim/tile/tile_state.h"

/* Drop the cancelled timers at the head of the fired list. */
void tile_timer_drop_cancelled(struct tile *t);
/* Take the head of the fired list (NULL if empty). */
struct timer *tile_timer_pop_fired(struct tile *t);
/* Forget and free timer tm of tile t (its handler ran or it was cancelled). */
void tile_timer_forget(struct tile *t, struct timer *tm);
/* Free all of tile t's timers (chip_destroy). */
void tile_timer_fini(struct tile *t);

#endif
