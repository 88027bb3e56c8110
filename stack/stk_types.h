/* stack/stk_types.h: the instance and connection structs and the helpers
 * every layer shares (wire byte order, sequence-number comparison).
 *
 * Contract: declarations and inline helpers only, no functions to link. It
 * sits low in the module graph (it includes only stk_defs.h and twheel.h) so
 * that every stack module can see `struct stk` without depending on the
 * modules above; the fields of `struct stk` are owned by the module named
 * in their comment. Private to stack/: nothing outside includes it.
 */
#ifndef TESSERA_STACK_STK_TYPES_H
#define TESSERA_STACK_STK_TYPES_H

#include "stack/stk_defs.h"
#include "stack/twheel.h"

#include <string.h>

#define STK_ETH_HLEN 14
#define STK_IP_HLEN 20
#define STK_TCP_HLEN 20
#define STK_HDR_MAX (STK_ETH_HLEN + STK_IP_HLEN + 60)
#define STK_ARP_ENTRIES 64
#define STK_MAX_LISTENERS 32
#define STK_IOV_BATCH 64
#define STK_NIL UINT32_MAX
#define STK_SB_MAX 16   /* SACK scoreboard ranges per connection */
#define STK_DUPTHRESH 3 /* RFC 5681 / RFC 6675 DupThresh, raised by reordering */
#define STK_DUPTHRESH_MAX 64

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

/* Network byte order: one load or store each (a byte-wise build of the
 * value would be merged by the native compiler but not in instrumented
 * tile code, whose every store is a hook). */
static inline uint16_t rd16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return __builtin_bswap16(v);
}
static inline uint32_t rd32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return __builtin_bswap32(v);
}
static inline void wr16(uint8_t *p, uint16_t v) {
    v = __builtin_bswap16(v);
    memcpy(p, &v, 2);
}
static inline void wr32(uint8_t *p, uint32_t v) {
    v = __builtin_bswap32(v);
    memcpy(p, &v, 4);
}
static inline uint32_t umin(uint32_t a, uint32_t b) { return a < b ? a : b; }
static inline uint32_t umax(uint32_t a, uint32_t b) { return a > b ? a : b; }

/* A reference to bytes: received payload inside an rx buffer (buf != NULL,
 * seq = sequence number of ptr[0]) or application memory queued for send. */
struct stk_seg {
    struct stk_seg *next;
    struct stk_rxbuf *buf;
    const uint8_t *ptr;
    uint32_t len;
    uint32_t seq;
    unsigned flags;
};

enum { EV_NEW_CONN = 1, EV_DATA = 2, EV_ACKED = 4, EV_RCLOSED = 8, EV_CLEANUP = 16 };

struct stk_tcb {
    uint8_t state; /* enum stk_tcp_state */
    bool in_use;
    uint16_t gen;
    uint32_t hnext; /* hash chain: slot index or STK_NIL */
    uint32_t lip, rip;
    uint16_t lport, rport;
    uint8_t rmac[6];
    bool rmac_ok;
    int listener; /* passive: listener index; active: -1 */
    uint64_t tag; /* listener tag or connect cookie */

    bool active, accepted, app_closed, rd_shut;
    bool new_conn_sent, rclosed_sent, cleanup_sent, counted_in_backlog;
    int status; /* for a failed active open */

    /* send */
    uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2, max_snd_wnd;
    uint32_t mss; /* effective send MSS */
    uint8_t snd_wscale, rcv_wscale;
    bool ws_ok;
    bool sack_ok, ts_ok; /* options in use (tcp_opt.c) */
    uint32_t cwnd, ssthresh, recover, dupacks;
    uint32_t ca_bytes; /* ACKed in congestion avoidance toward the next SMSS */
    bool in_recovery, partial_seen;
    stk_time_t srtt, rttvar, rto, rtt_start;
    bool have_rtt, rtt_timing;
    uint32_t rtt_seq;
    unsigned retries;
    bool persist;
    struct stk_seg *txh, *txt; /* queued data from snd_una on */
    uint64_t tx_queued;        /* bytes in txh.. */
    uint32_t tx_segs;          /* segment references in txh.. */
    struct stk_seg *tx_cur;    /* cursor cache: segment holding tx_cur_seq */
    uint32_t tx_cur_seq;
    bool fin_pending, fin_sent;
    uint32_t fin_seq;
    uint64_t acked_pending;

    /* receive */
    uint32_t irs, rcv_nxt, rcv_adv;
    struct stk_seg *rxh, *rxt, *rx_undeliv; /* in order, not yet recv_done */
    uint32_t rx_held, rx_segs;
    uint32_t rx_dlv;     /* delivered to the application, not yet recv_done */
    struct stk_seg *ooo; /* sorted by seq, non-overlapping */
    uint32_t ooo_bytes;
    bool ooo_fin;
    uint32_t ooo_fin_seq;
    bool fin_rcvd;
    uint32_t unacked_segs;
    bool ack_now, ack_delayed;

    struct twheel_entry t_rto; /* retransmission or persist */
    struct twheel_entry t_delack;
    struct twheel_entry t_wait; /* TIME-WAIT or orphaned FIN-WAIT-2 */
    struct twheel_entry t_keep; /* keep-alive (cfg.keepalive) */
    stk_time_t last_rx;         /* last segment from the peer (keep-alive) */
    unsigned keep_probes;       /* unanswered keep-alive probes */

    uint8_t ev;
    bool on_work;
    uint32_t work_next;

    /* Options and SACK recovery last, so that the fields every segment
     * touches keep their cache lines (the tile model) when the options are
     * off; sack_ok and ts_ok, read on every segment, sit by ws_ok. */
    uint32_t ts_recent;      /* RFC 7323 TS.Recent */
    stk_time_t ts_recent_at; /* when TS.Recent was set (24-day rule) */
    uint32_t last_ack_sent;  /* RFC 7323 Last.ACK.sent (kept with timestamps) */
    uint32_t ts_off;         /* our TSval offset for this 4-tuple */
    /* receiver side of SACK: the latest out-of-order arrival (first block,
     * RFC 2018 4) and a pending duplicate report (RFC 2883) */
    uint32_t ooo_last;
    bool dsack_pending;
    uint32_t dsack_l, dsack_r;
    /* sender side (tcp_sack.c): the scoreboard, sorted and disjoint, every
     * range above SND.UNA; RFC 6675 HighRxt and DupThresh */
    uint8_t sb_n;
    bool rto_recovery; /* in_recovery after an RTO: every unSACKed byte is lost */
    bool sack_kick;    /* the episode's first retransmission goes regardless of cwnd */
    struct stk_sack_range {
        uint32_t l, r;
    } sb[STK_SB_MAX];
    uint32_t high_rxt, dupthresh;
    /* RACK-like time rule (RFC 8985 6, simplified to ranges): since when
     * the peer has SACKed data above SND.UNA, the least RTT seen, and the
     * reordering window's multiplier (raised by undone reordering) */
    stk_time_t sack_since, min_rtt, reo_raised_at;
    uint8_t reo_mult;
    uint32_t rxt_mark; /* SND.MAX when SND.UNA was last retransmitted */
    stk_time_t rxt_at; /* and when */
    uint32_t lt_bytes; /* sent by Limited Transmit since the last new ACK */
    /* tail loss probe (RFC 8985 7): t_rto fires as a probe timeout; one
     * probe out until SND.UNA passes tlp_high */
    bool tlp_armed, tlp_out;
    bool reo_armed; /* t_rto fires as RACK's reorder timer (RFC 8985 6.3) */
    uint32_t tlp_high;
    /* Eifel undo (RFC 3522, response of RFC 4015): the TSval of the first
     * retransmission of an episode and the window before it */
    bool undo_armed;
    bool rxt_guard; /* until the episode ends: no RTT from TSvals before undo_tsval */
    uint32_t undo_tsval, undo_cwnd, undo_ssthresh;
};

/* A connection in TIME-WAIT, kept without its tcb (tcb.c): what it takes to
 * answer the peer (RFC 9293 3.10.7.4) and to refuse an older SYN. */
struct stk_tw {
    uint32_t rip;
    uint16_t rport, lport;
    uint32_t snd_nxt, rcv_nxt;
    uint16_t wnd; /* window field of our ACKs */
    uint8_t rcv_wscale;
    bool ts_ok;            /* timestamps were in use: our ACKs carry them */
    uint32_t ts_recent;    /* the peer's last TSval (RFC 6191 reuse) */
    uint32_t hnext;        /* hash chain or free list: index or STK_NIL */
    uint32_t older, newer; /* age list (also expiry order) */
    stk_time_t expires;
};

struct stk_listener {
    bool used;
    uint16_t port;
    unsigned backlog, count;
    uint64_t tag;
};

struct stk_arp_entry {
    uint32_t ip;
    uint8_t mac[6];
    bool valid, is_static;
};

struct stk {
    /* stk.c: the instance */
    struct stk_config cfg;
    struct stk_driver drv;
    struct stk_app app;
    struct stk_counters ctr; /* each layer counts its own */
    stk_time_t now;
    struct twheel wheel;

    /* tcb.c (table, hash), tcp.c (listeners, ports, draining) */
    struct stk_tcb *tcbs;
    uint32_t nconns;
    uint32_t *hash;
    uint32_t hmask;
    uint32_t free_head; /* free tcb slots linked through hnext */
    /* tcb.c: the TIME-WAIT table (cfg.time_wait_max entries, own hash) */
    struct stk_tw *tws;
    uint32_t *tw_hash;
    uint32_t tw_hmask, tw_free, tw_oldest, tw_newest, ntw;
    struct twheel_entry tw_timer;
    struct stk_listener listeners[STK_MAX_LISTENERS];
    uint16_t next_port;
    bool draining;
    uint32_t ts_secret; /* tcp_opt.c: keys the per-4-tuple TSval offset */

    /* seg.c */
    struct stk_seg *segs;
    struct stk_seg *seg_free; /* segments freed, reused first (LIFO) */
    uint32_t seg_fresh;       /* segs[0 .. seg_fresh) never handed out yet */
    uint32_t segs_free;       /* on the list + fresh */

    /* ip.c */
    struct stk_arp_entry arp[STK_ARP_ENTRIES];
    unsigned arp_next;

    /* work.c */
    uint32_t work_head, work_tail;

    /* frame scratch: ip.c fills Ethernet/IP headers, its callers (ICMP in
     * ip.c, tcp_out.c) the L4 header at hdr + 34 and the payload iovs */
    uint8_t hdr[STK_HDR_MAX];
    struct stk_iov iov[STK_IOV_BATCH + 2];
};

#endif
