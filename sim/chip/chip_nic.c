/* sim/chip/chip_nic.c: the device on a chip: DMA over regions and caches, IO-TLB,
 * driver calls of tile code. See chip_nic.h. */
#include "sim/chip/chip_nic.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nic/mpipe_driver.h"
#include "sim/kernel/json.h"
#include "sim/tile/cov.h"

/* ---- memory interface ---- */

/* Region and host pointer of [pa, pa + len), which must lie in one region
 * with host memory. */
static uint8_t *host_of(struct chip_nic *n, uint64_t pa, size_t len, struct mem_region **out) {
    struct mem_region *r = mem_lookup_pa(chip_mem_map(n->chip), pa);
    if (!r || !r->host || len == 0 || pa + len < pa || pa + len - r->pa > r->size) return NULL;
    *out = r;
    return r->host + (pa - r->pa);
}

/* Mesh hops from the shim to tile h (the shim sits one hop off the edge). */
static unsigned shim_hops(struct chip_nic *n, unsigned h) {
    return cache_hops(chip_caches(n->chip), n->shim, h) + 1;
}

/* A device access of len bytes at addr: the copy happens at once; the access
 * is done when its farthest line has been served at its home (a write: the
 * trip there, then the L3 write, which invalidates cached copies; a read: the
 * round trip plus what the home copy or DRAM takes). */
static int dma_access(struct chip_nic *n, uint64_t addr, void *buf, size_t len, bool write,
                      sim_time_t now, sim_time_t *done) {
    struct mem_region *r;
    uint8_t *h = host_of(n, addr, len, &r);
    if (!h) {
        n->st.dma_errors++;
        return -1;
    }
    if (write)
        memcpy(h, buf, len);
    else
        memcpy(buf, h, len);
    struct cache_sys *cs = chip_caches(n->chip);
    const uint64_t line = (uint64_t)1 << cs->line_shift;
    uint64_t worst = 0, lines = 0;
    for (uint64_t pa = addr & ~(line - 1); pa < addr + len; pa += line, lines++) {
        uint64_t c;
        if (write) {
            n->st.dma_invalidations += cache_dma_write(cs, pa, r->home);
            unsigned home = r->home >= 0 ? (unsigned)r->home : cache_home(cs, pa >> cs->line_shift);
            c = shim_hops(n, home) * cs->cfg.l3.hop_cycles + cs->cfg.l3.hit_cycles + lines;
        } else {
            unsigned home;
            uint64_t at_home = cache_dma_read(cs, pa, r->home, now, &home);
            c = 2 * shim_hops(n, home) * cs->cfg.l3.hop_cycles + at_home + lines;
        }
        if (c > worst) worst = c;
    }
    if (write) {
        n->st.dma_writes++;
        n->st.dma_write_lines += lines;
    } else {
        n->st.dma_reads++;
        n->st.dma_read_lines += lines;
    }
    *done = now + sim_clock_cycles_to_ps(&n->core, worst);
    return 0;
}

static int dma_write(void *ctx, uint64_t addr, const void *src, size_t len, sim_time_t now,
                     sim_time_t *done) {
    return dma_access(ctx, addr, (void *)src, len, true, now, done);
}

static int dma_read(void *ctx, uint64_t addr, void *dst, size_t len, sim_time_t now,
                    sim_time_t *done) {
    return dma_access(ctx, addr, dst, len, false, now, done);
}

static bool dma_registered(void *ctx, uint64_t addr, size_t len) {
    const struct chip_nic *n = ctx;
    if (len == 0 || addr + len < addr) return false;
    for (size_t i = 0; i < n->nreg; i++) {
        const struct chip_nic_range *g = &n->reg[i];
        if (addr >= g->pa && addr + len <= g->pa + g->len) return true;
    }
    return false;
}

const struct mpipe_mem_ops chip_nic_mem_ops = {dma_write, dma_read, dma_registered};

static int add_range(struct chip_nic *n, uint64_t pa, uint64_t len) {
    for (size_t i = 0; i < n->nreg; i++)
        if (pa >= n->reg[i].pa && pa + len <= n->reg[i].pa + n->reg[i].len) return 0;
    if (n->nreg == n->capreg) {
        size_t cap = n->capreg ? 2 * n->capreg : 8;
        struct chip_nic_range *g = realloc(n->reg, cap * sizeof *g);
        if (!g) return -1;
        n->reg = g;
        n->capreg = cap;
    }
    n->reg[n->nreg++] = (struct chip_nic_range){pa, len};
    n->st.registered++;
    return 0;
}

int chip_nic_register(struct chip_nic *n, uint64_t pa, uint64_t len) {
    struct mem_region *r;
    if (!host_of(n, pa, len, &r)) {
        n->st.register_refused++;
        return -1;
    }
    return add_range(n, pa, len);
}

/* ---- notifications ---- */

static void on_notify(void *ctx, unsigned ring, sim_time_t t) {
    struct chip_nic *n = ctx;
    if (n->ring_tile[ring] == UINT_MAX) {
        n->st.unmapped_notify++;
        return;
    }
    chip_ring_post(n->chip, n->ring_tile[ring], n->ring_local[ring], 1, t);
}

int chip_nic_map_ring(struct chip_nic *n, unsigned dev_ring, unsigned tile, unsigned tile_ring) {
    if (dev_ring >= mpipe_drv_rings(n->m) || tile >= chip_tile_count(n->chip) ||
        tile_ring >= TILE_RINGS)
        return -1;
    unsigned *slot = &n->local_ring[(size_t)tile * TILE_RINGS + tile_ring];
    if (*slot && *slot != dev_ring + 1) return -1;
    if (n->ring_tile[dev_ring] != UINT_MAX) /* moved: forget the old tile ring */
        n->local_ring[(size_t)n->ring_tile[dev_ring] * TILE_RINGS + n->ring_local[dev_ring]] = 0;
    *slot = dev_ring + 1;
    n->ring_tile[dev_ring] = tile;
    n->ring_local[dev_ring] = tile_ring;
    /* descriptors already waiting */
    uint64_t waiting = mpipe_drv_ring_waiting(n->m, dev_ring);
    if (waiting) chip_ring_post(n->chip, tile, tile_ring, waiting, sim_engine_now(n->engine));
    return 0;
}

/* ---- driver calls (struct tile_nic_ops) ---- */

static int dev_ring_of(struct chip_nic *n, unsigned tile, unsigned ring) {
    if (tile >= chip_tile_count(n->chip) || ring >= TILE_RINGS) return -1;
    unsigned v = n->local_ring[(size_t)tile * TILE_RINGS + ring];
    return v ? (int)(v - 1) : -1;
}

static bool pa_of(struct chip_nic *n, const void *p, size_t len, uint64_t *pa) {
    struct mem_region *r = mem_lookup(chip_mem_map(n->chip), (uintptr_t)p);
    if (!r || (uintptr_t)p - (uintptr_t)r->host + len > r->size) return false;
    *pa = r->pa + ((uintptr_t)p - (uintptr_t)r->host);
    return true;
}

static void bad(struct chip_nic *n) {
    n->st.bad_pointer++;
    mpipe_drv_count_error(n->m);
}

static uint64_t op_poll(void *ctx, unsigned tile, unsigned ring, sim_time_t now,
                        struct tile_pkt *out, uint64_t max, bool *more, uint64_t *cycles) {
    struct chip_nic *n = ctx;
    *more = false;
    int dr = dev_ring_of(n, tile, ring);
    if (dr < 0 || (!out && max)) {
        mpipe_drv_count_error(n->m);
        return 0;
    }
    struct mpipe_idesc d[32];
    uint64_t got = 0;
    while (got < max) {
        uint64_t want = max - got < 32 ? max - got : 32;
        uint64_t k = mpipe_drv_poll(n->m, (unsigned)dr, now, d, want, cycles);
        for (uint64_t i = 0; i < k; i++) {
            struct mem_region *r;
            uint8_t *h = host_of(n, d[i].buf_addr, d[i].size ? d[i].size : 1, &r);
            out[got + i] = (struct tile_pkt){
                .data = h,
                .size = d[i].size,
                .flow_hash = d[i].flow_hash,
                .timestamp_ps = d[i].timestamp_ps,
                .l3_off = d[i].l3_off,
                .l4_off = d[i].l4_off,
                .l4_csum = d[i].l4_csum,
                .flags = d[i].flags,
                .port = d[i].port,
                .stack = d[i].stack,
            };
        }
        got += k;
        if (k < want) break;
    }
    sim_time_t e = sim_engine_now(n->engine);
    if (now < e) now = e;
    *more = mpipe_drv_ring_visible(n->m, (unsigned)dr, now);
    return got;
}

static int op_credit(void *ctx, unsigned tile, unsigned ring, uint64_t k, sim_time_t now,
                     uint64_t *cycles) {
    struct chip_nic *n = ctx;
    int dr = dev_ring_of(n, tile, ring);
    if (dr < 0) {
        mpipe_drv_count_error(n->m);
        return -1;
    }
    return mpipe_drv_credit(n->m, (unsigned)dr, k, now, cycles);
}

static int op_buffer_return(void *ctx, unsigned stack, void *buf, sim_time_t now,
                            uint64_t *cycles) {
    struct chip_nic *n = ctx;
    uint64_t pa;
    if (!pa_of(n, buf, 1, &pa)) {
        bad(n);
        return -1;
    }
    return mpipe_drv_buffer_return(n->m, stack, pa, now, cycles);
}

static void *op_buffer_alloc(void *ctx, unsigned stack, sim_time_t now, uint64_t *cycles) {
    struct chip_nic *n = ctx;
    uint64_t pa;
    if (mpipe_drv_buffer_alloc(n->m, stack, &pa, now, cycles) != 0) return NULL;
    struct mem_region *r;
    return host_of(n, pa, 1, &r);
}

static uint64_t op_post(void *ctx, unsigned ering, const struct tile_txd *d, uint64_t k,
                        sim_time_t now, uint64_t *cycles) {
    struct chip_nic *n = ctx;
    if ((!d && k) || ering >= mpipe_drv_erings(n->m)) {
        mpipe_drv_count_error(n->m);
        return 0;
    }
    if (k > n->scratch_cap) { /* more than the ring holds */
        mpipe_drv_count_post_full(n->m, ering);
        return 0;
    }
    for (uint64_t i = 0; i < k; i++) {
        uint64_t pa;
        if (!pa_of(n, d[i].data, d[i].size, &pa)) {
            bad(n);
            return 0;
        }
        n->scratch[i] = (struct mpipe_edesc){
            .addr = pa,
            .size = d[i].size,
            .eop = d[i].eop,
            .csum = d[i].csum,
            .csum_start = d[i].csum_start,
            .csum_dest = d[i].csum_dest,
            .csum_seed = d[i].csum_seed,
            .hwb = d[i].hwb,
            .stack = d[i].stack,
        };
    }
    return mpipe_drv_edma_post(n->m, ering, n->scratch, k, now, cycles);
}

static int op_doorbell(void *ctx, unsigned ering, sim_time_t now, uint64_t *cycles) {
    struct chip_nic *n = ctx;
    return mpipe_drv_edma_doorbell(n->m, ering, now, cycles);
}

static uint64_t op_completed(void *ctx, unsigned ering, sim_time_t now, uint64_t *cycles) {
    struct chip_nic *n = ctx;
    return mpipe_drv_edma_completed(n->m, ering, now, cycles);
}

static uint64_t op_space(void *ctx, unsigned ering) {
    struct chip_nic *n = ctx;
    return mpipe_drv_edma_space(n->m, ering);
}

static int op_reg(void *ctx, unsigned tile, unsigned process, const void *p, size_t len) {
    struct chip_nic *n = ctx;
    struct tile *t = chip_tile(n->chip, tile);
    uint64_t pa;
    struct mem_region *r = mem_lookup(chip_mem_map(n->chip), (uintptr_t)p);
    /* only memory the tile itself may read */
    if (!t || !r || len == 0 || !pa_of(n, p, len, &pa) ||
        !(mem_rights(r, (int)tile_role(t), (int)tile, (int)process) & COV_READ)) {
        n->st.register_refused++;
        return -1;
    }
    return add_range(n, pa, len);
}

static const struct tile_nic_ops nic_ops = {
    op_poll,     op_credit,    op_buffer_return, op_buffer_alloc, op_post,
    op_doorbell, op_completed, op_space,         op_reg,
};

/* ---- life cycle ---- */

struct chip_nic *chip_nic_create(struct chip *chip, struct sim_engine *e,
                                 const struct nic_config *cfg, const char *name, char *err,
                                 size_t errlen) {
    if (!nic_config_check(cfg, err, errlen)) return NULL;
    unsigned ntiles = chip_tile_count(chip);
    if (cfg->mpipe.shim_tile >= ntiles) {
        snprintf(err, errlen, "nic.mpipe.shim_tile: %llu is not a tile of this chip (0..%u)",
                 (unsigned long long)cfg->mpipe.shim_tile, ntiles - 1);
        return NULL;
    }
    struct chip_nic *n = calloc(1, sizeof *n);
    if (!n) {
        snprintf(err, errlen, "%s: out of memory", name);
        return NULL;
    }
    n->chip = chip;
    n->engine = e;
    n->cfg = cfg;
    n->shim = (unsigned)cfg->mpipe.shim_tile;
    sim_clock_init(&n->core, chip_caches(chip)->cfg.core_freq_hz);
    char rname[40];
    snprintf(rname, sizeof rname, "%.32s.rx", name);
    n->rx = chip_region_create(chip, MEM_RX, rname, mpipe_rx_bytes(cfg), -1, -1);
    snprintf(rname, sizeof rname, "%.32s.txhdr", name);
    n->tx = chip_region_create(chip, MEM_TX_HDR, rname, mpipe_tx_bytes(cfg), -1, -1);
    n->ring_tile = malloc(cfg->mpipe.rings * sizeof *n->ring_tile);
    n->ring_local = calloc(cfg->mpipe.rings, sizeof *n->ring_local);
    n->local_ring = calloc((size_t)ntiles * TILE_RINGS, sizeof *n->local_ring);
    n->scratch_cap = cfg->mpipe.edma_ring_entries;
    n->scratch = malloc(n->scratch_cap * sizeof *n->scratch);
    if (!n->rx || !n->tx || !n->ring_tile || !n->ring_local || !n->local_ring || !n->scratch ||
        add_range(n, n->rx->pa, n->rx->size) || add_range(n, n->tx->pa, n->tx->size)) {
        snprintf(err, errlen, "%s: out of memory for the device's regions", name);
        chip_nic_destroy(n);
        return NULL;
    }
    for (uint64_t r = 0; r < cfg->mpipe.rings; r++) n->ring_tile[r] = UINT_MAX;
    n->m = mpipe_create(e, cfg, &chip_nic_mem_ops, n, n->rx->pa, n->rx->size, n->tx->pa,
                        n->tx->size, name, err, errlen);
    if (!n->m) {
        chip_nic_destroy(n);
        return NULL;
    }
    mpipe_set_notify(n->m, on_notify, n);
    chip_set_nic(chip, &nic_ops, n);
    return n;
}

void chip_nic_destroy(struct chip_nic *n) {
    if (!n) return;
    if (n->m) {
        chip_set_nic(n->chip, NULL, NULL);
        mpipe_destroy(n->m);
    }
    free(n->ring_tile);
    free(n->ring_local);
    free(n->local_ring);
    free(n->scratch);
    free(n->reg);
    free(n);
}

struct mpipe *chip_nic_mpipe(struct chip_nic *n) {
    return n->m;
}

void chip_nic_write_stats(const struct chip_nic *n, struct json_writer *w) {
    json_object_begin(w);
    json_key(w, "dma");
    json_object_begin(w);
    json_kv_uint(w, "writes", n->st.dma_writes);
    json_kv_uint(w, "write_lines", n->st.dma_write_lines);
    json_kv_uint(w, "invalidations", n->st.dma_invalidations);
    json_kv_uint(w, "reads", n->st.dma_reads);
    json_kv_uint(w, "read_lines", n->st.dma_read_lines);
    json_kv_uint(w, "errors", n->st.dma_errors);
    json_kv_uint(w, "unmapped_notify", n->st.unmapped_notify);
    json_kv_uint(w, "bad_pointer", n->st.bad_pointer);
    json_kv_uint(w, "registered", n->st.registered);
    json_kv_uint(w, "register_refused", n->st.register_refused);
    json_object_end(w);
    json_key(w, "mpipe");
    mpipe_write_stats(n->m, w);
    json_object_end(w);
}
