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

int tap_poll_rx(struct tap *t, stk_time_t now) {
    int got = 0;
    for (;;) {
        struct rxb *r = t->free;
        if (r) {
            t->free = r->next;
        } else {
            r = malloc(sizeof *r + t->frame_max);
            if (!r) return got ? got : -ENOMEM;
            t->ctr.rx_bufs_allocated++;
        }
        ssize_t n = read(t->fd, r->data, t->frame_max);
        if (n <= 0) {
            r->next = t->free;
            t->free = r;
            if (n < 0 && errno != EAGAIN && errno != EINTR) return -errno;
            return got;
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
