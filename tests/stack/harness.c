#include "harness.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

uint64_t h_rng_next(struct h_rng *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint32_t h_ip(unsigned i) { return 0x0a000001u + i; }
void h_mac(unsigned i, uint8_t mac[6]) {
    uint8_t m[6] = {0x02, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)(i + 1)};
    memcpy(mac, m, 6);
}

static uint64_t port_rng(void *ctx, unsigned port) {
    struct h_net *h = ctx;
    return h_rng_next(&h->port_rng[port]);
}
static uint32_t isn_rng(void *ctx) { return (uint32_t)h_rng_next(ctx); }

void h_net_init(struct h_net *h, unsigned n, const struct wire_config *wc, uint64_t seed,
                void (*tweak)(struct stk_config *c, unsigned i)) {
    h_net_init_ids(h, n, NULL, wc, seed, tweak);
}

void h_net_init_ids(struct h_net *h, unsigned n, const unsigned *ids, const struct wire_config *wc,
                    uint64_t seed, void (*tweak)(struct stk_config *c, unsigned i)) {
    memset(h, 0, sizeof *h);
    for (unsigned i = 0; i < n; i++) h->id[i] = ids ? ids[i] : i;
    struct wire_config c = *wc;
    c.rng = port_rng;
    c.rng_ctx = h;
    h->w = wire_create(&c);
    cr_assert(h->w);
    h->n = n;
    for (unsigned i = 0; i < n; i++) {
        unsigned id = h->id[i];
        h->port_rng[i].s = seed * 1000003u + id;
        h->isn_rng[i].s = seed * 7919u + 100 + id;
        struct stk_driver d;
        unsigned p = wire_add_port(h->w, &d, isn_rng, &h->isn_rng[i]);
        cr_assert_eq(p, i);
        struct stk_config sc;
        stk_config_default(&sc);
        h_mac(id, sc.mac);
        sc.ip = h_ip(id);
        sc.arp_static_only = true;
        sc.rto_min = 5 * STK_MS;
        sc.rto_initial = 20 * STK_MS;
        sc.time_wait = 100 * STK_MS;
        if (tweak) tweak(&sc, id);
        char err[128];
        h->s[i] = stk_create(&sc, &d, NULL, 0, err, sizeof err);
        cr_assert(h->s[i], "%s", err);
        wire_bind(h->w, i, h->s[i]);
    }
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < n; j++)
            if (i != j) {
                uint8_t m[6];
                h_mac(h->id[j], m);
                stk_arp_add_static(h->s[i], h_ip(h->id[j]), m);
            }
}

void h_net_fini(struct h_net *h) {
    for (unsigned i = 0; i < h->n; i++) stk_destroy(h->s[i]);
    wire_destroy(h->w);
}

const uint8_t *h_pattern(void) {
    /* Built once per process, read-only afterwards (test code, not stack/). */
    static uint8_t *p;
    if (!p) {
        p = malloc(H_PATTERN_LEN);
        struct h_rng r = {12345};
        for (size_t i = 0; i < H_PATTERN_LEN; i += 8) {
            uint64_t v = h_rng_next(&r);
            memcpy(p + i, &v, 8);
        }
    }
    return p;
}

static uint64_t pat_off(uint64_t idx) { return (idx * 7919u) % 65536u; }

static void x_new_conn(void *ctx, struct sock_id id, uint64_t lid, bool active, int status) {
    struct h_xfer_app *a = ctx;
    uint32_t slot = id.idx & 0xffff;
    cr_assert(id.net < 2 && slot < 1024);
    if (!active) {
        cr_assert_eq(sock_accept(a->sock, id, lid), 0);
        struct h_rx *r = &a->rx[id.net][slot];
        cr_assert(!r->used, "slot reused before cleanup");
        memset(r, 0, sizeof *r);
        r->used = true;
        return;
    }
    if (status < 0) {
        a->errors++;
        return;
    }
    /* Source: the cookie is the transfer index. */
    uint64_t idx = lid;
    uint64_t size = a->size_of(a->size_ctx, idx);
    struct h_tx *t = &a->tx[id.net][slot];
    cr_assert(!t->used);
    memset(t, 0, sizeof *t);
    t->used = true;
    memcpy(t->hdr, &idx, 8);
    memcpy(t->hdr + 8, &size, 8);
    t->total = 16 + size;
    /* Several scatter/gather elements, all referencing shared memory. */
    struct sock_sendbuf v[4];
    unsigned n = 0;
    v[n++] = (struct sock_sendbuf){t->hdr, 16, 0};
    uint64_t half = size / 2;
    if (half) v[n++] = (struct sock_sendbuf){a->pattern + pat_off(idx), half, SOCK_SEND_MORE};
    if (size - half)
        v[n++] = (struct sock_sendbuf){a->pattern + pat_off(idx) + half, size - half, 0};
    cr_assert_eq(sock_send(a->sock, id, v, n), 0);
    cr_assert_eq(sock_shutdown(a->sock, id, SOCK_SHUT_WR), 0);
}

static void x_new_data(void *ctx, struct sock_id id, const struct sock_buf *b, unsigned n) {
    struct h_xfer_app *a = ctx;
    struct h_rx *r = &a->rx[id.net][id.idx & 0xffff];
    cr_assert(r->used);
    size_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *p = b[i].ptr;
        size_t len = b[i].len;
        total += len;
        while (len && r->hdr_got < 16) {
            r->hdr[r->hdr_got++] = *p++;
            len--;
            if (r->hdr_got == 16) {
                memcpy(&r->idx, r->hdr, 8);
                memcpy(&r->size, r->hdr + 8, 8);
            }
        }
        if (!len) continue;
        if (r->got + len > r->size) {
            a->errors++;
            cr_assert_fail("transfer %llu: %llu bytes beyond size %llu", (unsigned long long)r->idx,
                           (unsigned long long)(r->got + len), (unsigned long long)r->size);
        }
        if (memcmp(p, a->pattern + pat_off(r->idx) + r->got, len) != 0) {
            a->errors++;
            cr_assert_fail("transfer %llu: corrupt data at %llu", (unsigned long long)r->idx,
                           (unsigned long long)r->got);
        }
        r->got += len;
        a->bytes_verified += len;
    }
    cr_assert_eq(sock_recv_done(a->sock, id, total), 0);
}

static void x_data_acked(void *ctx, struct sock_id id, uint64_t count) {
    struct h_xfer_app *a = ctx;
    struct h_tx *t = &a->tx[id.net][id.idx & 0xffff];
    cr_assert(t->used);
    t->acked += count;
    cr_assert(t->acked <= t->total);
    if (t->acked == t->total) sock_close(a->sock, id);
}

static void x_remote_closed(void *ctx, struct sock_id id) {
    struct h_xfer_app *a = ctx;
    struct h_rx *r = &a->rx[id.net][id.idx & 0xffff];
    if (!r->used) return; /* the source side: the sink closed after us */
    cr_assert_eq(r->hdr_got, 16, "transfer closed before its header");
    cr_assert_eq(r->got, r->size, "transfer %llu: got %llu of %llu", (unsigned long long)r->idx,
                 (unsigned long long)r->got, (unsigned long long)r->size);
    r->closed = true;
    a->completed++;
    sock_close(a->sock, id);
}

static void x_cleanup(void *ctx, struct sock_id id) {
    struct h_xfer_app *a = ctx;
    uint32_t slot = id.idx & 0xffff;
    a->cleanups++;
    if (a->tx[id.net][slot].used) {
        cr_assert_eq(a->tx[id.net][slot].acked, a->tx[id.net][slot].total);
        a->tx[id.net][slot].used = false;
        a->active--;
        h_xfer_fill(a);
    }
    if (a->rx[id.net][slot].used) {
        cr_assert(a->rx[id.net][slot].closed,
                  "sink connection cleaned up before the transfer completed");
        a->rx[id.net][slot].used = false;
    }
}

struct sock_events h_xfer_events(void) {
    return (struct sock_events){x_new_conn, x_new_data, x_data_acked, x_remote_closed, x_cleanup};
}

void h_xfer_fill(struct h_xfer_app *a) {
    while (a->active < a->concurrency && a->next_idx < a->limit) {
        cr_assert_eq(sock_connect(a->sock, a->next_idx, a->dst_ip, a->dst_port), 0);
        a->next_idx++;
        a->active++;
        a->started++;
    }
}
