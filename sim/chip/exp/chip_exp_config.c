/* sim/chip/exp/chip_exp_config.c: the `dlibos`, `workload` and `clients`
 * sections. See chip_exp_config.h. */
#include "sim/chip/exp/chip_exp_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/tile/tile_api.h"
#include "workloads/netpipe.h"
#include "workloads/tile/dlibos_msg.h"

static const struct cfg_key dlibos_keys[] = {
    CFG_STRING_KEY(struct dlibos_config, layout, "d12-all",
                   "The tile map: roles, reach, processes (docs/chip.md): a shipped layout by "
                   "name (rtc, n12, d12-all, d12-q, d18-all, d18-q, d24-all, d24-q: "
                   "configs/layouts/<name>.yaml), or a file (a path with '/' or ending in .yaml, "
                   "relative to the current folder). Its stack tiles (net + rtc) must equal "
                   "nic.mpipe.rings."),
    CFG_UINT_KEY(struct dlibos_config, batch_words, "126", DMSG_RECORD_MAX_FIXED,
                 TILE_UDN_MAX_WORDS, "words",
                 "Batching bound: the most words of one UDN message carrying events or commands "
                 "for one tile (TILE-Gx: 126 data words per message [S tilegx.md]); at least the "
                 "longest record (3 words: listen, connect). With credit checks also at most what "
                 "the injection buffer holds (docs/chip.md)."),
    CFG_BOOL_KEY(struct dlibos_config, credit_checks, "true",
                 "Read the credit register before each send and queue in memory what does not "
                 "fit (DLibOS 4.3, NoCMsg); false: plain sends that stall (the paper's deadlock, "
                 "C16)."),
    CFG_UINT_KEY(struct dlibos_config, retry_ns, "1000", 1, 1e9, "ns",
                 "Retry interval of messages waiting for credits [A]."),
    CFG_UINT_KEY(struct dlibos_config, rx_credits, "256", 1, 1e6, "frames",
                 "Rx frames the flows of one application tile may hold before the network tile "
                 "drops their data frames (DLibOS 4.6) [A]."),
    CFG_UINT_KEY(struct dlibos_config, nic_batch, "32", 1, 64, "descriptors",
                 "Ingress descriptors a stack tile takes per poll (bounded batching, DLibOS 4) "
                 "[A]."),
    CFG_UINT_KEY(struct dlibos_config, rx_descs, "1024", 1, 1e6, "frames",
                 "Frames a stack tile's instance may hold at once (its driver's receive "
                 "descriptors); more are returned to the NIC and counted [A]."),
    CFG_INT_KEY(struct dlibos_config, inject_rx_write_tile, "-1", -1, 65535, "tile",
                "Fault injection (protection and isolation tests, DLibOS 4.5): this application "
                "tile writes one byte of the first Rx frame it receives, which it may only read; "
                "in chip.protection.mode protected it faults and chip.protection.on_fault "
                "decides; -1: none."),
};
CFG_SECTION_DEF(dlibos_config_section, "dlibos",
                "The DLibOS system on the chip: layout and UDN transport (docs/chip.md).",
                dlibos_keys);

const char *const workload_app_names[] = {"http", "http-client", "netpipe", "memcached", NULL};
const char *const mc_dist_names[] = {"usr", "etc", NULL};
const char *const mc_ia_names[] = {"exp", "gpareto", NULL};
static const struct cfg_key workload_keys[] = {
    CFG_ENUM_KEY(struct workload_config, app, "http", workload_app_names,
                 "What the application (or RTC) tiles run: http = the HTTP server "
                 "(workloads/httpd.c) and the client hosts the closed-loop client "
                 "(workloads/httpc.c); http-client = the other way round: each application "
                 "tile runs clients.connections client connections (active opens from the "
                 "chip) to the HTTP server of client host (its rank mod clients.hosts); "
                 "netpipe = NetPIPE's receiver (workloads/netpipe.c, workload.netpipe_mode) "
                 "and on client host 0 NetPIPE's transmitter (workloads/netpipe_client.c, "
                 "clients.netpipe_*): one connection, ping-pong over NetPIPE's message sizes "
                 "(DLibOS Figure 5; the other hosts stay idle); memcached = the "
                 "memcached server (workloads/mcd.c) over one store per process that its "
                 "application tiles share (workload.mcd_*, preloaded), and on the client hosts "
                 "the mutilate-like open-loop client (workloads/mcload.c, clients.mc_*)."),
    CFG_STRING_KEY(struct workload_config, files, "1024",
                   "http: sizes of the files served, bytes, comma-separated (file i is "
                   "/f<i>.bin, contents a fixed pattern; in all at most half of "
                   "chip.tile.heap_bytes); the clients request them in turn."),
    CFG_UINT_KEY(struct workload_config, port, "80", 1, 65535, "",
                 "TCP port the server listens on."),
    CFG_UINT_KEY(struct workload_config, backlog, "1024", 1, 65535, "connections",
                 "Listen backlog of each stack instance [A]."),
    CFG_UINT_KEY(struct workload_config, idle_timeout_ms, "60000", 0, 1e9, "ms",
                 "http: close connections without a complete request for this long (nginx "
                 "client_header_timeout 60 s); 0: never."),
    CFG_UINT_KEY(struct workload_config, busy_ns, "0", 0, 1e9, "ns",
                 "The application computes this long (an instrumented loop, measured like any "
                 "code) before handling each batch of received data: what the network side does "
                 "meanwhile is the paper's C15 (ACKs while the application is busy); 0: none."),
    CFG_ENUM_KEY(struct workload_config, netpipe_mode, "copy", netpipe_mode_names,
                 "netpipe: how the server echoes (workloads/netpipe.h): copy = each message "
                 "copied into a Tx buffer and sent back when complete (the paper's \"copy "
                 "mod\"); nocopy = sent back from a buffer copied once from the first message "
                 "of each size (\"nocopy mod\"); zerocopy = the received bytes sent back by "
                 "reference as they arrive (cut through, not NPtcp's receiver: large messages' "
                 "one-way times fall below the wire's)."),
    CFG_UINT_KEY(struct workload_config, mcd_hashpower, "16", 4, 26, "",
                 "memcached: the store's hash table has 2^this buckets (memcached's default 16; "
                 "the paper also runs 20)."),
    CFG_UINT_KEY(struct workload_config, mcd_lock_power, "12", 0, 26, "",
                 "memcached: 2^this striped item locks (spin locks in the process heap, at most "
                 "2^mcd_hashpower; memcached's default 12 when hashpower >= 12) [A]."),
    CFG_UINT_KEY(struct workload_config, mcd_memory_mb, "128", 1, 1e6, "MiB",
                 "memcached: slab memory of each process's store (memcached -m), in its heap "
                 "(chip.tile.heap_bytes must hold it, its table and the servers' state)."),
    CFG_UINT_KEY(struct workload_config, mcd_records, "1000000", 0, 1e9, "records",
                 "memcached: records preloaded into each store at start, written directly (not "
                 "through the protocol), keys the zero-padded record index (the paper: 1 M)."),
    CFG_UINT_KEY(struct workload_config, mcd_key_size, "19", 1, 250, "B",
                 "memcached: the preloaded keys' width (mutilate's USR: 19)."),
    CFG_UINT_KEY(struct workload_config, mcd_value_size, "2", 0, 1000000, "B",
                 "memcached: the preloaded values' size (USR: 2)."),
};
CFG_SECTION_DEF(workload_config_section, "workload", "The server the chip runs (docs/chip.md).",
                workload_keys);

static const struct cfg_key clients_keys[] = {
    CFG_UINT_KEY(struct clients_config, hosts, "8", 1, 200, "hosts",
                 "Client hosts, each on its own 10 GbE switch port (DLibOS 5: 8 clients)."),
    CFG_UINT_KEY(struct clients_config, connections, "32", 1, 60000, "connections",
                 "Closed-loop connections per host (workloads/httpc.h; the paper's wrk: 256); "
                 "with workload.app http-client, per application tile."),
    CFG_BOOL_KEY(struct clients_config, keepalive, "true",
                 "HTTP keep-alive; false: one request per connection (Connection: close)."),
    CFG_UINT_KEY(struct clients_config, requests, "0", 0, 1e12, "requests",
                 "Requests per host (http-client: per application tile), then it stops; 0: "
                 "until experiment.duration_ns."),
    CFG_BOOL_KEY(struct clients_config, verify, "true",
                 "Compare every response body byte for byte with the file served."),
    CFG_UINT_KEY(struct clients_config, cores, "8", 1, 64, "cores",
                 "Cores of each client host (chip.host is their CPU model) [A]."),
    CFG_UINT_KEY(struct clients_config, start_us, "20", 0, 1e9, "us",
                 "When the clients start connecting: after the server's set-up (its listen "
                 "commands cross the UDN in a few microseconds; a SYN before is refused) [A]."),
    CFG_UINT_KEY(struct clients_config, netpipe_max_bytes, "131072", 1, 1 << 30, "bytes",
                 "netpipe: the largest base message size (NPtcp -u; the last size may exceed it "
                 "by the perturbation)."),
    CFG_UINT_KEY(struct clients_config, netpipe_repeats, "10", 1, 1e6, "round trips",
                 "netpipe: ping-pongs per trial of each size (NPtcp -n; NPtcp picks it from "
                 "host time when not given, a simulation cannot)."),
    CFG_DOUBLE_KEY(struct clients_config, mc_qps, "200000", 1, 1e9, "requests/s",
                   "memcached: requests per second offered by all hosts' load connections "
                   "together (open loop: mutilate's --qps), split evenly over the hosts."),
    CFG_UINT_KEY(struct clients_config, mc_depth, "4", 1, 1024, "requests",
                 "memcached: requests outstanding per load connection (mutilate -d; the paper: "
                 "4)."),
    CFG_DOUBLE_KEY(struct clients_config, mc_get_frac, "0.99", 0, 1, "",
                   "memcached: the fraction of GETs (the rest SETs; the paper's USR: 99%)."),
    CFG_ENUM_KEY(struct clients_config, mc_dist, "usr", mc_dist_names,
                 "memcached: keys and values: usr = uniform over workload.mcd_records keys of "
                 "workload.mcd_key_size, values of workload.mcd_value_size; etc = mutilate's "
                 "ETC (GEV key widths, the value table and its Pareto tail: docs/loadgen.md)."),
    CFG_ENUM_KEY(struct clients_config, mc_ia, "exp", mc_ia_names,
                 "memcached: inter-arrival times per connection: exp(onential) or gpareto (ETC's "
                 "generalized Pareto), rescaled to the offered rate."),
    CFG_UINT_KEY(struct clients_config, mc_observer_conns, "32", 0, 4096, "connections",
                 "memcached: a separate low-load group on host 0 whose latency is reported apart "
                 "(mutilate's latency connections; the paper: 32); 0: none."),
    CFG_DOUBLE_KEY(struct clients_config, mc_observer_qps, "10000", 1, 1e9, "requests/s",
                   "memcached: requests per second of the observer group in all (depth 1) [A]."),
    CFG_STRING_KEY(struct clients_config, tap, "",
                   "A Linux TAP device (e.g. tap0, made by the caller in its network namespace) "
                   "cabled to the chip's port 0 instead of the client hosts: real clients talk to "
                   "the simulated chip, which is paced to the wall clock (docs/chip.md, \"Real "
                   "clients\"; not deterministic); empty: none."),
    CFG_STRING_KEY(struct clients_config, tap_peer_ip, "10.0.0.11",
                   "With clients.tap: the Linux side's IPv4 address (a static neighbour of the "
                   "chip's stacks)."),
    CFG_STRING_KEY(struct clients_config, tap_peer_mac, "",
                   "With clients.tap: the Linux side's MAC address (aa:bb:cc:dd:ee:ff; the TAP "
                   "device's own), a static neighbour of the chip's stacks."),
    CFG_UINT_KEY(struct clients_config, tap_pace_us, "10", 1, 1000000, "us",
                 "With clients.tap: the pacing period: the simulation waits for the wall clock "
                 "and reads the device every this much simulated time [A]."),
    CFG_BOOL_KEY(struct clients_config, netpipe_integrity, "false",
                 "netpipe: NPtcp -i: sizes from 5 without perturbation, one trial per size, a "
                 "counting payload (every echoed byte is compared in either mode); false: "
                 "NPtcp's defaults, sizes from 1 with a perturbation of 3, 3 trials per size "
                 "(the server learns which from the first ping, as against NPtcp)."),
};
CFG_SECTION_DEF(clients_config_section, "clients",
                "The client hosts and their load generator (docs/chip.md).", clients_keys);

unsigned workload_file_sizes(const struct workload_config *w, uint64_t *sizes, char *err,
                             size_t errlen) {
    const char *p = w->files;
    unsigned n = 0;
    while (*p) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p || errno || v > (1ull << 30) || *p == '-' || *p == '+' || *p == ' ' ||
            (*end && *end != ',') || n == WORKLOAD_FILES_MAX) {
            snprintf(err, errlen,
                     "workload.files: expected up to %d sizes in bytes (0..2^30) separated by "
                     "commas, found \"%s\"",
                     WORKLOAD_FILES_MAX, w->files);
            return 0;
        }
        sizes[n++] = v;
        p = *end ? end + 1 : end;
    }
    if (!n) snprintf(err, errlen, "workload.files: expected at least one size, found \"\"");
    return n;
}

void dlibos_layout_path(const char *v, char *out, size_t len) {
    size_t n = strlen(v);
    bool file = strchr(v, '/') || (n >= 5 && strcmp(v + n - 5, ".yaml") == 0);
    if (file)
        snprintf(out, len, "%s", v);
    else
        snprintf(out, len, "%s/%s.yaml", TESSERA_LAYOUTS_DIR, v);
}

bool dlibos_config_check(const void *cfg, char *err, size_t errlen) {
    const struct dlibos_config *d = cfg;
    if (!d->layout[0]) {
        snprintf(err, errlen, "dlibos.layout: expected a layout file, found \"\"");
        return false;
    }
    return true;
}

bool workload_config_check(const void *cfg, char *err, size_t errlen) {
    uint64_t sizes[WORKLOAD_FILES_MAX];
    return workload_file_sizes(cfg, sizes, err, errlen) > 0;
}

bool clients_tap_peer(const struct clients_config *c, uint32_t *ip, uint8_t mac[6], char *err,
                      size_t errlen) {
    unsigned a, b, d, e;
    char tail;
    if (sscanf(c->tap_peer_ip, "%u.%u.%u.%u%c", &a, &b, &d, &e, &tail) != 4 || a > 255 || b > 255 ||
        d > 255 || e > 255) {
        snprintf(err, errlen, "clients.tap_peer_ip: expected a dotted IPv4 address, found \"%s\"",
                 c->tap_peer_ip);
        return false;
    }
    *ip = a << 24 | b << 16 | d << 8 | e;
    unsigned m[6];
    if (sscanf(c->tap_peer_mac, "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5],
               &tail) != 6) {
        snprintf(err, errlen,
                 "clients.tap_peer_mac: expected six hex bytes aa:bb:cc:dd:ee:ff (the TAP "
                 "device's MAC), found \"%s\"",
                 c->tap_peer_mac);
        return false;
    }
    for (int i = 0; i < 6; i++) {
        if (m[i] > 255) {
            snprintf(err, errlen, "clients.tap_peer_mac: a byte over ff in \"%s\"",
                     c->tap_peer_mac);
            return false;
        }
        mac[i] = (uint8_t)m[i];
    }
    return true;
}

/* The first key of ks[0..n) whose value differs from its default. */
struct key_diff {
    const char *key;
    bool differs;
};
static const char *first_set(const struct key_diff *ks, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (ks[i].differs) return ks[i].key;
    return NULL;
}

bool chip_keys_apply(const struct workload_config *w, const struct clients_config *cl, char *err,
                     size_t errlen) {
    struct workload_config dw;
    struct clients_config dc;
    memset(&dw, 0, sizeof dw);
    memset(&dc, 0, sizeof dc);
    cfg_defaults(&workload_config_section, &dw);
    cfg_defaults(&clients_config_section, &dc);
    const struct key_diff mc[] = {
        {"workload.mcd_hashpower", w->mcd_hashpower != dw.mcd_hashpower},
        {"workload.mcd_lock_power", w->mcd_lock_power != dw.mcd_lock_power},
        {"workload.mcd_memory_mb", w->mcd_memory_mb != dw.mcd_memory_mb},
        {"workload.mcd_records", w->mcd_records != dw.mcd_records},
        {"workload.mcd_key_size", w->mcd_key_size != dw.mcd_key_size},
        {"workload.mcd_value_size", w->mcd_value_size != dw.mcd_value_size},
        {"clients.mc_qps", cl->mc_qps != dc.mc_qps},
        {"clients.mc_depth", cl->mc_depth != dc.mc_depth},
        {"clients.mc_get_frac", cl->mc_get_frac != dc.mc_get_frac},
        {"clients.mc_dist", cl->mc_dist != dc.mc_dist},
        {"clients.mc_ia", cl->mc_ia != dc.mc_ia},
        {"clients.mc_observer_conns", cl->mc_observer_conns != dc.mc_observer_conns},
        {"clients.mc_observer_qps", cl->mc_observer_qps != dc.mc_observer_qps}};
    const struct key_diff np[] = {
        {"workload.netpipe_mode", w->netpipe_mode != dw.netpipe_mode},
        {"clients.netpipe_max_bytes", cl->netpipe_max_bytes != dc.netpipe_max_bytes},
        {"clients.netpipe_repeats", cl->netpipe_repeats != dc.netpipe_repeats},
        {"clients.netpipe_integrity", cl->netpipe_integrity != dc.netpipe_integrity}};
    const struct key_diff tap[] = {
        {"clients.tap_peer_ip", strcmp(cl->tap_peer_ip, dc.tap_peer_ip) != 0},
        {"clients.tap_peer_mac", strcmp(cl->tap_peer_mac, dc.tap_peer_mac) != 0},
        {"clients.tap_pace_us", cl->tap_pace_us != dc.tap_pace_us}};
    const struct key_diff http[] = {{"workload.files", strcmp(w->files, dw.files) != 0}};
    const char *k = NULL, *what = NULL;
    if (w->app != WORKLOAD_MEMCACHED && (k = first_set(mc, sizeof mc / sizeof mc[0])))
        what = "workload.app memcached";
    else if (w->app != WORKLOAD_NETPIPE && (k = first_set(np, sizeof np / sizeof np[0])))
        what = "workload.app netpipe";
    else if (!cl->tap[0] && (k = first_set(tap, sizeof tap / sizeof tap[0])))
        what = "clients.tap set";
    else if ((w->app == WORKLOAD_NETPIPE || w->app == WORKLOAD_MEMCACHED) &&
             (k = first_set(http, sizeof http / sizeof http[0])))
        what = "workload.app http or http-client";
    if (k && !strcmp(what, "clients.tap set"))
        snprintf(err, errlen, "%s: applies only with clients.tap set: remove it", k);
    else if (k)
        snprintf(err, errlen, "%s: applies only with %s (workload.app is %s): remove it", k, what,
                 workload_app_names[w->app]);
    cfg_release(&workload_config_section, &dw);
    cfg_release(&clients_config_section, &dc);
    return k == NULL;
}
