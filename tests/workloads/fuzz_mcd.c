/* libFuzzer target for the memcached server (workloads/mcd.h) and its store.
 * The first input byte picks how the rest is cut into pieces; the rest is
 * the byte stream of one connection. The server runs twice on a fake
 * transport, each time over a fresh small store (three 8 KiB pages, so
 * eviction, out-of-memory and too-large paths run): once given the stream in one
 * piece, once in pieces (each split again into two segments), every reply
 * acknowledged at once; then remote close and cleanup. The two runs must
 * send the same bytes (a line that spans segments is parsed like one that
 * does not), "STAT" lines aside (counters such as total_items depend on
 * whether an incr could write in place, i.e. on when replies were
 * acknowledged), unless a line grew past the limit without an end (then
 * the cut matters, as in memcached) or the store evicted or ran out of
 * memory (items being sent are held until acknowledged, so what can be
 * evicted depends on when replies were acknowledged); the server must never send after closing,
 * and every send reference must be non-empty. Leaks, bad frees and
 * out-of-bounds accesses are reported by the sanitizers.
 * Run: fuzz_mcd -max_total_time=600 tests/workloads/corpus_mcd */
#include "workloads/mcd.h"

#include <stdlib.h>
#include <string.h>

static void check(bool ok) {
    if (!ok) abort();
}

struct fake {
    uint8_t *out;
    size_t nout, cap;
    uint64_t recv_done;
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
    struct fake *f = t;
    (void)id;
    f->recv_done += n;
    return 0;
}
static int f_send(void *t, struct sock_id id, const struct sock_sendbuf *v, unsigned n) {
    struct fake *f = t;
    (void)id;
    check(!f->closed);
    for (unsigned i = 0; i < n; i++) {
        check(v[i].ptr != NULL && v[i].len > 0);
        if (f->nout + v[i].len > f->cap) {
            f->cap = (f->nout + v[i].len) * 2;
            f->out = realloc(f->out, f->cap);
            check(f->out != NULL);
        }
        memcpy(f->out + f->nout, v[i].ptr, v[i].len);
        f->nout += v[i].len;
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

/* One run; returns the bytes sent (*n), and whether a line ran too long
 * or the store was short of memory (*timing: the replies may depend on
 * when they were acknowledged). */
static uint8_t *server_run(const uint8_t *d, size_t n, size_t piece, size_t *nout, bool *timing) {
    struct mcd_store_config sc = {.hashpower = 6, .mem_bytes = 3 * 8192, .page_size = 8192};
    struct mcd_store *s = mcd_store_create(&sc, NULL);
    check(s != NULL);
    struct mcd *m = mcd_create(s, NULL);
    check(m != NULL);
    mcd_set_time(m, 1000);
    struct fake f = {NULL, 0, 0, 0, false};
    struct sock k = {&fake_ops, &f};
    struct sock_events ev = mcd_events();
    check(mcd_start(m, &k, 1, 11211, 16) == 0);
    struct sock_id id = {0, 7};
    uint64_t acked = 0, given = 0;
    ev.new_conn(m, id, 1, false, 0);
    for (size_t off = 0; off < n && !f.closed;) {
        size_t len = n - off < piece ? n - off : piece;
        struct sock_buf b[2] = {{d + off, len / 2}, {d + off + len / 2, len - len / 2}};
        ev.new_data(m, id, b, 2);
        given += len;
        off += len;
        while (f.nout > acked && !f.closed) {
            uint64_t a = f.nout - acked;
            acked = f.nout;
            ev.data_acked(m, id, a);
        }
        check(f.recv_done <= given);
    }
    if (!f.closed) ev.remote_closed(m, id);
    while (f.nout > acked) {
        uint64_t a = f.nout - acked;
        acked = f.nout;
        ev.data_acked(m, id, a);
    }
    ev.cleanup(m, id);
    struct mcd_store_stats ss;
    mcd_store_stats(s, &ss);
    *timing = mcd_stats(m)->lines_too_long || ss.evictions || ss.alloc_failures;
    mcd_destroy(m);
    mcd_store_destroy(s);
    *nout = f.nout;
    return f.out;
}

/* Drops "STAT ...\r\n" lines in place; returns the new length. */
static size_t drop_stats(uint8_t *p, size_t n) {
    size_t w = 0;
    for (size_t r = 0; r < n;) {
        uint8_t *e = memchr(p + r, '\n', n - r);
        size_t len = e ? (size_t)(e - (p + r)) + 1 : n - r;
        bool stat = (r == 0 || p[r - 1] == '\n') && len >= 5 && !memcmp(p + r, "STAT ", 5);
        if (!stat) memmove(p + w, p + r, len), w += len;
        r += len;
    }
    return w;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    size_t piece = 1u + data[0] * 37u; /* 1 .. 9436 bytes per new_data */
    size_t n1, n2;
    bool long1, long2;
    uint8_t *a = server_run(data + 1, size - 1, size, &n1, &long1);
    uint8_t *b = server_run(data + 1, size - 1, piece, &n2, &long2);
    if (!long1 && !long2) {
        n1 = a ? drop_stats(a, n1) : 0;
        n2 = b ? drop_stats(b, n2) : 0;
        check(n1 == n2 && (n1 == 0 || memcmp(a, b, n1) == 0));
    }
    free(a);
    free(b);
    return 0;
}
