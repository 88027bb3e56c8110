/* nic/eth_pkt.h: Ethernet/IPv4/TCP/UDP header parsing, Internet checksums
 * and a frame builder, shared by the classifier, the egress checksum offload,
 * the pcap replay and the tests.
 *
 * What it does: eth_parse() walks L2 (one optional 802.1Q tag), L3 (IPv4
 * only; other ethertypes are passed as non-IP) and L4 (TCP, UDP) of a frame
 * held in host memory, checking what a NIC can check (header lengths, the
 * IPv4 header checksum) and never reading past `len`: a malformed frame
 * gives an error code, not a crash. eth_build() writes a complete frame with
 * correct checksums. All multi-byte header fields are big-endian on the wire;
 * the structs hold them in host order.
 *
 * Memory: no allocation; callers own every buffer. Cost: one pass over the
 * headers (parse), one pass over the segment (checksums).
 * Left out: IPv6, IP options beyond skipping them, fragments (a fragment is
 * parsed as IPv4 without L4), more than one VLAN tag.
 */
#ifndef TESSERA_NIC_ETH_PKT_H
#define TESSERA_NIC_ETH_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_HDR_BYTES 14u
#define ETH_TYPE_IPV4 0x0800u
#define ETH_TYPE_ARP 0x0806u
#define ETH_TYPE_VLAN 0x8100u
#define IP_PROTO_TCP 6u
#define IP_PROTO_UDP 17u

enum eth_parse_status {
    ETH_PARSE_OK,          /* parsed (IPv4 or not) */
    ETH_PARSE_RUNT,        /* shorter than an Ethernet header */
    ETH_PARSE_BAD_IP,      /* IPv4 header malformed: version, IHL, total length */
    ETH_PARSE_BAD_IP_CSUM, /* IPv4 header checksum wrong (fields still filled) */
};

struct eth_parsed {
    uint16_t ethertype; /* after an optional VLAN tag */
    uint16_t l3_off;    /* offset of the IP header */
    uint16_t l4_off;    /* offset of the TCP/UDP header (0 if none) */
    uint16_t l4_len;    /* TCP/UDP header + payload bytes (from the IP total length) */
    uint16_t ip_total;  /* IPv4 total length */
    bool is_ipv4, is_tcp, is_udp, is_fragment;
    uint8_t proto;
    uint32_t src_ip, dst_ip;     /* host order */
    uint16_t src_port, dst_port; /* host order; 0 if no L4 */
};

enum eth_parse_status eth_parse(const uint8_t *f, size_t len, struct eth_parsed *p);

/* Ones'-complement sum (RFC 1071) of len bytes added to sum, unfolded;
 * bytes are paired from the start of `data` (call with even-length pieces
 * except the last). */
uint32_t eth_csum_add(uint32_t sum, const void *data, size_t len);
/* Fold to 16 bits and complement: the checksum field value. */
uint16_t eth_csum_finish(uint32_t sum);
/* Sum of the TCP/UDP pseudo-header of a parsed IPv4 frame. */
uint32_t eth_csum_pseudo(uint32_t src_ip, uint32_t dst_ip, uint8_t proto, uint16_t l4_len);
/* Verify the TCP/UDP checksum of a parsed frame: true if correct (a UDP
 * checksum of 0 means "none" and is correct). *sum_out gets the folded
 * 16-bit ones'-complement sum over pseudo-header + segment (0xffff if right). */
bool eth_l4_csum_ok(const uint8_t *f, const struct eth_parsed *p, uint16_t *sum_out);

/* A flow for the builder. MACs in wire order; IPs and ports host order. */
struct eth_flow {
    uint8_t src_mac[6], dst_mac[6];
    uint32_t src_ip, dst_ip;
    uint16_t src_port, dst_port;
    uint8_t proto; /* IP_PROTO_TCP or IP_PROTO_UDP */
};

/* TCP fields for the builder (ignored for UDP). */
struct eth_tcp_fields {
    uint32_t seq, ack;
    uint8_t flags; /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 */
    uint16_t window;
};

/* Build Ethernet + IPv4 + TCP/UDP + payload into buf with correct checksums.
 * Returns the frame length (no FCS, no padding), or 0 if cap is too small or
 * the frame would exceed 65535 B of IP. */
size_t eth_build(uint8_t *buf, size_t cap, const struct eth_flow *fl,
                 const struct eth_tcp_fields *tcp, const void *payload, size_t plen,
                 uint16_t ip_id);

/* Header bytes of eth_build's frames: 14 + 20 + (20 TCP | 8 UDP). */
size_t eth_build_header_bytes(uint8_t proto);

static inline uint16_t eth_get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t eth_get32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void eth_put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void eth_put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
