/* stack/stk_defs.h: the types and constants of the stack's public API
 * (time, frames, gather lists, driver and application callbacks, config,
 * counters, TCP states and info). No functions: stk.h declares those.
 *
 * Contract: plain declarations, no code, no memory. It is the lowest header
 * of stack/ (it includes only the C library), so every stack module and
 * every user of stk.h sees the same definitions; see stk.h for the layer
 * order.
 */
#ifndef TESSERA_STACK_STK_DEFS_H
#define TESSERA_STACK_STK_DEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t stk_time_t; /* picoseconds, the unit of sim_time_t */
#define STK_NS ((stk_time_t)1000)
#define STK_US ((stk_time_t)1000000)
#define STK_MS ((stk_time_t)1000000000)
#define STK_SEC ((stk_time_t)1000000000000)
#define STK_NEVER UINT64_MAX

struct stk;

/* Memory for an instance's state (the stack's tables, the socket layer, the
 * servers' instances and connections), passed in when the instance is
 * created; the instance keeps a copy and never allocates elsewhere. alloc
 * returns `size` bytes zeroed (as calloc), aligned for any type, or NULL;
 * free takes a pointer alloc returned, or NULL (no-op). A zeroed struct (or a
 * NULL pointer where one is taken) means the default: natively the C
 * library (stk_alloc_libc, stack/stk_alloc.h); on a tile there is none, the
 * caller passes the runtime's arenas (workloads/tile/stk_arena.h). */
struct stk_alloc {
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *p);
    void *ctx;
};

/* A received frame: owned by the driver; the stack only adjusts `refs`
 * (the driver sets it to 0) and calls rx_release once it holds no reference. */
struct stk_rxbuf {
    uint8_t *data;
    uint32_t len;
    uint32_t refs;
};

struct stk_iov {
    const void *base;
    size_t len;
};

/* One element of a send scatter/gather list. */
struct stk_sendv {
    const void *ptr;
    size_t len;
    unsigned flags; /* STK_SEND_* */
};
#define STK_SEND_MORE 1u /* no PSH on the last segment of this element */

struct stk_driver {
    /* A frame as a gather list (first element: Ethernet+IP+TCP headers). */
    void (*output)(void *ctx, const struct stk_iov *iov, unsigned n, size_t total);
    void (*rx_release)(void *ctx, struct stk_rxbuf *buf);
    uint32_t (*random)(void *ctx); /* ISNs, ephemeral ports */
    void *ctx;
    /* Optional: may an active open to (dst_ip, dst_port) use local port
     * src_port? A driver whose device steers frames by a flow hash (RSS)
     * answers whether the replies would reach this instance. NULL: any. */
    bool (*port_ok)(void *ctx, uint32_t dst_ip, uint16_t dst_port, uint16_t src_port);
};

/* Application events (DLibOS Table 1). `id` is the connection index in this
 * instance's name space. new_conn carries the listener tag for passive opens
 * and the cookie for active ones; status is 0 or a negative errno-style
 * reason (ECONNREFUSED, ETIMEDOUT) for a failed connect, which is followed
 * by cleanup(id). */
struct stk_app {
    void (*new_conn)(void *ctx, uint32_t id, uint64_t tag, bool active, int status);
    void (*new_data)(void *ctx, uint32_t id, const struct stk_iov *v, unsigned n);
    void (*data_acked)(void *ctx, uint32_t id, uint64_t count);
    void (*remote_closed)(void *ctx, uint32_t id);
    void (*cleanup)(void *ctx, uint32_t id);
    void *ctx;
};

struct stk_config {
    uint8_t mac[6];
    uint32_t ip, netmask, gateway; /* host byte order */
    uint16_t mtu;
    bool arp_static_only;  /* never send ARP requests; static neighbours only */
    bool tx_csum_offload;  /* leave IP/TCP/ICMP checksums for the NIC */
    bool rx_csum_offload;  /* trust the NIC's checksum verification */
    uint32_t max_conns;    /* connection slots (at most 65535) */
    uint32_t seg_pool;     /* segment references (rx and tx) */
    uint32_t rcv_buf;      /* receive buffer per connection, bytes */
    uint32_t max_rx_segs;  /* segment references one connection may hold */
    stk_time_t timer_tick; /* timing wheel granularity */
    stk_time_t rto_initial, rto_min, rto_max;
    stk_time_t delack;      /* 0: delayed ACKs off */
    stk_time_t time_wait;   /* 2*MSL */
    uint32_t time_wait_max; /* TIME-WAIT table entries (0: no TIME-WAIT) */
    stk_time_t fin_wait2;   /* orphaned FIN-WAIT-2 timeout */
    unsigned syn_retries, data_retries;
    /* TCP keep-alive (RFC 9293 3.8.4, RFC 1122 4.2.3.6): after `keepalive_idle`
     * without a segment from the peer, probe every `keepalive_intvl`; abort
     * after `keepalive_probes` unanswered probes. */
    bool keepalive;
    stk_time_t keepalive_idle, keepalive_intvl;
    unsigned keepalive_probes;
    uint32_t init_cwnd_segs; /* 0: RFC 5681 formula */
    /* Options offered in SYNs and used when the peer offers them too:
     * selective acknowledgments (RFC 2018) with SACK-based loss recovery
     * (RFC 6675) and DSACK (RFC 2883); timestamps (RFC 7323: RTT
     * measurement, PAWS) with Eifel undo of spurious retransmits (RFC 3522). */
    bool sack, timestamps;
    uint16_t ephemeral_lo, ephemeral_hi;
    struct stk_alloc alloc; /* the instance's memory (zeroed: the default) */
};

/* Counters: every drop has a cause (one per line; clang-format 14 does not
 * settle on a layout for a long X-macro list, so it is left as written). */
// clang-format off
#define STK_COUNTERS(X) \
    X(rx_frames) X(tx_frames) X(rx_bytes) X(tx_bytes) X(eth_runt) X(eth_not_for_us) \
    X(eth_unknown_type) X(arp_rx) X(arp_bad) X(arp_requests_answered) X(arp_requests_sent) \
    X(arp_replies_learned) X(arp_no_neighbour_drop) X(ip_rx) X(ip_bad_version) \
    X(ip_bad_header_len) X(ip_bad_total_len) X(ip_bad_checksum) X(ip_fragment_drop) \
    X(ip_not_for_us) X(ip_options) X(ip_unknown_proto) X(icmp_rx) X(icmp_bad_checksum) \
    X(icmp_echo_replied) X(icmp_other) X(icmp_runt) X(tcp_rx) X(tcp_runt) X(tcp_bad_offset) \
    X(tcp_bad_checksum) X(tcp_bad_options) X(tcp_no_conn_rst) X(tcp_rst_sent) X(tcp_rst_rx) \
    X(tcp_rst_bad_seq) X(tcp_challenge_ack) X(tcp_syn_backlog_drop) X(tcp_syn_no_slot_drop) \
    X(tcp_unacceptable) X(tcp_ack_too_new) X(tcp_ooo_segs) X(tcp_ooo_drop) X(tcp_rx_no_seg_drop) \
    X(tcp_dup_data) X(tcp_retransmits) X(tcp_fast_retransmits) X(tcp_rto_fired) X(tcp_zwp_sent) \
    X(tcp_delacks) X(tcp_conn_timeout) X(tcp_active_opens) X(tcp_passive_opens) \
    X(tcp_established) X(tcp_data_segs_out) X(tcp_data_segs_in) X(tcp_acks_out) \
    X(tcp_dupacks_rx) X(tcp_send_no_seg) X(tcp_bad_id) X(tcp_time_wait_reuse) \
    X(tcp_time_wait_recycled) X(tcp_time_wait_acks) X(tcp_keepalive_probes) \
    X(tcp_keepalive_drop) X(tcp_send_over_share) X(tcp_sack_recovery) X(tcp_sack_blocks_rx) \
    X(tcp_sack_reneging) X(tcp_dsack_rx) X(tcp_dsack_sent) X(tcp_paws_drop) X(tcp_ts_missing_drop) \
    X(tcp_spurious_undo) X(tcp_reorder_seen) X(tcp_tlp_probes) X(tcp_lost_retransmit) X(tcp_reo_timeouts)
// clang-format on

struct stk_counters {
#define STK_COUNTER_FIELD(n) uint64_t n;
    STK_COUNTERS(STK_COUNTER_FIELD)
#undef STK_COUNTER_FIELD
};

/* stk_tcp_shutdown's `how` */
#define STK_SHUT_RD 1
#define STK_SHUT_WR 2

/* Introspection (stk_tcp_info). */
enum stk_tcp_state {
    STK_CLOSED,
    STK_LISTEN,
    STK_SYN_SENT,
    STK_SYN_RECEIVED,
    STK_ESTABLISHED,
    STK_FIN_WAIT_1,
    STK_FIN_WAIT_2,
    STK_CLOSE_WAIT,
    STK_CLOSING,
    STK_LAST_ACK,
    STK_TIME_WAIT
};
struct stk_tcp_info {
    enum stk_tcp_state state;
    uint32_t snd_una, snd_nxt, snd_wnd, rcv_nxt, rcv_wnd;
    uint32_t cwnd, ssthresh, mss;
    uint8_t snd_wscale, rcv_wscale;
    bool sack, timestamps; /* negotiated */
    uint32_t dupthresh;    /* segments (raised by reordering) */
    stk_time_t srtt, rto;
    uint64_t unacked_app_bytes; /* queued by send, not yet acknowledged */
    uint64_t rx_held_bytes;     /* received, not yet returned by recv_done */
    uint32_t local_ip, remote_ip;
    uint16_t local_port, remote_port;
};

#endif
