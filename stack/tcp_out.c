/* stack/tcp_out.c: TCP segment emission (tcp_out.h). */
#include "stack/tcp_out.h"
#include "stack/ip.h"
#include "stack/tcb.h"
#include "stack/tcp_opt.h"
#include "stack/tcp_sack.h"
#include "stack/twheel.h"
#include "stack/work.h"

/* The TCP header in the instance's frame scratch. */
#define TH(s) ((s)->hdr + STK_ETH_HLEN + STK_IP_HLEN)

/* The window field to send, applying receiver SWS avoidance (RFC 1122
 * 4.2.3.3) and never moving the right edge left. Updates rcv_adv. */
static uint16_t rcv_window_field(struct stk *s, struct stk_tcb *c) {
    uint32_t space = umin(tcb_rcv_space(s, c), 65535u << c->rcv_wscale);
    uint32_t edge = c->rcv_nxt + space;
    uint32_t sws = umin(s->cfg.rcv_buf / 2, c->mss ? c->mss : 536);
    if (SEQ_LT(edge, c->rcv_adv) || (uint32_t)(edge - c->rcv_adv) < sws)
        edge = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv : c->rcv_nxt;
    if (SEQ_GT(edge, c->rcv_nxt + space) && SEQ_LEQ(c->rcv_adv, c->rcv_nxt + space))
        edge = c->rcv_nxt + space;
    uint32_t w = (uint32_t)(edge - c->rcv_nxt) >> c->rcv_wscale;
    if (w > 65535) w = 65535;
    uint32_t adv = c->rcv_nxt + (w << c->rcv_wscale);
    if (SEQ_GT(adv, c->rcv_adv)) c->rcv_adv = adv;
    return (uint16_t)w;
}

/* Points s->iov[1..] at up to `len` queued bytes from sequence `seq`;
 * returns the bytes gathered (less when the iov batch fills) and the count. */
static uint32_t gather(struct stk *s, struct stk_tcb *c, uint32_t seq, uint32_t len, unsigned *n) {
    *n = 0;
    if (len == 0) return 0;
    struct stk_seg *g = c->txh;
    if (c->tx_cur && SEQ_LEQ(c->tx_cur_seq, seq) && SEQ_GEQ(c->tx_cur_seq, c->snd_una))
        g = c->tx_cur;
    while (g && SEQ_LEQ(g->seq + g->len, seq)) g = g->next;
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
        if (off + take == g->len) g = g->next;
    }
    return got;
}

static void ack_sent(struct stk *s, struct stk_tcb *c) {
    if (c->ts_ok) c->last_ack_sent = c->rcv_nxt;
    c->ack_now = c->ack_delayed = false;
    c->unacked_segs = 0;
    twheel_cancel(&s->wheel, &c->t_delack);
}

/* Builds and sends one segment; returns the payload bytes sent. */
uint32_t tcp_emit(struct stk *s, struct stk_tcb *c, uint32_t seq, uint8_t flags, uint32_t len) {
    uint8_t *th = TH(s);
    size_t sack_len = 0, hl = STK_TCP_HLEN;
    /* Options: on SYNs, and on every segment of a connection that uses them. */
    if ((flags & TH_SYN) || c->ts_ok || c->sack_ok)
        hl += tcp_opt_build(s, c, flags, th + STK_TCP_HLEN, &sack_len);
    /* SACK blocks take their room from the payload (c->mss already leaves
     * room for the timestamps). */
    if (sack_len && len > c->mss - sack_len) len = c->mss - (uint32_t)sack_len;
    unsigned n = 0;
    len = gather(s, c, seq, len, &n);
    wr16(th, c->lport);
    wr16(th + 2, c->rport);
    wr32(th + 4, seq);
    wr32(th + 8, (flags & TH_ACK) ? c->rcv_nxt : 0);
    if (flags & TH_SYN) {
        wr16(th + 14, (uint16_t)umin(s->cfg.rcv_buf, 65535));
        if (SEQ_GT(c->rcv_nxt + umin(s->cfg.rcv_buf, 65535), c->rcv_adv))
            c->rcv_adv = c->rcv_nxt + umin(s->cfg.rcv_buf, 65535);
    } else {
        wr16(th + 14, (flags & TH_RST) ? 0 : rcv_window_field(s, c));
    }
    th[12] = (uint8_t)(hl / 4) << 4;
    th[13] = flags;
    wr16(th + 18, 0);
    if (!c->rmac_ok) {
        uint32_t hop = ((c->rip ^ s->cfg.ip) & s->cfg.netmask) == 0 || !s->cfg.gateway
                           ? c->rip
                           : s->cfg.gateway;
        c->rmac_ok = ip_arp_lookup(s, hop, c->rmac);
    }
    ip_output(s, 6, c->rip, c->rmac_ok ? c->rmac : NULL, hl, n);
    if (flags & TH_ACK) {
        ack_sent(s, c);
        if (!(flags & (TH_SYN | TH_FIN)) && len == 0) s->ctr.tcp_acks_out++;
    }
    if (len) s->ctr.tcp_data_segs_out++;
    return len;
}

void tcp_send_syn(struct stk *s, struct stk_tcb *c) {
    uint8_t fl = TH_SYN | (c->state == STK_SYN_RECEIVED ? TH_ACK : 0);
    tcp_emit(s, c, c->iss, fl, 0);
}

/* RST for a segment without a connection (RFC 9293 3.10.7.1). */
void tcp_send_rst(struct stk *s, const uint8_t *smac, uint32_t src, uint16_t sport, uint16_t dport,
                  uint32_t seq, uint32_t ack, uint8_t flags, uint32_t seglen) {
    if (flags & TH_RST) return;
    uint8_t *th = TH(s);
    wr16(th, dport);
    wr16(th + 2, sport);
    if (flags & TH_ACK) {
        wr32(th + 4, ack);
        wr32(th + 8, 0);
        th[13] = TH_RST;
    } else {
        wr32(th + 4, 0);
        wr32(th + 8, seq + seglen);
        th[13] = TH_RST | TH_ACK;
    }
    th[12] = 5 << 4;
    wr16(th + 14, 0);
    wr16(th + 18, 0);
    s->ctr.tcp_rst_sent++;
    ip_output(s, 6, src, smac, STK_TCP_HLEN, 0);
}

void tcp_send_ack_raw(struct stk *s, const uint8_t *dmac, uint32_t rip, uint16_t lport,
                      uint16_t rport, uint32_t seq, uint32_t ack, uint16_t wnd, bool ts,
                      uint32_t tsecr) {
    uint8_t *th = TH(s);
    size_t hl = STK_TCP_HLEN;
    if (ts) {
        uint32_t tsval =
            (uint32_t)(s->now / TCP_OPT_TS_TICK) + tcp_opt_ts_offset(s, rip, rport, lport);
        hl += tcp_opt_build_ts(th + STK_TCP_HLEN, tsval, tsecr);
    }
    wr16(th, lport);
    wr16(th + 2, rport);
    wr32(th + 4, seq);
    wr32(th + 8, ack);
    th[12] = (uint8_t)(hl / 4) << 4;
    th[13] = TH_ACK;
    wr16(th + 14, wnd);
    wr16(th + 18, 0);
    s->ctr.tcp_acks_out++;
    ip_output(s, 6, rip, dmac, hl, 0);
}

void tcp_retransmit_head(struct stk *s, struct stk_tcb *c) {
    uint32_t end = tcb_data_end(c);
    uint32_t len = SEQ_LT(c->snd_una, end) ? umin(end - c->snd_una, c->mss) : 0;
    uint8_t fl = TH_ACK;
    if (c->fin_sent && c->snd_una + len == c->fin_seq) fl |= TH_FIN;
    if (!len && !(fl & TH_FIN)) return;
    if (len) fl |= TH_PSH;
    tcp_emit(s, c, c->snd_una, fl, len);
    s->ctr.tcp_retransmits++;
    c->rtt_timing = false; /* Karn */
}

static bool can_send_data(const struct stk_tcb *c) {
    switch (c->state) {
    case STK_ESTABLISHED:
    case STK_CLOSE_WAIT:
    case STK_FIN_WAIT_1:
    case STK_CLOSING:
    case STK_LAST_ACK: return true;
    default: return false;
    }
}

#define TLP_DELACK (200 * STK_MS) /* RFC 8985 7.2 WCDelAckT */
#define TLP_MIN (10 * STK_MS)     /* Linux's floor for the probe timeout */

/* The probe timeout when a tail loss probe may be armed now and comes
 * before the RTO, else 0. */
static stk_time_t tlp_pto(const struct stk_tcb *c) {
    if (!c->sack_ok || c->in_recovery || !c->have_rtt || c->persist || c->tlp_out ||
        !can_send_data(c))
        return 0;
    stk_time_t pto = 2 * c->srtt;
    if (pto < TLP_MIN) pto = TLP_MIN;
    if (c->snd_max - c->snd_una <= c->mss) pto += TLP_DELACK;
    return pto < c->rto ? pto : 0;
}

/* Arms t_rto as the probe timer when pto (tlp_pto's answer) is not 0, else
 * at the RTO. */
static void arm_rto_or_probe(struct stk *s, struct stk_tcb *c, stk_time_t pto) {
    c->reo_armed = false;
    c->tlp_armed = pto != 0;
    tcb_arm(s, &c->t_rto, pto ? pto : c->rto);
}

void tcp_arm_rto(struct stk *s, struct stk_tcb *c) { arm_rto_or_probe(s, c, tlp_pto(c)); }

/* Sends the next segment from SND.NXT within `usable` bytes of window:
 * returns 1 when more may follow, 0 when it sent the last it could, -1 when
 * it sent nothing. */
static int send_next(struct stk *s, struct stk_tcb *c, uint32_t usable, uint32_t flight) {
    uint32_t end = tcb_data_end(c);
    uint32_t avail = SEQ_LT(c->snd_nxt, end) ? end - c->snd_nxt : 0;
    bool fin_now = c->fin_pending && c->snd_nxt + avail == c->fin_seq;
    if (avail == 0 && !fin_now) return -1;
    uint32_t len = umin(avail, umin(usable, c->mss));
    if (avail > 0 && len == 0) return -1;
    /* Sender SWS avoidance (RFC 1122 4.2.3.4). */
    if (len < avail && len < c->mss && flight > 0 && len < c->max_snd_wnd / 2) return -1;
    uint8_t fl = TH_ACK;
    uint32_t seq = c->snd_nxt;
    bool new_data = SEQ_GEQ(seq, c->snd_max);
    bool with_fin = fin_now && len == avail;
    if (with_fin) fl |= TH_FIN;
    if (len && seq + len == end) fl |= TH_PSH;
    uint32_t got = tcp_emit(s, c, seq, fl, len);
    if (got < len && with_fin) {
        /* The gather batch (or SACK blocks) cut it: FIN goes with a later segment. */
        with_fin = false;
    }
    if (!new_data && got) s->ctr.tcp_retransmits++;
    uint32_t nxt = seq + got + (with_fin ? 1 : 0);
    if (with_fin) c->fin_sent = true;
    if (new_data && !c->rtt_timing && got) {
        c->rtt_timing = true;
        c->rtt_seq = seq;
        c->rtt_start = s->now;
    }
    c->snd_nxt = nxt;
    if (SEQ_GT(nxt, c->snd_max)) c->snd_max = nxt;
    /* RFC 8985 7.2: new data (re)starts the probe timer. The persist flag
     * goes first: tlp_pto is 0 while it is set. */
    bool rearm = !twheel_armed(&c->t_rto) || c->persist || c->tlp_armed;
    c->persist = false;
    stk_time_t pto = rearm || new_data ? tlp_pto(c) : 0;
    if (rearm || pto) arm_rto_or_probe(s, c, pto);
    return with_fin || got == 0 ? 0 : 1;
}

/* Retransmits [seq, end) of a hole, at most one MSS (with the FIN if the
 * hole ends at it); returns the sequence space sent. */
static uint32_t send_hole(struct stk *s, struct stk_tcb *c, uint32_t seq, uint32_t end) {
    uint32_t data_end = tcb_data_end(c);
    uint32_t stop = SEQ_LT(end, data_end) ? end : data_end;
    uint32_t len = SEQ_LT(seq, stop) ? umin(stop - seq, c->mss) : 0;
    uint8_t fl = TH_ACK;
    bool fin = c->fin_sent && seq + len == c->fin_seq && SEQ_LT(c->fin_seq, end);
    if (fin) fl |= TH_FIN;
    if (!len && !fin) return 0;
    if (len) fl |= TH_PSH;
    uint32_t got = tcp_emit(s, c, seq, fl, len);
    if (got < len) fin = false;
    if (seq == c->snd_una) {
        c->rxt_mark = c->snd_max;
        c->rxt_at = s->now;
    }
    s->ctr.tcp_retransmits++;
    c->rtt_timing = false; /* Karn */
    /* Resending SND.UNA restarts the timer (as Linux does): the timer that
     * ran since the last new ACK would otherwise expire while this
     * retransmission is still on its way. */
    if (seq == c->snd_una || !twheel_armed(&c->t_rto)) tcp_arm_rto(s, c);
    return got + (fin ? 1u : 0u);
}

/* Loss recovery with SACK (RFC 6675 5, steps 4.3-4.4 and 5): while the
 * window has room over the pipe, retransmit the next lost hole (NextSeg
 * rule 1), else send new data; the first retransmission of an episode goes
 * regardless of the window (c->sack_kick, set on entry). */
__attribute__((noinline)) static bool sack_output(struct stk *s, struct stk_tcb *c) {
    bool sent = false;
    for (;;) {
        uint32_t edge = sack_lost_edge(c, s->now);
        uint32_t pipe = sack_pipe(c, edge);
        if (!c->sack_kick && pipe + c->mss > c->cwnd) break;
        uint32_t seq, end;
        if (sack_next_hole(c, edge, &seq, &end)) {
            uint32_t n = send_hole(s, c, seq, end);
            if (!n) break;
            c->sack_kick = false;
            c->high_rxt = seq + n;
            sent = true;
            continue;
        }
        uint32_t flight = c->snd_max - c->snd_una;
        uint32_t room = c->cwnd > pipe ? c->cwnd - pipe : 0;
        uint32_t rwnd = c->snd_wnd > flight ? c->snd_wnd - flight : 0;
        c->snd_nxt = c->snd_max;
        int r = send_next(s, c, umin(room, rwnd), flight);
        if (r >= 0) sent = true;
        if (r <= 0) break;
    }
    return sent;
}

void tcp_undo_arm(struct stk *s, struct stk_tcb *c) {
    c->undo_armed = c->rxt_guard = c->ts_ok;
    c->undo_cwnd = c->cwnd;
    c->undo_ssthresh = c->ssthresh;
    if (c->ts_ok) c->undo_tsval = tcp_opt_tsval(s, c);
}

void tcp_sack_enter_recovery(struct stk *s, struct stk_tcb *c) {
    tcp_undo_arm(s, c);
    uint32_t flight = c->snd_max - c->snd_una - c->lt_bytes;
    c->ssthresh = umax(flight / 2, 2 * c->mss);
    c->cwnd = c->ssthresh;
    c->recover = c->snd_max - 1;
    c->in_recovery = c->sack_kick = true;
    c->rto_recovery = false;
    c->high_rxt = c->snd_una;
    c->snd_nxt = c->snd_max;
    s->ctr.tcp_fast_retransmits++;
    s->ctr.tcp_sack_recovery++;
    work_add(s, c);
}

void tcp_arm_reo(struct stk *s, struct stk_tcb *c) {
    if (!c->sack_ok || !c->sb_n || !c->min_rtt) return;
    stk_time_t tick = s->cfg.timer_tick;
    stk_time_t due;
    if (c->in_recovery)
        due = sack_retransmit_due(c); /* a lost retransmission, by time */
    else
        due = c->sack_since ? c->sack_since + sack_reo_wnd(c) : 0;
    if (!due) return;
    due += tick;
    if (twheel_armed(&c->t_rto) && c->t_rto.expiry * tick <= due) return;
    c->tlp_armed = false;
    c->reo_armed = true;
    tcb_arm(s, &c->t_rto, due > s->now ? due - s->now : tick);
}

void tcp_send_tlp(struct stk *s, struct stk_tcb *c) {
    uint32_t flight = c->snd_nxt - c->snd_una;
    uint32_t room = c->snd_wnd > flight ? c->snd_wnd - flight : 0;
    if (send_next(s, c, umin(room, c->mss), flight) >= 0) return;
    /* The last segment sent: segments are cut at MSS from SND.UNA on, so
     * its length is what is out modulo the MSS (the FIN rides with it). */
    uint32_t end = c->fin_sent ? c->fin_seq : c->snd_max;
    uint32_t out = end - c->snd_una;
    uint32_t len = out % c->mss ? out % c->mss : umin(out, c->mss);
    send_hole(s, c, end - len, c->snd_max);
}

void tcp_output(struct stk *s, struct stk_tcb *c) {
    bool sent = false;
    if (can_send_data(c)) {
        if (c->in_recovery && c->sack_ok) {
            sent = sack_output(s, c);
        } else {
            for (;;) {
                uint32_t flight = c->snd_nxt - c->snd_una;
                /* Limited Transmit (RFC 3042): a new segment for each of
                 * the first two duplicate ACKs. */
                uint32_t lt = c->in_recovery ? 0 : umin(c->dupacks, 2) * c->mss;
                uint32_t wnd = umin(c->snd_wnd, c->cwnd + lt);
                uint32_t usable = wnd > flight ? wnd - flight : 0;
                uint32_t before = c->snd_max;
                int r = send_next(s, c, usable, flight);
                if (lt && flight + c->mss > c->cwnd && SEQ_GT(c->snd_max, before))
                    c->lt_bytes += c->snd_max - before;
                if (r >= 0) sent = true;
                if (r <= 0) break;
            }
        }
        /* Zero window with data waiting and nothing outstanding: probe. */
        uint32_t end = tcb_data_end(c);
        if (c->snd_wnd == 0 && c->snd_nxt == c->snd_una && SEQ_LT(c->snd_nxt, end) &&
            !twheel_armed(&c->t_rto)) {
            c->persist = true;
            c->tlp_armed = false;
            tcb_arm(s, &c->t_rto, c->rto);
        }
    }
    if (!sent) {
        bool synced = c->state != STK_SYN_SENT && c->state != STK_CLOSED && c->state != STK_LISTEN;
        if (c->ack_now && synced && c->state != STK_SYN_RECEIVED) {
            tcp_emit(s, c, c->snd_nxt, TH_ACK, 0);
        } else if (c->ack_delayed && !twheel_armed(&c->t_delack)) {
            tcb_arm(s, &c->t_delack, s->cfg.delack);
        }
    }
}
