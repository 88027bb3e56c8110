/* sim/chip/chip_nic.h: the mPIPE-like device attached to a simulated chip: its
 * DMA through the chip's memory regions and cache model, its IO-TLB, and the
 * driver calls of tile code (sim/tile_api.h tile_nic_*).
 *
 * What it does: chip_nic_create() carves the device's Rx buffer memory (a
 * MEM_RX region) and Tx header memory (MEM_TX_HDR) from the chip, creates the
 * device (nic/mpipe.h) over them and plugs it into the chip (chip_set_nic),
 * so tile code reaches it only through tile_api.h.
 *  - iDMA write: the bytes go into the region's host memory and every line
 *    lands in its L3 home (cache_dma_write: allocated in the home's L2 as
 *    the home copy, every other cached copy invalidated). The write is done when the farthest
 *    line has crossed the mesh from the shim (nic.mpipe.shim_tile, one hop
 *    off the edge) and been written at its home (l3.hit_cycles), lines
 *    issued one per core cycle.
 *  - eDMA read: stores write through to the home, so the home (or DRAM
 *    behind it) has the current data even when a tile holds the line dirty
 *    in its L1; the bytes are read from host memory, the time is the round
 *    trip shim -> home + l3.hit_cycles (+ DRAM on an L3 miss,
 *    cache_dma_read), lines pipelined one per cycle.
 *  - is_registered (the IO-TLB of DLibOS 4.5): a gather must lie inside one
 *    registered range: the Rx and Tx header regions, plus what tile code
 *    registers (tile_nic_register: memory its tile may read) or the
 *    simulator registers (chip_nic_register). Anything else is refused by
 *    the device (egress.refused.unregistered).
 *  - Notification ring r is mapped to (tile, tile ring) by chip_nic_map_ring;
 *    the device's notify callback posts on that tile ring (chip_ring_post),
 *    which wakes the tile's tile_on_ring handler. A notification for an
 *    unmapped ring is counted (the descriptor stays on the device ring).
 *  - The tile_nic_* calls translate host pointers <-> simulated addresses,
 *    call nic/mpipe_driver.h at the tile's tile_now() and hand the returned
 *    cycles to the runtime, which charges them labelled `driver`.
 *
 * Memory: the chip_nic owns the device and the registration list; the chip
 * owns the regions. The chip and the config must outlive it; destroy it
 * after the engine stops running its events, before the chip.
 * Cost: a region lookup per DMA, a cache_dma_write/read per line.
 * Left out: a page-granular IO-TLB with a miss cost (ranges are exact and
 * checks are free), DMA bandwidth limits in the mesh, several devices per
 * chip sharing one shim.
 */
#ifndef TESSERA_SIM_CHIP_CHIP_NIC_H
#define TESSERA_SIM_CHIP_CHIP_NIC_H

#include <stddef.h>
#include <stdint.h>

#include "nic/mpipe.h"
#include "sim/tile/tile.h"

struct chip_nic_stats {
    uint64_t dma_writes, dma_write_lines, dma_invalidations;
    uint64_t dma_reads, dma_read_lines, dma_errors;
    uint64_t unmapped_notify; /* notifications of a ring no tile listens to */
    uint64_t bad_pointer;     /* driver calls with memory outside every region */
    uint64_t registered, register_refused;
};

struct chip_nic_range {
    uint64_t pa, len;
};

struct chip_nic {
    struct chip *chip;
    struct sim_engine *engine;
    const struct nic_config *cfg;
    struct mpipe *m;
    struct mem_region *rx, *tx;
    struct sim_clock core; /* the chip's core clock (DMA latencies in core cycles) */
    unsigned shim;
    /* device ring -> tile and tile ring (tile = UINT_MAX: unmapped) */
    unsigned *ring_tile, *ring_local;
    /* tile x TILE_RINGS -> device ring + 1 (0: unmapped) */
    unsigned *local_ring;
    struct chip_nic_range *reg;
    size_t nreg, capreg;
    struct mpipe_edesc *scratch; /* one post's descriptors */
    uint64_t scratch_cap;
    struct chip_nic_stats st;
};

/* NULL (message naming the key or the problem) on a bad config, a shim tile
 * outside the chip or memory exhausted. name names the ports ("<name>.p0"). */
struct chip_nic *chip_nic_create(struct chip *chip, struct sim_engine *e,
                                 const struct nic_config *cfg, const char *name, char *err,
                                 size_t errlen);
void chip_nic_destroy(struct chip_nic *n);

struct mpipe *chip_nic_mpipe(struct chip_nic *n);
/* Deliver device notification ring dev_ring to tile `tile`'s ring tile_ring
 * (its tile_on_ring handler). -1 on numbers out of range or a tile ring
 * already mapped to another device ring. */
int chip_nic_map_ring(struct chip_nic *n, unsigned dev_ring, unsigned tile, unsigned tile_ring);
/* Register [pa, pa + len) for transmit (IO-TLB). -1 if not inside one region. */
int chip_nic_register(struct chip_nic *n, uint64_t pa, uint64_t len);
/* The device's memory interface over the chip (exposed for tests). */
extern const struct mpipe_mem_ops chip_nic_mem_ops;

/* {"dma":{...}, "mpipe":{mpipe_write_stats}} */
void chip_nic_write_stats(const struct chip_nic *n, struct json_writer *w);

#endif
