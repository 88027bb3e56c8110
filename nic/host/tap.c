#include "nic/host/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

/* Receive buffers hold one frame of the device's MTU plus the Ethernet
 * header and a VLAN tag; never less than a standard frame's 2 KiB. */
#define FRAME_OVERHEAD (14 + 4)
#define FRAME_MIN 2048

struct rxb {
    struct stk_rxbuf b; /* first */
    struct rxb *next;
    uint8_t data[]; /* frame_max bytes */
};

struct tap {
    int fd;
    unsigned mtu;     /* the device's, when opened */
    size_t frame_max; /* receive buffer size */
    struct stk *s;
    struct rxb *free;
    FILE *pcap;
    uint64_t pcap_left;
    struct tap_counters ctr;
    uint32_t (*random_fn)(void *);
    void *random_ctx;
    struct impair *imp_out, *imp_in; /* NULL: not impaired */
    stk_time_t now;                  /* of the last tap_poll_rx / tap_impair_poll */
};

struct tap *tap_open(const char *ifname, char *err, size_t errlen) {
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "tap: open /dev/net/tun: %s", strerror(errno));
        return NULL;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        snprintf(err, errlen, "tap: TUNSETIFF %s: %s", ifname, strerror(errno));
        close(fd);
        return NULL;
    }
    struct tap *t = calloc(1, sizeof *t);
    if (!t) {
        close(fd);
        snprintf(err, errlen, "tap: out of memory");
        return NULL;
    }
    t->fd = fd;
    /* The device's MTU (ip link set tap0 mtu 9000 before starting). */
    t->mtu = 1500;
    int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sk >= 0) {
        struct ifreq mr;
        memset(&mr, 0, sizeof mr);
        snprintf(mr.ifr_name, IFNAMSIZ, "%s", ifname);
        if (ioctl(sk, SIOCGIFMTU, &mr) == 0 && mr.ifr_mtu > 0) t->mtu = (unsigned)mr.ifr_mtu;
        close(sk);
    }
    t->frame_max = t->mtu + FRAME_OVERHEAD;
    if (t->frame_max < FRAME_MIN) t->frame_max = FRAME_MIN;
    return t;
}

unsigned tap_mtu(const struct tap *t) { return t->mtu; }

void tap_close(struct tap *t) {
    if (!t) return;
    while (t->free) {
        struct rxb *b = t->free;
        t->free = b->next;
        free(b);
    }
    impair_destroy(t->imp_out);
    impair_destroy(t->imp_in);
    close(t->fd);
    free(t);
}

int tap_fd(const struct tap *t) { return t->fd; }
const struct tap_counters *tap_counters(const struct tap *t) { return &t->ctr; }
void tap_set_pcap(struct tap *t, FILE *f, uint64_t limit) {
    t->pcap = f;
    t->pcap_left = limit ? limit : UINT64_MAX;
    if (f) {
        /* pcap global header: magic, v2.4, snaplen 65535, LINKTYPE_ETHERNET. */
        uint32_t h[6] = {0xa1b2c3d4u, 0x00040002u, 0, 0, 65535, 1};
        fwrite(h, sizeof h, 1, f);
    }
}

static void pcap_write(struct tap *t, const struct iovec *iov, int n, size_t total) {
    if (t->pcap_left < 16 + total) {
        t->pcap_left = 0;
        return;
    }
    t->pcap_left -= 16 + total;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    uint32_t rec[4] = {(uint32_t)tv.tv_sec, (uint32_t)tv.tv_usec, (uint32_t)total, (uint32_t)total};
    fwrite(rec, sizeof rec, 1, t->pcap);
    for (int i = 0; i < n; i++) fwrite(iov[i].iov_base, 1, iov[i].iov_len, t->pcap);
}

static void output(void *ctx, const struct stk_iov *iov, unsigned n, size_t total) {
    struct tap *t = ctx;
    struct iovec v[80];
    if (n > 80) {
        t->ctr.tx_errors++;
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        v[i].iov_base = (void *)iov[i].base;
        v[i].iov_len = iov[i].len;
    }
    if (t->pcap) pcap_write(t, v, (int)n, total);
    if (t->imp_out) {
        impair_submitv(t->imp_out, t->now / STK_NS, v, (int)n, total);
        return;
    }
    ssize_t w = writev(t->fd, v, (int)n);
    if (w != (ssize_t)total)
        t->ctr.tx_errors++;
    else
        t->ctr.tx_frames++;
}

static void rx_release(void *ctx, struct stk_rxbuf *b) {
    struct tap *t = ctx;
    struct rxb *r = (struct rxb *)(void *)b;
    r->next = t->free;
    t->free = r;
}

static uint32_t random_cb(void *ctx) {
    struct tap *t = ctx;
    return t->random_fn(t->random_ctx);
}

void tap_driver(struct tap *t, struct stk_driver *d, uint32_t (*random_fn)(void *ctx),
                void *random_ctx) {
    t->random_fn = random_fn;
    t->random_ctx = random_ctx;
    d->output = output;
    d->rx_release = rx_release;
    d->random = random_cb;
    d->ctx = t;
    d->port_ok = NULL; /* any local port */
}

void tap_bind(struct tap *t, struct stk *s) { t->s = s; }

/* A receive buffer from the free list, or a new one (NULL: no memory). */
static struct rxb *rxb_get(struct tap *t) {
    struct rxb *r = t->free;
    if (r) {
        t->free = r->next;
    } else {
        r = malloc(sizeof *r + t->frame_max);
        if (r) t->ctr.rx_bufs_allocated++;
    }
    return r;
}

/* An impaired in-frame that is due: into a receive buffer, into the stack. */
static void deliver_in(void *ctx, const uint8_t *frame, size_t len) {
    struct tap *t = ctx;
    struct rxb *r = rxb_get(t);
    if (!r) {
        t->ctr.rx_dropped++;
        return;
    }
    memcpy(r->data, frame, len);
    r->b.data = r->data;
    r->b.len = (uint32_t)len;
    r->b.refs = 0;
    if (t->pcap) {
        struct iovec v = {r->data, len};
        pcap_write(t, &v, 1, len);
    }
    stk_input(t->s, t->now, &r->b);
}

/* An impaired out-frame that is due: to the device. */
static void deliver_out(void *ctx, const uint8_t *frame, size_t len) {
    struct tap *t = ctx;
    if (write(t->fd, frame, len) != (ssize_t)len)
        t->ctr.tx_errors++;
    else
        t->ctr.tx_frames++;
}

int tap_set_impair(struct tap *t, const struct impair_spec *out, const struct impair_spec *in,
                   uint64_t seed) {
    if (out && impair_active(out) && !(t->imp_out = impair_create(out, seed, 1))) return -ENOMEM;
    if (in && impair_active(in) && !(t->imp_in = impair_create(in, seed, 2))) return -ENOMEM;
    return 0;
}

int tap_set_impair_opts(struct tap *t, const struct impair_opts *o, char *desc, size_t desclen) {
    struct impair_spec out = impair_opts_spec(o, 0), in = impair_opts_spec(o, 1);
    desc[0] = 0;
    if (impair_active(&out) || impair_active(&in)) {
        char fo[256], fi[256];
        impair_format(&out, fo, sizeof fo);
        impair_format(&in, fi, sizeof fi);
        snprintf(desc, desclen, "seed %llu out: %s; in: %s", (unsigned long long)o->seed, fo, fi);
    }
    return tap_set_impair(t, &out, &in, o->seed);
}

int tap_impair_poll(struct tap *t, stk_time_t now) {
    t->now = now;
    uint64_t ns = now / STK_NS;
    int got = 0;
    /* out, in (whose replies may be due at once), out again */
    if (t->imp_out) got += (int)impair_pop_due(t->imp_out, ns, deliver_out, t);
    if (t->imp_in) got += (int)impair_pop_due(t->imp_in, ns, deliver_in, t);
    if (t->imp_out) got += (int)impair_pop_due(t->imp_out, ns, deliver_out, t);
    return got;
}

stk_time_t tap_impair_next_due(const struct tap *t) {
    uint64_t d = IMPAIR_NEVER;
    if (t->imp_out) d = impair_next_due(t->imp_out);
    if (t->imp_in && impair_next_due(t->imp_in) < d) d = impair_next_due(t->imp_in);
    return d == IMPAIR_NEVER ? STK_NEVER : d * STK_NS;
}

void tap_print_impair(const struct tap *t, FILE *f) {
    if (t->imp_out) impair_print_counters(t->imp_out, f, "impair.out");
    if (t->imp_in) impair_print_counters(t->imp_in, f, "impair.in");
}

int tap_poll_rx(struct tap *t, stk_time_t now) {
    int got = 0;
    t->now = now;
    for (;;) {
        struct rxb *r = rxb_get(t);
        if (!r) return got ? got : -ENOMEM;
        ssize_t n = read(t->fd, r->data, t->frame_max);
        if (n <= 0) {
            r->next = t->free;
            t->free = r;
            if (n < 0 && errno != EAGAIN && errno != EINTR) return -errno;
            if (t->imp_in) impair_pop_due(t->imp_in, now / STK_NS, deliver_in, t);
            return got;
        }
        if (t->imp_in) { /* the copy waits in the queue; the buffer is free again */
            t->ctr.rx_frames++;
            impair_submit(t->imp_in, now / STK_NS, r->data, (size_t)n);
            r->next = t->free;
            t->free = r;
            got++;
            continue;
        }
        r->b.data = r->data;
        r->b.len = (uint32_t)n;
        r->b.refs = 0;
        t->ctr.rx_frames++;
        if (t->pcap) {
            struct iovec v = {r->data, (size_t)n};
            pcap_write(t, &v, 1, (size_t)n);
        }
        stk_input(t->s, now, &r->b);
        got++;
    }
}
