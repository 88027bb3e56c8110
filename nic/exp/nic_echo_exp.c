/* nic/nic_echo_exp.c: the "nic-echo" experiment kind. See nic_echo_exp.h. */
#include "nic/exp/nic_echo_exp.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nic/capture.h"
#include "nic/eth.h"
#include "nic/eth_gen.h"
#include "nic/nic_config.h"
#include "noc/noc_config.h"
#include "sim/chip/chip_nic.h"
#include "sim/kernel/json.h"
#include "sim/kernel/progress.h"
#include "sim/kernel/stats.h"
#include "sim/tile/cache.h"
#include "sim/tile/chip_config.h"
#include "sim/tile/mem.h"
#include "sim/tile/tile.h"
#include "workloads/tile/echo_tile.h"

#define SEQ_WINDOW_MAX (1u << 20)
#define ECHO_PORTS_MAX (1 + 16) /* the generator and nic.mpipe.ports <= 16 */

/* Send times by sequence number, in a window of the last `mask + 1` frames:
 * echoes come back long before 2^20 later frames are sent (the device holds
 * far fewer buffers), so a slot is never reused while its frame is out. */
struct echo_lat {
    struct {
        uint64_t seq;
        sim_time_t t;
    } * slot;
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
    /* (tessera run has checked it already; a run built by hand has not) */
    if (!nic_config_check(&c->nic, err, errlen) || !nic_echo_pcap_check(&c->nic, err, errlen))
        return false;
    if (!eth_impair_check(&c->nic.impair, err, errlen)) return false;
    if (!cache_mesh_check(c->noc.width, c->noc.height, err, errlen)) return false;
    uint64_t tiles = (uint64_t)c->noc.width * (uint64_t)c->noc.height;
    if (c->nic.mpipe.shim_tile >= tiles) {
        snprintf(err, errlen, "nic.mpipe.shim_tile: %llu is not a tile of this chip (0..%llu)",
                 (unsigned long long)c->nic.mpipe.shim_tile, (unsigned long long)tiles - 1);
        return false;
    }
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
    /* the chip's regions and the device's (the echo tiles use no process heap) */
    const struct nic_buffer_memory nm = nic_buffer_memory(&c->nic);
    const struct chip_mem_need dev[] = {{nm.rx_key, "Rx buffers", nm.rx_bytes, 1},
                                        {nm.tx_key, "Tx headers", nm.tx_bytes, 1}};
    return chip_sim_memory_check(&c->chip, tiles, dev, 2, err, errlen);
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

/* Everything one run builds, in the order it is built (freed by echo_free). */
struct echo_run {
    struct exp_run *run;
    const struct echo_cfg *cfg;
    const struct nic_echo_config *ec;
    unsigned ntiles, first; /* echo tiles first .. first + ntiles - 1 */
    double line_pps;        /* line rate in frames of frame_bytes */
    struct echo_lat lat;
    struct chip *chip;
    struct chip_nic *cn;
    struct mpipe *m;
    struct eth_gen *gen;
    struct echo_tile *x[256];
    sim_time_t end;
    bool cut; /* experiment.duration_ns ended the run with work left */
    /* ports in nic_echo_port_name order, their capture (NULL: none) */
    size_t nports;
    struct eth_port *port[ECHO_PORTS_MAX];
    struct pcap_writer *pcap[ECHO_PORTS_MAX];
    struct capture_record pcap_rec[ECHO_PORTS_MAX]; /* what each capture wrote */
};

/* What the run counted, for the stats and the summary. */
struct echo_counts {
    uint64_t generated, echoed, dropped, unaccounted;
    uint64_t dev_drop, port_drop, echo_drop, egress_refused;
    uint64_t wire_drop;       /* lost on the generator's cable, either way */
    double offered, achieved; /* frames per second */
    double bits;              /* of a frame with its FCS */
    double busy, drv_busy;    /* of the echo tiles together */
};

/* Step: the send-time table and the latency histogram. */
static int echo_lat_init(struct echo_run *r) {
    r->lat = (struct echo_lat){.hdr = eth_build_header_bytes(IP_PROTO_UDP),
                               .warmup = SIM_NS(r->cfg->warmup_ns)};
    uint64_t win = 1;
    while (win < r->ec->frames && win < SEQ_WINDOW_MAX) win <<= 1;
    r->lat.mask = win - 1;
    r->lat.slot = malloc(win * sizeof *r->lat.slot);
    if (!r->lat.slot || !stat_hist_init(&r->lat.h, STAT_HIST_DEFAULT_SUB_BITS)) {
        free(r->lat.slot);
        r->lat.slot = NULL;
        snprintf(r->run->stop_reason, sizeof r->run->stop_reason, "nic-echo: out of memory");
        return TSR_EXIT_RUN_FAILED;
    }
    for (uint64_t i = 0; i < win; i++) r->lat.slot[i].seq = UINT64_MAX;
    return TSR_EXIT_OK;
}

/* Step: the chip, the device on it and the frame generator. */
static int echo_build(struct echo_run *r) {
    const struct echo_cfg *cfg = r->cfg;
    const struct nic_echo_config *ec = r->ec;
    struct sim_engine *eng = r->run->engine;
    size_t gen_bytes = (size_t)(ec->frame_bytes - cfg->nic.eth.fcs_bytes);
    r->line_pps = 1e12 / (double)eth_wire_time(&cfg->nic.eth, gen_bytes);
    struct eth_gen_params gp = {.count = ec->frames,
                                .frame_bytes = gen_bytes,
                                .flows = ec->flows,
                                .proto = IP_PROTO_UDP,
                                .seed = r->run->seed};
    if (ec->rate < 1.0) {
        gp.rate_pps = (uint64_t)(ec->rate * r->line_pps + 0.5);
        if (gp.rate_pps == 0) gp.rate_pps = 1;
    }
    char err[256];
    struct chip_geom geom = {(unsigned)cfg->noc.width, (unsigned)cfg->noc.height};
    r->chip = chip_create(&cfg->chip, &geom, eng, err, sizeof err);
    if (r->chip) r->cn = chip_nic_create(r->chip, eng, &cfg->nic, "chip0", err, sizeof err);
    if (r->cn) r->gen = eth_gen_create(eng, &cfg->nic.eth, &gp, "gen", err, sizeof err);
    if (!r->gen) {
        snprintf(r->run->stop_reason, sizeof r->run->stop_reason, "nic-echo: %s", err);
        return TSR_EXIT_BAD_INPUT;
    }
    r->m = chip_nic_mpipe(r->cn);
    return TSR_EXIT_OK;
}

/* Step: echo tile i on tile first + i listens to notification ring i and
 * sends on eDMA ring i, bound to port 0. */
static int echo_start_tiles(struct echo_run *r) {
    char err[256];
    for (unsigned i = 0; i < r->ntiles; i++) {
        unsigned tile = r->first + i;
        r->x[i] = mem_alloc(chip_private_region(r->chip, tile), sizeof *r->x[i]);
        if (!r->x[i]) {
            snprintf(r->run->stop_reason, sizeof r->run->stop_reason,
                     "nic-echo: tile %u: private memory exhausted", tile);
            return TSR_EXIT_RUN_FAILED;
        }
        *r->x[i] = (struct echo_tile){.ring = 0, .ering = i, .batch = (unsigned)r->ec->batch};
        if (mpipe_edma_bind(r->m, i, 0) || chip_nic_map_ring(r->cn, i, tile, 0) ||
            chip_tile_start(r->chip, tile, TILE_ROLE_NET, 0, echo_tile_main, r->x[i], err,
                            sizeof err)) {
            snprintf(r->run->stop_reason, sizeof r->run->stop_reason, "nic-echo: echo tile %u: %s",
                     tile, err);
            return TSR_EXIT_RUN_FAILED;
        }
    }
    return TSR_EXIT_OK;
}

/* Step: a pcap writer on each port nic.pcap_ports names (the name was
 * checked by nic_config_check: a failure here is a file that cannot be
 * created). */
static int echo_capture_open(struct echo_run *r) {
    r->nports = nic_echo_port_count(&r->cfg->nic);
    assert(r->nports <= ECHO_PORTS_MAX && r->nports == 1 + r->m->nports);
    r->port[0] = &r->gen->port;
    for (size_t i = 1; i < r->nports; i++) r->port[i] = mpipe_port(r->m, (unsigned)(i - 1));
    for (size_t i = 0; i < r->nports; i++) {
        char name[NIC_PORT_NAME_MAX];
        nic_echo_port_name(&r->cfg->nic, i, name);
        assert(strcmp(name, r->port[i]->name) == 0);
    }
    char err[sizeof r->run->stop_reason];
    if (capture_ports_open(r->port, r->nports, r->cfg->nic.pcap_ports, r->run->out_dir, r->pcap,
                           err, sizeof err) < 0) {
        snprintf(r->run->stop_reason, sizeof r->run->stop_reason, "nic-echo: %s", err);
        return TSR_EXIT_RUN_FAILED;
    }
    return TSR_EXIT_OK;
}

/* Step: close the captures, keeping their frame counts for the stats. */
static int echo_capture_close(struct echo_run *r) {
    char err[sizeof r->run->stop_reason];
    if (!capture_ports_close(r->port, r->nports, r->pcap, r->pcap_rec, err, sizeof err)) {
        snprintf(r->run->stop_reason, sizeof r->run->stop_reason, "nic-echo: %s", err);
        return TSR_EXIT_RUN_FAILED;
    }
    return TSR_EXIT_OK;
}

/* Step: cable the generator to port 0 (a client's cable: nic.impair
 * applies to it both ways, whichever cables it names), run the engine,
 * collect the faults. */
static int echo_simulate(struct echo_run *r) {
    struct sim_engine *eng = r->run->engine;
    eth_cable_connect(&r->gen->port, mpipe_port(r->m, 0));
    const struct nic_impair_config *im = &r->cfg->nic.impair;
    if (eth_impair_applies(im, true)) {
        eth_cable_impair(&r->gen->port, im, r->run->seed);
        eth_cable_impair(mpipe_port(r->m, 0), im, r->run->seed);
    }
    eth_gen_on_tx(r->gen, lat_tx, &r->lat);
    eth_gen_on_rx(r->gen, lat_rx, &r->lat);
    eth_gen_start(r->gen, 0);

    uint64_t dur = r->cfg->duration_ns;
    sim_progress_set_end(r->run->progress, dur ? SIM_NS(dur) : 0, 0);
    sim_engine_run_until(eng, dur ? SIM_NS(dur) : SIM_TIME_MAX);
    r->end = sim_engine_now(eng);
    r->cut = dur && sim_engine_pending_count(eng) > 0; /* work left at the duration */
    chip_finish(r->chip, r->end);

    const struct tile_fault *faults;
    if (chip_faults(r->chip, &faults)) {
        snprintf(r->run->stop_reason, sizeof r->run->stop_reason, "tile %u: %s fault: %s at %s",
                 faults[0].tile, tile_fault_kind_names[faults[0].kind], faults[0].what,
                 faults[0].where);
        return TSR_EXIT_RUN_FAILED;
    }
    return TSR_EXIT_OK;
}

/* Step: frames generated, echoed and dropped by cause; offered and achieved rates. */
static void echo_count(const struct echo_run *r, struct echo_counts *c) {
    const struct mpipe_stats *st = &r->m->st;
    const struct eth_port_stats *ps = &mpipe_port(r->m, 0)->st;
    const struct eth_gen *gen = r->gen;
    for (unsigned i = 0; i < r->ntiles; i++) c->echo_drop += r->x[i]->dropped;
    c->port_drop =
        ps->rx_drop_oversize + ps->rx_drop_runt + ps->rx_drop_overrun + ps->rx_drop_no_client;
    c->egress_refused = st->refused_unregistered + st->refused_too_long + st->refused_oversize +
                        st->refused_dma_error;
    c->dev_drop = st->drop_classifier_full + st->drop_runt + st->drop_bad_ip +
                  st->drop_bad_ip_csum + st->drop_too_big + st->drop_no_buffer +
                  st->drop_ring_full + st->drop_dma_error;
    c->wire_drop = gen->port.st.wire_loss + mpipe_port(r->m, 0)->st.wire_loss;
    c->dropped = c->dev_drop + c->port_drop + c->echo_drop + c->egress_refused + c->wire_drop;
    c->generated = gen->sent;
    c->echoed = gen->rx_frames;
    uint64_t accounted = c->echoed + c->dropped;
    c->unaccounted = c->generated > accounted ? c->generated - accounted : 0;

    /* offered: the frames that left the generator's port over the wire time
     * they took (from the first hand-over to the end of the last frame's
     * gap), so the first frames filling the MAC FIFO at once do not inflate
     * it, and frames still in the FIFO when a run's duration ends do not
     * count (the port's idle_at is set at every frame, not only when idle) */
    uint64_t sent = gen->port.st.tx_frames;
    c->offered = sent && gen->port.idle_at > gen->tx_first
                     ? (double)sent * 1e12 / (double)(gen->port.idle_at - gen->tx_first)
                     : 0.0;
    c->achieved = rate_pps(c->echoed, gen->rx_first, gen->rx_last);
    c->bits = (double)r->ec->frame_bytes * 8.0;
}

/* Stats: "frames", "drops", "rate". */
static void write_traffic(const struct echo_run *r, const struct echo_counts *c,
                          struct json_writer *w) {
    const struct mpipe_stats *st = &r->m->st;
    json_key(w, "frames");
    json_object_begin(w);
    json_kv_uint(w, "generated", c->generated);
    json_kv_uint(w, "echoed", c->echoed);
    json_kv_uint(w, "dropped", c->dropped);
    json_kv_uint(w, "unaccounted", c->unaccounted);
    json_kv_uint(w, "frame_bytes", r->ec->frame_bytes);
    json_kv_uint(w, "flows", r->ec->flows);
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
    json_kv_uint(w, "port_rx", c->port_drop);
    json_kv_uint(w, "echo_edma_full", c->echo_drop);
    json_kv_uint(w, "egress_refused", c->egress_refused);
    json_kv_uint(w, "wire_loss", c->wire_drop);
    json_object_end(w);

    json_key(w, "rate");
    json_object_begin(w);
    json_kv_double(w, "configured_line_fraction", r->ec->rate);
    json_kv_double(w, "line_mpps", r->line_pps / 1e6);
    json_kv_double(w, "offered_mpps", c->offered / 1e6);
    json_kv_double(w, "offered_gbps", c->offered * c->bits / 1e9);
    json_kv_double(w, "offered_line_fraction", c->offered / r->line_pps);
    json_kv_double(w, "achieved_mpps", c->achieved / 1e6);
    json_kv_double(w, "achieved_gbps", c->achieved * c->bits / 1e9);
    json_kv_double(w, "achieved_line_fraction", c->achieved / r->line_pps);
    json_object_end(w);
}

/* Stats: "echo_tiles" (one object each) and "echo_tiles_total"; the busy
 * and driver fractions of all of them into c. */
static void write_echo_tiles(const struct echo_run *r, struct echo_counts *c,
                             struct json_writer *w) {
    json_key(w, "echo_tiles");
    json_array_begin(w);
    struct tile_sum sum = {0};
    for (unsigned i = 0; i < r->ntiles; i++)
        write_tile(w, r->first + i, r->x[i], chip_tile_prof(r->chip, r->first + i), &sum);
    json_array_end(w);
    c->busy = sum.total ? 1.0 - (double)sum.idle / (double)sum.total : 0.0;
    c->drv_busy = sum.total > sum.idle ? (double)sum.driver / (double)(sum.total - sum.idle) : 0.0;
    json_key(w, "echo_tiles_total");
    json_object_begin(w);
    json_kv_double(w, "busy_fraction", c->busy);
    json_kv_double(w, "driver_fraction", sum.total ? (double)sum.driver / (double)sum.total : 0.0);
    json_kv_double(w, "driver_share_of_busy", c->drv_busy);
    json_object_end(w);
}

/* Step: the "stats" object of summary.json. */
static void echo_write_stats(const struct echo_run *r, struct echo_counts *c) {
    struct json_writer *w = r->run->stats;
    json_kv_uint(w, "sim_time_ns", r->end / 1000u);
    write_traffic(r, c, w);
    json_key(w, "latency_ns");
    stat_hist_write_json(&r->lat.h, w, 1000.0, "ns");
    json_kv_uint(w, "latency_unmatched", r->lat.unmatched);
    write_echo_tiles(r, c, w);

    json_key(w, "chip_nic");
    chip_nic_write_stats(r->cn, w);
    json_key(w, "ports");
    json_object_begin(w);
    json_key(w, "gen");
    eth_port_write_stats(&r->gen->port, w);
    json_key(w, "chip0.p0");
    eth_port_write_stats(mpipe_port(r->m, 0), w);
    json_object_end(w);
    json_key(w, "chip");
    chip_write_stats(r->chip, w);
    capture_write_json(r->port, r->nports, r->pcap_rec, w);
}

/* Step: tile_profile.csv in the output folder. */
static int echo_write_profile(const struct echo_run *r) {
    char path[4096];
    snprintf(path, sizeof path, "%s/tile_profile.csv", r->run->out_dir);
    if (chip_write_profile_csv(r->chip, path)) {
        snprintf(r->run->stop_reason, sizeof r->run->stop_reason, "cannot write %s", path);
        return TSR_EXIT_RUN_FAILED;
    }
    return TSR_EXIT_OK;
}

/* A fifth line of the summary: the pcap files written, if any. */
static void echo_summary_pcap(const struct echo_run *r, char *out, size_t len) {
    size_t at = 0;
    for (size_t i = 0; i < r->nports && at < len; i++) {
        if (!r->pcap_rec[i].opened) continue;
        int k = snprintf(out + at, len - at, "%s %s.pcap (%llu frames)",
                         at ? "," : "\npcap:", r->port[i]->name,
                         (unsigned long long)r->pcap_rec[i].frames);
        if (k < 0) break;
        at += (size_t)k;
    }
    if (at > 0 && at < len) snprintf(out + at, len - at, " in %s", r->run->out_dir);
}

/* Step: the four lines of run->summary (a fifth lists the pcap files). */
static void echo_write_summary(const struct echo_run *r, const struct echo_counts *c) {
    const struct nic_echo_config *ec = r->ec;
    const struct stat_hist *h = &r->lat.h;
    char rtt[192];
    if (h->count)
        snprintf(rtt, sizeof rtt, " p50 %.0f ns, p99 %.0f ns, max %.0f ns",
                 (double)stat_hist_quantile(h, 0.5) / 1000.0,
                 (double)stat_hist_quantile(h, 0.99) / 1000.0, (double)h->max / 1000.0);
    else /* nothing measured is not a round trip of 0 */
        snprintf(rtt, sizeof rtt,
                 ": none (0 frames echoed after the warm-up of %llu ns, of %llu echoed in all)",
                 (unsigned long long)r->cfg->warmup_ns, (unsigned long long)c->echoed);
    snprintf(r->run->summary, sizeof r->run->summary,
             "nic-echo: %llu frames of %llu B over %llu flows at %.2f of line rate into %u echo "
             "tiles (%u..%u)\n"
             "echoed %llu, dropped %llu (device %llu, port %llu, echo tiles %llu, egress %llu, "
             "wire %llu), unaccounted %llu\n"
             "offered %.3f Mpps (%.2f Gb/s), echoed %.3f Mpps (%.2f Gb/s); line %.3f Mpps\n"
             "round trip%s; echo tiles busy %.1f%%, driver %.1f%% of busy cycles",
             (unsigned long long)c->generated, (unsigned long long)ec->frame_bytes,
             (unsigned long long)ec->flows, ec->rate, r->ntiles, r->first, r->first + r->ntiles - 1,
             (unsigned long long)c->echoed, (unsigned long long)c->dropped,
             (unsigned long long)c->dev_drop, (unsigned long long)c->port_drop,
             (unsigned long long)c->echo_drop, (unsigned long long)c->egress_refused,
             (unsigned long long)c->wire_drop, (unsigned long long)c->unaccounted, c->offered / 1e6,
             c->offered * c->bits / 1e9, c->achieved / 1e6, c->achieved * c->bits / 1e9,
             r->line_pps / 1e6, rtt, 100.0 * c->busy, 100.0 * c->drv_busy);
    size_t used = strlen(r->run->summary);
    echo_summary_pcap(r, r->run->summary + used, sizeof r->run->summary - used);
}

/* Whether experiment.duration_ns ended the run before it measured a round
 * trip (no frame sent after the warm-up came back): then the run measured
 * nothing and says so in `why` rather than reporting ok. A run that ended
 * by itself with nothing echoed is not too short (its drops say why). */
static bool echo_too_short(const struct echo_run *r, const struct echo_counts *c, char *why,
                           size_t len) {
    uint64_t dur = r->cfg->duration_ns;
    if (!r->cut || r->lat.h.count) return false;
    snprintf(why, len,
             "nic-echo: too short to measure: experiment.duration_ns %llu ended the run before "
             "any frame sent after the warm-up (experiment.warmup_ns %llu) came back (%llu of %llu "
             "frames echoed in all); lengthen the run",
             (unsigned long long)dur, (unsigned long long)r->cfg->warmup_ns,
             (unsigned long long)c->echoed, (unsigned long long)c->generated);
    return true;
}

static void echo_free(struct echo_run *r) {
    char err[256]; /* (a run that stopped early: its captures are not reported) */
    capture_ports_close(r->port, r->nports, r->pcap, NULL, err, sizeof err);
    eth_gen_destroy(r->gen);
    chip_nic_destroy(r->cn);
    chip_destroy(r->chip);
    if (r->lat.slot) stat_hist_fini(&r->lat.h);
    free(r->lat.slot);
}

int nic_echo_run(struct exp_run *run) {
    const struct echo_cfg cfg = {*(const struct chip_config *)exp_run_section(run, "chip"),
                                 *(const struct noc_config *)exp_run_section(run, "noc"),
                                 *(const struct nic_config *)exp_run_section(run, "nic"),
                                 run->duration_ns, run->warmup_ns};
    struct echo_run r = {.run = run, .cfg = &cfg, .ec = &cfg.nic.echo};
    char err[256];
    if (!check_config(r.cfg, err, sizeof err)) {
        snprintf(run->stop_reason, sizeof run->stop_reason, "%s", err);
        return TSR_EXIT_BAD_INPUT;
    }
    r.ntiles = (unsigned)r.ec->echo_tiles;
    r.first = (unsigned)r.ec->first_tile;
    int rc = echo_lat_init(&r);
    if (rc == TSR_EXIT_OK) rc = echo_build(&r);
    if (rc == TSR_EXIT_OK) rc = echo_start_tiles(&r);
    if (rc == TSR_EXIT_OK) rc = echo_capture_open(&r);
    if (rc == TSR_EXIT_OK) {
        /* a fault still gives stats: the run failed, its results are written */
        rc = echo_simulate(&r);
        int crc = echo_capture_close(&r);
        if (crc != TSR_EXIT_OK) rc = crc;
        struct echo_counts c = {0};
        echo_count(&r, &c);
        echo_write_stats(&r, &c);
        int prc = echo_write_profile(&r);
        if (prc != TSR_EXIT_OK) rc = prc;
        echo_write_summary(&r, &c);
        if (rc == TSR_EXIT_OK && echo_too_short(&r, &c, run->stop_reason, sizeof run->stop_reason))
            rc = TSR_EXIT_RUN_FAILED;
    }
    echo_free(&r);
    return rc;
}

static const char *const nic_echo_sections[] = {"chip", "noc", "nic", NULL};
/* The cross-section limits, before anything is written (validate, sweeps). */
static bool nic_echo_check(const struct exp_run *run, char *msg, size_t len) {
    const struct echo_cfg cfg = {*(const struct chip_config *)exp_run_section(run, "chip"),
                                 *(const struct noc_config *)exp_run_section(run, "noc"),
                                 *(const struct nic_config *)exp_run_section(run, "nic"),
                                 run->duration_ns, run->warmup_ns};
    return check_config(&cfg, msg, len);
}

const struct exp_kind nic_echo_kind = {"nic-echo", nic_echo_sections, nic_echo_run, nic_echo_check};
