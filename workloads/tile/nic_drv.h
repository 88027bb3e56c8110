/* workloads/tile/nic_drv.h: the stack's driver over the NIC (tile code,
 * instrumented): what connects a stack instance (stack/stk.h) on a network
 * or RTC tile to the mPIPE-like device through tile_api.h's tile_nic_* calls.
 *
 * What it does:
 *  - Receive (nic_drv_poll): takes up to `batch` ingress descriptors of the
 *    tile's notification ring, wraps each frame (in Rx memory, written by the
 *    device) in a struct stk_rxbuf from a pool in the tile's private memory
 *    and hands it to stk_input at tile_now(); then gives the ring slots back
 *    (tile_nic_credit, one MMIO store per batch). The stack keeps payload by
 *    reference (zero-copy); when it releases the frame (rx_release) the buffer
 *    goes back to its buffer stack (tile_nic_buffer_return). A frame that
 *    finds the pool empty goes straight back and is counted (rx_no_desc).
 *  - Transmit (the stack's output callback): a frame whose bytes fit in one
 *    Tx header buffer (nic.mpipe.tx_header_buffer_bytes: ACKs, SYNs, small
 *    segments, and every frame that needs padding) is copied whole into a
 *    buffer popped from the Tx header stack; a larger one gets its headers
 *    copied there and its payload gathered by the device from the
 *    application's memory where it lies (zero-touch: the application
 *    registered it, tile_nic_register). The header buffer is returned by
 *    the device after the send (hwb). With checksum offload (the instance's
 *    tx_csum_offload) the driver computes the IPv4 header checksum in
 *    software and asks the device for the TCP/ICMP checksum, seeded with the
 *    pseudo-header sum, as the mPIPE has one checksum unit per packet.
 *    Descriptors are posted at once; the doorbell is rung by nic_drv_flush
 *    (once per handler run: the owner calls it at the end of every handler
 *    that may have sent). When the eDMA ring is shared with other tiles
 *    (`elock` non-NULL: more stack tiles than eDMA rings) each frame is
 *    posted and the doorbell rung under that spin lock. A frame that finds
 *    no header buffer, no room in the ring or too many pieces is dropped
 *    and counted; TCP retransmits it.
 *  - Receive checksums: when the instance trusts the device
 *    (rx_csum_offload), a TCP or UDP frame whose descriptor lacks
 *    TILE_PKT_L4_CSUM_OK is dropped here and counted (rx_bad_l4_csum).
 *  - Active opens (the stack's port_ok): a local port is accepted only if
 *    the device's flow hash of the replies (stack/rss.h: their 4-tuple,
 *    the device's RSS key, buckets and static bucket-to-ring map, bucket b
 *    on ring b mod rings) sends them to this tile's device ring; with n
 *    rings about n ports are tried per connect. Without an RSS key (NULL)
 *    every port is accepted.
 *  - Randomness for the stack (ISNs, ephemeral ports): a 64-bit LCG seeded
 *    by the owner (the simulator derives the seed from the run's seed and
 *    the tile).
 *
 * Memory: struct nic_drv and its receive pool live in the tile's private
 * arena (nic_drv_create); the stack instance is the owner's.
 * Cost: what the instrumentation measures, plus the driver calls' charges
 * (nic.driver: one idesc read per frame, an MMIO store per credit, per
 * buffer return and per doorbell, an MMIO load per header buffer pop, an
 * edesc write per descriptor).
 * Left out: eDMA completions as a condition for data_acked (the stack's
 * data_acked follows TCP acknowledgements, which come after the device has
 * read the bytes, except for a retransmission still queued in the ring when
 * the original's ACK arrives); jumbo frames split over several buffers.
 */
#ifndef TESSERA_WORKLOADS_TILE_NIC_DRV_H
#define TESSERA_WORKLOADS_TILE_NIC_DRV_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/tile/tile_api.h"
#include "stack/stk_defs.h"

#define NIC_DRV_BATCH_MAX 64u
#define NIC_DRV_MAX_PIECES 16u

struct nic_drv_stats {
    uint64_t polls, empty_polls, rx_frames, rx_no_desc, rx_refused, rx_bad_l4_csum;
    uint64_t tx_frames, tx_copied, tx_gathered, doorbells;
    uint64_t tx_no_hdr, tx_ring_full, tx_too_many_pieces;
};

struct nic_drv_params {
    unsigned ring;      /* the tile ring the device notifies */
    unsigned ering;     /* the device eDMA ring frames leave on */
    unsigned batch;     /* descriptors per poll, 1..NIC_DRV_BATCH_MAX */
    unsigned rx_descs;  /* frames the stack may hold at once */
    uint32_t hdr_bytes; /* nic.mpipe.tx_header_buffer_bytes */
    bool csum_offload;  /* = the instance's tx_csum_offload */
    bool rx_csum_trust; /* = rx_csum_offload: drop TCP/UDP frames not flagged L4_CSUM_OK */
    struct tile_lock *elock;
    uint64_t seed;
    /* RSS, for active opens (NULL key: any port) */
    const uint8_t *rss_key; /* 40 bytes, in tile memory */
    bool rss_symmetric;
    uint32_t buckets, rings, dev_ring, ip;
};

struct nic_drv_rx; /* a receive descriptor of the pool */

struct nic_drv {
    struct tile *t;
    struct stk *s;             /* set by the owner after stk_create */
    struct nic_drv_params prm; /* as created (prm.elock NULL: the eDMA ring is ours alone) */
    bool pending;              /* posted since the last doorbell */
    uint64_t rng;
    struct nic_drv_rx *free_rx;
    /* Optional (set by the owner): admit decides for each frame (its ingress
     * descriptor: the classifier's offsets and flags) before the
     * stack sees it: a tag > 0 is kept with the frame and handed to
     * released when the stack lets go of it, 0 means no tag, -1 drops the
     * frame (counted rx_refused). */
    int (*admit)(void *ctx, const struct tile_pkt *pkt);
    void (*released)(void *ctx, int tag);
    void *hook_ctx;
    struct nic_drv_stats st;
};

/* Creates the driver in t's private arena. NULL when it is full or a
 * parameter is out of range. */
struct nic_drv *nic_drv_create(struct tile *t, const struct nic_drv_params *p);
/* The callbacks to give stk_create (ctx: the driver). */
struct stk_driver nic_drv_stk_driver(struct nic_drv *d);
/* Takes up to batch frames of the ring into the stack; returns how many. */
uint64_t nic_drv_poll(struct nic_drv *d);
/* Rings the doorbell if frames were posted since the last one. */
void nic_drv_flush(struct nic_drv *d);

#endif
