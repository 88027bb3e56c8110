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
 * Three ways to echo (netpipe_config.mode; DLibOS section 5.1 names the
 * last two):
 *  - zerocopy: each received piece is sent back at once by reference (cut
 *    through: a message's first bytes return before its last arrive); the
 *    ledger returns the receive buffers once the echo is acknowledged. Not
 *    NPtcp's receiver: the two directions overlap, so a large message's
 *    "one-way" time (round trip / 2) falls below its time on the wire; use
 *    copy or nocopy for NetPIPE's figures.
 *  - copy (the paper's "copy mod"): each message is copied into a Tx buffer
 *    as its bytes arrive (receive buffers go back at once) and the buffer is
 *    sent when the whole message is in, as NPtcp's receiver does (recv of
 *    the whole message, then send). A buffer is freed once TCP has
 *    acknowledged all of it.
 *  - nocopy (the paper's "nocopy mod"): the first message of each size is
 *    copied into a Tx buffer once (the pings get their own: their bytes
 *    differ); every message of that size is answered from it, when the
 *    whole message is in (receive buffers go back at once). The contents
 *    match what NPtcp sends (the same bytes for every measured message of a
 *    size), so -i's integrity check passes (stack_linux_netpipe).
 * Memory: the instance (which holds the sync and quit replies it sends:
 * a transport may send only from memory it can reach, such as the
 * allocator's), per connection a 16-byte token buffer and the ledger marks; copy
 * and nocopy: the Tx buffers not yet acknowledged (copy: about one message;
 * nocopy: the current size's buffer and any retired one still in flight).
 */
#ifndef TESSERA_WORKLOADS_NETPIPE_H
#define TESSERA_WORKLOADS_NETPIPE_H

#include "stack/sock.h"

struct netpipe_srv;
enum netpipe_mode { NETPIPE_ZEROCOPY, NETPIPE_COPY, NETPIPE_NOCOPY };
extern const char *const netpipe_mode_names[]; /* "zerocopy", "copy", "nocopy", NULL */
struct netpipe_config {
    unsigned start;        /* 0: learn from the first ping */
    unsigned perturbation; /* used when start != 0 */
    unsigned trials;       /* used when start != 0 */
    enum netpipe_mode mode;
};
struct netpipe_stats {
    uint64_t conns, sizes_done, bytes_echoed, protocol_errors, completed;
    uint64_t bytes_copied; /* into Tx buffers (copy, nocopy) */
    uint64_t no_memory;    /* a Tx buffer could not be allocated (the connection is closed) */
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
