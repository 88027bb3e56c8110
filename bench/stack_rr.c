/* bench/stack_rr.c: host speed of the stack. Two instances on the
 * in-process wire (zero delay, no faults):
 *   rr:   64-byte request/response transactions per host second over one
 *         connection (send 64 B, peer echoes 64 B, repeat);
 *   bulk: one-way bulk transfer, Gb/s of payload per host second.
 * Each with software checksums and with checksum offload (the chip's case).
 * Usage: bench_stack_rr [transactions] [bulk_MiB]. Host time (CLOCK_MONOTONIC)
 * only measures this program; it never enters the stack. */
#include "stack/stk.h"
#include "stack/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
static uint32_t rnd(void *c) {
    uint32_t *s = c;
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

struct b {
    struct stk *s[2];
    uint32_t cid, sid;
    bool cup, sup;
    uint64_t rr_left, rx_bytes, acked;
    uint8_t msg[64];
    int mode; /* 0 rr, 1 bulk */
};
static struct b B;

static void nc(void *ctx, uint32_t id, uint64_t tag, bool active, int st) {
    (void)tag;
    (void)st;
    intptr_t side = (intptr_t)ctx;
    if (side == 1) {
        stk_tcp_accept(B.s[1], id);
        B.sid = id;
        B.sup = true;
    } else {
        B.cid = id;
        B.cup = true;
        (void)active;
    }
}
static void nd(void *ctx, uint32_t id, const struct stk_iov *v, unsigned n) {
    intptr_t side = (intptr_t)ctx;
    size_t t = 0;
    for (unsigned i = 0; i < n; i++) t += v[i].len;
    if (side == 1 && B.mode == 0) {
        /* Echo by reference; the rx buffer is returned once acked. */
        struct stk_sendv sv[64];
        for (unsigned i = 0; i < n; i++) sv[i] = (struct stk_sendv){v[i].base, v[i].len, 0};
        stk_tcp_send(B.s[1], id, sv, n);
        return;
    }
    B.rx_bytes += t;
    stk_tcp_recv_done(B.s[side], id, t);
    if (side == 0 && B.mode == 0 && B.rx_bytes % 64 == 0 && B.rr_left) {
        B.rr_left--;
        struct stk_sendv sv = {B.msg, 64, 0};
        stk_tcp_send(B.s[0], B.cid, &sv, 1);
    }
}
static void da(void *ctx, uint32_t id, uint64_t n) {
    intptr_t side = (intptr_t)ctx;
    if (side == 1 && B.mode == 0) stk_tcp_recv_done(B.s[1], id, n);
    if (side == 0) B.acked += n;
}

int main(int argc, char **argv) {
    uint64_t tx = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
    uint64_t mib = argc > 2 ? strtoull(argv[2], NULL, 10) : 1024;
    if (tx < 1 || mib < 1 || mib > 1024) {
        fprintf(stderr, "bench_stack_rr: transactions >= 1 and 1 <= bulk_MiB <= 1024 "
                        "(one send queues at most 2^31 - 1 bytes)\n");
        return 2;
    }
    for (int run = 0; run < 4; run++) {
        int mode = run & 1, offload = run >> 1;
        memset(&B, 0, sizeof B);
        B.mode = mode;
        struct wire_config wc = {.delay = 0};
        struct wire *w = wire_create(&wc);
        uint32_t seeds[2] = {1, 2};
        for (int i = 0; i < 2; i++) {
            struct stk_driver d;
            wire_add_port(w, &d, rnd, &seeds[i]);
            struct stk_config c;
            stk_config_default(&c);
            c.mac[5] = (uint8_t)(i + 1);
            c.ip = 0x0a000001u + (uint32_t)i;
            c.arp_static_only = true;
            c.delack = 0;
            c.rcv_buf = 4u << 20;
            c.tx_csum_offload = c.rx_csum_offload = offload;
            struct stk_app a = {nc, nd, da, NULL, NULL, (void *)(intptr_t)i};
            B.s[i] = stk_create(&c, &d, &a, 0, NULL, 0);
            wire_bind(w, (unsigned)i, B.s[i]);
        }
        uint8_t m0[6] = {2, 0, 0, 0, 0, 1}, m1[6] = {2, 0, 0, 0, 0, 2};
        stk_arp_add_static(B.s[0], 0x0a000002u, m1);
        stk_arp_add_static(B.s[1], 0x0a000001u, m0);
        stk_tcp_listen(B.s[1], 80, 8, 1);
        stk_tcp_connect(B.s[0], 0x0a000002u, 80, 1, NULL);
        while (!(B.cup && B.sup) && wire_step(w, STK_NEVER)) {}
        double t0 = now_s();
        if (mode == 0) {
            B.rr_left = tx - 1;
            struct stk_sendv sv = {B.msg, 64, 0};
            stk_tcp_send(B.s[0], B.cid, &sv, 1);
            while (B.rx_bytes < tx * 64 && wire_step(w, STK_NEVER)) {}
            double dt = now_s() - t0;
            printf("%s rr: %llu transactions of 64 B in %.3f s host time: %.0f transactions/s\n",
                   offload ? "csum-offload" : "sw-csum", (unsigned long long)(B.rx_bytes / 64), dt,
                   (double)(B.rx_bytes / 64) / dt);
        } else {
            static uint8_t big[1 << 20];
            uint64_t total = mib << 20;
            struct stk_sendv *sv = malloc(sizeof *sv * mib);
            for (uint64_t i = 0; i < mib; i++) sv[i] = (struct stk_sendv){big, sizeof big, 0};
            if (stk_tcp_send(B.s[0], B.cid, sv, (unsigned)mib) != 0) {
                fprintf(stderr, "bench_stack_rr: send of %llu MiB refused\n",
                        (unsigned long long)mib);
                return 1;
            }
            while (B.rx_bytes < total && wire_step(w, STK_NEVER)) {}
            double dt = now_s() - t0;
            printf("%s bulk: %llu MiB in %.3f s host time: %.2f Gb/s\n",
                   offload ? "csum-offload" : "sw-csum", (unsigned long long)(B.rx_bytes >> 20), dt,
                   (double)B.rx_bytes * 8 / dt / 1e9);
            free(sv);
        }
        stk_destroy(B.s[0]);
        stk_destroy(B.s[1]);
        wire_destroy(w);
    }
    return 0;
}
