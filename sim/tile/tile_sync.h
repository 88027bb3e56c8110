/* sim/tile/tile_sync.h: handlers in global time order (synchronisation points
 * and the quantum).
 *
 * What it does: a handler runs natively on its tile's coroutine, ahead of
 * the engine's clock by the cycles it has consumed. At every operation whose
 * outcome depends on other tiles (a lock, a UDN send, receive, avail or
 * credit read, a NIC ring poll or doorbell, a timer) the runtime calls
 * tile_sync(): the handler is suspended until global time (the engine's)
 * reaches its local time (tile_now()), so those operations happen in global
 * time order, exactly. Between them a handler may run ahead by at most
 * chip.tile.sync_quantum_cycles (0: no limit): the guard hook and the memory
 * hook's slow path call tile_sync_quantum() when the lead passes the quantum,
 * so plain shared-memory accesses are in order up to the quantum (the
 * Wisconsin Wind Tunnel and Graphite scheme). tile_sync_wait() suspends a
 * handler until another tile's action resumes it (a lock released).
 *
 * Internal to the tile runtime (sim/tile/tile_*.c). Owns no memory.
 * Cost: one engine event and two coroutine switches per suspension (about
 * 30 ns of switching, bench/coro_switch.c); nothing when the handler is not
 * ahead of global time.
 */
#ifndef TESSERA_SIM_TILE_TILE_SYNC_H
#define TESSERA_SIM_TILE_TILE_SYNC_H

#include <stdint.h>

#include "sim/tile/tile_state.h"

/* From a running handler: suspend until global time reaches tile_now(t).
 * Returns at once outside a handler or when global time is there already. */
void tile_sync(struct tile *t);
/* From a running handler: suspend until tile_sync_resume_at(t, ...) (another
 * tile's action) resumes it; the handler's clock then advances to the time of
 * the resumption (the wait is labelled `label`). */
void tile_sync_wait(struct tile *t, enum tile_label label);
/* Resume a handler suspended in tile_sync_wait at time `at` (>= now). */
void tile_sync_resume_at(struct tile *t, sim_time_t at);
/* The quantum's check: suspend if the handler leads global time by more
 * than the quantum. */
void tile_sync_quantum(struct tile *t);
/* Set the thresholds (instructions, memory stall cycles) at which the
 * running handler would pass the quantum, and the guard hook's limit. */
void tile_sync_quantum_arm(struct tile *t);
/* The guard hook's instruction limit: the budget, the next profile sample
 * or the quantum's threshold, whichever comes first. */
void tile_sync_set_limit(struct tile *t);

#endif
