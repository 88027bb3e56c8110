/* workloads/netpipe.h: a server for NetPIPE's TCP module (NPtcp 3.7.2, the
 * receiver side), on the socket layer API only. Protocol (facts/workloads.md):
 * sync ("SyncMe" both ways); 100 ping-pongs of `start` bytes; sync; then per
 * message size: sync, a 4-byte big-endian repeat count, and `trials` times
 * (sync + repeat x echo of len bytes); "QUIT\0" where a sync is expected ends
 * it and is answered in kind. Message sizes follow NetPIPE's schedule (start,
 * increment doubling every other step, +-perturbation); so the server need
 * not know the client's -u. With start = 0 the server learns `start` from the
 * first ping and picks the mode: 1 -> normal (3 trials per size), otherwise
 * integrity mode -i (start 5, no perturbation, 1 trial per size; observed
 * on the wire against NPtcp 3.7.2: -i sizes run 5, 7, 9, 13, 17, 25, ...,
 * since NetPIPE counts steps from 1 when start > 1).
 *
 * Echoes are zero-copy (receive references sent back) with the ledger
 * returning buffers once the echo is acknowledged. Memory: per connection a
 * 16-byte token buffer and the ledger marks.
 */
#ifndef TESSERA_WORKLOADS_NETPIPE_H
#define TESSERA_WORKLOADS_NETPIPE_H

#include "stack/sock.h"

struct netpipe_srv;
struct netpipe_config {
    unsigned start;        /* 0: learn from the first ping */
    unsigned perturbation; /* used when start != 0 */
    unsigned trials;       /* used when start != 0 */
};
struct netpipe_stats {
    uint64_t conns, sizes_done, bytes_echoed, protocol_errors, completed;
};

/* Its instance and connections come from alloc (NULL: the default). */
struct netpipe_srv *netpipe_create(const struct netpipe_config *cfg, const struct stk_alloc *alloc);
void netpipe_destroy(struct netpipe_srv *n);
struct sock_events netpipe_events(void);
int netpipe_start(struct netpipe_srv *n, struct sock *k, uint64_t listen_id, uint16_t port,
                  unsigned backlog);
const struct netpipe_stats *netpipe_stats(const struct netpipe_srv *n);

/* NetPIPE's size schedule: the k-th message size (k from 0), 0 past the end
 * of 32-bit sizes. Exposed for tests. */
struct netpipe_sizes {
    unsigned start, pert;
    uint64_t len, inc;
    unsigned nq;
    int pert_cur;
    bool first;
};
void netpipe_sizes_init(struct netpipe_sizes *s, unsigned start, unsigned pert);
uint64_t netpipe_sizes_next(struct netpipe_sizes *s);

#endif
