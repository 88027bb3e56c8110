/* stack/cksum.h: the Internet checksum (RFC 1071) over byte runs.
 *
 * Sums are kept as a 32-bit accumulator of 16-bit big-endian words so a
 * header and a scatter/gather payload can be summed piecewise; odd-length
 * pieces are handled by tracking the byte parity of the running offset.
 * Cost: one pass over the bytes (8 bytes per step). No state, no memory.
 */
#ifndef TESSERA_STACK_CKSUM_H
#define TESSERA_STACK_CKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Running sum: `sum` is the folded accumulator, `odd` is 1 when an odd number
 * of bytes has been summed so far (the next byte is a low byte). */
struct cksum {
    uint64_t sum;
    unsigned odd;
};

static inline void cksum_init(struct cksum *c) {
    c->sum = 0;
    c->odd = 0;
}
void cksum_add(struct cksum *c, const void *data, size_t len);
/* Adds a 16-bit value given in host order at an even offset. */
static inline void cksum_add16(struct cksum *c, uint16_t v) { c->sum += v; }
static inline void cksum_add32(struct cksum *c, uint32_t v) { c->sum += (v >> 16) + (v & 0xffff); }
/* Folds and complements: the value to store (host order). */
uint16_t cksum_finish(const struct cksum *c);
/* One-shot checksum of a buffer (host order result). */
uint16_t cksum_buf(const void *data, size_t len);

#endif
