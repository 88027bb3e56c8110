/* libFuzzer target: arbitrary input drives one stack instance that has a
 * listener, an established passive connection and an active one in
 * SYN-SENT. The input is a list of records:
 *   0 len bytes       raw Ethernet frame
 *   1 flags seq ack wnd len bytes   TCP segment to the established
 *                     connection (offsets from its current RCV.NXT/SND.UNA,
 *                     valid checksums), so the state machine is reached
 *   2 dt              advance time (ms) and poll
 *   3 n               application: recv_done(n) / send / close / shutdown
 * Any crash, sanitizer report or failed invariant is a bug. */
#include "stack/stk.h"

#include <stdlib.h>
#include <string.h>

struct fz {
    struct stk *s;
    uint32_t id, peer_seq;
    uint64_t delivered, done;
    bool have;
};

static void out(void *c, const struct stk_iov *v, unsigned n, size_t t) {
    (void)c;
    (void)v;
    (void)n;
    (void)t;
}
static void rel(void *c, struct stk_rxbuf *b) {
    (void)c;
    free(b);
}
static uint32_t rnd(void *c) {
    (void)c;
    return 1000;
}
static void nc(void *c, uint32_t id, uint64_t tag, bool a, int st) {
    struct fz *f = c;
    (void)tag;
    (void)st;
    if (!a) {
        stk_tcp_accept(f->s, id);
        f->id = id;
        f->have = true;
    }
}
static void nd(void *c, uint32_t id, const struct stk_iov *v, unsigned n) {
    struct fz *f = c;
    (void)id;
    for (unsigned i = 0; i < n; i++) {
        uint8_t x = 0;
        for (size_t k = 0; k < v[i].len; k++)
            x ^= ((const uint8_t *)v[i].base)[k]; /* touch: ASan checks */
        f->delivered += v[i].len + (x & 0);
    }
}
static void da(void *c, uint32_t id, uint64_t n) {
    (void)c;
    (void)id;
    (void)n;
}
static void rc(void *c, uint32_t id) {
    struct fz *f = c;
    stk_tcp_close(f->s, id);
}
static void cu(void *c, uint32_t id) {
    struct fz *f = c;
    if (f->have && id == f->id) f->have = false;
}

static const uint8_t OUR[6] = {2, 0, 0, 0, 0, 2}, PEER[6] = {2, 0, 0, 0, 0, 1};

static uint16_t sum16(const uint8_t *p, size_t n, uint32_t acc) {
    for (size_t i = 0; i + 1 < n; i += 2) acc += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) acc += (uint32_t)p[n - 1] << 8;
    while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

static void seg(struct fz *f, uint64_t now, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
                const uint8_t *pay, size_t plen) {
    size_t len = 54 + plen;
    struct stk_rxbuf *b = calloc(1, sizeof *b + len);
    b->data = (uint8_t *)(b + 1);
    b->len = (uint32_t)len;
    uint8_t *p = b->data;
    memcpy(p, OUR, 6);
    memcpy(p + 6, PEER, 6);
    p[12] = 8;
    uint8_t *ip = p + 14;
    ip[0] = 0x45;
    ip[2] = (uint8_t)((40 + plen) >> 8);
    ip[3] = (uint8_t)(40 + plen);
    ip[8] = 64;
    ip[9] = 6;
    ip[12] = 10;
    ip[15] = 1;
    ip[16] = 10;
    ip[19] = 2;
    uint16_t c = sum16(ip, 20, 0);
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
    uint8_t *t = ip + 20;
    t[0] = 4000 >> 8;
    t[1] = 4000 & 255;
    t[3] = 80;
    t[4] = (uint8_t)(seq >> 24);
    t[5] = (uint8_t)(seq >> 16);
    t[6] = (uint8_t)(seq >> 8);
    t[7] = (uint8_t)seq;
    t[8] = (uint8_t)(ack >> 24);
    t[9] = (uint8_t)(ack >> 16);
    t[10] = (uint8_t)(ack >> 8);
    t[11] = (uint8_t)ack;
    t[12] = 5 << 4;
    t[13] = flags;
    t[14] = (uint8_t)(wnd >> 8);
    t[15] = (uint8_t)wnd;
    if (plen) memcpy(t + 20, pay, plen);
    uint32_t ps = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 6 + (uint32_t)(20 + plen);
    c = sum16(t, 20 + plen, ps);
    t[16] = (uint8_t)(c >> 8);
    t[17] = (uint8_t)c;
    stk_input(f->s, now, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
    struct fz f = {0};
    struct stk_config cfg;
    stk_config_default(&cfg);
    memcpy(cfg.mac, OUR, 6);
    cfg.ip = 0x0a000002;
    cfg.max_conns = 16;
    cfg.seg_pool = 256;
    cfg.max_rx_segs = 32;
    cfg.rcv_buf = 8192;
    struct stk_driver drv = {out, rel, rnd, &f, NULL};
    struct stk_app app = {nc, nd, da, rc, cu, &f};
    uint64_t now = STK_SEC;
    f.s = stk_create(&cfg, &drv, &app, now, NULL, 0);
    stk_arp_add_static(f.s, 0x0a000001, PEER);
    stk_tcp_listen(f.s, 80, 4, 1);
    stk_tcp_connect(f.s, 0x0a000001, 9999, 5, NULL);
    seg(&f, now, 2, 5000, 0, 65535, NULL, 0);
    seg(&f, now, 16, 5001, 1001, 65535, NULL, 0);
    f.peer_seq = 5001;
    static const uint8_t buf[4096] = {1};
    size_t i = 0;
    while (i + 2 <= n) {
        uint8_t kind = d[i] & 3;
        size_t len = d[i + 1];
        i += 2;
        if (kind == 0) {
            if (len > n - i) len = n - i;
            struct stk_rxbuf *b = calloc(1, sizeof *b + len + 1);
            b->data = (uint8_t *)(b + 1);
            b->len = (uint32_t)len;
            memcpy(b->data, d + i, len);
            i += len;
            stk_input(f.s, now, b);
        } else if (kind == 1) {
            if (i + 5 > n) break;
            uint8_t flags = d[i] & 0x3f;
            int8_t dseq = (int8_t)d[i + 1], dack = (int8_t)d[i + 2];
            uint16_t wnd = (uint16_t)(d[i + 3] << 8 | d[i + 4]);
            i += 5;
            if (len > n - i) len = n - i;
            struct stk_tcp_info in;
            uint32_t rn = 5001, su = 1001;
            if (f.have && stk_tcp_info(f.s, f.id, &in) == 0) {
                rn = in.rcv_nxt;
                su = in.snd_una;
            }
            seg(&f, now, flags, rn + (uint32_t)(dseq * 100), su + (uint32_t)(dack * 100), wnd,
                d + i, len);
            i += len;
        } else if (kind == 2) {
            now += (uint64_t)len * STK_MS * 10;
            stk_poll(f.s, now);
        } else if (f.have) {
            struct stk_tcp_info in;
            if (stk_tcp_info(f.s, f.id, &in) != 0) continue;
            switch (len & 3) {
            case 0:
                stk_tcp_recv_done(f.s, f.id, in.rx_held_bytes < len ? in.rx_held_bytes : len);
                break;
            case 1: {
                struct stk_sendv v = {buf, len * 16, 0};
                stk_tcp_send(f.s, f.id, &v, 1);
                break;
            }
            case 2: stk_tcp_shutdown(f.s, f.id, STK_SHUT_WR); break;
            default: stk_tcp_close(f.s, f.id); break;
            }
        }
    }
    stk_destroy(f.s);
    return 0;
}
