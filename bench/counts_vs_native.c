/* bench/counts_vs_native.c: the same workloads natively and on a tile, to
 * compare instructions per function (bench/counts_vs_native.py).
 *
 * One source, two programs:
 *  - bench_counts_native (native builds: tessera_calib_native, tessera_stack,
 *    tessera_workloads) runs counts_workloads() once; run it under
 *    `valgrind --tool=callgrind --toggle-collect=counts_workloads`.
 *  - bench_counts_tile (the same code built as tile code: tessera_calib_tile,
 *    tessera_stack_tile, tessera_workloads_tile) runs counts_workloads() as
 *    the main handler of tile 0 with chip.tile.profile: exact, once with the
 *    guards holding the instrumented blocks' own counts and once scaled to
 *    the native build (sim/tile/cov.h), and prints
 *    "function instrumented scaled" per function.
 * The workloads: the calibration hash table (fill, then lookups); 64-byte
 * request/response between two stack instances; an HTTP client on one
 * instance against workloads/httpd.c on the other (over the socket layer's
 * rtc transport). The wire and the clock are this file's (not tile code:
 * uncounted on the tile, filtered out natively): frames are delivered in
 * order, each 1 us after the previous one, and acks are immediate (no
 * delayed ack), so both runs take the same path through the code. The
 * instances' memory comes from this file's allocator over the C library in
 * both builds (the tile build of the stack has no default allocator; the
 * chip runs in rtc mode: the wire is host memory too). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/calib/calib.h"
#include "stack/sock.h"
#include "stack/stk.h"
#include "workloads/httpd.h"

#ifdef COUNTS_TILE
#include "sim/kernel/engine.h"
#include "sim/tile/cov.h"
#include "sim/tile/tile.h"
#define CALIB(f) f
#else
#define CALIB(f) f##_native
#endif

#define RR_TRANSACTIONS 300
#define HTTP_SMALL 150
#define HTTP_LARGE 10

/* ---- the instances' memory (this file's: not tile code) ---- */

static void *host_alloc(void *ctx, size_t n) {
    (void)ctx;
    return calloc(1, n);
}
static void host_free(void *ctx, void *p) {
    (void)ctx;
    free(p);
}
static const struct stk_alloc HOST = {host_alloc, host_free, NULL};

/* ---- the wire ---- */

struct frame {
    struct stk_rxbuf buf; /* first: rx_release gets it back */
    struct frame *next;
    unsigned dst;
};

static struct {
    struct frame *head, *tail;
    stk_time_t now;
    struct stk *s[2];
    uint32_t seed[2];
} W;

static void out(void *ctx, const struct stk_iov *iov, unsigned n, size_t total) {
    unsigned port = (unsigned)((uint32_t *)ctx - W.seed);
    struct frame *f = calloc(1, sizeof *f);
    f->buf.data = malloc(total);
    if (!f->buf.data) abort();
    size_t off = 0;
    for (unsigned i = 0; i < n; i++) {
        memcpy(f->buf.data + off, iov[i].base, iov[i].len);
        off += iov[i].len;
    }
    f->buf.len = (uint32_t)total;
    f->dst = 1 - port;
    if (W.tail)
        W.tail->next = f;
    else
        W.head = f;
    W.tail = f;
}

static void rx_release(void *ctx, struct stk_rxbuf *b) {
    (void)ctx;
    struct frame *f = (struct frame *)b;
    free(f->buf.data);
    free(f);
}

static uint32_t rnd(void *ctx) {
    uint32_t *s = ctx;
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

/* Delivers frames until none is left (callbacks may send more). */
static void pump(void) {
    while (W.head) {
        struct frame *f = W.head;
        W.head = f->next;
        if (!W.head) W.tail = NULL;
        f->next = NULL;
        W.now += STK_US;
        stk_input(W.s[f->dst], W.now, &f->buf);
    }
}

static void net_up(const struct stk_app *a0, const struct stk_app *a1) {
    memset(&W, 0, sizeof W);
    W.now = STK_MS;
    for (unsigned i = 0; i < 2; i++) {
        W.seed[i] = 7 + i;
        struct stk_driver d = {out, rx_release, rnd, &W.seed[i], NULL}; /* (the port's seed) */
        struct stk_config c;
        stk_config_default(&c);
        c.mac[5] = (uint8_t)(i + 1);
        c.ip = 0x0a000001u + i;
        c.arp_static_only = true;
        c.delack = 0;
        c.alloc = HOST;
        W.s[i] = stk_create(&c, &d, i ? a1 : a0, W.now, NULL, 0);
        if (!W.s[i]) abort();
    }
    uint8_t m0[6] = {2, 0, 0, 0, 0, 1}, m1[6] = {2, 0, 0, 0, 0, 2};
    stk_arp_add_static(W.s[0], 0x0a000002u, m1);
    stk_arp_add_static(W.s[1], 0x0a000001u, m0);
}

static void net_down(void) {
    pump();
    stk_destroy(W.s[0]);
    stk_destroy(W.s[1]);
}

/* ---- the stack's request/response (as bench/stack_rr.c) ---- */

static struct {
    uint32_t cid;
    uint64_t left, rx;
    uint8_t msg[64];
} RR;

static void rr_conn(void *ctx, uint32_t id, uint64_t tag, bool active, int st) {
    (void)tag, (void)active, (void)st;
    if ((uintptr_t)ctx == 1)
        stk_tcp_accept(W.s[1], id);
    else
        RR.cid = id;
}
static void rr_data(void *ctx, uint32_t id, const struct stk_iov *v, unsigned n) {
    size_t t = 0;
    for (unsigned i = 0; i < n; i++) t += v[i].len;
    if ((uintptr_t)ctx == 1) { /* echo by reference; the buffer is returned when acked */
        struct stk_sendv sv[64];
        for (unsigned i = 0; i < n && i < 64; i++)
            sv[i] = (struct stk_sendv){v[i].base, v[i].len, 0};
        stk_tcp_send(W.s[1], id, sv, n);
        return;
    }
    RR.rx += t;
    stk_tcp_recv_done(W.s[0], id, t);
    if (RR.rx % 64 == 0 && RR.left) {
        RR.left--;
        struct stk_sendv sv = {RR.msg, 64, 0};
        stk_tcp_send(W.s[0], RR.cid, &sv, 1);
    }
}
static void rr_acked(void *ctx, uint32_t id, uint64_t n) {
    if ((uintptr_t)ctx == 1) stk_tcp_recv_done(W.s[1], id, n);
}

static void stack_rr(void) {
    memset(&RR, 0, sizeof RR);
    struct stk_app a0 = {rr_conn, rr_data, rr_acked, NULL, NULL, (void *)0};
    struct stk_app a1 = {rr_conn, rr_data, rr_acked, NULL, NULL, (void *)1};
    net_up(&a0, &a1);
    stk_tcp_listen(W.s[1], 80, 8, 1);
    stk_tcp_connect(W.s[0], 0x0a000002u, 80, 1, NULL);
    pump();
    RR.left = RR_TRANSACTIONS - 1;
    struct stk_sendv sv = {RR.msg, 64, 0};
    stk_tcp_send(W.s[0], RR.cid, &sv, 1);
    pump();
    if (RR.rx != RR_TRANSACTIONS * 64) {
        fprintf(stderr, "counts: rr got %llu bytes\n", (unsigned long long)RR.rx);
        exit(1);
    }
    net_down();
}

/* ---- HTTP: a client on instance 0, workloads/httpd.c on instance 1 ---- */

static struct {
    uint32_t cid;
    uint64_t rx;
} HC;

static void hc_conn(void *ctx, uint32_t id, uint64_t tag, bool active, int st) {
    (void)ctx, (void)tag, (void)active, (void)st;
    HC.cid = id;
}
static void hc_data(void *ctx, uint32_t id, const struct stk_iov *v, unsigned n) {
    (void)ctx;
    size_t t = 0;
    for (unsigned i = 0; i < n; i++) t += v[i].len;
    HC.rx += t;
    stk_tcp_recv_done(W.s[0], id, t);
}

static void http(void) {
    static const char body[] = "<html><body>hello from tessera</body></html>\n";
    static uint8_t big[16384];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i * 7 + 3);
    struct httpd_file files[2] = {
        {"/index.html", (const uint8_t *)body, sizeof body - 1, "text/html"},
        {"/big", big, sizeof big, NULL},
    };
    struct httpd *h = httpd_create(files, 2, &HOST);
    struct stk_app a0 = {hc_conn, hc_data, NULL, NULL, NULL, NULL};
    memset(&HC, 0, sizeof HC);
    net_up(&a0, NULL);
    struct sock_events ev = httpd_events();
    struct sock_rtc *rtc = sock_rtc_create(&W.s[1], 1, &ev, h, &HOST);
    httpd_start(h, sock_rtc_sock(rtc), 1, 80, 8);
    stk_tcp_connect(W.s[0], 0x0a000002u, 80, 1, NULL);
    pump();
    static const char small[] = "GET /index.html HTTP/1.1\r\nHost: tessera\r\n"
                                "User-Agent: counts\r\nAccept: */*\r\n\r\n";
    static const char large[] = "GET /big HTTP/1.1\r\nHost: tessera\r\n\r\n";
    for (unsigned i = 0; i < HTTP_SMALL + HTTP_LARGE; i++) {
        const char *req = i % 16 == 15 ? large : small;
        struct stk_sendv sv = {req, strlen(req), 0};
        stk_tcp_send(W.s[0], HC.cid, &sv, 1);
        pump();
    }
    const struct httpd_stats *st = httpd_stats(h);
    if (st->r200 != HTTP_SMALL + HTTP_LARGE) {
        fprintf(stderr, "counts: httpd answered %llu of %u\n", (unsigned long long)st->r200,
                HTTP_SMALL + HTTP_LARGE);
        exit(1);
    }
    net_down();
    sock_rtc_destroy(rtc);
    httpd_destroy(h);
}

/* ---- the hash table ---- */

static void hashtab(void) {
    static uint64_t keys[4096], vals[4096];
    memset(keys, 0, sizeof keys);
    struct calib_hashtab h = {.keys = keys,
                              .vals = vals,
                              .capacity = 4096,
                              .entries = 2048,
                              .lookups = 20000,
                              .seed = 11};
    CALIB(calib_hashtab_fill)(&h);
    CALIB(calib_hashtab_lookups)(&h);
    if (!h.found) exit(1);
}

/* What both programs run (callgrind collects inside it). */
__attribute__((noinline)) void counts_workloads(void);
__attribute__((noinline)) void counts_workloads(void) {
    hashtab();
    stack_rr();
    http();
}

#ifndef COUNTS_TILE
int main(void) {
    counts_workloads();
    return 0;
}
#else
static void tile_main(struct tile *t, void *arg) {
    (void)t, (void)arg;
    counts_workloads();
}

/* Runs the workloads on tile 0; writes the per-function profile to path. */
static const struct tile_prof *run(const char *path, struct chip **cp, struct sim_engine **ep) {
    struct chip_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg_defaults(&chip_config_section, &cfg);
    cfg.protection.mode = CHIP_PROT_RTC; /* the stack's memory is host malloc */
    cfg.tile.profile = CHIP_PROFILE_EXACT;
    cfg.tile.handler_budget_cycles = 1000000000000ull;
    struct sim_engine *e = sim_engine_create();
    char err[256];
    struct chip *c = chip_create(&cfg, &(struct chip_geom){2, 1}, e, err, sizeof err);
    if (!c || chip_tile_start(c, 0, TILE_ROLE_RTC, 0, tile_main, NULL, err, sizeof err)) {
        fprintf(stderr, "counts: %s\n", err);
        exit(1);
    }
    sim_engine_run_until(e, SIM_TIME_MAX);
    if (chip_write_function_csv(c, path)) exit(1);
    *cp = c;
    *ep = e;
    return chip_tile_prof(c, 0);
}

struct fn {
    char name[128];
    unsigned long long raw, scaled;
};

static size_t read_csv(const char *path, struct fn *fns, size_t n, size_t max, int which) {
    FILE *f = fopen(path, "r");
    if (!f) exit(1);
    char line[512];
    while (fgets(line, sizeof line, f)) {
        unsigned tile;
        char name[128];
        unsigned long long v;
        if (sscanf(line, "%u,%127[^,],%llu", &tile, name, &v) != 3 || tile != 0) continue;
        size_t i = 0;
        while (i < n && strcmp(fns[i].name, name)) i++;
        if (i == n) {
            if (n == max) break;
            memset(&fns[n], 0, sizeof fns[n]);
            snprintf(fns[n].name, sizeof fns[n].name, "%s", name);
            n++;
        }
        if (which)
            fns[i].scaled = v;
        else
            fns[i].raw = v;
    }
    fclose(f);
    return n;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    char p0[512], p1[512];
    snprintf(p0, sizeof p0, "%s/counts_instrumented.csv", dir);
    snprintf(p1, sizeof p1, "%s/counts_scaled.csv", dir);
    struct chip *c0, *c1;
    struct sim_engine *e0, *e1;
    cov_set_native_scaling(false);
    unsigned long long raw = run(p0, &c0, &e0)->instr;
    cov_set_native_scaling(true);
    unsigned long long scaled = run(p1, &c1, &e1)->instr;
    static struct fn fns[1024];
    size_t n = read_csv(p0, fns, 0, 1024, 0);
    n = read_csv(p1, fns, n, 1024, 1);
    printf("# function instrumented scaled (tile 0, exact profile)\n");
    for (size_t i = 0; i < n; i++) printf("%s %llu %llu\n", fns[i].name, fns[i].raw, fns[i].scaled);
    printf("# total %llu %llu\n", raw, scaled);
    struct cov_stats s = cov_stats();
    printf("# functions %llu, with a native count %llu, scaled by source line %llu\n",
           (unsigned long long)s.functions, (unsigned long long)s.scaled_functions,
           (unsigned long long)s.by_line_functions);
    chip_destroy(c0);
    chip_destroy(c1);
    sim_engine_destroy(e0);
    sim_engine_destroy(e1);
    return 0;
}
#endif
