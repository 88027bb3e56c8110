/* workloads/tile/nic_drv.c: the stack's driver over the NIC. See nic_drv.h. */
#include "workloads/tile/nic_drv.h"

#include <string.h>

#include "stack/cksum.h"
#include "stack/rss.h"
#include "stack/stk.h"

#define ETH_HLEN 14u
#define IP_HLEN 20u

struct nic_drv_rx {
    struct stk_rxbuf b; /* first: rx_release hands back &b */
    struct nic_drv_rx *next;
    int tag;
    uint8_t stack;
};

static void drv_rx_release(void *ctx, struct stk_rxbuf *b) {
    struct nic_drv *d = ctx;
    struct nic_drv_rx *r = (struct nic_drv_rx *)b;
    tile_nic_buffer_return(d->t, r->stack, b->data);
    if (r->tag > 0) d->released(d->hook_ctx, r->tag);
    r->next = d->free_rx;
    d->free_rx = r;
}

static uint32_t drv_random(void *ctx) {
    struct nic_drv *d = ctx;
    d->rng = d->rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(d->rng >> 33);
}

/* The IPv4 header checksum in software and the device's L4 checksum
 * request (start, result offset, pseudo-header seed) for a frame whose
 * headers are at h. false: not IPv4 TCP/ICMP (nothing to offload). */
static bool offload_prepare(uint8_t *h, size_t hlen, struct tile_txd *x) {
    if (hlen < ETH_HLEN + IP_HLEN || h[12] != 0x08 || h[13] != 0x00) return false;
    uint8_t *ip = h + ETH_HLEN;
    uint16_t c = cksum_buf(ip, IP_HLEN);
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
    unsigned proto = ip[9];
    uint32_t l4len = ((uint32_t)ip[2] << 8 | ip[3]) - IP_HLEN;
    uint32_t seed = 0;
    if (proto == 6) {
        for (unsigned i = 12; i < 20; i += 2) seed += (uint32_t)ip[i] << 8 | ip[i + 1];
        seed += 6 + l4len;
        x->csum_dest = (uint16_t)(ETH_HLEN + IP_HLEN + 16);
    } else if (proto == 1) {
        x->csum_dest = (uint16_t)(ETH_HLEN + IP_HLEN + 2);
    } else {
        return false;
    }
    while (seed >> 16) seed = (seed & 0xffff) + (seed >> 16);
    x->csum = true;
    x->csum_start = (uint16_t)(ETH_HLEN + IP_HLEN);
    x->csum_seed = (uint16_t)seed;
    return true;
}

static void drv_output(void *ctx, const struct stk_iov *iov, unsigned n, size_t total) {
    struct nic_drv *d = ctx;
    struct tile *t = d->t;
    uint8_t *hdr = tile_nic_buffer_alloc(t, TILE_NIC_STACK_TX_HDR);
    if (!hdr) {
        d->st.tx_no_hdr++;
        return;
    }
    struct tile_txd x[NIC_DRV_MAX_PIECES];
    unsigned k = 0;
    size_t hlen = 0;
    unsigned first_payload = 1;
    if (total <= d->prm.hdr_bytes) { /* the whole frame, padding included */
        for (unsigned i = 0; i < n; i++) {
            memcpy(hdr + hlen, iov[i].base, iov[i].len);
            hlen += iov[i].len;
        }
        first_payload = n;
        d->st.tx_copied++;
    } else {
        if (n > NIC_DRV_MAX_PIECES || iov[0].len > d->prm.hdr_bytes) {
            tile_nic_buffer_return(t, TILE_NIC_STACK_TX_HDR, hdr);
            d->st.tx_too_many_pieces++;
            return;
        }
        memcpy(hdr, iov[0].base, iov[0].len);
        hlen = iov[0].len;
        d->st.tx_gathered++;
    }
    memset(&x[0], 0, sizeof x[0]);
    x[0].data = hdr;
    x[0].size = (uint16_t)hlen;
    x[0].hwb = true;
    x[0].stack = TILE_NIC_STACK_TX_HDR;
    if (d->prm.csum_offload) offload_prepare(hdr, hlen, &x[0]);
    k = 1;
    for (unsigned i = first_payload; i < n; i++, k++) {
        memset(&x[k], 0, sizeof x[k]);
        x[k].data = iov[i].base;
        x[k].size = (uint16_t)iov[i].len;
    }
    x[k - 1].eop = true;
    if (d->prm.elock) tile_lock_acquire(t, d->prm.elock);
    bool posted = tile_nic_post(t, d->prm.ering, x, k) == k;
    if (posted && d->prm.elock) {
        tile_nic_doorbell(t, d->prm.ering);
        d->st.doorbells++;
    }
    if (d->prm.elock) tile_lock_release(t, d->prm.elock);
    if (!posted) {
        tile_nic_buffer_return(t, TILE_NIC_STACK_TX_HDR, hdr);
        d->st.tx_ring_full++;
        return;
    }
    if (!d->prm.elock) d->pending = true;
    d->st.tx_frames++;
}

struct nic_drv *nic_drv_create(struct tile *t, const struct nic_drv_params *p) {
    if (!p->batch || p->batch > NIC_DRV_BATCH_MAX || !p->rx_descs || p->ring >= TILE_RINGS ||
        p->hdr_bytes < ETH_HLEN + IP_HLEN + 60)
        return NULL;
    struct nic_drv *d = tile_alloc(t, sizeof *d);
    struct nic_drv_rx *pool = tile_alloc(t, (size_t)p->rx_descs * sizeof *pool);
    if (!d || !pool) {
        tile_free(t, d);
        tile_free(t, pool);
        return NULL;
    }
    memset(d, 0, sizeof *d);
    d->t = t;
    d->rng = p->seed;
    d->prm = *p;
    for (unsigned i = 0; i < p->rx_descs; i++) {
        pool[i].next = d->free_rx;
        d->free_rx = &pool[i];
    }
    return d;
}

/* Would the device steer the replies of (dst_ip:dst_port -> our ip:port) to our ring? */
static bool drv_port_ok(void *ctx, uint32_t dst_ip, uint16_t dst_port, uint16_t port) {
    const struct nic_drv_params *p = &((struct nic_drv *)ctx)->prm;
    if (!p->rss_key || !p->buckets || !p->rings) return true;
    uint32_t h = stk_rss_hash4(p->rss_key, dst_ip, p->ip, dst_port, port, p->rss_symmetric);
    return (h % p->buckets) % p->rings == p->dev_ring;
}

struct stk_driver nic_drv_stk_driver(struct nic_drv *d) {
    return (struct stk_driver){drv_output, drv_rx_release, drv_random, d, drv_port_ok};
}

uint64_t nic_drv_poll(struct nic_drv *d) {
    struct tile *t = d->t;
    struct tile_pkt p[NIC_DRV_BATCH_MAX];
    uint64_t n = tile_nic_poll(t, d->prm.ring, p, d->prm.batch);
    d->st.polls++;
    if (n == 0) {
        d->st.empty_polls++;
        return 0;
    }
    for (uint64_t i = 0; i < n; i++) {
        struct nic_drv_rx *r = d->free_rx;
        if (!r) {
            tile_nic_buffer_return(t, p[i].stack, p[i].data);
            d->st.rx_no_desc++;
            continue;
        }
        if (d->prm.rx_csum_trust && (p[i].flags & (TILE_PKT_TCP | TILE_PKT_UDP)) &&
            !(p[i].flags & TILE_PKT_L4_CSUM_OK)) {
            tile_nic_buffer_return(t, p[i].stack, p[i].data);
            d->st.rx_bad_l4_csum++;
            continue;
        }
        int tag = d->admit ? d->admit(d->hook_ctx, &p[i]) : 0;
        if (tag < 0) {
            tile_nic_buffer_return(t, p[i].stack, p[i].data);
            d->st.rx_refused++;
            continue;
        }
        d->free_rx = r->next;
        r->tag = tag;
        r->b.data = p[i].data;
        r->b.len = p[i].size;
        r->b.refs = 0;
        r->stack = p[i].stack;
        d->st.rx_frames++;
        stk_input(d->s, tile_now(t), &r->b);
    }
    tile_nic_credit(t, d->prm.ring, n);
    return n;
}

void nic_drv_flush(struct nic_drv *d) {
    if (!d->pending) return;
    tile_nic_doorbell(d->t, d->prm.ering);
    d->pending = false;
    d->st.doorbells++;
}
