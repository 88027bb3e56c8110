/* workloads/httpc: the response parser. */
#include "workloads/httpc.h"

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
