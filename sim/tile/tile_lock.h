/* sim/tile/tile_lock.h: spin locks in simulated memory (tile_lock_* of
 * tile_api.h), in global time order.
 *
 * What it does: a lock is a struct tile_lock in an arena. Acquiring and
 * releasing are synchronisation points (tile_sync.h): each happens at its
 * handler's own simulated time, in global time order. An acquire that finds
 * the lock held by another tile (whose handler may be running later in
 * simulated time or be suspended inside its critical section) waits,
 * labelled lock, until the holder releases it, then does the atomic on the
 * lock word through the coherence model at its home. Waiters are woken in
 * the order they started waiting and contend again (the first to get there
 * wins), as spinning cores do. A release by a non-holder is a lock fault, and
 * so is a handler that ends holding a lock (the lock stays held, as it would
 * in hardware); a tile still waiting when the run ends is reported by
 * chip_finish.
 *
 * Internal to the tile runtime. The lock's memory belongs to tile code; the
 * list of waiters is the chip's.
 * Cost: one region lookup and one cache access per call, an engine event
 * and two coroutine switches per wait or synchronisation.
 */
#ifndef TESSERA_SIM_TILE_TILE_LOCK_H
#define TESSERA_SIM_TILE_TILE_LOCK_H

#include "sim/tile/tile_api.h"
#include "sim/tile/tile_state.h"

/* Tiles still waiting (at the end of a run) for a lock whose holder kept
 * it past its handler: each is recorded as a lock fault naming the lock and
 * its holder. A wait for a holder still in its handler (the run ended in
 * the middle) is not. Returns how many were recorded. */
unsigned tile_lock_report_waiters(struct chip *c);

#endif
