/* stack/tcb.c: TCP connection blocks (tcb.h).
 *
 * Per connection, one `struct stk_tcb` from a fixed table, three wheel
 * timers (retransmission/persist, delayed ACK, TIME-WAIT/FIN-WAIT-2).
 * Received payload is kept as segment references into rx buffers, in order
 * (rxh..rxt) or out of order (ooo, sorted, trimmed so ranges never
 * overlap); queued send data as references to application memory
 * (txh..txt), from SND.UNA on. */
#include "stack/tcb.h"
#include "stack/seg.h"
#include "stack/stk_alloc.h"
#include "stack/twheel.h"
#include "stack/work.h"

#include <assert.h>
#include <string.h>

uint32_t tcb_id(const struct stk *s, const struct stk_tcb *c) {
    return (uint32_t)c->gen << 16 | (uint32_t)(c - s->tcbs);
}

struct stk_tcb *tcb_get(struct stk *s, uint32_t id) {
    uint32_t slot = id & 0xffff;
    if (slot >= s->cfg.max_conns) return NULL;
    struct stk_tcb *c = &s->tcbs[slot];
    if (!c->in_use || c->gen != (id >> 16) || c->cleanup_sent) return NULL;
    return c;
}

/* The connection table and the TIME-WAIT table hash a flow alike (the
 * local address is the stack's own); each masks it to its size. */
static uint32_t flow_hash(uint32_t rip, uint16_t rport, uint16_t lport) {
    uint32_t h = rip * 0x9e3779b1u ^ ((uint32_t)rport << 16 | lport) * 0x85ebca6bu;
    h ^= h >> 15;
    h *= 0xc2b2ae35u;
    h ^= h >> 13;
    return h;
}

static uint32_t hash4(const struct stk *s, uint32_t rip, uint16_t rport, uint16_t lport) {
    return flow_hash(rip, rport, lport) & s->hmask;
}

struct stk_tcb *tcb_lookup(struct stk *s, uint32_t rip, uint16_t rport, uint16_t lport) {
    for (uint32_t i = s->hash[hash4(s, rip, rport, lport)]; i != STK_NIL; i = s->tcbs[i].hnext) {
        struct stk_tcb *c = &s->tcbs[i];
        if (c->rip == rip && c->rport == rport && c->lport == lport) return c;
    }
    return NULL;
}

void tcb_hash(struct stk *s, struct stk_tcb *c) {
    uint32_t h = hash4(s, c->rip, c->rport, c->lport);
    c->hnext = s->hash[h];
    s->hash[h] = (uint32_t)(c - s->tcbs);
}

static void tcb_unhash(struct stk *s, struct stk_tcb *c) {
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

static bool tw_init(struct stk *s) {
    uint32_t n = s->cfg.time_wait_max, hs = 1;
    s->tw_free = s->tw_oldest = s->tw_newest = STK_NIL;
    twheel_entry_init(&s->tw_timer);
    if (n == 0) return true;
    while (hs < 2 * n) hs <<= 1;
    s->tws = stk_mem_array(&s->cfg.alloc, n, sizeof *s->tws);
    s->tw_hash = stk_mem_array(&s->cfg.alloc, hs, sizeof *s->tw_hash);
    if (!s->tws || !s->tw_hash) return false;
    s->tw_hmask = hs - 1;
    for (uint32_t i = 0; i < hs; i++) s->tw_hash[i] = STK_NIL;
    for (uint32_t i = n; i-- > 0;) {
        s->tws[i].hnext = s->tw_free;
        s->tw_free = i;
    }
    return true;
}

bool tcb_table_init(struct stk *s) {
    uint32_t n = s->cfg.max_conns, hs = 1;
    while (hs < 2 * n) hs <<= 1;
    s->tcbs = stk_mem_array(&s->cfg.alloc, n, sizeof *s->tcbs);
    s->hash = stk_mem_array(&s->cfg.alloc, hs, sizeof *s->hash);
    if (!s->tcbs || !s->hash) return false;
    s->hmask = hs - 1;
    for (uint32_t i = 0; i < hs; i++) s->hash[i] = STK_NIL;
    s->free_head = STK_NIL;
    for (uint32_t i = n; i-- > 0;) {
        s->tcbs[i].hnext = s->free_head;
        s->tcbs[i].work_next = STK_NIL;
        s->free_head = i;
    }
    return tw_init(s);
}

void tcb_rx_release(struct stk *s, struct stk_tcb *c) {
    seg_free_list(s, c->rxh);
    seg_free_list(s, c->ooo);
    c->rxh = c->rxt = c->rx_undeliv = c->ooo = NULL;
    c->rx_held = c->ooo_bytes = c->rx_segs = c->rx_dlv = 0;
    c->ooo_fin = false;
}

void tcb_table_fini(struct stk *s) {
    if (s->tcbs) {
        for (uint32_t i = 0; i < s->cfg.max_conns; i++) {
            struct stk_tcb *c = &s->tcbs[i];
            if (!c->in_use) continue;
            tcb_rx_release(s, c);
            seg_free_list(s, c->txh);
        }
    }
    stk_mem_free(&s->cfg.alloc, s->tcbs);
    stk_mem_free(&s->cfg.alloc, s->hash);
    stk_mem_free(&s->cfg.alloc, s->tws);
    stk_mem_free(&s->cfg.alloc, s->tw_hash);
    s->tcbs = NULL;
    s->hash = NULL;
    s->tws = NULL;
    s->tw_hash = NULL;
}

struct stk_tcb *tcb_alloc(struct stk *s) {
    if (s->free_head == STK_NIL) return NULL;
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
    twheel_entry_init(&c->t_keep);
    c->rto = s->cfg.rto_initial;
    c->ssthresh = 0x7fffffff;
    c->dupthresh = STK_DUPTHRESH;
    return c;
}

void tcb_free(struct stk *s, struct stk_tcb *c) {
    assert(c->in_use);
    tcb_unhash(s, c);
    tcb_rx_release(s, c);
    seg_free_list(s, c->txh);
    c->txh = c->txt = c->tx_cur = NULL;
    c->tx_segs = 0;
    twheel_cancel(&s->wheel, &c->t_rto);
    twheel_cancel(&s->wheel, &c->t_delack);
    twheel_cancel(&s->wheel, &c->t_wait);
    twheel_cancel(&s->wheel, &c->t_keep);
    if (c->counted_in_backlog && c->listener >= 0) s->listeners[c->listener].count--;
    c->in_use = false;
    c->gen++;
    c->hnext = s->free_head;
    s->free_head = (uint32_t)(c - s->tcbs);
    s->nconns--;
}

void tcb_arm(struct stk *s, struct twheel_entry *e, stk_time_t delay) {
    uint64_t tick = s->cfg.timer_tick;
    stk_time_t t = s->now + delay;
    if (t < s->now) t = STK_NEVER - tick;
    twheel_arm(&s->wheel, e, (t + tick - 1) / tick);
}

uint8_t tcb_our_wscale(const struct stk *s) {
    uint8_t ws = 0;
    while (ws < 14 && (s->cfg.rcv_buf >> ws) > 65535) ws++;
    return ws;
}

void tcb_ev_set(struct stk *s, struct stk_tcb *c, uint8_t ev) {
    c->ev |= ev;
    work_add(s, c);
}

void tcb_check_cleanup(struct stk *s, struct stk_tcb *c) {
    if (c->cleanup_sent || !c->app_closed) return;
    if (c->state == STK_CLOSED || c->state == STK_TIME_WAIT) tcb_ev_set(s, c, EV_CLEANUP);
}

/* The connection died (RST, timeout). Passive connections the application
 * never saw go silently; the others get remote_closed (or a failed new_conn)
 * and cleanup. */
void tcb_abort(struct stk *s, struct stk_tcb *c, int status) {
    c->state = STK_CLOSED;
    twheel_cancel(&s->wheel, &c->t_rto);
    twheel_cancel(&s->wheel, &c->t_delack);
    twheel_cancel(&s->wheel, &c->t_wait);
    twheel_cancel(&s->wheel, &c->t_keep);
    if (!c->active && !c->new_conn_sent) {
        work_add(s, c); /* freed by tcp_work */
        return;
    }
    if (c->active && !c->new_conn_sent) {
        c->status = status;
        tcb_ev_set(s, c, EV_NEW_CONN | EV_CLEANUP);
        return;
    }
    tcb_ev_set(s, c, EV_RCLOSED | EV_CLEANUP);
}

uint32_t tcb_data_end(const struct stk_tcb *c) { return c->snd_una + (uint32_t)c->tx_queued; }

uint32_t tcb_rcv_space(const struct stk *s, const struct stk_tcb *c) {
    uint32_t held = c->rx_held + c->ooo_bytes;
    return held >= s->cfg.rcv_buf ? 0 : s->cfg.rcv_buf - held;
}

/* ---- The TIME-WAIT table ---- */

static uint32_t tw_hash4(const struct stk *s, uint32_t rip, uint16_t rport, uint16_t lport) {
    return flow_hash(rip, rport, lport) & s->tw_hmask;
}

struct stk_tw *tw_lookup(struct stk *s, uint32_t rip, uint16_t rport, uint16_t lport) {
    if (!s->ntw) return NULL;
    for (uint32_t i = s->tw_hash[tw_hash4(s, rip, rport, lport)]; i != STK_NIL;
         i = s->tws[i].hnext) {
        struct stk_tw *w = &s->tws[i];
        if (w->rip == rip && w->rport == rport && w->lport == lport) return w;
    }
    return NULL;
}

bool tw_is_timer(const struct stk *s, const struct twheel_entry *e) { return e == &s->tw_timer; }

/* Arms the table's timer for its oldest entry. */
static void tw_arm(struct stk *s) {
    if (s->tw_oldest == STK_NIL) {
        twheel_cancel(&s->wheel, &s->tw_timer);
        return;
    }
    stk_time_t at = s->tws[s->tw_oldest].expires;
    tcb_arm(s, &s->tw_timer, at > s->now ? at - s->now : 0);
}

static void tw_unlink(struct stk *s, struct stk_tw *w) {
    if (w->older != STK_NIL)
        s->tws[w->older].newer = w->newer;
    else
        s->tw_oldest = w->newer;
    if (w->newer != STK_NIL)
        s->tws[w->newer].older = w->older;
    else
        s->tw_newest = w->older;
}

static void tw_link_newest(struct stk *s, struct stk_tw *w) {
    uint32_t idx = (uint32_t)(w - s->tws);
    w->older = s->tw_newest;
    w->newer = STK_NIL;
    if (s->tw_newest != STK_NIL)
        s->tws[s->tw_newest].newer = idx;
    else
        s->tw_oldest = idx;
    s->tw_newest = idx;
}

static void tw_drop(struct stk *s, struct stk_tw *w) {
    uint32_t idx = (uint32_t)(w - s->tws);
    uint32_t *p = &s->tw_hash[tw_hash4(s, w->rip, w->rport, w->lport)];
    while (*p != STK_NIL && *p != idx) p = &s->tws[*p].hnext;
    if (*p == idx) *p = w->hnext;
    tw_unlink(s, w);
    w->hnext = s->tw_free;
    s->tw_free = idx;
    s->ntw--;
}

void tw_remove(struct stk *s, struct stk_tw *w) {
    bool was_oldest = (uint32_t)(w - s->tws) == s->tw_oldest;
    tw_drop(s, w);
    if (was_oldest) tw_arm(s);
}

void tw_refresh(struct stk *s, struct stk_tw *w) {
    bool was_oldest = (uint32_t)(w - s->tws) == s->tw_oldest;
    tw_unlink(s, w);
    w->expires = s->now + s->cfg.time_wait;
    tw_link_newest(s, w);
    if (was_oldest) tw_arm(s);
}

void tw_from_tcb(struct stk *s, struct stk_tcb *c) {
    tcb_unhash(s, c);
    twheel_cancel(&s->wheel, &c->t_rto);
    twheel_cancel(&s->wheel, &c->t_delack);
    twheel_cancel(&s->wheel, &c->t_wait);
    twheel_cancel(&s->wheel, &c->t_keep);
    c->persist = false;
    c->state = STK_CLOSED;
    if (s->cfg.time_wait == 0 || s->cfg.time_wait_max == 0) return;
    struct stk_tw *old = tw_lookup(s, c->rip, c->rport, c->lport);
    if (old) tw_drop(s, old);
    if (s->tw_free == STK_NIL) {
        s->ctr.tcp_time_wait_recycled++;
        tw_drop(s, &s->tws[s->tw_oldest]);
    }
    uint32_t idx = s->tw_free;
    struct stk_tw *w = &s->tws[idx];
    s->tw_free = w->hnext;
    s->ntw++;
    w->rip = c->rip;
    w->rport = c->rport;
    w->lport = c->lport;
    w->snd_nxt = c->snd_max;
    w->rcv_nxt = c->rcv_nxt;
    w->rcv_wscale = c->rcv_wscale;
    w->ts_ok = c->ts_ok;
    w->ts_recent = c->ts_recent;
    uint32_t wnd = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? (c->rcv_adv - c->rcv_nxt) >> c->rcv_wscale : 0;
    w->wnd = (uint16_t)umin(wnd, 65535);
    w->expires = s->now + s->cfg.time_wait;
    uint32_t h = tw_hash4(s, w->rip, w->rport, w->lport);
    w->hnext = s->tw_hash[h];
    s->tw_hash[h] = idx;
    tw_link_newest(s, w);
    if (!twheel_armed(&s->tw_timer)) tw_arm(s);
}

void tw_expire(struct stk *s) {
    while (s->tw_oldest != STK_NIL && s->tws[s->tw_oldest].expires <= s->now)
        tw_drop(s, &s->tws[s->tw_oldest]);
    tw_arm(s);
}

uint32_t tcb_dupthresh(const struct stk_tcb *c) {
    uint32_t out = c->snd_max - c->snd_una;
    uint32_t oseg = (out + c->mss - 1) / c->mss;
    uint32_t end = tcb_data_end(c) + (c->fin_pending && !c->fin_sent ? 1u : 0u);
    if (oseg >= 4 || SEQ_LT(c->snd_max, end) || oseg < 2) return c->dupthresh;
    return umin(c->dupthresh, oseg - 1); /* RFC 5827 Early Retransmit */
}
