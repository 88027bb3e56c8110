/* workloads/netpipe_client.h: NetPIPE's TCP module (NPtcp 3.7.2) as the
 * transmitter, on the socket layer API only, so it runs on client hosts, on
 * tiles, and against NPtcp's receiver or our server (workloads/netpipe.h).
 *
 * What it does: one connection; the wire protocol of NPtcp (netpipe.h
 * describes it): sync ("SyncMe" both ways); 100 ping-pongs of `start`
 * bytes; sync; then for each message size of NetPIPE's schedule (start,
 * increment doubling every other step, +-perturbation; the sizes whose
 * base is at most max_bytes, so the last may overshoot it by the
 * perturbation, as NPtcp's -u): sync, the 4-byte big-endian repeat count,
 * and `trials` times: sync, then `repeats` ping-pongs of the size (send the
 * message, receive the whole echo). The time of a size is the best trial's
 * round trips / (2 x repeats): NPtcp's one-way time. At the end "QUIT\0" is
 * sent where a sync is expected and its echo awaited; then the connection
 * is closed. NPtcp picks each size's repeat count adaptively from the last
 * one's time (a host-time target); here it is fixed (NPtcp -n), so a
 * simulated run's length does not depend on host speed.
 *
 * Payload: the message is the first `size` bytes of one buffer filled once
 * (in integrity mode, as NPtcp -i: start 5, no perturbation, one trial,
 * int32 0, 1, 2, ... little endian; otherwise a byte pattern), sent
 * zero-touch and never written again. Every echoed byte is compared with
 * it (mismatches counted), so a server that answers from a buffer filled by
 * the first message of each size (nocopy) passes.
 *
 * Time: no clock of its own: cfg.now(cfg.ctx) gives picoseconds. Each size
 * measured calls cfg.record (bytes, one-way ps) as NPtcp writes a line of
 * its -o file.
 *
 * Errors are counted, never fatal: a failed connect, a reset or close
 * before the end, a send the transport refuses, a sync or quit that is not
 * "SyncMe"/"QUIT\0", echoed bytes that differ. Any of them but a mismatch
 * ends the run (netpipe_client_done() turns true).
 *
 * Memory: from the allocator passed in (NULL: the default): the instance
 * (which holds the sync and quit tokens it sends: a transport may send only
 * from memory it can reach, such as the allocator's) and the message buffer
 * (max_bytes + perturbation bytes). The stack may
 * refer to the buffer until data_acked: destroy the client once it is done
 * and its connection cleaned up, or after the transport is gone.
 * Cost per event: O(bytes in it) (the comparison).
 */
#ifndef TESSERA_WORKLOADS_NETPIPE_CLIENT_H
#define TESSERA_WORKLOADS_NETPIPE_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "stack/sock.h"

struct netpipe_client_config {
    uint32_t server_ip;
    uint16_t port;
    unsigned start;        /* first size (NPtcp -l; 1 by default, 5 with integrity) */
    unsigned perturbation; /* NPtcp -p (3 by default, 0 with integrity) */
    uint64_t max_bytes;    /* NPtcp -u: the largest base size */
    unsigned repeats;      /* ping-pongs per trial (NPtcp -n) */
    unsigned trials;       /* per size (NPtcp: 3; 1 with integrity) */
    bool integrity;        /* NPtcp -i: the sizes, payload and trials above */
    uint64_t (*now)(void *ctx);
    void (*record)(void *ctx, uint64_t bytes, uint64_t one_way_ps);
    void *ctx;
};

struct netpipe_client_stats {
    uint64_t sizes_done;
    uint64_t bytes_sent, bytes_received;
    uint64_t mismatched_bytes; /* echoed bytes that differ from what was sent */
    uint64_t connect_failed, closed_early, send_failed, protocol_errors, no_memory;
    bool completed; /* the quit was echoed */
};

struct netpipe_client;

/* NULL when the configuration is unusable (repeats, trials or max_bytes 0,
 * max_bytes over 2^31, no clock) or memory runs out. */
struct netpipe_client *netpipe_client_create(const struct netpipe_client_config *cfg,
                                             const struct stk_alloc *alloc);
void netpipe_client_destroy(struct netpipe_client *c);
struct sock_events netpipe_client_events(void);
/* Opens the connection (cookie 0). Returns sock_connect's result. */
int netpipe_client_start(struct netpipe_client *c, struct sock *k);
/* True once the run has ended (the quit echoed, or an error that ends it). */
bool netpipe_client_done(const struct netpipe_client *c);
const struct netpipe_client_stats *netpipe_client_stats(const struct netpipe_client *c);

#endif
