/* tests/nic/nic_test_util.c: see nic_test_util.h. */
#include "nic_test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct flat_region *find(struct flat_mem *m, uint64_t addr, size_t len) {
    for (unsigned i = 0; i < m->n; i++) {
        struct flat_region *r = &m->r[i];
        if (addr >= r->base && addr + len <= r->base + r->size && addr + len >= addr) return r;
    }
    return NULL;
}

uint8_t *flat_host(struct flat_mem *m, uint64_t addr, size_t len) {
    struct flat_region *r = find(m, addr, len);
    return r ? r->host + (addr - r->base) : NULL;
}

/* The host bytes of [addr, addr + len) for one access at now, counted and
 * timed; NULL (an error counted) if no region holds them. */
static uint8_t *flat_access(struct flat_mem *m, uint64_t addr, size_t len, sim_time_t now,
                            sim_time_t *done, uint64_t *counter) {
    uint8_t *h = flat_host(m, addr, len);
    if (!h) {
        m->errors++;
        return NULL;
    }
    (*counter)++;
    *done = now + m->latency;
    return h;
}

static int flat_write(void *ctx, uint64_t addr, const void *src, size_t len, sim_time_t now,
                      sim_time_t *done) {
    struct flat_mem *m = ctx;
    uint8_t *h = flat_access(m, addr, len, now, done, &m->writes);
    if (!h) return -1;
    memcpy(h, src, len);
    return 0;
}

static int flat_read(void *ctx, uint64_t addr, void *dst, size_t len, sim_time_t now,
                     sim_time_t *done) {
    struct flat_mem *m = ctx;
    const uint8_t *h = flat_access(m, addr, len, now, done, &m->reads);
    if (!h) return -1;
    memcpy(dst, h, len);
    return 0;
}

static bool flat_registered(void *ctx, uint64_t addr, size_t len) {
    struct flat_region *r = find(ctx, addr, len);
    return r && r->registered;
}

const struct mpipe_mem_ops flat_mem_ops = {flat_write, flat_read, flat_registered};

void flat_init(struct flat_mem *m) { memset(m, 0, sizeof *m); }

uint8_t *flat_add(struct flat_mem *m, uint64_t base, uint64_t size, bool registered) {
    if (m->n >= FLAT_REGIONS) abort();
    uint8_t *h = calloc(1, size ? size : 1);
    if (!h) abort();
    m->r[m->n++] = (struct flat_region){base, size, h, registered};
    return h;
}

void flat_fini(struct flat_mem *m) {
    for (unsigned i = 0; i < m->n; i++) free(m->r[i].host);
    m->n = 0;
}

void nic_test_config(struct nic_config *c) {
    memset(c, 0, sizeof *c);
    cfg_defaults(&nic_config_section, c);
}

void nic_test_config_fini(struct nic_config *c) { cfg_release(&nic_config_section, c); }

struct nic_config nic_cfg;
struct sim_engine *nic_eng;

void nic_fixture_setup(void) {
    nic_test_config(&nic_cfg);
    nic_eng = sim_engine_create();
}

void nic_fixture_teardown(void) {
    sim_engine_destroy(nic_eng);
    nic_eng = NULL;
    nic_test_config_fini(&nic_cfg);
}

struct mpipe *nic_test_dev_create(struct nic_test_dev *d, struct sim_engine *e,
                                  const struct nic_config *c, const char *name) {
    flat_init(&d->mem);
    uint64_t rx = mpipe_rx_bytes(c), tx = mpipe_tx_bytes(c);
    flat_add(&d->mem, TEST_RX_BASE, rx, true);
    flat_add(&d->mem, TEST_TX_BASE, tx + (1u << 20), true);
    flat_add(&d->mem, TEST_APP_BASE, 1u << 20, true);
    flat_add(&d->mem, TEST_UNREG_BASE, 1u << 20, false);
    char err[512];
    d->m = mpipe_create(e, c, &flat_mem_ops, &d->mem, TEST_RX_BASE, rx, TEST_TX_BASE, tx, name, err,
                        sizeof err);
    if (!d->m) fprintf(stderr, "%s\n", err);
    return d->m;
}

void nic_test_dev_destroy(struct nic_test_dev *d) {
    mpipe_destroy(d->m);
    flat_fini(&d->mem);
}

/* The eDMA ring that sends out of `port`: the k-th of the rings bound to
 * it, k = notification ring modulo their number (-1 if none). */
static int echo_ering(const struct mpipe *m, unsigned port, unsigned ring) {
    unsigned count = 0;
    for (unsigned e = 0; e < m->nerings; e++) count += m->ering[e].port == port;
    if (count == 0) return -1;
    unsigned k = ring % count;
    for (unsigned e = 0; e < m->nerings; e++)
        if (m->ering[e].port == port && k-- == 0) return (int)e;
    return -1;
}

static void echo_notify(void *ctx, unsigned ring, sim_time_t t) {
    struct nic_echo *x = ctx;
    struct mpipe_idesc d[64];
    uint64_t batch = x->batch ? x->batch : 64;
    if (batch > 64) batch = 64;
    uint64_t n = mpipe_drv_poll(x->m, ring, t, d, batch, NULL);
    if (n == 0) return;
    bool rung[64] = {false};
    for (uint64_t i = 0; i < n; i++) {
        int er = echo_ering(x->m, d[i].port, ring);
        struct mpipe_edesc e = {.addr = d[i].buf_addr,
                                .size = (uint16_t)d[i].size,
                                .eop = true,
                                .hwb = true,
                                .stack = d[i].stack};
        if (er >= 0 && er < 64 && mpipe_drv_edma_post(x->m, (unsigned)er, &e, 1, t, NULL) == 1) {
            rung[er] = true;
            x->echoed++;
        } else {
            mpipe_drv_buffer_return(x->m, d[i].stack, d[i].buf_addr, t, NULL);
            x->dropped++;
        }
    }
    mpipe_drv_credit(x->m, ring, n, t, NULL);
    for (unsigned e = 0; e < 64 && e < x->m->nerings; e++)
        if (rung[e]) mpipe_drv_edma_doorbell(x->m, e, t, NULL);
}

void nic_echo_attach(struct nic_echo *x, struct mpipe *m) {
    x->m = m;
    x->echoed = x->dropped = 0;
    mpipe_set_notify(m, echo_notify, x);
}
