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
 *
 * Impairment (tap_set_impair, docs/impairments.md): frames the stack sends
 * ("out") and frames read from the device ("in") each go through a queue of
 * nic/host/impair.h. An impaired direction costs a copy per frame (in: the
 * frame is read, copied into the queue, and copied into a receive buffer
 * when it is due); a direction left unimpaired is the path above, with no
 * copy. The pcap shows the stack's side: out frames when the stack sends
 * them, in frames when they reach the stack.
 */
#ifndef TESSERA_NIC_HOST_TAP_H
#define TESSERA_NIC_HOST_TAP_H

#include "nic/host/impair.h"
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

/* Impairs the frames of each direction whose spec is active (NULL or all
 * zero: that direction as before), drawing from (seed, 1) for out and
 * (seed, 2) for in. Out frames are stamped with the `now` of the last
 * tap_poll_rx or tap_impair_poll: call tap_impair_poll before stk_poll.
 * Call before any traffic. Returns 0 or -ENOMEM. */
int tap_set_impair(struct tap *t, const struct impair_spec *out, const struct impair_spec *in,
                   uint64_t seed);
/* tap_set_impair with the specs and seed of a program's --impair flags
 * (impair_option, directions "out" and "in"); desc gets "seed N out: SPEC;
 * in: SPEC" when a direction is impaired, "" when none is. */
int tap_set_impair_opts(struct tap *t, const struct impair_opts *o, char *desc, size_t desclen);
/* Notes `now` and releases the impaired frames due by then (out: written to
 * the device; in: into the stack). Returns frames released. */
int tap_impair_poll(struct tap *t, stk_time_t now);
/* When the next impaired frame is due: STK_NEVER when none is held. */
stk_time_t tap_impair_next_due(const struct tap *t);
/* The impairment's counters, "impair.out.NAME N" and "impair.in.NAME N" a
 * line (nothing for a direction not impaired). */
void tap_print_impair(const struct tap *t, FILE *f);

struct tap_counters {
    uint64_t rx_frames, tx_frames, tx_errors, rx_bufs_allocated;
    uint64_t rx_dropped; /* impaired in-frames that found no receive buffer (out of memory) */
};
const struct tap_counters *tap_counters(const struct tap *t);

#endif
