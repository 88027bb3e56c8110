/* nic/mpipe_driver.h: the calls tile code (the network stack's driver) makes
 * on the mPIPE-like device, each charged as the hardware operation it is.
 *
 * Every call takes `now` (the caller's simulated time, e.g. tile_now(); it
 * is raised to the engine's time if earlier) and adds its cost in tile
 * cycles to *cycles (if not NULL) for the caller to charge (tile_charge()):
 *
 *   mpipe_drv_poll            idesc_read_cycles per descriptor returned
 *                             (a 64 B line the iDMA wrote to its L3 home);
 *                             an empty poll costs nothing here (the tile
 *                             runtime charges its poll loop)
 *   mpipe_drv_credit          mmio_write_cycles (posted store)
 *   mpipe_drv_buffer_return   mmio_write_cycles (posted store)
 *   mpipe_drv_buffer_alloc    mmio_read_cycles (load from the shim)
 *   mpipe_drv_edma_post       edesc_write_cycles per descriptor
 *   mpipe_drv_edma_doorbell   mmio_write_cycles; the engine sees the
 *                             descriptors nic.mpipe.doorbell_cycles later
 *   mpipe_drv_edma_completed  mmio_read_cycles
 * (all from nic.driver). A call with bad arguments (ring or stack out of
 * range, a buffer that is not one of the stack's, more credits than
 * descriptors taken) returns -1 / 0, changes nothing, and is counted in
 * the device's drv_errors (or the stack's bad_push): a guest mistake, never
 * an assertion.
 *
 * Flow control: the notification ring holds descriptors until credited
 * (mpipe_drv_credit, one per consumed descriptor); a full ring makes the
 * device drop. mpipe_drv_edma_post refuses (returns 0) a batch that does
 * not fit; the completion count (or the complete callback) tells when room
 * opens.
 */
#ifndef TESSERA_NIC_MPIPE_DRIVER_H
#define TESSERA_NIC_MPIPE_DRIVER_H

#include <stdint.h>

#include "nic/mpipe.h"

/* Take up to max visible descriptors from notification ring `ring` into out.
 * Returns how many (0 on bad arguments, counted). */
uint64_t mpipe_drv_poll(struct mpipe *m, unsigned ring, sim_time_t now, struct mpipe_idesc *out,
                        uint64_t max, uint64_t *cycles);
/* Return n credits (descriptors consumed) to ring `ring`. 0, or -1. */
int mpipe_drv_credit(struct mpipe *m, unsigned ring, uint64_t n, sim_time_t now, uint64_t *cycles);
/* Push buffer addr back on stack `stack`. 0, or -1 (not a free-able buffer of it). */
int mpipe_drv_buffer_return(struct mpipe *m, unsigned stack, uint64_t addr, sim_time_t now,
                            uint64_t *cycles);
/* Pop a buffer (e.g. a Tx header buffer). 0 with *addr, or -1 when empty/bad. */
int mpipe_drv_buffer_alloc(struct mpipe *m, unsigned stack, uint64_t *addr, sim_time_t now,
                           uint64_t *cycles);
/* Write n descriptors to eDMA ring `ring` (all or none). Returns n, or 0
 * when they do not fit (counted as post_full) or on bad arguments. */
uint64_t mpipe_drv_edma_post(struct mpipe *m, unsigned ring, const struct mpipe_edesc *d,
                             uint64_t n, sim_time_t now, uint64_t *cycles);
/* Make every descriptor posted so far visible to the engine. 0, or -1. */
int mpipe_drv_edma_doorbell(struct mpipe *m, unsigned ring, sim_time_t now, uint64_t *cycles);
/* Descriptors of ring `ring` completed so far (monotonic); 0 on bad ring. */
uint64_t mpipe_drv_edma_completed(struct mpipe *m, unsigned ring, sim_time_t now, uint64_t *cycles);
/* Free slots of eDMA ring `ring` as software sees them (no cost: software
 * keeps its own count of posts and the completions it has read). */
uint64_t mpipe_drv_edma_space(const struct mpipe *m, unsigned ring);

/* What a chip needs to route notifications and count mistakes (no cost). */
unsigned mpipe_drv_rings(const struct mpipe *m);
unsigned mpipe_drv_erings(const struct mpipe *m);
/* Descriptors written into notification ring `ring` and not yet taken. */
uint64_t mpipe_drv_ring_waiting(const struct mpipe *m, unsigned ring);
/* True when the ring's next descriptor is visible to software at `now`. */
bool mpipe_drv_ring_visible(const struct mpipe *m, unsigned ring, sim_time_t now);
/* A driver call with bad arguments (counted in the device's stats). */
void mpipe_drv_count_error(struct mpipe *m);
/* A post of more descriptors than eDMA ring `ring` can hold (counted). */
void mpipe_drv_count_post_full(struct mpipe *m, unsigned ring);

#endif
