/* The servers of workloads/ over the in-process wire: an HTTP client, an
 * echo client and NetPIPE's size schedule. The client side uses the stack
 * API directly; the servers see only the socket layer (rtc transport). */
#include "stack/sock.h"
#include "stack/stk.h"
#include "stack/wire.h"
#include "workloads/echo.h"
#include "workloads/httpd.h"
#include "workloads/netpipe.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cli {
    struct stk *s;
    uint32_t id;
    bool up, rclosed, cleaned;
    uint8_t *rx;
    size_t nrx, cap;
    uint64_t acked;
};

static void c_new_conn(void *ctx, uint32_t id, uint64_t tag, bool active, int status) {
    struct cli *c = ctx;
    (void)tag;
    cr_assert(active);
    cr_assert_eq(status, 0);
    c->id = id;
    c->up = true;
}
static void c_new_data(void *ctx, uint32_t id, const struct stk_iov *v, unsigned n) {
    struct cli *c = ctx;
    size_t t = 0;
    for (unsigned i = 0; i < n; i++) {
        if (c->nrx + v[i].len > c->cap) {
            c->cap = (c->nrx + v[i].len) * 2;
            c->rx = realloc(c->rx, c->cap);
        }
        memcpy(c->rx + c->nrx, v[i].base, v[i].len);
        c->nrx += v[i].len;
        t += v[i].len;
    }
    stk_tcp_recv_done(c->s, id, t);
}
static void c_acked(void *ctx, uint32_t id, uint64_t n) {
    (void)id;
    ((struct cli *)ctx)->acked += n;
}
static void c_rclosed(void *ctx, uint32_t id) {
    (void)id;
    ((struct cli *)ctx)->rclosed = true;
}
static void c_cleanup(void *ctx, uint32_t id) {
    (void)id;
    ((struct cli *)ctx)->cleaned = true;
}

static uint32_t rnd(void *ctx) {
    uint32_t *s = ctx;
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

struct env {
    struct wire *w;
    struct stk *s[2];
    uint32_t seeds[2];
    struct cli cli;
    struct sock_rtc *rtc;
};

static void env_init(struct env *e, const struct sock_events *ev, void *app) {
    memset(e, 0, sizeof *e);
    struct wire_config wc = {.delay = 10 * STK_US};
    e->w = wire_create(&wc);
    for (int i = 0; i < 2; i++) {
        e->seeds[i] = (uint32_t)i + 7;
        struct stk_driver d;
        wire_add_port(e->w, &d, rnd, &e->seeds[i]);
        struct stk_config c;
        stk_config_default(&c);
        c.mac[5] = (uint8_t)(i + 1);
        c.ip = 0x0a000001u + (uint32_t)i;
        c.time_wait = 10 * STK_MS;
        struct stk_app a = {c_new_conn, c_new_data, c_acked, c_rclosed, c_cleanup, &e->cli};
        e->s[i] = stk_create(&c, &d, i == 0 ? &a : NULL, 0, NULL, 0);
        cr_assert(e->s[i]);
        wire_bind(e->w, (unsigned)i, e->s[i]);
    }
    e->cli.s = e->s[0];
    e->rtc = sock_rtc_create(&e->s[1], 1, ev, app);
}

static void env_fini(struct env *e) {
    sock_rtc_destroy(e->rtc);
    stk_destroy(e->s[0]);
    stk_destroy(e->s[1]);
    wire_destroy(e->w);
    free(e->cli.rx);
}

static void run(struct env *e, stk_time_t dt) { wire_run(e->w, wire_now(e->w) + dt); }

static void connect_to(struct env *e, uint16_t port) {
    cr_assert_eq(stk_tcp_connect(e->s[0], 0x0a000002u, port, 1, NULL), 0);
    run(e, 10 * STK_MS);
    cr_assert(e->cli.up, "connected (ARP resolved dynamically)");
}

static void send_str(struct env *e, const char *str) {
    struct stk_sendv v = {str, strlen(str), 0};
    cr_assert_eq(stk_tcp_send(e->s[0], e->cli.id, &v, 1), 0);
}

static const char BODY_A[] = "<html>hello</html>\n";
static uint8_t big[300000];

static struct httpd *mk_httpd(void) {
    static struct httpd_file files[2];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i * 7 + 3);
    files[0] =
        (struct httpd_file){"/a.html", (const uint8_t *)BODY_A, sizeof BODY_A - 1, "text/html"};
    files[1] = (struct httpd_file){"/big", big, sizeof big, NULL};
    return httpd_create(files, 2);
}

Test(httpd, keepalive_pipelined_and_404) {
    struct httpd *h = mk_httpd();
    struct sock_events ev = httpd_events();
    struct env e;
    env_init(&e, &ev, h);
    cr_assert_eq(httpd_start(h, sock_rtc_sock(e.rtc), 1, 80, 16), 0);
    connect_to(&e, 80);
    send_str(&e, "GET /a.html HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                 "HEAD /a.html HTTP/1.1\r\n\r\nGET /big?q=1 HTTP/1.1\r\n\r\n");
    run(&e, 1 * STK_SEC);
    const char *r = (const char *)e.cli.rx;
    char want1[256];
    snprintf(
        want1, sizeof want1,
        "HTTP/1.1 200 OK\r\nServer: tessera\r\nContent-Type: text/html\r\nContent-Length: %zu\r\n"
        "Connection: keep-alive\r\n\r\n%s",
        sizeof BODY_A - 1, BODY_A);
    size_t l1 = strlen(want1);
    cr_assert(e.cli.nrx > l1);
    cr_assert_arr_eq(r, want1, l1);
    const char *want2 = "HTTP/1.1 404 Not Found\r\nServer: tessera\r\nContent-Type: text/plain\r\n"
                        "Content-Length: 10\r\nConnection: keep-alive\r\n\r\nNot Found\n";
    size_t l2 = strlen(want2);
    cr_assert_arr_eq(r + l1, want2, l2);
    /* HEAD: the same head as GET, no body. */
    size_t l3 = l1 - (sizeof BODY_A - 1);
    cr_assert_arr_eq(r + l1 + l2, want1, l3);
    const char *p4 = r + l1 + l2 + l3;
    const char *hdr_end = strstr(p4, "\r\n\r\n");
    cr_assert(hdr_end);
    cr_assert(strstr(p4, "Content-Length: 300000\r\n") &&
              strstr(p4, "Content-Length: 300000\r\n") < hdr_end);
    size_t off4 = (size_t)(hdr_end + 4 - r);
    cr_assert_eq(e.cli.nrx - off4, sizeof big);
    cr_assert_arr_eq(r + off4, big, sizeof big);
    cr_assert(!e.cli.rclosed, "keep-alive: the server keeps the connection open");
    const struct httpd_stats *st = httpd_stats(h);
    cr_assert_eq(st->requests, 4);
    cr_assert_eq(st->r200, 3);
    cr_assert_eq(st->r404, 1);
    stk_tcp_close(e.s[0], e.cli.id);
    run(&e, 1 * STK_SEC);
    cr_assert_eq(stk_tcp_conns(e.s[1]), 0, "server side freed after close");
    env_fini(&e);
    httpd_destroy(h);
}

Test(httpd, malformed_gets_400_and_close) {
    static const char *const bad[] = {"GARBAGE\r\n\r\n",
                                      "GET /a.html\r\n\r\n",
                                      "GET a.html HTTP/1.1\r\n\r\n",
                                      "GET /a.html HTTP/2.0\r\n\r\n",
                                      "get /a.html HTTP/1.1\r\n\r\n",
                                      "GET /a.html HTTP/1.1\r\nContent-Length: x\r\n\r\n"};
    for (unsigned k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        struct httpd *h = mk_httpd();
        struct sock_events ev = httpd_events();
        struct env e;
        env_init(&e, &ev, h);
        cr_assert_eq(httpd_start(h, sock_rtc_sock(e.rtc), 1, 80, 16), 0);
        connect_to(&e, 80);
        send_str(&e, bad[k]);
        run(&e, 1 * STK_SEC);
        const char *want = "HTTP/1.1 400 Bad Request\r\n";
        cr_assert(e.cli.nrx >= strlen(want), "case %u: no response", k);
        cr_assert_arr_eq(e.cli.rx, want, strlen(want), "case %u", k);
        cr_assert(strstr((const char *)e.cli.rx, "Connection: close\r\n"), "case %u", k);
        cr_assert(e.cli.rclosed, "case %u: server closes after 400", k);
        cr_assert_eq(httpd_stats(h)->r400, 1);
        env_fini(&e);
        httpd_destroy(h);
    }
}

Test(httpd, http10_closes_unless_keepalive) {
    struct httpd *h = mk_httpd();
    struct sock_events ev = httpd_events();
    struct env e;
    env_init(&e, &ev, h);
    cr_assert_eq(httpd_start(h, sock_rtc_sock(e.rtc), 1, 80, 16), 0);
    connect_to(&e, 80);
    send_str(&e, "GET /a.html HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    run(&e, 100 * STK_MS);
    cr_assert(strstr((const char *)e.cli.rx, "Connection: keep-alive\r\n"));
    cr_assert(!e.cli.rclosed);
    send_str(&e, "GET /a.html HTTP/1.0\r\n\r\n");
    run(&e, 100 * STK_MS);
    cr_assert(e.cli.rclosed, "HTTP/1.0 without keep-alive: closed after the response");
    env_fini(&e);
    httpd_destroy(h);
}

/* Runs the wire for dt in 10 ms steps, giving the server the time. */
static stk_time_t clock_at; /* the test's clock: the wire's stops when idle */
static void run_polled(struct env *e, struct httpd *h, stk_time_t dt) {
    if (clock_at < wire_now(e->w)) clock_at = wire_now(e->w);
    for (stk_time_t end = clock_at + dt; clock_at < end;) {
        clock_at += 10 * STK_MS;
        wire_run(e->w, clock_at);
        httpd_poll(h, clock_at);
    }
}

/* Issue 18 item 3: a client that never completes its request head
 * (slowloris), even one that keeps dripping bytes, is closed after the idle
 * timeout; so is an idle keep-alive connection; a connection with a
 * response in flight is not. */
Test(httpd, idle_timeout_closes_slowloris_and_idle_keepalive) {
    const char *partial = "GET /a.html HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n";
    for (int k = 0; k < 3; k++) {
        struct httpd *h = mk_httpd();
        httpd_set_idle_timeout(h, 200 * STK_MS);
        struct sock_events ev = httpd_events();
        struct env e;
        env_init(&e, &ev, h);
        cr_assert_eq(httpd_start(h, sock_rtc_sock(e.rtc), 1, 80, 16), 0);
        clock_at = 0;
        httpd_poll(h, wire_now(e.w));
        connect_to(&e, 80);
        if (k == 0) {
            send_str(&e, partial); /* then silence */
        } else if (k == 1) {
            for (const char *p = partial; *p; p++) { /* one byte every 20 ms */
                struct stk_sendv v = {p, 1, 0};
                if (e.cli.rclosed) break;
                cr_assert_eq(stk_tcp_send(e.s[0], e.cli.id, &v, 1), 0);
                run_polled(&e, h, 20 * STK_MS);
            }
        } else {
            send_str(&e, "GET /a.html HTTP/1.1\r\nHost: x\r\n\r\n");
            run_polled(&e, h, 100 * STK_MS);
            cr_assert(strstr((const char *)e.cli.rx, "200 OK"), "case %d", k);
            cr_assert(!e.cli.rclosed);
        }
        run_polled(&e, h, 400 * STK_MS);
        cr_assert(e.cli.rclosed, "case %d: closed after the idle timeout", k);
        cr_assert_eq(httpd_stats(h)->idle_closed, 1, "case %d", k);
        env_fini(&e);
        httpd_destroy(h);
    }
}

/* The big body takes longer than the idle timeout to send (the client reads
 * slowly): the response in flight keeps the connection. */
Test(httpd, idle_timeout_spares_a_response_in_flight) {
    struct httpd *h = mk_httpd();
    httpd_set_idle_timeout(h, 50 * STK_MS);
    struct sock_events ev = httpd_events();
    struct env e;
    env_init(&e, &ev, h);
    cr_assert_eq(httpd_start(h, sock_rtc_sock(e.rtc), 1, 80, 16), 0);
    clock_at = 0;
    httpd_poll(h, wire_now(e.w));
    connect_to(&e, 80);
    send_str(&e, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    run_polled(&e, h, 30 * STK_MS);
    cr_assert_eq(httpd_stats(h)->r200, 1);
    cr_assert_eq(httpd_stats(h)->idle_closed, 0);
    cr_assert(!e.cli.rclosed);
    env_fini(&e);
    httpd_destroy(h);
}

Test(echo, one_megabyte_round_trip) {
    struct echo_srv *es = echo_create();
    struct sock_events ev = echo_events();
    struct env e;
    env_init(&e, &ev, es);
    cr_assert_eq(echo_start(es, sock_rtc_sock(e.rtc), 1, 7, 16), 0);
    connect_to(&e, 7);
    static uint8_t buf[1 << 20];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 131 + (i >> 9));
    struct stk_sendv v = {buf, sizeof buf, 0};
    cr_assert_eq(stk_tcp_send(e.s[0], e.cli.id, &v, 1), 0);
    stk_tcp_shutdown(e.s[0], e.cli.id, STK_SHUT_WR);
    run(&e, 10 * STK_SEC);
    cr_assert_eq(e.cli.nrx, sizeof buf);
    cr_assert_arr_eq(e.cli.rx, buf, sizeof buf);
    cr_assert(e.cli.rclosed, "server closes after echoing everything");
    cr_assert_eq(echo_stats(es)->bytes, sizeof buf);
    env_fini(&e);
    echo_destroy(es);
}

Test(netpipe, size_schedule_matches_nptcp) {
    /* Normal mode (start 1, perturbation 3): facts/workloads.md. */
    static const uint64_t want[] = {1,  2,  3,  4,  6,  8,  12, 13, 16, 19, 21, 24,  27,  29,
                                    32, 35, 45, 48, 51, 61, 64, 67, 93, 96, 99, 125, 128, 131};
    struct netpipe_sizes s;
    netpipe_sizes_init(&s, 1, 3);
    for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert_eq(netpipe_sizes_next(&s), want[i], "size %u", i);
    /* Then 2^n-3, 2^n, 2^n+3, 1.5*2^n-3, 1.5*2^n, 1.5*2^n+3, ... */
    for (uint64_t c = 192; c <= (1u << 20); c = (c & (c - 1)) == 0 ? c * 3 / 2 : c * 4 / 3) {
        cr_assert_eq(netpipe_sizes_next(&s), c - 3);
        cr_assert_eq(netpipe_sizes_next(&s), c);
        cr_assert_eq(netpipe_sizes_next(&s), c + 3);
    }
    /* Integrity mode (-i: start 5, no perturbation): observed 5, 7, 9, 13, 17, 25, 33, 49. */
    static const uint64_t want_i[] = {5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129};
    netpipe_sizes_init(&s, 5, 0);
    for (unsigned i = 0; i < sizeof want_i / sizeof want_i[0]; i++)
        cr_assert_eq(netpipe_sizes_next(&s), want_i[i], "-i size %u", i);
}
