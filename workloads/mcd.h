/* workloads/mcd.h: a memcached-compatible server (the ASCII protocol of
 * memcached 1.6) on the socket layer API only, over a store of
 * workloads/mcd_store.h that it may share with other servers (tiles).
 *
 * Commands: get, gets, gat, gats (any number of keys), set, add, replace,
 * append, prepend, cas, delete, incr, decr, touch, flush_all [delay],
 * version, verbosity, stats (general counters; "stats reset"), quit, with
 * noreply where memcached takes it. Replies, error strings and the token
 * rules follow Debian's memcached 1.6.18 as measured (docs/memcached.md):
 * "ERROR" for unknown commands and wrong token counts, "CLIENT_ERROR bad
 * command line format" for bad numbers and keys over 250 bytes, "CLIENT_ERROR
 * bad data chunk" when a data block does not end in "\r\n", "SERVER_ERROR
 * object too large for cache" (its data is read and dropped), "SERVER_ERROR
 * out of memory storing object"; a line of more than 2048 bytes without an
 * end closes the connection (get lines may have MCD_GET_LINE_MAX). Left out:
 * the binary protocol, meta commands (mg, ms, ...: "ERROR"), UDP, SASL,
 * stats sub-commands other than reset.
 *
 * Zero-copy: a command line inside one received segment is parsed in place;
 * one that spans segments is copied into the connection's line buffer
 * (stats: parse_inplace, parse_copied). Data blocks are copied once, into
 * the new item in slab memory. Replies: text (status lines, "VALUE key
 * flags bytes [cas]" headers) is written into the connection's Tx ring
 * (MCD_TX_RING bytes); values go out zero-touch as references into slab
 * memory ("value\r\n"), with a tx hold on the item until data_acked covers
 * them. Pipelined requests are answered in order, several per send.
 * Backpressure: a connection is not read further while its unacknowledged
 * output exceeds MCD_OUT_MAX bytes or its Tx ring lacks room; its received
 * bytes stay with the stack and its window closes.
 *
 * Memory: the server, its connections, their line buffers, rings and
 * output queues come from the allocator; the store is the caller's (it must
 * outlive the server). Cost per request: O(line + keys) plus the store's.
 */
#ifndef TESSERA_WORKLOADS_MCD_H
#define TESSERA_WORKLOADS_MCD_H

#include "stack/sock.h"
#include "workloads/mcd_store.h"

#define MCD_LINE_MAX 2048            /* without "\n" in sight: close */
#define MCD_GET_LINE_MAX (64 * 1024) /* the same for get/gets/gat/gats lines */
#define MCD_TX_RING (16 * 1024)      /* reply text per connection */
#define MCD_OUT_MAX (256 * 1024)     /* unacknowledged reply bytes per connection */
#define MCD_VERSION "1.6.18"

struct mcd_stats {
    uint64_t conns, curr_conns;
    uint64_t cmd_get, cmd_gets, cmd_gat, cmd_set, cmd_add, cmd_replace, cmd_append, cmd_prepend,
        cmd_cas, cmd_delete, cmd_incr, cmd_decr, cmd_touch, cmd_flush, cmd_version, cmd_verbosity,
        cmd_stats, cmd_quit, cmd_unknown;
    uint64_t get_hits, get_misses, touch_hits, touch_misses, delete_hits, delete_misses, incr_hits,
        incr_misses, decr_hits, decr_misses, cas_hits, cas_misses, cas_badval;
    uint64_t store_too_large, store_no_memory;
    uint64_t errors, client_errors, server_errors, bad_data_chunks, lines_too_long;
    uint64_t parse_inplace, parse_copied;
    uint64_t bytes_read, bytes_written, values_zero_touch;
    uint64_t backpressure_stalls; /* times a connection was left unread (output bound) */
    uint64_t evictions;           /* the store's (mcd_stats copies them) */
};

struct mcd;
/* store: the caller's, shared with other servers as it allows. */
struct mcd *mcd_create(struct mcd_store *store, const struct stk_alloc *alloc);
void mcd_destroy(struct mcd *m);
struct sock_events mcd_events(void);
int mcd_start(struct mcd *m, struct sock *k, uint64_t listen_id, uint16_t port, unsigned backlog);
/* The counters, evictions copied from the store at the call. */
const struct mcd_stats *mcd_stats(struct mcd *m);
/* The store's clock: unix seconds (the server has none of its own); the
 * first call also sets the server's start ("STAT uptime"). */
void mcd_set_time(struct mcd *m, uint32_t now);

#endif
