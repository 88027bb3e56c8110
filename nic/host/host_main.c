/* nic/host/host_main.c: tessera-host, one stack instance as a real host on a TAP
 * device, serving HTTP from a directory, echo, or NetPIPE.
 *
 *   tessera-host --tap tap0 --ip 10.0.0.2 [--mac 02:00:00:00:00:02]
 *                (--http DIR | --echo | --netpipe) [--port N] [--pcap FILE]
 *                [--pcap-limit BYTES] [--seconds S]
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
#include "workloads/netpipe.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static stk_time_t now_ps(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (stk_time_t)ts.tv_sec * STK_SEC + (stk_time_t)ts.tv_nsec * STK_NS;
}

static uint32_t rnd(void *ctx)
{
    uint64_t *s = ctx;
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)((z ^ (z >> 31)) >> 16);
}

static const char *ctype_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot && !strcmp(dot, ".html")) return "text/html";
    if (dot && !strcmp(dot, ".txt")) return "text/plain";
    return "application/octet-stream";
}

/* Loads the regular files of `dir` (not recursive) as "/<name>". */
static int load_dir(const char *dir, struct httpd_file **out, unsigned *n)
{
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
        if (e->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
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

static int usage(void)
{
    fprintf(stderr, "usage: tessera-host --tap IF --ip A.B.C.D [--mac M] (--http DIR | --echo | --netpipe)\n"
                    "                    [--port N] [--pcap FILE] [--pcap-limit BYTES] [--seconds S]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *tapname = NULL, *ip = NULL, *mac = "02:00:00:00:00:02", *dir = NULL, *pcap = NULL;
    enum { NONE, HTTP, ECHO, NETPIPE } mode = NONE;
    int port = -1;
    double seconds = 0;
    unsigned long long pcap_limit = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--tap") && v) tapname = argv[++i];
        else if (!strcmp(a, "--ip") && v) ip = argv[++i];
        else if (!strcmp(a, "--mac") && v) mac = argv[++i];
        else if (!strcmp(a, "--http") && v) { mode = HTTP; dir = argv[++i]; }
        else if (!strcmp(a, "--echo")) mode = ECHO;
        else if (!strcmp(a, "--netpipe")) mode = NETPIPE;
        else if (!strcmp(a, "--port") && v) port = atoi(argv[++i]);
        else if (!strcmp(a, "--pcap") && v) pcap = argv[++i];
        else if (!strcmp(a, "--pcap-limit") && v) pcap_limit = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--seconds") && v) seconds = atof(argv[++i]);
        else return usage();
    }
    if (!tapname || !ip || mode == NONE)
        return usage();
    if (port < 0)
        port = mode == HTTP ? 80 : mode == ECHO ? 7 : 5002;
    if (port < 1 || port > 65535) {
        fprintf(stderr, "tessera-host: --port %d: expected 1..65535\n", port);
        return 2;
    }
    struct stk_config cfg;
    stk_config_default(&cfg);
    struct in_addr ia;
    if (inet_pton(AF_INET, ip, &ia) != 1) {
        fprintf(stderr, "tessera-host: --ip %s: expected a dotted IPv4 address\n", ip);
        return 2;
    }
    cfg.ip = ntohl(ia.s_addr);
    unsigned m[6];
    if (sscanf(mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6) {
        fprintf(stderr, "tessera-host: --mac %s: expected six hex bytes\n", mac);
        return 2;
    }
    for (int i = 0; i < 6; i++)
        cfg.mac[i] = (uint8_t)m[i];
    cfg.max_conns = 4096;
    cfg.seg_pool = 1u << 20;
    cfg.max_rx_segs = 4096;
    cfg.rcv_buf = 1u << 20;

    char err[256];
    struct tap *t = tap_open(tapname, err, sizeof err);
    if (!t) {
        fprintf(stderr, "tessera-host: %s\n", err);
        return 1;
    }
    FILE *pf = NULL;
    if (pcap) {
        pf = fopen(pcap, "wb");
        if (!pf) {
            fprintf(stderr, "tessera-host: --pcap %s: %s\n", pcap, strerror(errno));
            return 1;
        }
        tap_set_pcap(t, pf, pcap_limit);
    }
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof seed, 0) != sizeof seed)
        seed = (uint64_t)now_ps();
    struct stk_driver drv;
    tap_driver(t, &drv, rnd, &seed);
    struct stk *s = stk_create(&cfg, &drv, NULL, now_ps(), err, sizeof err);
    if (!s) {
        fprintf(stderr, "tessera-host: %s\n", err);
        return 1;
    }
    tap_bind(t, s);

    struct sock_events ev;
    void *app = NULL;
    struct httpd_file *files = NULL;
    unsigned nfiles = 0;
    if (mode == HTTP) {
        if (load_dir(dir, &files, &nfiles) != 0)
            return 1;
        app = httpd_create(files, nfiles);
        ev = httpd_events();
    } else if (mode == ECHO) {
        app = echo_create();
        ev = echo_events();
    } else {
        struct netpipe_config nc = {0, 0, 0};
        app = netpipe_create(&nc);
        ev = netpipe_events();
    }
    struct sock_rtc *rtc = sock_rtc_create(&s, 1, &ev, app);
    struct sock *k = sock_rtc_sock(rtc);
    int rc = mode == HTTP ? httpd_start(app, k, 1, (uint16_t)port, 1024)
           : mode == ECHO ? echo_start(app, k, 1, (uint16_t)port, 1024)
                          : netpipe_start(app, k, 1, (uint16_t)port, 1024);
    if (rc) {
        fprintf(stderr, "tessera-host: listen on %d: %s\n", port, strerror(-rc));
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    fprintf(stderr, "tessera-host: %s on %s port %d\n", ip, tapname, port);
    stk_time_t end = seconds > 0 ? now_ps() + (stk_time_t)(seconds * 1e12) : STK_NEVER;
    while (!stop_flag) {
        stk_time_t now = now_ps();
        if (now >= end)
            break;
        stk_time_t due = stk_poll_at(s);
        int timeout = 100;
        if (due != STK_NEVER) {
            stk_time_t ms = due > now ? (due - now + STK_MS - 1) / STK_MS : 0;
            if (ms < (stk_time_t)timeout)
                timeout = (int)ms;
        }
        struct pollfd p = {tap_fd(t), POLLIN, 0};
        int n = poll(&p, 1, timeout);
        now = now_ps();
        if (n > 0) {
            int r = tap_poll_rx(t, now);
            if (r < 0) {
                fprintf(stderr, "tessera-host: read: %s\n", strerror(-r));
                break;
            }
        }
        stk_poll(s, now);
    }
    for (unsigned i = 0; stk_counter_name(i); i++)
        if (stk_counter_value(s, i))
            fprintf(stderr, "stk.%s %llu\n", stk_counter_name(i), (unsigned long long)stk_counter_value(s, i));
    if (mode == HTTP) {
        const struct httpd_stats *h = httpd_stats(app);
        fprintf(stderr, "httpd.requests %llu 200:%llu 400:%llu 404:%llu\n", (unsigned long long)h->requests,
                (unsigned long long)h->r200, (unsigned long long)h->r400, (unsigned long long)h->r404);
    } else if (mode == NETPIPE) {
        const struct netpipe_stats *np = netpipe_stats(app);
        fprintf(stderr, "netpipe.completed %llu sizes %llu errors %llu\n", (unsigned long long)np->completed,
                (unsigned long long)np->sizes_done, (unsigned long long)np->protocol_errors);
    } else {
        fprintf(stderr, "echo.bytes %llu\n", (unsigned long long)echo_stats(app)->bytes);
    }
    if (pf)
        fclose(pf);
    sock_rtc_destroy(rtc);
    if (mode == HTTP)
        httpd_destroy(app);
    else if (mode == ECHO)
        echo_destroy(app);
    else
        netpipe_destroy(app);
    stk_destroy(s);
    tap_close(t);
    for (unsigned i = 0; i < nfiles; i++) {
        free((void *)files[i].path);
        free((void *)files[i].data);
    }
    free(files);
    return 0;
}
