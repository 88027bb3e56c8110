/* nic/host/client_host.h: a client host outside the chip: cores with their own
 * clock running the stack/ code natively (uninstrumented), behind one 10 GbE
 * port. The load generators of the workloads run on such hosts.
 *
 * What it does: the host owns a TCP/IP stack instance (stack/stk.h) and an
 * Ethernet port (nic/eth.h). Work items run on the host's `cores` cores,
 * one at a time per core, in arrival order: a received frame (stk_input),
 * the stack's timers (stk_poll, armed at stk_poll_at()), and application
 * commands (client_host_at). Frames are steered to a core by their L3+L4
 * flow (the hash of switch_bond_hash, as a host NIC's RSS), so a flow stays
 * in order on one core; timers and commands run on core 0. Each item
 * occupies its core for the CPU model of
 * sim/tile_host.h: chip.host.handler_cycles + bytes x cycles_per_byte at
 * chip.host.freq_hz (bytes: the frame's length; 0 for timers and commands).
 * The item takes effect when its cost has elapsed: the stack sees that time
 * as `now`, and the frames it emits go to the port then (serialised at the
 * line rate by the port). Application callbacks (struct stk_app) run inside
 * the item that triggered them, so their cost is the item's.
 *
 * Flow control: a receive queue of rx_queue frames (a frame arriving to a
 * full queue is refused, and the port counts an overrun); frames the port's
 * transmit FIFO cannot take wait in a backlog of tx_backlog frames (beyond
 * it they are dropped and counted, as a host's qdisc would).
 *
 * Memory: the host owns its stack, port, queues and the frames in them; a
 * received frame is handed to the stack zero-copy and freed when the stack
 * releases it. Randomness (ISNs, ports) comes from a sim/rng stream seeded by
 * (seed, name). Commands the run never reaches are freed by destroy.
 * Cost: two engine events per received frame (arrival, end of
 * its work), one per timer and per command.
 * Left out: locking between cores (the stack instance is shared: items take
 * effect one after another in time order, whatever their core), interrupts
 * and their coalescing, a NIC ring with DMA
 * (frames go straight from the MAC to the host's queue), host caches.
 */
#ifndef TESSERA_NIC_HOST_CLIENT_HOST_H
#define TESSERA_NIC_HOST_CLIENT_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nic/eth.h"
#include "sim/kernel/engine.h"
#include "sim/kernel/rng.h"
#include "sim/tile/chip_config.h"
#include "stack/stk.h"

struct json_writer;
struct client_host;

/* Sees every frame the host's stack emits (tx, at the time it leaves the
 * stack) and every frame its port receives (rx, at its arrival), before
 * either is queued; it must not keep the pointer. */
typedef void (*client_host_tap_fn)(void *ctx, const struct client_host *h, const uint8_t *frame,
                                   size_t len, bool tx, sim_time_t t);

/* A command run on the host's core (e.g. stk_tcp_connect on h's stack). */
typedef void (*client_host_fn)(void *ctx, struct client_host *h);

struct client_host_params {
    unsigned cores;      /* 1..CLIENT_HOST_MAX_CORES */
    uint64_t rx_queue;   /* frames (>= 1), all cores together */
    uint64_t tx_backlog; /* frames (>= 1) */
    uint64_t seed;
};

struct client_host_stats {
    uint64_t rx_frames, rx_refused, tx_frames, tx_backlog_drops;
    uint64_t items, timer_items, command_items;
    sim_time_t busy_ps; /* core time used by work items, all cores */
};

#define CLIENT_HOST_MAX_CORES 64u

/* A queued work item. */
struct client_host_item {
    struct client_host_item *next;
    int kind;            /* frame, timer, command */
    struct eth_frame *f; /* frame */
    client_host_fn fn;   /* command */
    void *ctx;
};

struct client_host {
    char name[48];
    struct sim_engine *engine;
    const struct chip_host_config *cpu;
    struct client_host_params prm;
    struct eth_port port;
    struct stk *stk;
    struct sim_rng rng;
    struct client_host_core {
        struct client_host_item *head, *tail; /* waiting for the core */
        struct client_host_item *running;     /* on it until its cost has elapsed */
        sim_time_t busy_until, busy_ps;
        uint64_t items;
    } core[CLIENT_HOST_MAX_CORES];
    uint64_t queued_frames;
    struct client_host_item *scheduled; /* commands whose time has not come */
    sim_event_id timer_ev;
    sim_time_t timer_at;
    bool timer_queued;
    client_host_tap_fn tap;
    void *tap_ctx;
    struct eth_frame **backlog;
    uint64_t bhead, blen;
    struct client_host_stats st;
};

/* NULL (message in err) on bad parameters or a stack config stk_create
 * refuses. eth, cpu and the engine must outlive the host; scfg is copied by
 * the stack; app may be NULL (set later with stk_set_app on the stack). */
struct client_host *client_host_create(struct sim_engine *e, const struct nic_eth_config *eth,
                                       const struct chip_host_config *cpu,
                                       const struct client_host_params *prm,
                                       const struct stk_config *scfg, const struct stk_app *app,
                                       const char *name, char *err, size_t errlen);
/* Call after the engine stops running its events. */
void client_host_destroy(struct client_host *h);

struct eth_port *client_host_port(struct client_host *h);
struct stk *client_host_stack(struct client_host *h);
/* Install a tap (NULL removes it); measurements such as ACK delays. */
void client_host_set_tap(struct client_host *h, client_host_tap_fn fn, void *ctx);
/* Run fn(ctx, h) on the host's core 0 at time t or when it is next free. */
void client_host_at(struct client_host *h, sim_time_t t, client_host_fn fn, void *ctx);

/* {"rx_frames",..., "port":{...}, "stack":{counter: n}} */
void client_host_write_stats(const struct client_host *h, struct json_writer *w);

#endif
