/* nic/eth_pkt.c: header parsing, checksums, frame builder. See eth_pkt.h. */
#include "nic/eth_pkt.h"

#include <string.h>

enum eth_parse_status eth_parse(const uint8_t *f, size_t len, struct eth_parsed *p) {
    memset(p, 0, sizeof *p);
    if (len < ETH_HDR_BYTES) return ETH_PARSE_RUNT;
    size_t off = 12;
    uint16_t type = eth_get16(f + off);
    off += 2;
    if (type == ETH_TYPE_VLAN) {
        if (len < off + 4) return ETH_PARSE_RUNT;
        type = eth_get16(f + off + 2);
        off += 4;
    }
    p->ethertype = type;
    p->l3_off = (uint16_t)off;
    if (type != ETH_TYPE_IPV4) return ETH_PARSE_OK;

    const uint8_t *ip = f + off;
    if (len < off + 20) return ETH_PARSE_BAD_IP;
    unsigned version = ip[0] >> 4, ihl = (ip[0] & 0x0fu) * 4u;
    uint16_t total = eth_get16(ip + 2);
    if (version != 4 || ihl < 20 || total < ihl || len < off + ihl || len < off + total)
        return ETH_PARSE_BAD_IP;
    p->is_ipv4 = true;
    p->ip_total = total;
    p->proto = ip[9];
    p->src_ip = eth_get32(ip + 12);
    p->dst_ip = eth_get32(ip + 16);
    uint16_t frag = eth_get16(ip + 6);
    p->is_fragment = (frag & 0x3fffu) != 0; /* MF set or offset != 0 */
    bool csum_ok = eth_csum_finish(eth_csum_add(0, ip, ihl)) == 0;

    size_t l4 = off + ihl, l4_len = total - ihl;
    if (!p->is_fragment) {
        if (p->proto == IP_PROTO_TCP && l4_len >= 20) {
            unsigned doff = (f[l4 + 12] >> 4) * 4u;
            if (doff >= 20 && doff <= l4_len) {
                p->is_tcp = true;
            }
        } else if (p->proto == IP_PROTO_UDP && l4_len >= 8 && eth_get16(f + l4 + 4) <= l4_len &&
                   eth_get16(f + l4 + 4) >= 8) {
            p->is_udp = true;
        }
        if (p->is_tcp || p->is_udp) {
            p->l4_off = (uint16_t)l4;
            p->l4_len = (uint16_t)l4_len;
            p->src_port = eth_get16(f + l4);
            p->dst_port = eth_get16(f + l4 + 2);
        }
    }
    return csum_ok ? ETH_PARSE_OK : ETH_PARSE_BAD_IP_CSUM;
}

/* The one's complement sum does not depend on the order of the bytes in
 * its words (RFC 1071 2(B)): the data is summed as the host's little-endian
 * 64-bit words, 32 bits at a time into a 64-bit accumulator (the NIC sums
 * every frame it sends: two bytes at a time cost 2% of the host's time per
 * simulated request), folded to 16 bits and swapped to network order. The
 * result is congruent to the big-endian word sum modulo 0xffff, and zero
 * only when it is: every fold to 16 bits gives the same checksum. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "eth_csum_add sums little-endian words");

uint32_t eth_csum_add(uint32_t sum, const void *data, size_t len) {
    const uint8_t *b = data;
    uint64_t s = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, sizeof w);
        s += (w & 0xffffffffu) + (w >> 32);
    }
    for (; i + 1 < len; i += 2) s += (uint32_t)(b[i] | b[i + 1] << 8);
    if (i < len) s += b[i]; /* the odd byte: the high byte of a network-order word */
    while (s >> 16) s = (s & 0xffffu) + (s >> 16);
    uint64_t t = (uint64_t)sum + __builtin_bswap16((uint16_t)s);
    while (t >> 32) t = (t & 0xffffffffu) + (t >> 32);
    return (uint32_t)t;
}

static uint16_t fold(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)sum;
}

uint16_t eth_csum_finish(uint32_t sum) { return (uint16_t)~fold(sum); }

uint32_t eth_csum_pseudo(uint32_t src_ip, uint32_t dst_ip, uint8_t proto, uint16_t l4_len) {
    uint64_t s =
        (src_ip >> 16) + (src_ip & 0xffffu) + (dst_ip >> 16) + (dst_ip & 0xffffu) + proto + l4_len;
    while (s >> 32) s = (s & 0xffffffffu) + (s >> 32);
    return (uint32_t)s;
}

bool eth_l4_csum_ok(const uint8_t *f, const struct eth_parsed *p, uint16_t *sum_out) {
    if (!p->is_tcp && !p->is_udp) {
        if (sum_out) *sum_out = 0;
        return false;
    }
    uint32_t s = eth_csum_pseudo(p->src_ip, p->dst_ip, p->proto, p->l4_len);
    s = eth_csum_add(s, f + p->l4_off, p->l4_len);
    uint16_t folded = fold(s);
    if (sum_out) *sum_out = folded;
    if (p->is_udp && eth_get16(f + p->l4_off + 6) == 0) return true;
    return folded == 0xffffu;
}

size_t eth_build_header_bytes(uint8_t proto) {
    return ETH_HDR_BYTES + 20u + (proto == IP_PROTO_TCP ? 20u : 8u);
}

size_t eth_build(uint8_t *buf, size_t cap, const struct eth_flow *fl,
                 const struct eth_tcp_fields *tcp, const void *payload, size_t plen,
                 uint16_t ip_id) {
    size_t l4h = fl->proto == IP_PROTO_TCP ? 20u : 8u;
    size_t total = 20u + l4h + plen, flen = ETH_HDR_BYTES + total;
    if (total > 65535u || flen > cap) return 0;
    memcpy(buf, fl->dst_mac, 6);
    memcpy(buf + 6, fl->src_mac, 6);
    eth_put16(buf + 12, ETH_TYPE_IPV4);
    uint8_t *ip = buf + ETH_HDR_BYTES;
    ip[0] = 0x45;
    ip[1] = 0;
    eth_put16(ip + 2, (uint16_t)total);
    eth_put16(ip + 4, ip_id);
    eth_put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = fl->proto;
    eth_put16(ip + 10, 0);
    eth_put32(ip + 12, fl->src_ip);
    eth_put32(ip + 16, fl->dst_ip);
    eth_put16(ip + 10, eth_csum_finish(eth_csum_add(0, ip, 20)));
    uint8_t *l4 = ip + 20;
    eth_put16(l4, fl->src_port);
    eth_put16(l4 + 2, fl->dst_port);
    if (fl->proto == IP_PROTO_TCP) {
        struct eth_tcp_fields def = {.seq = 1, .ack = 0, .flags = 0x18, .window = 65535};
        if (!tcp) tcp = &def;
        eth_put32(l4 + 4, tcp->seq);
        eth_put32(l4 + 8, tcp->ack);
        l4[12] = 5u << 4;
        l4[13] = tcp->flags;
        eth_put16(l4 + 14, tcp->window);
        eth_put16(l4 + 16, 0);
        eth_put16(l4 + 18, 0);
    } else {
        eth_put16(l4 + 4, (uint16_t)(8u + plen));
        eth_put16(l4 + 6, 0);
    }
    if (plen) memcpy(l4 + l4h, payload, plen);
    uint32_t s = eth_csum_pseudo(fl->src_ip, fl->dst_ip, fl->proto, (uint16_t)(l4h + plen));
    uint16_t c = eth_csum_finish(eth_csum_add(s, l4, l4h + plen));
    if (fl->proto == IP_PROTO_UDP && c == 0) c = 0xffff;
    eth_put16(l4 + (fl->proto == IP_PROTO_TCP ? 16 : 6), c);
    return flen;
}
