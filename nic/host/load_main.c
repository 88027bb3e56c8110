/* nic/host/load_main.c: tessera-load, one stack instance as a client host on
 * a TAP device driving real servers with the load generators of workloads/:
 * a mutilate-like open-loop memcached load (workloads/mcload.h), a
 * wrk-like closed-loop HTTP load (workloads/wrkload.h), or NetPIPE's
 * transmitter (workloads/netpipe_client.h) against an NPtcp receiver.
 * docs/loadgen.md has the flags, outputs and models.
 *
 *   tessera-load --tap IF --ip A.B.C.D [--mac M] [--pcap FILE] [--static-arp] [--spin]
 *     --memcached HOST:PORT[,HOST:PORT...] [--qps Q] [--conns C] [--depth D]
 *       [--keyspace N] [--get-frac F] [--dist usr|etc] [--ia exp|gpareto]
 *       [--key-size B] [--value-size B] [--no-preload] [--latency-conns N]
 *       [--latency-qps Q] [--warmup S] [--seconds S] [--drain S] [--seed N]
 *       [--sla-p99 US --qps-lo Q --qps-hi Q [--sla-runs N]]
 *     --http HOST:PORT/path [--conns C] [--warmup S] [--seconds S]
 *     --netpipe HOST:PORT [--np-max BYTES] [--np-repeats N] [--np-integrity]
 *   [--impair SPEC] [--impair-out SPEC] [--impair-in SPEC] [--impair-seed N]
 *
 * --impair*: the TAP driver's impairments (nic/host/impair.h,
 * docs/impairments.md), as in tessera-host; counters impair.* at exit.
 *
 * --static-arp: the servers' addresses are entered as static neighbours at
 * the TAP device's own (kernel-side) MAC address, so that the first SYNs
 * are not dropped waiting for ARP (right when the servers are the Linux host
 * at the other end of the TAP, or routed by it; not on a bridged TAP).
 *
 * --spin: the loop never sleeps (the lowest wake-up latency, a whole core);
 * by default it sleeps in ppoll until a frame, the next intended send or
 * the stack's next timer.
 *
 * Prints a summary to stdout: one "key value" pair per line (rates,
 * latency percentiles in microseconds, counts), then the stack's non-zero
 * counters to stderr. Exit 0 when the run completed (whatever its
 * figures), 1 when it could not run, 2 for a bad command line.
 *
 * Host time (CLOCK_MONOTONIC) drives the stack's timers and the client's
 * schedule (the loop sleeps in ppoll until a frame, the next intended send
 * or the stack's next timer); getrandom seeds ISNs and ports. The load's own draws
 * (intended times, keys, operations) come from --seed only.
 */
#include "nic/host/tap.h"
#include "stack/sock.h"
#include "stack/stk.h"
#include "workloads/mcload.h"
#include "workloads/netpipe_client.h"
#include "workloads/sla.h"
#include "workloads/wrkload.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) {
    (void)sig;
    stop_flag = 1;
}

static stk_time_t now_ps(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (stk_time_t)ts.tv_sec * STK_SEC + (stk_time_t)ts.tv_nsec * STK_NS;
}

static uint64_t now_cb(void *ctx) {
    (void)ctx;
    return now_ps();
}

static uint32_t rnd(void *ctx) {
    uint64_t *s = ctx;
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)((z ^ (z >> 31)) >> 16);
}

enum mode { NONE, MEMCACHED, HTTP, NETPIPE };

#define MAX_SERVERS 16

struct opts {
    const char *tapname, *ip, *mac, *pcap, *target;
    enum mode mode;
    struct mcload_server servers[MAX_SERVERS];
    unsigned nservers;
    char path[1024];
    double qps, get_frac, latency_qps, warmup, seconds, drain;
    unsigned conns, depth, latency_conns, key_size, value_size;
    unsigned long long keyspace, seed;
    enum mcload_dist dist;
    enum mcload_ia ia;
    bool preload, static_arp, spin;
    double sla_p99, qps_lo, qps_hi;
    unsigned sla_runs;
    unsigned long long np_max;
    unsigned np_repeats;
    bool np_integrity;
    struct impair_opts impair;
};

static int usage(void) {
    fprintf(stderr, "usage: tessera-load --tap IF --ip A.B.C.D [--mac M] [--pcap FILE]\n"
                    "  --memcached HOST:PORT[,HOST:PORT...] [--qps Q] [--conns C] [--depth D]\n"
                    "    [--keyspace N] [--get-frac F] [--dist usr|etc] [--ia exp|gpareto]\n"
                    "    [--key-size B] [--value-size B] [--no-preload] [--latency-conns N]\n"
                    "    [--latency-qps Q] [--warmup S] [--seconds S] [--drain S] [--seed N]\n"
                    "    [--sla-p99 US --qps-lo Q --qps-hi Q [--sla-runs N]]\n"
                    "  --http HOST:PORT/path [--conns C] [--warmup S] [--seconds S]\n"
                    "  --netpipe HOST:PORT [--np-max BYTES] [--np-repeats N] [--np-integrity]\n"
                    "  [--impair SPEC] [--impair-out SPEC] [--impair-in SPEC] [--impair-seed N]\n");
    return 2;
}

/* "A.B.C.D:PORT" (the rest, from `end` on, left to the caller). */
static bool host_port(const char *s, uint32_t *ip, uint16_t *port, const char **end) {
    char host[64];
    const char *colon = strchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host) return false;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
    struct in_addr ia;
    if (inet_pton(AF_INET, host, &ia) != 1) return false;
    char *e;
    unsigned long p = strtoul(colon + 1, &e, 10);
    if (e == colon + 1 || p < 1 || p > 65535) return false;
    *ip = ntohl(ia.s_addr);
    *port = (uint16_t)p;
    *end = e;
    return true;
}

static bool parse_servers(struct opts *o, const char *v) {
    const char *p = v;
    for (;;) {
        if (o->nservers == MAX_SERVERS) return false;
        struct mcload_server *s = &o->servers[o->nservers];
        if (!host_port(p, &s->ip, &s->port, &p)) return false;
        o->nservers++;
        if (!*p) return true;
        if (*p++ != ',') return false;
    }
}

static bool parse_http(struct opts *o, const char *v) {
    const char *p;
    o->nservers = 0;
    if (!host_port(v, &o->servers[0].ip, &o->servers[0].port, &p)) return false;
    o->nservers = 1;
    if (!*p) p = "/";
    if (*p != '/' || strlen(p) >= sizeof o->path) return false;
    strcpy(o->path, p);
    return true;
}

/* Step: the command line into o. Returns 0, or the exit code (2). */
static int parse_options(int argc, char **argv, struct opts *o) {
    *o = (struct opts){.mac = "02:00:00:00:00:02",
                       .qps = 10000,
                       .get_frac = 0.99,
                       .latency_qps = 1000,
                       .warmup = 1,
                       .seconds = 5,
                       .drain = 1,
                       .conns = 0,
                       .depth = 1,
                       .keyspace = 1000000,
                       .seed = 1,
                       .dist = MCLOAD_USR,
                       .ia = MCLOAD_IA_EXP,
                       .preload = true,
                       .sla_runs = 12,
                       .np_max = 131072,
                       .np_repeats = 10};
    impair_opts_init(&o->impair);
    static const char *const dirs[2] = {"out", "in"};
    for (int i = 1; i < argc; i++) {
        char err[256];
        int took = impair_option(argc, argv, &i, dirs, &o->impair, err, sizeof err);
        if (took < 0) {
            fprintf(stderr, "tessera-load: %s\n", err);
            return 2;
        }
        if (took) continue;
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool has = v != NULL;
#define OPT(name) (!strcmp(a, name) && has && ++i)
        if (OPT("--tap"))
            o->tapname = v;
        else if (OPT("--ip"))
            o->ip = v;
        else if (OPT("--mac"))
            o->mac = v;
        else if (OPT("--pcap"))
            o->pcap = v;
        else if (OPT("--memcached")) {
            o->mode = MEMCACHED;
            o->target = v;
            if (!parse_servers(o, v)) {
                fprintf(stderr, "tessera-load: --memcached %s: expected A.B.C.D:PORT[,...]\n", v);
                return 2;
            }
        } else if (OPT("--http")) {
            o->mode = HTTP;
            o->target = v;
            if (!parse_http(o, v)) {
                fprintf(stderr, "tessera-load: --http %s: expected A.B.C.D:PORT/path\n", v);
                return 2;
            }
        } else if (OPT("--netpipe")) {
            o->mode = NETPIPE;
            o->target = v;
            const char *end;
            o->nservers = 0;
            if (!host_port(v, &o->servers[0].ip, &o->servers[0].port, &end) || *end) {
                fprintf(stderr, "tessera-load: --netpipe %s: expected A.B.C.D:PORT\n", v);
                return 2;
            }
            o->nservers = 1;
        } else if (OPT("--np-max"))
            o->np_max = strtoull(v, NULL, 10);
        else if (OPT("--np-repeats"))
            o->np_repeats = (unsigned)atoi(v);
        else if (!strcmp(a, "--np-integrity"))
            o->np_integrity = true;
        else if (OPT("--qps"))
            o->qps = atof(v);
        else if (OPT("--conns"))
            o->conns = (unsigned)atoi(v);
        else if (OPT("--depth"))
            o->depth = (unsigned)atoi(v);
        else if (OPT("--keyspace"))
            o->keyspace = strtoull(v, NULL, 10);
        else if (OPT("--get-frac"))
            o->get_frac = atof(v);
        else if (OPT("--dist")) {
            if (!strcmp(v, "usr"))
                o->dist = MCLOAD_USR;
            else if (!strcmp(v, "etc"))
                o->dist = MCLOAD_ETC;
            else
                return usage();
        } else if (OPT("--ia")) {
            if (!strcmp(v, "exp"))
                o->ia = MCLOAD_IA_EXP;
            else if (!strcmp(v, "gpareto"))
                o->ia = MCLOAD_IA_GPARETO;
            else
                return usage();
        } else if (OPT("--key-size"))
            o->key_size = (unsigned)atoi(v);
        else if (OPT("--value-size"))
            o->value_size = (unsigned)atoi(v);
        else if (!strcmp(a, "--no-preload"))
            o->preload = false;
        else if (!strcmp(a, "--static-arp"))
            o->static_arp = true;
        else if (!strcmp(a, "--spin"))
            o->spin = true;
        else if (OPT("--latency-conns"))
            o->latency_conns = (unsigned)atoi(v);
        else if (OPT("--latency-qps"))
            o->latency_qps = atof(v);
        else if (OPT("--warmup"))
            o->warmup = atof(v);
        else if (OPT("--seconds"))
            o->seconds = atof(v);
        else if (OPT("--drain"))
            o->drain = atof(v);
        else if (OPT("--seed"))
            o->seed = strtoull(v, NULL, 0);
        else if (OPT("--sla-p99"))
            o->sla_p99 = atof(v);
        else if (OPT("--qps-lo"))
            o->qps_lo = atof(v);
        else if (OPT("--qps-hi"))
            o->qps_hi = atof(v);
        else if (OPT("--sla-runs"))
            o->sla_runs = (unsigned)atoi(v);
        else
            return usage();
#undef OPT
    }
    if (!o->tapname || !o->ip || o->mode == NONE) return usage();
    if (!o->conns) o->conns = o->mode == HTTP ? 64 : 16;
    if (!(o->seconds > 0) || o->warmup < 0 || o->drain < 0 || !o->depth || !o->keyspace ||
        !(o->get_frac >= 0 && o->get_frac <= 1) || !(o->qps > 0) ||
        (o->latency_conns && !(o->latency_qps > 0)) || o->key_size > MCLOAD_KEY_MAX || !o->np_max ||
        o->np_max > (1ull << 31) || !o->np_repeats) {
        fprintf(stderr, "tessera-load: a value out of range\n");
        return 2;
    }
    if (o->sla_p99 > 0 && (o->mode != MEMCACHED || !(o->qps_lo > 0) || !(o->qps_hi > o->qps_lo) ||
                           o->sla_runs < 2 || o->sla_runs > SLA_MAX_RUNS)) {
        fprintf(stderr, "tessera-load: --sla-p99 needs --memcached, 0 < --qps-lo < --qps-hi "
                        "and 2 <= --sla-runs <= 64\n");
        return 2;
    }
    return 0;
}

/* Step: the stack's configuration (address, MAC, sizes). Returns 0 or 2. */
static int stack_config(const struct opts *o, struct stk_config *cfg) {
    stk_config_default(cfg);
    struct in_addr ia;
    if (inet_pton(AF_INET, o->ip, &ia) != 1) {
        fprintf(stderr, "tessera-load: --ip %s: expected a dotted IPv4 address\n", o->ip);
        return 2;
    }
    cfg->ip = ntohl(ia.s_addr);
    unsigned m[6];
    if (sscanf(o->mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6) {
        fprintf(stderr, "tessera-load: --mac %s: expected six hex bytes\n", o->mac);
        return 2;
    }
    for (int i = 0; i < 6; i++) cfg->mac[i] = (uint8_t)m[i];
    cfg->max_conns = 8192;
    cfg->time_wait_max = 65536;
    cfg->seg_pool = 1u << 20;
    cfg->max_rx_segs = 4096;
    cfg->rcv_buf = 1u << 20;
    return 0;
}

/* The host: the device, the stack, the socket layer the load runs on. */
struct host {
    bool spin;
    struct tap *t;
    struct stk *s;
    FILE *pf;
    uint64_t seed; /* the driver's random state: lives as long as the stack */
    struct sock_rtc *rtc;
    /* Clients (and their socket layers) whose connections had not all
     * been cleaned up when their run ended: the stack may still refer to
     * their request memory, so they are freed after it. */
    struct mcload *mc_kept[SLA_MAX_RUNS];
    struct sock_rtc *rtc_kept[SLA_MAX_RUNS + 1];
    unsigned nmc_kept, nrtc_kept;
    struct wrkload *w_kept;
    struct netpipe_client *np_kept;
};

/* The run's client is done with: freed now when quiet, else after the
 * stack. */
static void retire(struct host *h, struct mcload *m, struct wrkload *w, bool quiet) {
    if (quiet) {
        sock_rtc_destroy(h->rtc);
        mcload_destroy(m);
        wrkload_destroy(w);
    } else {
        fprintf(stderr, "tessera-load: connections still closing; the client is freed last\n");
        h->rtc_kept[h->nrtc_kept++] = h->rtc;
        if (m) h->mc_kept[h->nmc_kept++] = m;
        if (w) h->w_kept = w;
    }
    h->rtc = NULL;
}

static int open_host(const struct opts *o, struct stk_config *cfg, struct host *h) {
    char err[256];
    h->t = tap_open(o->tapname, err, sizeof err);
    if (!h->t) {
        fprintf(stderr, "tessera-load: %s\n", err);
        return 1;
    }
    char desc[600];
    if (tap_set_impair_opts(h->t, &o->impair, desc, sizeof desc) != 0) {
        fprintf(stderr, "tessera-load: out of memory for the impairment queues\n");
        return 1;
    }
    if (desc[0]) fprintf(stderr, "tessera-load: impairment %s\n", desc);
    unsigned mtu = tap_mtu(h->t);
    cfg->mtu = (uint16_t)(mtu < 576 ? 576 : mtu > 9000 ? 9000 : mtu);
    if (o->pcap) {
        h->pf = fopen(o->pcap, "wb");
        if (!h->pf) {
            fprintf(stderr, "tessera-load: --pcap %s: %s\n", o->pcap, strerror(errno));
            return 1;
        }
        tap_set_pcap(h->t, h->pf, 0);
    }
    if (getrandom(&h->seed, sizeof h->seed, 0) != sizeof h->seed) h->seed = (uint64_t)now_ps();
    struct stk_driver drv;
    tap_driver(h->t, &drv, rnd, &h->seed);
    h->s = stk_create(cfg, &drv, NULL, now_ps(), err, sizeof err);
    if (!h->s) {
        fprintf(stderr, "tessera-load: %s\n", err);
        return 1;
    }
    tap_bind(h->t, h->s);
    if (o->static_arp) {
        /* the device's MAC address, as the kernel side of the TAP has it */
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", o->tapname);
        int fd = socket(AF_INET, SOCK_DGRAM, 0);
        int rc = fd < 0 ? -1 : ioctl(fd, SIOCGIFHWADDR, &ifr);
        if (fd >= 0) close(fd);
        if (rc != 0) {
            fprintf(stderr, "tessera-load: --static-arp: the MAC address of %s: %s\n", o->tapname,
                    strerror(errno));
            return 1;
        }
        for (unsigned i = 0; i < o->nservers; i++)
            stk_arp_add_static(h->s, o->servers[i].ip, (const uint8_t *)ifr.ifr_hwaddr.sa_data);
    }
    return 0;
}

/* One turn of the loop: wait for a frame, but not past `due` (the client's
 * next intended send) nor the stack's next timer (ppoll: a nanosecond
 * timeout, kept by the kernel's high-resolution timers with a timer slack of
 * 1 ns, set in main), read the device, run the stack's timers. False on a
 * device error. */
static bool turn(struct host *h, stk_time_t due) {
    stk_time_t now = now_ps(), sd = stk_poll_at(h->s), id = tap_impair_next_due(h->t);
    if (sd < due) due = sd;
    if (id < due) due = id;
    stk_time_t left = due == STK_NEVER ? 50 * STK_MS : due > now ? due - now : 0;
    if (left > 50 * STK_MS) left = 50 * STK_MS;
    if (h->spin) left = 0;
    struct timespec ts = {(time_t)(left / STK_SEC), (long)(left % STK_SEC / STK_NS)};
    struct pollfd p = {tap_fd(h->t), POLLIN, 0};
    int n = ppoll(&p, 1, &ts, NULL);
    now = now_ps();
    if (n > 0) {
        int r = tap_poll_rx(h->t, now);
        if (r < 0) {
            fprintf(stderr, "tessera-load: read: %s\n", strerror(-r));
            return false;
        }
    }
    tap_impair_poll(h->t, now);
    stk_poll(h->s, now);
    return true;
}

static double us(uint64_t ps) { return (double)ps / 1e6; }

/* ---- memcached ---- */

struct mc_run {
    const struct opts *o;
    struct host *h;
    bool preload; /* this run SETs every record first */
    struct mcload_result load, obs;
    struct mcload_stats lst, ost;
    double preload_s;
    bool ok;
};

static void print_mc(const struct mc_run *r, const char *prefix) {
    const struct mcload_result *l = &r->load;
    const struct mcload_stats *s = &r->lst;
    printf("%sqps %.0f\n%soffered_qps %.0f\n", prefix, l->qps, prefix, l->offered_qps);
    printf("%slatency_us p50 %.1f p90 %.1f p99 %.1f p999 %.1f max %.1f mean %.1f\n", prefix,
           us(l->p50), us(l->p90), us(l->p99), us(l->p999), us(l->max), l->mean / 1e6);
    printf("%sservice_us p50 %.1f p99 %.1f\n", prefix, us(l->svc_p50), us(l->svc_p99));
    printf("%smeasured %llu incomplete %llu waited %llu\n", prefix, (unsigned long long)l->measured,
           (unsigned long long)l->incomplete, (unsigned long long)s->waited);
    printf("%sgets %llu sets %llu hits %llu misses %llu stored %llu not_stored %llu\n", prefix,
           (unsigned long long)s->gets, (unsigned long long)s->sets, (unsigned long long)s->hits,
           (unsigned long long)s->misses, (unsigned long long)s->stored,
           (unsigned long long)s->not_stored);
    printf("%sserver_errors %llu\n%sprotocol_errors %llu\n", prefix,
           (unsigned long long)s->server_errors, prefix, (unsigned long long)s->protocol_errors);
    printf("%sconnect_failed %llu closed_by_server %llu send_failed %llu\n", prefix,
           (unsigned long long)s->connect_failed, (unsigned long long)s->closed_by_server,
           (unsigned long long)s->send_failed);
    if (r->o->latency_conns) {
        const struct mcload_result *b = &r->obs;
        printf("%sobserver_qps %.0f\n", prefix, b->qps);
        printf("%sobserver_latency_us p50 %.1f p90 %.1f p99 %.1f p999 %.1f max %.1f\n", prefix,
               us(b->p50), us(b->p90), us(b->p99), us(b->p999), us(b->max));
        printf("%sobserver_errors %llu\n", prefix,
               (unsigned long long)(r->ost.server_errors + r->ost.protocol_errors));
    }
}

/* One run at `qps`: connect, preload (if asked), warm up, measure, drain,
 * close. Fills r; 0, or 1 when the run could not be made. */
static int mc_once(struct mc_run *r, double qps) {
    const struct opts *o = r->o;
    struct mcload_config c = {.servers = o->servers,
                              .nservers = o->nservers,
                              .conns = o->conns,
                              .depth = o->depth,
                              .qps = qps,
                              .obs_conns = o->latency_conns,
                              .obs_qps = o->latency_qps,
                              .ia = o->ia,
                              .dist = o->dist,
                              .records = o->keyspace,
                              .update = 1 - o->get_frac,
                              .key_size = o->key_size,
                              .value_size = o->value_size,
                              .preload = r->preload,
                              .seed = o->seed,
                              .warmup = (uint64_t)(o->warmup * 1e12),
                              .duration = (uint64_t)(o->seconds * 1e12),
                              .now = now_cb};
    struct mcload *m = mcload_create(&c, NULL);
    if (!m) {
        fprintf(stderr, "tessera-load: cannot create the memcached client\n");
        return 1;
    }
    struct sock_events ev = mcload_events();
    r->h->rtc = r->h->nrtc_kept < SLA_MAX_RUNS ? sock_rtc_create(&r->h->s, 1, &ev, m, NULL) : NULL;
    if (!r->h->rtc) {
        mcload_destroy(m);
        return 1;
    }
    stk_time_t start = now_ps();
    mcload_start(m, sock_rtc_sock(r->h->rtc));
    uint64_t t0 = 0;
    stk_time_t drain_end = STK_NEVER, end = STK_NEVER;
    bool ok = true;
    while (!stop_flag) {
        if (!turn(r->h, mcload_next_due(m))) {
            ok = false;
            break;
        }
        mcload_poll(m);
        stk_time_t now = now_ps();
        if (end == STK_NEVER && mcload_running(m, &t0)) {
            r->preload_s = (double)(t0 - start) / 1e12;
            end = t0 + c.warmup + c.duration;
            drain_end = end + (stk_time_t)(o->drain * 1e12);
        }
        if (end == STK_NEVER && mcload_quiet(m)) {
            fprintf(stderr, "tessera-load: no connection to the servers could be opened\n");
            ok = false;
            break;
        }
        if (end == STK_NEVER && now - start > 600 * STK_SEC) {
            fprintf(stderr, "tessera-load: the preload did not finish in 600 s\n");
            ok = false;
            break;
        }
        if (now >= drain_end || (now >= end && mcload_done(m))) break;
    }
    mcload_close(m);
    stk_time_t quiet_end = now_ps() + 2 * STK_SEC;
    while (!mcload_quiet(m) && now_ps() < quiet_end && turn(r->h, STK_NEVER)) {}
    mcload_result(m, MCLOAD_LOAD, &r->load);
    mcload_result(m, MCLOAD_OBS, &r->obs);
    r->lst = *mcload_stats(m, MCLOAD_LOAD);
    r->ost = *mcload_stats(m, MCLOAD_OBS);
    r->ok = ok && end != STK_NEVER && !stop_flag;
    retire(r->h, m, NULL, mcload_quiet(m));
    return r->ok ? 0 : 1;
}

static int sla_cb(void *ctx, double qps, double *p99, double *achieved) {
    struct mc_run *r = ctx;
    if (mc_once(r, qps) != 0) return 1;
    r->preload = false; /* the records stay loaded */
    char prefix[64];
    snprintf(prefix, sizeof prefix, "run_%.0f.", qps);
    print_mc(r, prefix);
    fflush(stdout);
    /* the observer's latency when there is one (mutilate's), else the load's */
    *p99 = us(r->o->latency_conns ? r->obs.p99 : r->load.p99);
    /* achieved against what was offered in the window (its arrivals are
     * random: a short run's count is off the target by a few percent) */
    const struct mcload_result *l = &r->load;
    *achieved = l->offered_qps > 0 ? qps * l->qps / l->offered_qps : 0;
    return 0;
}

static int run_memcached(const struct opts *o, struct host *h) {
    struct mc_run r = {.o = o, .h = h, .preload = o->preload};
    printf("mode memcached\ntarget %s\nconns %u\ndepth %u\nlatency_conns %u\ndist %s\nia %s\n"
           "keyspace %llu\nget_frac %.4f\nseed %llu\n",
           o->target, o->conns, o->depth, o->latency_conns, o->dist == MCLOAD_ETC ? "etc" : "usr",
           o->ia == MCLOAD_IA_GPARETO ? "gpareto" : "exp", o->keyspace, o->get_frac, o->seed);
    if (o->sla_p99 > 0) {
        struct sla_config sc = {.lo = o->qps_lo,
                                .hi = o->qps_hi,
                                .p99_max = o->sla_p99,
                                .min_achieved = 0.95,
                                .rel_tol = 0.02,
                                .max_runs = o->sla_runs};
        struct sla_result res;
        int rc = sla_search(&sc, sla_cb, &r, &res);
        if (rc) return 1;
        printf("sla_p99_us %.1f\nsla_runs %u\nsla_found %d\nsla_qps %.0f\nsla_p99 %.1f\n"
               "sla_achieved %.0f\n",
               o->sla_p99, res.runs, res.found, res.qps, res.p99, res.achieved);
        return 0;
    }
    printf("target_qps %.0f\n", o->qps);
    int rc = mc_once(&r, o->qps);
    if (o->preload) printf("preload_s %.2f\n", r.preload_s);
    print_mc(&r, "");
    return rc;
}

/* ---- HTTP ---- */

static int run_http(const struct opts *o, struct host *h) {
    struct httpd_file target = {o->path, NULL, 0, NULL};
    struct wrkload_config c = {.http = {.server_ip = o->servers[0].ip,
                                        .port = o->servers[0].port,
                                        .conns = o->conns,
                                        .targets = &target,
                                        .ntargets = 1,
                                        .now = now_cb},
                               .warmup = (uint64_t)(o->warmup * 1e12),
                               .duration = (uint64_t)(o->seconds * 1e12)};
    struct wrkload *w = wrkload_create(&c, NULL);
    if (!w) {
        fprintf(stderr, "tessera-load: cannot create the HTTP client\n");
        return 1;
    }
    struct httpc *hc = wrkload_httpc(w);
    struct sock_events ev = httpc_events();
    h->rtc = sock_rtc_create(&h->s, 1, &ev, hc, NULL);
    if (!h->rtc || wrkload_start(w, sock_rtc_sock(h->rtc)) != 0) {
        fprintf(stderr, "tessera-load: cannot start the HTTP client\n");
        sock_rtc_destroy(h->rtc);
        wrkload_destroy(w);
        return 1;
    }
    stk_time_t end = wrkload_end(w), stop_end = STK_NEVER;
    bool stopped = false;
    while (!stop_flag && turn(h, STK_NEVER)) {
        httpc_poll(hc);
        stk_time_t now = now_ps();
        if (!stopped && now >= end) {
            wrkload_stop(w);
            stopped = true;
            stop_end = now + (stk_time_t)((o->drain > 0 ? o->drain : 1) * 1e12);
        }
        if (stopped && (httpc_quiet(hc) || now >= stop_end)) break;
    }
    struct wrkload_result r;
    wrkload_result(w, &r);
    const struct httpc_stats *s = httpc_stats(hc);
    printf("mode http\ntarget %s\nconns %u\n", o->target, o->conns);
    printf("rps %.0f\nbytes_per_s %.0f\nresponses %llu\n", r.rps, r.bytes_per_s,
           (unsigned long long)r.responses);
    printf("latency_us p50 %.1f p90 %.1f p99 %.1f p999 %.1f max %.1f mean %.1f\n", us(r.p50),
           us(r.p90), us(r.p99), us(r.p999), us(r.max), r.mean / 1e6);
    printf("non2xx %llu\n", (unsigned long long)r.non2xx);
    printf("errors connect_failed %llu closed_mid_response %llu malformed %llu send_failed %llu\n",
           (unsigned long long)s->connect_failed, (unsigned long long)s->closed_mid_response,
           (unsigned long long)s->malformed, (unsigned long long)s->send_failed);
    retire(h, NULL, w, httpc_quiet(hc));
    return stop_flag ? 1 : 0;
}

/* ---- NetPIPE ---- */

static void np_print(void *ctx, uint64_t bytes, uint64_t one_way_ps) {
    (void)ctx;
    double us_ = (double)one_way_ps / 1e6;
    printf("np %llu bytes %.2f Mbps %.3f us\n", (unsigned long long)bytes,
           one_way_ps ? (double)bytes * 8.0 / ((double)one_way_ps / 1e12) / 1e6 : 0.0, us_);
}

static int run_netpipe(const struct opts *o, struct host *h) {
    struct netpipe_client_config c = {.server_ip = o->servers[0].ip,
                                      .port = o->servers[0].port,
                                      .start = 1,
                                      .perturbation = 3,
                                      .max_bytes = o->np_max,
                                      .repeats = o->np_repeats,
                                      .trials = 3,
                                      .integrity = o->np_integrity,
                                      .now = now_cb,
                                      .record = np_print};
    struct netpipe_client *n = netpipe_client_create(&c, NULL);
    struct sock_events ev = netpipe_client_events();
    if (n) h->rtc = sock_rtc_create(&h->s, 1, &ev, n, NULL);
    if (!h->rtc || netpipe_client_start(n, sock_rtc_sock(h->rtc)) != 0) {
        fprintf(stderr, "tessera-load: cannot start the NetPIPE client\n");
        sock_rtc_destroy(h->rtc);
        h->rtc = NULL;
        netpipe_client_destroy(n);
        return 1;
    }
    printf("mode netpipe\ntarget %s\nmax_bytes %llu\nrepeats %u\nintegrity %d\n", o->target,
           o->np_max, o->np_repeats, o->np_integrity);
    while (!stop_flag && !netpipe_client_done(n) && turn(h, STK_NEVER)) {}
    /* the close and the last ACKs */
    stk_time_t end = now_ps() + STK_SEC;
    while (!stop_flag && now_ps() < end && stk_tcp_conns(h->s) && turn(h, STK_NEVER)) {}
    const struct netpipe_client_stats *s = netpipe_client_stats(n);
    printf("sizes %llu\ncompleted %d\nmismatched_bytes %llu\n", (unsigned long long)s->sizes_done,
           s->completed, (unsigned long long)s->mismatched_bytes);
    printf("errors connect_failed %llu closed_early %llu send_failed %llu protocol %llu\n",
           (unsigned long long)s->connect_failed, (unsigned long long)s->closed_early,
           (unsigned long long)s->send_failed, (unsigned long long)s->protocol_errors);
    int rc = s->completed ? 0 : 1;
    if (stk_tcp_conns(h->s)) { /* the stack may still refer to both: freed after it */
        h->rtc_kept[h->nrtc_kept++] = h->rtc;
        h->np_kept = n;
    } else {
        sock_rtc_destroy(h->rtc);
        netpipe_client_destroy(n);
    }
    h->rtc = NULL;
    return rc;
}

static void print_counters(struct stk *s, const struct tap *t) {
    fprintf(stderr, "tessera-load: %u connections, %u in TIME-WAIT\n", stk_tcp_conns(s),
            stk_tcp_time_waits(s));
    tap_print_impair(t, stderr);
    for (unsigned i = 0; stk_counter_name(i); i++)
        if (stk_counter_value(s, i))
            fprintf(stderr, "stk.%s %llu\n", stk_counter_name(i),
                    (unsigned long long)stk_counter_value(s, i));
}

int main(int argc, char **argv) {
    struct opts o;
    struct stk_config cfg;
    int rc = parse_options(argc, argv, &o);
    if (!rc) rc = stack_config(&o, &cfg);
    if (rc) return rc;
    struct host h = {.spin = o.spin};
    if (open_host(&o, &cfg, &h) != 0) return 1;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    setvbuf(stdout, NULL, _IOLBF, 0);
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL,
          0UL); /* ppoll's timeouts as given (default slack: 50 us) */
    rc = o.mode == MEMCACHED ? run_memcached(&o, &h)
         : o.mode == NETPIPE ? run_netpipe(&o, &h)
                             : run_http(&o, &h);
    print_counters(h.s, h.t);
    stk_destroy(h.s);
    for (unsigned i = 0; i < h.nmc_kept; i++) mcload_destroy(h.mc_kept[i]);
    for (unsigned i = 0; i < h.nrtc_kept; i++) sock_rtc_destroy(h.rtc_kept[i]);
    wrkload_destroy(h.w_kept);
    netpipe_client_destroy(h.np_kept);
    if (h.pf) fclose(h.pf);
    tap_close(h.t);
    return rc;
}
