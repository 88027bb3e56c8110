/* sim/chip/exp/chip_exp.c: the whole-chip experiment kind. See chip_exp.h. */
#include "sim/chip/exp/chip_exp.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nic/capture.h"
#include "nic/host/client_host.h"
#include "nic/nic_config.h"
#include "nic/switch_topology.h"
#include "noc/noc_config.h"
#include "noc/noc_mesh.h"
#include "noc/udn.h"
#include "sim/chip/chip_nic.h"
#include "sim/chip/chip_udn.h"
#include "sim/chip/exp/ack_track.h"
#include "sim/chip/exp/chip_exp_config.h"
#include "sim/chip/exp/mcload_host.h"
#include "sim/chip/exp/tap_bridge.h"
#include "sim/chip/layout.h"
#include "sim/chip/stack_config.h"
#include "sim/kernel/json.h"
#include "sim/kernel/progress.h"
#include "sim/kernel/stats.h"
#include "sim/tile/cache.h"
#include "sim/tile/tile.h"
#include "stack/sock.h"
#include "workloads/httpc.h"
#include "workloads/mcd_store.h"
#include "workloads/mcload.h"
#include "workloads/netpipe_client.h"
#include "workloads/tile/app_tile.h"
#include "workloads/tile/net_tile.h"
#include "workloads/tile/rtc_tile.h"

#define CHIP_IP 0x0a000001u
#define CLIENT_IP(i) (0x0a00000bu + (uint32_t)(i))
/* The addresses of chip_exp.h: the chip's MAC 02:00:00:00:00:01, client i's
 * 02:00:00:00:01:(i + 1). */
static const uint8_t chip_mac[6] = {2, 0, 0, 0, 0, 1};
static void client_mac(unsigned i, uint8_t mac[6]) {
    const uint8_t m[6] = {2, 0, 0, 0, 1, (uint8_t)(i + 1)};
    memcpy(mac, m, 6);
}
#define QUIET_CHECK_PS SIM_US(100)
#define CHIP_MAX_PORTS (16 + 200) /* nic.mpipe.ports, clients.hosts */
#define SETUP_CHECK_PS SIM_US(1)
#define STALL_PS SIM_MS(10000) /* duration 0: no response nor close for this long fails the run */
#define SETUP_MAX_PS SIM_MS(1000) /* a set-up longer than this is reported as failed */

struct chip_cfg {
    struct chip_config chip;
    struct noc_config noc;
    struct nic_config nic;
    struct stack_config stack;
    struct dlibos_config dl;
    struct workload_config wl;
    struct clients_config cl;
    uint64_t duration_ns, warmup_ns, seed;
};

struct client {
    struct chip_run *r;
    struct client_host *h;
    struct sock_rtc *rtc;
    struct httpc *c;           /* workload.app http: the host's client */
    struct httpd *d;           /* http-client: the host's server */
    struct netpipe_client *np; /* netpipe: host 0's client */
    struct mcload_host *mc;    /* memcached: the host's mutilate-like client */
};

/* netpipe: one measured size (NPtcp's output line) */
struct np_row {
    uint64_t bytes, one_way_ps;
};

/* One chip of the run: its mesh, tiles, NIC, and per tile its program's
 * struct (in the tile's private memory). */
struct chip_side {
    unsigned idx; /* 0: the chip under test, 1: the peer */
    uint32_t ip;
    uint8_t mac[6];
    struct chip_mesh *cm;
    struct chip *chip;
    struct chip_nic *cn;
    struct mpipe *m;
    struct rtc_tile **rtc;
    struct net_tile **net;
    struct app_tile **app;
};

/* Everything one run builds (freed by run_free). */
struct chip_run {
    struct exp_run *run;
    const struct chip_cfg *cfg;
    struct layout *lay;
    unsigned ntiles, nstack;
    /* s[0]: the chip under test; s[1]: with nic.topology direct, the peer
     * chip cabled to it, running NetPIPE's transmitter */
    struct chip_side s[2];
    unsigned nsides;
    struct switch_topology *topo;
    struct tap_bridge *bridge; /* clients.tap: real clients on port 0 (no hosts, no switch) */
    uint32_t tap_ip;           /* ... and the Linux side's address (clients.tap_peer_*) */
    uint8_t tap_mac[6];
    struct client *cl;
    unsigned ncl;
    /* files (host copies for the clients' checks; the tiles' are in heaps) */
    uint64_t sizes[WORKLOAD_FILES_MAX];
    unsigned nfiles;
    char (*paths)[24];
    uint8_t **data;
    struct httpd_file *files;
    /* measurement */
    struct stat_hist lat;
    bool hist_ok;
    struct ack_track acks;
    bool acks_ok;
    unsigned nports;
    struct eth_port *port[CHIP_MAX_PORTS];
    struct pcap_writer *pcap[CHIP_MAX_PORTS];
    struct capture_record pcap_rec[CHIP_MAX_PORTS]; /* what each capture wrote */
    uint64_t win_responses, win_bytes;
    uint32_t *go; /* direct: set when the chip under test has set up (in the peer's memory) */
    struct mcd_store *store[LAYOUT_MAX_TILES]; /* memcached: each process's */
    sim_time_t setup_end;                      /* every tile program's main has returned */
    sim_time_t start; /* the clients' start: setup_end + clients.start_us */
    sim_time_t warmup, first_in_window, last_in_window;
    /* netpipe: the sizes measured */
    struct np_row *np_rows;
    size_t np_n, np_cap;
    /* http-client (the tiles' clients have no per-response record): totals
     * at the end of the warm-up */
    uint64_t snap_responses, snap_bytes;
    bool snapped;
    bool stopped_quiet, setup_done;
    bool stalled; /* duration 0 and no progress for STALL_PS */
    uint64_t progress_mark;
    sim_time_t progress_at;
    struct noc_deadlock_report dl; /* the mesh's detector found a wait-for cycle */
    bool deadlocked;
    char err[512];
};

static void fail(struct chip_run *r, const char *fmt, const char *a, const char *b) {
    snprintf(r->run->stop_reason, sizeof r->run->stop_reason, fmt, a, b);
}

/* ---- ports (nic.pcap_ports names them) ---- */

/* Port i of the run: the chip's ports chip0.p0.., then the clients'. */
static unsigned port_count(const struct chip_cfg *c) {
    if (c->nic.topology == NIC_TOPO_DIRECT) return (unsigned)(2 * c->nic.mpipe.ports);
    if (c->cl.tap[0]) return (unsigned)c->nic.mpipe.ports;
    return (unsigned)(c->nic.mpipe.ports + c->cl.hosts);
}
static void port_name(const struct chip_cfg *c, unsigned i, char name[NIC_PORT_NAME_MAX]) {
    if (i < c->nic.mpipe.ports)
        snprintf(name, NIC_PORT_NAME_MAX, "chip0.p%u", i);
    else if (c->nic.topology == NIC_TOPO_DIRECT)
        snprintf(name, NIC_PORT_NAME_MAX, "chip1.p%u", (unsigned)(i - c->nic.mpipe.ports));
    else
        snprintf(name, NIC_PORT_NAME_MAX, "client%u", (unsigned)(i - c->nic.mpipe.ports));
}

static bool check_pcap(const struct chip_cfg *c, char *err, size_t len) {
    if (!c->nic.pcap_ports || !*c->nic.pcap_ports) return true;
    char(*names)[NIC_PORT_NAME_MAX] = malloc(CHIP_MAX_PORTS * sizeof *names);
    if (!names) {
        snprintf(err, len, "nic.pcap_ports: out of memory");
        return false;
    }
    const char *np[CHIP_MAX_PORTS];
    bool want[CHIP_MAX_PORTS];
    unsigned n = port_count(c);
    for (unsigned i = 0; i < n && i < CHIP_MAX_PORTS; i++) {
        port_name(c, i, names[i]);
        np[i] = names[i];
    }
    bool ok = nic_pcap_ports_select(c->nic.pcap_ports, np, n, want, err, len);
    free(names);
    return ok;
}

/* ---- checks ---- */

/* The bytes of workload.files (0 if it does not parse: its own check says why). */
static uint64_t files_bytes(const struct workload_config *w) {
    uint64_t sizes[WORKLOAD_FILES_MAX], sum = 0;
    char err[256];
    unsigned n = workload_file_sizes(w, sizes, err, sizeof err);
    for (unsigned i = 0; i < n; i++) sum += sizes[i];
    return sum;
}

static bool check_config(const struct chip_cfg *c, struct layout **out, char *err, size_t len) {
    if (!nic_config_check(&c->nic, err, len) || !check_pcap(c, err, len) ||
        !eth_impair_check(&c->nic.impair, err, len) || !stack_config_check(&c->stack, err, len) ||
        !dlibos_config_check(&c->dl, err, len) || !workload_config_check(&c->wl, err, len) ||
        !chip_keys_apply(&c->wl, &c->cl, err, len) ||
        !cache_mesh_check(c->noc.width, c->noc.height, err, len))
        return false;
    struct cfg_errors e = {0};
    char path[4096];
    dlibos_layout_path(c->dl.layout, path, sizeof path);
    struct layout *l = layout_load(path, (unsigned)c->nic.mpipe.rings, &e);
    if (!l) {
        snprintf(err, len, "dlibos.layout: %s", e.n ? e.msg[0] : "cannot be loaded");
        cfg_errors_fini(&e);
        return false;
    }
    cfg_errors_fini(&e);
    bool ok = false;
    unsigned stack = layout_count(l, LAYOUT_NET) + layout_count(l, LAYOUT_RTC);
    if (l->width != c->noc.width || l->height != c->noc.height)
        snprintf(err, len,
                 "dlibos.layout: %s is a %ux%u map, the mesh (noc.width x noc.height) is %llux%llu",
                 c->dl.layout, l->width, l->height, (unsigned long long)c->noc.width,
                 (unsigned long long)c->noc.height);
    else if (stack != c->nic.mpipe.rings)
        snprintf(err, len,
                 "nic.mpipe.rings: expected %u (one notification ring per stack tile of %s: %u "
                 "net + %u rtc), found %llu",
                 stack, c->dl.layout, layout_count(l, LAYOUT_NET), layout_count(l, LAYOUT_RTC),
                 (unsigned long long)c->nic.mpipe.rings);
    else if (c->nic.mpipe.shim_tile >= (uint64_t)l->width * l->height)
        snprintf(err, len, "nic.mpipe.shim_tile: %llu is not a tile of this chip",
                 (unsigned long long)c->nic.mpipe.shim_tile);
    else if (files_bytes(&c->wl) > c->chip.tile.heap_bytes / 2)
        snprintf(err, len,
                 "workload.files: expected the files to take at most half of a process heap "
                 "(chip.tile.heap_bytes %llu: the rest is the servers' state), found %llu bytes",
                 (unsigned long long)c->chip.tile.heap_bytes,
                 (unsigned long long)files_bytes(&c->wl));
    else if (c->dl.credit_checks && c->noc.udn.injection_depth_words < DMSG_RECORD_MAX_FIXED + 1)
        snprintf(err, len,
                 "noc.udn.injection_depth_words: expected at least %u with "
                 "dlibos.credit_checks (a credit-checked message of the longest record, %u "
                 "words, plus its header must fit), found %llu",
                 DMSG_RECORD_MAX_FIXED + 1, DMSG_RECORD_MAX_FIXED,
                 (unsigned long long)c->noc.udn.injection_depth_words);
    else if (stack > 1 && c->nic.mpipe.bucket_mode != MPIPE_BUCKET_STATIC)
        snprintf(err, len,
                 "nic.mpipe.bucket_mode: expected static with %u stack tiles (each holds the TCP "
                 "state of its flows, so a flow's frames must always reach the same ring), "
                 "found %s",
                 stack, mpipe_bucket_mode_names[c->nic.mpipe.bucket_mode]);
    else if (c->dl.inject_rx_write_tile >= 0 &&
             ((uint64_t)c->dl.inject_rx_write_tile >= (uint64_t)l->width * l->height ||
              l->tile[c->dl.inject_rx_write_tile].role != LAYOUT_APP))
        snprintf(err, len,
                 "dlibos.inject_rx_write_tile: expected an application tile of %s, found %lld",
                 c->dl.layout, (long long)c->dl.inject_rx_write_tile);
    else if (c->stack.max_conns > 65535)
        snprintf(err, len, "stack.max_conns: at most 65535 on the chip");
    else if (c->wl.app == WORKLOAD_MEMCACHED && c->duration_ns <= c->warmup_ns)
        snprintf(err, len,
                 "experiment.duration_ns: expected more than experiment.warmup_ns (%llu) with "
                 "workload.app memcached (an open-loop load has no end of its own, and the "
                 "window is what follows the warm-up), found %llu",
                 (unsigned long long)c->warmup_ns, (unsigned long long)c->duration_ns);
    else if (c->wl.app == WORKLOAD_MEMCACHED && c->wl.mcd_lock_power > c->wl.mcd_hashpower)
        snprintf(
            err, len,
            "workload.mcd_lock_power: expected at most workload.mcd_hashpower (%llu), found %llu",
            (unsigned long long)c->wl.mcd_hashpower, (unsigned long long)c->wl.mcd_lock_power);
    else if (c->cl.tap[0] && (c->nic.topology == NIC_TOPO_DIRECT || c->wl.app == WORKLOAD_NETPIPE ||
                              c->wl.app == WORKLOAD_HTTP_CLIENT || !c->duration_ns))
        snprintf(err, len,
                 "clients.tap: real clients reach the chip's port 0 in real time: expected "
                 "nic.topology switch, workload.app http or memcached and experiment.duration_ns "
                 "above 0 (a real-time run has no end of its own)");
    else if (c->cl.tap[0] && !clients_tap_peer(&c->cl, &(uint32_t){0}, (uint8_t[6]){0}, err, len))
        ;
    else if (c->nic.topology == NIC_TOPO_DIRECT && c->wl.app != WORKLOAD_NETPIPE)
        snprintf(err, len,
                 "nic.topology: direct cables a second chip to this one for NetPIPE; expected "
                 "workload.app netpipe with it, found %s",
                 workload_app_names[c->wl.app]);
    else
        ok = true;
    if (ok) { /* the regions the chip will lay out: tiles, NIC buffers, process heaps */
        unsigned procs = 0;
        for (unsigned t = 0; t < l->width * l->height; t++)
            if ((l->tile[t].role == LAYOUT_APP || l->tile[t].role == LAYOUT_RTC) &&
                l->tile[t].process + 1 > procs)
                procs = l->tile[t].process + 1;
        const struct nic_buffer_memory nm = nic_buffer_memory(&c->nic);
        const struct chip_mem_need need[] = {
            {nm.rx_key, "Rx buffers", nm.rx_bytes, 1},
            {nm.tx_key, "Tx headers", nm.tx_bytes, 1},
            {"chip.tile.heap_bytes", "process heaps", c->chip.tile.heap_bytes, procs}};
        ok = chip_sim_memory_check(&c->chip, (uint64_t)l->width * l->height, need, 3, err, len);
    }
    if (ok && out)
        *out = l;
    else
        layout_free(l);
    return ok;
}

/* ---- clients ---- */

static uint64_t client_now(void *ctx) {
    struct client *c = ctx;
    return sim_engine_now(c->r->run->engine);
}

static void client_record(void *ctx, const struct httpc_record *rec) {
    struct client *c = ctx;
    struct chip_run *r = c->r;
    sim_time_t now = sim_engine_now(r->run->engine);
    if (now < r->warmup || now - rec->latency_ps < r->warmup) return;
    if (!r->win_responses) r->first_in_window = now;
    r->last_in_window = now;
    r->win_responses++;
    r->win_bytes += rec->head_bytes + rec->body_bytes;
    stat_hist_record(&r->lat, rec->latency_ps);
}

static void client_tap(void *ctx, const struct client_host *h, const uint8_t *f, size_t len,
                       bool tx, sim_time_t t) {
    (void)h;
    ack_track_frame(ctx, f, len, tx, t);
}

static void client_start(void *ctx, struct client_host *h) {
    struct client *c = ctx;
    (void)h;
    httpc_start(c->c, sock_rtc_sock(c->rtc));
}

/* A measured size (ctx: the run; the peer chip's client calls it from tile
 * code, a probe that costs the tile nothing). */
static void np_record(void *ctx, uint64_t bytes, uint64_t one_way_ps) {
    struct chip_run *r = ctx;
    if (r->np_n == r->np_cap) {
        size_t cap = r->np_cap ? 2 * r->np_cap : 64;
        struct np_row *rows = realloc(r->np_rows, cap * sizeof *rows);
        if (!rows) return; /* (the row is lost; rows_lost in the stats says so) */
        r->np_rows = rows;
        r->np_cap = cap;
    }
    r->np_rows[r->np_n++] = (struct np_row){bytes, one_way_ps};
}
static void np_host_record(void *ctx, uint64_t bytes, uint64_t one_way_ps) {
    np_record(((struct client *)ctx)->r, bytes, one_way_ps);
}

static void np_start(void *ctx, struct client_host *h) {
    struct client *c = ctx;
    (void)h;
    netpipe_client_start(c->np, sock_rtc_sock(c->rtc));
}

/* netpipe: client host 0 runs NetPIPE's transmitter against the chip. */
/* NetPIPE's transmitter against the chip under test, as clients.netpipe_*
 * set it (its clock and record calls are the caller's to fill). */
static struct netpipe_client_config np_config(const struct chip_run *r) {
    const struct clients_config *cl = &r->cfg->cl;
    return (struct netpipe_client_config){.server_ip = CHIP_IP,
                                          .port = (uint16_t)r->cfg->wl.port,
                                          .start = 1,
                                          .perturbation = 3, /* NPtcp's (integrity: 0) */
                                          .max_bytes = cl->netpipe_max_bytes,
                                          .repeats = (unsigned)cl->netpipe_repeats,
                                          .trials = 3, /* NPtcp's (integrity: 1) */
                                          .integrity = cl->netpipe_integrity};
}

static int build_np_client(struct chip_run *r, struct client *c) {
    struct netpipe_client_config nc = np_config(r);
    nc.now = client_now;
    nc.record = np_host_record;
    nc.ctx = c;
    c->np = netpipe_client_create(&nc, NULL);
    struct sock_events ev = netpipe_client_events();
    struct stk *s = client_host_stack(c->h);
    if (c->np) c->rtc = sock_rtc_create(&s, 1, &ev, c->np, NULL);
    if (!c->rtc) {
        snprintf(r->err, sizeof r->err, "client 0: out of memory (NetPIPE client)");
        return -1;
    }
    return 0;
}

/* ---- memcached clients (sim/chip/exp/mcload_host.h) ---- */

/* Host i's client: clients.connections load connections offering its share
 * of clients.mc_qps; host 0 also runs the observer group. */
static int build_mc_client(struct chip_run *r, struct client *c, unsigned i) {
    const struct chip_cfg *cfg = r->cfg;
    const struct clients_config *cl = &cfg->cl;
    struct mcload_server srv = {CHIP_IP, (uint16_t)cfg->wl.port};
    struct mcload_config mc = {.servers = &srv,
                               .nservers = 1,
                               .conns = (unsigned)cl->connections,
                               .depth = (unsigned)cl->mc_depth,
                               .qps = cl->mc_qps / (double)cl->hosts,
                               .obs_conns = i == 0 ? (unsigned)cl->mc_observer_conns : 0,
                               .obs_qps = cl->mc_observer_qps,
                               .ia = (enum mcload_ia)cl->mc_ia,
                               .dist = (enum mcload_dist)cl->mc_dist,
                               .records = cfg->wl.mcd_records ? cfg->wl.mcd_records : 1,
                               .update = 1.0 - cl->mc_get_frac,
                               .key_size = (unsigned)cfg->wl.mcd_key_size,
                               .value_size = (uint32_t)cfg->wl.mcd_value_size,
                               .preload = false, /* the stores are preloaded */
                               .seed = cfg->seed * 1000003u + i,
                               /* the window: from the warm-up's end to the run's */
                               .warmup = SIM_NS(cfg->warmup_ns),
                               .duration = SIM_NS(cfg->duration_ns - cfg->warmup_ns)};
    char err[160];
    c->mc = mcload_host_create(r->run->engine, c->h, &mc, err, sizeof err);
    if (!c->mc) {
        snprintf(r->err, sizeof r->err, "client %u: %s", i, err);
        return -1;
    }
    return 0;
}

static int build_clients(struct chip_run *r) {
    const struct chip_cfg *cfg = r->cfg;
    r->ncl = (unsigned)cfg->cl.hosts;
    r->cl = calloc(r->ncl, sizeof *r->cl);
    if (!r->cl) return -1;
    for (unsigned i = 0; i < r->ncl; i++) {
        struct client *c = &r->cl[i];
        c->r = r;
        struct stk_config sc;
        stk_config_default(&sc);
        client_mac(i, sc.mac);
        sc.ip = CLIENT_IP(i);
        sc.arp_static_only = true;
        uint64_t conns = cfg->cl.connections; /* http-client: the chip's, spread over hosts */
        if (cfg->wl.app == WORKLOAD_HTTP_CLIENT)
            conns = (layout_count(r->lay, LAYOUT_APP) + layout_count(r->lay, LAYOUT_RTC)) *
                        cfg->cl.connections / cfg->cl.hosts +
                    cfg->cl.connections;
        if (cfg->wl.app == WORKLOAD_MEMCACHED) conns += cfg->cl.mc_observer_conns;
        if (sc.max_conns < 2 * conns + 16)
            sc.max_conns = (uint32_t)(2 * conns + 16 > 65535 ? 65535 : 2 * conns + 16);
        struct client_host_params prm = {(unsigned)cfg->cl.cores, 4096, 4096,
                                         cfg->seed * 1000003u + i};
        char name[32];
        snprintf(name, sizeof name, "client%u", i);
        c->h = client_host_create(r->run->engine, &cfg->nic.eth, &cfg->chip.host, &prm, &sc, NULL,
                                  name, r->err, sizeof r->err);
        if (!c->h) return -1;
        stk_arp_add_static(client_host_stack(c->h), CHIP_IP, chip_mac);
        client_host_set_tap(c->h, client_tap, &r->acks);
        eth_cable_connect(client_host_port(c->h), switch_topology_client_port(r->topo, i));
        if (eth_impair_applies(&cfg->nic.impair, true)) { /* nic.impair on the client wires */
            eth_cable_impair(client_host_port(c->h), &cfg->nic.impair, cfg->seed);
            eth_cable_impair(switch_topology_client_port(r->topo, i), &cfg->nic.impair, cfg->seed);
        }
        if (cfg->wl.app == WORKLOAD_HTTP_CLIENT) { /* the host serves the files */
            struct sock_events ev = httpd_events();
            struct stk *s = client_host_stack(c->h);
            c->d = httpd_create(r->files, r->nfiles, NULL);
            if (c->d) c->rtc = sock_rtc_create(&s, 1, &ev, c->d, NULL);
            if (!c->rtc || httpd_start(c->d, sock_rtc_sock(c->rtc), 1, (uint16_t)cfg->wl.port,
                                       (unsigned)cfg->wl.backlog)) {
                snprintf(r->err, sizeof r->err, "client %u: cannot start its server", i);
                return -1;
            }
            continue;
        }
        if (cfg->wl.app == WORKLOAD_NETPIPE) { /* host 0 runs NetPIPE; the others idle */
            if (i == 0 && build_np_client(r, c)) return -1;
            continue;
        }
        if (cfg->wl.app == WORKLOAD_MEMCACHED) {
            if (build_mc_client(r, c, i)) return -1;
            continue;
        }
        struct httpc_config hc = {.server_ip = CHIP_IP,
                                  .port = (uint16_t)cfg->wl.port,
                                  .conns = (unsigned)cfg->cl.connections,
                                  .targets = r->files,
                                  .ntargets = r->nfiles,
                                  .verify = cfg->cl.verify,
                                  .no_keepalive = !cfg->cl.keepalive,
                                  .max_requests = cfg->cl.requests,
                                  .now = client_now,
                                  .record = client_record,
                                  .ctx = c};
        c->c = httpc_create(&hc, NULL);
        struct sock_events ev = httpc_events();
        struct stk *s = client_host_stack(c->h);
        if (c->c) c->rtc = sock_rtc_create(&s, 1, &ev, c->c, NULL);
        if (!c->rtc) {
            snprintf(r->err, sizeof r->err, "client %u: out of memory", i);
            return -1;
        }
    }
    return 0;
}

/* ---- files ---- */

static uint8_t file_byte(unsigned file, uint64_t off) {
    uint64_t x = (off + 1) * 0x9e3779b97f4a7c15ull ^ (uint64_t)(file + 1) * 0xc2b2ae3d27d4eb4full;
    return (uint8_t)(x >> 56);
}

static int build_files(struct chip_run *r) {
    r->nfiles = workload_file_sizes(&r->cfg->wl, r->sizes, r->err, sizeof r->err);
    if (!r->nfiles) return -1;
    r->paths = calloc(r->nfiles, sizeof *r->paths);
    r->data = calloc(r->nfiles, sizeof *r->data);
    r->files = calloc(r->nfiles, sizeof *r->files);
    if (!r->paths || !r->data || !r->files) return -1;
    for (unsigned i = 0; i < r->nfiles; i++) {
        snprintf(r->paths[i], sizeof r->paths[i], "/f%u.bin", i);
        r->data[i] = malloc(r->sizes[i] ? r->sizes[i] : 1);
        if (!r->data[i]) return -1;
        for (uint64_t k = 0; k < r->sizes[i]; k++) r->data[i][k] = file_byte(i, k);
        r->files[i] =
            (struct httpd_file){r->paths[i], r->data[i], r->sizes[i], "application/octet-stream"};
    }
    return 0;
}

/* A copy of [p, p + n) in region reg (NULL: full). */
static void *region_copy(struct mem_region *reg, const void *p, size_t n) {
    void *q = mem_alloc(reg, n ? n : 1);
    if (q && n) memcpy(q, p, n);
    return q;
}

/* memcached: the store's memory comes from the process heap (zeroed, as a
 * struct stk_alloc promises); the experiment builds it natively before the
 * tiles run (its cost is not simulated). */
static void *heap_zalloc(void *ctx, size_t n) {
    bool fresh;
    void *p = mem_alloc_fresh(ctx, n, &fresh);
    if (p && !fresh) memset(p, 0, n);
    return p;
}
static void heap_free(void *ctx, void *p) { mem_free(ctx, p); }

/* The tiles' spin locks as the store's lock operations: the tile whose
 * handler runs takes it (none runs while the experiment preloads). */
static void store_lock(void *ctx, void *lk) {
    (void)ctx;
    struct tile *t = tile_current();
    if (t) tile_lock_acquire(t, lk);
}
static void store_unlock(void *ctx, void *lk) {
    (void)ctx;
    struct tile *t = tile_current();
    if (t) tile_lock_release(t, lk);
}

/* memcached: process proc's store in its heap, preloaded with
 * workload.mcd_records records (mutilate's USR keys and values). */
static struct mcd_store *build_store(struct chip_run *r, struct chip_side *sd,
                                     struct mem_region *heap, unsigned proc) {
    const struct workload_config *w = &r->cfg->wl;
    if (sd->idx == 0 && r->store[proc]) return r->store[proc];
    static const struct mcd_lock_ops locks = {store_lock, store_unlock, NULL,
                                              sizeof(struct tile_lock), NULL};
    struct stk_alloc a = {heap_zalloc, heap_free, heap};
    struct mcd_store_config sc = {.hashpower = (unsigned)w->mcd_hashpower,
                                  .lock_power = (unsigned)w->mcd_lock_power,
                                  .mem_bytes = (size_t)w->mcd_memory_mb << 20,
                                  .locks = &locks};
    struct mcd_store *st = mcd_store_create(&sc, &a);
    if (!st) {
        snprintf(r->err, sizeof r->err,
                 "process %u: the memcached store does not fit its heap (workload.mcd_memory_mb "
                 "%llu and 2^%llu buckets; chip.tile.heap_bytes %llu)",
                 proc, (unsigned long long)w->mcd_memory_mb, (unsigned long long)w->mcd_hashpower,
                 (unsigned long long)r->cfg->chip.tile.heap_bytes);
        return NULL;
    }
    mcd_store_set_time(st, CHIP_APP_UNIX_EPOCH);
    uint64_t n = mcd_store_preload(st, w->mcd_records, (unsigned)w->mcd_key_size,
                                   (unsigned)w->mcd_value_size);
    if (n < w->mcd_records) {
        snprintf(r->err, sizeof r->err,
                 "process %u: workload.mcd_records %llu do not fit workload.mcd_memory_mb %llu "
                 "(%llu written)",
                 proc, (unsigned long long)w->mcd_records, (unsigned long long)w->mcd_memory_mb,
                 (unsigned long long)n);
        return NULL;
    }
    if (sd->idx == 0) r->store[proc] = st;
    return st;
}

/* The server's parameters in process p's heap, the files preloaded there
 * (http-client: the expected bodies of the tiles' clients, client_params). */
static const void *app_params(struct chip_run *r, struct chip_side *sd, unsigned proc,
                              const void **cached) {
    if (cached[proc]) return cached[proc];
    struct mem_region *heap = chip_proc_heap(sd->chip, proc);
    if (!heap) return NULL;
    const struct workload_config *w = &r->cfg->wl;
    if (w->app == WORKLOAD_MEMCACHED) {
        struct mcd_store *st = build_store(r, sd, heap, proc);
        if (!st) return NULL;
        struct chip_app_memcached mp = {st, (uint16_t)w->port, (unsigned)w->backlog};
        cached[proc] = region_copy(heap, &mp, sizeof mp);
    } else if (w->app == WORKLOAD_NETPIPE) {
        struct chip_app_netpipe np = {(uint16_t)w->port, (unsigned)w->backlog,
                                      (enum netpipe_mode)w->netpipe_mode};
        cached[proc] = region_copy(heap, &np, sizeof np);
    } else {
        struct httpd_file *f = mem_alloc(heap, r->nfiles * sizeof *f);
        for (unsigned i = 0; f && i < r->nfiles; i++) {
            f[i].path = region_copy(heap, r->paths[i], strlen(r->paths[i]) + 1);
            f[i].data = region_copy(heap, r->data[i], r->sizes[i]);
            f[i].len = r->sizes[i];
            f[i].content_type =
                region_copy(heap, r->files[i].content_type, strlen(r->files[i].content_type) + 1);
            if (!f[i].path || !f[i].data || !f[i].content_type) f = NULL;
        }
        struct chip_app_http h = {f, r->nfiles, (uint16_t)w->port, (unsigned)w->backlog,
                                  w->idle_timeout_ms * SIM_MS(1)};
        cached[proc] = f ? region_copy(heap, &h, sizeof h) : NULL;
    }
    /* the NIC may gather from the whole heap (zero-touch sends) */
    if (cached[proc] && chip_nic_register(sd->cn, heap->pa, heap->size)) cached[proc] = NULL;
    return cached[proc];
}

/* http-client: tile t's client, the rank-th application tile, connects to
 * client host rank mod hosts (its parameters in the process's heap). */
static const void *client_params(struct chip_run *r, struct chip_side *sd, unsigned proc,
                                 const void *http, unsigned rank) {
    const struct chip_app_http *h = http;
    const struct chip_cfg *cfg = r->cfg;
    struct chip_app_http_client p = {{.server_ip = CLIENT_IP(rank % cfg->cl.hosts),
                                      .port = (uint16_t)cfg->wl.port,
                                      .conns = (unsigned)cfg->cl.connections,
                                      .targets = h->files,
                                      .ntargets = h->nfiles,
                                      .verify = cfg->cl.verify,
                                      .no_keepalive = !cfg->cl.keepalive,
                                      .max_requests = cfg->cl.requests}};
    return region_copy(chip_proc_heap(sd->chip, proc), &p, sizeof p);
}

/* The peer chip (nic.topology direct): its first application (or RTC) tile
 * runs NetPIPE's transmitter against the chip under test, from its
 * process's heap; it connects once r->go is set (setup_check). */
static const void *np_client_params(struct chip_run *r, struct chip_side *sd, unsigned proc) {
    struct chip_app_netpipe_client p = {
        .cfg = np_config(r), .record = np_record, .record_ctx = r, .go = r->go};
    return region_copy(chip_proc_heap(sd->chip, proc), &p, sizeof p);
}

/* ---- tiles ---- */

static void stack_params(struct chip_run *r, struct chip_side *sd, struct stk_tile *st,
                         unsigned idx, struct mem_region *priv, struct tile_lock *elock) {
    const struct chip_cfg *cfg = r->cfg;
    stk_config_default(&st->cfg);
    stack_config_to_stk(&cfg->stack, &st->cfg);
    memcpy(st->cfg.mac, sd->mac, 6);
    st->cfg.ip = sd->ip;
    st->cfg.netmask = 0xffffff00u;
    /* static neighbours: the client hosts, or the other chip */
    unsigned nn = r->ncl + (r->nsides - 1) + (r->bridge ? 1 : 0);
    struct stk_tile_neigh *nb = mem_alloc(priv, (nn ? nn : 1) * sizeof *nb);
    for (unsigned i = 0; nb && i < r->ncl; i++) {
        nb[i].ip = CLIENT_IP(i);
        client_mac(i, nb[i].mac);
    }
    if (nb && r->nsides == 2) {
        const struct chip_side *other = &r->s[1 - sd->idx];
        nb[r->ncl].ip = other->ip;
        memcpy(nb[r->ncl].mac, other->mac, 6);
    }
    if (nb && r->bridge) { /* the TAP device's side */
        nb[nn - 1].ip = r->tap_ip;
        memcpy(nb[nn - 1].mac, r->tap_mac, 6);
    }
    st->neigh = nb;
    st->nneigh = nb ? nn : 0;
    st->drv = (struct nic_drv_params){.ring = 0,
                                      .ering = idx % (unsigned)cfg->nic.mpipe.edma_rings,
                                      .batch = (unsigned)cfg->dl.nic_batch,
                                      .rx_descs = (unsigned)cfg->dl.rx_descs,
                                      .hdr_bytes = (uint32_t)cfg->nic.mpipe.tx_header_buffer_bytes,
                                      .csum_offload = st->cfg.tx_csum_offload,
                                      .rx_csum_trust = st->cfg.rx_csum_offload,
                                      .elock = elock,
                                      .seed = cfg->seed * 0x9e3779b97f4a7c15ull + idx + 1,
                                      .rss_symmetric = cfg->nic.mpipe.rss_symmetric,
                                      .buckets = (uint32_t)cfg->nic.mpipe.buckets,
                                      .rings = (uint32_t)cfg->nic.mpipe.rings,
                                      .dev_ring = idx,
                                      .ip = sd->ip};
    uint8_t *key = mem_alloc(priv, 40);
    if (key && nic_config_parse_rss_key(cfg->nic.mpipe.rss_key, key)) st->drv.rss_key = key;
}

/* The tile programs of chip sd: stack tiles, and on the application (or
 * RTC) tiles the workload's server; on the peer chip NetPIPE's transmitter
 * on the first of them, the (idle) NetPIPE receiver on the others. */
static int start_tiles(struct chip_run *r, struct chip_side *sd) {
    const struct chip_cfg *cfg = r->cfg;
    const struct layout *l = r->lay;
    /* direct: only port 0 is cabled, so every eDMA ring sends on it */
    /* direct or tap: only port 0 is cabled, so every eDMA ring sends on it */
    bool direct = r->nsides == 2 || r->bridge, peer = sd->idx == 1;
    unsigned erings = (unsigned)cfg->nic.mpipe.edma_rings;
    bool shared = r->nstack > erings;
    struct tile_lock *locks = NULL;
    if (shared) {
        locks = mem_alloc(chip_shared_region(sd->chip), erings * sizeof *locks);
        if (!locks) return snprintf(r->err, sizeof r->err, "shared memory exhausted"), -1;
        memset(locks, 0, erings * sizeof *locks);
    }
    for (unsigned e = 0; e < erings && e < r->nstack; e++)
        if (mpipe_edma_bind(sd->m, e, direct ? 0 : e % (unsigned)cfg->nic.mpipe.ports))
            return snprintf(r->err, sizeof r->err, "eDMA ring %u: cannot bind", e), -1;
    /* process heaps: bases and sizes as the network tiles see them */
    struct dl_mem *mem = mem_alloc(chip_shared_region(sd->chip), r->ntiles * sizeof *mem);
    if (!mem) return snprintf(r->err, sizeof r->err, "shared memory exhausted"), -1;
    memset(mem, 0, r->ntiles * sizeof *mem);
    const void *params[LAYOUT_MAX_TILES] = {0};
    for (unsigned t = 0; t < r->ntiles; t++) {
        if (l->tile[t].role != LAYOUT_APP && l->tile[t].role != LAYOUT_RTC) continue;
        unsigned proc = l->tile[t].process;
        if (!app_params(r, sd, proc, params)) {
            if (!r->err[0]) /* (the store's build says why itself) */
                snprintf(r->err, sizeof r->err, "process %u: heap exhausted (files)", proc);
            return -1;
        }
        struct mem_region *heap = chip_proc_heap(sd->chip, proc);
        mem[t] = (struct dl_mem){heap->host, heap->size};
    }
    bool client = cfg->wl.app == WORKLOAD_HTTP_CLIENT;
    const struct chip_app *app = client                              ? &chip_app_httpc
                                 : cfg->wl.app == WORKLOAD_NETPIPE   ? &chip_app_netpipe
                                 : cfg->wl.app == WORKLOAD_MEMCACHED ? &chip_app_memcached
                                                                     : &chip_app_httpd;
    unsigned idx = 0, net_seen = 0, nnet = layout_count(l, LAYOUT_NET), rank = 0;
    for (unsigned t = 0; t < r->ntiles; t++) {
        struct mem_region *priv = chip_private_region(sd->chip, t);
        enum layout_role role = l->tile[t].role;
        unsigned proc = l->tile[t].process;
        int rc = 0;
        const void *prm = params[proc];
        const struct chip_app *tapp = app;
        if (client && (role == LAYOUT_APP || role == LAYOUT_RTC) &&
            !(prm = client_params(r, sd, proc, params[proc], rank++)))
            return snprintf(r->err, sizeof r->err, "process %u: heap exhausted", proc), -1;
        if (peer && (role == LAYOUT_APP || role == LAYOUT_RTC) && rank++ == 0) {
            tapp = &chip_app_netpipe_client;
            if (!(prm = np_client_params(r, sd, proc)))
                return snprintf(r->err, sizeof r->err, "peer process %u: heap exhausted", proc), -1;
        }
        if (role == LAYOUT_RTC) {
            struct rtc_tile *x = sd->rtc[t] = mem_alloc(priv, sizeof *x);
            if (!x) return snprintf(r->err, sizeof r->err, "tile %u: private memory", t), -1;
            memset(x, 0, sizeof *x);
            stack_params(r, sd, &x->st, idx, priv, shared ? &locks[idx % erings] : NULL);
            x->app = tapp;
            x->app_params = prm;
            x->busy_cycles =
                (r->cfg->wl.busy_ns * r->cfg->chip.core_freq_hz + 999999999u) / 1000000000u;
            rc = chip_nic_map_ring(sd->cn, idx, t, 0) ||
                 chip_tile_start(sd->chip, t, TILE_ROLE_RTC, proc, rtc_tile_main, x, r->err,
                                 sizeof r->err);
            idx++;
        } else if (role == LAYOUT_NET) {
            struct net_tile *x = sd->net[t] = mem_alloc(priv, sizeof *x);
            uint16_t *reach = mem_alloc(priv, r->ntiles * sizeof *reach);
            if (!x || !reach)
                return snprintf(r->err, sizeof r->err, "tile %u: private memory", t), -1;
            memset(x, 0, sizeof *x);
            stack_params(r, sd, &x->st, idx, priv, shared ? &locks[idx % erings] : NULL);
            for (unsigned a = 0; a < r->ntiles; a++)
                if (layout_may_talk(l, t, a)) reach[x->nreach++] = (uint16_t)a;
            x->reach = reach;
            /* each network tile starts its round-robin at its own share of
             * the application tiles, so that their first connections do
             * not all go to the same tile */
            x->rr = x->nreach * net_seen++ / nnet;
            x->ntiles = r->ntiles;
            x->mem = mem;
            x->rx_base = sd->cn->rx->host;
            x->rx_len = sd->cn->rx->size;
            x->rx_credits = (unsigned)cfg->dl.rx_credits;
            x->batch_words = (unsigned)cfg->dl.batch_words;
            x->credit_checks = cfg->dl.credit_checks;
            x->retry_ps = SIM_NS(cfg->dl.retry_ns);
            rc = chip_nic_map_ring(sd->cn, idx, t, 0) ||
                 chip_tile_start(sd->chip, t, TILE_ROLE_NET, 0, net_tile_main, x, r->err,
                                 sizeof r->err);
            idx++;
        } else if (role == LAYOUT_APP) {
            struct app_tile *x = sd->app[t] = mem_alloc(priv, sizeof *x);
            uint16_t *nets = mem_alloc(priv, r->ntiles * sizeof *nets);
            if (!x || !nets)
                return snprintf(r->err, sizeof r->err, "tile %u: private memory", t), -1;
            memset(x, 0, sizeof *x);
            for (unsigned n = 0; n < r->ntiles; n++)
                if (l->tile[n].role == LAYOUT_NET && layout_may_talk(l, n, t))
                    nets[x->nnets++] = (uint16_t)n;
            x->nets = nets;
            x->rr = rank; /* connect: each application tile starts at its own network tile */
            x->app = tapp;
            x->app_params = prm;
            x->ntiles = r->ntiles;
            x->heap = mem[t].base;
            x->heap_len = mem[t].len;
            x->rx_base = sd->cn->rx->host;
            x->rx_len = sd->cn->rx->size;
            x->batch_words = (unsigned)cfg->dl.batch_words;
            x->credit_checks = cfg->dl.credit_checks;
            x->retry_ps = SIM_NS(cfg->dl.retry_ns);
            x->inject_rx_write = !peer && cfg->dl.inject_rx_write_tile == (int64_t)t;
            x->busy_cycles =
                (r->cfg->wl.busy_ns * r->cfg->chip.core_freq_hz + 999999999u) / 1000000000u;
            rc = chip_tile_start(sd->chip, t, TILE_ROLE_APP, proc, app_tile_main, x, r->err,
                                 sizeof r->err);
        }
        if (rc) {
            if (!r->err[0]) snprintf(r->err, sizeof r->err, "tile %u: cannot start", t);
            return -1;
        }
    }
    return 0;
}

/* ---- run ---- */

/* The application instance of tile t of chip sd (an application or RTC
 * tile's; NULL for other tiles). */
static void *app_inst(const struct chip_side *sd, unsigned t) {
    return sd->app[t] ? sd->app[t]->inst : sd->rtc[t] ? sd->rtc[t]->inst : NULL;
}

/* netpipe: the NetPIPE client, on client host 0 or (nic.topology direct)
 * on the peer chip's first application (or RTC) tile; NULL if none. */
static const struct netpipe_client *np_client(const struct chip_run *r) {
    if (r->cfg->wl.app != WORKLOAD_NETPIPE) return NULL;
    if (r->nsides == 1) return r->ncl ? r->cl[0].np : NULL;
    const struct chip_side *sd = &r->s[1];
    for (unsigned t = 0; t < r->ntiles; t++) {
        const struct chip_app *a = sd->app[t]   ? sd->app[t]->app
                                   : sd->rtc[t] ? sd->rtc[t]->app
                                                : NULL;
        const void *inst = app_inst(sd, t);
        if (a == &chip_app_netpipe_client && inst)
            return ((const struct chip_app_netpipe_client_inst *)inst)->c;
    }
    return NULL;
}

/* Its counters (all zero when there is no client: it could not be made). */
static const struct netpipe_client_stats *np_client_stats(const struct chip_run *r) {
    static const struct netpipe_client_stats none;
    const struct netpipe_client *c = np_client(r);
    return c ? netpipe_client_stats(c) : &none;
}

/* The client of tile t (workload.app http-client), or NULL. */
static const struct httpc *tile_client(const struct chip_run *r, unsigned t) {
    if (r->cfg->wl.app != WORKLOAD_HTTP_CLIENT) return NULL;
    return app_inst(&r->s[0], t);
}

static bool clients_quiet(const struct chip_run *r) {
    for (unsigned i = 0; i < r->ncl; i++)
        if ((r->cl[i].c && !httpc_quiet(r->cl[i].c)) ||
            (r->cl[i].np && !netpipe_client_done(r->cl[i].np)))
            return false;
    if (r->nsides == 2 && (!np_client(r) || !netpipe_client_done(np_client(r)))) return false;
    for (unsigned t = 0; t < r->ntiles; t++)
        if (tile_client(r, t) && !httpc_quiet(tile_client(r, t))) return false;
    return true;
}

/* Responses and established connections of every client so far: what a
 * run without a duration must keep making (connects that fail over and
 * over are not progress). */
static uint64_t clients_progress(const struct chip_run *r) {
    uint64_t n = 0;
    for (unsigned i = 0; i < r->ncl; i++)
        if (r->cl[i].np) n += netpipe_client_stats(r->cl[i].np)->bytes_received;
    if (r->nsides == 2 && np_client(r)) n += netpipe_client_stats(np_client(r))->bytes_received;
    for (unsigned i = 0; i < r->ncl; i++)
        if (r->cl[i].c)
            n += httpc_stats(r->cl[i].c)->responses + httpc_stats(r->cl[i].c)->conns_opened;
    for (unsigned t = 0; t < r->ntiles; t++)
        if (tile_client(r, t))
            n += httpc_stats(tile_client(r, t))->responses +
                 httpc_stats(tile_client(r, t))->conns_closed;
    return n;
}

/* experiment.duration_ns 0: every QUIET_CHECK_PS, stop once the clients are
 * done, or (a failure) once they have made no progress for STALL_PS. */
static void quiet_check(void *ctx, void *arg) {
    struct chip_run *r = ctx;
    (void)arg;
    sim_time_t now = sim_engine_now(r->run->engine);
    if (clients_quiet(r)) {
        r->stopped_quiet = true;
        sim_engine_stop(r->run->engine);
        return;
    }
    uint64_t p = clients_progress(r);
    if (p != r->progress_mark || !r->progress_at) {
        r->progress_mark = p;
        r->progress_at = now;
    } else if (now - r->progress_at >= STALL_PS) {
        r->stalled = true;
        sim_engine_stop(r->run->engine);
        return;
    }
    sim_engine_schedule_in(r->run->engine, QUIET_CHECK_PS, quiet_check, r, NULL);
}

static void snapshot_ev(void *ctx, void *arg) {
    struct chip_run *r = ctx;
    (void)arg;
    for (unsigned t = 0; t < r->ntiles; t++) {
        const struct httpc *c = tile_client(r, t);
        if (!c) continue;
        r->snap_responses += httpc_stats(c)->responses;
        r->snap_bytes += httpc_stats(c)->rx_bytes;
    }
    r->snapped = true;
}

static void stop_ev(void *ctx, void *arg) {
    struct chip_run *r = ctx;
    (void)arg;
    sim_engine_stop(r->run->engine);
}

static bool tiles_done(const struct chip_run *r) {
    for (unsigned i = 0; i < r->nsides; i++) {
        const struct chip_side *sd = &r->s[i];
        for (unsigned t = 0; t < r->ntiles; t++)
            if ((sd->rtc[t] && !sd->rtc[t]->done) || (sd->net[t] && !sd->net[t]->done) ||
                (sd->app[t] && !sd->app[t]->done))
                return false;
    }
    return true;
}

static bool any_faults(const struct chip_run *r) {
    const struct tile_fault *faults;
    for (unsigned i = 0; i < r->nsides; i++)
        if (chip_faults(r->s[i].chip, &faults)) return true;
    return false;
}

/* direct: the peer's NetPIPE client may connect (at its next poll). */
static void go_ev(void *ctx, void *arg) {
    struct chip_run *r = ctx;
    (void)arg;
    if (r->go) *r->go = 1;
}

/* Every microsecond until the tile programs' set-up is over; then the
 * clients start clients.start_us later, and the run's warm-up and duration
 * count from there. */
static void setup_check(void *ctx, void *arg) {
    struct chip_run *r = ctx;
    (void)arg;
    struct sim_engine *e = r->run->engine;
    if (!tiles_done(r)) {
        if (any_faults(r) || sim_engine_now(e) >= SETUP_MAX_PS)
            sim_engine_stop(e); /* a main that faulted never returns: run_failure says why */
        else
            sim_engine_schedule_in(e, SETUP_CHECK_PS, setup_check, r, NULL);
        return;
    }
    r->setup_done = true;
    r->setup_end = sim_engine_now(e);
    r->start = r->setup_end + SIM_US(r->cfg->cl.start_us);
    r->warmup = r->start + SIM_NS(r->cfg->warmup_ns);
    r->acks.from = r->warmup;
    if (r->cfg->wl.app == WORKLOAD_HTTP_CLIENT)
        sim_engine_schedule_at(e, r->warmup, snapshot_ev, r, NULL);
    for (unsigned i = 0; i < r->ncl; i++) { /* (http-client: the hosts serve) */
        if (r->cl[i].c) client_host_at(r->cl[i].h, r->start, client_start, &r->cl[i]);
        if (r->cl[i].np) client_host_at(r->cl[i].h, r->start, np_start, &r->cl[i]);
        if (r->cl[i].mc) mcload_host_start_at(r->cl[i].mc, r->start);
    }
    if (r->go) sim_engine_schedule_at(e, r->start, go_ev, r, NULL);
    if (r->bridge) tap_bridge_start(r->bridge, r->start);
    uint64_t dur = r->cfg->duration_ns;
    if (dur) {
        sim_engine_schedule_at(e, r->start + SIM_NS(dur), stop_ev, r, NULL);
        sim_progress_set_end(r->run->progress, r->start + SIM_NS(dur), 0);
    } else {
        sim_engine_schedule_at(e, r->start + QUIET_CHECK_PS, quiet_check, r, NULL);
    }
}

static void on_deadlock(void *ctx, const struct noc_deadlock_report *rep) {
    struct chip_run *r = ctx;
    r->dl = *rep;
    r->dl.nodes = malloc(rep->n * sizeof *rep->nodes);
    if (r->dl.nodes)
        memcpy(r->dl.nodes, rep->nodes, rep->n * sizeof *rep->nodes);
    else
        r->dl.n = 0;
    r->deadlocked = true;
    sim_engine_stop(r->run->engine);
}

/* Chip i of the run: its mesh, tiles and NIC (port names chip<i>.p<n>). */
static int build_side(struct chip_run *r, unsigned i) {
    const struct chip_cfg *cfg = r->cfg;
    struct sim_engine *e = r->run->engine;
    struct chip_side *sd = &r->s[i];
    sd->idx = i;
    sd->ip = CHIP_IP + i;
    memcpy(sd->mac, chip_mac, 6);
    sd->mac[5] = (uint8_t)(chip_mac[5] + i);
    sd->rtc = calloc(r->ntiles, sizeof *sd->rtc);
    sd->net = calloc(r->ntiles, sizeof *sd->net);
    sd->app = calloc(r->ntiles, sizeof *sd->app);
    if (!sd->rtc || !sd->net || !sd->app) return -1;
    sd->cm = chip_mesh_create(e, &cfg->chip, &cfg->noc, r->err, sizeof r->err);
    if (!sd->cm) return -1;
    sd->chip = chip_mesh_chip(sd->cm);
    noc_mesh_set_deadlock_hook(udn_mesh(chip_mesh_udn(sd->cm)), on_deadlock, r);
    char name[16];
    snprintf(name, sizeof name, "chip%u", i);
    sd->cn = chip_nic_create(sd->chip, e, &cfg->nic, name, r->err, sizeof r->err);
    if (!sd->cn) return -1;
    sd->m = chip_nic_mpipe(sd->cn);
    return 0;
}

static int build(struct chip_run *r) {
    const struct chip_cfg *cfg = r->cfg;
    struct sim_engine *e = r->run->engine;
    bool direct = cfg->nic.topology == NIC_TOPO_DIRECT;
    r->ntiles = r->lay->width * r->lay->height;
    r->nstack = layout_count(r->lay, LAYOUT_NET) + layout_count(r->lay, LAYOUT_RTC);
    r->nsides = direct ? 2 : 1;
    r->hist_ok = stat_hist_init(&r->lat, STAT_HIST_DEFAULT_SUB_BITS);
    r->acks_ok = ack_track_init(&r->acks, 4 * cfg->cl.hosts * cfg->cl.connections);
    if (!r->hist_ok || !r->acks_ok || build_files(r)) return -1;
    for (unsigned i = 0; i < r->nsides; i++)
        if (build_side(r, i)) return -1;
    bool tap = cfg->cl.tap[0] != 0;
    if (tap) { /* real clients on port 0, no switch */
        r->bridge = tap_bridge_create(e, &cfg->nic.eth, cfg->cl.tap, SIM_US(cfg->cl.tap_pace_us),
                                      r->err, sizeof r->err);
        if (!r->bridge ||
            !clients_tap_peer(&cfg->cl, &r->tap_ip, r->tap_mac, r->err, sizeof r->err))
            return -1;
        eth_cable_connect(mpipe_port(r->s[0].m, 0), tap_bridge_port(r->bridge));
    } else {
        struct mpipe *ms[2] = {r->s[0].m, direct ? r->s[1].m : NULL};
        r->topo =
            switch_topology_build(e, &cfg->nic, ms, r->nsides, direct ? 0 : (unsigned)cfg->cl.hosts,
                                  r->err, sizeof r->err);
        if (!r->topo) return -1;
    }
    if (tap) {
        r->ncl = 0;
    } else if (direct) { /* the peer's start signal, in its shared memory */
        r->go = mem_alloc(chip_shared_region(r->s[1].chip), sizeof *r->go);
        if (!r->go) return snprintf(r->err, sizeof r->err, "peer: shared memory exhausted"), -1;
        *r->go = 0;
    } else if (build_clients(r)) {
        return -1;
    }
    for (unsigned i = 0; i < r->nsides; i++)
        if (start_tiles(r, &r->s[i])) return -1;
    r->nports = port_count(cfg);
    for (unsigned i = 0; i < r->nports; i++) {
        unsigned p0 = r->s[0].m->nports;
        r->port[i] = i < p0   ? mpipe_port(r->s[0].m, i)
                     : direct ? mpipe_port(r->s[1].m, i - p0)
                              : client_host_port(r->cl[i - p0].h);
    }
    if (capture_ports_open(r->port, r->nports, cfg->nic.pcap_ports, r->run->out_dir, r->pcap,
                           r->err, sizeof r->err) < 0)
        return -1;
    if (direct && eth_impair_applies(&cfg->nic.impair, false)) { /* the cable between the chips */
        eth_cable_impair(mpipe_port(r->s[0].m, 0), &cfg->nic.impair, cfg->seed);
        eth_cable_impair(mpipe_port(r->s[1].m, 0), &cfg->nic.impair, cfg->seed);
    } else if (r->topo && eth_impair_applies(&cfg->nic.impair, false)) /* all: the chip's too */
        for (unsigned p = 0; p < r->topo->client_base; p++) {
            eth_cable_impair(switch_port(r->topo->sw, p), &cfg->nic.impair, cfg->seed);
            if (p < r->s[0].m->nports)
                eth_cable_impair(mpipe_port(r->s[0].m, p), &cfg->nic.impair, cfg->seed);
        }
    return 0;
}

static sim_time_t simulate(struct chip_run *r) {
    struct sim_engine *e = r->run->engine;
    sim_engine_schedule_in(e, 0, setup_check, r, NULL);
    sim_engine_run_until(e, SIM_TIME_MAX);
    sim_time_t end = sim_engine_now(e);
    chip_finish(r->s[0].chip, end);
    return end;
}

/* ---- results ---- */

/* dst += src, counter by counter, for counter structs made only of
 * uint64_t fields (httpc_stats, mcload_stats, mcd_stats, netpipe_stats,
 * mcd_store_stats). */
static void add_counters(void *dst, const void *src, size_t bytes) {
    uint64_t *d = dst;
    const uint64_t *x = src;
    for (size_t i = 0; i < bytes / sizeof(uint64_t); i++) d[i] += x[i];
}

/* memcached: the hosts' load results merged (their histograms added), the
 * observer's (host 0), the clients' counters summed, and the servers'. */
struct mc_totals {
    bool ok; /* the merged histograms could be made */
    struct lathist lat, svc;
    double qps, offered;
    uint64_t measured, incomplete;
    struct mcload_stats st; /* load and observer groups, all hosts */
    struct mcload_result obs;
    struct mcd_stats srv;
    struct mcd_store_stats store;
};

static void mc_count(const struct chip_run *r, struct mc_totals *m) {
    memset(m, 0, sizeof *m);
    m->ok = lathist_init(&m->lat, LATHIST_SUB_BITS, NULL);
    m->ok = lathist_init(&m->svc, LATHIST_SUB_BITS, NULL) && m->ok;
    for (unsigned i = 0; i < r->ncl; i++) {
        if (!r->cl[i].mc) continue;
        const struct mcload *c = mcload_host_client(r->cl[i].mc);
        struct mcload_result x;
        mcload_result(c, MCLOAD_LOAD, &x);
        m->qps += x.qps;
        m->offered += x.offered_qps;
        m->measured += x.measured;
        m->incomplete += x.incomplete;
        if (m->ok) {
            lathist_merge(&m->lat, mcload_hist(c, MCLOAD_LOAD, false));
            lathist_merge(&m->svc, mcload_hist(c, MCLOAD_LOAD, true));
        }
        add_counters(&m->st, mcload_stats(c, MCLOAD_LOAD), sizeof m->st);
        add_counters(&m->st, mcload_stats(c, MCLOAD_OBS), sizeof m->st);
        if (i == 0) mcload_result(c, MCLOAD_OBS, &m->obs);
    }
    for (unsigned t = 0; t < r->ntiles; t++)
        if (app_inst(&r->s[0], t))
            add_counters(&m->srv, mcd_stats(app_inst(&r->s[0], t)), sizeof m->srv);
    for (unsigned p = 0; p < LAYOUT_MAX_TILES; p++) {
        if (!r->store[p]) continue;
        struct mcd_store_stats x;
        mcd_store_stats(r->store[p], &x);
        add_counters(&m->store, &x, sizeof x);
    }
}

static void mc_free(struct mc_totals *m) {
    if (!m->ok) return;
    lathist_fini(&m->lat);
    lathist_fini(&m->svc);
}

struct totals {
    struct httpc_stats c;
    struct mc_totals mc; /* workload.app memcached (counted once, freed by totals_free) */
    uint64_t events, commands, not_owner, bad_pointer, rx_credit_drops, cmd_errors;
    uint64_t msgs, words, queued, lost, app_failed, stack_failed;
    uint64_t waiting; /* destinations with messages still queued for credits at the end */
    uint64_t drv_rx_no_desc, drv_tx_drops;
};

static const struct stk_tile *stack_tile(const struct chip_run *r, unsigned t) {
    return r->s[0].rtc[t] ? &r->s[0].rtc[t]->st : r->s[0].net[t] ? &r->s[0].net[t]->st : NULL;
}

static void count(const struct chip_run *r, struct totals *o) {
    if (r->cfg->wl.app == WORKLOAD_MEMCACHED) mc_count(r, &o->mc);
    for (unsigned i = 0; i < r->ncl; i++)
        if (r->cl[i].c) add_counters(&o->c, httpc_stats(r->cl[i].c), sizeof o->c);
    for (unsigned t = 0; t < r->ntiles; t++)
        if (tile_client(r, t)) add_counters(&o->c, httpc_stats(tile_client(r, t)), sizeof o->c);
    for (unsigned t = 0; t < r->ntiles; t++) {
        const struct dmsg_port *p = NULL;
        if (r->s[0].net[t]) {
            const struct net_tile_stats *s = &r->s[0].net[t]->ns;
            o->commands += s->commands;
            o->not_owner += s->not_owner;
            o->bad_pointer += s->bad_pointer;
            o->rx_credit_drops += s->rx_credit_drops;
            o->cmd_errors += s->cmd_errors;
            o->stack_failed += r->s[0].net[t]->failed;
            p = &r->s[0].net[t]->port;
        }
        if (r->s[0].app[t]) {
            o->events += r->s[0].app[t]->as.events;
            o->bad_pointer += r->s[0].app[t]->as.bad_pointer;
            o->app_failed += r->s[0].app[t]->failed;
            p = &r->s[0].app[t]->port;
        }
        if (r->s[0].rtc[t]) o->app_failed += r->s[0].rtc[t]->failed;
        const struct stk_tile *st = stack_tile(r, t);
        if (st && st->d) {
            o->drv_rx_no_desc += st->d->st.rx_no_desc;
            o->drv_tx_drops +=
                st->d->st.tx_no_hdr + st->d->st.tx_ring_full + st->d->st.tx_too_many_pieces;
        }
        if (p) {
            o->waiting += p->waiting;
            o->msgs += p->st.messages;
            o->words += p->st.words;
            o->queued += p->st.queued;
            o->lost += p->st.lost;
        }
    }
}

static void write_clients(const struct totals *o, struct json_writer *w) {
    const struct httpc_stats *c = &o->c;
    json_key(w, "clients");
    json_object_begin(w);
    json_kv_uint(w, "requests", c->requests);
    json_kv_uint(w, "responses", c->responses);
    json_kv_uint(w, "responses_ok", c->responses_ok);
    json_kv_uint(w, "s2xx", c->s2xx);
    json_kv_uint(w, "s4xx", c->s4xx);
    json_kv_uint(w, "s5xx", c->s5xx);
    json_kv_uint(w, "body_bytes", c->body_bytes);
    json_kv_uint(w, "conns_opened", c->conns_opened);
    json_kv_uint(w, "connect_failed", c->connect_failed);
    json_kv_uint(w, "closed_mid_response", c->closed_mid_response);
    json_kv_uint(w, "malformed", c->malformed);
    json_kv_uint(w, "body_mismatch", c->body_mismatch);
    json_kv_uint(w, "send_failed", c->send_failed);
    json_object_end(w);
}

static void write_tiles(const struct chip_run *r, struct json_writer *w) {
    json_key(w, "stack_tiles");
    json_array_begin(w);
    for (unsigned t = 0; t < r->ntiles; t++) {
        const struct stk_tile *st = stack_tile(r, t);
        if (!st || !st->s) continue;
        json_object_begin(w);
        json_kv_uint(w, "tile", t);
        json_kv_string(w, "role", layout_role_name(r->lay->tile[t].role));
        const struct nic_drv_stats *d = &st->d->st;
        json_key(w, "driver");
        json_object_begin(w);
        json_kv_uint(w, "rx_frames", d->rx_frames);
        json_kv_uint(w, "rx_no_desc", d->rx_no_desc);
        json_kv_uint(w, "rx_refused", d->rx_refused);
        json_kv_uint(w, "rx_bad_l4_csum", d->rx_bad_l4_csum);
        json_kv_uint(w, "tx_frames", d->tx_frames);
        json_kv_uint(w, "tx_copied", d->tx_copied);
        json_kv_uint(w, "tx_gathered", d->tx_gathered);
        json_kv_uint(w, "tx_no_hdr", d->tx_no_hdr);
        json_kv_uint(w, "tx_ring_full", d->tx_ring_full);
        json_kv_uint(w, "doorbells", d->doorbells);
        json_object_end(w);
        json_key(w, "stack");
        json_object_begin(w);
        for (unsigned i = 0; stk_counter_name(i); i++) {
            uint64_t v = stk_counter_value(st->s, i);
            if (v) json_kv_uint(w, stk_counter_name(i), v);
        }
        json_object_end(w);
        json_object_end(w);
    }
    json_array_end(w);
}

static void write_udn(const struct chip_run *r, const struct totals *o, struct json_writer *w) {
    json_key(w, "udn");
    json_object_begin(w);
    json_kv_uint(w, "messages", o->msgs);
    json_kv_uint(w, "words", o->words);
    json_kv_uint(w, "queued_for_credits", o->queued);
    json_kv_uint(w, "still_queued_destinations", o->waiting);
    json_kv_uint(w, "lost", o->lost);
    json_kv_uint(w, "events", o->events);
    json_kv_uint(w, "commands", o->commands);
    json_kv_uint(w, "not_owner", o->not_owner);
    json_kv_uint(w, "bad_pointer", o->bad_pointer);
    json_kv_uint(w, "cmd_errors", o->cmd_errors);
    json_kv_uint(w, "rx_credit_drops", o->rx_credit_drops);
    json_object_end(w);
    FILE *f = exp_open_csv(r->run, "udn_pairs.csv");
    if (!f) return;
    fprintf(f, "src,dst,messages,words\n");
    for (unsigned t = 0; t < r->ntiles; t++) {
        const struct dmsg_port *p = r->s[0].net[t]   ? &r->s[0].net[t]->port
                                    : r->s[0].app[t] ? &r->s[0].app[t]->port
                                                     : NULL;
        if (!p || !p->to_msgs) continue;
        for (unsigned d = 0; d < r->ntiles; d++)
            if (p->to_msgs[d])
                fprintf(f, "%u,%u,%" PRIu64 ",%" PRIu64 "\n", t, d, p->to_msgs[d], p->to_words[d]);
    }
    fclose(f);
}

static void write_links(const struct chip_run *r, sim_time_t end) {
    FILE *f = exp_open_csv(r->run, "links.csv");
    if (!f) return;
    double cycles = (double)end / (1e12 / (double)r->cfg->noc.freq_hz);
    noc_mesh_write_links_csv(udn_mesh(chip_mesh_udn(r->s[0].cm)), f, NULL, cycles);
    fclose(f);
}

/* Responses, bytes and seconds of the measurement window: from the first to
 * the last response after the warm-up (their times recorded by the hosts'
 * clients), or, when the tiles are the clients, from the end of the
 * warm-up to the end of the run (totals taken at both ends). */
struct rate {
    uint64_t responses, bytes;
    double secs, rps, gbps;
};
static struct rate window_rate(const struct chip_run *r, const struct totals *o, sim_time_t end) {
    struct rate x = {0};
    if (r->cfg->wl.app == WORKLOAD_HTTP_CLIENT) {
        if (!r->snapped || end <= r->warmup) return x;
        x.responses = o->c.responses - r->snap_responses;
        x.bytes = o->c.rx_bytes - r->snap_bytes;
        x.secs = (double)(end - r->warmup) / 1e12;
        x.rps = (double)x.responses / x.secs;
    } else {
        x.responses = r->win_responses;
        x.bytes = r->win_bytes;
        if (r->last_in_window <= r->first_in_window) return x;
        x.secs = (double)(r->last_in_window - r->first_in_window) / 1e12;
        x.rps = (double)(r->win_responses - 1) / x.secs;
    }
    x.gbps = (double)x.bytes * 8.0 / x.secs / 1e9;
    return x;
}

/* netpipe: the server instances' counters, summed over the tiles. */
static struct netpipe_stats np_server_stats(const struct chip_run *r) {
    struct netpipe_stats s = {0};
    for (unsigned t = 0; t < r->ntiles; t++)
        if (app_inst(&r->s[0], t)) add_counters(&s, netpipe_stats(app_inst(&r->s[0], t)), sizeof s);
    return s;
}

static double np_mbps(const struct np_row *x) {
    return x->one_way_ps ? (double)x->bytes * 8.0 / ((double)x->one_way_ps / 1e12) / 1e6 : 0.0;
}

/* The row of the highest rate (0 when there is none). */
static size_t np_peak(const struct chip_run *r) {
    size_t peak = 0;
    for (size_t i = 1; i < r->np_n; i++)
        if (np_mbps(&r->np_rows[i]) > np_mbps(&r->np_rows[peak])) peak = i;
    return peak;
}

/* netpipe: netpipe.csv (NPtcp's -o columns: bytes, Mb/s, one-way time) and
 * the stats' "netpipe" object. */
static void write_netpipe(struct chip_run *r, struct json_writer *w) {
    const struct netpipe_client_stats *c = np_client_stats(r);
    struct netpipe_stats s = np_server_stats(r);
    FILE *f = exp_open_csv(r->run, "netpipe.csv");
    if (f) {
        fprintf(f, "bytes,mbps,one_way_us\n");
        for (size_t i = 0; i < r->np_n; i++)
            fprintf(f, "%" PRIu64 ",%.3f,%.4f\n", r->np_rows[i].bytes, np_mbps(&r->np_rows[i]),
                    (double)r->np_rows[i].one_way_ps / 1e6);
        fclose(f);
    }
    json_key(w, "netpipe");
    json_object_begin(w);
    json_kv_string(w, "mode", netpipe_mode_names[r->cfg->wl.netpipe_mode]);
    json_kv_bool(w, "completed", c->completed);
    json_kv_uint(w, "sizes", c->sizes_done);
    json_kv_uint(w, "rows_lost", c->sizes_done - r->np_n);
    json_kv_uint(w, "mismatched_bytes", c->mismatched_bytes);
    json_kv_uint(w, "connect_failed", c->connect_failed);
    json_kv_uint(w, "closed_early", c->closed_early);
    json_kv_uint(w, "send_failed", c->send_failed);
    json_kv_uint(w, "protocol_errors", c->protocol_errors + s.protocol_errors);
    json_kv_uint(w, "server_bytes_echoed", s.bytes_echoed);
    json_kv_uint(w, "server_bytes_copied", s.bytes_copied);
    json_kv_uint(w, "server_no_memory", s.no_memory);
    size_t peak = np_peak(r);
    if (r->np_n) {
        json_kv_uint(w, "first_size_bytes", r->np_rows[0].bytes);
        json_kv_double(w, "first_size_one_way_ns", (double)r->np_rows[0].one_way_ps / 1e3);
        json_kv_uint(w, "peak_bytes", r->np_rows[peak].bytes);
        json_kv_double(w, "peak_mbps", np_mbps(&r->np_rows[peak]));
    } else { /* no size measured: null, not 0 */
        json_kv_double(w, "first_size_one_way_ns", NAN);
        json_kv_double(w, "peak_mbps", NAN);
    }
    json_object_end(w);
}

/* A latency object: count and quantiles in ns (null when empty). */
static void write_lat(struct json_writer *w, const char *key, const struct lathist *h) {
    json_key(w, key);
    json_object_begin(w);
    json_kv_uint(w, "count", h->count);
    double none = h->count ? 1.0 : NAN;
    json_kv_double(w, "p50", none * (double)lathist_quantile(h, 0.50) / 1e3);
    json_kv_double(w, "p90", none * (double)lathist_quantile(h, 0.90) / 1e3);
    json_kv_double(w, "p99", none * (double)lathist_quantile(h, 0.99) / 1e3);
    json_kv_double(w, "p999", none * (double)lathist_quantile(h, 0.999) / 1e3);
    json_kv_double(w, "max", none * (double)h->max / 1e3);
    json_kv_double(w, "mean", none * lathist_mean(h) / 1e3);
    json_object_end(w);
}

static void write_memcached(const struct mc_totals *mt, struct json_writer *w) {
    const struct mc_totals m = *mt;
    json_key(w, "memcached");
    json_object_begin(w);
    json_kv_double(w, "qps", m.qps);
    json_kv_double(w, "offered_qps", m.offered);
    json_kv_uint(w, "measured", m.measured);
    json_kv_uint(w, "incomplete", m.incomplete);
    if (m.ok) {
        write_lat(w, "latency_ns", &m.lat); /* intended send to reply */
        write_lat(w, "service_ns", &m.svc); /* actual send to reply */
    }
    json_key(w, "observer");
    json_object_begin(w);
    double none = m.obs.measured ? 1.0 : NAN;
    json_kv_uint(w, "measured", m.obs.measured);
    json_kv_double(w, "qps", m.obs.qps);
    json_kv_double(w, "p50_ns", none * (double)m.obs.p50 / 1e3);
    json_kv_double(w, "p99_ns", none * (double)m.obs.p99 / 1e3);
    json_kv_double(w, "p999_ns", none * (double)m.obs.p999 / 1e3);
    json_object_end(w);
    json_key(w, "clients");
    json_object_begin(w);
    json_kv_uint(w, "gets", m.st.gets);
    json_kv_uint(w, "sets", m.st.sets);
    json_kv_uint(w, "hits", m.st.hits);
    json_kv_uint(w, "misses", m.st.misses);
    json_kv_uint(w, "stored", m.st.stored);
    json_kv_uint(w, "not_stored", m.st.not_stored);
    json_kv_uint(w, "server_errors", m.st.server_errors);
    json_kv_uint(w, "protocol_errors", m.st.protocol_errors);
    json_kv_uint(w, "waited", m.st.waited);
    json_kv_uint(w, "connect_failed", m.st.connect_failed);
    json_kv_uint(w, "closed_by_server", m.st.closed_by_server);
    json_kv_uint(w, "send_failed", m.st.send_failed);
    json_object_end(w);
    json_key(w, "servers");
    json_object_begin(w);
    json_kv_uint(w, "conns", m.srv.conns);
    json_kv_uint(w, "cmd_get", m.srv.cmd_get);
    json_kv_uint(w, "cmd_set", m.srv.cmd_set);
    json_kv_uint(w, "get_hits", m.srv.get_hits);
    json_kv_uint(w, "get_misses", m.srv.get_misses);
    json_kv_uint(w, "parse_inplace", m.srv.parse_inplace);
    json_kv_uint(w, "parse_copied", m.srv.parse_copied);
    json_kv_uint(w, "values_zero_touch", m.srv.values_zero_touch);
    json_kv_uint(w, "backpressure_stalls", m.srv.backpressure_stalls);
    json_kv_uint(w, "errors", m.srv.errors + m.srv.client_errors + m.srv.server_errors);
    json_object_end(w);
    json_key(w, "store");
    json_object_begin(w);
    json_kv_uint(w, "curr_items", m.store.curr_items);
    json_kv_uint(w, "evictions", m.store.evictions);
    json_kv_uint(w, "pages_used", m.store.pages_used);
    json_object_end(w);
    json_object_end(w);
}

static void write_stats(struct chip_run *r, const struct totals *o, sim_time_t end) {
    struct json_writer *w = r->run->stats;
    struct rate rt = window_rate(r, o, end);
    json_kv_uint(w, "sim_time_ns", end / 1000u);
    json_kv_uint(w, "setup_ns", r->setup_end / 1000u);
    json_kv_uint(w, "clients_start_ns", r->start / 1000u);
    json_kv_string(w, "layout", r->cfg->dl.layout);
    json_kv_uint(w, "net_tiles", layout_count(r->lay, LAYOUT_NET));
    json_kv_uint(w, "app_tiles", layout_count(r->lay, LAYOUT_APP));
    json_kv_uint(w, "rtc_tiles", layout_count(r->lay, LAYOUT_RTC));
    json_kv_uint(w, "responses_in_window", rt.responses);
    json_kv_double(w, "requests_per_s", rt.rps);
    json_kv_double(w, "gbps", rt.gbps);
    json_key(w, "latency_ns");
    stat_hist_write_json(&r->lat, w, 1000.0, "ns");
    json_key(w, "ack_delay_ns"); /* client segment sent -> its ACK back at the client */
    stat_hist_write_json(&r->acks.h, w, 1000.0, "ns");
    json_kv_uint(w, "ack_untracked", r->acks.untracked);
    json_kv_uint(w, "ack_retransmitted", r->acks.retransmitted);
    write_clients(o, w);
    if (r->cfg->wl.app == WORKLOAD_NETPIPE) write_netpipe(r, w);
    if (r->cfg->wl.app == WORKLOAD_MEMCACHED) write_memcached(&o->mc, w);
    write_udn(r, o, w);
    write_tiles(r, w);
    json_key(w, "chip_nic");
    chip_nic_write_stats(r->s[0].cn, w);
    json_key(w, "switch");
    if (r->topo)
        switch_topology_write_stats(r->topo, w);
    else
        json_null(w);
    if (r->bridge) {
        const struct tap_bridge_stats *b = tap_bridge_stats(r->bridge);
        json_key(w, "tap"); /* real time: not deterministic */
        json_object_begin(w);
        json_kv_string(w, "device", r->cfg->cl.tap);
        json_kv_uint(w, "rx_frames", b->rx_frames);
        json_kv_uint(w, "tx_frames", b->tx_frames);
        json_kv_uint(w, "rx_refused", b->rx_refused);
        json_kv_uint(w, "tx_errors", b->tx_errors);
        json_kv_uint(w, "paces", b->paces);
        json_kv_uint(w, "late_paces", b->late_paces);
        json_kv_double(w, "max_lag_us", (double)b->max_lag_ps / 1e6);
        json_object_end(w);
    }
    json_key(w, "chip");
    chip_write_stats(r->s[0].chip, w);
    write_links(r, end);
    capture_write_json(r->port, r->nports, r->pcap_rec, w);
    json_kv_bool(w, "deadlocked", r->deadlocked);
    if (r->deadlocked) {
        json_key(w, "deadlock");
        noc_deadlock_report_write_json(&r->dl, w);
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/tile_profile.csv", r->run->out_dir);
    chip_write_profile_csv(r->s[0].chip, path);
}

/* Mean share of the time since the clients started that the chip's ports
 * spent sending (their wire time; the set-up sends nothing). */
static double ports_busy(const struct chip_run *r, sim_time_t end) {
    if (end <= r->start || !r->s[0].m->nports) return 0.0;
    double busy = 0;
    for (unsigned p = 0; p < r->s[0].m->nports; p++)
        busy += (double)mpipe_port(r->s[0].m, p)->st.tx_busy_ps;
    return 100.0 * busy / r->s[0].m->nports / (double)(end - r->start);
}

static void write_summary(struct chip_run *r, const struct totals *o, sim_time_t end) {
    const struct stat_hist *h = &r->lat;
    char lat[160];
    if (h->count)
        snprintf(lat, sizeof lat, "p50 %.1f us, p99 %.1f us, max %.1f us",
                 (double)stat_hist_quantile(h, 0.5) / 1e6,
                 (double)stat_hist_quantile(h, 0.99) / 1e6, (double)h->max / 1e6);
    else
        snprintf(lat, sizeof lat, "none (no response after the warm-up)");
    struct rate rt = window_rate(r, o, end);
    char rate[96];
    if (rt.secs > 0)
        snprintf(rate, sizeof rate, "%.0f requests/s, %.2f Gb/s", rt.rps, rt.gbps);
    else
        snprintf(rate, sizeof rate, "rate: none (fewer than 2 responses after the warm-up)");
    snprintf(
        r->run->summary, sizeof r->run->summary,
        "chip: %s (%u net, %u app, %u rtc), workload %s, %u client hosts, %llu connections each; "
        "%.3f ms simulated (set-up %.3f ms, then the clients; measured after a %.3f ms "
        "warm-up)\n"
        "responses %llu (ok %llu) of %llu requests; %s; latency %s\n"
        "chip ports sending %.1f%% of the time since the clients started (at 100%% the "
        "wire is the bottleneck)\n"
        "client errors: connect %llu, closed mid-response %llu, malformed %llu, body "
        "mismatch %llu\n"
        "UDN: %llu messages, %llu words, %llu waited for credits; Rx credit drops %llu",
        r->cfg->dl.layout, layout_count(r->lay, LAYOUT_NET), layout_count(r->lay, LAYOUT_APP),
        layout_count(r->lay, LAYOUT_RTC), workload_app_names[r->cfg->wl.app], r->ncl,
        (unsigned long long)r->cfg->cl.connections, (double)end / 1e9, (double)r->setup_end / 1e9,
        (double)r->cfg->warmup_ns / 1e6, (unsigned long long)o->c.responses,
        (unsigned long long)o->c.responses_ok, (unsigned long long)o->c.requests, rate, lat,
        ports_busy(r, end), (unsigned long long)o->c.connect_failed,
        (unsigned long long)o->c.closed_mid_response, (unsigned long long)o->c.malformed,
        (unsigned long long)o->c.body_mismatch, (unsigned long long)o->msgs,
        (unsigned long long)o->words, (unsigned long long)o->queued,
        (unsigned long long)o->rx_credit_drops);
    if (r->bridge) {
        const struct tap_bridge_stats *b = tap_bridge_stats(r->bridge);
        size_t len = strlen(r->run->summary);
        snprintf(r->run->summary + len, sizeof r->run->summary - len,
                 "\nreal time (TAP %s, not deterministic): %llu frames in, %llu out; the "
                 "simulation fell behind the wall clock at %llu of %llu pacing points, by at "
                 "most %.1f ms",
                 r->cfg->cl.tap, (unsigned long long)b->rx_frames, (unsigned long long)b->tx_frames,
                 (unsigned long long)b->late_paces, (unsigned long long)b->paces,
                 (double)b->max_lag_ps / 1e9);
    }
    if (r->cfg->wl.app == WORKLOAD_MEMCACHED) {
        const struct mc_totals m = o->mc;
        size_t len = strlen(r->run->summary);
        char lat[128] = "latency none (no request measured)", obs[128] = "";
        if (m.ok && m.lat.count)
            snprintf(lat, sizeof lat, "latency p50 %.1f us, p99 %.1f us",
                     (double)lathist_quantile(&m.lat, 0.5) / 1e6,
                     (double)lathist_quantile(&m.lat, 0.99) / 1e6);
        if (m.obs.measured)
            snprintf(obs, sizeof obs, "; observer p99 %.1f us", (double)m.obs.p99 / 1e6);
        snprintf(r->run->summary + len, sizeof r->run->summary - len,
                 "\nmemcached: %.0f requests/s of %.0f offered; %s%s; hits %llu, misses %llu, "
                 "errors %llu (server) %llu (protocol)",
                 m.qps, m.offered, lat, obs, (unsigned long long)m.st.hits,
                 (unsigned long long)m.st.misses, (unsigned long long)m.st.server_errors,
                 (unsigned long long)m.st.protocol_errors);
    }
    if (r->cfg->wl.app == WORKLOAD_NETPIPE) {
        const struct netpipe_client_stats *c = np_client_stats(r);
        size_t len = strlen(r->run->summary);
        char *p = r->run->summary + len;
        size_t room = sizeof r->run->summary - len;
        if (!r->np_n) {
            snprintf(p, room, "\nNetPIPE (%s): no size measured; mismatched bytes %llu",
                     netpipe_mode_names[r->cfg->wl.netpipe_mode],
                     (unsigned long long)c->mismatched_bytes);
            return;
        }
        size_t peak = np_peak(r);
        snprintf(p, room,
                 "\nNetPIPE (%s, from %s): %llu sizes%s; one way %.2f us at %llu B; peak %.0f "
                 "Mb/s at %llu B; mismatched bytes %llu (netpipe.csv)",
                 netpipe_mode_names[r->cfg->wl.netpipe_mode],
                 r->nsides == 2 ? "the peer chip, cabled" : "client host 0",
                 (unsigned long long)c->sizes_done,
                 c->completed ? ", completed" : " (not completed)",
                 (double)r->np_rows[0].one_way_ps / 1e6, (unsigned long long)r->np_rows[0].bytes,
                 np_mbps(&r->np_rows[peak]), (unsigned long long)r->np_rows[peak].bytes,
                 (unsigned long long)c->mismatched_bytes);
    }
}

/* Why a finished run failed, or NULL. */
static const char *run_failure(struct chip_run *r, const struct totals *o) {
    const struct tile_fault *faults;
    size_t nf = chip_faults(r->s[0].chip, &faults);
    if (nf) {
        snprintf(r->err, sizeof r->err, "tile %u: %s fault: %s at %s", faults[0].tile,
                 tile_fault_kind_names[faults[0].kind], faults[0].what, faults[0].where);
        return r->err;
    }
    for (unsigned t = 0; t < r->ntiles; t++) {
        const struct stk_tile *st = stack_tile(r, t);
        bool failed = (r->s[0].rtc[t] && r->s[0].rtc[t]->failed) ||
                      (r->s[0].net[t] && r->s[0].net[t]->failed) ||
                      (r->s[0].app[t] && r->s[0].app[t]->failed);
        if (!failed) continue;
        snprintf(r->err, sizeof r->err,
                 "tile %u (%s): its program failed to start: %s (chip.tile.private_bytes, "
                 "chip.tile.heap_bytes and the stack.* sizes decide what fits)",
                 t, layout_role_name(r->lay->tile[t].role),
                 st && st->err[0] ? st->err : "memory exhausted");
        return r->err;
    }
    if (!r->setup_done) return "the tile programs' set-up did not end within 1 s simulated";
    if (r->stalled)
        return "no response completed and no connection opened for 10 s simulated "
               "(experiment.duration_ns 0 runs until the clients are done); see the clients' "
               "errors and the stack counters";
    if (o->c.body_mismatch) return "a response body differed from the file served";
    if (r->cfg->wl.app == WORKLOAD_MEMCACHED) {
        const struct mc_totals m = o->mc;
        if (m.st.protocol_errors || m.st.server_errors || m.st.connect_failed ||
            m.st.closed_by_server) {
            snprintf(
                r->err, sizeof r->err,
                "memcached: %llu protocol errors, %llu server errors, %llu failed connects, "
                "%llu connections closed by the server (stats.memcached)",
                (unsigned long long)m.st.protocol_errors, (unsigned long long)m.st.server_errors,
                (unsigned long long)m.st.connect_failed, (unsigned long long)m.st.closed_by_server);
            return r->err;
        }
    }
    if (r->cfg->wl.app == WORKLOAD_NETPIPE) {
        const struct netpipe_client_stats *c = np_client_stats(r);
        if (c->mismatched_bytes) return "NetPIPE: echoed bytes differed from those sent";
        if (!r->cfg->duration_ns && !c->completed)
            return "NetPIPE did not complete (see netpipe in the stats: connect, close, send "
                   "and protocol errors)";
    }
    if (o->lost) return "UDN messages were lost (no memory to queue them)";
    return NULL;
}

static void run_free(struct chip_run *r) {
    char err[256]; /* (a run that stopped early: its captures are not reported) */
    capture_ports_close(r->port, r->nports, r->pcap, NULL, err, sizeof err);
    for (unsigned i = 0; r->cl && i < r->ncl; i++) {
        sock_rtc_destroy(r->cl[i].rtc);
        mcload_host_unbind(r->cl[i].mc);
    }
    for (unsigned i = 0; r->cl && i < r->ncl; i++) {
        client_host_destroy(r->cl[i].h);
        httpc_destroy(r->cl[i].c);
        httpd_destroy(r->cl[i].d);
        netpipe_client_destroy(r->cl[i].np);
        mcload_host_destroy(r->cl[i].mc);
    }
    free(r->np_rows);
    free(r->cl);
    switch_topology_destroy(r->topo);
    tap_bridge_destroy(r->bridge);
    for (unsigned i = 0; i < 2; i++) { /* (a side build stopped early: its NULLs are fine) */
        chip_nic_destroy(r->s[i].cn);
        chip_mesh_destroy(r->s[i].cm);
        free(r->s[i].rtc);
        free(r->s[i].net);
        free(r->s[i].app);
    }
    for (unsigned i = 0; r->data && i < r->nfiles; i++) free(r->data[i]);
    free(r->data);
    free(r->paths);
    free(r->files);
    free(r->dl.nodes);
    if (r->hist_ok) stat_hist_fini(&r->lat);
    if (r->acks_ok) ack_track_fini(&r->acks);
    layout_free(r->lay);
}

static struct chip_cfg read_cfg(const struct exp_run *run) {
    return (struct chip_cfg){*(const struct chip_config *)exp_run_section(run, "chip"),
                             *(const struct noc_config *)exp_run_section(run, "noc"),
                             *(const struct nic_config *)exp_run_section(run, "nic"),
                             *(const struct stack_config *)exp_run_section(run, "stack"),
                             *(const struct dlibos_config *)exp_run_section(run, "dlibos"),
                             *(const struct workload_config *)exp_run_section(run, "workload"),
                             *(const struct clients_config *)exp_run_section(run, "clients"),
                             run->duration_ns,
                             run->warmup_ns,
                             run->seed};
}

static int chip_exp_run(struct exp_run *run) {
    const struct chip_cfg cfg = read_cfg(run);
    struct chip_run r = {.run = run, .cfg = &cfg};
    if (!check_config(&cfg, &r.lay, run->stop_reason, sizeof run->stop_reason))
        return TSR_EXIT_BAD_INPUT;
    if (build(&r)) {
        fail(&r, "chip: %s%s", r.err[0] ? r.err : "out of memory", "");
        run_free(&r);
        return TSR_EXIT_RUN_FAILED;
    }
    sim_time_t end = simulate(&r);
    bool pcap_ok = capture_ports_close(r.port, r.nports, r.pcap, r.pcap_rec, r.err, sizeof r.err);
    struct totals o = {0};
    count(&r, &o);
    write_stats(&r, &o, end);
    write_summary(&r, &o, end);
    const char *why = pcap_ok ? run_failure(&r, &o) : r.err;
    int rc = TSR_EXIT_OK;
    if (r.deadlocked) {
        size_t stalled = 0;
        char tiles[256] = "";
        for (size_t i = 0, at = 0; i < r.dl.n; i++) {
            if (r.dl.nodes[i].kind != NOC_WAIT_INJECT) continue;
            stalled++;
            int k =
                snprintf(tiles + at, sizeof tiles - at, "%s%u", at ? " " : "", r.dl.nodes[i].tile);
            if (k > 0 && (size_t)k < sizeof tiles - at) at += (size_t)k;
        }
        snprintf(run->stop_reason, sizeof run->stop_reason,
                 "chip: UDN deadlock at mesh cycle %llu: a wait-for cycle of %zu nodes, %zu of "
                 "them tiles stalled on a send (tiles %s; stats.deadlock lists every queue and "
                 "link); dlibos.credit_checks: %s",
                 (unsigned long long)r.dl.cycle, r.dl.n, stalled, tiles,
                 cfg.dl.credit_checks ? "true" : "false");
        if (run->progress) noc_deadlock_report_print(&r.dl, stderr);
        rc = TSR_EXIT_DEADLOCK;
    } else if (why) {
        fail(&r, "chip: %s%s", why, "");
        rc = TSR_EXIT_RUN_FAILED;
    }
    mc_free(&o.mc);
    run_free(&r);
    return rc;
}

static const char *const chip_sections[] = {"chip",   "noc",      "nic",     "stack",
                                            "dlibos", "workload", "clients", NULL};

static bool chip_exp_check(const struct exp_run *run, char *msg, size_t len) {
    const struct chip_cfg cfg = read_cfg(run);
    return check_config(&cfg, NULL, msg, len);
}

const struct exp_kind chip_kind = {"chip", chip_sections, chip_exp_run, chip_exp_check};
