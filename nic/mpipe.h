/* nic/mpipe.h: the mPIPE-like packet engine: ingress classifier, buffer
 * stacks, load-balancer buckets, notification rings, iDMA, eDMA rings with
 * gather, checksum offload and completions. (Driver calls for tile code:
 * nic/mpipe_driver.h.)
 *
 * Ingress: a frame received on one of the device's Ethernet ports waits for
 * one of `classifiers` classifiers (a bounded FIFO, overflow dropped). A
 * classifier spends classifier_cycles on it (so the device sustains
 * classifiers x freq / classifier_cycles packets per second), then: parses
 * L2/L3/L4; drops a frame with a bad IPv4 header checksum or a malformed
 * IPv4 header; verifies the TCP/UDP checksum into the descriptor; computes
 * the Toeplitz flow hash (nic/mpipe_rss.h); picks the bucket (hash modulo
 * buckets) and, by the bucket mode, a notification ring (all rings form one
 * group); picks the smallest Rx buffer stack whose buffers hold the frame and
 * pops a buffer; the iDMA writes the frame into the buffer through the memory
 * interface and, once the write is done, the descriptor becomes visible on
 * the ring and the ring's notify callback runs. Every drop is counted by
 * cause (classifier queue full, runt, malformed IP, bad IP checksum, no
 * stack fits, no buffer, ring full, DMA error); nothing is dropped silently.
 *
 * Egress: software writes 16 B descriptors into an eDMA ring and rings the
 * doorbell; descriptors up to and including one with `eop` form a packet
 * (a header piece, typically in Tx memory, then payload pieces in
 * application memory). The eDMA engine of the ring's port gathers the
 * pieces, but only after the IO-TLB check (is_registered) passes for every
 * piece: a gather touching unregistered memory is refused, counted and
 * recorded, and its descriptors complete with an error. A chain with more
 * than edma_max_gather descriptors is refused too, with the rest of it up
 * to its eop. Checksum offload
 * sums from csum_start to the end plus csum_seed and stores the result at
 * csum_dest. The frame goes to the port when its transmit FIFO has room;
 * then the descriptors complete in ring order: buffers of `hwb` descriptors
 * go back to their stack, the ring's completion count advances and the
 * complete callback runs (so the stack can release header buffers and,
 * once acknowledged, application memory).
 *
 * Memory: the device owns its ports, rings, stacks and frames in flight.
 * Packet data lives in simulated memory reached only through struct
 * mpipe_mem_ops (the tile/cache model implements it; DMA writes land in the
 * L3 home of the lines). Buffers are carved from the Rx range and the Tx
 * range given at creation (mpipe_rx_bytes()/mpipe_tx_bytes() say how much).
 * Cost: three engine events per ingress frame (cable, classifier, notify),
 * four per egress frame (doorbell, engine, wire, cable).
 * Left out: buffer chaining for frames larger than every buffer (dropped,
 * counted), several groups of rings, pause frames, the packet timestamp
 * clock, IPv6 parsing, load balancer "prefer locality" timer mode.
 */
#ifndef TESSERA_NIC_MPIPE_H
#define TESSERA_NIC_MPIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nic/eth.h"
#include "nic/mpipe_rss.h"
#include "nic/nic_config.h"
#include "sim/kernel/clock.h"
#include "sim/kernel/engine.h"

struct json_writer;

/* Memory the DMA engines reach. addr is a simulated physical address. */
struct mpipe_mem_ops {
    /* Write len bytes issued at `now`; *done = when the data is in memory.
     * Returns 0, or -1 if the range is not memory. */
    int (*write)(void *ctx, uint64_t addr, const void *src, size_t len, sim_time_t now,
                 sim_time_t *done);
    /* Read len bytes issued at `now`; *done = when the data has arrived. */
    int (*read)(void *ctx, uint64_t addr, void *dst, size_t len, sim_time_t now, sim_time_t *done);
    /* The IO-TLB: is [addr, addr + len) registered for device access? */
    bool (*is_registered)(void *ctx, uint64_t addr, size_t len);
};

/* Ingress descriptor (64 B in hardware, facts K-mshm). */
#define MPIPE_IDESC_IPV4 0x01u
#define MPIPE_IDESC_TCP 0x02u
#define MPIPE_IDESC_UDP 0x04u
#define MPIPE_IDESC_L4_CSUM_OK 0x08u
#define MPIPE_IDESC_IP_CSUM_BAD 0x10u /* only when drop_bad_ip_csum is off */
#define MPIPE_IDESC_FRAGMENT 0x20u
struct mpipe_idesc {
    uint64_t buf_addr;     /* the frame starts here */
    uint64_t timestamp_ps; /* arrival of its last bit at the MAC */
    uint32_t size;         /* frame bytes (no FCS) */
    uint32_t flow_hash;
    uint16_t bucket;
    uint16_t ring;
    uint8_t port;
    uint8_t stack;
    uint16_t l3_off, l4_off;
    uint16_t l4_csum; /* folded ones'-complement sum, pseudo-header + segment */
    uint16_t flags;   /* MPIPE_IDESC_* */
};

/* Egress descriptor (16 B in hardware, facts K-mshm). */
struct mpipe_edesc {
    uint64_t addr;
    uint16_t size;
    bool eop;            /* last descriptor of its packet */
    bool csum;           /* checksum offload (read on a packet's first descriptor) */
    uint16_t csum_start; /* packet offset where summing starts */
    uint16_t csum_dest;  /* packet offset of the 16-bit result */
    uint16_t csum_seed;  /* initial sum (pseudo-header, prepared by software) */
    bool hwb;            /* return the buffer at addr to `stack` after the send */
    uint8_t stack;
};

enum mpipe_stack_id {
    MPIPE_STACK_SMALL,
    MPIPE_STACK_LARGE,
    MPIPE_STACK_JUMBO,
    MPIPE_STACK_TX_HDR, /* Tx header buffers (never used by ingress) */
    MPIPE_STACKS,
};

struct mpipe_stack {
    uint64_t base, buf_bytes, count;
    uint64_t *lifo; /* buffer addresses; top of stack at [top - 1] */
    uint64_t top;
    uint8_t *present; /* per buffer: 1 while in the stack */
    uint64_t pops, pushes, empty, bad_push, double_push;
};

/* One ring slot: the descriptor and when it becomes visible. */
struct mpipe_slot {
    struct mpipe_idesc d;
    sim_time_t ready_at;
};

struct mpipe_ring {
    struct mpipe_slot *slot;
    uint64_t tail;   /* next slot the device fills */
    uint64_t head;   /* next slot software takes */
    uint64_t credit; /* slots credited back; occupancy = tail - credit */
    uint64_t posted, taken, credits, bad_credit, full_drops;
};

struct mpipe_eslot {
    struct mpipe_edesc d;
};

struct mpipe_refusal {
    unsigned ring;
    uint64_t slot;
    uint64_t addr;
    uint32_t len;
    const char *reason;
};
#define MPIPE_REFUSALS_KEPT 16u

#define MPIPE_BELLS 16u
struct mpipe_ering {
    struct mpipe_eslot *slot;
    unsigned port;
    uint64_t tail;      /* next slot software writes */
    uint64_t visible;   /* doorbelled: the device may read slots < visible */
    uint64_t head;      /* next slot the engine reads */
    uint64_t completed; /* slots completed (in order) */
    bool discard;       /* refusing the rest of a too-long chain, up to its eop */
    uint64_t packets, bytes, refused, post_full, doorbells;
    /* doorbells on their way to the device (value of tail when rung) */
    uint64_t bell_upto[MPIPE_BELLS];
    uint64_t bell_head, bell_tail;
    sim_time_t bell_last_at;
};

/* A packet being gathered by a port's eDMA engine. */
struct mpipe_job {
    unsigned ring;
    uint64_t first, ndesc;
    struct eth_frame *frame; /* NULL when refused */
    sim_time_t ready_at;
};

struct mpipe_edma {
    struct mpipe_job *job; /* FIFO of edma_inflight */
    uint64_t jhead, jlen;
    sim_time_t busy_until;
    sim_event_id wake;
    sim_time_t wake_at;
    unsigned rr; /* next ring to look at */
    bool waiting_tx;
};

/* A frame waiting for a classifier. */
struct mpipe_cq_entry {
    struct eth_frame *f;
    unsigned port;
    sim_time_t arrival;
};

struct mpipe_stats {
    uint64_t rx_frames, rx_bytes, delivered;
    uint64_t drop_classifier_full, drop_runt, drop_bad_ip, drop_bad_ip_csum, drop_too_big,
        drop_no_buffer, drop_ring_full, drop_dma_error;
    uint64_t l4_csum_bad; /* delivered with the flag clear (software decides) */
    uint64_t tx_frames, tx_bytes;
    uint64_t refused_unregistered, refused_too_long, refused_oversize, refused_dma_error,
        csum_bad_offsets, bad_hwb;
    uint64_t drv_errors; /* driver calls with bad arguments */
};

/* Called when a descriptor becomes visible on ring `ring` at time t. */
typedef void (*mpipe_notify_fn)(void *ctx, unsigned ring, sim_time_t t);
/* Called when eDMA ring `ring`'s completion count advances to `completed`;
 * refused is true when the packet was refused (IO-TLB, too long). */
typedef void (*mpipe_complete_fn)(void *ctx, unsigned ring, uint64_t completed, bool refused,
                                  sim_time_t t);

struct mpipe {
    struct sim_engine *engine;
    const struct nic_config *cfg;
    struct sim_clock clk;
    uint8_t rss_key[RSS_KEY_BYTES];
    struct mpipe_rss_table rss;
    const struct mpipe_mem_ops *mem;
    void *mem_ctx;
    mpipe_notify_fn notify;
    void *notify_ctx;
    mpipe_complete_fn complete;
    void *complete_ctx;

    unsigned nports;
    struct eth_port *port;

    /* classifiers */
    uint64_t free_classifiers;
    struct mpipe_cq_entry *cq;
    uint64_t cqhead, cqlen, cqcap;
    struct mpipe_cq_entry *cp; /* frames in the classifiers, in start order */
    uint64_t cphead, cplen;
    sim_time_t classify_time;

    /* load balancer */
    unsigned nrings;
    struct mpipe_ring *ring;
    uint64_t ring_entries;
    uint64_t nbuckets;
    uint16_t *bucket_ring; /* current ring of each bucket */
    uint64_t *bucket_inflight;
    uint64_t *bucket_packets;
    unsigned rr_next;

    struct mpipe_stack stack[MPIPE_STACKS];

    /* egress */
    unsigned nerings;
    struct mpipe_ering *ering;
    struct mpipe_edma *edma; /* one per port */
    struct mpipe_refusal refusal[MPIPE_REFUSALS_KEPT];
    uint64_t nrefusals;

    struct mpipe_stats st;
};

/* Bytes of Rx / Tx memory the device's buffers need under cfg. */
uint64_t mpipe_rx_bytes(const struct nic_config *cfg);
uint64_t mpipe_tx_bytes(const struct nic_config *cfg);

/* Create the device: ports named "<name>.p<i>" (not cabled), buffers carved
 * from [rx_base, rx_base + rx_size) and [tx_base, ...). cfg and mem must
 * outlive the device. NULL and a message naming the key on a bad config. */
struct mpipe *mpipe_create(struct sim_engine *e, const struct nic_config *cfg,
                           const struct mpipe_mem_ops *mem, void *mem_ctx, uint64_t rx_base,
                           uint64_t rx_size, uint64_t tx_base, uint64_t tx_size, const char *name,
                           char *err, size_t errlen);
/* Frees frames in flight; call after the engine stops running its events. */
void mpipe_destroy(struct mpipe *m);

struct eth_port *mpipe_port(struct mpipe *m, unsigned i);
void mpipe_set_notify(struct mpipe *m, mpipe_notify_fn fn, void *ctx);
void mpipe_set_complete(struct mpipe *m, mpipe_complete_fn fn, void *ctx);
/* Send eDMA ring `ring` out of port `port` (default: ring % ports). Returns -1 on bad numbers. */
int mpipe_edma_bind(struct mpipe *m, unsigned ring, unsigned port);

/* Occupancy of notification ring r (posted and not yet credited). */
uint64_t mpipe_ring_occupancy(const struct mpipe *m, unsigned r);

/* Internal to nic/ (used by mpipe_driver.c): push a buffer back on a stack
 * (false, counted in bad_push/double_push, if it is not one of the stack's
 * buffers or is already there); make eDMA ring slots < upto visible to the
 * engine and let it run. */
bool mpipe_stack_push(struct mpipe_stack *s, uint64_t addr);
void mpipe_edma_publish(struct mpipe *m, unsigned ring, uint64_t upto);

/* {"ingress":{...,"drops":{...}}, "egress":{...}, "rings":[...], "stacks":[...], "ports":[...]} */
void mpipe_write_stats(const struct mpipe *m, struct json_writer *w);

#endif
