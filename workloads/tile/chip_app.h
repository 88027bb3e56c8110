/* workloads/tile/chip_app.h: an application as the chip's tile programs run
 * it (tile code): the same server code on RTC tiles (rtc transport) and on
 * DLibOS application tiles (UDN transport), because it sees only struct sock.
 *
 * What it does: a table of four functions around a server of workloads/
 * (create its instance from an allocator, its event handlers, start it on a
 * socket, poll it with the time), and the tables of the servers the chip
 * runs today: chip_app_httpd (workloads/httpd.h), chip_app_echo
 * (workloads/echo.h), chip_app_netpipe (workloads/netpipe.h: NetPIPE's
 * receiver), chip_app_netpipe_client (workloads/netpipe_client.h: its
 * transmitter), chip_app_memcached (workloads/mcd.h) and chip_app_httpc (workloads/httpc.h: the chip as the client,
 * its connections active opens).
 *
 * Memory: the instance comes from the allocator given to create (the
 * process heap on a tile, so the network tiles and the NIC may read what it
 * sends); params (e.g. struct chip_app_http's files) are the caller's and
 * must outlive the instance. Cost: one indirect call per event.
 */
#ifndef TESSERA_WORKLOADS_TILE_CHIP_APP_H
#define TESSERA_WORKLOADS_TILE_CHIP_APP_H

#include <stdint.h>

#include "sim/tile/tile_api.h"
#include "stack/sock.h"
#include "workloads/httpc.h"
#include "workloads/httpd.h"
#include "workloads/mcd.h"
#include "workloads/netpipe.h"
#include "workloads/netpipe_client.h"

struct chip_app {
    const char *name;
    /* The instance, or NULL (memory exhausted, bad params). */
    void *(*create)(struct tile *t, const void *params, const struct stk_alloc *alloc);
    struct sock_events (*events)(void);
    /* Listen on k; 0 or a negative errno. */
    int (*start)(void *inst, const void *params, struct sock *k);
    /* Periodic work at time now (ps); NULL: none. */
    void (*poll)(void *inst, uint64_t now);
    /* Interval of poll, ps (0: never). */
    uint64_t (*poll_every)(const void *params);
};

/* Parameters of chip_app_httpd. */
struct chip_app_http {
    const struct httpd_file *files;
    unsigned nfiles;
    uint16_t port;
    unsigned backlog;
    uint64_t idle_timeout_ps; /* 0: none */
};
/* Parameters of chip_app_httpc: the HTTP client (workloads/httpc.h) on the
 * chip, against servers outside it. cfg.now and cfg.ctx are set by create
 * (the tile's clock); cfg.record may stay NULL. */
struct chip_app_http_client {
    struct httpc_config cfg;
};
/* Parameters of chip_app_netpipe. */
struct chip_app_netpipe {
    uint16_t port;
    unsigned backlog;
    enum netpipe_mode mode;
};
/* Parameters of chip_app_netpipe_client: NetPIPE's transmitter on the chip
 * (a second chip cabled to the one under test). cfg.now, cfg.ctx and
 * cfg.record are set by create: the tile's clock, and each measured size
 * goes to record(record_ctx, bytes, one-way ps), a call out of tile code
 * into the experiment (a probe: it costs the tile nothing). The client
 * connects at the first poll (every 100 us) after *go turns non-zero: the
 * experiment sets it once the chip it connects to has set up (a connect
 * before its listen would be refused). */
struct chip_app_netpipe_client {
    struct netpipe_client_config cfg;
    void (*record)(void *ctx, uint64_t bytes, uint64_t one_way_ps);
    void *record_ctx;
    const volatile uint32_t *go;
};
/* chip_app_netpipe_client's instance: the client and what its calls need. */
struct chip_app_netpipe_client_inst {
    struct netpipe_client *c;
    struct tile *t;
    const struct chip_app_netpipe_client *p;
    struct sock *k;
    bool started;
    int connect_rc;
};
/* Parameters of chip_app_memcached: the memcached server (workloads/mcd.h)
 * over a store that every application tile of the process shares (built
 * and preloaded by the experiment in the process's heap, its lock
 * operations the tiles' spin locks). The server's clock is
 * CHIP_APP_UNIX_EPOCH plus the simulated seconds. */
struct chip_app_memcached {
    struct mcd_store *store;
    uint16_t port;
    unsigned backlog;
};
#define CHIP_APP_UNIX_EPOCH 1765000000u /* the simulated boot's unix time [A] */
/* Parameters of chip_app_echo. */
struct chip_app_echo {
    uint16_t port;
    unsigned backlog;
};

/* The application computing for `cycles` (an instrumented loop: its cost
 * is measured like any code), for tests of what the network side does
 * meanwhile (workload.busy_ns; DLibOS C15). */
void chip_app_busy(struct tile *t, uint64_t cycles);

extern const struct chip_app chip_app_httpd;
extern const struct chip_app chip_app_echo;
extern const struct chip_app chip_app_netpipe;
extern const struct chip_app chip_app_netpipe_client;
extern const struct chip_app chip_app_memcached;
extern const struct chip_app chip_app_httpc;

#endif
