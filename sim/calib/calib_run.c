/* sim/calib/calib_run.c: the "tile-calib" experiment kind. See calib_run.h. */
#include "sim/calib/calib_run.h"

#include <stdio.h>
#include <string.h>

#include "noc/noc_config.h"
#include "sim/calib/calib.h"
#include "sim/chip/chip_udn.h"
#include "sim/kernel/json.h"
#include "sim/tile/cache.h"
#include "sim/tile/chip_config.h"
#include "sim/tile/mem.h"
#include "sim/tile/tile.h"

/* A fresh engine and chip, with the mesh's UDN plugged in (the tile runtime
 * has no UDN of its own). */
static struct chip *make_chip(struct exp_run *run, struct sim_engine **e, struct chip_mesh **cm) {
    char err[256];
    *e = sim_engine_create();
    *cm = *e ? chip_mesh_create(*e, exp_run_section(run, "chip"), exp_run_section(run, "noc"), err,
                                sizeof err)
             : NULL;
    if (!*cm) {
        snprintf(run->stop_reason, sizeof run->stop_reason, "%s", *e ? err : "out of memory");
        if (*e) sim_engine_destroy(*e);
        *e = NULL;
        return NULL;
    }
    return chip_mesh_chip(*cm);
}

/* Each measurement runs on a fresh chip and engine; the run's totals add
 * them up. */
static void count_engine(struct exp_run *run, struct sim_engine *e) {
    run->own_events += sim_engine_events_run(e);
    run->own_sim_ps += sim_engine_now(e);
}

static bool check_faults(struct exp_run *run, struct chip *c) {
    const struct tile_fault *f;
    if (!chip_faults(c, &f)) return true;
    snprintf(run->stop_reason, sizeof run->stop_reason, "tile %u: %s fault: %s at %s", f[0].tile,
             tile_fault_kind_names[f[0].kind], f[0].what, f[0].where);
    return false;
}

/* Cycles per step of a chase through `bytes` from `tile`; < 0 on failure. */
static double chase(struct exp_run *run, unsigned tile, uint64_t bytes, uint64_t steps) {
    struct sim_engine *e;
    struct chip_mesh *cm;
    struct chip *c = make_chip(run, &e, &cm);
    if (!c) return -1;
    double cps = -1;
    struct mem_region *r = chip_region_create(c, MEM_SHARED, "chase", bytes, -1, -1);
    struct calib_chase *job = mem_alloc(chip_shared_region(c), sizeof *job);
    char err[256];
    if (!r || !job) {
        snprintf(run->stop_reason, sizeof run->stop_reason, "chase: out of simulated memory");
    } else {
        *job = (struct calib_chase){.buf = r->host, .bytes = bytes, .steps = steps};
        if (chip_tile_start(c, tile, TILE_ROLE_APP, 0, calib_chase_main, job, err, sizeof err)) {
            snprintf(run->stop_reason, sizeof run->stop_reason, "%s", err);
        } else {
            sim_engine_run_until(e, SIM_TIME_MAX);
            count_engine(run, e);
            if (check_faults(run, c)) cps = job->cycles_per_step;
        }
    }
    chip_mesh_destroy(cm);
    sim_engine_destroy(e);
    return cps;
}

/* Cycles per one-way UDN message between tile 0 and `peer` (calib_udnlat);
 * < 0 on failure. */
static double udn_one_way(struct exp_run *run, unsigned peer) {
    struct sim_engine *e;
    struct chip_mesh *cm;
    struct chip *c = make_chip(run, &e, &cm);
    if (!c) return -1;
    double cyc = -1;
    struct calib_udnlat *a = mem_alloc(chip_private_region(c, 0), sizeof *a);
    struct calib_udnlat *b = mem_alloc(chip_private_region(c, peer), sizeof *b);
    char err[256];
    if (!a || !b) {
        snprintf(run->stop_reason, sizeof run->stop_reason, "udn latency: out of simulated memory");
    } else {
        *a = (struct calib_udnlat){.peer = peer, .starter = 1, .warmup = 4, .rounds = 100};
        *b = (struct calib_udnlat){.peer = 0, .warmup = 4, .rounds = 100};
        if (chip_tile_start(c, 0, TILE_ROLE_APP, 0, calib_udnlat_main, a, err, sizeof err) ||
            chip_tile_start(c, peer, TILE_ROLE_APP, 0, calib_udnlat_main, b, err, sizeof err)) {
            snprintf(run->stop_reason, sizeof run->stop_reason, "%s", err);
        } else {
            sim_engine_run_until(e, SIM_TIME_MAX);
            count_engine(run, e);
            if (check_faults(run, c)) cyc = a->cycles_one_way;
            if (cyc < 0 && !run->stop_reason[0])
                snprintf(run->stop_reason, sizeof run->stop_reason,
                         "udn latency: tile 0 <-> %u did not finish", peer);
        }
    }
    chip_mesh_destroy(cm);
    sim_engine_destroy(e);
    return cyc;
}

int calib_run(struct exp_run *run) {
    const struct noc_config *noc = exp_run_section(run, "noc");
    unsigned w = (unsigned)noc->width, h = (unsigned)noc->height;
    unsigned centre = (h / 2) * w + w / 2;
    const struct chip_config *cc = exp_run_section(run, "chip");
    uint64_t l1 = cc->l1d.size_bytes / 2, l2 = cc->l2.size_bytes / 2;
    uint64_t l3 = cc->l2.size_bytes * 8;
    uint64_t dram = cc->l2.size_bytes * w * h * 3; /* 3x the L3 (the tiles' L2s) */
    struct {
        const char *name;
        unsigned tile;
        uint64_t bytes;
    } chases[] = {
        {"l1", 0, l1},     {"l2", 0, l2}, {"l3_tile0", 0, l3}, {"l3_centre", centre, l3},
        {"dram", 0, dram},
    };
    double cps[5];
    for (int i = 0; i < 5; i++) {
        cps[i] = chase(run, chases[i].tile, chases[i].bytes, 16384);
        if (cps[i] < 0) return TSR_EXIT_RUN_FAILED;
    }
    json_key(run->stats, "chase_cycles_per_load");
    json_object_begin(run->stats);
    for (int i = 0; i < 5; i++) json_kv_double(run->stats, chases[i].name, cps[i]);
    json_object_end(run->stats);

    /* tile 0 with tiles along row 0, then the far corner */
    unsigned peers[64], np = 0;
    for (unsigned x = 1; x < w && np < 63; x++) peers[np++] = x;
    if (w * h - 1 != peers[np ? np - 1 : 0] && w * h > 1) peers[np++] = w * h - 1;

    /* UDN latency per hop: one-way cycles vs hops and their least-squares
     * line, over the mesh each chip is built with (docs/tiles.md). */
    FILE *ucsv = exp_open_csv(run, "udn_latency.csv");
    if (!ucsv) return TSR_EXIT_RUN_FAILED;
    fprintf(ucsv, "peer,hops,cycles_one_way\n");
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    json_key(run->stats, "udn_latency");
    json_object_begin(run->stats);
    json_kv_string(run->stats, "model", "tile runtime, direct (no network plugged in)");
    json_key(run->stats, "points");
    json_array_begin(run->stats);
    for (unsigned i = 0; i < np; i++) {
        double cyc = udn_one_way(run, peers[i]);
        if (cyc < 0) {
            fclose(ucsv);
            return TSR_EXIT_RUN_FAILED;
        }
        double x = (double)(peers[i] % w + peers[i] / w); /* hops from tile 0 */
        fprintf(ucsv, "%u,%.0f,%.2f\n", peers[i], x, cyc);
        json_object_begin(run->stats);
        json_kv_uint(run->stats, "peer", peers[i]);
        json_kv_uint(run->stats, "hops", (uint64_t)x);
        json_kv_double(run->stats, "cycles_one_way", cyc);
        json_object_end(run->stats);
        sx += x, sy += cyc, sxx += x * x, sxy += x * cyc;
    }
    json_array_end(run->stats);
    fclose(ucsv);
    double den = (double)np * sxx - sx * sx;
    double slope = np > 1 && den > 0 ? ((double)np * sxy - sx * sy) / den : 0;
    double icpt = np ? (sy - slope * sx) / (double)np : 0;
    json_kv_double(run->stats, "cycles_per_hop", slope);
    json_kv_double(run->stats, "cycles_at_0_hops", icpt);
    json_object_end(run->stats);

    /* ping-pong of a counter line */
    FILE *csv = exp_open_csv(run, "pingpong.csv");
    if (!csv) return TSR_EXIT_RUN_FAILED;
    fprintf(csv, "peer,hops,memory_cycles_per_round\n");
    json_key(run->stats, "pingpong");
    json_array_begin(run->stats);
    int rc = TSR_EXIT_OK;
    for (unsigned i = 0; i < np && rc == TSR_EXIT_OK; i++) {
        struct sim_engine *e;
        struct chip_mesh *cm;
        struct chip *c = make_chip(run, &e, &cm);
        if (!c) return TSR_EXIT_RUN_FAILED;
        unsigned p = peers[i];
        struct mem_region *line = chip_region_create(c, MEM_SHARED, "counter", 64, -1, 0);
        struct calib_pingpong *a = mem_alloc(chip_private_region(c, 0), sizeof *a);
        struct calib_pingpong *b = mem_alloc(chip_private_region(c, p), sizeof *b);
        char err[256];
        if (!line || !a || !b) {
            snprintf(run->stop_reason, sizeof run->stop_reason,
                     "ping-pong: out of simulated memory");
            rc = TSR_EXIT_RUN_FAILED;
        } else {
            *a = (struct calib_pingpong){
                .counter = (uint64_t *)line->host, .peer = p, .rounds = 200, .starter = 1};
            *b = (struct calib_pingpong){
                .counter = (uint64_t *)line->host, .peer = 0, .rounds = 200};
            if (chip_tile_start(c, 0, TILE_ROLE_APP, 0, calib_pingpong_main, a, err, sizeof err) ||
                chip_tile_start(c, p, TILE_ROLE_APP, 0, calib_pingpong_main, b, err, sizeof err)) {
                snprintf(run->stop_reason, sizeof run->stop_reason, "%s", err);
                rc = TSR_EXIT_RUN_FAILED;
            } else {
                sim_engine_run_until(e, SIM_TIME_MAX);
                count_engine(run, e);
                if (!check_faults(run, c)) rc = TSR_EXIT_RUN_FAILED;
            }
        }
        if (rc == TSR_EXIT_OK) {
            unsigned hops = cache_hops(chip_caches(c), 0, p);
            double m =
                (double)(chip_tile_prof(c, 0)->mem_cycles + chip_tile_prof(c, p)->mem_cycles) /
                200.0;
            fprintf(csv, "%u,%u,%.2f\n", p, hops, m);
            json_object_begin(run->stats);
            json_kv_uint(run->stats, "peer", p);
            json_kv_uint(run->stats, "hops", hops);
            json_kv_double(run->stats, "memory_cycles_per_round", m);
            json_object_end(run->stats);
            if (i + 1 == np) {
                chip_finish(c, sim_engine_now(e));
                char path[4096];
                snprintf(path, sizeof path, "%s/tile_profile.csv", run->out_dir);
                if (chip_write_profile_csv(c, path)) {
                    snprintf(run->stop_reason, sizeof run->stop_reason, "cannot write %s", path);
                    rc = TSR_EXIT_RUN_FAILED;
                }
                json_array_end(run->stats);
                json_key(run->stats, "chip");
                chip_write_stats(c, run->stats);
            }
        } else {
            json_array_end(run->stats);
        }
        chip_mesh_destroy(cm);
        sim_engine_destroy(e);
    }
    if (np == 0) json_array_end(run->stats);
    fclose(csv);
    snprintf(run->summary, sizeof run->summary,
             "chase cycles/load: L1 %.2f, L2 %.2f, L3 %.2f (tile 0) %.2f (centre), DRAM %.2f; "
             "UDN %.2f cycles/hop",
             cps[0], cps[1], cps[2], cps[3], cps[4], slope);
    return rc;
}

static const char *const calib_sections[] = {"chip", "noc", NULL};
/* The microbenchmarks need a neighbour and run their own fixed phases. */
static bool calib_check(const struct exp_run *run, char *msg, size_t len) {
    const struct noc_config *noc = exp_run_section(run, "noc");
    if (noc->width * noc->height < 2) {
        snprintf(msg, len,
                 "noc.width: tile-calib needs at least 2 tiles (its ping-pong and UDN latency "
                 "pass messages between tiles), found a %llux%llu mesh",
                 (unsigned long long)noc->width, (unsigned long long)noc->height);
        return false;
    }
    if (!cache_mesh_check(noc->width, noc->height, msg, len)) return false;
    /* Each measurement's chip holds one region of its own besides the
     * chip's: the largest is a chase buffer (calib_run's table: half the
     * L1, half the L2, 8 L2s, 3x the L3 = 3 x tiles L2s); a ping-pong's
     * counter line is smaller. */
    const struct chip_config *cc = exp_run_section(run, "chip");
    uint64_t tiles = noc->width * noc->height;
    struct chip_mem_need chase = {"chip.l1d.size_bytes", "the largest chase buffer",
                                  cc->l1d.size_bytes / 2, 1};
    uint64_t l2s = cc->l2.size_bytes * (tiles * 3 > 8 ? tiles * 3 : 8);
    if (l2s > chase.bytes) chase.key = "chip.l2.size_bytes", chase.bytes = l2s;
    if (!chip_sim_memory_check(cc, tiles, &chase, 1, msg, len)) return false;
    if (run->duration_ns) {
        snprintf(msg, len,
                 "experiment.duration_ns: tile-calib runs each microbenchmark to its end, so a "
                 "duration would be ignored; remove it");
        return false;
    }
    return true;
}

const struct exp_kind calib_kind = {"tile-calib", calib_sections, calib_run, calib_check};
