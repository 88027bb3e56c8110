/* nic/exp/nic_echo_exp.c: the "nic-echo" experiment kind. See nic_echo_exp.h. */
#include "nic/exp/nic_echo_exp.h"

#include "nic/nic_config.h"
#include "noc/noc_config.h"
#include "sim/tile/chip_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/chip/chip_nic.h"
#include "nic/eth_gen.h"
#include "sim/kernel/json.h"
#include "sim/tile/mem.h"
#include "sim/kernel/progress.h"
#include "sim/kernel/stats.h"
#include "sim/tile/tile.h"
#include "workloads/tile/echo_tile.h"

#define SEQ_WINDOW_MAX (1u << 20)

/* Send times by sequence number, in a window of the last `mask + 1` frames:
 * echoes come back long before 2^20 later frames are sent (the device holds
 * far fewer buffers), so a slot is never reused while its frame is out. */
struct echo_lat {
    struct {
        uint64_t seq;
        sim_time_t t;
    } *slot;
    uint64_t mask;
    size_t hdr;        /* bytes before the sequence number */
    sim_time_t warmup; /* frames sent before are not recorded */
    struct stat_hist h;
    uint64_t unmatched; /* echoes without a send time (runt, duplicate, foreign) */
};

static void lat_tx(void *ctx, uint64_t seq, sim_time_t t) {
    struct echo_lat *l = ctx;
    l->slot[seq & l->mask].seq = seq;
    l->slot[seq & l->mask].t = t;
}

static void lat_rx(void *ctx, const struct eth_frame *f, sim_time_t t) {
    struct echo_lat *l = ctx;
    if (f->len < l->hdr + 8) {
        l->unmatched++;
        return;
    }
    uint64_t seq = 0;
    for (size_t b = 0; b < 8; b++) seq = seq << 8 | f->data[l->hdr + b];
    if (l->slot[seq & l->mask].seq != seq) {
        l->unmatched++;
        return;
    }
    sim_time_t sent = l->slot[seq & l->mask].t;
    l->slot[seq & l->mask].seq = UINT64_MAX; /* a second echo is unmatched */
    if (sent >= l->warmup && t >= sent) stat_hist_record(&l->h, t - sent);
}

/* What the schema and nic_config_check cannot see: nic.echo against the
 * mesh and the device. */
/* The configuration sections the kind reads (copies of the run's). */
struct echo_cfg {
    struct chip_config chip;
    struct noc_config noc;
    struct nic_config nic;
    uint64_t duration_ns, warmup_ns;
};

static bool check_config(const struct echo_cfg *c, char *err, size_t errlen) {
    const struct nic_echo_config *e = &c->nic.echo;
    uint64_t tiles = (uint64_t)c->noc.width * (uint64_t)c->noc.height;
    if (e->first_tile + e->echo_tiles > tiles) {
        snprintf(err, errlen,
                 "nic.echo.first_tile + nic.echo.echo_tiles: expected at most the %llu tiles of "
                 "the %llux%llu mesh, found %llu + %llu",
                 (unsigned long long)tiles, (unsigned long long)c->noc.width,
                 (unsigned long long)c->noc.height, (unsigned long long)e->first_tile,
                 (unsigned long long)e->echo_tiles);
        return false;
    }
    if (e->echo_tiles != c->nic.mpipe.rings) {
        snprintf(err, errlen,
                 "nic.echo.echo_tiles: expected equal to nic.mpipe.rings (%llu: one echo tile "
                 "per notification ring), found %llu",
                 (unsigned long long)c->nic.mpipe.rings, (unsigned long long)e->echo_tiles);
        return false;
    }
    if (e->echo_tiles > c->nic.mpipe.edma_rings) {
        snprintf(err, errlen,
                 "nic.echo.echo_tiles: expected at most nic.mpipe.edma_rings (%llu: one eDMA "
                 "ring per echo tile), found %llu",
                 (unsigned long long)c->nic.mpipe.edma_rings, (unsigned long long)e->echo_tiles);
        return false;
    }
    return true;
}

/* n arrivals at first .. last: n - 1 intervals */
static double rate_pps(uint64_t n, sim_time_t first, sim_time_t last) {
    return n > 1 && last > first ? (double)(n - 1) * 1e12 / (double)(last - first) : 0.0;
}

struct tile_sum {
    uint64_t total, idle, driver;
};

static void write_tile(struct json_writer *w, unsigned tile, const struct echo_tile *x,
                       const struct tile_prof *pr, struct tile_sum *sum) {
    uint64_t total = 0;
    for (unsigned l = 0; l < TILE_LABEL_COUNT; l++) total += pr->cycles[l];
    uint64_t idle = pr->cycles[TILE_LABEL_IDLE], drv = pr->cycles[TILE_LABEL_DRIVER];
    sum->total += total;
    sum->idle += idle;
    sum->driver += drv;
    json_object_begin(w);
    json_kv_uint(w, "tile", tile);
    json_kv_uint(w, "echoed", x->echoed);
    json_kv_uint(w, "dropped", x->dropped);
    json_kv_uint(w, "batches", x->batches);
    json_kv_uint(w, "empty_polls", x->empty_polls);
    json_kv_double(w, "busy_fraction", total ? 1.0 - (double)idle / (double)total : 0.0);
    json_kv_double(w, "driver_fraction", total ? (double)drv / (double)total : 0.0);
    json_kv_double(w, "driver_share_of_busy",
                   total > idle ? (double)drv / (double)(total - idle) : 0.0);
    json_key(w, "cycles");
    json_object_begin(w);
    for (unsigned l = 0; l < TILE_LABEL_COUNT; l++)
        json_kv_uint(w, tile_label_names[l], pr->cycles[l]);
    json_object_end(w);
    json_kv_uint(w, "instructions", pr->instr);
    json_kv_uint(w, "handlers", pr->handlers);
    json_object_end(w);
}

int nic_echo_run(struct exp_run *run) {
    const struct echo_cfg ecfg = {*(const struct chip_config *)exp_run_section(run, "chip"),
                                  *(const struct noc_config *)exp_run_section(run, "noc"),
                                  *(const struct nic_config *)exp_run_section(run, "nic"),
                                  run->duration_ns, run->warmup_ns};
    const struct echo_cfg *cfg = &ecfg;
    const struct nic_echo_config *ec = &cfg->nic.echo;
    struct sim_engine *eng = run->engine;
    char err[256];
    if (!check_config(cfg, err, sizeof err)) {
        snprintf(run->stop_reason, sizeof run->stop_reason, "%s", err);
        return TSR_EXIT_BAD_INPUT;
    }
    unsigned ntiles = (unsigned)ec->echo_tiles, first = (unsigned)ec->first_tile;
    uint64_t fcs = cfg->nic.eth.fcs_bytes;
    size_t gen_bytes = (size_t)(ec->frame_bytes - fcs);
    double line_pps = 1e12 / (double)eth_wire_time(&cfg->nic.eth, gen_bytes);
    struct eth_gen_params gp = {.count = ec->frames, .frame_bytes = gen_bytes,
                                .flows = ec->flows, .proto = IP_PROTO_UDP, .seed = run->seed};
    if (ec->rate < 1.0) {
        gp.rate_pps = (uint64_t)(ec->rate * line_pps + 0.5);
        if (gp.rate_pps == 0) gp.rate_pps = 1;
    }

    struct echo_lat lat = {.hdr = eth_build_header_bytes(IP_PROTO_UDP),
                           .warmup = SIM_NS(cfg->warmup_ns)};
    uint64_t win = 1;
    while (win < ec->frames && win < SEQ_WINDOW_MAX) win <<= 1;
    lat.mask = win - 1;
    lat.slot = malloc(win * sizeof *lat.slot);
    if (!lat.slot || !stat_hist_init(&lat.h, STAT_HIST_DEFAULT_SUB_BITS)) {
        free(lat.slot);
        snprintf(run->stop_reason, sizeof run->stop_reason, "nic-echo: out of memory");
        return TSR_EXIT_RUN_FAILED;
    }
    for (uint64_t i = 0; i < win; i++) lat.slot[i].seq = UINT64_MAX;

    int rc = TSR_EXIT_OK;
    struct chip *chip = NULL;
    struct chip_nic *cn = NULL;
    struct eth_gen *gen = NULL;
    struct echo_tile *x[256];
    struct chip_geom geom = {(unsigned)cfg->noc.width, (unsigned)cfg->noc.height,
                             cfg->noc.udn.demux_depth_words};
    chip = chip_create(&cfg->chip, &geom, eng, err, sizeof err);
    if (chip) cn = chip_nic_create(chip, eng, &cfg->nic, "chip0", err, sizeof err);
    if (cn) gen = eth_gen_create(eng, &cfg->nic.eth, &gp, "gen", err, sizeof err);
    if (!gen) {
        snprintf(run->stop_reason, sizeof run->stop_reason, "nic-echo: %s", err);
        rc = TSR_EXIT_BAD_INPUT;
        goto out;
    }
    struct mpipe *m = chip_nic_mpipe(cn);
    for (unsigned i = 0; i < ntiles; i++) {
        unsigned tile = first + i;
        x[i] = mem_alloc(chip_private_region(chip, tile), sizeof *x[i]);
        if (!x[i]) {
            snprintf(run->stop_reason, sizeof run->stop_reason,
                     "nic-echo: tile %u: private memory exhausted", tile);
            rc = TSR_EXIT_RUN_FAILED;
            goto out;
        }
        *x[i] = (struct echo_tile){.ring = 0, .ering = i, .batch = (unsigned)ec->batch};
        if (mpipe_edma_bind(m, i, 0) || chip_nic_map_ring(cn, i, tile, 0) ||
            chip_tile_start(chip, tile, TILE_ROLE_NET, 0, echo_tile_main, x[i], err, sizeof err)) {
            snprintf(run->stop_reason, sizeof run->stop_reason, "nic-echo: echo tile %u: %s", tile,
                     err);
            rc = TSR_EXIT_RUN_FAILED;
            goto out;
        }
    }
    eth_cable_connect(&gen->port, mpipe_port(m, 0));
    eth_gen_on_tx(gen, lat_tx, &lat);
    eth_gen_on_rx(gen, lat_rx, &lat);
    eth_gen_start(gen, 0);

    uint64_t dur = cfg->duration_ns;
    sim_progress_set_end(run->progress, dur ? SIM_NS(dur) : 0, 0);
    sim_engine_run_until(eng, dur ? SIM_NS(dur) : SIM_TIME_MAX);
    sim_time_t end = sim_engine_now(eng);
    chip_finish(chip, end);

    const struct tile_fault *faults;
    if (chip_faults(chip, &faults)) {
        snprintf(run->stop_reason, sizeof run->stop_reason, "tile %u: %s fault: %s at %s",
                 faults[0].tile, tile_fault_kind_names[faults[0].kind], faults[0].what,
                 faults[0].where);
        rc = TSR_EXIT_RUN_FAILED;
    }

    /* counts */
    const struct mpipe_stats *st = &m->st;
    const struct eth_port_stats *ps = &mpipe_port(m, 0)->st;
    uint64_t echo_drop = 0;
    for (unsigned i = 0; i < ntiles; i++) echo_drop += x[i]->dropped;
    uint64_t port_drop = ps->rx_drop_oversize + ps->rx_drop_runt + ps->rx_drop_overrun +
                         ps->rx_drop_no_client;
    uint64_t egress_refused = st->refused_unregistered + st->refused_too_long +
                              st->refused_oversize + st->refused_dma_error;
    uint64_t dev_drop = st->drop_classifier_full + st->drop_runt + st->drop_bad_ip +
                        st->drop_bad_ip_csum + st->drop_too_big + st->drop_no_buffer +
                        st->drop_ring_full + st->drop_dma_error;
    uint64_t dropped = dev_drop + port_drop + echo_drop + egress_refused;
    uint64_t generated = gen->sent, echoed = gen->rx_frames;
    uint64_t accounted = echoed + dropped;
    uint64_t unaccounted = generated > accounted ? generated - accounted : 0;

    /* offered: frames over the wire time they took at the generator's port
     * (from the first hand-over to the end of the last frame's gap), so the
     * first frames filling the MAC FIFO at once do not inflate it */
    double offered = generated && gen->port.idle_at > gen->tx_first
                         ? (double)generated * 1e12 / (double)(gen->port.idle_at - gen->tx_first)
                         : 0.0;
    double achieved = rate_pps(echoed, gen->rx_first, gen->rx_last);
    double bits = (double)ec->frame_bytes * 8.0;

    struct json_writer *w = run->stats;
    json_kv_uint(w, "sim_time_ns", end / 1000u);
    json_key(w, "frames");
    json_object_begin(w);
    json_kv_uint(w, "generated", generated);
    json_kv_uint(w, "echoed", echoed);
    json_kv_uint(w, "dropped", dropped);
    json_kv_uint(w, "unaccounted", unaccounted);
    json_kv_uint(w, "frame_bytes", ec->frame_bytes);
    json_kv_uint(w, "flows", ec->flows);
    json_object_end(w);

    json_key(w, "drops");
    json_object_begin(w);
    json_kv_uint(w, "classifier_full", st->drop_classifier_full);
    json_kv_uint(w, "runt", st->drop_runt);
    json_kv_uint(w, "bad_ip", st->drop_bad_ip);
    json_kv_uint(w, "bad_ip_csum", st->drop_bad_ip_csum);
    json_kv_uint(w, "too_big", st->drop_too_big);
    json_kv_uint(w, "no_buffer", st->drop_no_buffer);
    json_kv_uint(w, "ring_full", st->drop_ring_full);
    json_kv_uint(w, "dma_error", st->drop_dma_error);
    json_kv_uint(w, "port_rx", port_drop);
    json_kv_uint(w, "echo_edma_full", echo_drop);
    json_kv_uint(w, "egress_refused", egress_refused);
    json_object_end(w);

    json_key(w, "rate");
    json_object_begin(w);
    json_kv_double(w, "configured_line_fraction", ec->rate);
    json_kv_double(w, "line_mpps", line_pps / 1e6);
    json_kv_double(w, "offered_mpps", offered / 1e6);
    json_kv_double(w, "offered_gbps", offered * bits / 1e9);
    json_kv_double(w, "offered_line_fraction", offered / line_pps);
    json_kv_double(w, "achieved_mpps", achieved / 1e6);
    json_kv_double(w, "achieved_gbps", achieved * bits / 1e9);
    json_kv_double(w, "achieved_line_fraction", achieved / line_pps);
    json_object_end(w);

    json_key(w, "latency_ns");
    stat_hist_write_json(&lat.h, w, 1000.0, "ns");
    json_kv_uint(w, "latency_unmatched", lat.unmatched);

    json_key(w, "echo_tiles");
    json_array_begin(w);
    struct tile_sum sum = {0};
    for (unsigned i = 0; i < ntiles; i++)
        write_tile(w, first + i, x[i], chip_tile_prof(chip, first + i), &sum);
    json_array_end(w);
    double busy = sum.total ? 1.0 - (double)sum.idle / (double)sum.total : 0.0;
    double drv_busy =
        sum.total > sum.idle ? (double)sum.driver / (double)(sum.total - sum.idle) : 0.0;
    json_key(w, "echo_tiles_total");
    json_object_begin(w);
    json_kv_double(w, "busy_fraction", busy);
    json_kv_double(w, "driver_fraction", sum.total ? (double)sum.driver / (double)sum.total : 0.0);
    json_kv_double(w, "driver_share_of_busy", drv_busy);
    json_object_end(w);

    json_key(w, "chip_nic");
    chip_nic_write_stats(cn, w);
    json_key(w, "ports");
    json_object_begin(w);
    json_key(w, "gen");
    eth_port_write_stats(&gen->port, w);
    json_key(w, "chip0.p0");
    eth_port_write_stats(mpipe_port(m, 0), w);
    json_object_end(w);
    json_key(w, "chip");
    chip_write_stats(chip, w);

    char path[4096];
    snprintf(path, sizeof path, "%s/tile_profile.csv", run->out_dir);
    if (chip_write_profile_csv(chip, path)) {
        snprintf(run->stop_reason, sizeof run->stop_reason, "cannot write %s", path);
        rc = TSR_EXIT_RUN_FAILED;
    }

    snprintf(run->summary, sizeof run->summary,
             "nic-echo: %llu frames of %llu B over %llu flows at %.2f of line rate into %u echo "
             "tiles (%u..%u)\n"
             "echoed %llu, dropped %llu (device %llu, port %llu, echo tiles %llu, egress %llu), "
             "unaccounted %llu\n"
             "offered %.3f Mpps (%.2f Gb/s), echoed %.3f Mpps (%.2f Gb/s); line %.3f Mpps\n"
             "round trip p50 %.0f ns, p99 %.0f ns, max %.0f ns; echo tiles busy %.1f%%, driver "
             "%.1f%% of busy cycles",
             (unsigned long long)generated, (unsigned long long)ec->frame_bytes,
             (unsigned long long)ec->flows, ec->rate, ntiles, first, first + ntiles - 1,
             (unsigned long long)echoed, (unsigned long long)dropped,
             (unsigned long long)dev_drop, (unsigned long long)port_drop,
             (unsigned long long)echo_drop, (unsigned long long)egress_refused,
             (unsigned long long)unaccounted, offered / 1e6, offered * bits / 1e9,
             achieved / 1e6, achieved * bits / 1e9, line_pps / 1e6,
             (double)stat_hist_quantile(&lat.h, 0.5) / 1000.0,
             (double)stat_hist_quantile(&lat.h, 0.99) / 1000.0,
             lat.h.count ? (double)lat.h.max / 1000.0 : 0.0,
             100.0 * busy, 100.0 * drv_busy);

out:
    eth_gen_destroy(gen);
    chip_nic_destroy(cn);
    chip_destroy(chip);
    stat_hist_fini(&lat.h);
    free(lat.slot);
    return rc;
}

static const char *const nic_echo_sections[] = {"chip", "noc", "nic", NULL};
const struct exp_kind nic_echo_kind = {"nic-echo", nic_echo_sections, nic_echo_run};
