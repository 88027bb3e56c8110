/* nic/mpipe_rss.h: the Toeplitz flow hash of receive-side scaling.
 *
 * What it does: mpipe_rss_toeplitz() hashes `len` input bytes with a 40-byte key
 * exactly as Microsoft's RSS specification (verified against its test
 * vectors, ../shared/facts/workloads.md). mpipe_rss_hash() builds the input
 * of an IPv4 frame: src ip, dst ip, src port, dst port for TCP and UDP
 * (non-fragments), src ip, dst ip for other IPv4; 0 for non-IP. With
 * `symmetric`, the (ip, port) pairs are put in a canonical order first so
 * both directions of a connection hash alike.
 *
 * mpipe_rss_table_init() precomputes, for one key, the hash contribution of every
 * byte value at every input position, so the device hashes with one table
 * lookup and xor per input byte (mpipe_rss_hash_table); both give the same
 * results (tested).
 *
 * Memory: a table is 12 KB, owned by its embedder. Cost: mpipe_rss_toeplitz is one
 * shift and xor per input bit (96 for TCP); the table form 12 lookups.
 * Left out: IPv6 inputs.
 */
#ifndef TESSERA_NIC_MPIPE_RSS_H
#define TESSERA_NIC_MPIPE_RSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nic/eth_pkt.h"

#define RSS_KEY_BYTES 40u

#define RSS_INPUT_BYTES 12u

struct mpipe_rss_table {
    uint32_t t[RSS_INPUT_BYTES][256];
};

uint32_t mpipe_rss_toeplitz(const uint8_t key[RSS_KEY_BYTES], const uint8_t *in, size_t len);
uint32_t mpipe_rss_hash(const uint8_t key[RSS_KEY_BYTES], const struct eth_parsed *p,
                        bool symmetric);
void mpipe_rss_table_init(struct mpipe_rss_table *t, const uint8_t key[RSS_KEY_BYTES]);
uint32_t mpipe_rss_hash_table(const struct mpipe_rss_table *t, const struct eth_parsed *p,
                              bool symmetric);

#endif
