/* sim/tile/tile_exec.h: running tile code: picking a tile's next input and
 * running its handler on the tile's coroutine.
 *
 * What it does: tile_exec_run_ev is the event that runs a tile (chip_create
 * installs it as struct chip.run, and tile_wake schedules it): it runs the
 * program's main first, then one input per event, picked round robin among
 * fired timers, ring notifications and UDN queues. A handler runs natively
 * from the event's time, with the tile's coverage context current, on the
 * tile's coroutine entered at a fixed stack pointer. It may suspend at
 * synchronisation points (tile_sync.h); tile_exec_resume_ev (struct
 * chip.resume) goes on with it when global time has caught up. When it has
 * ended, in whichever event that was, the tile is
 * busy for the measured cycles + chip.tile.poll_cycles, stalls (a stalled
 * send), stops (a fault; restarted later if chip.protection.restart), or
 * looks for its next input.
 *
 * Internal to the tile runtime (sim/tile/tile_*.c). Owns no memory (a fired
 * timer is freed once its handler has run).
 * Cost: one engine event and two coroutine switches per handler, and as
 * many again per suspension.
 */
#ifndef TESSERA_SIM_TILE_TILE_EXEC_H
#define TESSERA_SIM_TILE_TILE_EXEC_H

#include "sim/tile/tile_state.h"

/* The event that runs tile ctx (arg unused): a sim_event_fn. */
void tile_exec_run_ev(void *ctx, void *arg);
/* The event that resumes tile ctx's suspended handler (struct chip.resume). */
void tile_exec_resume_ev(void *ctx, void *arg);

#endif
