/* noc/noc_synthetic.c: synthetic traffic sources and sinks, the phases of a
 * BookSim-style run, and the noc-synthetic experiment. See noc_synthetic.h. */
#include "noc/noc_synthetic.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/kernel/clock.h"
#include "sim/kernel/exp.h"
#include "sim/kernel/json.h"
#include "sim/kernel/progress.h"
#include "sim/kernel/rng.h"

#define NODE_BITS 17u /* tiles up to 2^17 in a heap key */

/* Packets a source's injection queue holds at most; beyond, it keeps its
 * time lag (as BookSim). At least 2, so that a lagging source's next packet
 * is always queued before the mesh could take it: packets leave at the same
 * cycles as with an unbounded queue, and the statistics are unchanged. */
#define SOURCE_QUEUE_PACKETS 4

struct noc_synth {
    struct sim_engine *engine;
    struct noc_mesh *mesh;
    uint32_t w, h, n;
    struct noc_traffic_config tc;
    double p;            /* packet start probability per node per cycle */
    double log1m_p;      /* log(1 - p) */
    struct sim_rng *rng; /* per node */
    uint64_t *heap;      /* (cycle << NODE_BITS) | node, min-heap */
    uint32_t nheap;
    /* Sources whose injection queue is full (SOURCE_QUEUE_PACKETS): each keeps
     * its time lag, the creation cycle of the next packet it could not
     * create yet (lag[node]), not the packets; it leaves the heap meanwhile. */
    uint64_t *lag;
    uint32_t *blocked;
    uint32_t nblocked;
    uint64_t queue_limit_words; /* SOURCE_QUEUE_PACKETS packets */
    uint64_t w_start, w_end, drain_end;
    bool window_open, window_done, done;
    uint64_t outstanding; /* sample packets not yet delivered */
    uint64_t created_in_window;
    struct noc_synth_result res;
    struct noc_deadlock_report dl;
    bool have_dl;
};

/* ------------------------------------------------------------ heap of next starts */

static void heap_push(struct noc_synth *s, uint64_t key) {
    uint32_t i = s->nheap++;
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (s->heap[parent] <= key) break;
        s->heap[i] = s->heap[parent];
        i = parent;
    }
    s->heap[i] = key;
}

static uint64_t heap_pop(struct noc_synth *s) {
    uint64_t top = s->heap[0];
    uint64_t last = s->heap[--s->nheap];
    uint32_t i = 0;
    for (;;) {
        uint32_t l = 2 * i + 1;
        if (l >= s->nheap) break;
        uint32_t c = l + 1 < s->nheap && s->heap[l + 1] < s->heap[l] ? l + 1 : l;
        if (s->heap[c] >= last) break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (s->nheap) s->heap[i] = last;
    return top;
}

/* Cycles until the next success of a Bernoulli(p) trial sequence, 0 = this one. */
static uint64_t geometric_gap(struct noc_synth *s, uint32_t node) {
    if (s->p >= 1.0) return 0;
    double u = 1.0 - sim_rng_unit(&s->rng[node]); /* (0, 1] */
    double k = floor(log(u) / s->log1m_p);
    return k > 1e15 ? (uint64_t)1e15 : (uint64_t)k;
}

/* ------------------------------------------------------------ destinations */

static uint32_t pick_uniform(struct noc_synth *s, uint32_t src, bool self) {
    if (self) return (uint32_t)sim_rng_below(&s->rng[src], s->n);
    uint32_t d = (uint32_t)sim_rng_below(&s->rng[src], s->n - 1);
    return d >= src ? d + 1 : d;
}

static uint32_t neighbours(const struct noc_synth *s, uint32_t t, uint32_t out[4]) {
    uint32_t x = t % s->w, y = t / s->w, k = 0;
    if (x + 1 < s->w) out[k++] = t + 1;
    if (x > 0) out[k++] = t - 1;
    if (y > 0) out[k++] = t - s->w;
    if (y + 1 < s->h) out[k++] = t + s->w;
    return k;
}

static uint32_t pick_dest(struct noc_synth *s, uint32_t src) {
    uint32_t x = src % s->w, y = src / s->w;
    switch (s->tc.pattern) {
    case NOC_PAT_UNIFORM: return pick_uniform(s, src, true);
    case NOC_PAT_UNIFORM_NOSELF: return pick_uniform(s, src, false);
    case NOC_PAT_TRANSPOSE: return x * s->w + y;
    case NOC_PAT_BITCOMP: return (s->h - 1 - y) * s->w + (s->w - 1 - x);
    case NOC_PAT_HOTSPOT:
        if (sim_rng_bernoulli(&s->rng[src], s->tc.hotspot_fraction))
            return (uint32_t)s->tc.hotspot_tile;
        return pick_uniform(s, src, true);
    case NOC_PAT_NEIGHBOUR: {
        uint32_t nb[4];
        uint32_t k = neighbours(s, src, nb);
        return k ? nb[sim_rng_below(&s->rng[src], k)] : src;
    }
    }
    assert(0 && "unknown traffic pattern");
    return src;
}

/* Mean hop count of the pattern, over sources (each equally likely) and their
 * destinations; O(tiles). For uniform traffic E|x1 - x2| = (W^2 - 1) / (3W)
 * per dimension when the source may pick itself. */
static double pattern_mean_hops(struct noc_synth *s) {
    double w = s->w, h = s->h, n = s->n;
    double uni = (w * w - 1) / (3 * w) + (h * h - 1) / (3 * h);
    switch (s->tc.pattern) {
    case NOC_PAT_UNIFORM: return uni;
    case NOC_PAT_UNIFORM_NOSELF: return uni * n / (n - 1);
    default: break;
    }
    double total = 0;
    for (uint32_t src = 0; src < s->n; src++) {
        uint32_t x = src % s->w, y = src / s->w;
        switch (s->tc.pattern) {
        case NOC_PAT_HOTSPOT:
            total +=
                s->tc.hotspot_fraction * noc_mesh_hops(s->mesh, src, (uint32_t)s->tc.hotspot_tile) +
                (1 - s->tc.hotspot_fraction) * uni;
            break;
        case NOC_PAT_TRANSPOSE: total += noc_mesh_hops(s->mesh, src, x * s->w + y); break;
        case NOC_PAT_BITCOMP:
            total += noc_mesh_hops(s->mesh, src, (s->h - 1 - y) * s->w + (s->w - 1 - x));
            break;
        case NOC_PAT_NEIGHBOUR: total += neighbours(s, src, (uint32_t[4]){0}) ? 1 : 0; break;
        }
    }
    return total / n;
}

/* ------------------------------------------------------------ phases */

static void open_window(struct noc_synth *s) {
    noc_mesh_reset_counters(s->mesh);
    s->window_open = true;
}

static void close_window(struct noc_synth *s) {
    const struct noc_mesh_counters *c = noc_mesh_counters(s->mesh);
    double denom = (double)s->n * (double)s->tc.measure_cycles;
    s->res.accepted = (double)c->flits_ejected / denom;
    s->res.offered = (double)s->created_in_window * (double)s->tc.packet_flits / denom;
    s->res.window_flit_hops = c->flit_hops;
    for (uint32_t t = 0; t < s->n; t++)
        for (unsigned p = 0; p < NOC_PORTS; p++)
            s->res.port_flits[(size_t)t * NOC_PORTS + p] = noc_mesh_port_flits(s->mesh, t, p);
    s->window_open = false;
    s->window_done = true;
}

static void count_uncreated_sample(struct noc_synth *s);

static void finish(struct noc_synth *s, uint64_t c, bool drain_limit) {
    s->done = true;
    count_uncreated_sample(s);
    s->res.drain_limit_reached = drain_limit;
    /* beyond saturation: the network does not carry what is offered (2% slack
     * for the flits in flight at the window's edges), or the sample never drained */
    s->res.saturated = drain_limit || s->res.accepted < 0.98 * s->res.offered;
    s->res.end_cycle = c;
    s->res.drain_cycles = c >= s->w_end ? c - s->w_end : 0;
    sim_engine_stop(s->engine);
}

/* A packet of src created at cycle `created`, handed to the mesh at cycle
 * now (later than created if the source was lagging). Its creation cycle
 * and whether it belongs to the sample travel in the packet's user field. */
static void create_packet(struct noc_synth *s, uint32_t src, uint64_t created, uint64_t now) {
    uint32_t dst = pick_dest(s, src);
    bool measured = created >= s->w_start && created < s->w_end;
    uint32_t len = (uint32_t)s->tc.packet_flits;
    noc_mesh_inject(s->mesh, src, dst, len, 0, NULL, len, now, created << 1 | (measured ? 1 : 0));
    if (measured) {
        s->outstanding++;
        s->created_in_window++;
        s->res.packets_measured++;
    }
}

/* Whether every packet of the sample has been created (no lagging source
 * still owes one created before the window's end). */
static bool sample_created(const struct noc_synth *s) {
    for (uint32_t i = 0; i < s->nblocked; i++)
        if (s->lag[s->blocked[i]] < s->w_end) return false;
    return true;
}

/* The lagging sources create what their queues have room for, in the order
 * they would have (same draws from their RNG streams), with their creation
 * cycles; a source that catches up returns to the heap. */
static void serve_lagging(struct noc_synth *s, uint64_t c) {
    for (uint32_t i = 0; i < s->nblocked;) {
        uint32_t src = s->blocked[i];
        while (s->lag[src] <= c && noc_mesh_inject_backlog(s->mesh, src) < s->queue_limit_words) {
            create_packet(s, src, s->lag[src], c);
            s->lag[src] += 1 + geometric_gap(s, src);
        }
        if (s->lag[src] > c) {
            heap_push(s, (s->lag[src] << NODE_BITS) | src);
            s->blocked[i] = s->blocked[--s->nblocked];
        } else {
            i++;
        }
    }
}

/* At the end of a run, the sample packets lagging sources never created
 * still count as offered and measured (not delivered): their creation is
 * drawn as it would have been, without the packets. */
static void count_uncreated_sample(struct noc_synth *s) {
    for (uint32_t i = 0; i < s->nblocked; i++) {
        uint32_t src = s->blocked[i];
        while (s->lag[src] < s->w_end) {
            (void)pick_dest(s, src);
            if (s->lag[src] >= s->w_start) {
                s->created_in_window++;
                s->res.packets_measured++;
            }
            s->lag[src] += 1 + geometric_gap(s, src);
        }
    }
    double denom = (double)s->n * (double)s->tc.measure_cycles;
    if (s->window_done)
        s->res.offered = (double)s->created_in_window * (double)s->tc.packet_flits / denom;
}

static uint64_t on_cycle(void *ctx, uint64_t c) {
    struct noc_synth *s = ctx;
    if (s->done) return UINT64_MAX;
    if (c == s->w_start && !s->window_open && !s->window_done) open_window(s);
    if (c == s->w_end && s->window_open) close_window(s);
    if (s->window_done && s->outstanding == 0 && sample_created(s)) {
        finish(s, c, false);
        return UINT64_MAX;
    }
    if (c >= s->drain_end) {
        finish(s, c, true);
        return UINT64_MAX;
    }
    serve_lagging(s, c);
    while (s->nheap && (s->heap[0] >> NODE_BITS) <= c) {
        uint64_t key = heap_pop(s);
        uint32_t src = (uint32_t)(key & ((1u << NODE_BITS) - 1));
        assert((key >> NODE_BITS) == c && "a packet start was missed");
        if (noc_mesh_inject_backlog(s->mesh, src) >= s->queue_limit_words) {
            s->lag[src] = c; /* the queue is full: keep the time, not the packet */
            s->blocked[s->nblocked++] = src;
            continue;
        }
        create_packet(s, src, c, c);
        heap_push(s, ((c + 1 + geometric_gap(s, src)) << NODE_BITS) | src);
    }
    uint64_t next = s->nheap ? s->heap[0] >> NODE_BITS : UINT64_MAX;
    if (s->nblocked && c + 1 < next) next = c + 1;
    if (c < s->w_start && s->w_start < next) next = s->w_start;
    if (c < s->w_end && s->w_end < next) next = s->w_end;
    if (s->window_done && s->drain_end < next) next = s->drain_end;
    if (!s->window_done && s->drain_end < next) next = s->drain_end;
    return next;
}

static bool on_eject(void *ctx, uint32_t tile, const struct noc_packet *p, uint32_t flit,
                     uint64_t c) {
    struct noc_synth *s = ctx;
    (void)tile;
    if (flit + 1 == p->len && (p->user & 1)) {
        stat_hist_record(&s->res.latency, c - (p->user >> 1)); /* from its creation */
        s->res.packets_delivered++;
        assert(s->outstanding > 0);
        if (--s->outstanding == 0 && s->window_done && !s->done && sample_created(s))
            finish(s, c, false);
    }
    return true;
}

static void on_deadlock(void *ctx, const struct noc_deadlock_report *r) {
    struct noc_synth *s = ctx;
    s->dl = *r;
    s->dl.nodes = malloc(r->n * sizeof *r->nodes);
    if (s->dl.nodes)
        memcpy(s->dl.nodes, r->nodes, r->n * sizeof *r->nodes);
    else
        s->dl.n = 0;
    s->have_dl = true;
    s->res.deadlocked = true;
    s->done = true;
    s->res.end_cycle = r->cycle;
    sim_engine_stop(s->engine);
}

/* ------------------------------------------------------------ API */

struct noc_synth *noc_synth_create(struct sim_engine *e, const struct noc_config *cfg,
                                   uint64_t seed, char *err, size_t errlen) {
    struct noc_mesh *m = noc_mesh_create(e, cfg, err, errlen);
    if (!m) return NULL;
    struct noc_synth *s = calloc(1, sizeof *s);
    if (!s) {
        noc_mesh_destroy(m);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->engine = e;
    s->mesh = m;
    s->w = noc_mesh_width(m);
    s->h = noc_mesh_height(m);
    s->n = noc_mesh_tiles(m);
    s->tc = cfg->traffic;
    s->p = s->tc.injection_rate / (double)s->tc.packet_flits;
    s->log1m_p = s->p < 1.0 ? log1p(-s->p) : 0;
    s->rng = calloc(s->n, sizeof *s->rng);
    s->heap = calloc(s->n, sizeof *s->heap);
    s->lag = calloc(s->n, sizeof *s->lag);
    s->blocked = calloc(s->n, sizeof *s->blocked);
    s->queue_limit_words = (uint64_t)SOURCE_QUEUE_PACKETS * (uint64_t)s->tc.packet_flits;
    s->res.port_flits = calloc((size_t)s->n * NOC_PORTS, sizeof *s->res.port_flits);
    if (!s->rng || !s->heap || !s->lag || !s->blocked || !s->res.port_flits ||
        !stat_hist_init(&s->res.latency, STAT_HIST_DEFAULT_SUB_BITS)) {
        snprintf(err, errlen, "out of memory");
        noc_synth_destroy(s);
        return NULL;
    }
    s->w_start = s->tc.warmup_cycles;
    s->w_end = s->w_start + s->tc.measure_cycles;
    s->drain_end = s->w_end + s->tc.drain_max_cycles;
    uint64_t base = sim_hash_name("noc.traffic.source");
    for (uint32_t i = 0; i < s->n; i++) {
        sim_rng_init(&s->rng[i], seed, base + i);
        if (s->p > 0) heap_push(s, (geometric_gap(s, i) << NODE_BITS) | i);
    }
    /* zero-load latency is affine in the hop count, so its mean is that of the mean */
    s->res.mean_hops = pattern_mean_hops(s);
    double z0 = (double)noc_mesh_zero_load_cycles(m, 0, 0, (uint32_t)s->tc.packet_flits);
    double z1 =
        s->n > 1 ? (double)noc_mesh_zero_load_cycles(m, 0, 1, (uint32_t)s->tc.packet_flits) : z0;
    s->res.zero_load_cycles = z0 + (z1 - z0) * s->res.mean_hops;
    noc_mesh_set_sink(m, on_eject, s);
    noc_mesh_set_deadlock_hook(m, on_deadlock, s);
    return s;
}

void noc_synth_destroy(struct noc_synth *s) {
    if (!s) return;
    noc_mesh_destroy(s->mesh);
    stat_hist_fini(&s->res.latency);
    free(s->res.port_flits);
    free(s->rng);
    free(s->heap);
    free(s->lag);
    free(s->blocked);
    free(s->dl.nodes);
    free(s);
}

int noc_synth_run(struct noc_synth *s) {
    noc_mesh_set_cycle_hook(s->mesh, on_cycle, s, noc_mesh_cycle_now(s->mesh));
    while (!s->done) {
        uint64_t ran = sim_engine_run_until(s->engine, SIM_TIME_MAX);
        if (!s->done && ran == 0) break; /* nothing left to run */
    }
    return s->res.deadlocked ? TSR_EXIT_DEADLOCK : TSR_EXIT_OK;
}

const struct noc_synth_result *noc_synth_result(const struct noc_synth *s) { return &s->res; }
struct noc_mesh *noc_synth_mesh(struct noc_synth *s) {
    return s->mesh;
}
const struct noc_deadlock_report *noc_synth_deadlock(const struct noc_synth *s) {
    return s->have_dl ? &s->dl : NULL;
}

/* ------------------------------------------------------------ the experiment */

static void write_csv(struct exp_run *run, struct noc_synth *s) {
    const struct noc_synth_result *r = &s->res;
    double m = (double)s->tc.measure_cycles;
    FILE *f = exp_open_csv(run, "links.csv");
    if (f) {
        noc_mesh_write_links_csv(s->mesh, f, r->port_flits, m);
        fclose(f);
    }
    f = exp_open_csv(run, "routers.csv");
    if (f) {
        fprintf(f, "tile,x,y,flits,flits_per_cycle,ejected,ejection_utilisation\n");
        for (uint32_t t = 0; t < s->n; t++) {
            uint64_t tot = 0;
            for (unsigned p = 0; p < NOC_PORTS; p++)
                tot += r->port_flits[(size_t)t * NOC_PORTS + p];
            uint64_t ej = r->port_flits[(size_t)t * NOC_PORTS + NOC_PORT_LOCAL];
            fprintf(f, "%u,%u,%u,%" PRIu64 ",%.6f,%" PRIu64 ",%.6f\n", t, t % s->w, t / s->w, tot,
                    (double)tot / m, ej, (double)ej / m);
        }
        fclose(f);
    }
}

int noc_synthetic_run(struct exp_run *run) {
    const struct noc_config *cfg = exp_run_section(run, "noc");
    char err[512];
    struct noc_synth *s = noc_synth_create(run->engine, cfg, run->seed, err, sizeof err);
    if (!s) {
        fprintf(stderr, "tessera: %s\n", err);
        snprintf(run->stop_reason, sizeof run->stop_reason, "%s", err);
        return TSR_EXIT_BAD_INPUT;
    }
    /* The progress line's estimate: the run ends after warm-up + window
     * (+ a drain, usually short). */
    struct sim_clock clk;
    sim_clock_init(&clk, cfg->freq_hz);
    sim_progress_set_end(
        run->progress,
        sim_clock_cycles_to_ps(&clk, cfg->traffic.warmup_cycles + cfg->traffic.measure_cycles), 0);
    int rc = noc_synth_run(s);
    const struct noc_synth_result *r = &s->res;
    struct json_writer *w = run->stats;
    json_kv_string(w, "pattern", noc_pattern_names[cfg->traffic.pattern]);
    json_kv_string(w, "routing", cfg->routing);
    json_kv_double(w, "injection_rate", cfg->traffic.injection_rate);
    json_kv_uint(w, "packet_flits", cfg->traffic.packet_flits);
    json_kv_double(w, "offered_flits_per_node_cycle", r->offered);
    json_kv_double(w, "accepted_flits_per_node_cycle", r->accepted);
    json_kv_uint(w, "packets_measured", r->packets_measured);
    json_kv_uint(w, "packets_measured_delivered", r->packets_delivered);
    json_kv_bool(w, "saturated", r->saturated);
    json_kv_bool(w, "drain_limit_reached", r->drain_limit_reached);
    json_kv_double(w, "zero_load_latency_cycles", r->zero_load_cycles);
    json_kv_double(w, "mean_hops", r->mean_hops);
    json_key(w, "packet_latency_cycles");
    stat_hist_write_json(&r->latency, w, 1, "cycles");
    json_kv_uint(w, "window_flit_hops", r->window_flit_hops);
    json_kv_uint(w, "end_cycle", r->end_cycle);
    json_kv_uint(w, "drain_cycles", r->drain_cycles);
    if (rc == TSR_EXIT_DEADLOCK && s->have_dl) {
        json_key(w, "deadlock");
        noc_deadlock_report_write_json(&s->dl, w);
        noc_deadlock_report_print(&s->dl, stderr);
        snprintf(run->stop_reason, sizeof run->stop_reason,
                 "noc deadlock at cycle %" PRIu64
                 ": wait-for cycle of %zu buffers (stats.deadlock)",
                 s->dl.cycle, s->dl.n);
    } else if (r->drain_limit_reached) {
        fprintf(stderr,
                "tessera: noc: %" PRIu64 " of %" PRIu64 " sample packets undelivered after the "
                "drain limit: the offered load is beyond saturation\n",
                r->packets_measured - r->packets_delivered, r->packets_measured);
    }
    if (run->out_dir) write_csv(run, s);
    char lat[256];
    if (r->latency.count)
        snprintf(lat, sizeof lat, "mean %.2f, p50 %" PRIu64 ", p99 %" PRIu64,
                 stat_hist_mean(&r->latency), stat_hist_quantile(&r->latency, 0.5),
                 stat_hist_quantile(&r->latency, 0.99));
    else /* nothing measured is not a latency of 0 */
        snprintf(lat, sizeof lat, "none (0 of the %" PRIu64 " packets measured delivered%s)",
                 r->packets_measured,
                 r->drain_limit_reached ? " before the drain limit: beyond saturation"
                 : r->packets_measured  ? ""
                                        : ": no packet injected in the measurement window");
    snprintf(run->summary, sizeof run->summary,
             "  %" PRIu64 "x%" PRIu64 " mesh, %s routing, %s traffic, %" PRIu64 "-flit packets\n"
             "  offered %.4f, accepted %.4f flits/node/cycle%s\n"
             "  packet latency (cycles): %s (zero-load %.2f; %" PRIu64 " packets measured)\n"
             "  per-link and per-router utilisation: links.csv, routers.csv\n",
             cfg->width, cfg->height, cfg->routing, noc_pattern_names[cfg->traffic.pattern],
             cfg->traffic.packet_flits, r->offered, r->accepted, r->saturated ? " (saturated)" : "",
             lat, r->zero_load_cycles, r->packets_measured);
    noc_synth_destroy(s);
    return rc;
}

static const char *const noc_synthetic_sections[] = {"noc", NULL};
/* The kind's phases are noc.traffic's warm-up, measurement and drain
 * cycles: experiment.duration_ns would not take effect. */
static bool noc_synthetic_check(const struct exp_run *run, char *msg, size_t len) {
    if (run->duration_ns) {
        snprintf(msg, len,
                 "experiment.duration_ns: noc-synthetic runs noc.traffic.warmup_cycles + "
                 "measure_cycles (+ a drain), so a duration would be ignored; set those instead");
        return false;
    }
    return true;
}

const struct exp_kind noc_synthetic_kind = {"noc-synthetic", noc_synthetic_sections,
                                            noc_synthetic_run, noc_synthetic_check};
