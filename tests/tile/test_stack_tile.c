/* tests/tile/test_stack_tile.c: the instrumented TCP/IP stack (stack/, built
 * as tile code) running on two simulated tiles, protected.
 *
 * Tile 0 runs a client instance, tile 1 a server instance, each created by
 * its tile's main with the tile's private arena as its allocator
 * (workloads/tile/stk_arena.h), so every table of the stack lies in
 * simulated memory. The "wire" is test code (simulator side, not
 * instrumented): a frame a stack emits is copied into a block of the shared
 * region, queued for the peer and announced on the peer's ring 0 at the
 * sender's tile_now() + 1 us; the peer's ring handler feeds it to stk_input
 * and returns the block in rx_release. The payload the client sends lies in
 * its private arena. Each tile arms a timer for its instance's next deadline
 * (stk_poll_at). What the test shows: in protected mode, with no fault and
 * no access outside every region, a TCP connection is set up, data crosses
 * it, and the stack code is charged by the instrumentation (instructions and
 * memory accesses through the caches on both tiles). */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/tile/cov.h"
#include "stack/stk.h"
#include "tile_test_util.h"
#include "workloads/tile/stk_arena.h"

#define WIRE_DELAY SIM_US(1)
#define MSG_BYTES 20000u

struct frame { /* one block of the shared region: the frame follows */
    struct stk_rxbuf buf;
    struct frame *next;
};

struct node {
    struct chip *chip;
    unsigned id, peer_id;
    struct node *peer;
    struct stk *s;
    struct tile *tile; /* set while a handler of this node runs */
    struct frame *head, *tail;
    tile_timer_id timer;
    bool timer_armed;
    uint64_t seed;
    /* application */
    bool client;
    uint32_t conn;
    bool connected;
    uint64_t rx_bytes, acked;
    uint8_t *msg; /* MSG_BYTES in the client's private arena */
    char err[200];
};

static void out(void *ctx, const struct stk_iov *iov, unsigned n, size_t total) {
    struct node *me = ctx;
    struct frame *f = tile_shared_alloc(me->tile, sizeof *f + total);
    cr_assert_not_null(f);
    memset(f, 0, sizeof *f);
    f->buf.data = (uint8_t *)(f + 1);
    size_t off = 0;
    for (unsigned i = 0; i < n; i++) {
        memcpy(f->buf.data + off, iov[i].base, iov[i].len);
        off += iov[i].len;
    }
    f->buf.len = (uint32_t)total;
    struct node *p = me->peer;
    if (p->tail)
        p->tail->next = f;
    else
        p->head = f;
    p->tail = f;
    chip_ring_post(me->chip, me->peer_id, 0, 1, tile_now(me->tile) + WIRE_DELAY);
}

static void rx_release(void *ctx, struct stk_rxbuf *b) {
    struct node *me = ctx;
    tile_shared_free(me->tile, (struct frame *)b); /* buf is the first member */
}

static uint32_t rnd(void *ctx) {
    struct node *me = ctx;
    me->seed = me->seed * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(me->seed >> 33);
}

static void new_conn(void *ctx, uint32_t id, uint64_t tag, bool active, int status) {
    (void)tag, (void)active;
    struct node *me = ctx;
    cr_assert_eq(status, 0);
    me->conn = id;
    me->connected = true;
    if (me->client) {
        struct stk_sendv v = {me->msg, MSG_BYTES, 0};
        cr_assert_eq(stk_tcp_send(me->s, id, &v, 1), 0);
    } else {
        cr_assert_eq(stk_tcp_accept(me->s, id), 0);
    }
}
static void new_data(void *ctx, uint32_t id, const struct stk_iov *v, unsigned n) {
    struct node *me = ctx;
    size_t got = 0;
    for (unsigned i = 0; i < n; i++) {
        for (size_t k = 0; k < v[i].len; k++)
            cr_assert_eq(((const uint8_t *)v[i].base)[k], (uint8_t)((me->rx_bytes + got + k) * 7));
        got += v[i].len;
    }
    me->rx_bytes += got;
    stk_tcp_recv_done(me->s, id, got);
}
static void data_acked(void *ctx, uint32_t id, uint64_t count) {
    (void)id;
    struct node *me = ctx;
    me->acked += count;
}
static void remote_closed(void *ctx, uint32_t id) { (void)ctx, (void)id; }
static void cleanup(void *ctx, uint32_t id) { (void)ctx, (void)id; }

static void on_timer(struct tile *t, void *ctx);

/* After every handler: the timer follows the instance's next deadline. */
static void rearm(struct node *me, struct tile *t) {
    stk_time_t at = stk_poll_at(me->s), now = tile_now(t);
    if (me->timer_armed) tile_timer_cancel(t, me->timer);
    me->timer_armed = false;
    if (at == STK_NEVER) return;
    me->timer = tile_timer_arm(t, at > now ? at - now : 0, on_timer, me);
    me->timer_armed = true;
}

static void on_timer(struct tile *t, void *ctx) {
    struct node *me = ctx;
    me->tile = t;
    me->timer_armed = false;
    stk_poll(me->s, tile_now(t));
    rearm(me, t);
}

static void on_frames(struct tile *t, void *ctx) {
    struct node *me = ctx;
    me->tile = t;
    uint64_t n = tile_ring_take(t, 0, UINT64_MAX);
    for (uint64_t i = 0; i < n && me->head; i++) {
        struct frame *f = me->head;
        me->head = f->next;
        if (!me->head) me->tail = NULL;
        f->next = NULL;
        stk_input(me->s, tile_now(t), &f->buf);
    }
    rearm(me, t);
}

/* Creates the instance on its tile: its tables come from the tile's private
 * arena. The config and the callbacks are locals of this handler (the tile's
 * stack region), read by stk_create, which copies them. */
static void node_main(struct tile *t, void *arg) {
    struct node *me = arg;
    me->tile = t;
    struct stk_config sc;
    stk_config_default(&sc);
    uint8_t mac[6] = {2, 0, 0, 0, 0, (uint8_t)(1 + me->id)};
    memcpy(sc.mac, mac, 6);
    sc.ip = 0x0a000001u + me->id;
    sc.netmask = 0xffffff00u;
    sc.arp_static_only = true;
    sc.max_conns = 16; /* a tile's instance: 16 connections, 1024 segments */
    sc.seg_pool = 1024;
    sc.max_rx_segs = 256;
    sc.time_wait_max = 16;
    sc.alloc = stk_arena_private(t);
    struct stk_driver d = {out, rx_release, rnd, me, NULL};
    struct stk_app a = {new_conn, new_data, data_acked, remote_closed, cleanup, me};
    me->s = stk_create(&sc, &d, &a, tile_now(t), me->err, sizeof me->err);
    cr_assert_not_null(me->s, "stk_create: %s", me->err);
    uint8_t peer_mac[6] = {2, 0, 0, 0, 0, (uint8_t)(1 + me->peer_id)};
    uint32_t peer_ip = 0x0a000001u + me->peer_id;
    stk_arp_add_static(me->s, peer_ip, peer_mac);
    cr_assert_eq(tile_on_ring(t, 0, on_frames, me), 0);
    if (me->client) {
        me->msg = tile_alloc(t, MSG_BYTES);
        cr_assert_not_null(me->msg);
        for (unsigned i = 0; i < MSG_BYTES; i++) me->msg[i] = (uint8_t)(i * 7);
        uint32_t id; /* (on the tile's stack: stk_tcp_connect writes it) */
        cr_assert_eq(stk_tcp_connect(me->s, peer_ip, 80, 1, &id), 0);
        me->conn = id;
    } else {
        cr_assert_eq(stk_tcp_listen(me->s, 80, 4, 1), 0);
    }
    rearm(me, t);
}

static void node_init(struct node *n, struct chip *c, unsigned id, unsigned peer, bool client) {
    memset(n, 0, sizeof *n);
    n->chip = c;
    n->id = id;
    n->peer_id = peer;
    n->client = client;
    n->seed = 1 + id;
}

Test(tile_stack, tcp_between_two_tiles_protected_and_charged) {
    struct chip_config cfg;
    tt_defaults(&cfg);
    cfg.protection.mode = CHIP_PROT_PROTECTED; /* every access checked against the regions */
    cfg.protection.on_fault = CHIP_FAULT_ABORT;
    struct sim_engine *e = sim_engine_create();
    struct chip *c = tt_chip(&cfg, e);
    static struct node n[2];
    node_init(&n[0], c, 0, 1, true);
    node_init(&n[1], c, 1, 0, false);
    n[0].peer = &n[1];
    n[1].peer = &n[0];
    char err[200];
    cr_assert_eq(chip_tile_start(c, 0, TILE_ROLE_RTC, 0, node_main, &n[0], err, sizeof err), 0,
                 "%s", err);
    cr_assert_eq(chip_tile_start(c, 1, TILE_ROLE_RTC, 0, node_main, &n[1], err, sizeof err), 0,
                 "%s", err);
    sim_engine_run_until(e, SIM_MS(50));
    chip_finish(c, SIM_MS(50));
    const struct tile_fault *fl;
    size_t nf = chip_faults(c, &fl);
    cr_log_info("%zu faults, %llu accesses outside every region", nf,
                (unsigned long long)chip_unmapped_accesses(c));
    cr_assert_eq(nf, 0, "fault: %s at %s", nf ? fl[0].what : "", nf ? fl[0].where : "");
    cr_assert(!chip_aborted(c));
    cr_assert_eq(chip_unmapped_accesses(c), 0, "the stack's state is all in simulated memory");
    cr_assert_not_null(n[0].s);
    cr_assert_not_null(n[1].s);

    cr_assert(n[0].connected && n[1].connected, "the connection is set up");
    cr_assert_eq(n[1].rx_bytes, MSG_BYTES, "the server got %llu bytes",
                 (unsigned long long)n[1].rx_bytes);
    cr_assert_eq(n[0].acked, MSG_BYTES, "the client saw every byte acknowledged");
    const struct stk_counters *k0 = stk_counters(n[0].s), *k1 = stk_counters(n[1].s);
    cr_assert_geq(k0->tcp_data_segs_out, MSG_BYTES / 1460);
    cr_assert_eq(k1->tcp_bad_checksum + k0->tcp_bad_checksum, 0);
    for (unsigned i = 0; i < 2; i++) {
        const struct tile_prof *p = chip_tile_prof(c, i);
        cr_log_info("tile %u: %llu handlers, %llu instructions, %llu loads, %llu stores, "
                    "%llu memory cycles",
                    i, (unsigned long long)p->handlers, (unsigned long long)p->instr,
                    (unsigned long long)p->loads, (unsigned long long)p->stores,
                    (unsigned long long)p->mem_cycles);
        /* every frame costs at least a few hundred instructions (headers,
         * checksums over the payload on the receive side) */
        cr_assert_geq(p->handlers, 3);
        cr_assert_gt(p->instr, 200 * p->handlers, "tile %u: %llu instructions", i,
                     (unsigned long long)p->instr);
        cr_assert_gt(p->loads, 0);
        cr_assert_gt(p->stores, 0);
    }
    /* the receiver checksums 20 kB of payload: far more work than the sender's acks */
    cr_assert_gt(chip_tile_prof(c, 1)->instr, MSG_BYTES / 4);
    /* outside a handler: the arenas' blocks go back without cost */
    for (unsigned i = 0; i < 2; i++) {
        while (n[i].head) {
            struct frame *f = n[i].head;
            n[i].head = f->next;
            tile_shared_free(n[i].tile, f);
        }
    }
    tile_free(n[0].tile, n[0].msg);
    stk_destroy(n[0].s);
    stk_destroy(n[1].s);
    chip_destroy(c);
    sim_engine_destroy(e);
}

/* The tile build has no default allocator: an instance created by tile code
 * without one is refused, never placed in host memory. */
Test(tile_stack, no_allocator_no_instance) {
    struct stk_config sc;
    stk_config_default(&sc);
    sc.ip = 0x0a000001u;
    struct stk_driver d = {out, rx_release, rnd, NULL, NULL};
    char err[200] = "";
    cr_assert_null(stk_create(&sc, &d, NULL, 0, err, sizeof err));
    cr_assert(strstr(err, "no allocator"), "%s", err);
}
