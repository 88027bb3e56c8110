/* workloads/tile/echo_tile.h: a trivial echo tile program (tile code,
 * instrumented): on every notification of its ring it takes the ingress
 * descriptors (tile_nic_poll), posts each frame's buffer back out unchanged
 * through one eDMA ring with "return the buffer after the send" (hwb), so
 * the device recycles it, credits the ring and rings the doorbell once per
 * batch. If the eDMA ring has no room for a batch, its buffers go back to
 * their stacks and the frames count as dropped.
 *
 * Memory: struct echo_tile must live in simulated memory (e.g. the tile's
 * private region); descriptors live on the handler's stack.
 * Cost: what the instrumentation measures, plus the driver calls' charges
 * (per batch: one idesc read per frame, one edesc write per frame, a credit
 * and a doorbell MMIO store).
 * Left out: swapping addresses (the frame goes back as it came: the sender
 * must be on the other end of a cable), reading the payload.
 */
#ifndef TESSERA_WORKLOADS_TILE_ECHO_TILE_H
#define TESSERA_WORKLOADS_TILE_ECHO_TILE_H

#include <stdint.h>

#include "sim/tile/tile_api.h"

#define ECHO_TILE_BATCH 64u

struct echo_tile {
    unsigned ring;  /* the tile ring the device notifies (tile_on_ring) */
    unsigned ering; /* device eDMA ring the echoes leave on */
    unsigned batch; /* descriptors per poll, 1..ECHO_TILE_BATCH (0: ECHO_TILE_BATCH) */
    uint64_t echoed, dropped, batches, empty_polls;
};

/* Tile main: registers the ring handler (arg: struct echo_tile *). */
void echo_tile_main(struct tile *t, void *arg);

#endif
