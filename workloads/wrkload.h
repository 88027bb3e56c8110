/* workloads/wrkload.h: a wrk-like HTTP load run over workloads/httpc.h: the
 * closed-loop client (C connections, keep-alive, one request outstanding
 * per connection, as wrk with -c C) with a warm-up, then a measured window,
 * reporting requests/s, bytes/s and latency percentiles.
 *
 * What it does: creates an httpc with the caller's configuration, taking
 * its now and record hooks (the caller's now is called through them; its
 * record must be NULL). Time t0 is wrkload_start's; the window is [t0 +
 * warmup, t0 + warmup + duration). A response counts in the window when its
 * last byte is consumed inside it (wrk counts completions too): its latency
 * (httpc's: from the request's send to the response's last byte; closed
 * loop, so no request waits for its send) goes to a histogram (lathist.h),
 * its bytes (head and body) to the byte count. The caller stops the client
 * (wrkload_stop) once the window is over; rates are over the window's
 * length.
 *
 * Memory: the instance and its histogram (58 KiB) from the allocator
 * passed in, besides httpc's (httpc.h). Cost: O(1) per response besides
 * httpc's.
 */
#ifndef TESSERA_WORKLOADS_WRKLOAD_H
#define TESSERA_WORKLOADS_WRKLOAD_H

#include "workloads/httpc.h"
#include "workloads/lathist.h"

struct wrkload_config {
    struct httpc_config http;  /* now required; record NULL */
    uint64_t warmup, duration; /* ps, from wrkload_start */
};

struct wrkload_result {
    double rps, bytes_per_s;           /* over the window */
    uint64_t responses;                /* completed inside the window */
    uint64_t non2xx;                   /* of those, status not 2xx */
    uint64_t p50, p90, p99, p999, max; /* ps */
    double mean;                       /* ps */
};

struct wrkload;
struct wrkload *wrkload_create(const struct wrkload_config *cfg, const struct stk_alloc *alloc);
void wrkload_destroy(struct wrkload *w);
/* The client: its events (ctx: wrkload_httpc's result), poll, stats. */
struct httpc *wrkload_httpc(struct wrkload *w);
/* Starts the client and the clock of the window. 0 or -1. */
int wrkload_start(struct wrkload *w, struct sock *k);
/* The window's end (ps; UINT64_MAX before the start). */
uint64_t wrkload_end(const struct wrkload *w);
/* Issues no new request (httpc_stop). */
void wrkload_stop(struct wrkload *w);
void wrkload_result(const struct wrkload *w, struct wrkload_result *r);
const struct lathist *wrkload_hist(const struct wrkload *w);

#endif
