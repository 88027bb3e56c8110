/* stack/tcp_in.c: TCP segment arrival (tcp_in.h), RFC 9293 3.10.7. */
#include "stack/tcp_in.h"
#include "stack/cksum.h"
#include "stack/seg.h"
#include "stack/tcb.h"
#include "stack/tcp_opt.h"
#include "stack/tcp_out.h"
#include "stack/tcp_sack.h"
#include "stack/twheel.h"
#include "stack/work.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

/* An arriving segment's header fields and options. */
struct seg_in {
    uint32_t seq, ack, plen;
    uint16_t sport, dport, wnd;
    uint8_t flags;
    struct tcp_opts o;
    const uint8_t *payload;
    const uint8_t *smac;
};

static void rx_append(struct stk_tcb *c, struct stk_seg *g) {
    g->next = NULL;
    if (c->rxt)
        c->rxt->next = g;
    else
        c->rxh = g;
    c->rxt = g;
    if (!c->rx_undeliv) c->rx_undeliv = g;
    c->rx_held += g->len;
}

/* A duplicate [l, r) arrived: report it in the next ACK (RFC 2883). */
static void note_dsack(struct stk_tcb *c, uint32_t l, uint32_t r) {
    if (!c->sack_ok) return;
    c->dsack_pending = true;
    c->dsack_l = l;
    c->dsack_r = r;
}

/* Holds an out-of-order segment by reference, trimmed against its
 * neighbours so stored ranges never overlap. */
static void ooo_insert(struct stk *s, struct stk_tcb *c, struct stk_rxbuf *buf, const uint8_t *p,
                       uint32_t seq, uint32_t len) {
    c->ooo_last = seq;
    struct stk_seg **pp = &c->ooo;
    while (*pp && SEQ_LEQ((*pp)->seq + (*pp)->len, seq)) pp = &(*pp)->next;
    /* *pp is the first stored segment ending after seq. */
    if (*pp && SEQ_LEQ((*pp)->seq, seq)) {
        uint32_t cut = (*pp)->seq + (*pp)->len - seq;
        if (cut >= len) {
            s->ctr.tcp_dup_data++;
            note_dsack(c, seq, seq + len);
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
    if (*pp && SEQ_LT((*pp)->seq, seq + len)) len = (*pp)->seq - seq;
    if (len == 0) return;
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
static void ooo_pull(struct stk *s, struct stk_tcb *c) {
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

static void enter_time_wait(struct stk *s, struct stk_tcb *c) {
    twheel_cancel(&s->wheel, &c->t_rto);
    c->persist = false;
    if (s->cfg.time_wait == 0) {
        c->state = STK_CLOSED;
        twheel_cancel(&s->wheel, &c->t_wait);
    } else {
        c->state = STK_TIME_WAIT;
        tcb_arm(s, &c->t_wait, s->cfg.time_wait);
    }
    tcb_check_cleanup(s, c);
    work_add(s, c);
}

static void process_fin(struct stk *s, struct stk_tcb *c) {
    c->rcv_nxt++;
    c->fin_rcvd = true;
    c->ooo_fin = false;
    c->ack_now = true;
    tcb_ev_set(s, c, EV_RCLOSED);
    switch (c->state) {
    case STK_SYN_RECEIVED:
    case STK_ESTABLISHED: c->state = STK_CLOSE_WAIT; break;
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
    case STK_TIME_WAIT: tcb_arm(s, &c->t_wait, s->cfg.time_wait); break;
    default: break;
    }
}

static void rtt_sample(struct stk *s, struct stk_tcb *c, stk_time_t r) {
    if (!c->min_rtt || r < c->min_rtt) c->min_rtt = r ? r : 1;
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
    if (k < s->cfg.timer_tick) k = s->cfg.timer_tick;
    stk_time_t rto = c->srtt + k;
    if (rto < s->cfg.rto_min) rto = s->cfg.rto_min;
    if (rto > s->cfg.rto_max) rto = s->cfg.rto_max;
    c->rto = rto;
}

static void tx_drop_acked(struct stk *s, struct stk_tcb *c, uint32_t bytes) {
    c->tx_queued -= bytes;
    c->acked_pending += bytes;
    while (bytes) {
        struct stk_seg *g = c->txh;
        assert(g);
        if (g->len <= bytes) {
            bytes -= g->len;
            c->txh = g->next;
            if (!c->txh) c->txt = NULL;
            if (c->tx_cur == g) c->tx_cur = NULL;
            c->tx_segs--;
            seg_free(s, g);
        } else {
            g->ptr += bytes;
            g->len -= bytes;
            g->seq += bytes;
            if (c->tx_cur == g) c->tx_cur_seq = g->seq;
            bytes = 0;
        }
    }
}

/* Eifel detection (RFC 3522) on the first ACK that covers the retransmitted
 * data: if it echoes a TSval older than the retransmission's, the original
 * got through and the retransmission was spurious. Response (RFC 4015 in
 * its simplest form): restore cwnd and ssthresh; a fast retransmit that
 * reordering caused raises DupThresh to the reordering seen (segments that
 * overtook the original, as Linux's tp->reordering), at most
 * STK_DUPTHRESH_MAX. Recovery ends and sending goes on from SND.MAX; the
 * reduction being undone, a new episode may start at once (RFC 6582's
 * recovery point moves to SND.UNA) for what the scoreboard, with the new
 * DupThresh, still shows lost. Called before SND.UNA moves. */
static bool eifel_undo(struct stk *s, struct stk_tcb *c, const struct seg_in *g) {
    if (!c->undo_armed) return false;
    c->undo_armed = false;
    if (!g->o.ts || !SEQ_LT(g->o.tsecr, c->undo_tsval)) return false;
    s->ctr.tcp_spurious_undo++;
    if (!c->rto_recovery && c->in_recovery) {
        uint32_t degree = 1 + (c->sack_ok ? sack_above(c, c->snd_una) / c->mss : c->dupacks);
        if (degree > c->dupthresh) {
            c->dupthresh = umin(degree, STK_DUPTHRESH_MAX);
            s->ctr.tcp_reorder_seen++;
        }
        if (c->reo_mult < 16) c->reo_mult = (uint8_t)(c->reo_mult ? c->reo_mult + 1 : 2);
    }
    c->cwnd = umax(c->cwnd, c->undo_cwnd);
    c->ssthresh = umax(c->ssthresh, c->undo_ssthresh);
    c->in_recovery = c->rto_recovery = c->sack_kick = c->rxt_guard = false;
    c->recover = c->snd_una;
    c->snd_nxt = c->snd_max;
    return true;
}

/* Window growth on a new ACK outside fast recovery, by bytes acknowledged
 * (RFC 3465; RFC 5681 3.1 allows it): slow start adds what was ACKed, up
 * to ssthresh (without RFC 3465's limit L of 2 SMSS per ACK, as Linux: a
 * Linux receiver at times ACKs a whole burst at once, and one SMSS per ACK
 * then grew cwnd by one segment per round trip); congestion avoidance adds
 * one SMSS per cwnd bytes ACKed, so stretch and delayed ACKs do not slow it. */
static void cwnd_grow(struct stk_tcb *c, uint32_t acked) {
    if (c->cwnd < c->ssthresh) {
        uint32_t inc = umin(acked, c->ssthresh - c->cwnd);
        c->cwnd += inc;
        acked -= inc;
    }
    c->ca_bytes += acked;
    if (c->ca_bytes >= c->cwnd) {
        c->ca_bytes -= c->cwnd;
        c->cwnd += c->mss;
    }
}

/* RTT from the echoed timestamp (RFC 7323 4.1: valid for retransmitted
 * data too), else from the timed segment (Karn). Not, during a recovery
 * episode, from an ACK echoing a TSval from before the episode's first
 * retransmission: an original got through and its ACKs were lost (or the
 * peer echoed the original for a duplicate), so the time since the
 * original's send measures the losses and the backed-off timeouts, not the
 * path (on a 10 ms path with 10% loss such samples were 0.2 to 2.8 s and
 * pushed the RTO to 3.5 s). */
static void ack_rtt(struct stk *s, struct stk_tcb *c, const struct seg_in *g) {
    if (c->ts_ok && g->o.ts && g->o.tsecr) {
        uint32_t d = tcp_opt_tsval(s, c) - g->o.tsecr;
        bool before_rxt = c->rxt_guard && SEQ_LT(g->o.tsecr, c->undo_tsval);
        if (d < 0x80000000u && !before_rxt) rtt_sample(s, c, (stk_time_t)d * TCP_OPT_TS_TICK);
        c->rtt_timing = false;
    } else if (c->rtt_timing && SEQ_GT(g->ack, c->rtt_seq)) {
        c->rtt_timing = false;
        rtt_sample(s, c, s->now - c->rtt_start);
    }
}

/* A new cumulative ACK (SND.UNA < ack <= SND.MAX). */
static void ack_new(struct stk *s, struct stk_tcb *c, const struct seg_in *g) {
    uint32_t ack = g->ack;
    uint32_t acked = ack - c->snd_una;
    uint32_t data_acked = acked;
    if (c->fin_sent && SEQ_GT(ack, c->fin_seq)) data_acked--;
    if (data_acked > c->tx_queued) data_acked = (uint32_t)c->tx_queued;
    bool restart = true;
    if (data_acked) {
        tx_drop_acked(s, c, data_acked);
        tcb_ev_set(s, c, EV_ACKED);
    }
    ack_rtt(s, c, g);
    bool undone = eifel_undo(s, c, g);
    if (SEQ_GT(ack, c->recover)) c->rxt_guard = false; /* the episode is over */
    if (c->tlp_out && SEQ_GT(ack, c->tlp_high)) c->tlp_out = false;
    c->snd_una = ack;
    if (SEQ_LT(c->snd_nxt, c->snd_una)) c->snd_nxt = c->snd_una;
    if (c->sack_ok) sack_trim(c);
    c->retries = 0;
    if (c->dupacks) {
        c->dupacks = 0;
        c->lt_bytes = 0; /* Limited Transmit sends only after duplicate ACKs */
    }
    if (undone) {
        /* back to where the episode began */
    } else if (c->in_recovery && c->sack_ok) {
        if (SEQ_GT(ack, c->recover)) {
            /* RFC 6675 5: the episode ends; after fast recovery cwnd is
             * ssthresh (RFC 5681 3.2 step 6). */
            if (!c->rto_recovery) c->cwnd = c->ssthresh;
            c->in_recovery = c->rto_recovery = c->sack_kick = false;
            c->snd_nxt = c->snd_max;
        } else {
            /* A partial ACK: the next hole's retransmission is judged by
             * what is sent from now on. */
            c->rxt_mark = c->snd_max;
            if (c->rto_recovery) cwnd_grow(c, acked); /* slow start after the timeout */
        }
    } else if (c->in_recovery) {
        if (SEQ_GT(ack, c->recover)) {
            /* Full ACK (RFC 6582 3.2 step 3). */
            uint32_t flight = c->snd_max - c->snd_una;
            c->cwnd = umin(c->ssthresh, umax(flight, c->mss) + c->mss);
            c->in_recovery = false;
        } else {
            /* Partial ACK: retransmit the next hole, deflate (step 4). */
            tcp_retransmit_head(s, c);
            c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
            if (acked >= c->mss) c->cwnd += c->mss;
            if (c->cwnd < c->mss) c->cwnd = c->mss;
            /* Impatient variant: only the first partial ACK restarts the timer. */
            if (c->partial_seen) restart = false;
            c->partial_seen = true;
        }
    } else {
        cwnd_grow(c, acked);
    }
    if (SEQ_GEQ(c->snd_una, c->snd_max)) {
        twheel_cancel(&s->wheel, &c->t_rto);
        c->persist = false;
    } else if (restart && !c->persist) {
        tcp_arm_rto(s, c); /* RFC 6298 5.3 (or the probe timer) */
    }
}

static void enter_established(struct stk *s, struct stk_tcb *c) {
    c->state = STK_ESTABLISHED;
    if (s->cfg.keepalive) tcb_arm(s, &c->t_keep, s->cfg.keepalive_idle);
    s->ctr.tcp_established++;
    if (!c->new_conn_sent) tcb_ev_set(s, c, EV_NEW_CONN);
    if (c->fin_pending) c->state = STK_FIN_WAIT_1;
}

static uint32_t init_cwnd(const struct stk *s, uint32_t mss) {
    if (s->cfg.init_cwnd_segs) return s->cfg.init_cwnd_segs * mss;
    return umin(4 * mss, umax(2 * mss, 4380)); /* RFC 5681 3.1 */
}

/* The options of the peer's SYN: what both sides use from now on, and the
 * MSS (less the timestamps' 12 bytes when they are on, as Linux does). */
static void negotiate(struct stk *s, struct stk_tcb *c, const struct seg_in *g) {
    if (g->o.ws >= 0) {
        c->ws_ok = true;
        c->snd_wscale = (uint8_t)g->o.ws;
        c->rcv_wscale = tcb_our_wscale(s);
    } else {
        c->ws_ok = false;
        c->snd_wscale = c->rcv_wscale = 0;
    }
    c->sack_ok = s->cfg.sack && g->o.sack_perm;
    c->ts_ok = s->cfg.timestamps && g->o.ts;
    if (c->ts_ok) {
        c->ts_recent = g->o.tsval;
        c->ts_recent_at = s->now;
    }
    uint32_t m = g->o.mss ? g->o.mss : 536;
    c->mss = umin(m, s->cfg.mtu - 40u);
    if (c->ts_ok) c->mss -= TCP_OPT_TS_LEN;
    if (c->mss < 64) c->mss = 64;
    c->cwnd = init_cwnd(s, c->mss);
}

static void listen_input(struct stk *s, struct stk_listener *l, uint32_t src, uint32_t dst,
                         const struct seg_in *g) {
    if (g->flags & TH_RST) return;
    if (g->flags & TH_ACK) {
        tcp_send_rst(s, g->smac, src, g->sport, g->dport, g->seq, g->ack, g->flags, g->plen);
        return;
    }
    if (!(g->flags & TH_SYN)) return;
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
    c->ts_off = tcp_opt_ts_offset(s, c->rip, c->rport, c->lport);
    negotiate(s, c, g);
    c->state = STK_SYN_RECEIVED;
    tcb_hash(s, c);
    s->ctr.tcp_passive_opens++;
    tcp_send_syn(s, c);
    tcb_arm(s, &c->t_rto, c->rto);
}

static void syn_sent_input(struct stk *s, struct stk_tcb *c, const struct seg_in *g) {
    bool ack_ok = false;
    if (g->flags & TH_ACK) {
        if (SEQ_LEQ(g->ack, c->iss) || SEQ_GT(g->ack, c->snd_max)) {
            if (!(g->flags & TH_RST))
                tcp_send_rst(s, g->smac, c->rip, c->rport, c->lport, g->seq, g->ack, g->flags,
                             g->plen);
            return;
        }
        ack_ok = true;
    }
    if (g->flags & TH_RST) {
        s->ctr.tcp_rst_rx++;
        if (ack_ok) tcb_abort(s, c, -ECONNREFUSED);
        return;
    }
    if (!(g->flags & TH_SYN)) return;
    c->irs = g->seq;
    c->rcv_nxt = g->seq + 1;
    c->rcv_adv = c->rcv_nxt + umin(s->cfg.rcv_buf, 65535); /* what our SYN offered */
    negotiate(s, c, g);
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
        tcp_send_syn(s, c);
        tcb_arm(s, &c->t_rto, c->rto);
    }
}

/* SYN-RECEIVED cases that come before step 1. Returns false when the
 * segment is done with. */
static bool syn_received_pre(struct stk *s, struct stk_tcb *c, struct seg_in *g, uint32_t *seglen) {
    if (c->state != STK_SYN_RECEIVED) return true;
    /* A retransmitted SYN while we wait for the handshake's ACK. */
    if ((g->flags & TH_SYN) && !(g->flags & TH_ACK) && g->seq == c->irs) {
        tcp_send_syn(s, c);
        return false;
    }
    /* Simultaneous open: the peer's SYN-ACK repeats its SYN's sequence
     * number; strictly it fails step 1 (RFC 9293 figure 8 relies on it). */
    if ((g->flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK) && g->seq == c->irs &&
        SEQ_LT(c->snd_una, g->ack) && SEQ_LEQ(g->ack, c->snd_max)) {
        g->flags &= (uint8_t)~TH_SYN;
        g->seq++;
        (*seglen)--;
    }
    return true;
}

/* Step 1: sequence acceptability (RFC 9293 3.10.7.4, the four cases). */
static bool seq_acceptable(const struct stk_tcb *c, const struct seg_in *g, uint32_t seglen,
                           uint32_t rwnd) {
    if (seglen == 0)
        return rwnd == 0 ? g->seq == c->rcv_nxt
                         : SEQ_LEQ(c->rcv_nxt, g->seq) && SEQ_LT(g->seq, c->rcv_nxt + rwnd);
    return rwnd != 0 && ((SEQ_LEQ(c->rcv_nxt, g->seq) && SEQ_LT(g->seq, c->rcv_nxt + rwnd)) ||
                         (SEQ_LEQ(c->rcv_nxt, g->seq + seglen - 1) &&
                          SEQ_LT(g->seq + seglen - 1, c->rcv_nxt + rwnd)));
}

/* Step 2: RST (RFC 5961 3.2: exact match resets, in-window challenges). */
static void rst_input(struct stk *s, struct stk_tcb *c, const struct seg_in *g, bool acceptable) {
    s->ctr.tcp_rst_rx++;
    if (g->seq == c->rcv_nxt) {
        if (c->state == STK_SYN_RECEIVED && !c->active) {
            tcb_abort(s, c, -ECONNRESET);
        } else if (c->state == STK_CLOSING || c->state == STK_LAST_ACK ||
                   c->state == STK_TIME_WAIT) {
            c->state = STK_CLOSED;
            twheel_cancel(&s->wheel, &c->t_rto);
            twheel_cancel(&s->wheel, &c->t_wait);
            if (c->app_closed)
                tcb_check_cleanup(s, c);
            else
                tcb_ev_set(s, c, EV_RCLOSED);
            work_add(s, c);
        } else {
            tcb_abort(s, c, c->state == STK_SYN_RECEIVED ? -ECONNREFUSED : -ECONNRESET);
        }
    } else if (acceptable) {
        s->ctr.tcp_challenge_ack++;
        c->ack_now = true;
        work_add(s, c);
    } else {
        s->ctr.tcp_rst_bad_seq++;
    }
}

/* Trims an acceptable segment to the receive window. */
static void seg_trim(struct stk *s, struct stk_tcb *c, struct seg_in *g, uint32_t rwnd) {
    if (SEQ_LT(g->seq, c->rcv_nxt)) {
        uint32_t d = c->rcv_nxt - g->seq;
        if (g->flags & TH_SYN) {
            g->flags &= (uint8_t)~TH_SYN;
            d--;
            g->seq++;
        }
        uint32_t dd = umin(d, g->plen);
        if (dd) note_dsack(c, g->seq, g->seq + dd);
        g->payload += dd;
        g->plen -= dd;
        g->seq += dd;
        if (dd) s->ctr.tcp_dup_data++;
    }
    if (rwnd && SEQ_GT(g->seq + g->plen, c->rcv_nxt + rwnd)) {
        g->plen = c->rcv_nxt + rwnd - g->seq;
        g->flags &= (uint8_t)~TH_FIN;
    }
}

/* Step 5 in SYN-RECEIVED: the ACK completing the handshake, else a RST.
 * Returns false when the segment is done with. */
static bool syn_received_ack(struct stk *s, struct stk_tcb *c, const struct seg_in *g) {
    if (!(SEQ_LT(c->snd_una, g->ack) && SEQ_LEQ(g->ack, c->snd_max))) {
        tcp_send_rst(s, g->smac, c->rip, c->rport, c->lport, g->seq, g->ack, g->flags, g->plen);
        return false;
    }
    twheel_cancel(&s->wheel, &c->t_rto);
    c->snd_una = c->iss + 1;
    c->snd_wnd = (uint32_t)g->wnd << c->snd_wscale;
    c->max_snd_wnd = umax(c->max_snd_wnd, c->snd_wnd);
    c->snd_wl1 = g->seq;
    c->snd_wl2 = g->ack;
    c->retries = 0;
    enter_established(s, c);
    return true;
}

/* Loss detection with SACK (RFC 6675 5): DupThresh duplicate ACKs, or
 * more than (DupThresh - 1) * SMSS SACKed above SND.UNA (IsLost), once per
 * window (SND.UNA above the last recovery point, as RFC 6582 asks). Enters
 * recovery: ssthresh = cwnd = FlightSize / 2, HighRxt = SND.UNA, and the
 * first hole goes out at the next output regardless of the window. */
static void sack_check_loss(struct stk *s, struct stk_tcb *c) {
    if (c->in_recovery || !SEQ_GT(c->snd_una, c->recover) || !SEQ_GT(c->snd_max, c->snd_una))
        return;
    uint32_t thresh = tcb_dupthresh(c);
    if (c->dupacks < thresh && sack_above(c, c->snd_una) <= (thresh - 1) * c->mss &&
        !sack_timed_out(c, s->now))
        return;
    tcp_sack_enter_recovery(s, c);
}

/* A duplicate ACK (RFC 5681 2; with SACK also an ACK that SACKs new data,
 * RFC 6675 2): counts, and on the DupThresh-th enters fast recovery (RFC
 * 6582 3.2 step 2, or RFC 6675 with SACK); in NewReno recovery, inflates. */
static void dupack_input(struct stk *s, struct stk_tcb *c, uint32_t ack) {
    s->ctr.tcp_dupacks_rx++;
    c->dupacks++;
    if (c->sack_ok) {
        sack_check_loss(s, c);
    } else if (c->in_recovery) {
        c->cwnd += c->mss;
    } else if (c->dupacks == tcb_dupthresh(c) && SEQ_GT(ack, c->recover)) {
        tcp_undo_arm(s, c);
        uint32_t flight = c->snd_max - c->snd_una - c->lt_bytes; /* RFC 5681 3.2 step 2 */
        c->ssthresh = umax(flight / 2, 2 * c->mss);
        c->recover = c->snd_max - 1;
        c->in_recovery = true;
        c->partial_seen = false;
        s->ctr.tcp_fast_retransmits++;
        tcp_retransmit_head(s, c);
        c->cwnd = c->ssthresh + 3 * c->mss;
    }
    work_add(s, c);
}

/* Send window update (RFC 9293 3.10.7.4, SND.WL1/SND.WL2 rule). */
static void snd_wnd_update(struct stk *s, struct stk_tcb *c, const struct seg_in *g, uint32_t wnd) {
    if (SEQ_LT(c->snd_wl1, g->seq) || (c->snd_wl1 == g->seq && SEQ_LEQ(c->snd_wl2, g->ack))) {
        bool opened = wnd > c->snd_wnd;
        c->snd_wnd = wnd;
        c->snd_wl1 = g->seq;
        c->snd_wl2 = g->ack;
        if (wnd > c->max_snd_wnd) c->max_snd_wnd = wnd;
        if (wnd && c->persist) {
            c->persist = false;
            twheel_cancel(&s->wheel, &c->t_rto);
        }
        /* A wider window may let queued data out: a plain window update
         * (ACK unchanged) after persist must restart output, or nothing
         * would ever be sent again (the persist timer is off now). */
        if (opened && SEQ_LT(c->snd_nxt, tcb_data_end(c) + (c->fin_pending ? 1u : 0u)))
            work_add(s, c);
    }
}

/* Step 5, the closing states: what an ACK of our FIN moves to; TIME-WAIT
 * answers a retransmitted FIN. Returns false when the segment is done with. */
static bool ack_closing_states(struct stk *s, struct stk_tcb *c, const struct seg_in *g) {
    bool fin_acked = c->fin_sent && SEQ_GT(c->snd_una, c->fin_seq);
    switch (c->state) {
    case STK_FIN_WAIT_1:
        if (fin_acked) {
            c->state = STK_FIN_WAIT_2;
            if (c->app_closed && s->cfg.fin_wait2) tcb_arm(s, &c->t_wait, s->cfg.fin_wait2);
        }
        break;
    case STK_CLOSING:
        if (fin_acked) enter_time_wait(s, c);
        break;
    case STK_LAST_ACK:
        if (fin_acked) {
            c->state = STK_CLOSED;
            twheel_cancel(&s->wheel, &c->t_rto);
            tcb_check_cleanup(s, c);
            work_add(s, c);
            return false;
        }
        break;
    case STK_TIME_WAIT:
        if (g->flags & TH_FIN) {
            c->ack_now = true;
            tcb_arm(s, &c->t_wait, s->cfg.time_wait);
            work_add(s, c);
        }
        return false;
    default: break;
    }
    return true;
}

/* Step 5: ACK. Returns false when the segment is done with. */
static bool ack_input(struct stk *s, struct stk_tcb *c, const struct seg_in *g) {
    if (c->state == STK_SYN_RECEIVED && !syn_received_ack(s, c, g)) return false;
    if (SEQ_GT(g->ack, c->snd_max)) {
        s->ctr.tcp_ack_too_new++;
        c->ack_now = true;
        work_add(s, c);
        return false;
    }
    uint32_t wnd = (uint32_t)g->wnd << c->snd_wscale;
    uint32_t newly_sacked = c->sack_ok && g->o.nsack ? sack_update(s, c, &g->o, g->ack) : 0;
    if (SEQ_GT(g->ack, c->snd_una)) {
        ack_new(s, c, g);
        if (c->sack_ok) sack_check_loss(s, c); /* IsLost(SND.UNA) on a partial advance */
    } else if (g->ack == c->snd_una && SEQ_GT(c->snd_max, c->snd_una) && !c->persist &&
               (c->sack_ok ? newly_sacked != 0
                           : g->plen == 0 && !(g->flags & TH_FIN) && wnd == c->snd_wnd)) {
        /* With SACK only an ACK that SACKs new data is a duplicate ACK (RFC
         * 6675 2): a D-SACK, or an ACK the network duplicated, says nothing
         * was lost (at 50% duplication they had started ~1,000 spurious
         * recoveries per 8 MiB). */
        dupack_input(s, c, g->ack);
    }
    if (newly_sacked) {
        if (sack_retransmit_lost(s, c)) work_add(s, c);
        tcp_arm_reo(s, c);
    }
    snd_wnd_update(s, c, g, wnd);
    return ack_closing_states(s, c, g);
}

/* In-order text: queued by reference, then what was waiting out of order.
 * Returns false when no segment reference is left (dropped, ACKed). */
static bool data_in_order(struct stk *s, struct stk_tcb *c, struct stk_rxbuf *buf,
                          const struct seg_in *g) {
    struct stk_seg *sg = c->rx_segs < s->cfg.max_rx_segs ? seg_alloc(s) : NULL;
    if (!sg) {
        s->ctr.tcp_rx_no_seg_drop++;
        c->ack_now = true;
        work_add(s, c);
        return false;
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
    if (c->ooo_fin && c->rcv_nxt == c->ooo_fin_seq) process_fin(s, c);
    return true;
}

/* Step 7: segment text. Returns false when the segment is dropped. */
static bool data_input(struct stk *s, struct stk_tcb *c, struct stk_rxbuf *buf,
                       const struct seg_in *g) {
    bool in_order = g->seq == c->rcv_nxt;
    bool data_state =
        c->state == STK_ESTABLISHED || c->state == STK_FIN_WAIT_1 || c->state == STK_FIN_WAIT_2;
    if (!g->plen || !data_state) return true;
    s->ctr.tcp_data_segs_in++;
    if (c->app_closed || c->rd_shut) {
        /* Nobody will read it: acknowledge and discard. */
        if (in_order) c->rcv_nxt += g->plen;
        c->ack_now = true;
    } else if (in_order) {
        if (!data_in_order(s, c, buf, g)) return false;
    } else {
        ooo_insert(s, c, buf, g->payload, g->seq, g->plen);
        c->ack_now = true; /* duplicate ACK for the sender's fast retransmit */
    }
    work_add(s, c);
    return true;
}

/* Step 8: FIN, in order now or remembered until the gap fills. */
static void fin_input(struct stk *s, struct stk_tcb *c, const struct seg_in *g) {
    if ((g->flags & TH_FIN) && !c->fin_rcvd && c->state != STK_CLOSED) {
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

/* RFC 7323 5.3 R1 (PAWS) with timestamps on: a segment whose TSval is older
 * than TS.Recent is an old duplicate (ACKed and dropped) unless TS.Recent
 * is over 24 days old; a segment without the option is dropped (RFC 7323
 * 3.2's SHOULD). RSTs pass, and so do pure ACKs (no data, SYN or FIN): PAWS
 * guards data, an ACK overtaken by a later one is checked as any ACK is,
 * and dropping it would lose its SACK blocks (Linux lets such "disordered
 * ACKs" through too; under 25% reordering PAWS had dropped about 400 of
 * them per 8 MiB). Returns false when the segment is done with. */
static bool paws_ok(struct stk *s, struct stk_tcb *c, const struct seg_in *g) {
    if (g->flags & TH_RST) return true;
    if (!g->o.ts) {
        s->ctr.tcp_ts_missing_drop++;
        return false;
    }
    if (!SEQ_LT(g->o.tsval, c->ts_recent)) return true;
    if (!g->plen && !(g->flags & (TH_SYN | TH_FIN))) return true;
    if (s->now - c->ts_recent_at > 24 * 86400 * STK_SEC) {
        c->ts_recent = g->o.tsval;
        c->ts_recent_at = s->now;
        return true;
    }
    s->ctr.tcp_paws_drop++;
    c->ack_now = true;
    work_add(s, c);
    return false;
}

/* SEGMENT ARRIVES in a synchronized state (and SYN-RECEIVED), RFC 9293
 * 3.10.7.4, step by step. */
static void sync_input(struct stk *s, struct stk_tcb *c, struct stk_rxbuf *buf, struct seg_in *g) {
    uint32_t seglen = g->plen + ((g->flags & TH_SYN) ? 1 : 0) + ((g->flags & TH_FIN) ? 1 : 0);
    uint32_t rwnd = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;

    if (!syn_received_pre(s, c, g, &seglen)) return;
    if (c->ts_ok && !paws_ok(s, c, g)) return;
    bool ok = seq_acceptable(c, g, seglen, rwnd);
    if (g->flags & TH_RST) {
        rst_input(s, c, g, ok);
        return;
    }
    if (!ok) {
        if (g->plen) {
            s->ctr.tcp_dup_data++;
            if (SEQ_LEQ(g->seq + g->plen, c->rcv_nxt)) note_dsack(c, g->seq, g->seq + g->plen);
        } else {
            s->ctr.tcp_unacceptable++;
        }
        c->ack_now = true;
        work_add(s, c);
        return;
    }
    /* RFC 7323 4.3: TS.Recent follows segments at the left edge. */
    if (c->ts_ok && g->o.ts && SEQ_LEQ(g->seq, c->last_ack_sent) &&
        SEQ_GEQ(g->o.tsval, c->ts_recent)) {
        c->ts_recent = g->o.tsval;
        c->ts_recent_at = s->now;
    }
    seg_trim(s, c, g, rwnd);
    /* Step 4: SYN in a synchronized state: challenge ACK (RFC 5961 4.2). */
    if (g->flags & TH_SYN) {
        s->ctr.tcp_challenge_ack++;
        c->ack_now = true;
        work_add(s, c);
        return;
    }
    if (!(g->flags & TH_ACK) || !ack_input(s, c, g)) return;
    if (!data_input(s, c, buf, g)) return;
    fin_input(s, c, g);
}

/* A segment for a 4-tuple in the TIME-WAIT table (RFC 9293 3.10.7.4 in
 * TIME-WAIT, RFC 5961 for RST and SYN). Returns false when the segment is a
 * SYN that may open a new incarnation (the entry is gone; RFC 9293 3.6.1:
 * its sequence number is above the old connection's, or RFC 6191: its
 * timestamp is newer). */
static bool time_wait_input(struct stk *s, struct stk_tw *w, uint32_t src, const struct seg_in *g) {
    uint32_t rwnd = (uint32_t)w->wnd << w->rcv_wscale;
    if (g->flags & TH_RST) {
        s->ctr.tcp_rst_rx++;
        if (g->seq == w->rcv_nxt) {
            tw_remove(s, w); /* RFC 9293: CLOSED (RFC 1337 would ignore it) */
            return true;
        }
        if (SEQ_LT(w->rcv_nxt, g->seq) && SEQ_LT(g->seq, w->rcv_nxt + rwnd)) {
            s->ctr.tcp_challenge_ack++;
        } else {
            s->ctr.tcp_rst_bad_seq++;
            return true;
        }
    } else if ((g->flags & (TH_SYN | TH_ACK)) == TH_SYN &&
               (w->ts_ok && g->o.ts ? SEQ_GT(g->o.tsval, w->ts_recent)
                                    : SEQ_GT(g->seq, w->rcv_nxt))) {
        /* RFC 6191: with timestamps a newer TSval, else a higher sequence
         * number (RFC 9293 3.6.1). */
        s->ctr.tcp_time_wait_reuse++;
        tw_remove(s, w);
        return false;
    } else if (g->flags & TH_FIN) {
        /* The peer lost our last ACK: acknowledge again, restart 2*MSL. */
        tw_refresh(s, w);
    } else if (!(g->flags & TH_SYN) && !g->plen && g->seq == w->rcv_nxt &&
               !((g->flags & TH_ACK) && SEQ_GT(g->ack, w->snd_nxt))) {
        return true; /* an acceptable bare ACK: nothing to say */
    } else if (g->flags & TH_SYN) {
        s->ctr.tcp_challenge_ack++;
    }
    s->ctr.tcp_time_wait_acks++;
    tcp_send_ack_raw(s, g->smac, src, w->lport, w->rport, w->snd_nxt, w->rcv_nxt, w->wnd, w->ts_ok,
                     w->ts_recent);
    return true;
}

void tcp_input(struct stk *s, struct stk_rxbuf *buf, uint32_t src, uint32_t dst, const uint8_t *th,
               size_t tlen) {
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
    if (!tcp_opt_parse(th + STK_TCP_HLEN, off - STK_TCP_HLEN, &g.o)) {
        s->ctr.tcp_bad_options++;
        return;
    }
    if (g.sport == 0 || g.dport == 0) {
        s->ctr.tcp_bad_options++;
        return;
    }
    struct stk_tcb *c = tcb_lookup(s, src, g.sport, g.dport);
    if (!c) {
        struct stk_tw *w = tw_lookup(s, src, g.sport, g.dport);
        if (w && time_wait_input(s, w, src, &g)) return;
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
        uint32_t seglen = g.plen + ((g.flags & TH_SYN) ? 1 : 0) + ((g.flags & TH_FIN) ? 1 : 0);
        tcp_send_rst(s, g.smac, src, g.sport, g.dport, g.seq, g.ack, g.flags, seglen);
        return;
    }
    if (c->state == STK_CLOSED) return;
    c->last_rx = s->now; /* keep-alive: the peer is there */
    c->keep_probes = 0;
    if (c->state == STK_SYN_SENT)
        syn_sent_input(s, c, &g);
    else
        sync_input(s, c, buf, &g);
}
