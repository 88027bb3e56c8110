#include "stack/cksum.h"

#include <string.h>

void cksum_add(struct cksum *c, const void *data, size_t len) {
    const uint8_t *p = data;
    uint64_t sum = 0;
    if (len == 0) return;
    if (c->odd) {
        c->sum += p[0];
        p++;
        len--;
        c->odd = 0;
    }
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        /* Sum the four 16-bit words in memory (little-endian) order; the
         * byte swap at the end turns it into the big-endian sum. */
        sum += (w & 0xffff) + ((w >> 16) & 0xffff) + ((w >> 32) & 0xffff) + (w >> 48);
        p += 8;
        len -= 8;
    }
    while (len >= 2) {
        sum += (uint64_t)p[0] | ((uint64_t)p[1] << 8);
        p += 2;
        len -= 2;
    }
    /* Fold the little-endian partial sum and swap it to network order. */
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    c->sum += ((sum & 0xff) << 8) | (sum >> 8);
    if (len) {
        c->sum += (uint64_t)p[0] << 8;
        c->odd = 1;
    }
}

uint16_t cksum_finish(const struct cksum *c) {
    uint64_t s = c->sum;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

uint16_t cksum_buf(const void *data, size_t len) {
    struct cksum c;
    cksum_init(&c);
    cksum_add(&c, data, len);
    return cksum_finish(&c);
}
