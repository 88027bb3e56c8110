/* sim/tile/tile_lock.h: spin locks in simulated memory (tile_lock_* of
 * tile_api.h).
 *
 * What it does: a lock is a struct tile_lock in an arena. Acquiring waits
 * (labelled lock) until the previous holder's release time, then does the
 * atomic on the lock word through the coherence model at its home; releasing
 * stores the word and stamps the release time. Misuse (a lock held across a
 * handler boundary, a release by a non-holder) is a lock fault.
 *
 * Internal to the tile runtime: this header declares nothing; the functions
 * are those of tile_api.h. The lock's memory belongs to tile code.
 * Cost: one region lookup and one cache access per call.
 */
#ifndef TESSERA_SIM_TILE_TILE_LOCK_H
#define TESSERA_SIM_TILE_TILE_LOCK_H

#include "sim/tile/tile_api.h"

#endif
