/* workloads/httpc: the response parser alone, then the closed-loop client
 * against httpd (and fake servers on the socket layer) over the in-process
 * wire (wire_pair.h). */
#include "wire_pair.h"
#include "workloads/httpc.h"
#include "workloads/httpd.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- The parser ---- */

/* Feeds s (len bytes; 0: strlen) in pieces cut at cuts[0..ncuts) (ascending)
 * and returns the last result; *used: bytes consumed in all. */
static int feed_cut(struct httpc_resp *r, const char *s, size_t len, const size_t *cuts,
                    unsigned ncuts, size_t *used) {
    if (!len) len = strlen(s);
    size_t at = 0, total = 0;
    int rc = HTTPC_RESP_MORE;
    for (unsigned i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : len;
        size_t u = 0;
        rc = httpc_resp_feed(r, s + at, end - at, &u);
        cr_assert_leq(u, end - at);
        total += u;
        if (rc != HTTPC_RESP_MORE || u < end - at) break;
        at = end;
    }
    *used = total;
    return rc;
}

static int feed_all(struct httpc_resp *r, const char *s, size_t *used) {
    return feed_cut(r, s, 0, NULL, 0, used);
}

static const char OK_RESP[] = "HTTP/1.1 200 OK\r\nServer: tessera\r\nContent-Type: text/html\r\n"
                              "Content-Length: 12\r\nConnection: keep-alive\r\n\r\nhello world\n";
static const char OK_BODY[] = "hello world\n";

static void check_ok(const struct httpc_resp *r, int rc, size_t used, const char *how) {
    cr_assert_eq(rc, HTTPC_RESP_DONE, "%s", how);
    cr_assert_eq(used, sizeof OK_RESP - 1, "%s", how);
    cr_assert_eq(r->status, 200, "%s", how);
    cr_assert(r->keep_alive, "%s", how);
    cr_assert_eq(r->body_len, 12, "%s", how);
    cr_assert_eq(r->body_bytes, 12, "%s", how);
    cr_assert_eq(r->head_bytes, sizeof OK_RESP - 1 - 12, "%s", how);
    cr_assert(!r->mismatch, "%s", how);
}

/* A response split anywhere, in two and in three pieces, and byte by byte:
 * the same result, and bytes past the response are left alone. */
Test(httpc_parser, any_segmentation) {
    size_t n = sizeof OK_RESP - 1, used;
    struct httpc_resp r;
    char how[64];
    for (size_t i = 0; i <= n; i++) {
        for (size_t j = i; j <= n; j++) {
            size_t cuts[2] = {i, j};
            httpc_resp_init(&r, true, (const uint8_t *)OK_BODY, 12);
            snprintf(how, sizeof how, "cut at %zu and %zu", i, j);
            check_ok(&r, feed_cut(&r, OK_RESP, n, cuts, 2, &used), used, how);
        }
    }
    httpc_resp_init(&r, true, (const uint8_t *)OK_BODY, 12);
    size_t total = 0;
    int rc = HTTPC_RESP_MORE;
    for (size_t i = 0; i < n; i++) {
        size_t u;
        rc = httpc_resp_feed(&r, OK_RESP + i, 1, &u);
        total += u;
        cr_assert_eq(rc, i + 1 < n ? HTTPC_RESP_MORE : HTTPC_RESP_DONE, "byte %zu", i);
    }
    check_ok(&r, rc, total, "byte by byte");
    /* Two responses back to back: the first stops at its end. */
    char two[2 * sizeof OK_RESP];
    snprintf(two, sizeof two, "%s%s", OK_RESP, OK_RESP);
    httpc_resp_init(&r, true, (const uint8_t *)OK_BODY, 12);
    check_ok(&r, feed_all(&r, two, &used), used, "two responses");
    size_t u = 1;
    cr_assert_eq(httpc_resp_feed(&r, two + used, n, &u), HTTPC_RESP_DONE);
    cr_assert_eq(u, 0, "a complete response consumes nothing more");
}

/* Parses the whole of s (no verification); returns the result. */
static int parse(struct httpc_resp *r, const char *s) {
    size_t used;
    httpc_resp_init(r, false, NULL, 0);
    return feed_all(r, s, &used);
}

/* Field names without case; Connection: close honoured; HTTP/1.0 closes
 * unless keep-alive; bare LF line ends; 1xx heads skipped; 204 and 304
 * have no body whatever Content-Length says. */
Test(httpc_parser, fields_and_persistence) {
    static const struct {
        const char *resp;
        int status;
        bool keep_alive;
        uint64_t body_len;
        unsigned interim;
    } cases[] = {
        {"HTTP/1.1 200 OK\r\ncontent-LENGTH: 3\r\nCONNECTION: Close\r\n\r\nabc", 200, false, 3, 0},
        {"HTTP/1.1 200 OK\r\nConnection: x, close \r\nContent-Length: 0\r\n\r\n", 200, false, 0, 0},
        {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 200, false, 0, 0},
        {"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", 200, true, 0, 0},
        {"HTTP/1.1 404 Not Found\nContent-Length: 2\n\nno", 404, true, 2, 0},
        /* the same Content-Length twice is one (RFC 9112 6.3 allows it) */
        {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 200, true, 1, 0},
        {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n"
         "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
         200, true, 2, 2},
        {"HTTP/1.1 204 No Content\r\n\r\n", 204, true, 0, 0},
        {"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", 304, true, 0, 0},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct httpc_resp r;
        cr_assert_eq(parse(&r, cases[i].resp), HTTPC_RESP_DONE, "case %u", i);
        cr_assert_eq(r.status, cases[i].status, "case %u", i);
        cr_assert_eq(r.keep_alive, cases[i].keep_alive, "case %u", i);
        cr_assert_eq(r.body_len, cases[i].body_len, "case %u", i);
        cr_assert_eq(r.body_bytes, cases[i].body_len, "case %u", i);
        cr_assert_eq(r.interim, cases[i].interim, "case %u", i);
    }
    /* A long field we do not read is skipped past the line buffer. */
    static char longf[4096];
    int k = snprintf(longf, sizeof longf, "HTTP/1.1 200 OK\r\nX-Pad: ");
    memset(longf + k, 'a', 3000);
    snprintf(longf + k + 3000, sizeof longf - (size_t)k - 3000, "\r\nContent-Length: 1\r\n\r\nz");
    struct httpc_resp r;
    cr_assert_eq(parse(&r, longf), HTTPC_RESP_DONE);
    cr_assert_eq(r.body_len, 1);
    /* Bytes past the response are not its. */
    static const char more[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokMORE";
    size_t used;
    httpc_resp_init(&r, false, NULL, 0);
    cr_assert_eq(feed_all(&r, more, &used), HTTPC_RESP_DONE);
    cr_assert_eq(used, sizeof more - 1 - 4);
}

Test(httpc_parser, malformed) {
    static const char *const bad[] = {
        "HTTX/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 600 Huh\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 099 Huh\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\nbody until close",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\na",
        "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\na",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\na",
        "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\na",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX-A: 1\r\n 2\r\n\r\na",
        "HTTP/1.1 200 OK\r\nno colon\r\nContent-Length: 1\r\n\r\na",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\n\r\n",
        "\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct httpc_resp r;
        cr_assert_eq(parse(&r, bad[i]), HTTPC_RESP_ERR, "case %u", i);
        size_t u = 1;
        cr_assert_eq(httpc_resp_feed(&r, "x", 1, &u), HTTPC_RESP_ERR, "stays malformed");
    }
    /* A Content-Length line past the line buffer, and heads over 16 KiB. */
    static char big[HTTPC_HEAD_MAX + 512];
    int k = snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nContent-Length: ");
    memset(big + k, '0', 300);
    snprintf(big + k + 300, sizeof big - (size_t)k - 300, "1\r\n\r\na");
    struct httpc_resp r;
    cr_assert_eq(parse(&r, big), HTTPC_RESP_ERR, "a Content-Length line too long");
    k = snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\n");
    while ((size_t)k < HTTPC_HEAD_MAX) k += snprintf(big + k, sizeof big - (size_t)k, "X: y\r\n");
    snprintf(big + k, sizeof big - (size_t)k, "Content-Length: 0\r\n\r\n");
    cr_assert_eq(parse(&r, big), HTTPC_RESP_ERR, "a head over 16 KiB");
}

/* Verification: every byte and the length; only 2xx bodies; never reading
 * past the expected body (exact-size blocks: ASan would see it). */
Test(httpc_parser, verification) {
    uint8_t *flipped = malloc(12), *shorter = malloc(5), *longer = malloc(20);
    memcpy(flipped, OK_BODY, 12);
    flipped[11] ^= 1;
    memcpy(shorter, OK_BODY, 5);
    memcpy(longer, OK_BODY, 12);
    memset(longer + 12, 'x', 8);
    static const char NOT_FOUND[] =
        "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nNot Found\n";
    static const char EMPTY[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    const struct {
        const char *resp;
        bool verify;
        const uint8_t *expect;
        size_t len;
        bool mismatch;
    } cases[] = {
        {OK_RESP, true, (const uint8_t *)OK_BODY, 12, false},
        {OK_RESP, true, flipped, 12, true},  /* the last byte differs */
        {OK_RESP, false, shorter, 5, false}, /* not verifying */
        {OK_RESP, true, shorter, 5, true},
        {OK_RESP, true, longer, 20, true},
        {NOT_FOUND, true, shorter, 5, false}, /* a 404 body is not compared */
        {EMPTY, true, NULL, 0, false},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct httpc_resp r;
        size_t used;
        httpc_resp_init(&r, cases[i].verify, cases[i].expect, cases[i].len);
        cr_assert_eq(feed_all(&r, cases[i].resp, &used), HTTPC_RESP_DONE, "case %u", i);
        cr_assert_eq(r.mismatch, cases[i].mismatch, "case %u", i);
    }
    free(flipped);
    free(shorter);
    free(longer);
}

/* ---- The client over the wire ---- */

enum { F1B, F1K, F64K, F1M, NFILES };
static uint8_t body_1b[1], body_1k[1024], body_64k[65536], body_1m[1 << 20];

static void fill_bodies(void) {
    uint8_t *b[NFILES] = {body_1b, body_1k, body_64k, body_1m};
    size_t n[NFILES] = {sizeof body_1b, sizeof body_1k, sizeof body_64k, sizeof body_1m};
    for (unsigned f = 0; f < NFILES; f++)
        for (size_t i = 0; i < n[f]; i++) b[f][i] = (uint8_t)(i * 131 + (i >> 8) + f);
}

static const struct httpd_file FILES[NFILES] = {
    {"/1b", body_1b, sizeof body_1b, NULL},
    {"/1k", body_1k, sizeof body_1k, NULL},
    {"/64k", body_64k, sizeof body_64k, NULL},
    {"/1m", body_1m, sizeof body_1m, NULL},
};

/* What the record callback saw. */
struct seen {
    uint64_t n, body_bytes, bad_len, not_ok;
    uint64_t per_target[8], not_ok_per_target[8], status_per_target[8];
    uint64_t lat_min, lat_max, lat_sum;
};

struct tc {
    struct wire_pair p;
    struct httpd *h;
    struct httpc *c;
    const struct httpd_file *targets; /* the client's */
    unsigned client_max_conns;        /* the client stack's (0: default) */
    struct seen seen;
};

static uint64_t tc_now(void *ctx) { return wire_now(((struct tc *)ctx)->p.w); }

static void tc_record(void *ctx, const struct httpc_record *r) {
    struct tc *t = ctx;
    struct seen *s = &t->seen;
    cr_assert_lt(r->target, 8);
    s->n++;
    s->body_bytes += r->body_bytes;
    s->per_target[r->target]++;
    s->status_per_target[r->target] = (uint64_t)r->status;
    if (!r->body_ok) {
        s->not_ok++;
        s->not_ok_per_target[r->target]++;
    }
    if (r->status == 200 && r->body_ok && r->body_bytes != t->targets[r->target].len) s->bad_len++;
    cr_assert_gt(r->head_bytes, 0);
    if (!s->lat_min || r->latency_ps < s->lat_min) s->lat_min = r->latency_ps;
    if (r->latency_ps > s->lat_max) s->lat_max = r->latency_ps;
    s->lat_sum += r->latency_ps;
}

static struct httpc_config tc_config(struct tc *t, const struct httpd_file *targets, unsigned n,
                                     unsigned conns, uint64_t max, bool close) {
    t->targets = targets;
    return (struct httpc_config){.server_ip = WIRE_PAIR_SERVER_IP,
                                 .port = 80,
                                 .conns = conns,
                                 .targets = targets,
                                 .ntargets = n,
                                 .verify = true,
                                 .no_keepalive = close,
                                 .max_requests = max,
                                 .now = tc_now,
                                 .record = tc_record,
                                 .ctx = t};
}

/* The client (side 0) against `server` (side 1, socket-layer handlers
 * `sev` with context `sctx`), the wire's delay `delay`. */
static void tc_init(struct tc *t, const struct httpc_config *cfg, const struct sock_events *sev,
                    void *sctx, stk_time_t delay) {
    struct httpc_config c = *cfg;
    memset(&t->seen, 0, sizeof t->seen);
    t->c = httpc_create(&c, NULL);
    cr_assert(t->c);
    struct sock_events cev = httpc_events();
    struct wire_side sides[2] = {{.ev = &cev, .ctx = t->c, .max_conns = t->client_max_conns},
                                 {.ev = sev, .ctx = sctx}};
    wire_pair_init(&t->p, delay, sides);
}

/* httpd serving FILES on port 80 as the server. */
static void tc_init_httpd(struct tc *t, const struct httpc_config *cfg, stk_time_t delay) {
    fill_bodies();
    t->h = httpd_create(FILES, NFILES, NULL);
    cr_assert(t->h);
    struct sock_events sev = httpd_events();
    tc_init(t, cfg, &sev, t->h, delay);
    cr_assert_eq(httpd_start(t->h, wire_pair_sock(&t->p, 1), 1, 80, 64), 0);
}

static void tc_fini(struct tc *t) {
    wire_pair_fini(&t->p);
    httpc_destroy(t->c);
    httpd_destroy(t->h);
}

/* Runs the wire in 10 ms steps until the client is quiet (or `max`). The
 * steps are counted from the start: the wire's clock stands still while
 * nothing is due. */
static void run_until_quiet(struct tc *t, stk_time_t max) {
    stk_time_t at = wire_now(t->p.w), end = at + max;
    while (at < end && !httpc_quiet(t->c)) {
        at += 10 * STK_MS;
        wire_run(t->p.w, at);
    }
}

/* httpd and the client over a wire of `delay`: started, run until quiet
 * (at most 60 s). */
static const struct httpc_stats *tc_run(struct tc *t, const struct httpd_file *targets, unsigned n,
                                        unsigned conns, uint64_t max, bool close,
                                        stk_time_t delay) {
    struct httpc_config cfg = tc_config(t, targets, n, conns, max, close);
    tc_init_httpd(t, &cfg, delay);
    cr_assert_eq(httpc_start(t->c, wire_pair_sock(&t->p, 0)), 0);
    run_until_quiet(t, 60 * STK_SEC);
    return httpc_stats(t->c);
}

static void assert_no_errors(const struct httpc_stats *st) {
    cr_assert_eq(st->connect_failed, 0);
    cr_assert_eq(st->closed_mid_response, 0);
    cr_assert_eq(st->malformed, 0);
    cr_assert_eq(st->body_mismatch, 0);
    cr_assert_eq(st->send_failed, 0);
    cr_assert_eq(st->no_memory, 0);
}

/* Files of 1 B, 1 KB, 64 KB and 1 MB, every byte compared, with keep-alive
 * (one connection per slot for the whole run) and without (one connection
 * per request, the request saying Connection: close). */
static void fetch_all_sizes(bool close) {
    struct tc t = {0};
    const struct httpc_stats *st = tc_run(&t, FILES, NFILES, 4, 40, close, 10 * STK_US);
    cr_assert_eq(httpc_start(t.c, wire_pair_sock(&t.p, 0)), -1, "started once");
    cr_assert(httpc_quiet(t.c));
    cr_assert_eq(st->requests, 40);
    cr_assert_eq(st->responses, 40);
    cr_assert_eq(st->responses_ok, 40);
    cr_assert_eq(st->s2xx, 40);
    assert_no_errors(st);
    cr_assert_eq(t.seen.n, 40);
    cr_assert_eq(t.seen.bad_len, 0);
    cr_assert_eq(t.seen.not_ok, 0);
    cr_assert_eq(t.seen.body_bytes, st->body_bytes);
    for (unsigned f = 0; f < NFILES; f++) cr_assert_gt(t.seen.per_target[f], 0, "file %u", f);
    cr_assert_eq(st->conns_opened, close ? 40 : 4);
    cr_assert_eq(st->conns_closed, st->conns_opened);
    cr_assert_eq(st->connects, st->conns_opened);
    const struct httpd_stats *hs = httpd_stats(t.h);
    cr_assert_eq(hs->requests, 40);
    cr_assert_eq(hs->r200, 40);
    cr_assert_eq(hs->conns, st->conns_opened);
    cr_assert_eq(hs->body_bytes, st->body_bytes);
    tc_fini(&t);
}

Test(httpc, fetches_byte_exact_with_keepalive) { fetch_all_sizes(false); }
Test(httpc, fetches_byte_exact_with_close) { fetch_all_sizes(true); }

/* Each slot takes the targets round-robin from its own index. */
Test(httpc, round_robin_per_slot) {
    struct tc t = {0};
    tc_run(&t, FILES, 2, 1, 5, false, 10 * STK_US);
    cr_assert_eq(t.seen.per_target[0], 3);
    cr_assert_eq(t.seen.per_target[1], 2);
    tc_fini(&t);
}

/* A path the server does not have: 404, counted as 4xx, the body not
 * compared, the connection kept. */
Test(httpc, not_found_is_counted_as_4xx) {
    static const struct httpd_file targets[2] = {{"/1k", body_1k, sizeof body_1k, NULL},
                                                 {"/missing", NULL, 0, NULL}};
    struct tc t = {0};
    const struct httpc_stats *st = tc_run(&t, targets, 2, 2, 10, false, 10 * STK_US);
    cr_assert_eq(st->responses, 10);
    cr_assert_eq(st->s4xx, 5);
    cr_assert_eq(st->s2xx, 5);
    cr_assert_eq(st->responses_ok, 5);
    cr_assert_eq(t.seen.status_per_target[1], 404);
    assert_no_errors(st);
    cr_assert_eq(st->conns_opened, 2);
    cr_assert_eq(httpd_stats(t.h)->r404, 5);
    tc_fini(&t);
}

/* Expected bodies that differ from the served ones (a flipped byte, shorter,
 * longer): every such response is a mismatch; the right one is not. */
Test(httpc, corrupted_expected_body_is_a_mismatch) {
    fill_bodies();
    static uint8_t flipped[sizeof body_64k];
    memcpy(flipped, body_64k, sizeof flipped);
    flipped[40000] ^= 0x10;
    uint8_t *longer = malloc(2); /* exact size: ASan catches a read past it */
    longer[0] = body_1b[0];
    longer[1] = 0;
    struct httpd_file targets[4] = {{"/64k", flipped, sizeof flipped, NULL},
                                    {"/1k", body_1k, 1000, NULL},
                                    {"/1b", longer, 2, NULL},
                                    {"/1m", body_1m, sizeof body_1m, NULL}};
    struct tc t = {0};
    const struct httpc_stats *st = tc_run(&t, targets, 4, 4, 24, false, 10 * STK_US);
    cr_assert_eq(st->responses, 24);
    uint64_t bad = t.seen.per_target[0] + t.seen.per_target[1] + t.seen.per_target[2];
    cr_assert_gt(t.seen.per_target[0] * t.seen.per_target[1] * t.seen.per_target[2], 0);
    cr_assert_eq(st->body_mismatch, bad);
    cr_assert_eq(t.seen.not_ok, bad);
    cr_assert_eq(t.seen.not_ok_per_target[3], 0);
    cr_assert_eq(st->responses_ok, t.seen.per_target[3]);
    cr_assert_eq(st->s2xx, 24);
    tc_fini(&t);
    free(longer);
}

/* The limit: exactly that many requests, then quiet (keep-alive and close,
 * a limit that does not divide among the slots). */
Test(httpc, request_limit_is_exact) {
    for (int close = 0; close < 2; close++) {
        struct tc t = {0};
        tc_run(&t, FILES, 2, 8, 37, close, 10 * STK_US);
        cr_assert(httpc_quiet(t.c));
        wire_pair_run(&t.p, 1 * STK_SEC);
        const struct httpc_stats *st = httpc_stats(t.c);
        cr_assert_eq(st->requests, 37, "close %d", close);
        cr_assert_eq(st->responses_ok, 37);
        cr_assert_eq(httpd_stats(t.h)->requests, 37);
        cr_assert_eq(st->conns_opened, close ? 37 : 8);
        cr_assert_eq(stk_tcp_conns(t.p.s[0]), 0, "every client connection gone");
        tc_fini(&t);
    }
}

/* Latencies: positive and following the wire's delay; with close, the
 * handshake is not in them. */
Test(httpc, latency_follows_the_wire_delay) {
    static const stk_time_t delays[] = {10 * STK_US, 100 * STK_US, 1 * STK_MS};
    for (int close = 0; close < 2; close++) {
        for (unsigned i = 0; i < 3; i++) {
            struct tc t = {0};
            tc_run(&t, FILES + F1K, 1, 1, 20, close, delays[i]);
            cr_assert_eq(t.seen.n, 20);
            /* The wire has no bandwidth and the stacks take no time: one
             * round trip exactly, for every request. */
            cr_assert_eq(t.seen.lat_min, 2 * delays[i], "delay %u: min %llu", i,
                         (unsigned long long)t.seen.lat_min);
            cr_assert_eq(t.seen.lat_max, 2 * delays[i], "delay %u: max %llu", i,
                         (unsigned long long)t.seen.lat_max);
            tc_fini(&t);
        }
    }
    /* To the last byte: 1 MB takes several round trips (slow start). */
    struct tc t = {0};
    tc_run(&t, FILES + F1M, 1, 1, 3, false, 100 * STK_US);
    cr_assert_eq(t.seen.n, 3);
    cr_assert_gt(t.seen.lat_min, 4 * 200 * STK_US, "%llu", (unsigned long long)t.seen.lat_min);
    tc_fini(&t);
}

/* Nobody listens: every connect fails (RST), is counted and retried; stop
 * ends it. */
Test(httpc, connect_failures_are_counted) {
    struct tc t = {0};
    struct httpc_config cfg = tc_config(&t, FILES, 1, 2, 0, false);
    tc_init(&t, &cfg, NULL, NULL, 10 * STK_US);
    httpc_start(t.c, wire_pair_sock(&t.p, 0));
    wire_pair_run(&t.p, 5 * STK_MS);
    const struct httpc_stats *st = httpc_stats(t.c);
    cr_assert_gt(st->connect_failed, 10);
    cr_assert_eq(st->requests, 0);
    cr_assert(!httpc_quiet(t.c));
    httpc_stop(t.c);
    httpc_poll(t.c);
    run_until_quiet(&t, 1 * STK_SEC);
    cr_assert(httpc_quiet(t.c));
    uint64_t failed = st->connect_failed;
    wire_pair_run(&t.p, 100 * STK_MS);
    cr_assert_eq(st->connect_failed, failed, "no more attempts once stopped");
    tc_fini(&t);
}

/* More slots than the client's stack has connections: the connects it
 * refuses are counted and retried as connections go away, and the limit
 * is still reached exactly. */
Test(httpc, refused_connects_are_retried) {
    for (int close = 0; close < 2; close++) {
        struct tc t = {.client_max_conns = 2};
        struct httpc_config cfg = tc_config(&t, FILES, 2, 4, 20, close);
        tc_init_httpd(&t, &cfg, 10 * STK_US);
        httpc_start(t.c, wire_pair_sock(&t.p, 0));
        const struct httpc_stats *st = httpc_stats(t.c);
        cr_assert_eq(st->connect_failed, 2, "close %d", close);
        run_until_quiet(&t, 10 * STK_SEC);
        cr_assert(httpc_quiet(t.c), "close %d", close);
        cr_assert_eq(st->requests, 20);
        cr_assert_eq(st->responses_ok, 20);
        cr_assert_eq(t.seen.n, 20);
        tc_fini(&t);
    }
}

/* Stop: no new request, the outstanding ones finish, then quiet. */
Test(httpc, stop_lets_outstanding_responses_finish) {
    struct tc t = {0};
    struct httpc_config cfg = tc_config(&t, FILES + F64K, 1, 4, 0, false);
    tc_init_httpd(&t, &cfg, 10 * STK_US);
    httpc_start(t.c, wire_pair_sock(&t.p, 0));
    wire_pair_run(&t.p, 20 * STK_MS);
    const struct httpc_stats *st = httpc_stats(t.c);
    cr_assert_gt(st->responses, 4);
    cr_assert(!httpc_quiet(t.c));
    httpc_stop(t.c);
    uint64_t sent = st->requests;
    run_until_quiet(&t, 1 * STK_SEC);
    cr_assert(httpc_quiet(t.c));
    cr_assert_eq(st->requests, sent);
    cr_assert_eq(st->responses, sent);
    cr_assert_eq(st->responses_ok, sent);
    assert_no_errors(st);
    cr_assert_eq(st->conns_closed, 4);
    tc_fini(&t);
}

/* Stopped before any connection is up: each is closed once it is, no
 * request is sent. */
Test(httpc, stop_before_connected) {
    struct tc t = {0};
    struct httpc_config cfg = tc_config(&t, FILES, 1, 3, 0, false);
    tc_init_httpd(&t, &cfg, 10 * STK_US);
    httpc_start(t.c, wire_pair_sock(&t.p, 0));
    httpc_stop(t.c);
    cr_assert(!httpc_quiet(t.c), "connects in flight");
    run_until_quiet(&t, 1 * STK_SEC);
    cr_assert(httpc_quiet(t.c));
    const struct httpc_stats *st = httpc_stats(t.c);
    cr_assert_eq(st->requests, 0);
    cr_assert_eq(st->conns_opened, 3);
    cr_assert_eq(st->conns_closed, 3);
    cr_assert_eq(httpd_stats(t.h)->requests, 0);
    tc_fini(&t);
}

/* ---- Fake servers on the socket layer ---- */

enum fake_mode { FAKE_CUT_FIRST, FAKE_CLOSE_EACH, FAKE_GARBAGE_FIRST, FAKE_EXTRA_FIRST, FAKE_DRIP };

static const char FAKE_HEAD[] = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
static const char FAKE_HEAD_CLOSE[] =
    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1000\r\n\r\n";
static const char FAKE_DRIP_RESP[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 20\r\n\r\n0123456789abcdefghij";
static uint8_t fake_body[1000];

struct fake {
    struct sock *k;
    enum fake_mode mode;
    unsigned conns, requests;
    unsigned match;  /* bytes of "\r\n\r\n" seen in a row */
    size_t drip_at;  /* FAKE_DRIP: bytes of the response sent */
    char first[128]; /* the start of the first request */
    size_t nfirst;
};

static void fake_send(struct fake *f, struct sock_id id, const void *p, size_t n) {
    struct sock_sendbuf v = {p, n, 0};
    cr_assert_eq(sock_send(f->k, id, &v, 1), 0);
}

static void fake_respond(struct fake *f, struct sock_id id) {
    bool first = f->requests == 1;
    switch (f->mode) {
    case FAKE_CLOSE_EACH:
        fake_send(f, id, FAKE_HEAD_CLOSE, sizeof FAKE_HEAD_CLOSE - 1);
        fake_send(f, id, fake_body, sizeof fake_body);
        sock_close(f->k, id);
        return;
    case FAKE_DRIP:
        f->drip_at = 1;
        fake_send(f, id, FAKE_DRIP_RESP, 1);
        return;
    case FAKE_GARBAGE_FIRST:
        if (first) {
            fake_send(f, id, "HTTX/1.1 200 OK\r\n\r\n", 19);
            return;
        }
        break;
    default: break;
    }
    fake_send(f, id, FAKE_HEAD, sizeof FAKE_HEAD - 1);
    if (f->mode == FAKE_CUT_FIRST && first) {
        fake_send(f, id, fake_body, 100);
        sock_close(f->k, id);
        return;
    }
    fake_send(f, id, fake_body, sizeof fake_body);
    if (f->mode == FAKE_EXTRA_FIRST && first) fake_send(f, id, "EXTRA", 5);
}

static void fake_new_conn(void *ctx, struct sock_id id, uint64_t lid, bool active, int status) {
    struct fake *f = ctx;
    cr_assert(!active);
    cr_assert_eq(status, 0);
    f->conns++;
    f->match = 0;
    cr_assert_eq(sock_accept(f->k, id, lid), 0);
}

static void fake_new_data(void *ctx, struct sock_id id, const struct sock_buf *b, unsigned n) {
    struct fake *f = ctx;
    size_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        const char *p = b[i].ptr;
        for (size_t j = 0; j < b[i].len; j++) {
            if (!f->requests && f->nfirst < sizeof f->first - 1) f->first[f->nfirst++] = p[j];
            f->match = p[j] == "\r\n\r\n"[f->match] ? f->match + 1 : p[j] == '\r';
            if (f->match == 4) {
                f->match = 0;
                f->requests++;
                fake_respond(f, id);
            }
        }
        total += b[i].len;
    }
    sock_recv_done(f->k, id, total);
}

static void fake_acked(void *ctx, struct sock_id id, uint64_t count) {
    struct fake *f = ctx;
    (void)count;
    if (f->mode == FAKE_DRIP && f->drip_at && f->drip_at < sizeof FAKE_DRIP_RESP - 1)
        fake_send(f, id, FAKE_DRIP_RESP + f->drip_at++, 1);
}

static void fake_rclosed(void *ctx, struct sock_id id) {
    struct fake *f = ctx;
    sock_close(f->k, id);
}

static void fake_cleanup(void *ctx, struct sock_id id) {
    (void)ctx;
    (void)id;
}

/* What a run against a fake server must count. */
struct want {
    uint64_t requests, responses, ok, mid_response, malformed, opened;
};

/* The client (C = 1, `max` requests of a 1000-byte body; FAKE_DRIP: the
 * 20-byte one) against a fake server in `mode`, until quiet; checks the
 * counts (the others must be 0). */
static void fake_run(struct tc *t, struct fake *f, enum fake_mode mode, uint64_t max, bool close,
                     struct want w) {
    static const struct httpd_file targets[2] = {
        {"/fake", fake_body, sizeof fake_body, NULL},
        {"/drip", (const uint8_t *)FAKE_DRIP_RESP + sizeof FAKE_DRIP_RESP - 21, 20, NULL}};
    for (size_t i = 0; i < sizeof fake_body; i++) fake_body[i] = (uint8_t)(i * 7 + 1);
    memset(f, 0, sizeof *f);
    f->mode = mode;
    struct httpc_config cfg = tc_config(t, targets + (mode == FAKE_DRIP), 1, 1, max, close);
    struct sock_events sev = {fake_new_conn, fake_new_data, fake_acked, fake_rclosed, fake_cleanup};
    tc_init(t, &cfg, &sev, f, 10 * STK_US);
    f->k = wire_pair_sock(&t->p, 1);
    cr_assert_eq(sock_listen(f->k, 1, 80, 16), 0);
    httpc_start(t->c, wire_pair_sock(&t->p, 0));
    run_until_quiet(t, 60 * STK_SEC);
    cr_assert(httpc_quiet(t->c));
    const struct httpc_stats *st = httpc_stats(t->c);
    cr_assert_eq(st->requests, w.requests, "mode %d", mode);
    cr_assert_eq(st->responses, w.responses, "mode %d", mode);
    cr_assert_eq(st->responses_ok, w.ok, "mode %d", mode);
    cr_assert_eq(st->closed_mid_response, w.mid_response, "mode %d", mode);
    cr_assert_eq(st->malformed, w.malformed, "mode %d", mode);
    cr_assert_eq(st->conns_opened, w.opened, "mode %d", mode);
    cr_assert_eq(f->conns, w.opened, "mode %d", mode);
    cr_assert_eq(st->conns_closed, w.opened, "mode %d", mode);
    cr_assert_eq(st->connect_failed + st->body_mismatch + st->send_failed + st->no_memory, 0);
}

/* The server closes in the middle of the first response: counted, the
 * client opens a new connection and goes on. */
Test(httpc, server_closing_mid_response_is_counted_and_survived) {
    struct tc t = {0};
    struct fake f;
    fake_run(&t, &f, FAKE_CUT_FIRST, 5, false, (struct want){5, 4, 4, 1, 0, 2});
    cr_assert_eq(httpc_stats(t.c)->rx_bytes,
                 4 * (sizeof FAKE_HEAD - 1 + 1000) + sizeof FAKE_HEAD - 1 + 100);
    tc_fini(&t);
}

/* Connection: close from the server is honoured (one connection per
 * response, no error) by a keep-alive client; a client without keep-alive
 * says so in its requests. */
Test(httpc, connection_close_both_ways) {
    for (int close = 0; close < 2; close++) {
        struct tc t = {0};
        struct fake f;
        fake_run(&t, &f, FAKE_CLOSE_EACH, 4, close, (struct want){4, 4, 4, 0, 0, 4});
        cr_assert_str_eq(f.first, close ? "GET /fake HTTP/1.1\r\nHost: 10.0.0.2\r\n"
                                          "Connection: close\r\n\r\n"
                                        : "GET /fake HTTP/1.1\r\nHost: 10.0.0.2\r\n\r\n");
        tc_fini(&t);
    }
}

/* A malformed response, and bytes past a response's end (that response
 * was complete): counted, the connection closed, the next one works. */
Test(httpc, malformed_responses_are_counted_and_survived) {
    struct tc t = {0};
    struct fake f;
    fake_run(&t, &f, FAKE_GARBAGE_FIRST, 3, false, (struct want){3, 2, 2, 0, 1, 2});
    tc_fini(&t);
    fake_run(&t, &f, FAKE_EXTRA_FIRST, 3, false, (struct want){3, 3, 3, 0, 1, 2});
    tc_fini(&t);
}

/* A response arriving one byte per segment. */
Test(httpc, response_one_byte_per_segment) {
    struct tc t = {0};
    struct fake f;
    fake_run(&t, &f, FAKE_DRIP, 2, false, (struct want){2, 2, 2, 0, 0, 1});
    cr_assert_eq(httpc_stats(t.c)->rx_bytes, 2 * (sizeof FAKE_DRIP_RESP - 1));
    tc_fini(&t);
}

Test(httpc, unusable_configurations_are_refused) {
    struct tc t = {0};
    struct httpc_config cfg = tc_config(&t, FILES, NFILES, 1, 0, false);
    struct httpc *good = httpc_create(&cfg, NULL);
    cr_assert(good);
    httpc_destroy(good);
    struct httpc_config bad = cfg;
    bad.conns = 0;
    cr_assert_null(httpc_create(&bad, NULL));
    bad = cfg;
    bad.ntargets = 0;
    cr_assert_null(httpc_create(&bad, NULL));
    bad = cfg;
    bad.port = 0;
    cr_assert_null(httpc_create(&bad, NULL));
    static const struct httpd_file paths[3] = {
        {"no-slash", NULL, 0, NULL}, {"/a b", NULL, 0, NULL}, {"/a\r\nX: y", NULL, 0, NULL}};
    for (unsigned i = 0; i < 3; i++) {
        bad = cfg;
        bad.targets = paths + i;
        bad.ntargets = 1;
        cr_assert_null(httpc_create(&bad, NULL), "path %u", i);
    }
    static const struct httpd_file no_data = {"/x", NULL, 5, NULL};
    bad = cfg;
    bad.targets = &no_data;
    bad.ntargets = 1;
    cr_assert_null(httpc_create(&bad, NULL), "a length without data");
}
