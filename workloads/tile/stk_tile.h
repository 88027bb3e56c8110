/* workloads/tile/stk_tile.h: a stack instance on a tile (tile code,
 * instrumented), as network and RTC tiles both run it: the instance in the
 * tile's private arena, its driver over the NIC (nic_drv.h), static
 * neighbours, and a tile timer that follows the instance's next deadline.
 *
 * What it does: stk_tile_start creates the instance (stk_create with the
 * tile's private arena as its allocator and the driver's callbacks), adds
 * the static neighbours and registers the ring handler; on every
 * notification the ring handler polls a batch into the stack. After every
 * handler run (stk_tile_end) the doorbell is rung for what was sent and
 * the timer is moved to min(stk_poll_at, the owner's next deadline); the
 * timer runs stk_poll and the owner's tick. The owner (an RTC or network
 * tile program) gets a hook after every handler run and a tick.
 *
 * Neighbours: the chip's stacks know the MAC of every client from the
 * topology (arp_static_only): the device delivers an ARP reply only to the
 * one tile its hash picks, and the network tiles share the chip's address.
 *
 * Memory: struct stk_tile lives in the tile's private memory (prepared by
 * the simulator with its parameters); the instance and the driver are
 * allocated in the private arena. Cost: what the instrumentation measures
 * plus the driver's charges; one timer re-arm per handler run.
 */
#ifndef TESSERA_WORKLOADS_TILE_STK_TILE_H
#define TESSERA_WORKLOADS_TILE_STK_TILE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/tile/tile_api.h"
#include "stack/stk_defs.h"
#include "workloads/tile/nic_drv.h"

struct stk_tile_neigh {
    uint32_t ip;
    uint8_t mac[6];
};

struct stk_tile;
/* Called at the end of every handler run of the tile (after the stack's
 * work) and by the timer at the owner's deadline; returns the owner's next
 * deadline (ps, absolute; UINT64_MAX: none). */
typedef uint64_t (*stk_tile_hook)(struct stk_tile *st, void *owner, uint64_t now);

struct stk_tile {
    /* parameters (the simulator fills them) */
    struct stk_config cfg; /* alloc is set by stk_tile_start */
    const struct stk_tile_neigh *neigh;
    unsigned nneigh;
    struct nic_drv_params drv;
    /* state */
    struct tile *t;
    struct stk *s;
    struct nic_drv *d;
    stk_tile_hook hook;
    void *owner;
    tile_timer_id timer;
    bool armed;
    uint64_t timer_at;
    char err[128]; /* why start failed */
};

/* Creates the instance and driver and registers the ring handler; app is
 * the instance's application callbacks (a transport's). false (err set)
 * when memory runs out or stk_create refuses the config. */
bool stk_tile_start(struct stk_tile *st, struct tile *t, const struct stk_app *app,
                    stk_tile_hook hook, void *owner);
/* End of a handler run that did not come through the stack tile's own
 * handlers (e.g. a UDN handler of the network tile): doorbell, timer. */
void stk_tile_end(struct stk_tile *st);

#endif
