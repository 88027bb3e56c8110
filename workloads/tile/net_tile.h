/* workloads/tile/net_tile.h: the DLibOS network tile program (tile code,
 * instrumented): it owns one NIC notification ring and one stack instance,
 * and serves application tiles over the UDN (dlibos_msg.h).
 *
 * What it does:
 *  - Frames: polls its ring in bounded batches (nic_drv.h) into its stack
 *    (stk_tile.h); the stack's events become UDN records to the
 *    connection's application tile (dlibos_msg.h), Rx payload as offsets in
 *    Rx memory (zero-copy: the application reads the frame where the device
 *    wrote it).
 *  - Flow pinning (paper 3.4): new_conn goes to the application tiles this
 *    tile may reach (the layout) in round-robin order; the tile it was
 *    offered to accepts it and owns the flow: its commands are the only
 *    ones accepted for that connection (others are counted, not_owner).
 *  - Commands (UDN queue DMSG_Q_COMMANDS): first the stack is brought to
 *    tile_now() (stk_poll), then each record is checked (owner, offsets
 *    inside the sender's process heap or Rx memory) and executed. Sends are
 *    zero-touch: the stack keeps references to the application's memory and
 *    the device gathers from it (checksum offload).
 *  - Rx credits (paper 4.6): the frames of the flows an application tile
 *    owns that the stack still holds (not yet returned by recv_done) are
 *    counted per application tile; a data frame for a tile already holding
 *    `rx_credits` frames is dropped before TCP sees it (counted
 *    rx_credit_drops; TCP retransmits it).
 *  - connect (an active open from an application tile): the stack takes a
 *    local port whose replies the device steers to this tile's ring (the
 *    driver's port_ok: the RSS hash of the reply's 4-tuple, nic_drv.h); the
 *    connection belongs to the tile that asked; a connect the stack refuses
 *    at once is answered with a failed new_conn and cleanup.
 * Everything it does is labelled `stack` (the runtime's default on a
 * network tile), except the driver calls (`driver`) and UDN stalls.
 *
 * Memory: struct net_tile and the arrays it points to live in the tile's
 * private memory, filled by the simulator; the stack, the driver, the
 * owner and flow tables in the private arena.
 */
#ifndef TESSERA_WORKLOADS_TILE_NET_TILE_H
#define TESSERA_WORKLOADS_TILE_NET_TILE_H

#include "workloads/tile/dlibos_msg.h"
#include "workloads/tile/stk_tile.h"

/* Where a tile's process heap lies (base NULL: not an application tile). */
struct dl_mem {
    uint8_t *base;
    uint64_t len;
};

struct net_tile_stats {
    uint64_t new_conns, events, commands, not_owner, bad_pointer, bad_command;
    uint64_t rx_credit_drops, connects, connect_refused, listen_dup;
    uint64_t cmd_errors; /* commands the stack refused (stale ids, states) */
};

struct net_flow; /* flow table entry */

struct net_conn {
    uint32_t id;    /* the stack's id (generation + slot); checked on use */
    uint16_t app1;  /* owner: application tile + 1 (0: none) */
    uint32_t flow1; /* its flow table slot + 1 (0: none) */
};

struct net_tile {
    struct stk_tile st;    /* the stack's parameters and state */
    unsigned ntiles;       /* tiles of the chip */
    const uint16_t *reach; /* application tiles it may offer connections to */
    unsigned nreach;
    const struct dl_mem *mem; /* per tile: its process heap (ntiles entries) */
    uint8_t *rx_base;         /* Rx memory */
    uint64_t rx_len;
    unsigned rx_credits;  /* frames held per application tile */
    unsigned batch_words; /* dlibos.batch_words */
    bool credit_checks;
    uint64_t retry_ps;
    /* state */
    struct dmsg_port port;
    struct net_conn *conn; /* per connection slot (id & 0xffff) */
    uint32_t *held;        /* per tile: frames its flows hold */
    struct net_flow *flows;
    uint32_t flow_mask;
    unsigned rr;
    uint16_t ports[16]; /* ports listened on */
    unsigned nports;
    bool failed;
    bool done; /* its main has returned: set-up over (or failed) */
    struct net_tile_stats ns;
};

/* Tile main (arg: struct net_tile *). */
void net_tile_main(struct tile *t, void *arg);

#endif
