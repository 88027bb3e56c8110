/* workloads/tile/app_tile.h: the DLibOS application tile program and the
 * `dlibos` transport of the socket layer (tile code, instrumented).
 *
 * What it does: app_tile_main creates the application (chip_app.h) in its
 * process's heap and hands it a struct sock whose commands become UDN
 * records to the network tile that owns the connection (the `net` of its
 * sock_id), or, for listen, to every network tile that may reach this tile
 * (dlibos_msg.h: compact records, batched per destination, credit-checked).
 * Events arrive on UDN queue DMSG_Q_EVENTS; each is decoded (Rx offsets
 * become pointers into Rx memory, which this tile may only read) and the
 * application's handler runs. The application's code is the same as under
 * the rtc transport.
 *
 * Commands return 0 once queued (the network tile executes them later, as
 * in the paper); errors it finds are counted on the network tile. send
 * refuses (-EFAULT, counted bad_pointer) a piece outside this tile's
 * process heap and Rx memory: the network tile could not name it.
 *
 * Labels: the application's handlers run labelled `app`; decoding events
 * and encoding commands (the socket layer, part of DLibOS's library) run
 * labelled `stack`.
 *
 * Memory: struct app_tile lives in the tile's private memory, filled by
 * the simulator; the application instance in the process heap; the
 * message port in the private arena.
 */
#ifndef TESSERA_WORKLOADS_TILE_APP_TILE_H
#define TESSERA_WORKLOADS_TILE_APP_TILE_H

#include "stack/sock.h"
#include "workloads/tile/chip_app.h"
#include "workloads/tile/dlibos_msg.h"

struct app_tile_stats {
    uint64_t events, commands, bad_pointer, bad_event, failed_connects;
};

struct app_tile {
    const struct chip_app *app;
    const void *app_params;
    unsigned ntiles;
    const uint16_t *nets; /* network tiles that may reach this tile */
    unsigned nnets;
    uint8_t *heap; /* this tile's process heap */
    uint64_t heap_len;
    const uint8_t *rx_base; /* Rx memory */
    uint64_t rx_len;
    unsigned batch_words;
    bool credit_checks;
    uint64_t retry_ps;
    bool inject_rx_write; /* fault injection: write the first Rx frame received */
    uint64_t busy_cycles; /* computation before each new_data (workload.busy_ns) */
    /* state */
    struct tile *t;
    struct dmsg_port port;
    void *inst;
    struct sock_events ev;
    struct sock sock;
    unsigned rr;    /* connect: next network tile */
    uint64_t every; /* application poll interval (ps; 0: none) */
    tile_timer_id poll_timer;
    bool failed;
    bool done; /* its main has returned: set-up over (or failed) */
    struct app_tile_stats as;
};

/* Tile main (arg: struct app_tile *). */
void app_tile_main(struct tile *t, void *arg);

#endif
