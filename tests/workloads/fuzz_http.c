/* libFuzzer target for the HTTP server's request handling (issue 18).
 * The first input byte picks how the rest is cut into pieces; then:
 *   1. httpd_parse_request on the whole input: its invariants (the head
 *      lies inside the input and the limit, the path is decoded in place and
 *      NUL-free, errors are 400/431/501, MORE only below the limit);
 *   2. httpd_chunked_feed: fed whole and fed in pieces, it must consume the
 *      same bytes and agree on the outcome;
 *   3. the whole server (httpd_events) on a fake transport: one connection
 *      gets the input in pieces, every response is acknowledged at once,
 *      the server's clock moves; then remote close and cleanup. Leaks, bad
 *      frees and out-of-bounds accesses are reported by the sanitizers.
 * Run: fuzz_http_request -max_total_time=600 tests/workloads/corpus_http */
#include "workloads/httpd.h"

#include <stdlib.h>
#include <string.h>

static void check(bool ok) {
    if (!ok) abort();
}

struct fake {
    uint64_t sent;
    bool closed;
};
static int f_listen(void *t, uint64_t lid, uint16_t port, unsigned backlog) {
    (void)t, (void)lid, (void)port, (void)backlog;
    return 0;
}
static int f_accept(void *t, struct sock_id id, uint64_t lid) {
    (void)t, (void)id, (void)lid;
    return 0;
}
static int f_connect(void *t, uint64_t c, uint32_t ip, uint16_t port) {
    (void)t, (void)c, (void)ip, (void)port;
    return -1;
}
static int f_recv_done(void *t, struct sock_id id, size_t n) {
    (void)t, (void)id, (void)n;
    return 0;
}
static int f_send(void *t, struct sock_id id, const struct sock_sendbuf *v, unsigned n) {
    struct fake *f = t;
    (void)id;
    check(!f->closed);
    for (unsigned i = 0; i < n; i++) {
        check(v[i].ptr != NULL && v[i].len > 0);
        f->sent += v[i].len;
    }
    return 0;
}
static int f_shutdown(void *t, struct sock_id id, int fl) {
    (void)t, (void)id, (void)fl;
    return 0;
}
static int f_close(void *t, struct sock_id id) {
    struct fake *f = t;
    (void)id;
    check(!f->closed);
    f->closed = true;
    return 0;
}
static const struct sock_ops fake_ops = {f_listen, f_accept,   f_connect, f_recv_done,
                                         f_send,   f_shutdown, f_close};

static void parse_invariants(const char *d, size_t n) {
    static char path[HTTPD_HEAD_MAX]; /* test code: one buffer per process */
    struct httpd_req r;
    int rc = httpd_parse_request(d, n, HTTPD_HEAD_MAX, &r, path);
    if (rc == HTTPD_REQ_MORE) {
        check(n < HTTPD_HEAD_MAX);
    } else if (rc == HTTPD_REQ_ERR) {
        check(r.status == 400 || r.status == 431 || r.status == 501);
    } else {
        check(rc == HTTPD_REQ_OK);
        check(r.head_len > 0 && r.head_len <= n && r.head_len <= HTTPD_HEAD_MAX);
        check(r.method >= d && r.method + r.method_len <= d + r.head_len);
        check(r.path == path && r.path_len < HTTPD_HEAD_MAX && r.path[0] == '/');
        check(strlen(r.path) == r.path_len);
        check(!(r.chunked && r.has_content_length));
    }
}

static void chunked_invariants(const char *d, size_t n, size_t cut) {
    struct httpd_chunked a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    long whole = httpd_chunked_feed(&a, d, n);
    check(whole >= -1 && whole <= (long)n);
    if (cut > n) cut = n;
    long p1 = httpd_chunked_feed(&b, d, cut), p2 = 0;
    if (p1 >= 0 && (size_t)p1 == cut && !httpd_chunked_done(&b))
        p2 = httpd_chunked_feed(&b, d + cut, n - cut);
    if (whole < 0) {
        check(p1 < 0 || p2 < 0);
    } else {
        check(p1 >= 0 && p2 >= 0 && p1 + p2 == whole);
        check(httpd_chunked_done(&a) == httpd_chunked_done(&b));
    }
}

static void server_run(const uint8_t *d, size_t n, unsigned piece) {
    static const uint8_t body[] = "hello\n";
    struct httpd_file files[2] = {{"/a.html", body, sizeof body - 1, "text/html"},
                                  {"/k b", body, 3, NULL}};
    struct httpd *h = httpd_create(files, 2, NULL);
    struct fake f = {0, false};
    struct sock k = {&fake_ops, &f};
    struct sock_events ev = httpd_events();
    check(httpd_start(h, &k, 1, 80, 16) == 0);
    httpd_set_idle_timeout(h, 1000);
    struct sock_id id = {0, 7};
    uint64_t now = 1, acked = 0;
    httpd_poll(h, now);
    ev.new_conn(h, id, 1, false, 0);
    for (size_t off = 0; off < n && !f.closed;) {
        size_t len = n - off < piece ? n - off : piece;
        struct sock_buf b[2] = {{d + off, len / 2}, {d + off + len / 2, len - len / 2}};
        ev.new_data(h, id, b, 2);
        off += len;
        if (f.sent > acked) {
            ev.data_acked(h, id, f.sent - acked);
            acked = f.sent;
        }
        httpd_poll(h, now += 100);
    }
    if (!f.closed) ev.remote_closed(h, id);
    ev.cleanup(h, id);
    const struct httpd_stats *st = httpd_stats(h);
    check(st->r200 + st->r400 + st->r404 + st->r431 + st->r501 <= st->requests);
    httpd_destroy(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    unsigned piece = 1u + data[0] * 37u; /* 1 .. 9436 bytes per new_data */
    const char *d = (const char *)data + 1;
    size_t n = size - 1;
    parse_invariants(d, n);
    chunked_invariants(d, n, data[0] * 5u);
    server_run(data + 1, n, piece);
    return 0;
}
