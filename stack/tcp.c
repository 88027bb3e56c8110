/* stack/tcp.c: the TCP module's lifecycle, event delivery and commands (tcp.h). */
#include "stack/tcp.h"
#include "stack/seg.h"
#include "stack/tcb.h"
#include "stack/tcp_opt.h"
#include "stack/tcp_out.h"
#include "stack/twheel.h"
#include "stack/work.h"

#include <errno.h>

bool tcp_init(struct stk *s) {
    if (!tcb_table_init(s)) return false;
    tcp_opt_init(s);
    s->next_port = (uint16_t)(s->cfg.ephemeral_lo +
                              s->drv.random(s->drv.ctx) %
                                  ((uint32_t)s->cfg.ephemeral_hi - s->cfg.ephemeral_lo + 1));
    return true;
}

void tcp_fini(struct stk *s) { tcb_table_fini(s); }

/* Sequence number after the last queued byte, also before the handshake
 * completes (data then starts at ISS + 1). */
static uint32_t queue_end(const struct stk_tcb *c) {
    if (c->state == STK_SYN_SENT || c->state == STK_SYN_RECEIVED)
        return c->iss + 1 + (uint32_t)c->tx_queued;
    return tcb_data_end(c);
}

/* Delivers pending events, then sends what the state allows. */
static void tcp_work(struct stk *s, struct stk_tcb *c) {
    if (!c->in_use) return;
    uint32_t id = tcb_id(s, c);
    const struct stk_app *a = &s->app;
    if (c->ev & EV_NEW_CONN) {
        c->ev &= (uint8_t)~EV_NEW_CONN;
        c->new_conn_sent = true;
        if (a->new_conn) a->new_conn(a->ctx, id, c->tag, c->active, c->status);
    }
    while ((c->ev & EV_DATA) && c->in_use) {
        if (!(c->accepted || c->active) || c->app_closed || c->rd_shut || !c->rx_undeliv) break;
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
        if (!g) c->ev &= (uint8_t)~EV_DATA;
        if (a->new_data) a->new_data(a->ctx, id, v, n);
    }
    if ((c->ev & EV_ACKED) && c->acked_pending) {
        uint64_t n = c->acked_pending;
        c->acked_pending = 0;
        c->ev &= (uint8_t)~EV_ACKED;
        if (a->data_acked && !c->cleanup_sent) a->data_acked(a->ctx, id, n);
    }
    if ((c->ev & EV_RCLOSED) && !c->rx_undeliv) {
        c->ev &= (uint8_t)~EV_RCLOSED;
        if (!c->rclosed_sent && !c->app_closed && (c->accepted || c->active)) {
            c->rclosed_sent = true;
            if (a->remote_closed) a->remote_closed(a->ctx, id);
        }
    }
    if (c->ev & EV_CLEANUP) {
        c->ev = 0;
        if (!c->cleanup_sent) {
            c->cleanup_sent = true;
            if (a->cleanup) a->cleanup(a->ctx, id);
            tcb_rx_release(s, c);
        }
    }
    if (!c->in_use) return;
    if (c->app_closed && (c->rxh || c->ooo)) tcb_rx_release(s, c);
    if (c->state != STK_CLOSED) tcp_output(s, c);
    if (c->state == STK_TIME_WAIT) {
        /* The final ACK is out: the 4-tuple moves to the TIME-WAIT table
         * and the slot is freed as soon as the application has closed. */
        tw_from_tcb(s, c);
        tcb_check_cleanup(s, c);
    }
    if (c->state == STK_CLOSED && (c->cleanup_sent || (!c->active && !c->new_conn_sent)))
        tcb_free(s, c);
}

void tcp_drain(struct stk *s) {
    if (s->draining) return;
    s->draining = true;
    struct stk_tcb *c;
    while ((c = work_pop(s))) tcp_work(s, c);
    s->draining = false;
}

int tcp_listen(struct stk *s, uint16_t port, unsigned backlog, uint64_t tag) {
    if (port == 0 || backlog == 0) return -EINVAL;
    for (unsigned i = 0; i < STK_MAX_LISTENERS; i++)
        if (s->listeners[i].used && s->listeners[i].port == port) return -EADDRINUSE;
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

int tcp_connect(struct stk *s, uint32_t dst_ip, uint16_t dst_port, uint64_t cookie, uint32_t *id) {
    if (dst_ip == 0 || dst_port == 0) return -EINVAL;
    uint32_t range = (uint32_t)s->cfg.ephemeral_hi - s->cfg.ephemeral_lo + 1;
    uint16_t port = 0;
    for (uint32_t k = 0; k < range; k++) {
        uint16_t p = s->next_port;
        s->next_port = p >= s->cfg.ephemeral_hi ? s->cfg.ephemeral_lo : (uint16_t)(p + 1);
        if (!tcb_lookup(s, dst_ip, dst_port, p) && !tw_lookup(s, dst_ip, dst_port, p) &&
            (!s->drv.port_ok || s->drv.port_ok(s->drv.ctx, dst_ip, dst_port, p))) {
            port = p;
            break;
        }
    }
    if (!port) return -EADDRNOTAVAIL;
    struct stk_tcb *c = tcb_alloc(s);
    if (!c) return -ENOBUFS;
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
    c->rcv_wscale = tcb_our_wscale(s);
    c->mss = s->cfg.mtu - 40u;
    c->ts_off = tcp_opt_ts_offset(s, c->rip, c->rport, c->lport);
    c->state = STK_SYN_SENT;
    tcb_hash(s, c);
    s->ctr.tcp_active_opens++;
    c->rtt_timing = true;
    c->rtt_seq = c->iss;
    c->rtt_start = s->now;
    tcp_send_syn(s, c);
    tcb_arm(s, &c->t_rto, c->rto);
    if (id) *id = tcb_id(s, c);
    return 0;
}

static struct stk_tcb *cmd_conn(struct stk *s, uint32_t id) {
    struct stk_tcb *c = tcb_get(s, id);
    if (!c) s->ctr.tcp_bad_id++;
    return c;
}

int tcp_accept(struct stk *s, uint32_t id) {
    struct stk_tcb *c = cmd_conn(s, id);
    if (!c || c->active || !c->new_conn_sent) return -EINVAL;
    if (c->accepted) return 0;
    c->accepted = true;
    if (c->counted_in_backlog && c->listener >= 0) {
        s->listeners[c->listener].count--;
        c->counted_in_backlog = false;
    }
    if (c->rx_undeliv) c->ev |= EV_DATA;
    if (c->fin_rcvd) c->ev |= EV_RCLOSED;
    work_add(s, c);
    tcp_drain(s);
    return 0;
}

int tcp_send(struct stk *s, uint32_t id, const struct stk_sendv *v, unsigned n) {
    struct stk_tcb *c = cmd_conn(s, id);
    if (!c) return -EINVAL;
    if (c->app_closed || c->fin_pending) return -EPIPE;
    if (c->state == STK_CLOSED || c->state == STK_TIME_WAIT) return -ENOTCONN;
    unsigned need = 0;
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        if (v[i].len) {
            if (!v[i].ptr || v[i].len > 0x7fffffffu) return -EINVAL;
            need++;
            total += v[i].len;
        }
    }
    if (total + c->tx_queued > 0x7fffffffu) return -ENOBUFS;
    if (need > s->segs_free) {
        s->ctr.tcp_send_no_seg++;
        return -ENOBUFS;
    }
    /* A fair share of the pool once it runs low (three-quarters used): half
     * the pool split among the connections, at least 16, so one connection
     * queueing without bound cannot starve the others. */
    uint32_t fair = umax(16, s->cfg.seg_pool / 2 / umax(s->nconns, 1));
    if (s->segs_free - need < s->cfg.seg_pool / 4 && c->tx_segs + need > fair) {
        s->ctr.tcp_send_over_share++;
        return -ENOBUFS;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!v[i].len) continue;
        struct stk_seg *g = seg_alloc(s);
        c->tx_segs++;
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

int tcp_recv_done(struct stk *s, uint32_t id, size_t count) {
    struct stk_tcb *c = cmd_conn(s, id);
    if (!c) return -EINVAL;
    if (count > c->rx_dlv) return -EINVAL;
    c->rx_dlv -= (uint32_t)count;
    c->rx_held -= (uint32_t)count;
    while (count) {
        struct stk_seg *g = c->rxh;
        if (g->len <= count) {
            count -= g->len;
            c->rxh = g->next;
            if (!c->rxh) c->rxt = NULL;
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
    uint32_t edge = c->rcv_nxt + tcb_rcv_space(s, c);
    uint32_t mss = c->mss ? c->mss : 536;
    if (SEQ_GT(edge, c->rcv_adv) && edge - c->rcv_adv >= umin(s->cfg.rcv_buf / 2, 2 * mss)) {
        c->ack_now = true;
        work_add(s, c);
    }
    tcp_drain(s);
    return 0;
}

static void start_fin(struct stk *s, struct stk_tcb *c) {
    if (c->fin_pending) return;
    c->fin_pending = true;
    c->fin_seq = queue_end(c);
    if (c->state == STK_ESTABLISHED)
        c->state = STK_FIN_WAIT_1;
    else if (c->state == STK_CLOSE_WAIT)
        c->state = STK_LAST_ACK;
    work_add(s, c);
}

int tcp_shutdown(struct stk *s, uint32_t id, int how) {
    struct stk_tcb *c = cmd_conn(s, id);
    if (!c || !(how & (STK_SHUT_RD | STK_SHUT_WR))) return -EINVAL;
    if (how & STK_SHUT_RD) c->rd_shut = true;
    if (how & STK_SHUT_WR) {
        if (c->state == STK_SYN_SENT) {
            tcb_abort(s, c, -ECONNABORTED);
        } else {
            start_fin(s, c);
        }
    }
    tcp_drain(s);
    return 0;
}

int tcp_close(struct stk *s, uint32_t id) {
    struct stk_tcb *c = cmd_conn(s, id);
    if (!c) return -EINVAL;
    if (c->app_closed) return 0;
    c->app_closed = true;
    /* Receive buffers are released in tcp_work, after the handler that may
     * be calling us has returned (it may still read its new_data array). */
    if (c->state == STK_SYN_SENT) {
        c->state = STK_CLOSED;
        twheel_cancel(&s->wheel, &c->t_rto);
    } else if (c->state != STK_CLOSED && c->state != STK_TIME_WAIT) {
        start_fin(s, c);
        if (c->state == STK_FIN_WAIT_2 && s->cfg.fin_wait2)
            tcb_arm(s, &c->t_wait, s->cfg.fin_wait2);
    }
    tcb_check_cleanup(s, c);
    work_add(s, c);
    tcp_drain(s);
    return 0;
}

int tcp_info(const struct stk *s, uint32_t id, struct stk_tcp_info *o) {
    uint32_t slot = id & 0xffff;
    if (slot >= s->cfg.max_conns) return -EINVAL;
    const struct stk_tcb *c = &s->tcbs[slot];
    if (!c->in_use || c->gen != (id >> 16)) return -EINVAL;
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
    o->sack = c->sack_ok;
    o->timestamps = c->ts_ok;
    o->dupthresh = c->dupthresh;
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
void tcp_neighbour_resolved(struct stk *s, uint32_t ip) {
    for (uint32_t i = 0; i < s->cfg.max_conns; i++) {
        struct stk_tcb *c = &s->tcbs[i];
        if (!c->in_use || c->state != STK_SYN_SENT || c->rmac_ok) continue;
        uint32_t hop = ((c->rip ^ s->cfg.ip) & s->cfg.netmask) == 0 || !s->cfg.gateway
                           ? c->rip
                           : s->cfg.gateway;
        if (hop != ip) continue;
        c->rtt_timing = false;
        tcp_send_syn(s, c);
    }
}
