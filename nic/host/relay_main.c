/* nic/host/relay_main.c: tessera-relay, an Ethernet relay between two TAP
 * devices through the impairments of nic/host/impair.h, one queue a
 * direction, so Linux can talk to Linux through exactly what tessera-host's
 * driver does to the stack (docs/impairments.md, scripts/impair-table.sh).
 *
 *   tessera-relay --tap-a IF --tap-b IF [--impair SPEC] [--impair-a2b SPEC]
 *                 [--impair-b2a SPEC] [--impair-seed N] [--seconds S]
 *
 * Every frame read from A is written to B and the other way round, as it
 * is (no learning, no filtering): the two devices' Linux sides see one
 * Ethernet segment. b2a draws from stream 1 and a2b from stream 2 of the
 * seed, the streams of tessera-host's out and in: with the server behind B,
 * the server's n-th frame meets the same decisions in both set-ups.
 *
 * The devices are opened in the relay's network namespace and may be moved
 * to others afterwards (ip link set tapB netns NS2): the open descriptor
 * follows the device (tests/linux/impair.sh does this). Runs until
 * SIGINT/SIGTERM (or S seconds), then prints its counters to stderr. Host
 * time (CLOCK_MONOTONIC) drives the releases; the loop sleeps in ppoll until
 * a frame or the next release.
 */
#include "nic/host/impair.h"
#include "nic/host/tap.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) {
    (void)sig;
    stop_flag = 1;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One direction: frames read from `from`, written to `to`. */
struct dir {
    const char *name;
    int from, to;
    struct impair *q; /* NULL: not impaired */
    uint64_t read, written, write_errors;
};

static int usage(void) {
    fprintf(stderr,
            "usage: tessera-relay --tap-a IF --tap-b IF [--impair SPEC] [--impair-a2b SPEC]\n"
            "                     [--impair-b2a SPEC] [--impair-seed N] [--seconds S]\n"
            "                     (SPEC: docs/impairments.md)\n");
    return 2;
}

static void deliver(void *ctx, const uint8_t *frame, size_t len) {
    struct dir *d = ctx;
    if (write(d->to, frame, len) == (ssize_t)len)
        d->written++;
    else
        d->write_errors++;
}

/* Reads every frame available on d->from: straight to d->to, or into the
 * queue. Returns 0, or -errno on a device error. */
static int pump(struct dir *d, uint8_t *buf, size_t cap) {
    for (;;) {
        ssize_t n = read(d->from, buf, cap);
        if (n <= 0) return n < 0 && errno != EAGAIN && errno != EINTR ? -errno : 0;
        d->read++;
        if (d->q)
            impair_submit(d->q, now_ns(), buf, (size_t)n);
        else
            deliver(d, buf, (size_t)n);
    }
}

struct relay_opts {
    const char *tap_a, *tap_b;
    double seconds;
    struct impair_opts impair;
};

static int parse_options(int argc, char **argv, struct relay_opts *o) {
    *o = (struct relay_opts){0};
    impair_opts_init(&o->impair);
    static const char *const dirs[2] = {"a2b", "b2a"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        char err[256];
        int took = impair_option(argc, argv, &i, dirs, &o->impair, err, sizeof err);
        if (took < 0) {
            fprintf(stderr, "tessera-relay: %s\n", err);
            return 2;
        }
        if (took) continue;
        if (!strcmp(a, "--tap-a") && v)
            o->tap_a = argv[++i];
        else if (!strcmp(a, "--tap-b") && v)
            o->tap_b = argv[++i];
        else if (!strcmp(a, "--seconds") && v) {
            char *end;
            o->seconds = strtod(argv[++i], &end);
            if (end == v || *end || !(o->seconds >= 0)) {
                fprintf(stderr, "tessera-relay: --seconds %s: expected a number of seconds >= 0\n",
                        v);
                return 2;
            }
        } else
            return usage();
    }
    if (!o->tap_a || !o->tap_b) return usage();
    if (!strcmp(o->tap_a, o->tap_b)) {
        fprintf(stderr, "tessera-relay: --tap-a and --tap-b name the same device %s\n", o->tap_a);
        return 2;
    }
    return 0;
}

static void run(struct dir d[2], int fa, int fb, double seconds) {
    size_t cap = 65536;
    uint8_t *buf = malloc(cap);
    if (!buf) return;
    uint64_t end = seconds > 0 ? now_ns() + (uint64_t)(seconds * 1e9) : UINT64_MAX;
    while (!stop_flag) {
        uint64_t now = now_ns();
        if (now >= end) break;
        uint64_t due = end;
        for (int k = 0; k < 2; k++)
            if (d[k].q && impair_next_due(d[k].q) < due) due = impair_next_due(d[k].q);
        uint64_t wait = due > now ? due - now : 0;
        if (wait > 100000000ull) wait = 100000000ull;
        struct timespec ts = {(time_t)(wait / 1000000000ull), (long)(wait % 1000000000ull)};
        struct pollfd p[2] = {{fa, POLLIN, 0}, {fb, POLLIN, 0}};
        int n = ppoll(p, 2, &ts, NULL);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "tessera-relay: ppoll: %s\n", strerror(errno));
            break;
        }
        bool failed = false;
        for (int k = 0; k < 2 && n > 0; k++) {
            if (!(p[k].revents & (POLLIN | POLLERR | POLLHUP))) continue;
            int r = pump(&d[k], buf, cap);
            if (r < 0) {
                fprintf(stderr, "tessera-relay: read (%s): %s\n", d[k].name, strerror(-r));
                failed = true;
            }
        }
        if (failed) break;
        now = now_ns();
        for (int k = 0; k < 2; k++)
            if (d[k].q) impair_pop_due(d[k].q, now, deliver, &d[k]);
    }
    free(buf);
}

int main(int argc, char **argv) {
    struct relay_opts o;
    int rc = parse_options(argc, argv, &o);
    if (rc) return rc;
    char err[256];
    struct tap *ta = tap_open(o.tap_a, err, sizeof err), *tb = NULL;
    if (ta) tb = tap_open(o.tap_b, err, sizeof err);
    if (!ta || !tb) {
        fprintf(stderr, "tessera-relay: %s\n", err);
        tap_close(ta);
        return 1;
    }
    int fa = tap_fd(ta), fb = tap_fd(tb);
    struct dir d[2] = {{.name = "a2b", .from = fa, .to = fb},
                       {.name = "b2a", .from = fb, .to = fa}};
    /* b2a: stream 1 (tessera-host's out), a2b: stream 2 (its in) */
    const uint64_t stream[2] = {2, 1};
    char fmt[2][256];
    for (int k = 0; k < 2; k++) {
        struct impair_spec sp = impair_opts_spec(&o.impair, k);
        impair_format(&sp, fmt[k], sizeof fmt[k]);
        if (impair_active(&sp) && !(d[k].q = impair_create(&sp, o.impair.seed, stream[k]))) {
            fprintf(stderr, "tessera-relay: out of memory for the impairment queues\n");
            return 1;
        }
    }
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL); /* releases on time (default: 50 us late) */
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    fprintf(stderr, "tessera-relay: %s <-> %s (seed %llu) a2b: %s; b2a: %s\n", o.tap_a, o.tap_b,
            (unsigned long long)o.impair.seed, fmt[0], fmt[1]);
    run(d, fa, fb, o.seconds);
    for (int k = 0; k < 2; k++) {
        fprintf(stderr, "relay.%s.read %llu\nrelay.%s.written %llu\nrelay.%s.write_errors %llu\n",
                d[k].name, (unsigned long long)d[k].read, d[k].name,
                (unsigned long long)d[k].written, d[k].name, (unsigned long long)d[k].write_errors);
        char prefix[32];
        snprintf(prefix, sizeof prefix, "impair.%s", d[k].name);
        if (d[k].q) impair_print_counters(d[k].q, stderr, prefix);
        impair_destroy(d[k].q);
    }
    tap_close(ta);
    tap_close(tb);
    return 0;
}
