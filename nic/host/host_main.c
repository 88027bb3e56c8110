/* nic/host/host_main.c: tessera-host, one stack instance as a real host on a TAP
 * device, serving HTTP from a directory, echo, NetPIPE or memcached.
 *
 *   tessera-host --tap tap0 --ip 10.0.0.2 [--mac 02:00:00:00:00:02]
 *                (--http DIR | --echo | --netpipe | --memcached) [--port N]
 *                [--pcap FILE] [--pcap-limit BYTES] [--seconds S] [--idle-timeout S]
 *                [--keepalive IDLE,INTVL,PROBES | --keepalive off]
 *                [--mcd-memory MB] [--mcd-hashpower N] [--mcd-preload N]
 *                [--netpipe-mode zerocopy|copy|nocopy]
 *                [--impair SPEC] [--impair-out SPEC] [--impair-in SPEC] [--impair-seed N]
 *                [--sack on|off] [--timestamps on|off]
 *
 * --sack, --timestamps: offer SACK (with RFC 6675 recovery) and TCP
 * timestamps (RTTM, PAWS, Eifel undo) in SYNs; both on by default
 * (docs/stack.md, "SACK, timestamps and recovery from loss and reordering").
 *
 * --impair*: loss, delay, jitter, reordering and duplication of the frames
 * the stack sends (out) and of those it gets (in), through the TAP driver
 * (nic/host/impair.h, docs/impairments.md); --impair sets both directions,
 * a direction's own flag wins. Counters impair.out.* and impair.in.* at exit.
 *
 * --netpipe-mode: how the NetPIPE server echoes (workloads/netpipe.h):
 * zerocopy (default: received bytes sent back by reference as they
 * arrive), copy or nocopy (the DLibOS paper's modes).
 *
 * --memcached: the ASCII memcached server (workloads/mcd.h, port 11211) over
 * a store of --mcd-memory MB of slab memory (default 64) with 2^hashpower
 * buckets (default 16); --mcd-preload N writes records 0..N-1 first
 * (19-digit keys, 2-byte values: mutilate's USR). The store's clock is the
 * host's wall clock (CLOCK_REALTIME seconds), as memcached's.
 *
 * --idle-timeout: the HTTP server closes a connection that has not completed
 * a request for S seconds (default 60, 0 = never). --keepalive: TCP
 * keep-alive, on by default here (120 s idle, 10 s interval, 5 probes) so
 * that vanished clients free their slots; times in seconds (fractions ok).
 *
 * Runs until SIGINT/SIGTERM (or S seconds), then prints the stack's and the
 * server's counters to stderr. Host time (CLOCK_MONOTONIC) drives the stack's
 * timers and getrandom seeds ISNs: this program is an I/O driver, not a
 * simulation, so nothing here is part of a deterministic result.
 */
#include "nic/host/tap.h"
#include "stack/sock.h"
#include "stack/stk.h"
#include "workloads/echo.h"
#include "workloads/httpd.h"
#include "workloads/mcd.h"
#include "workloads/netpipe.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

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

static uint32_t rnd(void *ctx) {
    uint64_t *s = ctx;
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)((z ^ (z >> 31)) >> 16);
}

static const char *ctype_of(const char *name) {
    const char *dot = strrchr(name, '.');
    if (dot && !strcmp(dot, ".html")) return "text/html";
    if (dot && !strcmp(dot, ".txt")) return "text/plain";
    return "application/octet-stream";
}

/* Loads the regular files of `dir` (not recursive) as "/<name>". */
static int load_dir(const char *dir, struct httpd_file **out, unsigned *n) {
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "tessera-host: --http %s: %s\n", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    unsigned cap = 0;
    *out = NULL;
    *n = 0;
    while ((e = readdir(d))) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (e->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        FILE *f = fopen(path, "rb");
        uint8_t *data = malloc(st.st_size ? (size_t)st.st_size : 1);
        if (!f || !data || fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
            fprintf(stderr, "tessera-host: cannot read %s\n", path);
            if (f) fclose(f);
            free(data);
            closedir(d);
            return -1;
        }
        fclose(f);
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            *out = realloc(*out, cap * sizeof **out);
        }
        char *name = malloc(strlen(e->d_name) + 2);
        sprintf(name, "/%s", e->d_name);
        (*out)[(*n)++] = (struct httpd_file){name, data, (size_t)st.st_size, ctype_of(e->d_name)};
    }
    closedir(d);
    return 0;
}

static int usage(void) {
    fprintf(stderr,
            "usage: tessera-host --tap IF --ip A.B.C.D [--mac M]\n"
            "                    (--http DIR | --echo | --netpipe | --memcached)\n"
            "                    [--port N] [--pcap FILE] [--pcap-limit BYTES] [--seconds S]\n"
            "                    [--idle-timeout S] [--keepalive IDLE,INTVL,PROBES | off]\n"
            "                    [--mcd-memory MB] [--mcd-hashpower N] [--mcd-preload N]\n"
            "                    [--netpipe-mode zerocopy|copy|nocopy]\n"
            "                    [--impair SPEC] [--impair-out SPEC] [--impair-in SPEC]\n"
            "                    [--impair-seed N]   (SPEC: docs/impairments.md)\n"
            "                    [--sack on|off] [--timestamps on|off]\n");
    return 2;
}

enum host_mode { NONE, HTTP, ECHO, NETPIPE, MEMCACHED };

struct host_opts {
    const char *tapname, *ip, *mac, *dir, *pcap;
    enum host_mode mode;
    int port;
    double seconds;
    unsigned long long pcap_limit;
    double idle_timeout;
    bool keepalive;
    bool sack, timestamps;
    double ka_idle, ka_intvl;
    unsigned ka_probes;
    unsigned long long mcd_memory_mb, mcd_preload;
    unsigned mcd_hashpower;
    enum netpipe_mode np_mode;
    struct impair_opts impair;
};

/* Step: the command line into o. Returns 0, or the exit code (2). */
static int parse_options(int argc, char **argv, struct host_opts *o) {
    *o = (struct host_opts){.mac = "02:00:00:00:00:02",
                            .mode = NONE,
                            .port = -1,
                            .idle_timeout = 60,
                            .keepalive = true,
                            .sack = true,
                            .timestamps = true,
                            .ka_idle = 120,
                            .ka_intvl = 10,
                            .ka_probes = 5,
                            .mcd_memory_mb = 64,
                            .mcd_hashpower = 16};
    impair_opts_init(&o->impair);
    static const char *const dirs[2] = {"out", "in"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        char err[256];
        int took = impair_option(argc, argv, &i, dirs, &o->impair, err, sizeof err);
        if (took < 0) {
            fprintf(stderr, "tessera-host: %s\n", err);
            return 2;
        }
        if (took) continue;
        if (!strcmp(a, "--tap") && v)
            o->tapname = argv[++i];
        else if (!strcmp(a, "--ip") && v)
            o->ip = argv[++i];
        else if (!strcmp(a, "--mac") && v)
            o->mac = argv[++i];
        else if (!strcmp(a, "--http") && v) {
            o->mode = HTTP;
            o->dir = argv[++i];
        } else if (!strcmp(a, "--echo"))
            o->mode = ECHO;
        else if (!strcmp(a, "--netpipe"))
            o->mode = NETPIPE;
        else if (!strcmp(a, "--netpipe-mode") && v) {
            const char *m = argv[++i];
            unsigned k = 0;
            while (netpipe_mode_names[k] && strcmp(netpipe_mode_names[k], m)) k++;
            if (!netpipe_mode_names[k]) {
                fprintf(stderr,
                        "tessera-host: --netpipe-mode %s: expected zerocopy, copy or "
                        "nocopy\n",
                        m);
                return 2;
            }
            o->np_mode = (enum netpipe_mode)k;
        } else if (!strcmp(a, "--memcached"))
            o->mode = MEMCACHED;
        else if (!strcmp(a, "--mcd-memory") && v)
            o->mcd_memory_mb = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--mcd-hashpower") && v)
            o->mcd_hashpower = (unsigned)atoi(argv[++i]);
        else if (!strcmp(a, "--mcd-preload") && v)
            o->mcd_preload = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--port") && v)
            o->port = atoi(argv[++i]);
        else if (!strcmp(a, "--pcap") && v)
            o->pcap = argv[++i];
        else if (!strcmp(a, "--pcap-limit") && v)
            o->pcap_limit = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--seconds") && v)
            o->seconds = atof(argv[++i]);
        else if (!strcmp(a, "--idle-timeout") && v)
            o->idle_timeout = atof(argv[++i]);
        else if (!strcmp(a, "--keepalive") && v) {
            i++;
            if (!strcmp(v, "off")) {
                o->keepalive = false;
            } else if (sscanf(v, "%lf,%lf,%u", &o->ka_idle, &o->ka_intvl, &o->ka_probes) != 3 ||
                       o->ka_idle <= 0 || o->ka_intvl <= 0) {
                fprintf(stderr, "tessera-host: --keepalive %s: expected IDLE,INTVL,PROBES\n", v);
                return 2;
            }
        } else if ((!strcmp(a, "--sack") || !strcmp(a, "--timestamps")) && v) {
            i++;
            bool *flag = !strcmp(a, "--sack") ? &o->sack : &o->timestamps;
            if (!strcmp(v, "on") || !strcmp(v, "off")) {
                *flag = !strcmp(v, "on");
            } else {
                fprintf(stderr, "tessera-host: %s %s: expected on or off\n", a, v);
                return 2;
            }
        } else
            return usage();
    }
    if (!o->tapname || !o->ip || o->mode == NONE) return usage();
    if (o->port < 0)
        o->port = o->mode == HTTP ? 80 : o->mode == ECHO ? 7 : o->mode == MEMCACHED ? 11211 : 5002;
    if (o->mcd_memory_mb < 1 || o->mcd_hashpower < 1 || o->mcd_hashpower > 30) {
        fprintf(stderr, "tessera-host: --mcd-memory >= 1 MB and --mcd-hashpower 1..30 expected\n");
        return 2;
    }
    if (o->port < 1 || o->port > 65535) {
        fprintf(stderr, "tessera-host: --port %d: expected 1..65535\n", o->port);
        return 2;
    }
    return 0;
}

/* Step: the stack's configuration (address, MAC, sizes). Returns 0 or 2. */
static int stack_config(const struct host_opts *o, struct stk_config *cfg) {
    stk_config_default(cfg);
    struct in_addr ia;
    if (inet_pton(AF_INET, o->ip, &ia) != 1) {
        fprintf(stderr, "tessera-host: --ip %s: expected a dotted IPv4 address\n", o->ip);
        return 2;
    }
    cfg->ip = ntohl(ia.s_addr);
    unsigned m[6];
    if (sscanf(o->mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6) {
        fprintf(stderr, "tessera-host: --mac %s: expected six hex bytes\n", o->mac);
        return 2;
    }
    for (int i = 0; i < 6; i++) cfg->mac[i] = (uint8_t)m[i];
    cfg->max_conns = 4096;
    cfg->time_wait_max = 65536; /* ~1,100 closes/s for 60 s before recycling */
    cfg->seg_pool = 1u << 20;
    cfg->max_rx_segs = 4096;
    cfg->rcv_buf = 1u << 20;
    cfg->keepalive = o->keepalive;
    cfg->sack = o->sack;
    cfg->timestamps = o->timestamps;
    cfg->keepalive_idle = (stk_time_t)(o->ka_idle * 1e12);
    cfg->keepalive_intvl = (stk_time_t)(o->ka_intvl * 1e12);
    cfg->keepalive_probes = o->ka_probes;
    return 0;
}

/* Step: the TAP device (and its pcap file, *pf) and the stack on it.
 * Returns 0 or the exit code (1). */
static int open_tap_and_stack(const struct host_opts *o, struct stk_config *cfg, uint64_t *seed,
                              struct tap **tp, FILE **pf, struct stk **sp) {
    char err[256];
    struct tap *t = tap_open(o->tapname, err, sizeof err);
    if (!t) {
        fprintf(stderr, "tessera-host: %s\n", err);
        return 1;
    }
    *tp = t;
    char desc[600];
    if (tap_set_impair_opts(t, &o->impair, desc, sizeof desc) != 0) {
        fprintf(stderr, "tessera-host: out of memory for the impairment queues\n");
        return 1;
    }
    if (desc[0]) {
        fprintf(stderr, "tessera-host: impairment %s\n", desc);
        prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL); /* releases on time (default: 50 us late) */
    }
    /* The stack's MTU (and so the MSS it offers) follows the device's. */
    unsigned mtu = tap_mtu(t);
    cfg->mtu = (uint16_t)(mtu < 576 ? 576 : mtu > 9000 ? 9000 : mtu);
    if (o->pcap) {
        *pf = fopen(o->pcap, "wb");
        if (!*pf) {
            fprintf(stderr, "tessera-host: --pcap %s: %s\n", o->pcap, strerror(errno));
            return 1;
        }
        tap_set_pcap(t, *pf, o->pcap_limit);
    }
    if (getrandom(seed, sizeof *seed, 0) != sizeof *seed) *seed = (uint64_t)now_ps();
    struct stk_driver drv;
    tap_driver(t, &drv, rnd, seed);
    *sp = stk_create(cfg, &drv, NULL, now_ps(), err, sizeof err);
    if (!*sp) {
        fprintf(stderr, "tessera-host: %s\n", err);
        return 1;
    }
    tap_bind(t, *sp);
    return 0;
}

/* The server: its state, its events, the files it serves (HTTP). */
struct host_app {
    enum host_mode mode;
    void *app;
    struct sock_events ev;
    struct httpd_file *files;
    unsigned nfiles;
    struct sock_rtc *rtc;
    struct mcd_store *store; /* memcached */
};

static uint32_t unix_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint32_t)ts.tv_sec;
}

/* The memcached store (and its preload) and server. Returns 0 or 1. */
static int start_mcd(const struct host_opts *o, struct host_app *a) {
    struct mcd_store_config sc = {.hashpower = o->mcd_hashpower,
                                  .mem_bytes = (size_t)o->mcd_memory_mb << 20};
    a->store = mcd_store_create(&sc, NULL);
    if (!a->store) {
        fprintf(stderr, "tessera-host: cannot create a memcached store of %llu MB\n",
                o->mcd_memory_mb);
        return 1;
    }
    mcd_store_set_time(a->store, unix_now());
    if (o->mcd_preload) {
        uint64_t n = mcd_store_preload(a->store, o->mcd_preload, 19, 2);
        struct mcd_store_stats ss;
        mcd_store_stats(a->store, &ss);
        fprintf(stderr, "tessera-host: preloaded %llu of %llu records (%llu of %llu slab pages)\n",
                (unsigned long long)n, o->mcd_preload, (unsigned long long)ss.pages_used,
                (unsigned long long)ss.pages_total);
    }
    a->app = mcd_create(a->store, NULL);
    a->ev = mcd_events();
    if (a->app) mcd_set_time(a->app, unix_now());
    return 0;
}

/* Step: create the server and listen on o->port. Returns 0 or 1. */
static int start_app(const struct host_opts *o, struct stk **s, struct host_app *a) {
    a->mode = o->mode;
    if (o->mode == HTTP) {
        if (load_dir(o->dir, &a->files, &a->nfiles) != 0) return 1;
        a->app = httpd_create(a->files, a->nfiles, NULL);
        a->ev = httpd_events();
        if (a->app) httpd_set_idle_timeout(a->app, (uint64_t)(o->idle_timeout * 1e12));
    } else if (o->mode == ECHO) {
        a->app = echo_create(NULL);
        a->ev = echo_events();
    } else if (o->mode == MEMCACHED) {
        if (start_mcd(o, a) != 0) return 1;
    } else {
        struct netpipe_config nc = {.start = 0, .mode = o->np_mode};
        a->app = netpipe_create(&nc, NULL);
        a->ev = netpipe_events();
    }
    a->rtc = sock_rtc_create(s, 1, &a->ev, a->app, NULL);
    struct sock *k = sock_rtc_sock(a->rtc);
    uint16_t port = (uint16_t)o->port;
    int rc = o->mode == HTTP        ? httpd_start(a->app, k, 1, port, 1024)
             : o->mode == ECHO      ? echo_start(a->app, k, 1, port, 1024)
             : o->mode == MEMCACHED ? mcd_start(a->app, k, 1, port, 1024)
                                    : netpipe_start(a->app, k, 1, port, 1024);
    if (rc) {
        fprintf(stderr, "tessera-host: listen on %d: %s\n", o->port, strerror(-rc));
        return 1;
    }
    return 0;
}

/* Step: poll the TAP device and the stack's timers until a signal or the
 * end of `seconds`; wake for the next impaired frame's release too (to the
 * nanosecond: ppoll). */
static void run_loop(struct stk *s, struct tap *t, double seconds, const struct host_app *a) {
    stk_time_t end = seconds > 0 ? now_ps() + (stk_time_t)(seconds * 1e12) : STK_NEVER;
    while (!stop_flag) {
        stk_time_t now = now_ps();
        if (now >= end) break;
        stk_time_t due = stk_poll_at(s);
        stk_time_t wait = 100 * STK_MS;
        if (due != STK_NEVER) {
            stk_time_t ms = due > now ? (due - now + STK_MS - 1) / STK_MS : 0;
            if (ms * STK_MS < wait) wait = ms * STK_MS;
        }
        stk_time_t idue = tap_impair_next_due(t);
        if (idue != STK_NEVER && (idue > now ? idue - now : 0) < wait)
            wait = idue > now ? idue - now : 0;
        struct timespec ts = {(time_t)(wait / STK_SEC), (long)(wait % STK_SEC / STK_NS)};
        struct pollfd p = {tap_fd(t), POLLIN, 0};
        int n = ppoll(&p, 1, &ts, NULL);
        now = now_ps();
        if (n > 0) {
            int r = tap_poll_rx(t, now);
            if (r < 0) {
                fprintf(stderr, "tessera-host: read: %s\n", strerror(-r));
                break;
            }
        }
        tap_impair_poll(t, now);
        stk_poll(s, now);
        if (a->mode == HTTP) httpd_poll(a->app, now);
        if (a->mode == MEMCACHED) mcd_set_time(a->app, unix_now());
    }
}

/* Step: the stack's, the driver's and the server's counters to stderr. */
static void print_counters(struct stk *s, const struct tap *t, const struct host_app *a) {
    fprintf(stderr, "tessera-host: %u connections, %u in TIME-WAIT\n", stk_tcp_conns(s),
            stk_tcp_time_waits(s));
    const struct tap_counters *tc = tap_counters(t);
    fprintf(stderr, "tap.rx_frames %llu tx_frames %llu tx_errors %llu rx_dropped %llu\n",
            (unsigned long long)tc->rx_frames, (unsigned long long)tc->tx_frames,
            (unsigned long long)tc->tx_errors, (unsigned long long)tc->rx_dropped);
    tap_print_impair(t, stderr);
    for (unsigned i = 0; stk_counter_name(i); i++)
        if (stk_counter_value(s, i))
            fprintf(stderr, "stk.%s %llu\n", stk_counter_name(i),
                    (unsigned long long)stk_counter_value(s, i));
    if (a->mode == HTTP) {
        const struct httpd_stats *h = httpd_stats(a->app);
        fprintf(stderr, "httpd.requests %llu 200:%llu 400:%llu 404:%llu idle_closed:%llu\n",
                (unsigned long long)h->requests, (unsigned long long)h->r200,
                (unsigned long long)h->r400, (unsigned long long)h->r404,
                (unsigned long long)h->idle_closed);
    } else if (a->mode == NETPIPE) {
        const struct netpipe_stats *np = netpipe_stats(a->app);
        fprintf(stderr, "netpipe.completed %llu sizes %llu errors %llu\n",
                (unsigned long long)np->completed, (unsigned long long)np->sizes_done,
                (unsigned long long)np->protocol_errors);
    } else if (a->mode == MEMCACHED) {
        const struct mcd_stats *ms = mcd_stats(a->app);
        struct mcd_store_stats ss;
        mcd_store_stats(a->store, &ss);
        fprintf(stderr,
                "mcd.conns %llu get %llu gets %llu set %llu hits %llu misses %llu "
                "errors %llu client_errors %llu server_errors %llu\n"
                "mcd.parse_inplace %llu parse_copied %llu zero_touch_values %llu "
                "backpressure_stalls %llu\n"
                "mcd.store curr_items %llu total_items %llu evictions %llu pages %llu/%llu\n",
                (unsigned long long)ms->conns, (unsigned long long)ms->cmd_get,
                (unsigned long long)ms->cmd_gets, (unsigned long long)ms->cmd_set,
                (unsigned long long)ms->get_hits, (unsigned long long)ms->get_misses,
                (unsigned long long)ms->errors, (unsigned long long)ms->client_errors,
                (unsigned long long)ms->server_errors, (unsigned long long)ms->parse_inplace,
                (unsigned long long)ms->parse_copied, (unsigned long long)ms->values_zero_touch,
                (unsigned long long)ms->backpressure_stalls, (unsigned long long)ss.curr_items,
                (unsigned long long)ss.total_items, (unsigned long long)ss.evictions,
                (unsigned long long)ss.pages_used, (unsigned long long)ss.pages_total);
    } else {
        fprintf(stderr, "echo.bytes %llu\n", (unsigned long long)echo_stats(a->app)->bytes);
    }
}

static void stop_app(struct host_app *a) {
    sock_rtc_destroy(a->rtc);
    if (a->mode == HTTP)
        httpd_destroy(a->app);
    else if (a->mode == ECHO)
        echo_destroy(a->app);
    else if (a->mode == MEMCACHED)
        mcd_destroy(a->app);
    else
        netpipe_destroy(a->app);
}

/* (after the stack is gone, as it may hold the served files' bytes or
 * the memcached store's) */
static void free_files(struct host_app *a) {
    mcd_store_destroy(a->store);
    for (unsigned i = 0; i < a->nfiles; i++) {
        free((void *)a->files[i].path);
        free((void *)a->files[i].data);
    }
    free(a->files);
}

int main(int argc, char **argv) {
    struct host_opts o;
    struct stk_config cfg;
    int rc = parse_options(argc, argv, &o);
    if (!rc) rc = stack_config(&o, &cfg);
    if (rc) return rc;
    struct tap *t = NULL;
    FILE *pf = NULL;
    struct stk *s = NULL;
    uint64_t seed = 0; /* the driver's random state: lives as long as the stack */
    struct host_app a = {0};
    if (open_tap_and_stack(&o, &cfg, &seed, &t, &pf, &s) != 0 || start_app(&o, &s, &a) != 0)
        return 1;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    fprintf(stderr, "tessera-host: %s on %s port %d\n", o.ip, o.tapname, o.port);
    run_loop(s, t, o.seconds, &a);
    print_counters(s, t, &a);
    if (pf) fclose(pf);
    stop_app(&a);
    stk_destroy(s);
    tap_close(t);
    free_files(&a);
    return 0;
}
