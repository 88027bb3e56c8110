/* stack/tcp.c: TCP for one stack instance.
 *
 * Read first: RFC 9293 3.10 (event processing: tcp_input follows SEGMENT
 * ARRIVES step by step), RFC 6298 (RTO), RFC 5681 and RFC 6582 (NewReno),
 * RFC 7323 2 (window scale), RFC 5961 3-4 (RST and SYN validation), RFC 1122
 * 4.2.3 (delayed ACK, SWS avoidance, zero-window probing).
 *
 * Per connection, one `struct stk_tcb` from a fixed table (slot index plus a
 * 16-bit generation form the application's id), three wheel timers
 * (retransmission/persist, delayed ACK, TIME-WAIT/FIN-WAIT-2). Received
 * payload is kept as segment references into rx buffers, in order
 * (rxh..rxt) or out of order (ooo, sorted, trimmed so ranges never overlap);
 * queued send data as references to application memory (txh..txt), from
 * SND.UNA on. Cost per segment: O(1) except out-of-order insertion (O(held
 * ooo segments)) and the send cursor walk over tiny scatter/gather elements.
 */
#include "stack/tcp.h"
#include "stack/cksum.h"
#include "stack/ip.h"
#include "stack/seg.h"
#include "stack/work.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { F_FIN = 1, F_SYN = 2, F_RST = 4, F_PSH = 8, F_ACK = 16, F_URG = 32 };

#define TH(s) ((s)->hdr + STK_ETH_HLEN + STK_IP_HLEN)

/* ---- table, ids, hash ---- */

static uint32_t conn_id(const struct stk *s, const struct stk_tcb *c)
{
    return (uint32_t)c->gen << 16 | (uint32_t)(c - s->tcbs);
}

static struct stk_tcb *conn_get(struct stk *s, uint32_t id)
{
    uint32_t slot = id & 0xffff;
    if (slot >= s->cfg.max_conns)
        return NULL;
    struct stk_tcb *c = &s->tcbs[slot];
    if (!c->in_use || c->gen != (id >> 16) || c->cleanup_sent)
        return NULL;
    return c;
}

static uint32_t hash4(const struct stk *s, uint32_t rip, uint16_t rport, uint16_t lport)
{
    uint32_t h = rip * 0x9e3779b1u ^ ((uint32_t)rport << 16 | lport) * 0x85ebca6bu;
    h ^= h >> 15;
    h *= 0xc2b2ae35u;
    h ^= h >> 13;
    return h & s->hmask;
}

static struct stk_tcb *conn_lookup(struct stk *s, uint32_t rip, uint16_t rport, uint16_t lport)
{
    for (uint32_t i = s->hash[hash4(s, rip, rport, lport)]; i != STK_NIL; i = s->tcbs[i].hnext) {
        struct stk_tcb *c = &s->tcbs[i];
        if (c->rip == rip && c->rport == rport && c->lport == lport)
            return c;
    }
    return NULL;
}

static void conn_hash(struct stk *s, struct stk_tcb *c)
{
    uint32_t h = hash4(s, c->rip, c->rport, c->lport);
    c->hnext = s->hash[h];
    s->hash[h] = (uint32_t)(c - s->tcbs);
}

static void conn_unhash(struct stk *s, struct stk_tcb *c)
{
    uint32_t *p = &s->hash[hash4(s, c->rip, c->rport, c->lport)];
    uint32_t idx = (uint32_t)(c - s->tcbs);
    while (*p != STK_NIL) {
        if (*p == idx) {
            *p = c->hnext;
            return;
        }
        p = &s->tcbs[*p].hnext;
    }
}

bool tcp_init(struct stk *s)
{
    uint32_t n = s->cfg.max_conns, hs = 1;
    while (hs < 2 * n)
        hs <<= 1;
    s->tcbs = calloc(n, sizeof *s->tcbs);
    s->hash = malloc(hs * sizeof *s->hash);
    if (!s->tcbs || !s->hash)
        return false;
    s->hmask = hs - 1;
    for (uint32_t i = 0; i < hs; i++)
        s->hash[i] = STK_NIL;
    s->free_head = STK_NIL;
    for (uint32_t i = n; i-- > 0;) {
        s->tcbs[i].hnext = s->free_head;
        s->tcbs[i].work_next = STK_NIL;
        s->free_head = i;
    }
    return true;
}

static void rx_release_all(struct stk *s, struct stk_tcb *c)
{
    seg_free_list(s, c->rxh);
    seg_free_list(s, c->ooo);
    c->rxh = c->rxt = c->rx_undeliv = c->ooo = NULL;
    c->rx_held = c->ooo_bytes = c->rx_segs = c->rx_dlv = 0;
    c->ooo_fin = false;
}

void tcp_fini(struct stk *s)
{
    if (s->tcbs) {
        for (uint32_t i = 0; i < s->cfg.max_conns; i++) {
            struct stk_tcb *c = &s->tcbs[i];
            if (!c->in_use)
                continue;
            rx_release_all(s, c);
            seg_free_list(s, c->txh);
        }
    }
    free(s->tcbs);
    free(s->hash);
    s->tcbs = NULL;
    s->hash = NULL;
}

static struct stk_tcb *tcb_alloc(struct stk *s)
{
    if (s->free_head == STK_NIL)
        return NULL;
    struct stk_tcb *c = &s->tcbs[s->free_head];
    s->free_head = c->hnext;
    /* Keep the generation and the work-list link (a freed slot may still be
     * queued; tcp_work then finds it idle or reused and does no harm). */
    uint16_t gen = c->gen;
    bool on_work = c->on_work;
    uint32_t work_next = c->work_next;
    memset(c, 0, sizeof *c);
    c->gen = gen;
    c->on_work = on_work;
    c->work_next = work_next;
    c->in_use = true;
    c->listener = -1;
    c->hnext = STK_NIL;
    twheel_entry_init(&c->t_rto);
    twheel_entry_init(&c->t_delack);
    twheel_entry_init(&c->t_wait);
    c->rto = s->cfg.rto_initial;
    c->ssthresh = 0x7fffffff;
    return c;
}

static void tcb_free(struct stk *s, struct stk_tcb *c)
{
    assert(c->in_use);
    conn_unhash(s, c);
    rx_release_all(s, c);
    seg_free_list(s, c->txh);
    c->txh = c->txt = c->tx_cur = NULL;
    twheel_cancel(&s->wheel, &c->t_rto);
    twheel_cancel(&s->wheel, &c->t_delack);
    twheel_cancel(&s->wheel, &c->t_wait);
    if (c->counted_in_backlog && c->listener >= 0)
        s->listeners[c->listener].count--;
    c->in_use = false;
    c->gen++;
    c->hnext = s->free_head;
    s->free_head = (uint32_t)(c - s->tcbs);
    s->nconns--;
}

static void arm(struct stk *s, struct twheel_entry *e, stk_time_t delay)
{
    uint64_t tick = s->cfg.timer_tick;
    stk_time_t t = s->now + delay;
    if (t < s->now)
        t = STK_NEVER - tick;
    twheel_arm(&s->wheel, e, (t + tick - 1) / tick);
}

static uint8_t our_wscale(const struct stk *s)
{
    uint8_t ws = 0;
    while (ws < 14 && (s->cfg.rcv_buf >> ws) > 65535)
        ws++;
    return ws;
}

static uint32_t init_cwnd(const struct stk *s, uint32_t mss)
{
    if (s->cfg.init_cwnd_segs)
        return s->cfg.init_cwnd_segs * mss;
    return umin(4 * mss, umax(2 * mss, 4380)); /* RFC 5681 3.1 */
}

/* ---- events ---- */

static void ev_set(struct stk *s, struct stk_tcb *c, uint8_t ev)
{
    c->ev |= ev;
    work_add(s, c);
}

static void check_cleanup(struct stk *s, struct stk_tcb *c)
{
    if (c->cleanup_sent || !c->app_closed)
        return;
    if (c->state == STK_CLOSED || c->state == STK_TIME_WAIT)
        ev_set(s, c, EV_CLEANUP);
}

/* The connection died (RST, timeout). Passive connections the application
 * never saw go silently; the others get remote_closed (or a failed new_conn)
 * and cleanup. */
static void conn_abort(struct stk *s, struct stk_tcb *c, int status)
{
    c->state = STK_CLOSED;
    twheel_cancel(&s->wheel, &c->t_rto);
    twheel_cancel(&s->wheel, &c->t_delack);
    twheel_cancel(&s->wheel, &c->t_wait);
    if (!c->active && !c->new_conn_sent) {
        work_add(s, c); /* freed by tcp_work */
        return;
    }
    if (c->active && !c->new_conn_sent) {
        c->status = status;
        ev_set(s, c, EV_NEW_CONN | EV_CLEANUP);
        return;
    }
    ev_set(s, c, EV_RCLOSED | EV_CLEANUP);
}

static void enter_time_wait(struct stk *s, struct stk_tcb *c)
{
    twheel_cancel(&s->wheel, &c->t_rto);
    c->persist = false;
    if (s->cfg.time_wait == 0) {
        c->state = STK_CLOSED;
        twheel_cancel(&s->wheel, &c->t_wait);
    } else {
        c->state = STK_TIME_WAIT;
        arm(s, &c->t_wait, s->cfg.time_wait);
    }
    check_cleanup(s, c);
    work_add(s, c);
}

/* ---- output ---- */

static uint32_t rcv_space(const struct stk *s, const struct stk_tcb *c)
{
    uint32_t held = c->rx_held + c->ooo_bytes;
    return held >= s->cfg.rcv_buf ? 0 : s->cfg.rcv_buf - held;
}

/* The window field to send, applying receiver SWS avoidance (RFC 1122
 * 4.2.3.3) and never moving the right edge left. Updates rcv_adv. */
static uint16_t rcv_window_field(struct stk *s, struct stk_tcb *c)
{
    uint32_t space = umin(rcv_space(s, c), 65535u << c->rcv_wscale);
    uint32_t edge = c->rcv_nxt + space;
    uint32_t sws = umin(s->cfg.rcv_buf / 2, c->mss ? c->mss : 536);
    if (SEQ_LT(edge, c->rcv_adv) || (uint32_t)(edge - c->rcv_adv) < sws)
        edge = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv : c->rcv_nxt;
    if (SEQ_GT(edge, c->rcv_nxt + space) && SEQ_LEQ(c->rcv_adv, c->rcv_nxt + space))
        edge = c->rcv_nxt + space;
    uint32_t w = (uint32_t)(edge - c->rcv_nxt) >> c->rcv_wscale;
    if (w > 65535)
        w = 65535;
    uint32_t adv = c->rcv_nxt + (w << c->rcv_wscale);
    if (SEQ_GT(adv, c->rcv_adv))
        c->rcv_adv = adv;
    return (uint16_t)w;
}

/* Points s->iov[1..] at up to `len` queued bytes from sequence `seq`;
 * returns the bytes gathered (less when the iov batch fills) and the count. */
static uint32_t gather(struct stk *s, struct stk_tcb *c, uint32_t seq, uint32_t len, unsigned *n)
{
    *n = 0;
    if (len == 0)
        return 0;
    struct stk_seg *g = c->txh;
    if (c->tx_cur && SEQ_LEQ(c->tx_cur_seq, seq) && SEQ_GEQ(c->tx_cur_seq, c->snd_una))
        g = c->tx_cur;
    while (g && SEQ_LEQ(g->seq + g->len, seq))
        g = g->next;
    uint32_t got = 0;
    while (g && got < len && *n < STK_IOV_BATCH) {
        uint32_t off = (uint32_t)(seq + got - g->seq);
        uint32_t take = umin(g->len - off, len - got);
        s->iov[1 + *n].base = g->ptr + off;
        s->iov[1 + *n].len = take;
        (*n)++;
        got += take;
        c->tx_cur = g;
        c->tx_cur_seq = g->seq;
        if (off + take == g->len)
            g = g->next;
    }
    return got;
}

static void ack_sent(struct stk *s, struct stk_tcb *c)
{
    c->ack_now = c->ack_delayed = false;
    c->unacked_segs = 0;
    twheel_cancel(&s->wheel, &c->t_delack);
}

/* Builds and sends one segment; returns the payload bytes sent. */
static uint32_t tcp_emit(struct stk *s, struct stk_tcb *c, uint32_t seq, uint8_t flags, uint32_t len)
{
    uint8_t *th = TH(s);
    unsigned n = 0;
    len = gather(s, c, seq, len, &n);
    size_t hl = STK_TCP_HLEN;
    wr16(th, c->lport);
    wr16(th + 2, c->rport);
    wr32(th + 4, seq);
    wr32(th + 8, (flags & F_ACK) ? c->rcv_nxt : 0);
    if (flags & F_SYN) {
        uint8_t *o = th + 20;
        o[0] = 2; o[1] = 4;
        wr16(o + 2, (uint16_t)(s->cfg.mtu - 40));
        hl += 4;
        if (c->active ? c->state == STK_SYN_SENT || c->ws_ok : c->ws_ok) {
            o[4] = 1; o[5] = 3; o[6] = 3; o[7] = our_wscale(s);
            hl += 4;
        }
        wr16(th + 14, (uint16_t)umin(s->cfg.rcv_buf, 65535));
        if (SEQ_GT(c->rcv_nxt + umin(s->cfg.rcv_buf, 65535), c->rcv_adv))
            c->rcv_adv = c->rcv_nxt + umin(s->cfg.rcv_buf, 65535);
    } else {
        wr16(th + 14, (flags & F_RST) ? 0 : rcv_window_field(s, c));
    }
    th[12] = (uint8_t)(hl / 4) << 4;
    th[13] = flags;
    wr16(th + 18, 0);
    if (!c->rmac_ok) {
        uint32_t hop = ((c->rip ^ s->cfg.ip) & s->cfg.netmask) == 0 || !s->cfg.gateway ? c->rip : s->cfg.gateway;
        c->rmac_ok = ip_arp_lookup(s, hop, c->rmac);
    }
    ip_output(s, 6, c->rip, c->rmac_ok ? c->rmac : NULL, hl, n);
    if (flags & F_ACK) {
        ack_sent(s, c);
        if (!(flags & (F_SYN | F_FIN)) && len == 0)
            s->ctr.tcp_acks_out++;
    }
    if (len)
        s->ctr.tcp_data_segs_out++;
    return len;
}

static void send_syn(struct stk *s, struct stk_tcb *c)
{
    uint8_t fl = F_SYN | (c->state == STK_SYN_RECEIVED ? F_ACK : 0);
    tcp_emit(s, c, c->iss, fl, 0);
}

/* RST for a segment without a connection (RFC 9293 3.10.7.1). */
static void send_rst_for(struct stk *s, const uint8_t *smac, uint32_t src, uint16_t sport, uint16_t dport,
                         uint32_t seq, uint32_t ack, uint8_t flags, uint32_t seglen)
{
    if (flags & F_RST)
        return;
    uint8_t *th = TH(s);
    wr16(th, dport);
    wr16(th + 2, sport);
    if (flags & F_ACK) {
        wr32(th + 4, ack);
        wr32(th + 8, 0);
        th[13] = F_RST;
    } else {
        wr32(th + 4, 0);
        wr32(th + 8, seq + seglen);
        th[13] = F_RST | F_ACK;
    }
    th[12] = 5 << 4;
    wr16(th + 14, 0);
    wr16(th + 18, 0);
    s->ctr.tcp_rst_sent++;
    ip_output(s, 6, src, smac, STK_TCP_HLEN, 0);
}

static uint32_t data_end(const struct stk_tcb *c) { return c->snd_una + (uint32_t)c->tx_queued; }

/* Sequence number after the last queued byte, also before the handshake
 * completes (data then starts at ISS + 1). */
static uint32_t queue_end(const struct stk_tcb *c)
{
    if (c->state == STK_SYN_SENT || c->state == STK_SYN_RECEIVED)
        return c->iss + 1 + (uint32_t)c->tx_queued;
    return data_end(c);
}

static void retransmit_head(struct stk *s, struct stk_tcb *c)
{
    uint32_t end = data_end(c);
    uint32_t len = SEQ_LT(c->snd_una, end) ? umin(end - c->snd_una, c->mss) : 0;
    uint8_t fl = F_ACK;
    if (c->fin_sent && c->snd_una + len == c->fin_seq)
        fl |= F_FIN;
    if (!len && !(fl & F_FIN))
        return;
    if (len)
        fl |= F_PSH;
    tcp_emit(s, c, c->snd_una, fl, len);
    s->ctr.tcp_retransmits++;
    c->rtt_timing = false; /* Karn */
}

static bool can_send_data(const struct stk_tcb *c)
{
    switch (c->state) {
    case STK_ESTABLISHED: case STK_CLOSE_WAIT: case STK_FIN_WAIT_1: case STK_CLOSING: case STK_LAST_ACK:
        return true;
    default:
        return false;
    }
}

static void tcp_output(struct stk *s, struct stk_tcb *c)
{
    bool sent = false;
    if (can_send_data(c)) {
        for (;;) {
            uint32_t end = data_end(c);
            uint32_t flight = c->snd_nxt - c->snd_una;
            uint32_t wnd = umin(c->snd_wnd, c->cwnd);
            uint32_t avail = SEQ_LT(c->snd_nxt, end) ? end - c->snd_nxt : 0;
            bool fin_now = c->fin_pending && c->snd_nxt + avail == c->fin_seq;
            if (avail == 0 && !fin_now)
                break;
            uint32_t usable = wnd > flight ? wnd - flight : 0;
            uint32_t len = umin(avail, umin(usable, c->mss));
            if (avail > 0 && len == 0)
                break;
            /* Sender SWS avoidance (RFC 1122 4.2.3.4). */
            if (len < avail && len < c->mss && flight > 0 && len < c->max_snd_wnd / 2)
                break;
            uint8_t fl = F_ACK;
            uint32_t seq = c->snd_nxt;
            bool new_data = SEQ_GEQ(seq, c->snd_max);
            bool with_fin = fin_now && len == avail;
            if (with_fin)
                fl |= F_FIN;
            if (len && seq + len == end)
                fl |= F_PSH;
            uint32_t got = tcp_emit(s, c, seq, fl, len);
            if (got < len && with_fin) {
                /* The gather batch filled: FIN goes with a later segment. */
                with_fin = false;
            }
            if (!new_data && got)
                s->ctr.tcp_retransmits++;
            uint32_t nxt = seq + got + (with_fin ? 1 : 0);
            if (with_fin)
                c->fin_sent = true;
            if (new_data && !c->rtt_timing && got) {
                c->rtt_timing = true;
                c->rtt_seq = seq;
                c->rtt_start = s->now;
            }
            c->snd_nxt = nxt;
            if (SEQ_GT(nxt, c->snd_max))
                c->snd_max = nxt;
            if (!twheel_armed(&c->t_rto) || c->persist) {
                c->persist = false;
                arm(s, &c->t_rto, c->rto);
            }
            sent = true;
            if (with_fin || got == 0)
                break;
        }
        /* Zero window with data waiting and nothing outstanding: probe. */
        uint32_t end = data_end(c);
        if (c->snd_wnd == 0 && c->snd_nxt == c->snd_una && SEQ_LT(c->snd_nxt, end) && !twheel_armed(&c->t_rto)) {
            c->persist = true;
            arm(s, &c->t_rto, c->rto);
        }
    }
    if (!sent) {
        bool synced = c->state != STK_SYN_SENT && c->state != STK_CLOSED && c->state != STK_LISTEN;
        if (c->ack_now && synced && c->state != STK_SYN_RECEIVED) {
            tcp_emit(s, c, c->snd_nxt, F_ACK, 0);
        } else if (c->ack_delayed && !twheel_armed(&c->t_delack)) {
            arm(s, &c->t_delack, s->cfg.delack);
        }
    }
}

/* ---- receive side ---- */

static void rx_append(struct stk_tcb *c, struct stk_seg *g)
{
    g->next = NULL;
    if (c->rxt)
        c->rxt->next = g;
    else
        c->rxh = g;
    c->rxt = g;
    if (!c->rx_undeliv)
        c->rx_undeliv = g;
    c->rx_held += g->len;
}

/* Holds an out-of-order segment by reference, trimmed against its
 * neighbours so stored ranges never overlap. */
static void ooo_insert(struct stk *s, struct stk_tcb *c, struct stk_rxbuf *buf, const uint8_t *p,
                       uint32_t seq, uint32_t len)
{
    struct stk_seg **pp = &c->ooo;
    while (*pp && SEQ_LEQ((*pp)->seq + (*pp)->len, seq))
        pp = &(*pp)->next;
    /* *pp is the first stored segment ending after seq. */
    if (*pp && SEQ_LEQ((*pp)->seq, seq)) {
        uint32_t cut = (*pp)->seq + (*pp)->len - seq;
        if (cut >= len) {
            s->ctr.tcp_dup_data++;
            return;
        }
        p += cut;
        seq += cut;
        len -= cut;
        pp = &(*pp)->next;
    }
    /* Drop stored segments the new one covers entirely; trim its tail
     * against the next one. */
    while (*pp && SEQ_LEQ((*pp)->seq + (*pp)->len, seq + len)) {
        struct stk_seg *d = *pp;
        *pp = d->next;
        c->ooo_bytes -= d->len;
        c->rx_segs--;
        seg_free(s, d);
    }
    if (*pp && SEQ_LT((*pp)->seq, seq + len))
        len = (*pp)->seq - seq;
    if (len == 0)
        return;
    struct stk_seg *g = c->rx_segs < s->cfg.max_rx_segs ? seg_alloc(s) : NULL;
    if (!g) {
        s->ctr.tcp_ooo_drop++;
        return;
    }
    g->buf = buf;
    seg_buf_ref(buf);
    g->ptr = p;
    g->seq = seq;
    g->len = len;
    g->next = *pp;
    *pp = g;
    c->ooo_bytes += len;
    c->rx_segs++;
    s->ctr.tcp_ooo_segs++;
}

/* Moves now-contiguous out-of-order segments to the in-order queue. */
static void ooo_pull(struct stk *s, struct stk_tcb *c)
{
    while (c->ooo && SEQ_LEQ(c->ooo->seq, c->rcv_nxt)) {
        struct stk_seg *g = c->ooo;
        c->ooo = g->next;
        c->ooo_bytes -= g->len;
        uint32_t end = g->seq + g->len;
        if (SEQ_LEQ(end, c->rcv_nxt)) {
            c->rx_segs--;
            seg_free(s, g);
            continue;
        }
        uint32_t cut = c->rcv_nxt - g->seq;
        g->ptr += cut;
        g->seq += cut;
        g->len -= cut;
        rx_append(c, g);
        c->rcv_nxt = end;
        c->ev |= EV_DATA;
    }
}

static void process_fin(struct stk *s, struct stk_tcb *c)
{
    c->rcv_nxt++;
    c->fin_rcvd = true;
    c->ooo_fin = false;
    c->ack_now = true;
    ev_set(s, c, EV_RCLOSED);
    switch (c->state) {
    case STK_SYN_RECEIVED:
    case STK_ESTABLISHED:
        c->state = STK_CLOSE_WAIT;
        break;
    case STK_FIN_WAIT_1:
        if (c->fin_sent && SEQ_GT(c->snd_una, c->fin_seq))
            enter_time_wait(s, c);
        else
            c->state = STK_CLOSING;
        break;
    case STK_FIN_WAIT_2:
        twheel_cancel(&s->wheel, &c->t_wait);
        enter_time_wait(s, c);
        break;
    case STK_TIME_WAIT:
        arm(s, &c->t_wait, s->cfg.time_wait);
        break;
    default:
        break;
    }
}

static void rtt_sample(struct stk *s, struct stk_tcb *c, stk_time_t r)
{
    if (!c->have_rtt) {
        c->srtt = r;
        c->rttvar = r / 2;
        c->have_rtt = true;
    } else {
        stk_time_t d = c->srtt > r ? c->srtt - r : r - c->srtt;
        c->rttvar = (3 * c->rttvar + d) / 4;
        c->srtt = (7 * c->srtt + r) / 8;
    }
    stk_time_t k = 4 * c->rttvar;
    if (k < s->cfg.timer_tick)
        k = s->cfg.timer_tick;
    stk_time_t rto = c->srtt + k;
    if (rto < s->cfg.rto_min)
        rto = s->cfg.rto_min;
    if (rto > s->cfg.rto_max)
        rto = s->cfg.rto_max;
    c->rto = rto;
}

static void tx_drop_acked(struct stk *s, struct stk_tcb *c, uint32_t bytes)
{
    c->tx_queued -= bytes;
    c->acked_pending += bytes;
    while (bytes) {
        struct stk_seg *g = c->txh;
        assert(g);
        if (g->len <= bytes) {
            bytes -= g->len;
            c->txh = g->next;
            if (!c->txh)
                c->txt = NULL;
            if (c->tx_cur == g)
                c->tx_cur = NULL;
            seg_free(s, g);
        } else {
            g->ptr += bytes;
            g->len -= bytes;
            g->seq += bytes;
            if (c->tx_cur == g)
                c->tx_cur_seq = g->seq;
            bytes = 0;
        }
    }
}

/* A new cumulative ACK (SND.UNA < ack <= SND.MAX). */
static void ack_new(struct stk *s, struct stk_tcb *c, uint32_t ack)
{
    uint32_t acked = ack - c->snd_una;
    uint32_t data_acked = acked;
    if (c->fin_sent && SEQ_GT(ack, c->fin_seq))
        data_acked--;
    if (data_acked > c->tx_queued)
        data_acked = (uint32_t)c->tx_queued;
    bool restart = true;
    if (data_acked) {
        tx_drop_acked(s, c, data_acked);
        ev_set(s, c, EV_ACKED);
    }
    if (c->rtt_timing && SEQ_GT(ack, c->rtt_seq)) {
        c->rtt_timing = false;
        rtt_sample(s, c, s->now - c->rtt_start);
    }
    c->snd_una = ack;
    if (SEQ_LT(c->snd_nxt, c->snd_una))
        c->snd_nxt = c->snd_una;
    c->retries = 0;
    c->dupacks = 0;
    if (c->in_recovery) {
        if (SEQ_GT(ack, c->recover)) {
            /* Full ACK (RFC 6582 3.2 step 3). */
            uint32_t flight = c->snd_max - c->snd_una;
            c->cwnd = umin(c->ssthresh, umax(flight, c->mss) + c->mss);
            c->in_recovery = false;
        } else {
            /* Partial ACK: retransmit the next hole, deflate (step 4). */
            retransmit_head(s, c);
            c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
            if (acked >= c->mss)
                c->cwnd += c->mss;
            if (c->cwnd < c->mss)
                c->cwnd = c->mss;
            /* Impatient variant: only the first partial ACK restarts the timer. */
            if (c->partial_seen)
                restart = false;
            c->partial_seen = true;
        }
    } else if (c->cwnd < c->ssthresh) {
        c->cwnd += umin(acked, c->mss); /* slow start */
    } else {
        uint32_t inc = (uint32_t)((uint64_t)c->mss * c->mss / c->cwnd);
        c->cwnd += inc ? inc : 1; /* congestion avoidance */
    }
    if (SEQ_GEQ(c->snd_una, c->snd_max)) {
        twheel_cancel(&s->wheel, &c->t_rto);
        c->persist = false;
    } else if (restart && !c->persist) {
        arm(s, &c->t_rto, c->rto); /* RFC 6298 5.3 */
    }
}

static void enter_established(struct stk *s, struct stk_tcb *c)
{
    c->state = STK_ESTABLISHED;
    s->ctr.tcp_established++;
    if (!c->new_conn_sent)
        ev_set(s, c, EV_NEW_CONN);
    if (c->fin_pending)
        c->state = STK_FIN_WAIT_1;
}

static bool parse_opts(const uint8_t *o, size_t n, uint16_t *mss, int *ws)
{
    *mss = 0;
    *ws = -1;
    while (n) {
        uint8_t kind = o[0];
        if (kind == 0)
            break;
        if (kind == 1) {
            o++;
            n--;
            continue;
        }
        if (n < 2 || o[1] < 2 || o[1] > n)
            return false;
        uint8_t l = o[1];
        if (kind == 2 && l == 4)
            *mss = rd16(o + 2);
        else if (kind == 3 && l == 3)
            *ws = o[2] > 14 ? 14 : o[2];
        o += l;
        n -= l;
    }
    return true;
}

struct seg_in {
    uint32_t seq, ack, plen;
    uint16_t sport, dport, wnd, mss;
    uint8_t flags;
    int ws;
    const uint8_t *payload;
    const uint8_t *smac;
};

static void set_mss(struct stk *s, struct stk_tcb *c, uint16_t peer_mss)
{
    uint32_t m = peer_mss ? peer_mss : 536;
    c->mss = umin(m, s->cfg.mtu - 40u);
    if (c->mss < 64)
        c->mss = 64;
    c->cwnd = init_cwnd(s, c->mss);
}

static void listen_input(struct stk *s, struct stk_listener *l, uint32_t src, uint32_t dst, const struct seg_in *g)
{
    if (g->flags & F_RST)
        return;
    if (g->flags & F_ACK) {
        send_rst_for(s, g->smac, src, g->sport, g->dport, g->seq, g->ack, g->flags, g->plen);
        return;
    }
    if (!(g->flags & F_SYN))
        return;
    if (l->count >= l->backlog) {
        s->ctr.tcp_syn_backlog_drop++;
        return;
    }
    struct stk_tcb *c = tcb_alloc(s);
    if (!c) {
        s->ctr.tcp_syn_no_slot_drop++;
        return;
    }
    s->nconns++;
    c->lip = dst;
    c->rip = src;
    c->lport = g->dport;
    c->rport = g->sport;
    memcpy(c->rmac, g->smac, 6);
    c->rmac_ok = true;
    c->listener = (int)(l - s->listeners);
    c->tag = l->tag;
    c->counted_in_backlog = true;
    l->count++;
    c->irs = g->seq;
    c->rcv_nxt = g->seq + 1;
    c->rcv_adv = c->rcv_nxt;
    c->iss = s->drv.random(s->drv.ctx);
    c->snd_una = c->iss;
    c->snd_nxt = c->snd_max = c->iss + 1;
    c->recover = c->iss;
    c->snd_wnd = g->wnd; /* never scaled in a SYN */
    c->max_snd_wnd = c->snd_wnd;
    c->snd_wl1 = g->seq;
    c->snd_wl2 = c->iss;
    if (g->ws >= 0) {
        c->ws_ok = true;
        c->snd_wscale = (uint8_t)g->ws;
        c->rcv_wscale = our_wscale(s);
    }
    set_mss(s, c, g->mss);
    c->state = STK_SYN_RECEIVED;
    conn_hash(s, c);
    s->ctr.tcp_passive_opens++;
    send_syn(s, c);
    arm(s, &c->t_rto, c->rto);
}

static void syn_sent_input(struct stk *s, struct stk_tcb *c, const struct seg_in *g)
{
    bool ack_ok = false;
    if (g->flags & F_ACK) {
        if (SEQ_LEQ(g->ack, c->iss) || SEQ_GT(g->ack, c->snd_max)) {
            if (!(g->flags & F_RST))
                send_rst_for(s, g->smac, c->rip, c->rport, c->lport, g->seq, g->ack, g->flags, g->plen);
            return;
        }
        ack_ok = true;
    }
    if (g->flags & F_RST) {
        s->ctr.tcp_rst_rx++;
        if (ack_ok)
            conn_abort(s, c, -ECONNREFUSED);
        return;
    }
    if (!(g->flags & F_SYN))
        return;
    c->irs = g->seq;
    c->rcv_nxt = g->seq + 1;
    c->rcv_adv = c->rcv_nxt + umin(s->cfg.rcv_buf, 65535); /* what our SYN offered */
    if (g->ws >= 0) {
        c->ws_ok = true;
        c->snd_wscale = (uint8_t)g->ws;
        c->rcv_wscale = our_wscale(s);
    } else {
        c->ws_ok = false;
        c->snd_wscale = c->rcv_wscale = 0;
    }
    set_mss(s, c, g->mss);
    c->snd_wnd = g->wnd;
    c->max_snd_wnd = c->snd_wnd;
    c->snd_wl1 = g->seq;
    c->snd_wl2 = g->ack;
    if (ack_ok) {
        c->snd_una = g->ack;
        twheel_cancel(&s->wheel, &c->t_rto);
        if (c->rtt_timing) {
            c->rtt_timing = false;
            rtt_sample(s, c, s->now - c->rtt_start);
        }
        c->rto = c->have_rtt ? c->rto : s->cfg.rto_initial;
        enter_established(s, c);
        c->ack_now = true; /* data in a SYN-ACK is not queued: the peer resends it */
        work_add(s, c);
    } else {
        /* Simultaneous open (RFC 9293 3.5, figure 8). */
        c->state = STK_SYN_RECEIVED;
        send_syn(s, c);
        arm(s, &c->t_rto, c->rto);
    }
}

static void sync_input(struct stk *s, struct stk_tcb *c, struct stk_rxbuf *buf, struct seg_in *g)
{
    uint32_t seglen = g->plen + ((g->flags & F_SYN) ? 1 : 0) + ((g->flags & F_FIN) ? 1 : 0);
    uint32_t rwnd = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;

    /* A retransmitted SYN while we wait for the handshake's ACK. */
    if (c->state == STK_SYN_RECEIVED && (g->flags & F_SYN) && !(g->flags & F_ACK) && g->seq == c->irs) {
        send_syn(s, c);
        return;
    }

    /* Simultaneous open: the peer's SYN-ACK repeats its SYN's sequence
     * number; strictly it fails step 1 (RFC 9293 figure 8 relies on it). */
    if (c->state == STK_SYN_RECEIVED && (g->flags & (F_SYN | F_ACK)) == (F_SYN | F_ACK) && g->seq == c->irs &&
        SEQ_LT(c->snd_una, g->ack) && SEQ_LEQ(g->ack, c->snd_max)) {
        g->flags &= (uint8_t)~F_SYN;
        g->seq++;
        seglen--;
    }
    /* Step 1: sequence acceptability. */
    bool ok;
    if (seglen == 0)
        ok = rwnd == 0 ? g->seq == c->rcv_nxt
                       : SEQ_LEQ(c->rcv_nxt, g->seq) && SEQ_LT(g->seq, c->rcv_nxt + rwnd);
    else
        ok = rwnd != 0 && ((SEQ_LEQ(c->rcv_nxt, g->seq) && SEQ_LT(g->seq, c->rcv_nxt + rwnd)) ||
                           (SEQ_LEQ(c->rcv_nxt, g->seq + seglen - 1) &&
                            SEQ_LT(g->seq + seglen - 1, c->rcv_nxt + rwnd)));
    /* Step 2: RST (RFC 5961 3.2: exact match resets, in-window challenges). */
    if (g->flags & F_RST) {
        s->ctr.tcp_rst_rx++;
        if (g->seq == c->rcv_nxt) {
            if (c->state == STK_SYN_RECEIVED && !c->active) {
                conn_abort(s, c, -ECONNRESET);
            } else if (c->state == STK_CLOSING || c->state == STK_LAST_ACK || c->state == STK_TIME_WAIT) {
                c->state = STK_CLOSED;
                twheel_cancel(&s->wheel, &c->t_rto);
                twheel_cancel(&s->wheel, &c->t_wait);
                if (c->app_closed)
                    check_cleanup(s, c);
                else
                    ev_set(s, c, EV_RCLOSED);
                work_add(s, c);
            } else {
                conn_abort(s, c, c->state == STK_SYN_RECEIVED ? -ECONNREFUSED : -ECONNRESET);
            }
        } else if (ok) {
            s->ctr.tcp_challenge_ack++;
            c->ack_now = true;
            work_add(s, c);
        } else {
            s->ctr.tcp_rst_bad_seq++;
        }
        return;
    }
    if (!ok) {
        if (g->plen)
            s->ctr.tcp_dup_data++;
        else
            s->ctr.tcp_unacceptable++;
        c->ack_now = true;
        work_add(s, c);
        return;
    }
    /* Trim to the window. */
    if (SEQ_LT(g->seq, c->rcv_nxt)) {
        uint32_t d = c->rcv_nxt - g->seq;
        if (g->flags & F_SYN) {
            g->flags &= (uint8_t)~F_SYN;
            d--;
            g->seq++;
        }
        uint32_t dd = umin(d, g->plen);
        g->payload += dd;
        g->plen -= dd;
        g->seq += dd;
        if (dd)
            s->ctr.tcp_dup_data++;
    }
    if (rwnd && SEQ_GT(g->seq + g->plen, c->rcv_nxt + rwnd)) {
        g->plen = c->rcv_nxt + rwnd - g->seq;
        g->flags &= (uint8_t)~F_FIN;
    }
    /* Step 4: SYN in a synchronized state: challenge ACK (RFC 5961 4.2). */
    if (g->flags & F_SYN) {
        s->ctr.tcp_challenge_ack++;
        c->ack_now = true;
        work_add(s, c);
        return;
    }
    /* Step 5: ACK. */
    if (!(g->flags & F_ACK))
        return;
    if (c->state == STK_SYN_RECEIVED) {
        if (SEQ_LT(c->snd_una, g->ack) && SEQ_LEQ(g->ack, c->snd_max)) {
            twheel_cancel(&s->wheel, &c->t_rto);
            c->snd_una = c->iss + 1;
            c->snd_wnd = (uint32_t)g->wnd << c->snd_wscale;
            c->max_snd_wnd = umax(c->max_snd_wnd, c->snd_wnd);
            c->snd_wl1 = g->seq;
            c->snd_wl2 = g->ack;
            c->retries = 0;
            enter_established(s, c);
        } else {
            send_rst_for(s, g->smac, c->rip, c->rport, c->lport, g->seq, g->ack, g->flags, g->plen);
            return;
        }
    }
    if (SEQ_GT(g->ack, c->snd_max)) {
        s->ctr.tcp_ack_too_new++;
        c->ack_now = true;
        work_add(s, c);
        return;
    }
    uint32_t wnd = (uint32_t)g->wnd << c->snd_wscale;
    if (SEQ_GT(g->ack, c->snd_una)) {
        ack_new(s, c, g->ack);
    } else if (g->ack == c->snd_una && g->plen == 0 && !(g->flags & F_FIN) && wnd == c->snd_wnd &&
               SEQ_GT(c->snd_max, c->snd_una) && !c->persist) {
        /* Duplicate ACK (RFC 5681 2). */
        s->ctr.tcp_dupacks_rx++;
        c->dupacks++;
        if (c->in_recovery) {
            c->cwnd += c->mss;
        } else if (c->dupacks == 3 && SEQ_GT(g->ack, c->recover)) {
            uint32_t flight = c->snd_max - c->snd_una;
            c->ssthresh = umax(flight / 2, 2 * c->mss);
            c->recover = c->snd_max - 1;
            c->in_recovery = true;
            c->partial_seen = false;
            s->ctr.tcp_fast_retransmits++;
            retransmit_head(s, c);
            c->cwnd = c->ssthresh + 3 * c->mss;
        }
        work_add(s, c);
    }
    if (SEQ_LT(c->snd_wl1, g->seq) || (c->snd_wl1 == g->seq && SEQ_LEQ(c->snd_wl2, g->ack))) {
        c->snd_wnd = wnd;
        c->snd_wl1 = g->seq;
        c->snd_wl2 = g->ack;
        if (wnd > c->max_snd_wnd)
            c->max_snd_wnd = wnd;
        if (wnd && c->persist) {
            c->persist = false;
            twheel_cancel(&s->wheel, &c->t_rto);
        }
    }
    bool fin_acked = c->fin_sent && SEQ_GT(c->snd_una, c->fin_seq);
    switch (c->state) {
    case STK_FIN_WAIT_1:
        if (fin_acked) {
            c->state = STK_FIN_WAIT_2;
            if (c->app_closed && s->cfg.fin_wait2)
                arm(s, &c->t_wait, s->cfg.fin_wait2);
        }
        break;
    case STK_CLOSING:
        if (fin_acked)
            enter_time_wait(s, c);
        break;
    case STK_LAST_ACK:
        if (fin_acked) {
            c->state = STK_CLOSED;
            twheel_cancel(&s->wheel, &c->t_rto);
            check_cleanup(s, c);
            work_add(s, c);
            return;
        }
        break;
    case STK_TIME_WAIT:
        if (g->flags & F_FIN) {
            c->ack_now = true;
            arm(s, &c->t_wait, s->cfg.time_wait);
            work_add(s, c);
        }
        return;
    default:
        break;
    }
    /* Step 7: segment text. */
    bool in_order = g->seq == c->rcv_nxt;
    bool data_state = c->state == STK_ESTABLISHED || c->state == STK_FIN_WAIT_1 || c->state == STK_FIN_WAIT_2;
    if (g->plen && data_state) {
        s->ctr.tcp_data_segs_in++;
        if (c->app_closed || c->rd_shut) {
            /* Nobody will read it: acknowledge and discard. */
            if (in_order)
                c->rcv_nxt += g->plen;
            c->ack_now = true;
        } else if (in_order) {
            struct stk_seg *sg = c->rx_segs < s->cfg.max_rx_segs ? seg_alloc(s) : NULL;
            if (!sg) {
                s->ctr.tcp_rx_no_seg_drop++;
                c->ack_now = true;
                work_add(s, c);
                return;
            }
            bool had_ooo = c->ooo != NULL;
            sg->buf = buf;
            seg_buf_ref(buf);
            sg->ptr = g->payload;
            sg->seq = g->seq;
            sg->len = g->plen;
            c->rx_segs++;
            rx_append(c, sg);
            c->rcv_nxt += g->plen;
            c->ev |= EV_DATA;
            if (had_ooo) {
                ooo_pull(s, c);
                c->ack_now = true;
            } else if (s->cfg.delack == 0 || ++c->unacked_segs >= 2) {
                c->ack_now = true;
            } else {
                c->ack_delayed = true;
            }
            if (c->ooo_fin && c->rcv_nxt == c->ooo_fin_seq)
                process_fin(s, c);
        } else {
            ooo_insert(s, c, buf, g->payload, g->seq, g->plen);
            c->ack_now = true; /* duplicate ACK for the sender's fast retransmit */
        }
        work_add(s, c);
    }
    /* Step 8: FIN. */
    if ((g->flags & F_FIN) && !c->fin_rcvd && c->state != STK_CLOSED) {
        uint32_t fin_at = g->seq + g->plen;
        if (fin_at == c->rcv_nxt) {
            process_fin(s, c);
        } else if (SEQ_GT(fin_at, c->rcv_nxt)) {
            c->ooo_fin = true;
            c->ooo_fin_seq = fin_at;
            c->ack_now = true;
            work_add(s, c);
        }
    }
}

void tcp_input(struct stk *s, struct stk_rxbuf *buf, uint32_t src, uint32_t dst, const uint8_t *th, size_t tlen)
{
    s->ctr.tcp_rx++;
    if (tlen < STK_TCP_HLEN) {
        s->ctr.tcp_runt++;
        return;
    }
    size_t off = (size_t)(th[12] >> 4) * 4;
    if (off < STK_TCP_HLEN || off > tlen) {
        s->ctr.tcp_bad_offset++;
        return;
    }
    if (!s->cfg.rx_csum_offload) {
        struct cksum ck;
        cksum_init(&ck);
        cksum_add32(&ck, src);
        cksum_add32(&ck, dst);
        cksum_add16(&ck, 6);
        cksum_add16(&ck, (uint16_t)tlen);
        cksum_add(&ck, th, tlen);
        if (cksum_finish(&ck) != 0) {
            s->ctr.tcp_bad_checksum++;
            return;
        }
    }
    struct seg_in g;
    g.sport = rd16(th);
    g.dport = rd16(th + 2);
    g.seq = rd32(th + 4);
    g.ack = rd32(th + 8);
    g.flags = th[13] & 0x3f;
    g.wnd = rd16(th + 14);
    g.payload = th + off;
    g.plen = (uint32_t)(tlen - off);
    g.smac = buf->data + 6;
    if (!parse_opts(th + STK_TCP_HLEN, off - STK_TCP_HLEN, &g.mss, &g.ws)) {
        s->ctr.tcp_bad_options++;
        return;
    }
    if (g.sport == 0 || g.dport == 0) {
        s->ctr.tcp_bad_options++;
        return;
    }
    struct stk_tcb *c = conn_lookup(s, src, g.sport, g.dport);
    if (c && c->state == STK_TIME_WAIT && (g.flags & (F_SYN | F_ACK | F_RST)) == F_SYN &&
        SEQ_GT(g.seq, c->rcv_nxt) && c->cleanup_sent) {
        /* A new incarnation may reuse a TIME-WAIT pair (RFC 9293 3.6.1). */
        s->ctr.tcp_time_wait_reuse++;
        tcb_free(s, c);
        c = NULL;
    }
    if (!c) {
        for (unsigned i = 0; i < STK_MAX_LISTENERS; i++) {
            struct stk_listener *l = &s->listeners[i];
            if (l->used && l->port == g.dport) {
                listen_input(s, l, src, dst, &g);
                return;
            }
        }
        s->ctr.tcp_no_conn_rst++;
        uint32_t seglen = g.plen + ((g.flags & F_SYN) ? 1 : 0) + ((g.flags & F_FIN) ? 1 : 0);
        send_rst_for(s, g.smac, src, g.sport, g.dport, g.seq, g.ack, g.flags, seglen);
        return;
    }
    if (c->state == STK_CLOSED)
        return;
    if (c->state == STK_SYN_SENT)
        syn_sent_input(s, c, &g);
    else
        sync_input(s, c, buf, &g);
}

/* ---- timers ---- */

void tcp_timer_fire(void *ctx, struct twheel_entry *e)
{
    struct stk *s = ctx;
    size_t off = (size_t)((char *)e - (char *)s->tcbs);
    struct stk_tcb *c = &s->tcbs[off / sizeof *c];
    size_t field = off % sizeof *c;
    assert(c->in_use);
    if (field == offsetof(struct stk_tcb, t_delack)) {
        if (c->ack_delayed) {
            s->ctr.tcp_delacks++;
            c->ack_now = true;
            work_add(s, c);
        }
        return;
    }
    if (field == offsetof(struct stk_tcb, t_wait)) {
        c->state = STK_CLOSED;
        twheel_cancel(&s->wheel, &c->t_rto);
        check_cleanup(s, c);
        work_add(s, c);
        return;
    }
    assert(field == offsetof(struct stk_tcb, t_rto));
    if (c->persist) {
        /* Zero-window probe: one byte beyond the window (RFC 9293 3.8.6.1). */
        uint32_t end = data_end(c);
        if (SEQ_LT(c->snd_una, end)) {
            tcp_emit(s, c, c->snd_una, F_ACK, 1);
            if (SEQ_GT(c->snd_una + 1, c->snd_max))
                c->snd_max = c->snd_una + 1;
            s->ctr.tcp_zwp_sent++;
        }
        c->rto = c->rto * 2 > s->cfg.rto_max ? s->cfg.rto_max : c->rto * 2;
        arm(s, &c->t_rto, c->rto);
        return;
    }
    s->ctr.tcp_rto_fired++;
    c->rto = c->rto * 2 > s->cfg.rto_max ? s->cfg.rto_max : c->rto * 2;
    c->rtt_timing = false;
    if (c->state == STK_SYN_SENT || c->state == STK_SYN_RECEIVED) {
        if (++c->retries > s->cfg.syn_retries) {
            s->ctr.tcp_conn_timeout++;
            conn_abort(s, c, -ETIMEDOUT);
            return;
        }
        send_syn(s, c);
        arm(s, &c->t_rto, c->rto);
        return;
    }
    if (SEQ_GEQ(c->snd_una, c->snd_max))
        return;
    if (++c->retries > s->cfg.data_retries) {
        s->ctr.tcp_conn_timeout++;
        conn_abort(s, c, -ETIMEDOUT);
        return;
    }
    /* RFC 5681 3.1 eq. 4, RFC 6298 5.5-5.6, RFC 6582 4 (go back to SND.UNA). */
    uint32_t flight = c->snd_max - c->snd_una;
    c->ssthresh = umax(flight / 2, 2 * c->mss);
    c->cwnd = c->mss;
    c->recover = c->snd_max - 1;
    c->in_recovery = false;
    c->dupacks = 0;
    c->snd_nxt = c->snd_una;
    work_add(s, c);
}

/* Delivers pending events, then sends what the state allows. */
static void tcp_work(struct stk *s, struct stk_tcb *c)
{
    if (!c->in_use)
        return;
    uint32_t id = conn_id(s, c);
    const struct stk_app *a = &s->app;
    if (c->ev & EV_NEW_CONN) {
        c->ev &= (uint8_t)~EV_NEW_CONN;
        c->new_conn_sent = true;
        if (a->new_conn)
            a->new_conn(a->ctx, id, c->tag, c->active, c->status);
    }
    while ((c->ev & EV_DATA) && c->in_use) {
        if (!(c->accepted || c->active) || c->app_closed || c->rd_shut || !c->rx_undeliv)
            break;
        unsigned n = 0;
        struct stk_iov v[STK_IOV_BATCH];
        struct stk_seg *g = c->rx_undeliv;
        while (g && n < STK_IOV_BATCH) {
            v[n].base = g->ptr;
            v[n].len = g->len;
            c->rx_dlv += g->len;
            n++;
            g = g->next;
        }
        c->rx_undeliv = g;
        if (!g)
            c->ev &= (uint8_t)~EV_DATA;
        if (a->new_data)
            a->new_data(a->ctx, id, v, n);
    }
    if ((c->ev & EV_ACKED) && c->acked_pending) {
        uint64_t n = c->acked_pending;
        c->acked_pending = 0;
        c->ev &= (uint8_t)~EV_ACKED;
        if (a->data_acked && !c->cleanup_sent)
            a->data_acked(a->ctx, id, n);
    }
    if ((c->ev & EV_RCLOSED) && !c->rx_undeliv) {
        c->ev &= (uint8_t)~EV_RCLOSED;
        if (!c->rclosed_sent && !c->app_closed && (c->accepted || c->active)) {
            c->rclosed_sent = true;
            if (a->remote_closed)
                a->remote_closed(a->ctx, id);
        }
    }
    if (c->ev & EV_CLEANUP) {
        c->ev = 0;
        if (!c->cleanup_sent) {
            c->cleanup_sent = true;
            if (a->cleanup)
                a->cleanup(a->ctx, id);
            rx_release_all(s, c);
        }
    }
    if (!c->in_use)
        return;
    if (c->app_closed && (c->rxh || c->ooo))
        rx_release_all(s, c);
    if (c->state != STK_CLOSED)
        tcp_output(s, c);
    if (c->state == STK_CLOSED && (c->cleanup_sent || (!c->active && !c->new_conn_sent)))
        tcb_free(s, c);
}

void tcp_drain(struct stk *s)
{
    if (s->draining)
        return;
    s->draining = true;
    struct stk_tcb *c;
    while ((c = work_pop(s)))
        tcp_work(s, c);
    s->draining = false;
}

/* ---- commands ---- */

int tcp_listen(struct stk *s, uint16_t port, unsigned backlog, uint64_t tag)
{
    if (port == 0 || backlog == 0)
        return -EINVAL;
    for (unsigned i = 0; i < STK_MAX_LISTENERS; i++)
        if (s->listeners[i].used && s->listeners[i].port == port)
            return -EADDRINUSE;
    for (unsigned i = 0; i < STK_MAX_LISTENERS; i++) {
        struct stk_listener *l = &s->listeners[i];
        if (!l->used) {
            l->used = true;
            l->port = port;
            l->backlog = backlog;
            l->count = 0;
            l->tag = tag;
            return 0;
        }
    }
    return -ENOBUFS;
}

int tcp_connect(struct stk *s, uint32_t dst_ip, uint16_t dst_port, uint64_t cookie, uint32_t *id)
{
    if (dst_ip == 0 || dst_port == 0)
        return -EINVAL;
    uint32_t range = (uint32_t)s->cfg.ephemeral_hi - s->cfg.ephemeral_lo + 1;
    uint16_t port = 0;
    for (uint32_t k = 0; k < range; k++) {
        uint16_t p = s->next_port;
        s->next_port = p >= s->cfg.ephemeral_hi ? s->cfg.ephemeral_lo : (uint16_t)(p + 1);
        if (!conn_lookup(s, dst_ip, dst_port, p)) {
            port = p;
            break;
        }
    }
    if (!port)
        return -EADDRNOTAVAIL;
    struct stk_tcb *c = tcb_alloc(s);
    if (!c)
        return -ENOBUFS;
    s->nconns++;
    c->lip = s->cfg.ip;
    c->rip = dst_ip;
    c->lport = port;
    c->rport = dst_port;
    c->active = true;
    c->accepted = true;
    c->tag = cookie;
    c->iss = s->drv.random(s->drv.ctx);
    c->snd_una = c->iss;
    c->snd_nxt = c->snd_max = c->iss + 1;
    c->recover = c->iss;
    c->rcv_wscale = our_wscale(s);
    c->mss = s->cfg.mtu - 40u;
    c->state = STK_SYN_SENT;
    conn_hash(s, c);
    s->ctr.tcp_active_opens++;
    c->rtt_timing = true;
    c->rtt_seq = c->iss;
    c->rtt_start = s->now;
    send_syn(s, c);
    arm(s, &c->t_rto, c->rto);
    if (id)
        *id = conn_id(s, c);
    return 0;
}

static struct stk_tcb *cmd_conn(struct stk *s, uint32_t id)
{
    struct stk_tcb *c = conn_get(s, id);
    if (!c)
        s->ctr.tcp_bad_id++;
    return c;
}

int tcp_accept(struct stk *s, uint32_t id)
{
    struct stk_tcb *c = cmd_conn(s, id);
    if (!c || c->active || !c->new_conn_sent)
        return -EINVAL;
    if (c->accepted)
        return 0;
    c->accepted = true;
    if (c->counted_in_backlog && c->listener >= 0) {
        s->listeners[c->listener].count--;
        c->counted_in_backlog = false;
    }
    if (c->rx_undeliv)
        c->ev |= EV_DATA;
    if (c->fin_rcvd)
        c->ev |= EV_RCLOSED;
    work_add(s, c);
    tcp_drain(s);
    return 0;
}

int tcp_send(struct stk *s, uint32_t id, const struct stk_sendv *v, unsigned n)
{
    struct stk_tcb *c = cmd_conn(s, id);
    if (!c)
        return -EINVAL;
    if (c->app_closed || c->fin_pending)
        return -EPIPE;
    if (c->state == STK_CLOSED || c->state == STK_TIME_WAIT)
        return -ENOTCONN;
    unsigned need = 0;
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        if (v[i].len) {
            if (!v[i].ptr || v[i].len > 0x7fffffffu)
                return -EINVAL;
            need++;
            total += v[i].len;
        }
    }
    if (total + c->tx_queued > 0x7fffffffu)
        return -ENOBUFS;
    if (need > s->segs_free) {
        s->ctr.tcp_send_no_seg++;
        return -ENOBUFS;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!v[i].len)
            continue;
        struct stk_seg *g = seg_alloc(s);
        g->ptr = v[i].ptr;
        g->len = (uint32_t)v[i].len;
        g->flags = v[i].flags;
        g->seq = queue_end(c);
        g->next = NULL;
        if (c->txt)
            c->txt->next = g;
        else
            c->txh = g;
        c->txt = g;
        c->tx_queued += g->len;
    }
    work_add(s, c);
    tcp_drain(s);
    return 0;
}

int tcp_recv_done(struct stk *s, uint32_t id, size_t count)
{
    struct stk_tcb *c = cmd_conn(s, id);
    if (!c)
        return -EINVAL;
    if (count > c->rx_dlv)
        return -EINVAL;
    c->rx_dlv -= (uint32_t)count;
    c->rx_held -= (uint32_t)count;
    while (count) {
        struct stk_seg *g = c->rxh;
        if (g->len <= count) {
            count -= g->len;
            c->rxh = g->next;
            if (!c->rxh)
                c->rxt = NULL;
            c->rx_segs--;
            seg_free(s, g);
        } else {
            g->ptr += count;
            g->len -= (uint32_t)count;
            g->seq += (uint32_t)count;
            count = 0;
        }
    }
    /* Window update once the right edge can move by 2 MSS (or half the
     * buffer): prompt enough that a sender stalled on a small window resumes,
     * rare enough not to double the ACK count (RFC 1122 4.2.3.3). */
    uint32_t edge = c->rcv_nxt + rcv_space(s, c);
    uint32_t mss = c->mss ? c->mss : 536;
    if (SEQ_GT(edge, c->rcv_adv) && edge - c->rcv_adv >= umin(s->cfg.rcv_buf / 2, 2 * mss)) {
        c->ack_now = true;
        work_add(s, c);
    }
    tcp_drain(s);
    return 0;
}

static void start_fin(struct stk *s, struct stk_tcb *c)
{
    if (c->fin_pending)
        return;
    c->fin_pending = true;
    c->fin_seq = queue_end(c);
    if (c->state == STK_ESTABLISHED)
        c->state = STK_FIN_WAIT_1;
    else if (c->state == STK_CLOSE_WAIT)
        c->state = STK_LAST_ACK;
    work_add(s, c);
}

int tcp_shutdown(struct stk *s, uint32_t id, int how)
{
    struct stk_tcb *c = cmd_conn(s, id);
    if (!c || !(how & (STK_SHUT_RD | STK_SHUT_WR)))
        return -EINVAL;
    if (how & STK_SHUT_RD)
        c->rd_shut = true;
    if (how & STK_SHUT_WR) {
        if (c->state == STK_SYN_SENT) {
            conn_abort(s, c, -ECONNABORTED);
        } else {
            start_fin(s, c);
        }
    }
    tcp_drain(s);
    return 0;
}

int tcp_close(struct stk *s, uint32_t id)
{
    struct stk_tcb *c = cmd_conn(s, id);
    if (!c)
        return -EINVAL;
    if (c->app_closed)
        return 0;
    c->app_closed = true;
    /* Receive buffers are released in tcp_work, after the handler that may
     * be calling us has returned (it may still read its new_data array). */
    if (c->state == STK_SYN_SENT) {
        c->state = STK_CLOSED;
        twheel_cancel(&s->wheel, &c->t_rto);
    } else if (c->state != STK_CLOSED && c->state != STK_TIME_WAIT) {
        start_fin(s, c);
        if (c->state == STK_FIN_WAIT_2 && s->cfg.fin_wait2)
            arm(s, &c->t_wait, s->cfg.fin_wait2);
    }
    check_cleanup(s, c);
    work_add(s, c);
    tcp_drain(s);
    return 0;
}

int tcp_info(const struct stk *s, uint32_t id, struct stk_tcp_info *o)
{
    uint32_t slot = id & 0xffff;
    if (slot >= s->cfg.max_conns)
        return -EINVAL;
    const struct stk_tcb *c = &s->tcbs[slot];
    if (!c->in_use || c->gen != (id >> 16))
        return -EINVAL;
    o->state = (enum stk_tcp_state)c->state;
    o->snd_una = c->snd_una;
    o->snd_nxt = c->snd_nxt;
    o->snd_wnd = c->snd_wnd;
    o->rcv_nxt = c->rcv_nxt;
    o->rcv_wnd = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
    o->cwnd = c->cwnd;
    o->ssthresh = c->ssthresh;
    o->mss = c->mss;
    o->snd_wscale = c->snd_wscale;
    o->rcv_wscale = c->rcv_wscale;
    o->srtt = c->srtt;
    o->rto = c->rto;
    o->unacked_app_bytes = c->tx_queued;
    o->rx_held_bytes = c->rx_held;
    o->local_ip = c->lip;
    o->remote_ip = c->rip;
    o->local_port = c->lport;
    o->remote_port = c->rport;
    return 0;
}

uint32_t tcp_conns(const struct stk *s) { return s->nconns; }

/* The first SYN of an active open to an unresolved neighbour was dropped
 * while ARP asked; resend it as soon as the reply arrives instead of waiting
 * for the initial RTO. O(connections), on ARP replies only. */
void tcp_neighbour_resolved(struct stk *s, uint32_t ip)
{
    for (uint32_t i = 0; i < s->cfg.max_conns; i++) {
        struct stk_tcb *c = &s->tcbs[i];
        if (!c->in_use || c->state != STK_SYN_SENT || c->rmac_ok)
            continue;
        uint32_t hop = ((c->rip ^ s->cfg.ip) & s->cfg.netmask) == 0 || !s->cfg.gateway ? c->rip : s->cfg.gateway;
        if (hop != ip)
            continue;
        c->rtt_timing = false;
        send_syn(s, c);
    }
}
