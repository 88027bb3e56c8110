/* workloads/tile/chip_app.h: an application as the chip's tile programs run
 * it (tile code): the same server code on RTC tiles (rtc transport) and on
 * DLibOS application tiles (UDN transport), because it sees only struct sock.
 *
 * What it does: a table of four functions around a server of workloads/
 * (create its instance from an allocator, its event handlers, start it on a
 * socket, poll it with the time), and the tables of the servers the chip
 * runs today: chip_app_httpd (workloads/httpd.h), chip_app_echo
 * (workloads/echo.h), chip_app_netpipe (workloads/netpipe.h: NetPIPE's
 * receiver) and chip_app_httpc (workloads/httpc.h: the chip as the client,
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
#include "workloads/netpipe.h"

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
extern const struct chip_app chip_app_httpc;

#endif
