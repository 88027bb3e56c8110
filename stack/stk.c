/* stack/stk.c: the instance (config, create/destroy, counters) and the
 * entry points: stk_input takes a frame through ip.c and hands TCP segments
 * and resolved neighbours to TCP; stk_poll runs the timers; both deliver
 * the queued events at the end (the safe point). The public TCP commands
 * forward to tcp.c. See stk.h for the contract and the module order. */
#include "stack/stk.h"
#include "stack/ip.h"
#include "stack/seg.h"
#include "stack/stk_alloc.h"
#include "stack/stk_types.h"
#include "stack/tcp.h"
#include "stack/tcp_in.h"
#include "stack/tcp_timer.h"
#include "stack/twheel.h"
#include "stack/work.h"

#include <stdio.h>
#include <string.h>

static const char *const counter_names[] = {
#define STK_COUNTER_NAME(n) #n,
    STK_COUNTERS(STK_COUNTER_NAME)
#undef STK_COUNTER_NAME
};

const char *stk_counter_name(unsigned i) {
    return i < sizeof counter_names / sizeof counter_names[0] ? counter_names[i] : NULL;
}

uint64_t stk_counter_value(const struct stk *s, unsigned i) {
    const uint64_t *v = (const uint64_t *)&s->ctr;
    return i < sizeof counter_names / sizeof counter_names[0] ? v[i] : 0;
}

void stk_config_default(struct stk_config *c) {
    memset(c, 0, sizeof *c);
    c->mac[0] = 0x02; /* locally administered */
    c->netmask = 0xffffff00u;
    c->mtu = 1500;
    c->max_conns = 1024;
    c->seg_pool = 65536;
    c->rcv_buf = 256 * 1024;
    c->max_rx_segs = 2048;
    c->timer_tick = 1 * STK_US;
    c->rto_initial = 1 * STK_SEC; /* RFC 6298 2.1 */
    c->rto_min = 200 * STK_MS;    /* Linux TCP_RTO_MIN; RFC 6298 says 1 s */
    c->rto_max = 60 * STK_SEC;    /* RFC 6298 2.5 */
    c->delack = 40 * STK_MS;      /* Linux TCP_DELACK_MIN; RFC 5681 allows <= 500 ms */
    c->time_wait = 60 * STK_SEC;  /* Linux TCP_TIMEWAIT_LEN */
    c->time_wait_max = 4096;      /* 56 bytes each; the oldest is recycled when full */
    c->fin_wait2 = 60 * STK_SEC;  /* Linux tcp_fin_timeout */
    c->syn_retries = 6;
    c->keepalive = false;               /* RFC 1122 4.2.3.6: MUST default to off */
    c->keepalive_idle = 7200 * STK_SEC; /* RFC 1122: no less than two hours */
    c->keepalive_intvl = 75 * STK_SEC;  /* Linux tcp_keepalive_intvl */
    c->keepalive_probes = 9;            /* Linux tcp_keepalive_probes */
    c->data_retries = 15;
    c->init_cwnd_segs = 0;
    c->sack = true;       /* RFC 2018; every current host stack offers it */
    c->timestamps = true; /* RFC 7323; as Linux, FreeBSD and Windows do by default */
    c->ephemeral_lo = 32768;
    c->ephemeral_hi = 60999;
}

static bool config_check(const struct stk_config *c, char *err, size_t n) {
#define BAD(...)                                                                                   \
    do {                                                                                           \
        if (err) snprintf(err, n, __VA_ARGS__);                                                    \
        return false;                                                                              \
    } while (0)
    if (c->mtu < 576 || c->mtu > 9000) BAD("stk: mtu %u out of range 576..9000", c->mtu);
    if (c->max_conns < 1 || c->max_conns > 65535)
        BAD("stk: max_conns %u out of range 1..65535", c->max_conns);
    if (c->seg_pool < 16) BAD("stk: seg_pool %u below 16", c->seg_pool);
    if (c->rcv_buf < 2 * 1460u || c->rcv_buf > (1u << 30))
        BAD("stk: rcv_buf %u out of range 2920..2^30", c->rcv_buf);
    if (c->max_rx_segs < 4) BAD("stk: max_rx_segs %u below 4", c->max_rx_segs);
    if (c->timer_tick == 0) BAD("stk: timer_tick must be > 0");
    if (c->rto_min == 0 || c->rto_min > c->rto_max || c->rto_initial < c->rto_min ||
        c->rto_initial > c->rto_max)
        BAD("stk: need 0 < rto_min <= rto_initial <= rto_max");
    if (c->ephemeral_lo == 0 || c->ephemeral_lo > c->ephemeral_hi)
        BAD("stk: bad ephemeral port range");
    if (c->keepalive && (c->keepalive_idle == 0 || c->keepalive_intvl == 0))
        BAD("stk: keepalive needs keepalive_idle and keepalive_intvl > 0");
    if (c->time_wait_max > (1u << 24)) BAD("stk: time_wait_max %u above 2^24", c->time_wait_max);
    if (c->ip == 0) BAD("stk: ip must be set");
    if (c->mac[0] & 1) BAD("stk: mac must be unicast");
    return true;
#undef BAD
}

struct stk *stk_create(const struct stk_config *cfg, const struct stk_driver *drv,
                       const struct stk_app *app, stk_time_t now, char *err, size_t errlen) {
    if (!cfg || !drv || !drv->output || !drv->rx_release || !drv->random) {
        if (err)
            snprintf(err, errlen, "stk: config and driver output/rx_release/random are required");
        return NULL;
    }
    if (!config_check(cfg, err, errlen)) return NULL;
    struct stk_alloc a = stk_alloc_or_default(&cfg->alloc);
    if (!stk_alloc_ok(&a)) {
        if (err)
            snprintf(err, errlen,
                     "stk: no allocator (cfg.alloc; tile code passes the runtime's arenas)");
        return NULL;
    }
    struct stk *s = stk_mem_alloc(&a, sizeof *s);
    if (!s) {
        if (err) snprintf(err, errlen, "stk: out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->cfg.alloc = a;
    s->drv = *drv;
    if (app) s->app = *app;
    s->now = now;
    twheel_init(&s->wheel, now / cfg->timer_tick);
    if (!seg_init(s) || !tcp_init(s)) {
        if (err)
            snprintf(err, errlen, "stk: out of memory for %u connections / %u segments",
                     cfg->max_conns, cfg->seg_pool);
        tcp_fini(s);
        seg_fini(s);
        stk_mem_free(&a, s);
        return NULL;
    }
    work_init(s);
    return s;
}

void stk_destroy(struct stk *s) {
    if (!s) return;
    tcp_fini(s);
    seg_fini(s);
    struct stk_alloc a = s->cfg.alloc;
    stk_mem_free(&a, s);
}

void stk_set_app(struct stk *s, const struct stk_app *app) { s->app = *app; }
const struct stk_counters *stk_counters(const struct stk *s) { return &s->ctr; }
const struct stk_config *stk_config(const struct stk *s) { return &s->cfg; }

void stk_arp_add_static(struct stk *s, uint32_t ip, const uint8_t mac[6]) {
    ip_arp_add_static(s, ip, mac);
}

void stk_input(struct stk *s, stk_time_t now, struct stk_rxbuf *buf) {
    if (now > s->now) s->now = now;
    /* Timers due before this frame run first, so the frame sees their effects. */
    twheel_advance(&s->wheel, s->now / s->cfg.timer_tick, tcp_timer_fire, s);
    buf->refs = 1;
    s->ctr.rx_frames++;
    s->ctr.rx_bytes += buf->len;
    struct ip_rx rx;
    switch (ip_frame_input(s, buf, &rx)) {
    case IP_RX_TCP: tcp_input(s, buf, rx.src, rx.dst, rx.l4, rx.l4len); break;
    case IP_RX_NEIGHBOUR: tcp_neighbour_resolved(s, rx.src); break;
    case IP_RX_NONE: break;
    }
    tcp_drain(s);
    seg_buf_unref(s, buf);
}

void stk_poll(struct stk *s, stk_time_t now) {
    if (now > s->now) s->now = now;
    twheel_advance(&s->wheel, s->now / s->cfg.timer_tick, tcp_timer_fire, s);
    tcp_drain(s);
}

stk_time_t stk_poll_at(struct stk *s) {
    uint64_t t = twheel_next(&s->wheel);
    if (t == TWHEEL_NEVER) return STK_NEVER;
    if (t > STK_NEVER / s->cfg.timer_tick) return STK_NEVER;
    return t * s->cfg.timer_tick;
}

const char *stk_tcp_state_name(enum stk_tcp_state st) {
    static const char *const n[] = {"CLOSED",      "LISTEN",     "SYN-SENT",   "SYN-RECEIVED",
                                    "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT",
                                    "CLOSING",     "LAST-ACK",   "TIME-WAIT"};
    return (unsigned)st < sizeof n / sizeof n[0] ? n[st] : "?";
}

/* ---- TCP commands (tcp.c) ---- */

int stk_tcp_listen(struct stk *s, uint16_t port, unsigned backlog, uint64_t tag) {
    return tcp_listen(s, port, backlog, tag);
}

int stk_tcp_connect(struct stk *s, uint32_t dst_ip, uint16_t dst_port, uint64_t cookie,
                    uint32_t *id) {
    return tcp_connect(s, dst_ip, dst_port, cookie, id);
}

int stk_tcp_accept(struct stk *s, uint32_t id) { return tcp_accept(s, id); }

int stk_tcp_send(struct stk *s, uint32_t id, const struct stk_sendv *v, unsigned n) {
    return tcp_send(s, id, v, n);
}

int stk_tcp_recv_done(struct stk *s, uint32_t id, size_t count) {
    return tcp_recv_done(s, id, count);
}
int stk_tcp_shutdown(struct stk *s, uint32_t id, int how) { return tcp_shutdown(s, id, how); }
int stk_tcp_close(struct stk *s, uint32_t id) { return tcp_close(s, id); }

int stk_tcp_info(const struct stk *s, uint32_t id, struct stk_tcp_info *out) {
    return tcp_info(s, id, out);
}

uint32_t stk_tcp_conns(const struct stk *s) { return tcp_conns(s); }
uint32_t stk_tcp_time_waits(const struct stk *s) { return s->ntw; }
