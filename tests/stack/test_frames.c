/* Frame-level tests in the lwIP/smoltcp style: build a state, inject
 * hand-made frames, assert the exact frames the stack emits. The peer is
 * 10.0.0.1 (MAC 02:00:00:00:00:01); the stack is 10.0.0.2. */
#include "stack/stk.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAXF 64
static const uint8_t PEER_MAC[6] = {2, 0, 0, 0, 0, 1};
static const uint8_t OUR_MAC[6] = {2, 0, 0, 0, 0, 2};
#define PEER_IP 0x0a000001u
#define OUR_IP 0x0a000002u
enum { FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16 };

struct frame {
    uint8_t d[2048];
    size_t len;
};

struct t {
    struct stk *s;
    struct frame out[MAXF];
    unsigned nout;
    unsigned released;
    stk_time_t now;
    /* events */
    unsigned new_conn, remote_closed, cleanup;
    uint32_t last_id;
    bool last_active;
    int last_status;
    uint8_t data[65536];
    size_t ndata;
    const void *data_ptr;
    uint64_t acked;
    bool auto_accept;
};

static uint16_t sum16(const uint8_t *p, size_t n, uint32_t acc) {
    for (size_t i = 0; i + 1 < n; i += 2) acc += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) acc += (uint32_t)p[n - 1] << 8;
    while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}
static uint16_t g16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t g32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void p16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static void p32(uint8_t *p, uint32_t v) {
    p16(p, (uint16_t)(v >> 16));
    p16(p + 2, (uint16_t)v);
}

static void out_fn(void *ctx, const struct stk_iov *iov, unsigned n, size_t total) {
    struct t *t = ctx;
    cr_assert_lt(t->nout, MAXF);
    struct frame *f = &t->out[t->nout++];
    size_t off = 0;
    for (unsigned i = 0; i < n; i++) {
        memcpy(f->d + off, iov[i].base, iov[i].len);
        off += iov[i].len;
    }
    cr_assert_eq(off, total);
    f->len = total;
}
static void rel_fn(void *ctx, struct stk_rxbuf *b) {
    struct t *t = ctx;
    t->released++;
    free(b);
}
static uint32_t rnd_fn(void *ctx) {
    (void)ctx;
    return 1000;
}

static void a_new_conn(void *ctx, uint32_t id, uint64_t tag, bool active, int status) {
    struct t *t = ctx;
    (void)tag;
    t->new_conn++;
    t->last_id = id;
    t->last_active = active;
    t->last_status = status;
    if (!active && t->auto_accept) cr_assert_eq(stk_tcp_accept(t->s, id), 0);
}
static void a_new_data(void *ctx, uint32_t id, const struct stk_iov *v, unsigned n) {
    struct t *t = ctx;
    (void)id;
    for (unsigned i = 0; i < n; i++) {
        if (!t->data_ptr) t->data_ptr = v[i].base;
        memcpy(t->data + t->ndata, v[i].base, v[i].len);
        t->ndata += v[i].len;
    }
}
static void a_acked(void *ctx, uint32_t id, uint64_t c) {
    (void)id;
    ((struct t *)ctx)->acked += c;
}
static void a_rclosed(void *ctx, uint32_t id) {
    (void)id;
    ((struct t *)ctx)->remote_closed++;
}
static void a_cleanup(void *ctx, uint32_t id) {
    (void)id;
    ((struct t *)ctx)->cleanup++;
}

static struct t *setup_with(void (*tweak)(struct stk_config *),
                            bool (*port_ok)(void *, uint32_t, uint16_t, uint16_t));
static struct t *setup(void (*tweak)(struct stk_config *)) { return setup_with(tweak, NULL); }
static struct t *setup_with(void (*tweak)(struct stk_config *),
                            bool (*port_ok)(void *, uint32_t, uint16_t, uint16_t)) {
    struct t *t = calloc(1, sizeof *t);
    struct stk_config c;
    stk_config_default(&c);
    memcpy(c.mac, OUR_MAC, 6);
    c.ip = OUR_IP;
    c.rcv_buf = 256 * 1024;
    c.time_wait = 1 * STK_SEC;
    if (tweak) tweak(&c);
    struct stk_driver d = {out_fn, rel_fn, rnd_fn, t, port_ok};
    struct stk_app a = {a_new_conn, a_new_data, a_acked, a_rclosed, a_cleanup, t};
    t->auto_accept = true;
    t->now = 1 * STK_SEC;
    t->s = stk_create(&c, &d, &a, t->now, NULL, 0);
    cr_assert(t->s);
    stk_arp_add_static(t->s, PEER_IP, PEER_MAC);
    return t;
}

static void teardown(struct t *t) {
    stk_destroy(t->s);
    free(t);
}

/* Hand-made TCP/IPv4/Ethernet frame from the peer. */
static struct stk_rxbuf *mk_tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                                uint8_t flags, uint16_t wnd, const uint8_t *opt, size_t optlen,
                                const void *pay, size_t plen) {
    size_t thl = 20 + optlen, len = 14 + 20 + thl + plen;
    struct stk_rxbuf *b = calloc(1, sizeof *b + (len < 60 ? 60 : len));
    b->data = (uint8_t *)(b + 1);
    b->len = (uint32_t)(len < 60 ? 60 : len);
    uint8_t *f = b->data;
    memcpy(f, OUR_MAC, 6);
    memcpy(f + 6, PEER_MAC, 6);
    p16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    p16(ip + 2, (uint16_t)(20 + thl + plen));
    ip[8] = 64;
    ip[9] = 6;
    p32(ip + 12, PEER_IP);
    p32(ip + 16, OUR_IP);
    p16(ip + 10, sum16(ip, 20, 0));
    uint8_t *th = ip + 20;
    p16(th, sport);
    p16(th + 2, dport);
    p32(th + 4, seq);
    p32(th + 8, ack);
    th[12] = (uint8_t)((thl / 4) << 4);
    th[13] = flags;
    p16(th + 14, wnd);
    if (optlen) memcpy(th + 20, opt, optlen);
    if (plen) memcpy(th + thl, pay, plen);
    uint32_t ps = (PEER_IP >> 16) + (PEER_IP & 0xffff) + (OUR_IP >> 16) + (OUR_IP & 0xffff) + 6 +
                  (uint32_t)(thl + plen);
    p16(th + 16, sum16(th, thl + plen, ps));
    return b;
}

static void inject(struct t *t, struct stk_rxbuf *b) { stk_input(t->s, t->now, b); }

/* Parsed view of an emitted TCP frame, with its checksums verified. */
struct seg {
    uint16_t sport, dport, wnd;
    uint32_t seq, ack;
    uint8_t flags;
    const uint8_t *opt;
    size_t optlen, plen;
    const uint8_t *pay;
};

static struct seg parse(const struct frame *f) {
    struct seg g;
    cr_assert(f->len >= 54);
    cr_assert_arr_eq(f->d, PEER_MAC, 6);
    cr_assert_arr_eq(f->d + 6, OUR_MAC, 6);
    cr_assert_eq(g16(f->d + 12), 0x0800);
    const uint8_t *ip = f->d + 14;
    cr_assert_eq(ip[0], 0x45);
    cr_assert_eq(sum16(ip, 20, 0), 0, "IP header checksum");
    cr_assert_eq(ip[9], 6);
    cr_assert_eq(g32(ip + 12), OUR_IP);
    cr_assert_eq(g32(ip + 16), PEER_IP);
    size_t tot = g16(ip + 2);
    const uint8_t *th = ip + 20;
    size_t tl = tot - 20;
    uint32_t ps = (PEER_IP >> 16) + (PEER_IP & 0xffff) + (OUR_IP >> 16) + (OUR_IP & 0xffff) + 6 +
                  (uint32_t)tl;
    cr_assert_eq(sum16(th, tl, ps), 0, "TCP checksum");
    g.sport = g16(th);
    g.dport = g16(th + 2);
    g.seq = g32(th + 4);
    g.ack = g32(th + 8);
    size_t hl = (size_t)(th[12] >> 4) * 4;
    g.flags = th[13];
    g.wnd = g16(th + 14);
    g.opt = th + 20;
    g.optlen = hl - 20;
    g.pay = th + hl;
    g.plen = tl - hl;
    return g;
}

static const uint8_t SYN_OPTS[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7}; /* MSS 1460, WS 7 */
#define PISN 5000u
#define OISN 1000u

/* Listen on 80 and complete a handshake from peer port 4000. */
static uint32_t establish(struct t *t) {
    cr_assert_eq(stk_tcp_listen(t->s, 80, 8, 99), 0);
    inject(t, mk_tcp(4000, 80, PISN, 0, SYN, 65535, SYN_OPTS, sizeof SYN_OPTS, NULL, 0));
    cr_assert_eq(t->nout, 1);
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 1, ACK, 1000, NULL, 0, NULL, 0));
    cr_assert_eq(t->new_conn, 1);
    t->nout = 0;
    return t->last_id;
}

Test(frames, syn_ack_exact) {
    struct t *t = setup(NULL);
    cr_assert_eq(stk_tcp_listen(t->s, 80, 8, 99), 0);
    inject(t, mk_tcp(4000, 80, PISN, 0, SYN, 65535, SYN_OPTS, sizeof SYN_OPTS, NULL, 0));
    cr_assert_eq(t->nout, 1);
    struct seg g = parse(&t->out[0]);
    cr_assert_eq(g.sport, 80);
    cr_assert_eq(g.dport, 4000);
    cr_assert_eq(g.flags, SYN | ACK);
    cr_assert_eq(g.seq, OISN);
    cr_assert_eq(g.ack, PISN + 1);
    cr_assert_eq(g.wnd, 65535);
    /* MSS 1460, then NOP + window scale 3 (256 KiB buffer). */
    static const uint8_t want[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 3};
    cr_assert_eq(g.optlen, sizeof want);
    cr_assert_arr_eq(g.opt, want, sizeof want);
    cr_assert_eq(g.plen, 0);
    cr_assert_eq(t->new_conn, 0, "no new_conn before the handshake completes");
    teardown(t);
}

Test(frames, data_zero_copy_delayed_ack_and_window) {
    struct t *t = setup(NULL);
    uint32_t id = establish(t);
    struct stk_rxbuf *b =
        mk_tcp(4000, 80, PISN + 1, OISN + 1, ACK | PSH, 1000, NULL, 0, "hello", 5);
    const uint8_t *payload_in_buf = b->data + 54;
    inject(t, b);
    cr_assert_eq(t->ndata, 5);
    cr_assert_arr_eq(t->data, "hello", 5);
    cr_assert_eq(t->data_ptr, payload_in_buf,
                 "payload must be referenced in the rx buffer, not copied");
    cr_assert_eq(t->nout, 0, "the ACK is delayed");
    cr_assert_eq(t->released, 2, "handshake frames released; the data frame is held");
    cr_assert_eq(stk_poll_at(t->s), t->now + 40 * STK_MS);
    t->now += 40 * STK_MS;
    stk_poll(t->s, t->now);
    cr_assert_eq(t->nout, 1);
    struct seg g = parse(&t->out[0]);
    cr_assert_eq(g.flags, ACK);
    cr_assert_eq(g.seq, OISN + 1);
    cr_assert_eq(g.ack, PISN + 6);
    /* Window scaled by 3: (256 KiB - 5 held) >> 3, rounded down. */
    cr_assert_eq(g.wnd, (256 * 1024 - 5) >> 3);
    cr_assert_eq(stk_counters(t->s)->tcp_delacks, 1);
    cr_assert_eq(stk_tcp_recv_done(t->s, id, 6), -EINVAL, "cannot return more than delivered");
    cr_assert_eq(stk_tcp_recv_done(t->s, id, 5), 0);
    cr_assert_eq(t->released, 3, "recv_done frees the rx buffer");
    teardown(t);
}

Test(frames, rst_for_closed_port) {
    struct t *t = setup(NULL);
    inject(t, mk_tcp(4000, 81, 7777, 0, SYN, 65535, NULL, 0, NULL, 0));
    cr_assert_eq(t->nout, 1);
    struct seg g = parse(&t->out[0]);
    cr_assert_eq(g.flags, RST | ACK);
    cr_assert_eq(g.seq, 0);
    cr_assert_eq(g.ack, 7778);
    inject(t, mk_tcp(4000, 81, 7777, 4242, ACK, 65535, NULL, 0, "x", 1));
    g = parse(&t->out[1]);
    cr_assert_eq(g.flags, RST);
    cr_assert_eq(g.seq, 4242);
    inject(t, mk_tcp(4000, 81, 7777, 4242, RST, 65535, NULL, 0, NULL, 0));
    cr_assert_eq(t->nout, 2, "never answer a RST");
    teardown(t);
}

Test(frames, rst_validation_rfc5961) {
    struct t *t = setup(NULL);
    establish(t);
    /* In window but not exact: challenge ACK, connection survives. */
    inject(t, mk_tcp(4000, 80, PISN + 100, 0, RST, 0, NULL, 0, NULL, 0));
    cr_assert_eq(t->nout, 1);
    struct seg g = parse(&t->out[0]);
    cr_assert_eq(g.flags, ACK);
    cr_assert_eq(g.ack, PISN + 1);
    cr_assert_eq(t->cleanup, 0);
    cr_assert_eq(stk_counters(t->s)->tcp_challenge_ack, 1);
    /* Exact: reset. */
    inject(t, mk_tcp(4000, 80, PISN + 1, 0, RST, 0, NULL, 0, NULL, 0));
    cr_assert_eq(t->remote_closed, 1);
    cr_assert_eq(t->cleanup, 1);
    cr_assert_eq(stk_tcp_conns(t->s), 0);
    teardown(t);
}

Test(frames, backlog_overload_counts_drops) {
    struct t *t = setup(NULL);
    t->auto_accept = false;
    cr_assert_eq(stk_tcp_listen(t->s, 80, 2, 1), 0);
    for (uint16_t p = 0; p < 5; p++)
        inject(t, mk_tcp((uint16_t)(4000 + p), 80, PISN, 0, SYN, 65535, NULL, 0, NULL, 0));
    cr_assert_eq(t->nout, 2);
    cr_assert_eq(stk_counters(t->s)->tcp_syn_backlog_drop, 3);
    teardown(t);
}

/* The driver's port_ok (e.g. RSS: the replies must reach this instance's
 * ring) decides which local ports an active open may use. */
static bool port_multiple_of_7(void *ctx, uint32_t ip, uint16_t dport, uint16_t sport) {
    (void)ctx;
    cr_assert_eq(ip, PEER_IP);
    cr_assert_eq(dport, 5000);
    return sport % 7 == 0;
}
static bool port_never(void *ctx, uint32_t ip, uint16_t dport, uint16_t sport) {
    (void)ctx, (void)ip, (void)dport, (void)sport;
    return false;
}

Test(frames, active_open_takes_only_a_port_the_driver_accepts) {
    struct t *t = setup_with(NULL, port_multiple_of_7);
    uint32_t id;
    for (int i = 0; i < 5; i++) {
        t->nout = 0;
        cr_assert_eq(stk_tcp_connect(t->s, PEER_IP, 5000, 77, &id), 0);
        cr_assert_eq(t->nout, 1);
        struct seg g = parse(&t->out[0]);
        cr_assert_eq(g.flags, SYN);
        cr_assert_eq(g.sport % 7, 0, "source port %u", g.sport);
    }
    teardown(t);
    t = setup_with(NULL, port_never);
    cr_assert_eq(stk_tcp_connect(t->s, PEER_IP, 5000, 77, &id), -EADDRNOTAVAIL);
    cr_assert_eq(t->nout, 0);
    teardown(t);
}

Test(frames, simultaneous_open) {
    struct t *t = setup(NULL);
    uint32_t id;
    cr_assert_eq(stk_tcp_connect(t->s, PEER_IP, 5000, 77, &id), 0);
    cr_assert_eq(t->nout, 1);
    struct seg g = parse(&t->out[0]);
    cr_assert_eq(g.flags, SYN);
    uint16_t lport = g.sport;
    /* The peer's own SYN crosses ours. */
    inject(t, mk_tcp(5000, lport, PISN, 0, SYN, 65535, SYN_OPTS, sizeof SYN_OPTS, NULL, 0));
    cr_assert_eq(t->nout, 2);
    g = parse(&t->out[1]);
    cr_assert_eq(g.flags, SYN | ACK);
    cr_assert_eq(g.seq, OISN);
    cr_assert_eq(g.ack, PISN + 1);
    struct stk_tcp_info in;
    cr_assert_eq(stk_tcp_info(t->s, id, &in), 0);
    cr_assert_eq(in.state, STK_SYN_RECEIVED);
    inject(t, mk_tcp(5000, lport, PISN, OISN + 1, SYN | ACK, 65535, SYN_OPTS, sizeof SYN_OPTS, NULL,
                     0));
    cr_assert_eq(stk_tcp_info(t->s, id, &in), 0);
    cr_assert_eq(in.state, STK_ESTABLISHED);
    cr_assert_eq(t->new_conn, 1);
    cr_assert(t->last_active);
    cr_assert_eq(t->last_status, 0);
    teardown(t);
}

Test(frames, simultaneous_close_to_time_wait) {
    struct t *t = setup(NULL);
    uint32_t id = establish(t);
    cr_assert_eq(stk_tcp_close(t->s, id), 0);
    cr_assert_eq(t->nout, 1);
    struct seg g = parse(&t->out[0]);
    cr_assert_eq(g.flags, FIN | ACK);
    cr_assert_eq(g.seq, OISN + 1);
    /* The peer's FIN crosses ours. */
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 1, FIN | ACK, 1000, NULL, 0, NULL, 0));
    struct stk_tcp_info in;
    cr_assert_eq(stk_tcp_info(t->s, id, &in), 0);
    cr_assert_eq(in.state, STK_CLOSING);
    g = parse(&t->out[1]);
    cr_assert_eq(g.flags, ACK);
    cr_assert_eq(g.ack, PISN + 2);
    inject(t, mk_tcp(4000, 80, PISN + 2, OISN + 2, ACK, 1000, NULL, 0, NULL, 0));
    cr_assert_eq(t->cleanup, 1, "cleanup once closed and in TIME-WAIT");
    cr_assert_eq(stk_tcp_conns(t->s), 0, "the slot is free: TIME-WAIT is in its own table");
    cr_assert_eq(stk_tcp_time_waits(t->s), 1);
    cr_assert_eq(stk_poll_at(t->s), t->now + 1 * STK_SEC);
    t->now += 1 * STK_SEC;
    stk_poll(t->s, t->now);
    cr_assert_eq(stk_tcp_time_waits(t->s), 0, "TIME-WAIT expired after the configured time");
    cr_assert_eq(stk_poll_at(t->s), STK_NEVER);
    teardown(t);
}

static void small_rto(struct stk_config *c) {
    c->rto_initial = 100 * STK_MS;
    c->rto_min = 100 * STK_MS;
}

Test(frames, rto_backoff_and_karn) {
    struct t *t = setup(small_rto);
    uint32_t id = establish(t);
    static const char msg[] = "0123456789";
    struct stk_sendv v = {msg, 10, 0};
    cr_assert_eq(stk_tcp_send(t->s, id, &v, 1), 0);
    cr_assert_eq(t->nout, 1);
    stk_time_t t0 = t->now;
    /* Retransmissions at +100, +300, +700 ms (doubling). */
    stk_time_t expect[] = {100, 300, 700};
    for (unsigned k = 0; k < 3; k++) {
        stk_time_t at = stk_poll_at(t->s);
        cr_assert_eq(at, t0 + expect[k] * STK_MS, "retransmission %u", k);
        t->now = at;
        stk_poll(t->s, t->now);
        cr_assert_eq(t->nout, 2 + k);
        struct seg g = parse(&t->out[1 + k]);
        cr_assert_eq(g.seq, OISN + 1);
        cr_assert_eq(g.plen, 10);
    }
    /* ACK of a retransmitted segment: no RTT sample (Karn), backoff stays. */
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 11, ACK, 1000, NULL, 0, NULL, 0));
    struct stk_tcp_info in;
    cr_assert_eq(stk_tcp_info(t->s, id, &in), 0);
    cr_assert_eq(in.srtt, 0);
    cr_assert_eq(in.rto, 800 * STK_MS);
    cr_assert_eq(t->acked, 10);
    teardown(t);
}

Test(frames, fast_retransmit_newreno) {
    struct t *t = setup(NULL);
    uint32_t id = establish(t);
    /* Peer window 1000 << 7 (the SYN offered scale 7). */
    static uint8_t buf[20000];
    struct stk_sendv v = {buf, sizeof buf, 0};
    cr_assert_eq(stk_tcp_send(t->s, id, &v, 1), 0);
    cr_assert_eq(t->nout, 3,
                 "RFC 5681 initial window: min(4*MSS, max(2*MSS, 4380)) = 4380 = 3 segments");
    t->nout = 0;
    for (int k = 0; k < 3; k++)
        inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 1, ACK, 1000, NULL, 0, NULL, 0));
    cr_assert_eq(stk_counters(t->s)->tcp_fast_retransmits, 1);
    /* Limited Transmit (RFC 3042): one new segment on each of the first two
     * duplicate ACKs, then the retransmission. */
    cr_assert_eq(t->nout, 3);
    cr_assert_eq(parse(&t->out[0]).seq, OISN + 1 + 3 * 1460);
    cr_assert_eq(parse(&t->out[1]).seq, OISN + 1 + 4 * 1460);
    struct seg g = parse(&t->out[2]);
    cr_assert_eq(g.seq, OISN + 1);
    cr_assert_eq(g.plen, 1460);
    struct stk_tcp_info in;
    cr_assert_eq(stk_tcp_info(t->s, id, &in), 0);
    cr_assert_eq(in.ssthresh, 2 * 1460, "the Limited Transmit segments are not counted");
    cr_assert_eq(in.cwnd, 5 * 1460);
    teardown(t);
}

/* A connection whose peer opened with a zero window, "abc" queued on it, and
 * the persist timer's first probe sent (t->out[0], one byte). */
static struct t *zero_window_probed(void) {
    struct t *t = setup(small_rto);
    cr_assert_eq(stk_tcp_listen(t->s, 80, 8, 99), 0);
    inject(t, mk_tcp(4000, 80, PISN, 0, SYN, 65535, NULL, 0, NULL, 0));
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 1, ACK, 0, NULL, 0, NULL, 0));
    t->nout = 0;
    static const char msg[] = "abc";
    struct stk_sendv v = {msg, 3, 0};
    cr_assert_eq(stk_tcp_send(t->s, t->last_id, &v, 1), 0);
    cr_assert_eq(t->nout, 0, "zero window: nothing sent");
    t->now = stk_poll_at(t->s);
    stk_poll(t->s, t->now);
    cr_assert_eq(t->nout, 1);
    cr_assert_eq(parse(&t->out[0]).plen, 1, "probe carries one byte");
    return t;
}

Test(frames, zero_window_probe) {
    struct t *t = zero_window_probed();
    struct seg g = parse(&t->out[0]);
    cr_assert_eq(g.seq, OISN + 1);
    cr_assert_eq(stk_counters(t->s)->tcp_zwp_sent, 1);
    /* Window opens: the rest goes out. */
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 2, ACK, 1000, NULL, 0, NULL, 0));
    g = parse(&t->out[t->nout - 1]);
    cr_assert_eq(g.seq, OISN + 2);
    cr_assert_eq(g.plen, 2);
    teardown(t);
}

/* Issue 18 item 1: after persist, a plain window update (ACK unchanged: it
 * does not acknowledge the probe byte, which the peer dropped while its
 * window was zero) must restart output; it also cancels the persist timer,
 * so without output nothing would ever be sent again. */
Test(frames, zero_window_plain_window_update_restarts_output) {
    struct t *t = zero_window_probed();
    struct seg g = parse(&t->out[0]);
    /* The peer's window is still closed: it drops the probe and ACKs. */
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 1, ACK, 0, NULL, 0, NULL, 0));
    cr_assert_eq(t->nout, 1);
    /* Its application reads: a plain window update, same ACK number. */
    t->now += 10 * STK_MS;
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 1, ACK, 1000, NULL, 0, NULL, 0));
    cr_assert_eq(t->nout, 2, "the window update restarts output at once");
    g = parse(&t->out[1]);
    cr_assert_eq(g.seq, OISN + 1);
    cr_assert_eq(g.plen, 3);
    cr_assert_neq(stk_poll_at(t->s), STK_NEVER, "retransmission timer armed for the data");
    teardown(t);
}

/* A window update that opens a small (not zero) window, again without a new
 * ACK, also lets queued data out. */
Test(frames, small_window_update_restarts_output) {
    struct t *t = setup(small_rto);
    cr_assert_eq(stk_tcp_listen(t->s, 80, 8, 99), 0);
    inject(t, mk_tcp(4000, 80, PISN, 0, SYN, 65535, NULL, 0, NULL, 0));
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 1, ACK, 100, NULL, 0, NULL, 0));
    t->nout = 0;
    static char buf[1000];
    struct stk_sendv v = {buf, sizeof buf, 0};
    cr_assert_eq(stk_tcp_send(t->s, t->last_id, &v, 1), 0);
    cr_assert_eq(t->nout, 1, "100 bytes fit");
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 101, ACK, 0, NULL, 0, NULL, 0));
    unsigned before = t->nout;
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 101, ACK, 2000, NULL, 0, NULL, 0));
    cr_assert_gt(t->nout, before, "the window update restarts output");
    struct seg g = parse(&t->out[t->nout - 1]);
    cr_assert_eq(g.seq + g.plen, OISN + 1001);
    teardown(t);
}

Test(frames, malformed_counted_and_dropped) {
    struct t *t = setup(NULL);
    struct stk_rxbuf *b = mk_tcp(4000, 80, 1, 0, SYN, 65535, NULL, 0, NULL, 0);
    b->data[14 + 10] ^= 0xff; /* IP header checksum */
    inject(t, b);
    b = mk_tcp(4000, 80, 1, 0, SYN, 65535, NULL, 0, NULL, 0);
    b->data[14 + 20 + 16] ^= 0xff; /* TCP checksum */
    inject(t, b);
    b = mk_tcp(4000, 80, 1, 0, SYN, 65535, NULL, 0, NULL, 0);
    b->data[14 + 6] = 0x20; /* more fragments */
    b->data[14 + 10] = b->data[14 + 11] = 0;
    p16(b->data + 14 + 10, sum16(b->data + 14, 20, 0));
    inject(t, b);
    b = mk_tcp(4000, 80, 1, 0, SYN, 65535, NULL, 0, NULL, 0);
    b->len = 30; /* truncated */
    inject(t, b);
    const struct stk_counters *c = stk_counters(t->s);
    cr_assert_eq(c->ip_bad_checksum, 1);
    cr_assert_eq(c->tcp_bad_checksum, 1);
    cr_assert_eq(c->ip_fragment_drop, 1);
    cr_assert_eq(c->ip_bad_version + c->ip_bad_total_len + c->ip_bad_header_len, 1);
    cr_assert_eq(t->nout, 0);
    cr_assert_eq(t->released, 4);
    teardown(t);
}

Test(frames, arp_and_icmp_echo) {
    struct t *t = setup(NULL);
    struct stk_rxbuf *b = calloc(1, sizeof *b + 60);
    b->data = (uint8_t *)(b + 1);
    b->len = 60;
    uint8_t *f = b->data;
    memset(f, 0xff, 6);
    memcpy(f + 6, PEER_MAC, 6);
    p16(f + 12, 0x0806);
    uint8_t *a = f + 14;
    p16(a, 1);
    p16(a + 2, 0x0800);
    a[4] = 6;
    a[5] = 4;
    p16(a + 6, 1);
    memcpy(a + 8, PEER_MAC, 6);
    p32(a + 14, PEER_IP);
    p32(a + 24, OUR_IP);
    inject(t, b);
    cr_assert_eq(t->nout, 1);
    const uint8_t *r = t->out[0].d;
    cr_assert_arr_eq(r, PEER_MAC, 6);
    cr_assert_eq(g16(r + 12), 0x0806);
    cr_assert_eq(g16(r + 14 + 6), 2);
    cr_assert_arr_eq(r + 14 + 8, OUR_MAC, 6);
    cr_assert_eq(g32(r + 14 + 14), OUR_IP);
    cr_assert_eq(g32(r + 14 + 24), PEER_IP);
    /* ICMP echo request with 32 bytes of payload. */
    size_t len = 14 + 20 + 8 + 32;
    b = calloc(1, sizeof *b + len);
    b->data = (uint8_t *)(b + 1);
    b->len = (uint32_t)len;
    f = b->data;
    memcpy(f, OUR_MAC, 6);
    memcpy(f + 6, PEER_MAC, 6);
    p16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    p16(ip + 2, 60);
    ip[8] = 64;
    ip[9] = 1;
    p32(ip + 12, PEER_IP);
    p32(ip + 16, OUR_IP);
    p16(ip + 10, sum16(ip, 20, 0));
    uint8_t *ic = ip + 20;
    ic[0] = 8;
    p16(ic + 4, 0x1234);
    p16(ic + 6, 7);
    for (int i = 0; i < 32; i++) ic[8 + i] = (uint8_t)i;
    p16(ic + 2, sum16(ic, 40, 0));
    uint8_t want[32];
    memcpy(want, ic + 8, 32);
    inject(t, b);
    cr_assert_eq(t->nout, 2);
    r = t->out[1].d;
    const uint8_t *rip = r + 14;
    cr_assert_eq(rip[9], 1);
    cr_assert_eq(sum16(rip, 20, 0), 0);
    const uint8_t *ric = rip + 20;
    cr_assert_eq(ric[0], 0);
    cr_assert_eq(sum16(ric, 40, 0), 0, "ICMP checksum");
    cr_assert_eq(g16(ric + 4), 0x1234);
    cr_assert_eq(g16(ric + 6), 7);
    cr_assert_arr_eq(ric + 8, want, 32);
    teardown(t);
}

static void no_delack(struct stk_config *c) { c->delack = 0; }

Test(frames, delayed_ack_off_acks_at_once) {
    struct t *t = setup(no_delack);
    establish(t);
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 1, ACK | PSH, 1000, NULL, 0, "hi", 2));
    cr_assert_eq(t->nout, 1, "delack 0: immediate ACK");
    struct seg g = parse(&t->out[0]);
    cr_assert_eq(g.flags, ACK);
    cr_assert_eq(g.ack, PISN + 3);
    teardown(t);
}

static void offload(struct stk_config *c) {
    c->tx_csum_offload = true;
    c->rx_csum_offload = true;
}

Test(frames, checksum_offload_flags) {
    struct t *t = setup(offload);
    cr_assert_eq(stk_tcp_listen(t->s, 80, 8, 99), 0);
    struct stk_rxbuf *b = mk_tcp(4000, 80, PISN, 0, SYN, 65535, NULL, 0, NULL, 0);
    b->data[14 + 20 + 16] ^= 0xff; /* the NIC verified it: not checked again */
    inject(t, b);
    cr_assert_eq(t->nout, 1);
    const uint8_t *ip = t->out[0].d + 14;
    cr_assert_eq(g16(ip + 10), 0, "IP checksum left to the NIC");
    cr_assert_eq(g16(ip + 20 + 16), 0, "TCP checksum left to the NIC");
    cr_assert_eq(stk_counters(t->s)->tcp_bad_checksum, 0);
    teardown(t);
}

Test(frames, time_wait_reused_by_newer_syn) {
    struct t *t = setup(NULL);
    uint32_t id = establish(t);
    /* Peer closes first; we close: LAST-ACK; instead make us the active
     * closer: close, peer ACKs and FINs -> TIME-WAIT. */
    cr_assert_eq(stk_tcp_close(t->s, id), 0);
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 2, FIN | ACK, 1000, NULL, 0, NULL, 0));
    cr_assert_eq(stk_tcp_time_waits(t->s), 1);
    t->nout = 0;
    inject(t, mk_tcp(4000, 80, PISN + 100000, 0, SYN, 65535, NULL, 0, NULL, 0));
    cr_assert_eq(stk_counters(t->s)->tcp_time_wait_reuse, 1);
    cr_assert_eq(t->nout, 1);
    struct seg g = parse(&t->out[0]);
    cr_assert_eq(g.flags, SYN | ACK);
    cr_assert_eq(g.ack, PISN + 100001);
    teardown(t);
}

static void few_slots(struct stk_config *c) { c->max_conns = 4; }

/* Peer port p: handshake, a 1-byte request, the server answers and closes
 * first, the peer ACKs and FINs, the server ACKs: it holds TIME-WAIT. */
static void short_conn_server_closes(struct t *t, uint16_t p) {
    unsigned n0 = t->nout, c0 = t->new_conn;
    inject(t, mk_tcp(p, 80, PISN, 0, SYN, 65535, NULL, 0, NULL, 0));
    cr_assert_eq(t->nout, n0 + 1, "SYN-ACK for peer port %u", p);
    struct seg g = parse(&t->out[n0]);
    cr_assert_eq(g.flags, SYN | ACK, "peer port %u", p);
    inject(t, mk_tcp(p, 80, PISN + 1, OISN + 1, ACK, 1000, NULL, 0, "x", 1));
    cr_assert_eq(t->new_conn, c0 + 1);
    uint32_t id = t->last_id;
    static const char resp[] = "y";
    struct stk_sendv v = {resp, 1, 0};
    cr_assert_eq(stk_tcp_send(t->s, id, &v, 1), 0);
    cr_assert_eq(stk_tcp_close(t->s, id), 0);
    g = parse(&t->out[t->nout - 1]);
    cr_assert(g.flags & FIN);
    inject(t, mk_tcp(p, 80, PISN + 2, OISN + 3, FIN | ACK, 1000, NULL, 0, NULL, 0));
    g = parse(&t->out[t->nout - 1]);
    cr_assert_eq(g.flags, ACK, "final ACK");
    cr_assert_eq(g.ack, PISN + 3);
    t->nout = 0;
}

/* Issue 18 item 2: TIME-WAIT must not hold connection slots: 3 x max_conns
 * short connections closed by the server, one after the other, all served
 * well within the TIME-WAIT time. */
Test(frames, time_wait_does_not_exhaust_slots) {
    struct t *t = setup(few_slots);
    cr_assert_eq(stk_tcp_listen(t->s, 80, 8, 99), 0);
    for (uint16_t k = 0; k < 12; k++) {
        short_conn_server_closes(t, (uint16_t)(5000 + k));
        t->now += 1 * STK_MS;
    }
    cr_assert_eq(stk_counters(t->s)->tcp_syn_no_slot_drop, 0);
    cr_assert_eq(stk_tcp_conns(t->s), 0, "no slot held by TIME-WAIT");
    teardown(t);
}

/* RFC 9293 3.10.7.4 in TIME-WAIT, for a 4-tuple kept in the table: a
 * retransmitted FIN is acknowledged again and restarts 2*MSL; an old SYN
 * gets a challenge ACK (RFC 5961 4); a RST with a wrong sequence number is
 * ignored (counted), an in-window one challenged, an exact one ends the
 * TIME-WAIT; an acceptable bare ACK gets no answer. */
Test(frames, time_wait_table_answers_per_rfc_9293) {
    struct t *t = setup(NULL);
    cr_assert_eq(stk_tcp_listen(t->s, 80, 8, 99), 0);
    short_conn_server_closes(t, 5000);
    cr_assert_eq(stk_tcp_time_waits(t->s), 1);
    stk_time_t exp0 = stk_poll_at(t->s);
    /* Retransmitted FIN. */
    t->now += 300 * STK_MS;
    inject(t, mk_tcp(5000, 80, PISN + 2, OISN + 3, FIN | ACK, 1000, NULL, 0, NULL, 0));
    cr_assert_eq(t->nout, 1);
    struct seg g = parse(&t->out[0]);
    cr_assert_eq(g.flags, ACK);
    cr_assert_eq(g.seq, OISN + 3);
    cr_assert_eq(g.ack, PISN + 3);
    cr_assert_eq(g.sport, 80);
    cr_assert_eq(g.dport, 5000);
    cr_assert_eq(stk_poll_at(t->s), exp0 + 300 * STK_MS, "the FIN restarted 2*MSL");
    t->now = exp0;
    stk_poll(t->s, t->now);
    cr_assert_eq(stk_tcp_time_waits(t->s), 1);
    /* An acceptable bare ACK: silence. */
    t->nout = 0;
    inject(t, mk_tcp(5000, 80, PISN + 3, OISN + 3, ACK, 1000, NULL, 0, NULL, 0));
    cr_assert_eq(t->nout, 0);
    /* An old SYN (sequence number not above the old connection's). */
    inject(t, mk_tcp(5000, 80, PISN - 10, 0, SYN, 65535, NULL, 0, NULL, 0));
    cr_assert_eq(t->nout, 1);
    g = parse(&t->out[0]);
    cr_assert_eq(g.flags, ACK, "challenge ACK, not a SYN-ACK");
    cr_assert_eq(g.ack, PISN + 3);
    /* RST out of window: dropped and counted. */
    uint64_t bad = stk_counters(t->s)->tcp_rst_bad_seq;
    inject(t, mk_tcp(5000, 80, PISN + 3 + 10000000, 0, RST, 0, NULL, 0, NULL, 0));
    cr_assert_eq(stk_counters(t->s)->tcp_rst_bad_seq, bad + 1);
    cr_assert_eq(stk_tcp_time_waits(t->s), 1);
    /* RST in window, not exact: challenge ACK. */
    inject(t, mk_tcp(5000, 80, PISN + 3 + 100, 0, RST, 0, NULL, 0, NULL, 0));
    cr_assert_eq(t->nout, 2);
    cr_assert_eq(parse(&t->out[1]).flags, ACK);
    cr_assert_eq(stk_tcp_time_waits(t->s), 1);
    /* Exact RST: the entry goes. */
    inject(t, mk_tcp(5000, 80, PISN + 3, 0, RST, 0, NULL, 0, NULL, 0));
    cr_assert_eq(stk_tcp_time_waits(t->s), 0);
    cr_assert_eq(stk_counters(t->s)->tcp_time_wait_acks, 3);
    teardown(t);
}

static void tiny_tw_table(struct stk_config *c) { c->time_wait_max = 2; }

/* A full table recycles its oldest entry, counted; the recycled 4-tuple is
 * then unknown (a SYN opens a new connection); the others stay. */
Test(frames, time_wait_table_full_recycles_oldest) {
    struct t *t = setup(tiny_tw_table);
    cr_assert_eq(stk_tcp_listen(t->s, 80, 8, 99), 0);
    for (uint16_t k = 0; k < 3; k++) short_conn_server_closes(t, (uint16_t)(5000 + k));
    cr_assert_eq(stk_tcp_time_waits(t->s), 2);
    cr_assert_eq(stk_counters(t->s)->tcp_time_wait_recycled, 1);
    /* 5000 was recycled: its retransmitted FIN meets no connection (RST). */
    inject(t, mk_tcp(5000, 80, PISN + 2, OISN + 3, FIN | ACK, 1000, NULL, 0, NULL, 0));
    cr_assert_eq(parse(&t->out[0]).flags, RST);
    /* 5002 is still there. */
    inject(t, mk_tcp(5002, 80, PISN + 2, OISN + 3, FIN | ACK, 1000, NULL, 0, NULL, 0));
    cr_assert_eq(parse(&t->out[1]).flags, ACK);
    teardown(t);
}

static void keepalive_on(struct stk_config *c) {
    c->keepalive = true;
    c->keepalive_idle = 10 * STK_SEC;
    c->keepalive_intvl = 1 * STK_SEC;
    c->keepalive_probes = 3;
}

/* Issue 18 item 3: an idle connection whose peer vanished is probed
 * (RFC 9293 3.8.4: SEQ = SND.NXT - 1, no data) and, after
 * keepalive_probes unanswered probes, aborted: its slot comes back. A peer
 * that answers keeps its connection. */
Test(frames, keepalive_probes_then_aborts_a_vanished_peer) {
    struct t *t = setup(keepalive_on);
    uint32_t id = establish(t);
    stk_time_t t0 = t->now;
    (void)id;
    /* 10 s idle: the first probe. */
    t->now = t0 + 10 * STK_SEC;
    stk_poll(t->s, t->now);
    cr_assert_eq(t->nout, 1, "a keep-alive probe after the idle time");
    struct seg g = parse(&t->out[0]);
    cr_assert_eq(g.flags, ACK);
    cr_assert_eq(g.seq, OISN, "SND.NXT - 1");
    cr_assert_eq(g.ack, PISN + 1);
    cr_assert_eq(g.plen, 0);
    /* The peer answers: the connection stays, the next probe is 10 s later. */
    t->now += 100 * STK_MS;
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 1, ACK, 1000, NULL, 0, NULL, 0));
    t->nout = 0;
    t->now += 9 * STK_SEC;
    stk_poll(t->s, t->now);
    cr_assert_eq(t->nout, 0, "no probe before 10 s of silence");
    /* Now the peer is gone: probes at +10 s, +11 s, +12 s, abort at +13 s. */
    stk_time_t last = t->now - 9 * STK_SEC;
    for (unsigned k = 0; k < 3; k++) {
        t->now = last + 10 * STK_SEC + k * STK_SEC;
        stk_poll(t->s, t->now);
        cr_assert_eq(t->nout, k + 1, "probe %u", k + 1);
    }
    cr_assert_eq(t->remote_closed, 0);
    t->now = last + 13 * STK_SEC;
    stk_poll(t->s, t->now);
    cr_assert_eq(t->remote_closed, 1, "aborted after 3 unanswered probes");
    cr_assert_eq(t->cleanup, 1);
    cr_assert_eq(stk_counters(t->s)->tcp_keepalive_probes, 4);
    cr_assert_eq(stk_counters(t->s)->tcp_keepalive_drop, 1);
    g = parse(&t->out[t->nout - 1]);
    cr_assert_eq(g.flags & RST, RST, "a RST tells a peer that came back");
    cr_assert_eq(stk_tcp_conns(t->s), 0, "the slot is free");
    teardown(t);
}

/* Off by default (RFC 1122 4.2.3.6): an idle connection is never probed. */
Test(frames, keepalive_off_by_default) {
    struct t *t = setup(NULL);
    establish(t);
    cr_assert_eq(stk_poll_at(t->s), STK_NEVER);
    teardown(t);
}

static void small_pool(struct stk_config *c) { c->seg_pool = 256; }

/* Issue 18 item 5, the stack's side: a connection that queues without
 * bound (its peer's window is closed) must not take the whole segment pool:
 * once the pool is three-quarters used, a connection over its fair share
 * (pool / 2 / connections, at least 16) is refused, so another connection
 * can still send. */
Test(frames, segment_pool_fair_share) {
    struct t *t = setup(small_pool);
    cr_assert_eq(stk_tcp_listen(t->s, 80, 8, 99), 0);
    inject(t, mk_tcp(4000, 80, PISN, 0, SYN, 65535, NULL, 0, NULL, 0));
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 1, ACK, 0, NULL, 0, NULL, 0));
    uint32_t hog = t->last_id;
    inject(t, mk_tcp(4001, 80, PISN, 0, SYN, 65535, NULL, 0, NULL, 0));
    inject(t, mk_tcp(4001, 80, PISN + 1, OISN + 1, ACK, 1000, NULL, 0, NULL, 0));
    uint32_t other = t->last_id;
    cr_assert_neq(hog, other);
    static const char b[] = "x";
    struct stk_sendv v = {b, 1, 0};
    unsigned queued = 0;
    while (queued < 1000 && stk_tcp_send(t->s, hog, &v, 1) == 0) queued++;
    cr_assert_lt(queued, 256, "the hog was refused before the pool ran out (%u queued)", queued);
    cr_assert_eq(stk_tcp_send(t->s, other, &v, 1), 0, "another connection can still send");
    cr_assert_eq(stk_tcp_send(t->s, other, &v, 1), 0);
    teardown(t);
}

/* ---- Issue 18 item 4: timestamps (RFC 7323), SACK (RFC 2018, 2883, 6675),
 * Eifel undo (RFC 3522) ---- */

#define TS_PEER0 7000u /* the peer's first TSval */

/* Options: timestamps (tsval, tsecr), then up to 3 SACK blocks. */
static size_t peer_opts(uint8_t *o, uint32_t tsval, uint32_t tsecr, const uint32_t *blocks,
                        unsigned nb) {
    size_t n = 0;
    o[n++] = 1;
    o[n++] = 1;
    o[n++] = 8;
    o[n++] = 10;
    p32(o + n, tsval);
    p32(o + n + 4, tsecr);
    n += 8;
    if (nb) {
        o[n++] = 1;
        o[n++] = 1;
        o[n++] = 5;
        o[n++] = (uint8_t)(2 + 8 * nb);
        for (unsigned i = 0; i < 2 * nb; i++, n += 4) p32(o + n, blocks[i]);
    }
    return n;
}

/* Our timestamps and SACK blocks in an emitted segment. */
struct seg_opts {
    bool ts, sack_perm;
    uint32_t tsval, tsecr;
    unsigned nb;
    uint32_t b[8];
};
static struct seg_opts seg_opts(const struct seg *g) {
    struct seg_opts r = {0};
    for (size_t i = 0; i < g->optlen;) {
        uint8_t k = g->opt[i];
        if (k == 0) break;
        if (k == 1) {
            i++;
            continue;
        }
        uint8_t l = g->opt[i + 1];
        cr_assert(l >= 2 && i + l <= g->optlen, "option %u overruns the header", k);
        if (k == 8) {
            cr_assert_eq(l, 10);
            r.ts = true;
            r.tsval = g32(g->opt + i + 2);
            r.tsecr = g32(g->opt + i + 6);
        } else if (k == 4) {
            r.sack_perm = true;
        } else if (k == 5) {
            r.nb = (l - 2u) / 8;
            for (unsigned j = 0; j < 2 * r.nb; j++) r.b[j] = g32(g->opt + i + 2 + 4 * j);
        }
        i += l;
    }
    return r;
}

/* SYN: MSS 1460, SACK-permitted, timestamps, window scale 7. */
static size_t syn_opts_ts(uint8_t *o) {
    static const uint8_t head[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10};
    memcpy(o, head, sizeof head);
    p32(o + 8, TS_PEER0);
    p32(o + 12, 0);
    o[16] = 1;
    o[17] = 3;
    o[18] = 3;
    o[19] = 7;
    return 20;
}

/* Handshake with SACK and timestamps from peer port 4000; *our_ts gets the
 * TSval of our SYN-ACK. */
static uint32_t establish_ts(struct t *t, uint32_t *our_ts) {
    uint8_t o[40];
    cr_assert_eq(stk_tcp_listen(t->s, 80, 8, 99), 0);
    inject(t, mk_tcp(4000, 80, PISN, 0, SYN, 65535, o, syn_opts_ts(o), NULL, 0));
    cr_assert_eq(t->nout, 1);
    struct seg g = parse(&t->out[0]);
    struct seg_opts so = seg_opts(&g);
    cr_assert(so.ts && so.sack_perm, "SYN-ACK echoes SACK-permitted and timestamps");
    cr_assert_eq(so.tsecr, TS_PEER0);
    if (our_ts) *our_ts = so.tsval;
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 1, ACK, 1000, o,
                     peer_opts(o, TS_PEER0 + 1, so.tsval, NULL, 0), NULL, 0));
    cr_assert_eq(t->new_conn, 1);
    t->nout = 0;
    return t->last_id;
}

Test(frames, options_negotiated_only_when_both_sides_offer) {
    struct t *t = setup(NULL);
    uint32_t our_ts;
    uint32_t id = establish_ts(t, &our_ts);
    struct stk_tcp_info in;
    cr_assert_eq(stk_tcp_info(t->s, id, &in), 0);
    cr_assert(in.sack && in.timestamps);
    cr_assert_eq(in.mss, 1448, "the timestamps' 12 bytes come off the MSS");
    /* Our TSval is a 10 us clock plus a per-4-tuple offset. */
    t->now += 5 * STK_MS;
    stk_poll(t->s, t->now);
    static const char msg[] = "hello";
    struct stk_sendv v = {msg, 5, 0};
    cr_assert_eq(stk_tcp_send(t->s, id, &v, 1), 0);
    struct seg g = parse(&t->out[0]);
    struct seg_opts so = seg_opts(&g);
    cr_assert(so.ts);
    cr_assert_eq(so.tsval - our_ts, 500u, "10 us per tick");
    cr_assert_eq(so.tsecr, TS_PEER0 + 1);
    teardown(t);
}

static void opts_off(struct stk_config *c) { c->sack = c->timestamps = false; }

Test(frames, options_off_are_not_echoed) {
    struct t *t = setup(opts_off);
    uint8_t o[40];
    cr_assert_eq(stk_tcp_listen(t->s, 80, 8, 99), 0);
    inject(t, mk_tcp(4000, 80, PISN, 0, SYN, 65535, o, syn_opts_ts(o), NULL, 0));
    struct seg g = parse(&t->out[0]);
    static const uint8_t want[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 3};
    cr_assert_eq(g.optlen, sizeof want);
    cr_assert_arr_eq(g.opt, want, sizeof want);
    /* The handshake ACK without timestamps is fine: none were agreed. */
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 1, ACK, 1000, NULL, 0, NULL, 0));
    struct stk_tcp_info in;
    cr_assert_eq(stk_tcp_info(t->s, t->last_id, &in), 0);
    cr_assert(!in.sack && !in.timestamps);
    cr_assert_eq(in.mss, 1460);
    teardown(t);
}

Test(frames, paws_drops_an_old_timestamp_and_a_missing_one) {
    struct t *t = setup(NULL);
    uint32_t our_ts;
    uint32_t id = establish_ts(t, &our_ts);
    uint8_t o[40];
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 1, ACK | PSH, 1000, o,
                     peer_opts(o, TS_PEER0 + 10, our_ts, NULL, 0), "abc", 3));
    cr_assert_eq(t->ndata, 3);
    /* Next in sequence but with an older TSval: an old duplicate. */
    t->nout = 0;
    inject(t, mk_tcp(4000, 80, PISN + 4, OISN + 1, ACK | PSH, 1000, o,
                     peer_opts(o, TS_PEER0 + 5, our_ts, NULL, 0), "def", 3));
    cr_assert_eq(t->ndata, 3, "PAWS: not delivered");
    cr_assert_eq(stk_counters(t->s)->tcp_paws_drop, 1);
    cr_assert_eq(t->nout, 1, "answered with an ACK");
    struct seg g = parse(&t->out[0]);
    cr_assert_eq(g.ack, PISN + 4);
    cr_assert_eq(seg_opts(&g).tsecr, TS_PEER0 + 10, "TS.Recent unchanged");
    /* Without the option once agreed: dropped (RFC 7323 3.2). */
    inject(t, mk_tcp(4000, 80, PISN + 4, OISN + 1, ACK | PSH, 1000, NULL, 0, "def", 3));
    cr_assert_eq(t->ndata, 3);
    cr_assert_eq(stk_counters(t->s)->tcp_ts_missing_drop, 1);
    /* The right TSval gets it in. */
    inject(t, mk_tcp(4000, 80, PISN + 4, OISN + 1, ACK | PSH, 1000, o,
                     peer_opts(o, TS_PEER0 + 11, our_ts, NULL, 0), "def", 3));
    cr_assert_eq(t->ndata, 6);
    /* A pure ACK overtaken by a later one (older TSval) is not dropped:
     * PAWS guards data, and the ACK may carry SACK blocks. */
    inject(t, mk_tcp(4000, 80, PISN + 7, OISN + 1, ACK, 1000, o,
                     peer_opts(o, TS_PEER0 + 2, our_ts, NULL, 0), NULL, 0));
    cr_assert_eq(stk_counters(t->s)->tcp_paws_drop, 1);
    (void)id;
    teardown(t);
}

Test(frames, sack_blocks_latest_first_and_dsack) {
    struct t *t = setup(NULL);
    uint32_t our_ts;
    establish_ts(t, &our_ts);
    uint8_t o[40];
    static const char x[100] = {0};
    uint32_t ts = TS_PEER0 + 2;
    /* Two holes: [+100, +200) and [+300, +400) arrive, the latter last. */
    inject(t, mk_tcp(4000, 80, PISN + 101, OISN + 1, ACK, 1000, o,
                     peer_opts(o, ts, our_ts, NULL, 0), x, 100));
    inject(t, mk_tcp(4000, 80, PISN + 301, OISN + 1, ACK, 1000, o,
                     peer_opts(o, ts, our_ts, NULL, 0), x, 100));
    struct seg g = parse(&t->out[t->nout - 1]);
    struct seg_opts so = seg_opts(&g);
    cr_assert_eq(g.ack, PISN + 1);
    cr_assert_eq(so.nb, 2);
    cr_assert_eq(so.b[0], PISN + 301, "the block of the latest arrival first (RFC 2018 4)");
    cr_assert_eq(so.b[1], PISN + 401);
    cr_assert_eq(so.b[2], PISN + 101);
    cr_assert_eq(so.b[3], PISN + 201);
    /* A duplicate of the second block: D-SACK first, then the blocks. */
    inject(t, mk_tcp(4000, 80, PISN + 301, OISN + 1, ACK, 1000, o,
                     peer_opts(o, ts, our_ts, NULL, 0), x, 100));
    g = parse(&t->out[t->nout - 1]);
    so = seg_opts(&g);
    cr_assert_eq(so.nb, 3);
    cr_assert_eq(so.b[0], PISN + 301);
    cr_assert_eq(so.b[1], PISN + 401);
    cr_assert_eq(stk_counters(t->s)->tcp_dsack_sent, 1);
    /* Fill the first hole: the ACK moves to +201, one block left. */
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 1, ACK, 1000, o, peer_opts(o, ts, our_ts, NULL, 0),
                     x, 100));
    g = parse(&t->out[t->nout - 1]);
    so = seg_opts(&g);
    cr_assert_eq(g.ack, PISN + 201);
    cr_assert_eq(so.nb, 1);
    cr_assert_eq(so.b[0], PISN + 301);
    /* A duplicate below RCV.NXT: reported as D-SACK below the ACK. */
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 1, ACK, 1000, o, peer_opts(o, ts, our_ts, NULL, 0),
                     x, 100));
    g = parse(&t->out[t->nout - 1]);
    so = seg_opts(&g);
    cr_assert_eq(so.b[0], PISN + 1);
    cr_assert_eq(so.b[1], PISN + 101);
    cr_assert_eq(stk_counters(t->s)->tcp_dsack_sent, 2);
    teardown(t);
}

static void ten_segs(struct stk_config *c) {
    c->init_cwnd_segs = 10;
    c->rto_initial = 100 * STK_MS;
    c->rto_min = 100 * STK_MS;
}
#define S(k) (OISN + 1 + (uint32_t)(k)*1448u)

/* A connection with SACK and timestamps (establish_ts) that has sent `len`
 * bytes of zeros: `nout` segments must have gone out. Returns its id. */
static uint32_t establish_ts_send(struct t *t, size_t len, unsigned nout, uint32_t *our_ts) {
    static uint8_t buf[30000];
    cr_assert_leq(len, sizeof buf);
    uint32_t id = establish_ts(t, our_ts);
    struct stk_sendv v = {buf, len, 0};
    cr_assert_eq(stk_tcp_send(t->s, id, &v, 1), 0);
    cr_assert_eq(t->nout, nout);
    return id;
}

/* Ten segments out at t0 (their TSval in *ts0), then the peer reports [s1,
 * s2) and [s3, s5) received: segments 0 and 2 are missing. */
static uint32_t ten_out_two_lost(struct t *t, uint32_t *ts0, uint32_t *our_ts) {
    uint32_t id = establish_ts_send(t, 30000, 10, our_ts);
    struct seg g = parse(&t->out[0]);
    cr_assert_eq(g.seq, S(0));
    cr_assert_eq(g.plen, 1448);
    *ts0 = seg_opts(&g).tsval;
    t->now += 2 * STK_MS;
    t->nout = 0;
    uint8_t o[40];
    uint32_t b1[] = {S(1), S(2)};
    inject(t, mk_tcp(4000, 80, PISN + 1, S(0), ACK, 1000, o,
                     peer_opts(o, TS_PEER0 + 2, *ts0, b1, 1), NULL, 0));
    cr_assert_eq(t->nout, 1, "one SACKed segment is not a loss yet: Limited Transmit");
    cr_assert_eq(parse(&t->out[0]).seq, S(10));
    t->nout = 0;
    uint32_t b2[] = {S(3), S(5), S(1), S(2)};
    inject(t, mk_tcp(4000, 80, PISN + 1, S(0), ACK, 1000, o,
                     peer_opts(o, TS_PEER0 + 2, *ts0, b2, 2), NULL, 0));
    return id;
}

Test(frames, sack_recovery_retransmits_only_the_holes) {
    struct t *t = setup(ten_segs);
    uint32_t ts0, our_ts;
    uint32_t id = ten_out_two_lost(t, &ts0, &our_ts);
    /* Three segments SACKed above segment 0: more than (DupThresh - 1) * SMSS. */
    cr_assert_eq(stk_counters(t->s)->tcp_sack_recovery, 1);
    cr_assert_eq(t->nout, 1, "the first hole goes out at once, the pipe holds the rest");
    struct seg g = parse(&t->out[0]);
    cr_assert_eq(g.seq, S(0));
    cr_assert_eq(g.plen, 1448);
    uint32_t ts_rxt = seg_opts(&g).tsval;
    struct stk_tcp_info in;
    cr_assert_eq(stk_tcp_info(t->s, id, &in), 0);
    cr_assert_eq(in.ssthresh, 5 * 1448, "half of the flight before Limited Transmit");
    cr_assert_eq(in.cwnd, 5 * 1448);
    /* Everything but segment 2 has arrived: segment 2 next, then new data;
     * nothing the peer holds is sent again. */
    t->nout = 0;
    uint8_t o[40];
    uint32_t b3[] = {S(3), S(11), S(1), S(2)};
    inject(t, mk_tcp(4000, 80, PISN + 1, S(0), ACK, 1000, o, peer_opts(o, TS_PEER0 + 3, ts0, b3, 2),
                     NULL, 0));
    cr_assert_geq(t->nout, 2);
    g = parse(&t->out[0]);
    cr_assert_eq(g.seq, S(2));
    for (unsigned k = 1; k < t->nout; k++) {
        g = parse(&t->out[k]);
        cr_assert_geq(g.seq, S(11), "frame %u: new data only", k);
    }
    /* The retransmissions arrive: a full ACK echoing the retransmission's
     * TSval is a real loss (no undo); cwnd = ssthresh. */
    uint32_t high = S(11) + (uint32_t)(t->nout - 1) * 1448u;
    inject(t, mk_tcp(4000, 80, PISN + 1, high, ACK, 1000, o,
                     peer_opts(o, TS_PEER0 + 4, ts_rxt, NULL, 0), NULL, 0));
    cr_assert_eq(stk_counters(t->s)->tcp_spurious_undo, 0);
    cr_assert_eq(stk_tcp_info(t->s, id, &in), 0);
    cr_assert_eq(in.cwnd, 5 * 1448);
    cr_assert_eq(stk_counters(t->s)->tcp_retransmits, 2);
    teardown(t);
}

Test(frames, eifel_undoes_a_spurious_fast_retransmit) {
    struct t *t = setup(ten_segs);
    uint32_t ts0, our_ts;
    uint32_t id = ten_out_two_lost(t, &ts0, &our_ts);
    cr_assert_eq(t->nout, 1);
    /* The "lost" segments were only late: the ACK for all ten echoes the
     * original's TSval, older than the retransmission's. */
    uint8_t o[40];
    inject(t, mk_tcp(4000, 80, PISN + 1, S(11), ACK, 1000, o,
                     peer_opts(o, TS_PEER0 + 3, ts0, NULL, 0), NULL, 0));
    cr_assert_eq(stk_counters(t->s)->tcp_spurious_undo, 1);
    cr_assert_eq(stk_counters(t->s)->tcp_reorder_seen, 1);
    struct stk_tcp_info in;
    cr_assert_eq(stk_tcp_info(t->s, id, &in), 0);
    cr_assert_geq(in.cwnd, 10 * 1448, "cwnd restored (and grown by the ACK)");
    cr_assert_eq(in.ssthresh, 0x7fffffff);
    cr_assert_eq(in.dupthresh, 4, "three segments overtook the original: DupThresh 4");
    teardown(t);
}

Test(frames, rto_with_sack_resends_only_what_the_peer_lacks) {
    struct t *t = setup(ten_segs);
    uint32_t ts0, our_ts;
    uint32_t id = ten_out_two_lost(t, &ts0, &our_ts);
    t->nout = 0;
    t->now = stk_poll_at(t->s);
    stk_poll(t->s, t->now);
    cr_assert_eq(stk_counters(t->s)->tcp_rto_fired, 1);
    cr_assert_eq(t->nout, 1, "cwnd is one segment after the timeout");
    cr_assert_eq(parse(&t->out[0]).seq, S(0));
    /* Segments 0 and 1 are ACKed: cwnd grows by both (byte counting) to
     * three, which go out skipping the SACKed 3 and 4. */
    t->nout = 0;
    uint8_t o[40];
    uint32_t b[] = {S(3), S(5)};
    inject(t, mk_tcp(4000, 80, PISN + 1, S(2), ACK, 1000, o,
                     peer_opts(o, TS_PEER0 + 3, our_ts + 1000000, b, 1), NULL, 0));
    cr_assert_eq(t->nout, 3);
    cr_assert_eq(parse(&t->out[0]).seq, S(2));
    cr_assert_eq(parse(&t->out[1]).seq, S(5));
    cr_assert_eq(parse(&t->out[2]).seq, S(6));
    (void)id;
    teardown(t);
}

Test(frames, time_wait_reuse_by_newer_timestamp_rfc_6191) {
    struct t *t = setup(NULL);
    uint32_t our_ts;
    uint32_t id = establish_ts(t, &our_ts);
    uint8_t o[40];
    cr_assert_eq(stk_tcp_close(t->s, id), 0);
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 2, FIN | ACK, 1000, o,
                     peer_opts(o, TS_PEER0 + 50, our_ts, NULL, 0), NULL, 0));
    cr_assert_eq(stk_tcp_time_waits(t->s), 1);
    /* TIME-WAIT's ACKs carry timestamps too. */
    t->nout = 0;
    inject(t, mk_tcp(4000, 80, PISN + 1, OISN + 2, FIN | ACK, 1000, o,
                     peer_opts(o, TS_PEER0 + 51, our_ts, NULL, 0), NULL, 0));
    cr_assert_eq(t->nout, 1);
    struct seg g = parse(&t->out[0]);
    cr_assert(seg_opts(&g).ts);
    cr_assert_eq(seg_opts(&g).tsecr, TS_PEER0 + 50);
    /* A SYN with a higher sequence number but an older TSval: refused. */
    t->nout = 0;
    uint8_t so[40];
    size_t n = syn_opts_ts(so);
    p32(so + 8, TS_PEER0 + 10);
    inject(t, mk_tcp(4000, 80, PISN + 100000, 0, SYN, 65535, so, n, NULL, 0));
    cr_assert_eq(stk_counters(t->s)->tcp_time_wait_reuse, 0);
    /* A lower sequence number but a newer TSval: a new incarnation. */
    p32(so + 8, TS_PEER0 + 100);
    t->nout = 0;
    inject(t, mk_tcp(4000, 80, PISN - 100000, 0, SYN, 65535, so, n, NULL, 0));
    cr_assert_eq(stk_counters(t->s)->tcp_time_wait_reuse, 1);
    g = parse(&t->out[0]);
    cr_assert_eq(g.flags, SYN | ACK);
    cr_assert_eq(g.ack, PISN - 100000 + 1);
    teardown(t);
}

Test(frames, tail_loss_probe_then_early_retransmit) {
    struct t *t = setup(ten_segs);
    uint32_t our_ts;
    establish_ts_send(t, 3000, 3, &our_ts);
    struct seg g = parse(&t->out[0]);
    uint32_t ts_first = seg_opts(&g).tsval;
    /* The first segment is ACKed 20 ms later (SRTT 20 ms); the other two
     * are lost, so no duplicate ACK will ever come. */
    t->now += 20 * STK_MS;
    uint8_t o[40];
    inject(t, mk_tcp(4000, 80, PISN + 1, S(1), ACK, 1000, o,
                     peer_opts(o, TS_PEER0 + 2, ts_first, NULL, 0), NULL, 0));
    t->nout = 0;
    stk_time_t at = stk_poll_at(t->s);
    cr_assert_eq(at, t->now + 40 * STK_MS, "the probe at 2 SRTT, before the 200 ms RTO");
    t->now = at;
    stk_poll(t->s, t->now);
    cr_assert_eq(stk_counters(t->s)->tcp_tlp_probes, 1);
    cr_assert_eq(stk_counters(t->s)->tcp_rto_fired, 0);
    cr_assert_eq(t->nout, 1);
    g = parse(&t->out[0]);
    cr_assert_eq(g.seq, S(2), "nothing new to send: the last segment again");
    cr_assert_eq(g.plen, 3000 - 2 * 1448);
    uint32_t ts_probe = seg_opts(&g).tsval;
    /* The peer SACKs the probe: two segments out, nothing new waits, so
     * Early Retransmit lowers DupThresh to 1 and segment 1 goes at once. */
    t->nout = 0;
    uint32_t b[] = {S(2), S(2) + 3000 - 2 * 1448};
    inject(t, mk_tcp(4000, 80, PISN + 1, S(1), ACK, 1000, o,
                     peer_opts(o, TS_PEER0 + 3, ts_probe, b, 1), NULL, 0));
    cr_assert_eq(stk_counters(t->s)->tcp_sack_recovery, 1);
    cr_assert_eq(t->nout, 1);
    cr_assert_eq(parse(&t->out[0]).seq, S(1));
    cr_assert_eq(stk_counters(t->s)->tcp_rto_fired, 0);
    teardown(t);
}

Test(frames, sack_duplicate_acks_need_new_sack_information) {
    struct t *t = setup(ten_segs);
    uint32_t our_ts;
    establish_ts_send(t, 30000, 10, &our_ts);
    t->nout = 0;
    uint8_t o[40];
    /* An ACK the network duplicated five times, then D-SACKs of the first
     * segment: none SACKs new data, so none is a duplicate ACK (RFC 6675
     * 2): no Limited Transmit, no recovery. */
    for (int k = 0; k < 5; k++)
        inject(t, mk_tcp(4000, 80, PISN + 1, S(0), ACK, 1000, o,
                         peer_opts(o, TS_PEER0 + 2, our_ts, NULL, 0), NULL, 0));
    uint32_t d[] = {S(0) - 1448, S(0)};
    for (int k = 0; k < 3; k++)
        inject(t, mk_tcp(4000, 80, PISN + 1, S(0), ACK, 1000, o,
                         peer_opts(o, TS_PEER0 + 2, our_ts, d, 1), NULL, 0));
    cr_assert_eq(stk_counters(t->s)->tcp_dsack_rx, 3);
    cr_assert_eq(stk_counters(t->s)->tcp_dupacks_rx, 0);
    cr_assert_eq(stk_counters(t->s)->tcp_sack_recovery, 0);
    cr_assert_eq(t->nout, 0);
    teardown(t);
}
