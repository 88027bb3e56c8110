/* stack/ip.c: Ethernet II, ARP, IPv4 and ICMP echo for one instance (ip.h). */
#include "stack/ip.h"
#include "stack/cksum.h"

#include <string.h>

static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* ---- ARP ---- */

static struct stk_arp_entry *arp_find(struct stk *s, uint32_t ip) {
    for (unsigned i = 0; i < STK_ARP_ENTRIES; i++)
        if (s->arp[i].valid && s->arp[i].ip == ip) return &s->arp[i];
    return NULL;
}

static void arp_learn(struct stk *s, uint32_t ip, const uint8_t mac[6], bool is_static) {
    struct stk_arp_entry *e = arp_find(s, ip);
    if (e && e->is_static && !is_static) return;
    if (!e) {
        /* Round-robin replacement among dynamic entries. */
        for (unsigned k = 0; k < STK_ARP_ENTRIES; k++) {
            struct stk_arp_entry *x = &s->arp[(s->arp_next + k) % STK_ARP_ENTRIES];
            if (!x->valid || !x->is_static) {
                e = x;
                s->arp_next = (s->arp_next + k + 1) % STK_ARP_ENTRIES;
                break;
            }
        }
        if (!e) return;
    }
    e->ip = ip;
    memcpy(e->mac, mac, 6);
    e->valid = true;
    e->is_static = is_static;
}

void ip_arp_add_static(struct stk *s, uint32_t ip, const uint8_t mac[6]) {
    arp_learn(s, ip, mac, true);
}

bool ip_arp_lookup(struct stk *s, uint32_t ip, uint8_t mac[6]) {
    struct stk_arp_entry *e = arp_find(s, ip);
    if (!e) return false;
    memcpy(mac, e->mac, 6);
    return true;
}

static void eth_send(struct stk *s, const uint8_t *dmac, uint16_t type, unsigned niov,
                     size_t total) {
    memcpy(s->hdr, dmac, 6);
    memcpy(s->hdr + 6, s->cfg.mac, 6);
    wr16(s->hdr + 12, type);
    s->ctr.tx_frames++;
    s->ctr.tx_bytes += total;
    s->drv.output(s->drv.ctx, s->iov, niov, total);
}

static void arp_send(struct stk *s, uint16_t op, const uint8_t *dmac, const uint8_t *tha,
                     uint32_t tpa) {
    uint8_t *a = s->hdr + STK_ETH_HLEN;
    wr16(a, 1);
    wr16(a + 2, 0x0800);
    a[4] = 6;
    a[5] = 4;
    wr16(a + 6, op);
    memcpy(a + 8, s->cfg.mac, 6);
    wr32(a + 14, s->cfg.ip);
    memcpy(a + 18, tha, 6);
    wr32(a + 24, tpa);
    memset(a + 28, 0, 18); /* pad to the 60-byte minimum frame */
    s->iov[0].base = s->hdr;
    s->iov[0].len = STK_ETH_HLEN + 46;
    eth_send(s, dmac, 0x0806, 1, STK_ETH_HLEN + 46);
}

/* An ARP reply for us reports its sender as resolved (IP_RX_NEIGHBOUR). */
static enum ip_rx_kind arp_input(struct stk *s, const uint8_t *a, size_t len, struct ip_rx *rx) {
    s->ctr.arp_rx++;
    if (len < 28 || rd16(a) != 1 || rd16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4) {
        s->ctr.arp_bad++;
        return IP_RX_NONE;
    }
    uint16_t op = rd16(a + 6);
    uint32_t spa = rd32(a + 14), tpa = rd32(a + 24);
    if (tpa != s->cfg.ip) return IP_RX_NONE;
    if (spa != 0 && !(a[8] & 1)) arp_learn(s, spa, a + 8, false);
    if (op == 1) {
        s->ctr.arp_requests_answered++;
        arp_send(s, 2, a + 8, a + 8, spa);
    } else if (op == 2) {
        s->ctr.arp_replies_learned++;
        rx->src = spa;
        return IP_RX_NEIGHBOUR;
    } else {
        s->ctr.arp_bad++;
    }
    return IP_RX_NONE;
}

/* ---- IPv4 ---- */

bool ip_output(struct stk *s, uint8_t proto, uint32_t dst, const uint8_t *dmac, size_t l4len,
               unsigned npay) {
    uint8_t mac[6];
    if (!dmac) {
        uint32_t hop =
            ((dst ^ s->cfg.ip) & s->cfg.netmask) == 0 || s->cfg.gateway == 0 ? dst : s->cfg.gateway;
        if (!ip_arp_lookup(s, hop, mac)) {
            s->ctr.arp_no_neighbour_drop++;
            if (!s->cfg.arp_static_only) {
                static const uint8_t zero[6] = {0};
                s->ctr.arp_requests_sent++;
                arp_send(s, 1, bcast_mac, zero, hop);
            }
            return false;
        }
        dmac = mac;
    }
    size_t pay = 0;
    for (unsigned i = 1; i <= npay; i++) pay += s->iov[i].len;
    uint8_t *ip = s->hdr + STK_ETH_HLEN;
    uint8_t *l4 = ip + STK_IP_HLEN;
    size_t iplen = STK_IP_HLEN + l4len + pay;
    ip[0] = 0x45;
    ip[1] = 0;
    wr16(ip + 2, (uint16_t)iplen);
    wr16(ip + 4, 0);
    wr16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = proto;
    wr16(ip + 10, 0);
    wr32(ip + 12, s->cfg.ip);
    wr32(ip + 16, dst);
    unsigned csum_off = proto == 6 ? 16 : 2;
    wr16(l4 + csum_off, 0);
    if (!s->cfg.tx_csum_offload) {
        wr16(ip + 10, cksum_buf(ip, STK_IP_HLEN));
        struct cksum c;
        cksum_init(&c);
        if (proto == 6) {
            cksum_add32(&c, s->cfg.ip);
            cksum_add32(&c, dst);
            cksum_add16(&c, 6);
            cksum_add16(&c, (uint16_t)(l4len + pay));
        }
        cksum_add(&c, l4, l4len);
        for (unsigned i = 1; i <= npay; i++) cksum_add(&c, s->iov[i].base, s->iov[i].len);
        wr16(l4 + csum_off, cksum_finish(&c));
    }
    s->iov[0].base = s->hdr;
    s->iov[0].len = STK_ETH_HLEN + STK_IP_HLEN + l4len;
    size_t total = STK_ETH_HLEN + iplen;
    /* Pad short frames to the Ethernet minimum (60 bytes without FCS). */
    static const uint8_t pad[60] = {0};
    unsigned n = npay + 1;
    if (total < 60) {
        s->iov[n].base = pad;
        s->iov[n].len = 60 - total;
        n++;
        total = 60;
    }
    eth_send(s, dmac, 0x0800, n, total);
    return true;
}

static void icmp_input(struct stk *s, const uint8_t *ip, uint32_t src, const uint8_t *p,
                       size_t len) {
    (void)ip;
    s->ctr.icmp_rx++;
    if (len < 8) {
        s->ctr.icmp_runt++;
        return;
    }
    if (!s->cfg.rx_csum_offload && cksum_buf(p, len) != 0) {
        s->ctr.icmp_bad_checksum++;
        return;
    }
    if (p[0] != 8 || p[1] != 0) {
        s->ctr.icmp_other++;
        return;
    }
    uint8_t *h = s->hdr + STK_ETH_HLEN + STK_IP_HLEN;
    h[0] = 0;
    h[1] = 0;
    memcpy(h + 4, p + 4, 4); /* identifier, sequence */
    s->iov[1].base = p + 8;
    s->iov[1].len = len - 8;
    if (ip_output(s, 1, src, NULL, 8, 1)) s->ctr.icmp_echo_replied++;
}

/* A TCP segment for us is handed back (IP_RX_TCP); ICMP is answered here. */
static enum ip_rx_kind ipv4_input(struct stk *s, const uint8_t *ip, size_t len, struct ip_rx *rx) {
    s->ctr.ip_rx++;
    if (len < STK_IP_HLEN || (ip[0] >> 4) != 4) {
        s->ctr.ip_bad_version++;
        return IP_RX_NONE;
    }
    size_t hl = (size_t)(ip[0] & 15) * 4;
    if (hl < STK_IP_HLEN || hl > len) {
        s->ctr.ip_bad_header_len++;
        return IP_RX_NONE;
    }
    size_t tot = rd16(ip + 2);
    if (tot < hl || tot > len) {
        s->ctr.ip_bad_total_len++;
        return IP_RX_NONE;
    }
    if (!s->cfg.rx_csum_offload && cksum_buf(ip, hl) != 0) {
        s->ctr.ip_bad_checksum++;
        return IP_RX_NONE;
    }
    if (rd16(ip + 6) & 0x3fff) {
        s->ctr.ip_fragment_drop++;
        return IP_RX_NONE;
    }
    uint32_t src = rd32(ip + 12), dst = rd32(ip + 16);
    if (dst != s->cfg.ip) {
        s->ctr.ip_not_for_us++;
        return IP_RX_NONE;
    }
    if (hl > STK_IP_HLEN) s->ctr.ip_options++; /* options are skipped, not interpreted */
    const uint8_t *p = ip + hl;
    size_t plen = tot - hl;
    switch (ip[9]) {
    case 1: icmp_input(s, ip, src, p, plen); break;
    case 6:
        rx->src = src;
        rx->dst = dst;
        rx->l4 = p;
        rx->l4len = plen;
        return IP_RX_TCP;
    default: s->ctr.ip_unknown_proto++; break;
    }
    return IP_RX_NONE;
}

enum ip_rx_kind ip_frame_input(struct stk *s, const struct stk_rxbuf *buf, struct ip_rx *rx) {
    const uint8_t *f = buf->data;
    size_t len = buf->len;
    if (len < STK_ETH_HLEN) {
        s->ctr.eth_runt++;
    } else if (memcmp(f, s->cfg.mac, 6) != 0 && memcmp(f, bcast_mac, 6) != 0) {
        s->ctr.eth_not_for_us++;
    } else {
        uint16_t type = rd16(f + 12);
        if (type == 0x0806)
            return arp_input(s, f + STK_ETH_HLEN, len - STK_ETH_HLEN, rx);
        else if (type == 0x0800)
            return ipv4_input(s, f + STK_ETH_HLEN, len - STK_ETH_HLEN, rx);
        else
            s->ctr.eth_unknown_type++;
    }
    return IP_RX_NONE;
}
