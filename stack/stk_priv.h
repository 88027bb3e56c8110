/* stack/stk_priv.h: the instance and connection structs, shared by stk.c
 * (instance, Ethernet, ARP, IPv4, ICMP, events) and tcp.c (TCP). Private to
 * stack/: nothing outside includes it except white-box tests.
 */
#ifndef TESSERA_STACK_STK_PRIV_H
#define TESSERA_STACK_STK_PRIV_H

#include "stack/stk.h"
#include "stack/twheel.h"

#define STK_ETH_HLEN 14
#define STK_IP_HLEN 20
#define STK_TCP_HLEN 20
#define STK_HDR_MAX (STK_ETH_HLEN + STK_IP_HLEN + 60)
#define STK_ARP_ENTRIES 64
#define STK_MAX_LISTENERS 32
#define STK_IOV_BATCH 64
#define STK_NIL UINT32_MAX

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

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
    uint32_t cwnd, ssthresh, recover, dupacks;
    bool in_recovery, partial_seen;
    stk_time_t srtt, rttvar, rto, rtt_start;
    bool have_rtt, rtt_timing;
    uint32_t rtt_seq;
    unsigned retries;
    bool persist;
    struct stk_seg *txh, *txt;   /* queued data from snd_una on */
    uint64_t tx_queued;          /* bytes in txh.. */
    struct stk_seg *tx_cur;      /* cursor cache: segment holding tx_cur_seq */
    uint32_t tx_cur_seq;
    bool fin_pending, fin_sent;
    uint32_t fin_seq;
    uint64_t acked_pending;

    /* receive */
    uint32_t irs, rcv_nxt, rcv_adv;
    struct stk_seg *rxh, *rxt, *rx_undeliv; /* in order, not yet recv_done */
    uint32_t rx_held, rx_segs;
    uint32_t rx_dlv; /* delivered to the application, not yet recv_done */
    struct stk_seg *ooo; /* sorted by seq, non-overlapping */
    uint32_t ooo_bytes;
    bool ooo_fin;
    uint32_t ooo_fin_seq;
    bool fin_rcvd;
    uint32_t unacked_segs;
    bool ack_now, ack_delayed;

    struct twheel_entry t_rto;    /* retransmission or persist */
    struct twheel_entry t_delack;
    struct twheel_entry t_wait;   /* TIME-WAIT or orphaned FIN-WAIT-2 */

    uint8_t ev;
    bool on_work;
    uint32_t work_next;
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
    struct stk_config cfg;
    struct stk_driver drv;
    struct stk_app app;
    struct stk_counters ctr;
    stk_time_t now;
    struct twheel wheel;

    struct stk_tcb *tcbs;
    uint32_t nconns;
    uint32_t *hash;
    uint32_t hmask;
    uint32_t free_head; /* free tcb slots linked through hnext */
    struct stk_listener listeners[STK_MAX_LISTENERS];
    uint16_t next_port;

    struct stk_seg *segs;
    struct stk_seg *seg_free;
    uint32_t segs_free;

    struct stk_arp_entry arp[STK_ARP_ENTRIES];
    unsigned arp_next;

    uint32_t work_head, work_tail;
    bool draining;

    uint8_t hdr[STK_HDR_MAX];
    struct stk_iov iov[STK_IOV_BATCH + 2];
};

/* stk.c */
struct stk_seg *stk_seg_alloc(struct stk *s);
void stk_seg_free(struct stk *s, struct stk_seg *g);
void stk_buf_ref(struct stk_rxbuf *b);
void stk_buf_unref(struct stk *s, struct stk_rxbuf *b);
/* Sends the L4 header at s->hdr + 34 (l4len bytes) plus payload iovs (in
 * s->iov[1..n]) to dst; fills IP and Ethernet headers and the L4 checksum.
 * dmac may be NULL (ARP cache). Returns false when no neighbour is known. */
bool stk_ip_output(struct stk *s, uint8_t proto, uint32_t dst, const uint8_t *dmac,
                   size_t l4len, unsigned npay);
bool stk_arp_lookup(struct stk *s, uint32_t ip, uint8_t mac[6]);
void stk_work_add(struct stk *s, struct stk_tcb *c);
void stk_drain(struct stk *s);

/* tcp.c */
bool tcp_init(struct stk *s);
void tcp_fini(struct stk *s);
void tcp_input(struct stk *s, struct stk_rxbuf *buf, const uint8_t *ip, uint32_t src, uint32_t dst,
               const uint8_t *th, size_t tlen);
void tcp_timer_fire(void *ctx, struct twheel_entry *e);
void tcp_work(struct stk *s, struct stk_tcb *c);
/* A neighbour became known: connections waiting for it send their SYN now. */
void tcp_neighbour_resolved(struct stk *s, uint32_t ip);

#endif
