/* stack/ip.h: Ethernet II, ARP, IPv4 and ICMP echo for one instance.
 *
 * What it does: ip_frame_input checks a received frame's Ethernet header,
 * answers ARP requests and ICMP echo requests itself, learns neighbours, and
 * hands what belongs to the layer above back to its caller as a result
 * (a TCP segment, or an ARP reply that resolved a neighbour); it never calls
 * up. ip_output sends an L4 header plus payload: it fills the IPv4 and
 * Ethernet headers (and the checksums unless offloaded), resolves the next
 * hop through the ARP cache (asking with a broadcast request when it is
 * unknown) and passes the gather list to the driver.
 *
 * Memory: the ARP cache is a fixed table in the instance; headers are built
 * in the instance's scratch (s->hdr, s->iov); received bytes stay in the
 * caller's buffer, which ip_frame_input neither keeps nor references.
 * Cost: O(1) per frame except an ARP cache scan (STK_ARP_ENTRIES) when a
 * next hop is looked up, and the checksums (O(bytes)) without offload.
 */
#ifndef TESSERA_STACK_IP_H
#define TESSERA_STACK_IP_H

#include "stack/stk_types.h"

enum ip_rx_kind {
    IP_RX_NONE,      /* consumed or dropped here (counted) */
    IP_RX_TCP,       /* a TCP segment for us: src, dst, l4, l4len */
    IP_RX_NEIGHBOUR, /* an ARP reply resolved src */
};

/* What ip_frame_input hands back; l4 points into the frame. */
struct ip_rx {
    uint32_t src, dst;
    const uint8_t *l4;
    size_t l4len;
};

/* Processes one received Ethernet frame. */
enum ip_rx_kind ip_frame_input(struct stk *s, const struct stk_rxbuf *buf, struct ip_rx *rx);

/* Sends the L4 header at s->hdr + 34 (l4len bytes) plus payload iovs (in
 * s->iov[1..npay]) to dst; fills IP and Ethernet headers and the L4 checksum.
 * dmac may be NULL (ARP cache). Returns false when no neighbour is known. */
bool ip_output(struct stk *s, uint8_t proto, uint32_t dst, const uint8_t *dmac, size_t l4len,
               unsigned npay);

bool ip_arp_lookup(struct stk *s, uint32_t ip, uint8_t mac[6]);
void ip_arp_add_static(struct stk *s, uint32_t ip, const uint8_t mac[6]);

#endif
