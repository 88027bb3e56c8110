/* The memcached store (workloads/mcd_store.h) through its API, and the
 * server (workloads/mcd.h) over the in-process wire: clients on the stack
 * API (side 0), the server on the socket layer (side 1). Replies are
 * checked byte for byte against what Debian's memcached 1.6.18 answers to
 * the same bytes (measured; docs/memcached.md). */
#include "stack/stk.h"
#include "wire_pair.h"
#include "workloads/mcd.h"
#include "workloads/mcd_store.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the store through its API ---- */

static struct mcd_store *small_store(size_t pages, size_t page) {
    struct mcd_store_config c = {.hashpower = 8, .mem_bytes = pages * page, .page_size = page};
    struct mcd_store *s = mcd_store_create(&c, NULL);
    cr_assert(s);
    mcd_store_set_time(s, 1000);
    return s;
}

static struct mcd_item *put(struct mcd_store *s, const char *key, const char *val, int64_t exp) {
    enum mcd_alloc_err err;
    struct mcd_item *it = mcd_item_alloc(s, key, strlen(key), 7, exp, (uint32_t)strlen(val), &err);
    if (!it) return NULL;
    memcpy(mcd_item_value(it), val, strlen(val));
    memcpy(mcd_item_value(it) + strlen(val), "\r\n", 2);
    cr_assert_eq(mcd_item_store(s, it, MCD_SET, 0), MCD_STORED);
    return it; /* still referenced */
}

static void set(struct mcd_store *s, const char *key, const char *val, int64_t exp) {
    struct mcd_item *it = put(s, key, val, exp);
    cr_assert(it, "stored %s", key);
    mcd_item_release(s, it);
}

static bool has(struct mcd_store *s, const char *key, const char *val) {
    struct mcd_item *it = mcd_item_get(s, key, strlen(key), false, 0);
    if (!it) return false;
    bool ok = !val || (it->nbytes == strlen(val) && !memcmp(mcd_item_value(it), val, it->nbytes));
    mcd_item_release(s, it);
    return ok;
}

Test(mcd_store, hash_is_murmur3_x86_32) {
    /* reference values of MurmurHash3_x86_32 with seed 0 */
    cr_assert_eq(mcd_hash("", 0), 0u);
    cr_assert_eq(mcd_hash("hello", 5), 0x248bfa47u);
    cr_assert_eq(mcd_hash("The quick brown fox jumps over the lazy dog", 43), 0x2e4ff723u);
}

Test(mcd_store, preload_memory) {
    /* 1 M USR records at hashpower 20: the figure docs/memcached.md gives */
    struct mcd_store_config c = {.hashpower = 20, .mem_bytes = (size_t)120 << 20};
    struct mcd_store *s = mcd_store_create(&c, NULL);
    cr_assert(s);
    mcd_store_set_time(s, 1000);
    cr_assert_eq(mcd_store_chunk_size(s, 19, 2), 112);
    size_t need = mcd_store_preload_bytes(s, 1000000, 19, 2);
    cr_assert_eq(need, ((size_t)107 << 20) + ((size_t)8 << 20), "%zu", need);
    cr_assert_eq(mcd_store_preload(s, 1000000, 19, 2), 1000000);
    struct mcd_store_stats st;
    mcd_store_stats(s, &st);
    cr_assert_eq(st.curr_items, 1000000);
    cr_assert_eq(st.pages_used, 107);
    cr_assert_eq(st.evictions, 0);
    cr_assert(has(s, "0000000000000000000", "00"));
    cr_assert(has(s, "0000000000000012345", "45"));
    cr_assert(has(s, "0000000000000999999", "99"));
    cr_assert(!has(s, "0000000000001000000", NULL));
    char k[19];
    mcd_record_key(k, 42, 19);
    cr_assert_arr_eq(k, "0000000000000000042", 19);
    mcd_store_destroy(s);
}

Test(mcd_store, preload_stops_without_evicting) {
    struct mcd_store *s = small_store(2, 65536);
    uint64_t n = mcd_store_preload(s, 100000, 19, 2);
    /* 112-byte chunks: 585 per 64 KiB page, two pages */
    cr_assert_eq(n, 2 * (65536 / 112), "%llu", (unsigned long long)n);
    struct mcd_store_stats st;
    mcd_store_stats(s, &st);
    cr_assert_eq(st.evictions, 0);
    mcd_store_destroy(s);
}

Test(mcd_store, lru_eviction_in_small_memory) {
    struct mcd_store *s = small_store(1, 65536);
    char key[32], val[100];
    memset(val, 'v', sizeof val - 1);
    val[sizeof val - 1] = 0;
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof key, "key%d", i);
        set(s, key, val, 0);
    }
    struct mcd_store_stats st;
    mcd_store_stats(s, &st);
    cr_assert_gt(st.evictions, 1000);
    cr_assert_eq(st.curr_items + st.evictions, 2000);
    cr_assert(has(s, "key1999", val), "the newest item stays");
    cr_assert(!has(s, "key0", NULL), "the oldest went");
    /* a fetched item gets a second chance */
    cr_assert(has(s, "key1700", NULL));
    for (int i = 2000; i < 2000 + (int)st.curr_items - 10; i++) {
        snprintf(key, sizeof key, "key%d", i);
        set(s, key, val, 0);
    }
    cr_assert(has(s, "key1700", NULL), "fetched: moved to the head instead of evicted");
    cr_assert(!has(s, "key1701", NULL));
    mcd_store_destroy(s);
}

Test(mcd_store, tx_hold_keeps_bytes_until_released) {
    struct mcd_store *s = small_store(1, 65536);
    char val[100];
    memset(val, 'A', sizeof val - 1);
    val[sizeof val - 1] = 0;
    set(s, "held", val, 0);
    struct mcd_item *it = mcd_item_get(s, "held", 4, false, 0);
    cr_assert(it);
    mcd_item_hold_tx(s, it); /* queued on a connection */
    mcd_item_release(s, it);
    const char *bytes = mcd_item_value(it);
    /* replaced, then the memory churned many times over */
    char newval[100];
    memset(newval, 'C', sizeof newval - 1);
    newval[sizeof newval - 1] = 0;
    set(s, "held", newval, 0);
    cr_assert(has(s, "held", newval));
    char key[32], other[100];
    memset(other, 'B', sizeof other - 1);
    other[sizeof other - 1] = 0;
    for (int i = 0; i < 3000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        set(s, key, other, 0);
    }
    cr_assert_arr_eq(bytes, val, sizeof val - 1, "held bytes intact");
    cr_assert_arr_eq(bytes + sizeof val - 1, "\r\n", 2);
    mcd_item_release_tx(s, it); /* acknowledged: the chunk is free again */
    for (int i = 3000; i < 6000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        set(s, key, other, 0);
    }
    cr_assert_neq(memcmp(bytes, val, sizeof val - 1), 0, "the chunk was reused after release");
    mcd_store_destroy(s);
}

Test(mcd_store, all_held_gives_out_of_memory) {
    struct mcd_store *s = small_store(1, 65536);
    char key[32], val[100];
    memset(val, 'v', sizeof val - 1);
    val[sizeof val - 1] = 0;
    struct mcd_item *held[1000];
    int n = 0;
    for (;; n++) {
        cr_assert_lt(n, 1000);
        snprintf(key, sizeof key, "key%d", n);
        held[n] = put(s, key, val, 0);
        if (!held[n]) break;
        mcd_item_hold_tx(s, held[n]);
        mcd_item_release(s, held[n]);
    }
    cr_assert_gt(n, 300);
    enum mcd_alloc_err err;
    cr_assert_null(mcd_item_alloc(s, "x", 1, 0, 0, 99, &err));
    cr_assert_eq(err, MCD_ALLOC_NOMEM);
    cr_assert_null(mcd_item_alloc(s, "x", 1, 0, 0, 70000, &err));
    cr_assert_eq(err, MCD_ALLOC_TOO_LARGE);
    for (int i = 0; i < n; i++) mcd_item_release_tx(s, held[i]);
    set(s, "x", val, 0);
    mcd_store_destroy(s);
}

Test(mcd_store, cas_expiry_flush_delta) {
    struct mcd_store *s = small_store(4, 65536);
    set(s, "a", "1", 0);
    struct mcd_item *it = mcd_item_get(s, "a", 1, false, 0);
    uint64_t cas = it->cas;
    mcd_item_release(s, it);
    enum mcd_alloc_err err;
    struct mcd_item *n = mcd_item_alloc(s, "a", 1, 0, 0, 1, &err);
    memcpy(mcd_item_value(n), "2\r\n", 3);
    cr_assert_eq(mcd_item_store(s, n, MCD_CAS, cas + 1), MCD_EXISTS);
    cr_assert_eq(mcd_item_store(s, n, MCD_CAS, cas), MCD_STORED);
    mcd_item_release(s, n);
    cr_assert(has(s, "a", "2"));
    /* expiry: relative, absolute, negative */
    set(s, "r", "x", 10);
    set(s, "abs", "x", 1000 + MCD_REALTIME_MAXDELTA + 100);
    set(s, "neg", "x", -1);
    cr_assert(has(s, "r", NULL) && has(s, "abs", NULL));
    cr_assert(!has(s, "neg", NULL));
    mcd_store_set_time(s, 1009);
    cr_assert(has(s, "r", NULL));
    mcd_store_set_time(s, 1010);
    cr_assert(!has(s, "r", NULL));
    cr_assert(mcd_item_touch(s, "abs", 3, 5));
    mcd_store_set_time(s, 1015);
    cr_assert(!has(s, "abs", NULL));
    /* flush_all with a delay, then now */
    set(s, "f", "x", 0);
    mcd_store_flush(s, 10);
    mcd_store_set_time(s, 1023);
    cr_assert(has(s, "f", NULL));
    mcd_store_set_time(s, 1024);
    cr_assert(!has(s, "f", NULL));
    set(s, "g", "x", 0);
    mcd_store_flush(s, 0);
    cr_assert(!has(s, "g", NULL));
    set(s, "g", "y", 0);
    cr_assert(has(s, "g", "y"), "stored after the flush in the same second");
    /* incr/decr */
    uint64_t v;
    set(s, "n", "18446744073709551615", 0);
    cr_assert_eq(mcd_item_delta(s, "n", 1, true, 2, &v), MCD_DELTA_OK);
    cr_assert_eq(v, 1);
    cr_assert(has(s, "n", "1                   "), "shorter: in place, space-padded");
    cr_assert_eq(mcd_item_delta(s, "n", 1, false, 5, &v), MCD_DELTA_OK);
    cr_assert_eq(v, 0);
    set(s, "n", "99", 0);
    cr_assert_eq(mcd_item_delta(s, "n", 1, true, 1, &v), MCD_DELTA_OK);
    cr_assert(has(s, "n", "100"), "longer: a new item");
    /* shorter while the old value is being sent: a new item, padded the same */
    set(s, "n", "100", 0);
    struct mcd_item *sent = mcd_item_get_tx(s, "n", 1, false, 0);
    cr_assert_eq(mcd_item_delta(s, "n", 1, false, 1, &v), MCD_DELTA_OK);
    cr_assert(has(s, "n", "99 "));
    cr_assert_arr_eq(mcd_item_value(sent), "100\r\n", 5, "the bytes in flight untouched");
    mcd_item_release_tx(s, sent);
    set(s, "t", "12a", 0);
    cr_assert_eq(mcd_item_delta(s, "t", 1, true, 1, &v), MCD_DELTA_NON_NUMERIC);
    cr_assert_eq(mcd_item_delta(s, "zz", 2, true, 1, &v), MCD_DELTA_NOT_FOUND);
    /* an absolute exptime in the past (the clock at a real unix time) */
    mcd_store_set_time(s, 1700000000);
    set(s, "past", "x", 1600000000);
    set(s, "future", "x", 1700000100);
    cr_assert(!has(s, "past", NULL));
    cr_assert(has(s, "future", NULL));
    mcd_store_destroy(s);
}

/* Lock objects of 40 bytes (as struct tile_lock): taking one twice (a
 * self-deadlock on a real spin lock) or holding two item locks at once
 * fails the test. */
struct lockcount {
    unsigned locks, unlocks, inits, held, max_held;
    char *cache_lock;
};
struct lk40 {
    uint64_t word, pad[4];
};
static void lk(void *ctx, void *p) {
    struct lockcount *c = ctx;
    struct lk40 *l = p;
    cr_assert_eq(l->word, 0, "a lock taken twice");
    l->word = 1;
    c->locks++;
    if ((char *)p != c->cache_lock && ++c->held > c->max_held) c->max_held = c->held;
}
static void ulk(void *ctx, void *p) {
    struct lockcount *c = ctx;
    struct lk40 *l = p;
    cr_assert_eq(l->word, 1);
    l->word = 0;
    c->unlocks++;
    if ((char *)p != c->cache_lock) c->held--;
}
static void ilk(void *ctx, void *p) {
    struct lockcount *c = ctx;
    c->inits++;
    c->cache_lock = p; /* the last one initialised is the LRU lock */
}

Test(mcd_store, lock_ops_balanced) {
    struct lockcount lc = {0};
    struct mcd_lock_ops ops = {lk, ulk, ilk, sizeof(struct lk40), &lc};
    struct mcd_store_config c = {
        .hashpower = 8, .lock_power = 4, .mem_bytes = 4 * 65536, .page_size = 65536, .locks = &ops};
    struct mcd_store *s = mcd_store_create(&c, NULL);
    cr_assert(s);
    cr_assert_eq(lc.inits, 17, "16 item locks and the LRU lock");
    mcd_store_set_time(s, 1000);
    char key[32], val[100];
    memset(val, 'v', sizeof val - 1);
    val[sizeof val - 1] = 0;
    uint64_t v;
    for (int i = 0; i < 1500; i++) {
        snprintf(key, sizeof key, "key%d", i);
        set(s, key, val, 0);
        has(s, key, NULL);
        /* the paths that allocate a second item for a key */
        enum mcd_alloc_err err;
        struct mcd_item *it = mcd_item_alloc(s, key, strlen(key), 0, 0, 1, &err);
        cr_assert(it);
        memcpy(mcd_item_value(it), "1\r\n", 3);
        cr_assert_eq(mcd_item_store(s, it, MCD_APPEND, 0), MCD_STORED);
        mcd_item_release(s, it);
        snprintf(key, sizeof key, "n%d", i);
        set(s, key, "9", 0);
        cr_assert_eq(mcd_item_delta(s, key, strlen(key), true, 1, &v), MCD_DELTA_OK);
        cr_assert_eq(v, 10);
    }
    struct mcd_store_stats st;
    mcd_store_stats(s, &st);
    cr_assert_gt(st.evictions, 500);
    cr_assert_eq(lc.locks, lc.unlocks);
    cr_assert_eq(lc.held, 0);
    cr_assert_eq(lc.max_held, 1, "one item lock at a time");
    mcd_store_destroy(s);
}

/* ---- the server over the wire ---- */

#define NCLI 4
struct cli {
    struct stk *s;
    uint32_t id;
    bool up, rclosed;
    char *rx;
    size_t nrx, cap;
    bool no_read;
    size_t held;
};

struct env {
    struct wire_pair p;
    struct cli cli[NCLI];
    struct mcd_store *store;
    struct mcd *m;
};

static struct cli *cli_of(struct env *e, uint32_t id) {
    for (int i = 0; i < NCLI; i++)
        if (e->cli[i].up && e->cli[i].id == id) return &e->cli[i];
    return NULL;
}

static void c_new_conn(void *ctx, uint32_t id, uint64_t tag, bool active, int status) {
    struct env *e = ctx;
    cr_assert(active);
    cr_assert_eq(status, 0);
    e->cli[tag].id = id;
    e->cli[tag].up = true;
}
static void c_new_data(void *ctx, uint32_t id, const struct stk_iov *v, unsigned n) {
    struct cli *c = cli_of(ctx, id);
    cr_assert(c);
    size_t t = 0;
    for (unsigned i = 0; i < n; i++) {
        if (c->nrx + v[i].len + 1 > c->cap) {
            c->cap = (c->nrx + v[i].len + 1) * 2;
            c->rx = realloc(c->rx, c->cap);
        }
        memcpy(c->rx + c->nrx, v[i].base, v[i].len);
        c->nrx += v[i].len;
        c->rx[c->nrx] = 0;
        t += v[i].len;
    }
    if (c->no_read)
        c->held += t;
    else
        stk_tcp_recv_done(c->s, id, t);
}
static void c_acked(void *ctx, uint32_t id, uint64_t n) {
    (void)ctx;
    (void)id;
    (void)n;
}
static void c_rclosed(void *ctx, uint32_t id) {
    struct cli *c = cli_of(ctx, id);
    if (c) c->rclosed = true;
}
static void c_cleanup(void *ctx, uint32_t id) {
    (void)ctx;
    (void)id;
}

static void env_init_store(struct env *e, struct mcd_store *store) {
    memset(e, 0, sizeof *e);
    e->store = store;
    e->m = mcd_create(e->store, NULL);
    cr_assert(e->m);
    mcd_set_time(e->m, 1000);
    struct stk_app a = {c_new_conn, c_new_data, c_acked, c_rclosed, c_cleanup, e};
    struct sock_events ev = mcd_events();
    struct wire_side sides[2] = {{.app = &a}, {.ev = &ev, .ctx = e->m}};
    wire_pair_init(&e->p, 10 * STK_US, sides);
    for (int i = 0; i < NCLI; i++) e->cli[i].s = e->p.s[0];
    cr_assert_eq(mcd_start(e->m, wire_pair_sock(&e->p, 1), 1, 11211, 16), 0);
}

static void env_init(struct env *e) {
    struct mcd_store_config c = {.hashpower = 10, .mem_bytes = (size_t)8 << 20};
    struct mcd_store *s = mcd_store_create(&c, NULL);
    cr_assert(s);
    env_init_store(e, s);
}

static void env_fini(struct env *e) {
    wire_pair_fini(&e->p);
    mcd_destroy(e->m);
    mcd_store_destroy(e->store);
    for (int i = 0; i < NCLI; i++) free(e->cli[i].rx);
}

static void run(struct env *e, stk_time_t dt) { wire_pair_run(&e->p, dt); }

static struct cli *connect_cli(struct env *e, int i) {
    cr_assert_eq(stk_tcp_connect(e->p.s[0], WIRE_PAIR_SERVER_IP, 11211, (uint64_t)i, NULL), 0);
    run(e, 10 * STK_MS);
    cr_assert(e->cli[i].up);
    return &e->cli[i];
}

static void send_bytes(struct env *e, struct cli *c, const char *p, size_t n) {
    struct stk_sendv v = {p, n, 0};
    cr_assert_eq(stk_tcp_send(e->p.s[0], c->id, &v, 1), 0);
}
static void send_str(struct env *e, struct cli *c, const char *s) {
    send_bytes(e, c, s, strlen(s));
}

/* Sends req, runs, and checks that exactly want came back (then clears). */
static void expect(struct env *e, struct cli *c, const char *req, const char *want) {
    send_str(e, c, req);
    run(e, 50 * STK_MS);
    cr_assert_eq(c->nrx, strlen(want), "request %s\ngot  (%zu) [%s]\nwant (%zu) [%s]", req, c->nrx,
                 c->rx ? c->rx : "", strlen(want), want);
    cr_assert_arr_eq(c->rx, want, c->nrx, "request %s\ngot  [%s]\nwant [%s]", req, c->rx, want);
    c->nrx = 0;
}

Test(mcd, storage_and_retrieval) {
    struct env e;
    env_init(&e);
    struct cli *c = connect_cli(&e, 0);
    expect(&e, c, "set a 0 0 1\r\nx\r\nget a b\r\n", "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n");
    expect(&e, c, "set b 5 0 3\r\nabc\r\nget a b c\r\n",
           "STORED\r\nVALUE a 0 1\r\nx\r\nVALUE b 5 3\r\nabc\r\nEND\r\n");
    expect(&e, c, "gets a\r\n", "VALUE a 0 1 1\r\nx\r\nEND\r\n");
    expect(&e, c, "add a 0 0 1\r\nq\r\nadd n 0 0 1\r\nq\r\n", "NOT_STORED\r\nSTORED\r\n");
    expect(&e, c, "replace zz 0 0 1\r\nq\r\nreplace n 0 0 2\r\nqq\r\nget n\r\n",
           "NOT_STORED\r\nSTORED\r\nVALUE n 0 2\r\nqq\r\nEND\r\n");
    expect(
        &e, c,
        "append zz 0 0 1\r\nx\r\nprepend zz 0 0 1\r\nx\r\nset a 5 0 1\r\nm\r\n"
        "append a 9 0 2\r\nAB\r\nprepend a 0 0 1\r\nP\r\nget a\r\n",
        "NOT_STORED\r\nNOT_STORED\r\nSTORED\r\nSTORED\r\nSTORED\r\nVALUE a 5 4\r\nPmAB\r\nEND\r\n");
    /* cas: ids come from one counter: a=1 b=2 n=3,4 a=5,6,7 */
    expect(&e, c, "gets a\r\n", "VALUE a 5 4 7\r\nPmAB\r\nEND\r\n");
    expect(&e, c, "cas a 0 0 1 6\r\nz\r\ncas zz 0 0 1 1\r\nz\r\ncas a 0 0 1 7\r\nz\r\ngets a\r\n",
           "EXISTS\r\nNOT_FOUND\r\nSTORED\r\nVALUE a 0 1 8\r\nz\r\nEND\r\n");
    expect(&e, c, "set f 4294967296 0 1\r\nx\r\nget f\r\nset f 4294967295 0 1\r\nx\r\nget f\r\n",
           "STORED\r\nVALUE f 0 1\r\nx\r\nEND\r\nSTORED\r\nVALUE f 4294967295 1\r\nx\r\nEND\r\n");
    expect(&e, c, "set e 0 0 0\r\n\r\nget e\r\n", "STORED\r\nVALUE e 0 0\r\n\r\nEND\r\n");
    expect(&e, c, "set a 0 0 1 bogus\r\nx\r\nset a 0 0 1 \r\ny\r\nget  a\r\n",
           "STORED\r\nSTORED\r\nVALUE a 0 1\r\ny\r\nEND\r\n");
    /* bare LF ends command lines; data blocks need CRLF */
    expect(&e, c, "get a\nset b 0 0 1\nx\nget b\n",
           "VALUE a 0 1\r\ny\r\nEND\r\nCLIENT_ERROR bad data chunk\r\nERROR\r\n");
    cr_assert(!c->rclosed);
    env_fini(&e);
}

Test(mcd, errors_as_memcached) {
    struct env e;
    env_init(&e);
    struct cli *c = connect_cli(&e, 0);
    char k251[252], line[400];
    memset(k251, 'k', 251);
    k251[251] = 0;
    expect(&e, c, "set a 0 0 1\r\nx\r\n", "STORED\r\n");
    expect(&e, c, "set a 0 0 1\r\nxy\r\nget a\r\n",
           "CLIENT_ERROR bad data chunk\r\nERROR\r\nVALUE a 0 1\r\nx\r\nEND\r\n");
    expect(&e, c, "set a 0 0 1 noreply\r\nxy\r\nget a\r\n", "ERROR\r\nVALUE a 0 1\r\nx\r\nEND\r\n");
    expect(&e, c, "set a 0 0\r\n", "ERROR\r\n");
    expect(&e, c, "set a 0 0 -1\r\n", "CLIENT_ERROR bad command line format\r\n");
    expect(&e, c, "set a abc 0 1\r\nx\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\n");
    expect(&e, c, "set a 0 abc 1 noreply\r\nx\r\n", "ERROR\r\n");
    expect(&e, c, "set a -1 0 1\r\nx\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\n");
    snprintf(line, sizeof line, "set %s 0 0 1\r\nx\r\n", k251);
    expect(&e, c, line, "CLIENT_ERROR bad command line format\r\nERROR\r\n");
    snprintf(line, sizeof line, "get a %s a\r\n", k251);
    expect(&e, c, line, "CLIENT_ERROR bad command line format\r\n");
    expect(&e, c, "get\r\n", "ERROR\r\n");
    expect(&e, c, "gets\r\n", "ERROR\r\n");
    expect(&e, c, "bogus\r\n", "ERROR\r\n");
    expect(&e, c, "GET a\r\n", "ERROR\r\n");
    expect(&e, c, "\r\n", "ERROR\r\n");
    expect(&e, c, "\r\r\n", "ERROR\r\n");
    expect(&e, c, "set a 0 0 1 2 3 4 5\r\nx\r\n", "ERROR\r\nERROR\r\n");
    expect(&e, c, "cas a 0 0 1\r\nz\r\n", "ERROR\r\nERROR\r\n");
    expect(&e, c, "cas a 0 0 1 abc\r\nx\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\n");
    expect(&e, c, "mg a v\r\n", "ERROR\r\n");
    cr_assert(!c->rclosed);
    const struct mcd_stats *st = mcd_stats(e.m);
    cr_assert_eq(st->bad_data_chunks, 2);
    cr_assert_gt(st->errors, 10);
    env_fini(&e);
}

Test(mcd, too_large_is_swallowed) {
    struct env e;
    env_init(&e);
    struct cli *c = connect_cli(&e, 0);
    expect(&e, c, "set a 0 0 1\r\nx\r\n", "STORED\r\n");
    size_t n = 2000000;
    char *big = malloc(n + 64);
    int h = sprintf(big, "set a 0 0 %zu\r\n", n);
    memset(big + h, 'z', n);
    memcpy(big + h + n, "\r\nget a\r\n", 9);
    send_bytes(&e, c, big, (size_t)h + n + 9);
    run(&e, 2 * STK_SEC);
    const char *want = "SERVER_ERROR object too large for cache\r\nEND\r\n";
    cr_assert_str_eq(c->rx, want, "a failed set also drops the old value, as memcached does");
    c->nrx = 0;
    /* the largest value that fits: 1 MiB item less header, key, "\r\n" */
    size_t vmax = mcd_store_value_max(e.store, 1);
    cr_assert_eq(vmax, 1048576 - 62 - 1 - 2);
    h = sprintf(big, "set b 0 0 %zu\r\n", vmax);
    memset(big + h, 'y', vmax);
    memcpy(big + h + vmax, "\r\n", 2);
    send_bytes(&e, c, big, (size_t)h + vmax + 2);
    run(&e, 2 * STK_SEC);
    cr_assert_str_eq(c->rx, "STORED\r\n");
    c->nrx = 0;
    send_str(&e, c, "get b\r\n");
    run(&e, 2 * STK_SEC);
    int hl = sprintf(big, "VALUE b 0 %zu\r\n", vmax);
    cr_assert_eq(c->nrx, (size_t)hl + vmax + 7);
    cr_assert_arr_eq(c->rx, big, (size_t)hl);
    for (size_t i = 0; i < vmax; i++)
        if (c->rx[hl + i] != 'y') cr_assert_fail("value byte %zu", i);
    cr_assert_arr_eq(c->rx + hl + vmax, "\r\nEND\r\n", 7);
    free(big);
    env_fini(&e);
}

Test(mcd, other_commands) {
    struct env e;
    env_init(&e);
    struct cli *c = connect_cli(&e, 0);
    char k251[252], line[1000];
    memset(k251, 'k', 251);
    k251[251] = 0;
    expect(&e, c, "set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\nincr n 18446744073709551615\r\n",
           "STORED\r\n15\r\n0\r\n18446744073709551615\r\n");
    expect(&e, c, "incr n 2\r\nincr n abc\r\nincr n -1\r\nincr n 18446744073709551616\r\n",
           "1\r\nCLIENT_ERROR invalid numeric delta argument\r\n"
           "CLIENT_ERROR invalid numeric delta argument\r\n"
           "CLIENT_ERROR invalid numeric delta argument\r\n");
    expect(&e, c, "set n 0 0 3\r\n100\r\ndecr n 1\r\nget n\r\n",
           "STORED\r\n99\r\nVALUE n 0 3\r\n99 \r\nEND\r\n");
    expect(&e, c, "set n 0 0 2\r\n99\r\nincr n 1\r\nget n\r\n",
           "STORED\r\n100\r\nVALUE n 0 3\r\n100\r\nEND\r\n");
    expect(
        &e, c, "set s 0 0 2\r\nab\r\nincr s 1\r\nincr nokey 1\r\n",
        "STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\nNOT_FOUND\r\n");
    expect(&e, c, "set n 0 0 3\r\n+12\r\nincr n 1\r\nincr n +5\r\nincr\r\ndecr n\r\n",
           "STORED\r\n13\r\n18\r\nERROR\r\nERROR\r\n");
    snprintf(line, sizeof line, "incr %s 1\r\ntouch %s 1\r\ndelete %s\r\n", k251, k251, k251);
    expect(&e, c, line,
           "CLIENT_ERROR bad command line format\r\nCLIENT_ERROR bad command line format\r\n"
           "CLIENT_ERROR bad command line format\r\n");
    expect(&e, c, "set a 0 0 1\r\nx\r\ntouch a 10\r\ntouch zz 10\r\ntouch a\r\ntouch a abc\r\n",
           "STORED\r\nTOUCHED\r\nNOT_FOUND\r\nERROR\r\nCLIENT_ERROR invalid exptime argument\r\n");
    expect(&e, c, "gat 10 a zz\r\ngats 10 a\r\ngat a\r\ngat\r\ngat 10\r\n",
           "VALUE a 0 1\r\nx\r\nEND\r\nVALUE a 0 1 14\r\nx\r\nEND\r\n"
           "CLIENT_ERROR invalid exptime argument\r\nERROR\r\nEND\r\n");
    expect(&e, c,
           "delete a\r\ndelete a\r\ndelete a 0\r\ndelete a 5\r\ndelete a noreply\r\ndelete\r\n",
           "DELETED\r\nNOT_FOUND\r\nNOT_FOUND\r\n"
           "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\nERROR\r\n");
    expect(&e, c,
           "flush_all\r\nflush_all 0\r\nflush_all noreply\r\nflush_all abc\r\nflush_all 0 0\r\n"
           "flush_all 1 2 3\r\n",
           "OK\r\nOK\r\nCLIENT_ERROR invalid exptime argument\r\nOK\r\nERROR\r\n");
    expect(&e, c,
           "version\r\nversion x\r\nverbosity\r\nverbosity 1\r\nverbosity 1 noreply\r\n"
           "verbosity a\r\nverbosity 1 2\r\nverbosity 1 2 3\r\nverbosity noreply\r\n",
           "VERSION 1.6.18\r\nVERSION 1.6.18\r\nERROR\r\nOK\r\n"
           "CLIENT_ERROR bad command line format\r\nOK\r\nERROR\r\n");
    expect(&e, c, "stats bogus\r\nstats reset\r\n", "ERROR\r\nRESET\r\n");
    /* noreply everywhere memcached takes it */
    expect(
        &e, c,
        "set c 0 0 1 noreply\r\nx\r\nadd c 0 0 1 noreply\r\nx\r\nreplace c 0 0 1 noreply\r\n5\r\n"
        "append c 0 0 1 noreply\r\n0\r\nprepend c 0 0 1 noreply\r\n1\r\n"
        "cas c 0 0 1 1 noreply\r\nx\r\nincr c 1 noreply\r\ndecr c 2 noreply\r\n"
        "touch c 100 noreply\r\nget c\r\ndelete c noreply\r\ndelete c 0 noreply\r\nget c\r\n",
        "VALUE c 0 3\r\n149\r\nEND\r\nEND\r\n");
    env_fini(&e);
}

Test(mcd, stats_counters) {
    struct env e;
    env_init(&e);
    struct cli *c = connect_cli(&e, 0);
    expect(&e, c, "set a 0 0 1\r\nx\r\nget a b\r\ndelete b\r\n",
           "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\nNOT_FOUND\r\n");
    mcd_set_time(e.m, 1007);
    send_str(&e, c, "stats\r\n");
    run(&e, 50 * STK_MS);
    const char *r = c->rx;
    cr_assert(r && strstr(r, "STAT uptime 7\r\n"));
    cr_assert(strstr(r, "STAT time 1007\r\n"));
    cr_assert(strstr(r, "STAT version 1.6.18\r\n"));
    cr_assert(strstr(r, "STAT curr_connections 1\r\n"));
    cr_assert(strstr(r, "STAT total_connections 1\r\n"));
    cr_assert(strstr(r, "STAT cmd_get 2\r\n"));
    cr_assert(strstr(r, "STAT cmd_set 1\r\n"));
    cr_assert(strstr(r, "STAT get_hits 1\r\n"));
    cr_assert(strstr(r, "STAT get_misses 1\r\n"));
    cr_assert(strstr(r, "STAT delete_misses 1\r\n"));
    cr_assert(strstr(r, "STAT curr_items 1\r\n"));
    cr_assert(strstr(r, "STAT total_items 1\r\n"));
    cr_assert(strstr(r, "STAT bytes 66\r\n")); /* 62 + key 1 + value 1 + 2 */
    cr_assert(strstr(r, "STAT evictions 0\r\n"));
    cr_assert(strstr(r, "STAT limit_maxbytes 8388608\r\n"));
    cr_assert(strstr(r, "STAT hash_power_level 10\r\n"));
    size_t n = strlen(r);
    cr_assert(n > 5 && !strcmp(r + n - 5, "END\r\n"));
    env_fini(&e);
}

Test(mcd, quit_and_long_lines_close) {
    struct env e;
    env_init(&e);
    struct cli *c = connect_cli(&e, 0);
    expect(&e, c, "version\r\nquit\r\nversion\r\n", "VERSION 1.6.18\r\n");
    cr_assert(c->rclosed);
    c = connect_cli(&e, 1);
    char junk[3000];
    memset(junk, 'x', sizeof junk);
    send_bytes(&e, c, junk, sizeof junk);
    run(&e, 50 * STK_MS);
    cr_assert(c->rclosed, "2048 bytes without a line end: closed");
    cr_assert_eq(c->nrx, 0);
    /* a complete long line (over two segments) is a command like any other */
    c = connect_cli(&e, 2);
    memcpy(junk + 2000 - 2, "\r\n", 2);
    send_bytes(&e, c, junk, 2000);
    run(&e, 50 * STK_MS);
    cr_assert_str_eq(c->rx, "ERROR\r\n");
    cr_assert(!c->rclosed);
    cr_assert_eq(mcd_stats(e.m)->lines_too_long, 1);
    env_fini(&e);
}

Test(mcd, pipelined_and_split_at_every_byte) {
    struct env e;
    env_init(&e);
    struct cli *c = connect_cli(&e, 0);
    const char *req = "set key1 3 0 10\r\n0123456789\r\nget key1 nokey key1\r\n"
                      "incr cnt 1\r\nappend key1 0 0 2\r\nAB\r\ndelete key1\r\n";
    const char *want = "STORED\r\nVALUE key1 3 10\r\n0123456789\r\nVALUE key1 3 10\r\n"
                       "0123456789\r\nEND\r\nNOT_FOUND\r\nSTORED\r\nDELETED\r\n";
    expect(&e, c, req, want); /* all in one segment: parsed in place */
    const struct mcd_stats *st = mcd_stats(e.m);
    cr_assert_eq(st->parse_copied, 0);
    size_t n = strlen(req);
    for (size_t cut = 1; cut < n; cut++) {
        send_bytes(&e, c, req, cut);
        run(&e, 5 * STK_MS);
        send_bytes(&e, c, req + cut, n - cut);
        run(&e, 20 * STK_MS);
        cr_assert_eq(c->nrx, strlen(want), "cut at %zu: [%s]", cut, c->rx);
        cr_assert_arr_eq(c->rx, want, c->nrx, "cut at %zu: [%s]", cut, c->rx);
        c->nrx = 0;
    }
    cr_assert_gt(st->parse_copied, 0, "lines across segments are copied");
    cr_assert_gt(st->parse_inplace, st->parse_copied);
    /* 1000 pipelined gets in one send */
    size_t len = 0;
    char *many = malloc(20000);
    for (int i = 0; i < 1000; i++) len += (size_t)sprintf(many + len, "get k%d\r\n", i % 3);
    expect(&e, c, "set k1 0 0 1\r\n1\r\n", "STORED\r\n");
    send_bytes(&e, c, many, len);
    run(&e, 200 * STK_MS);
    len = 0;
    for (int i = 0; i < 1000; i++)
        len += (size_t)sprintf(many + len, "%s",
                               i % 3 == 1 ? "VALUE k1 0 1\r\n1\r\nEND\r\n" : "END\r\n");
    cr_assert_eq(c->nrx, len);
    cr_assert_arr_eq(c->rx, many, len);
    free(many);
    env_fini(&e);
}

Test(mcd, expiry_with_the_servers_clock) {
    struct env e;
    env_init(&e);
    struct cli *c = connect_cli(&e, 0);
    expect(&e, c, "set t 0 10 1\r\nx\r\nset u 0 -1 1\r\nx\r\nget u\r\n",
           "STORED\r\nSTORED\r\nEND\r\n");
    mcd_set_time(e.m, 1009);
    expect(&e, c, "get t\r\n", "VALUE t 0 1\r\nx\r\nEND\r\n");
    mcd_set_time(e.m, 1010);
    expect(&e, c, "get t\r\n", "END\r\n");
    expect(&e, c, "set t 0 0 1\r\nx\r\nflush_all 5\r\nget t\r\n",
           "STORED\r\nOK\r\nVALUE t 0 1\r\nx\r\nEND\r\n");
    mcd_set_time(e.m, 1014);
    expect(&e, c, "get t\r\n", "END\r\n");
    env_fini(&e);
}

/* A value in flight (the client does not read, so it stays unacknowledged)
 * is replaced and its memory churned by other sets; the bytes the client
 * finally reads are the old value's, intact. */
Test(mcd, tx_hold_over_the_wire) {
    struct mcd_store_config sc = {.hashpower = 8, .mem_bytes = 4 << 20, .page_size = 1 << 20};
    struct mcd_store *s = mcd_store_create(&sc, NULL);
    cr_assert(s);
    struct env e;
    env_init_store(&e, s);
    struct cli *a = connect_cli(&e, 0), *b = connect_cli(&e, 1);
    size_t n = 600000;
    char *big = malloc(n + 64);
    int h = sprintf(big, "set big 0 0 %zu\r\n", n);
    for (size_t i = 0; i < n; i++) big[h + i] = (char)('a' + i % 26);
    memcpy(big + h + n, "\r\n", 2);
    send_bytes(&e, b, big, (size_t)h + n + 2);
    run(&e, 1 * STK_SEC);
    cr_assert_str_eq(b->rx, "STORED\r\n");
    b->nrx = 0;
    a->no_read = true;
    send_str(&e, a, "get big\r\n");
    run(&e, 100 * STK_MS);
    cr_assert_lt(a->nrx, n, "the client's window holds the value back");
    /* replace it, and churn the class's pages with other keys (4 pages of
     * one chunk each: the old item's page stays held, the others evict) */
    for (int i = 0; i < 8; i++) {
        int hh = i ? sprintf(big, "set other%d 0 0 %zu\r\n", i, n)
                   : sprintf(big, "set big 0 0 %zu\r\n", n);
        memset(big + hh, 'Z', n);
        memcpy(big + hh + n, "\r\n", 2);
        send_bytes(&e, b, big, (size_t)hh + n + 2);
        run(&e, 500 * STK_MS);
    }
    cr_assert(strstr(b->rx, "STORED\r\n"));
    struct mcd_store_stats ss;
    mcd_store_stats(s, &ss);
    cr_assert_gt(ss.evictions, 0, "the class evicted");
    a->no_read = false;
    stk_tcp_recv_done(e.p.s[0], a->id, a->held);
    run(&e, 2 * STK_SEC);
    int hl = sprintf(big, "VALUE big 0 %zu\r\n", n);
    cr_assert_eq(a->nrx, (size_t)hl + n + 7);
    cr_assert_arr_eq(a->rx, big, (size_t)hl);
    for (size_t i = 0; i < n; i++)
        if (a->rx[hl + i] != (char)('a' + i % 26)) cr_assert_fail("byte %zu changed", i);
    free(big);
    env_fini(&e);
}

/* A client pipelines gets and never reads: the server stops reading it
 * (bounded output), and a second client is served meanwhile. */
Test(mcd, hog_stays_bounded) {
    struct env e;
    env_init(&e);
    struct cli *hog = connect_cli(&e, 0), *other = connect_cli(&e, 1);
    expect(&e, other,
           "set k 0 0 100\r\n"
           "0123456789012345678901234567890123456789012345678901234567890123456789"
           "012345678901234567890123456789\r\n",
           "STORED\r\n");
    hog->no_read = true;
    const char *g = "get k\r\n";
    char *chunk = malloc(7 * 10000);
    for (int i = 0; i < 10000; i++) memcpy(chunk + 7 * i, g, 7);
    for (int round = 0; round < 20; round++) {
        struct stk_sendv v = {chunk, 7 * 10000, 0};
        stk_tcp_send(e.p.s[0], hog->id, &v, 1); /* refused once its buffer is full */
        run(&e, 50 * STK_MS);
    }
    const struct mcd_stats *st = mcd_stats(e.m);
    uint64_t served = st->get_hits;
    cr_assert_gt(st->backpressure_stalls, 0);
    cr_assert_lt(served, 20000, "the server read %llu of the hog's gets",
                 (unsigned long long)served);
    expect(&e, other, "get nokey\r\n", "END\r\n");
    free(chunk);
    env_fini(&e);
}

/* Every command, sent at once and then in random pieces of 1 to 9 bytes
 * (each its own segment) to a fresh server: the replies are the same bytes. */
static const char SCRIPT_HEAD[] =
    "set a 0 0 1\r\nx\r\nset b 5 0 3\r\nabc\r\nget a b c\r\ngets a b\r\n"
    "add a 0 0 1\r\nq\r\nreplace n 0 0 1\r\nq\r\nappend a 0 0 2\r\nAB\r\nprepend b 0 0 1\r\nP\r\n"
    "cas a 0 0 1 1\r\nz\r\ncas a 0 0 1 3\r\nz\r\nset n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\n"
    "incr n abc\r\ntouch a 10\r\ngat 0 a b\r\ngats 0 a\r\ndelete b\r\ndelete b\r\n"
    "set a 0 0 1\r\nxy\r\nset a 0 0 1 noreply\r\nx\r\nget a\r\nbogus\r\n\r\nversion\r\n"
    "verbosity 1\r\nflush_all\r\nget a n\r\nset big 0 0 3000\r\n";
static const char SCRIPT_TAIL[] = "\r\nget big\r\nstats reset\r\nquit\r\n";

/* The script: SCRIPT_HEAD, a 3000-byte value, SCRIPT_TAIL. */
static char *script(size_t *len) {
    size_t h = sizeof SCRIPT_HEAD - 1, t = sizeof SCRIPT_TAIL - 1;
    char *s = malloc(h + 3000 + t);
    memcpy(s, SCRIPT_HEAD, h);
    for (size_t i = 0; i < 3000; i++) s[h + i] = (char)('0' + i % 10);
    memcpy(s + h + 3000, SCRIPT_TAIL, t);
    *len = h + 3000 + t;
    return s;
}

static char *run_script(const char *const *pieces, const size_t *lens, size_t n, size_t *outlen) {
    struct env e;
    env_init(&e);
    struct cli *c = connect_cli(&e, 0);
    for (size_t i = 0; i < n; i++) {
        send_bytes(&e, c, pieces[i], lens[i]);
        run(&e, 1 * STK_MS);
    }
    run(&e, 100 * STK_MS);
    cr_assert(c->rclosed, "quit closed the connection: [%s]", c->rx);
    char *out = malloc(c->nrx + 1);
    memcpy(out, c->rx, c->nrx);
    *outlen = c->nrx;
    env_fini(&e);
    return out;
}

Test(mcd, random_splits_same_replies) {
    size_t wl, ref_n;
    char *sc = script(&wl);
    const char *whole[1] = {sc};
    char *ref = run_script(whole, &wl, 1, &ref_n);
    cr_assert(strstr(ref, "STORED\r\nSTORED\r\nVALUE a 0 1\r\nx\r\nVALUE b 5 3\r\nabc\r\nEND\r\n"));
    cr_assert(strstr(ref, "OK\r\nOK\r\nEND\r\nSTORED\r\nVALUE big 0 3000\r\n0123"));
    cr_assert(ref_n > 5 && !memcmp(ref + ref_n - 7, "RESET\r\n", 7));
    uint32_t seed = 12345;
    for (int round = 0; round < 3; round++) {
        const char *pieces[4000];
        size_t lens[4000], n = 0;
        for (size_t off = 0; off < wl; n++) {
            seed = seed * 1664525u + 1013904223u;
            size_t k = 1 + (seed >> 24) % 9;
            if (k > wl - off) k = wl - off;
            pieces[n] = sc + off;
            lens[n] = k;
            off += k;
        }
        size_t got_n;
        char *got = run_script(pieces, lens, n, &got_n);
        cr_assert_eq(got_n, ref_n, "round %d: %zu bytes, want %zu", round, got_n, ref_n);
        cr_assert_arr_eq(got, ref, ref_n, "round %d", round);
        free(got);
    }
    free(ref);
    free(sc);
}

/* A multi-get whose reply text outgrows the Tx ring pauses between keys
 * (the client reads slowly) and resumes: every key answered once, in order. */
Test(mcd, multiget_pauses_and_resumes) {
    struct env e;
    env_init(&e);
    struct cli *c = connect_cli(&e, 0);
    char key[300];
    memset(key, 'q', 240);
    key[240] = 0;
    char line[400];
    snprintf(line, sizeof line, "set %s 0 0 1\r\nv\r\n", key);
    expect(&e, c, line, "STORED\r\n");
    /* 200 keys of 240 bytes: 50 KB of VALUE lines, over three rings */
    size_t cap = 200 * 242 + 16, len = 0;
    char *req = malloc(cap);
    len += (size_t)sprintf(req, "get");
    for (int i = 0; i < 200; i++) len += (size_t)sprintf(req + len, " %s", key);
    len += (size_t)sprintf(req + len, "\r\n");
    c->no_read = true;
    send_bytes(&e, c, req, len);
    run(&e, 100 * STK_MS);
    cr_assert_gt(mcd_stats(e.m)->backpressure_stalls, 0, "paused");
    c->no_read = false;
    stk_tcp_recv_done(e.p.s[0], c->id, c->held);
    run(&e, 1 * STK_SEC);
    char one[300];
    int ol = snprintf(one, sizeof one, "VALUE %s 0 1\r\nv\r\n", key);
    cr_assert_eq(c->nrx, 200 * (size_t)ol + 5);
    for (int i = 0; i < 200; i++) cr_assert_arr_eq(c->rx + i * ol, one, (size_t)ol, "key %d", i);
    cr_assert_arr_eq(c->rx + 200 * ol, "END\r\n", 5);
    cr_assert_eq(mcd_stats(e.m)->get_hits, 200);
    free(req);
    env_fini(&e);
}

/* A connection freed with a value in flight (never acknowledged: the
 * client does not read) releases the tx hold (conn_free, as at cleanup), so
 * the chunk is free again: the next item of its class needs no eviction. */
Test(mcd, holds_released_with_the_connection) {
    struct mcd_store_config sc = {.hashpower = 8, .mem_bytes = 2 << 20, .page_size = 1 << 20};
    struct mcd_store *s = mcd_store_create(&sc, NULL);
    cr_assert(s);
    struct env e;
    env_init_store(&e, s);
    struct cli *a = connect_cli(&e, 0), *b = connect_cli(&e, 1);
    size_t n = 600000;
    char *big = malloc(n + 64);
    int h = sprintf(big, "set big 0 0 %zu\r\n", n);
    memset(big + h, 'b', n);
    memcpy(big + h + n, "\r\n", 2);
    send_bytes(&e, b, big, (size_t)h + n + 2);
    run(&e, 1 * STK_SEC);
    a->no_read = true;
    send_str(&e, a, "get big\r\n");
    run(&e, 100 * STK_MS);
    cr_assert_lt(a->nrx, n);
    b->nrx = 0;
    expect(&e, b, "delete big\r\n", "DELETED\r\n");
    h = sprintf(big, "set other1 0 0 %zu\r\n", n);
    memset(big + h, 'o', n);
    memcpy(big + h + n, "\r\n", 2);
    send_bytes(&e, b, big, (size_t)h + n + 2);
    run(&e, 1 * STK_SEC);
    cr_assert_str_eq(b->rx, "STORED\r\n");
    /* both pages in use: the deleted value (held) and other1 */
    struct mcd_store_stats ss;
    mcd_store_stats(s, &ss);
    cr_assert_eq(ss.pages_used, 2);
    wire_pair_fini(&e.p);
    mcd_destroy(e.m); /* frees the connections as cleanup does */
    memset(big, 'p', n);
    big[n] = 0;
    set(s, "other2", big, 0);
    mcd_store_stats(s, &ss);
    cr_assert_eq(ss.evictions, 0, "the released chunk was reused, nothing evicted");
    cr_assert(has(s, "other1", NULL) && has(s, "other2", big));
    mcd_store_destroy(s);
    for (int i = 0; i < NCLI; i++) free(e.cli[i].rx);
    free(big);
}
