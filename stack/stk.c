/* stack/stk.c: instance lifecycle, Ethernet, ARP, IPv4, ICMP echo, the
 * segment-reference pool, rx buffer references and the event/work list.
 * TCP is in tcp.c. See stk.h for the contract. */
#include "stack/stk_priv.h"
#include "stack/cksum.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static const char *const counter_names[] = {
#define STK_COUNTER_NAME(n) #n,
    STK_COUNTERS(STK_COUNTER_NAME)
#undef STK_COUNTER_NAME
};

const char *stk_counter_name(unsigned i)
{
    return i < sizeof counter_names / sizeof counter_names[0] ? counter_names[i] : NULL;
}

uint64_t stk_counter_value(const struct stk *s, unsigned i)
{
    const uint64_t *v = (const uint64_t *)&s->ctr;
    return i < sizeof counter_names / sizeof counter_names[0] ? v[i] : 0;
}

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

void stk_config_default(struct stk_config *c)
{
    memset(c, 0, sizeof *c);
    c->mac[0] = 0x02; /* locally administered */
    c->netmask = 0xffffff00u;
    c->mtu = 1500;
    c->max_conns = 1024;
    c->seg_pool = 65536;
    c->rcv_buf = 256 * 1024;
    c->max_rx_segs = 2048;
    c->timer_tick = 1 * STK_US;
    c->rto_initial = 1 * STK_SEC;   /* RFC 6298 2.1 */
    c->rto_min = 200 * STK_MS;      /* Linux TCP_RTO_MIN; RFC 6298 says 1 s */
    c->rto_max = 60 * STK_SEC;      /* RFC 6298 2.5 */
    c->delack = 40 * STK_MS;        /* Linux TCP_DELACK_MIN; RFC 5681 allows <= 500 ms */
    c->time_wait = 60 * STK_SEC;    /* Linux TCP_TIMEWAIT_LEN */
    c->fin_wait2 = 60 * STK_SEC;    /* Linux tcp_fin_timeout */
    c->syn_retries = 6;
    c->data_retries = 15;
    c->init_cwnd_segs = 0;
    c->ephemeral_lo = 32768;
    c->ephemeral_hi = 60999;
}

static bool config_check(const struct stk_config *c, char *err, size_t n)
{
#define BAD(...) do { if (err) snprintf(err, n, __VA_ARGS__); return false; } while (0)
    if (c->mtu < 576 || c->mtu > 9000) BAD("stk: mtu %u out of range 576..9000", c->mtu);
    if (c->max_conns < 1 || c->max_conns > 65535) BAD("stk: max_conns %u out of range 1..65535", c->max_conns);
    if (c->seg_pool < 16) BAD("stk: seg_pool %u below 16", c->seg_pool);
    if (c->rcv_buf < 2 * 1460u || c->rcv_buf > (1u << 30)) BAD("stk: rcv_buf %u out of range 2920..2^30", c->rcv_buf);
    if (c->max_rx_segs < 4) BAD("stk: max_rx_segs %u below 4", c->max_rx_segs);
    if (c->timer_tick == 0) BAD("stk: timer_tick must be > 0");
    if (c->rto_min == 0 || c->rto_min > c->rto_max || c->rto_initial < c->rto_min || c->rto_initial > c->rto_max)
        BAD("stk: need 0 < rto_min <= rto_initial <= rto_max");
    if (c->ephemeral_lo == 0 || c->ephemeral_lo > c->ephemeral_hi) BAD("stk: bad ephemeral port range");
    if (c->ip == 0) BAD("stk: ip must be set");
    if (c->mac[0] & 1) BAD("stk: mac must be unicast");
    return true;
#undef BAD
}

struct stk *stk_create(const struct stk_config *cfg, const struct stk_driver *drv,
                       const struct stk_app *app, stk_time_t now, char *err, size_t errlen)
{
    if (!cfg || !drv || !drv->output || !drv->rx_release || !drv->random) {
        if (err) snprintf(err, errlen, "stk: config and driver output/rx_release/random are required");
        return NULL;
    }
    if (!config_check(cfg, err, errlen))
        return NULL;
    struct stk *s = calloc(1, sizeof *s);
    if (!s) {
        if (err) snprintf(err, errlen, "stk: out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->drv = *drv;
    if (app)
        s->app = *app;
    s->now = now;
    twheel_init(&s->wheel, now / cfg->timer_tick);
    s->segs = calloc(cfg->seg_pool, sizeof *s->segs);
    if (!s->segs || !tcp_init(s)) {
        if (err) snprintf(err, errlen, "stk: out of memory for %u connections / %u segments",
                          cfg->max_conns, cfg->seg_pool);
        tcp_fini(s);
        free(s->segs);
        free(s);
        return NULL;
    }
    for (uint32_t i = 0; i < cfg->seg_pool; i++) {
        s->segs[i].next = s->seg_free;
        s->seg_free = &s->segs[i];
    }
    s->segs_free = cfg->seg_pool;
    s->work_head = s->work_tail = STK_NIL;
    s->next_port = (uint16_t)(cfg->ephemeral_lo +
                              drv->random(drv->ctx) % ((uint32_t)cfg->ephemeral_hi - cfg->ephemeral_lo + 1));
    return s;
}

void stk_destroy(struct stk *s)
{
    if (!s)
        return;
    tcp_fini(s);
    free(s->segs);
    free(s);
}

void stk_set_app(struct stk *s, const struct stk_app *app) { s->app = *app; }
const struct stk_counters *stk_counters(const struct stk *s) { return &s->ctr; }
const struct stk_config *stk_config(const struct stk *s) { return &s->cfg; }

struct stk_seg *stk_seg_alloc(struct stk *s)
{
    struct stk_seg *g = s->seg_free;
    if (!g)
        return NULL;
    s->seg_free = g->next;
    s->segs_free--;
    memset(g, 0, sizeof *g);
    return g;
}

void stk_seg_free(struct stk *s, struct stk_seg *g)
{
    if (g->buf)
        stk_buf_unref(s, g->buf);
    g->buf = NULL;
    g->next = s->seg_free;
    s->seg_free = g;
    s->segs_free++;
}

void stk_buf_ref(struct stk_rxbuf *b) { b->refs++; }

void stk_buf_unref(struct stk *s, struct stk_rxbuf *b)
{
    assert(b->refs > 0);
    if (--b->refs == 0)
        s->drv.rx_release(s->drv.ctx, b);
}

/* ---- work list: connections with pending events or output ---- */

void stk_work_add(struct stk *s, struct stk_tcb *c)
{
    if (c->on_work)
        return;
    c->on_work = true;
    uint32_t idx = (uint32_t)(c - s->tcbs);
    c->work_next = STK_NIL;
    if (s->work_tail == STK_NIL)
        s->work_head = idx;
    else
        s->tcbs[s->work_tail].work_next = idx;
    s->work_tail = idx;
}

void stk_drain(struct stk *s)
{
    if (s->draining)
        return;
    s->draining = true;
    while (s->work_head != STK_NIL) {
        struct stk_tcb *c = &s->tcbs[s->work_head];
        s->work_head = c->work_next;
        if (s->work_head == STK_NIL)
            s->work_tail = STK_NIL;
        c->on_work = false;
        tcp_work(s, c);
    }
    s->draining = false;
}

/* ---- ARP ---- */

static struct stk_arp_entry *arp_find(struct stk *s, uint32_t ip)
{
    for (unsigned i = 0; i < STK_ARP_ENTRIES; i++)
        if (s->arp[i].valid && s->arp[i].ip == ip)
            return &s->arp[i];
    return NULL;
}

static void arp_learn(struct stk *s, uint32_t ip, const uint8_t mac[6], bool is_static)
{
    struct stk_arp_entry *e = arp_find(s, ip);
    if (e && e->is_static && !is_static)
        return;
    if (!e) {
        /* Round-robin replacement among dynamic entries. */
        for (unsigned k = 0; k < STK_ARP_ENTRIES; k++) {
            struct stk_arp_entry *x = &s->arp[(s->arp_next + k) % STK_ARP_ENTRIES];
            if (!x->valid || !x->is_static) {
                e = x;
                s->arp_next = (s->arp_next + k + 1) % STK_ARP_ENTRIES;
                break;
            }
        }
        if (!e)
            return;
    }
    e->ip = ip;
    memcpy(e->mac, mac, 6);
    e->valid = true;
    e->is_static = is_static;
}

void stk_arp_add_static(struct stk *s, uint32_t ip, const uint8_t mac[6]) { arp_learn(s, ip, mac, true); }

bool stk_arp_lookup(struct stk *s, uint32_t ip, uint8_t mac[6])
{
    struct stk_arp_entry *e = arp_find(s, ip);
    if (!e)
        return false;
    memcpy(mac, e->mac, 6);
    return true;
}

static void eth_send(struct stk *s, const uint8_t *dmac, uint16_t type, unsigned niov, size_t total)
{
    memcpy(s->hdr, dmac, 6);
    memcpy(s->hdr + 6, s->cfg.mac, 6);
    wr16(s->hdr + 12, type);
    s->ctr.tx_frames++;
    s->ctr.tx_bytes += total;
    s->drv.output(s->drv.ctx, s->iov, niov, total);
}

static void arp_send(struct stk *s, uint16_t op, const uint8_t *dmac, const uint8_t *tha, uint32_t tpa)
{
    uint8_t *a = s->hdr + STK_ETH_HLEN;
    wr16(a, 1);
    wr16(a + 2, 0x0800);
    a[4] = 6;
    a[5] = 4;
    wr16(a + 6, op);
    memcpy(a + 8, s->cfg.mac, 6);
    wr32(a + 14, s->cfg.ip);
    memcpy(a + 18, tha, 6);
    wr32(a + 24, tpa);
    memset(a + 28, 0, 18); /* pad to the 60-byte minimum frame */
    s->iov[0].base = s->hdr;
    s->iov[0].len = STK_ETH_HLEN + 46;
    eth_send(s, dmac, 0x0806, 1, STK_ETH_HLEN + 46);
}

static void arp_input(struct stk *s, const uint8_t *a, size_t len)
{
    s->ctr.arp_rx++;
    if (len < 28 || rd16(a) != 1 || rd16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4) {
        s->ctr.arp_bad++;
        return;
    }
    uint16_t op = rd16(a + 6);
    uint32_t spa = rd32(a + 14), tpa = rd32(a + 24);
    if (tpa != s->cfg.ip)
        return;
    if (spa != 0 && !(a[8] & 1))
        arp_learn(s, spa, a + 8, false);
    if (op == 1) {
        s->ctr.arp_requests_answered++;
        arp_send(s, 2, a + 8, a + 8, spa);
    } else if (op == 2) {
        s->ctr.arp_replies_learned++;
        tcp_neighbour_resolved(s, spa);
    } else {
        s->ctr.arp_bad++;
    }
}

/* ---- IPv4 ---- */

bool stk_ip_output(struct stk *s, uint8_t proto, uint32_t dst, const uint8_t *dmac,
                   size_t l4len, unsigned npay)
{
    uint8_t mac[6];
    if (!dmac) {
        uint32_t hop = ((dst ^ s->cfg.ip) & s->cfg.netmask) == 0 || s->cfg.gateway == 0 ? dst : s->cfg.gateway;
        if (!stk_arp_lookup(s, hop, mac)) {
            s->ctr.arp_no_neighbour_drop++;
            if (!s->cfg.arp_static_only) {
                static const uint8_t zero[6] = {0};
                s->ctr.arp_requests_sent++;
                arp_send(s, 1, bcast_mac, zero, hop);
            }
            return false;
        }
        dmac = mac;
    }
    size_t pay = 0;
    for (unsigned i = 1; i <= npay; i++)
        pay += s->iov[i].len;
    uint8_t *ip = s->hdr + STK_ETH_HLEN;
    uint8_t *l4 = ip + STK_IP_HLEN;
    size_t iplen = STK_IP_HLEN + l4len + pay;
    ip[0] = 0x45;
    ip[1] = 0;
    wr16(ip + 2, (uint16_t)iplen);
    wr16(ip + 4, 0);
    wr16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = proto;
    wr16(ip + 10, 0);
    wr32(ip + 12, s->cfg.ip);
    wr32(ip + 16, dst);
    unsigned csum_off = proto == 6 ? 16 : 2;
    wr16(l4 + csum_off, 0);
    if (!s->cfg.tx_csum_offload) {
        wr16(ip + 10, cksum_buf(ip, STK_IP_HLEN));
        struct cksum c;
        cksum_init(&c);
        if (proto == 6) {
            cksum_add32(&c, s->cfg.ip);
            cksum_add32(&c, dst);
            cksum_add16(&c, 6);
            cksum_add16(&c, (uint16_t)(l4len + pay));
        }
        cksum_add(&c, l4, l4len);
        for (unsigned i = 1; i <= npay; i++)
            cksum_add(&c, s->iov[i].base, s->iov[i].len);
        wr16(l4 + csum_off, cksum_finish(&c));
    }
    s->iov[0].base = s->hdr;
    s->iov[0].len = STK_ETH_HLEN + STK_IP_HLEN + l4len;
    size_t total = STK_ETH_HLEN + iplen;
    /* Pad short frames to the Ethernet minimum (60 bytes without FCS). */
    static const uint8_t pad[60] = {0};
    unsigned n = npay + 1;
    if (total < 60) {
        s->iov[n].base = pad;
        s->iov[n].len = 60 - total;
        n++;
        total = 60;
    }
    eth_send(s, dmac, 0x0800, n, total);
    return true;
}

static void icmp_input(struct stk *s, const uint8_t *ip, uint32_t src, const uint8_t *p, size_t len)
{
    (void)ip;
    s->ctr.icmp_rx++;
    if (len < 8) {
        s->ctr.icmp_runt++;
        return;
    }
    if (!s->cfg.rx_csum_offload && cksum_buf(p, len) != 0) {
        s->ctr.icmp_bad_checksum++;
        return;
    }
    if (p[0] != 8 || p[1] != 0) {
        s->ctr.icmp_other++;
        return;
    }
    uint8_t *h = s->hdr + STK_ETH_HLEN + STK_IP_HLEN;
    h[0] = 0;
    h[1] = 0;
    memcpy(h + 4, p + 4, 4); /* identifier, sequence */
    s->iov[1].base = p + 8;
    s->iov[1].len = len - 8;
    if (stk_ip_output(s, 1, src, NULL, 8, 1))
        s->ctr.icmp_echo_replied++;
}

static void ip_input(struct stk *s, struct stk_rxbuf *buf, const uint8_t *ip, size_t len)
{
    s->ctr.ip_rx++;
    if (len < STK_IP_HLEN || (ip[0] >> 4) != 4) {
        s->ctr.ip_bad_version++;
        return;
    }
    size_t hl = (size_t)(ip[0] & 15) * 4;
    if (hl < STK_IP_HLEN || hl > len) {
        s->ctr.ip_bad_header_len++;
        return;
    }
    size_t tot = rd16(ip + 2);
    if (tot < hl || tot > len) {
        s->ctr.ip_bad_total_len++;
        return;
    }
    if (!s->cfg.rx_csum_offload && cksum_buf(ip, hl) != 0) {
        s->ctr.ip_bad_checksum++;
        return;
    }
    if (rd16(ip + 6) & 0x3fff) {
        s->ctr.ip_fragment_drop++;
        return;
    }
    uint32_t src = rd32(ip + 12), dst = rd32(ip + 16);
    if (dst != s->cfg.ip) {
        s->ctr.ip_not_for_us++;
        return;
    }
    if (hl > STK_IP_HLEN)
        s->ctr.ip_options++; /* options are skipped, not interpreted */
    const uint8_t *p = ip + hl;
    size_t plen = tot - hl;
    switch (ip[9]) {
    case 1:
        icmp_input(s, ip, src, p, plen);
        break;
    case 6:
        tcp_input(s, buf, ip, src, dst, p, plen);
        break;
    default:
        s->ctr.ip_unknown_proto++;
        break;
    }
}

void stk_input(struct stk *s, stk_time_t now, struct stk_rxbuf *buf)
{
    if (now > s->now)
        s->now = now;
    /* Timers due before this frame run first, so the frame sees their effects. */
    twheel_advance(&s->wheel, s->now / s->cfg.timer_tick, tcp_timer_fire, s);
    buf->refs = 1;
    s->ctr.rx_frames++;
    s->ctr.rx_bytes += buf->len;
    const uint8_t *f = buf->data;
    size_t len = buf->len;
    if (len < STK_ETH_HLEN) {
        s->ctr.eth_runt++;
    } else if (memcmp(f, s->cfg.mac, 6) != 0 && memcmp(f, bcast_mac, 6) != 0) {
        s->ctr.eth_not_for_us++;
    } else {
        uint16_t type = rd16(f + 12);
        if (type == 0x0806)
            arp_input(s, f + STK_ETH_HLEN, len - STK_ETH_HLEN);
        else if (type == 0x0800)
            ip_input(s, buf, f + STK_ETH_HLEN, len - STK_ETH_HLEN);
        else
            s->ctr.eth_unknown_type++;
    }
    stk_drain(s);
    stk_buf_unref(s, buf);
}

void stk_poll(struct stk *s, stk_time_t now)
{
    if (now > s->now)
        s->now = now;
    twheel_advance(&s->wheel, s->now / s->cfg.timer_tick, tcp_timer_fire, s);
    stk_drain(s);
}

stk_time_t stk_poll_at(struct stk *s)
{
    uint64_t t = twheel_next(&s->wheel);
    if (t == TWHEEL_NEVER)
        return STK_NEVER;
    if (t > STK_NEVER / s->cfg.timer_tick)
        return STK_NEVER;
    return t * s->cfg.timer_tick;
}

const char *stk_tcp_state_name(enum stk_tcp_state st)
{
    static const char *const n[] = {"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED",
                                    "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK",
                                    "TIME-WAIT"};
    return (unsigned)st < sizeof n / sizeof n[0] ? n[st] : "?";
}
