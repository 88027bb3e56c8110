/* nic/host/tap.h: a Linux TAP device as the driver of one stack instance, so the
 * stack answers as a real host (recipe in facts/workloads.md: the stack opens
 * /dev/net/tun with IFF_TAP | IFF_NO_PI inside a network namespace).
 *
 * Receive buffers come from a free list grown on demand (each holds a frame
 * of the device's MTU as it was at tap_open, plus the Ethernet header and a
 * VLAN tag, at least 2 KiB; never shrunk) because the zero-copy stack may
 * hold them until the application calls recv_done. Set a jumbo MTU on the
 * device before tap_open. Transmit is one writev per frame (the gather
 * list as is: the kernel does the copy that a NIC's DMA would). TAP frames
 * carry complete checksums and no TSO, so no offload flags are needed.
 * Errors are returned as negative errno values with a message.
 */
#ifndef TESSERA_NIC_HOST_TAP_H
#define TESSERA_NIC_HOST_TAP_H

#include "stack/stk.h"

#include <stdio.h>

struct tap;

/* Opens (or attaches to) TAP device `ifname`. */
struct tap *tap_open(const char *ifname, char *err, size_t errlen);
void tap_close(struct tap *t);
int tap_fd(const struct tap *t);
/* The device's MTU when it was opened (1500 if it could not be read). */
unsigned tap_mtu(const struct tap *t);
/* Driver callbacks for stk_create (random: the caller's). */
void tap_driver(struct tap *t, struct stk_driver *d, uint32_t (*random_fn)(void *ctx),
                void *random_ctx);
void tap_bind(struct tap *t, struct stk *s);
/* Reads every frame available now into the stack; returns frames read or a
 * negative errno. */
int tap_poll_rx(struct tap *t, stk_time_t now);
/* Writes every frame, both directions, to a pcap file (NULL: stop), up to
 * `limit` bytes of file (0: no limit); later frames are not captured. */
void tap_set_pcap(struct tap *t, FILE *f, uint64_t limit);

struct tap_counters {
    uint64_t rx_frames, tx_frames, tx_errors, rx_bufs_allocated;
};
const struct tap_counters *tap_counters(const struct tap *t);

#endif
