/* stack/rss.h: the Toeplitz flow hash of receive-side scaling (RSS), as
 * Microsoft's RSS specification defines it, for whoever must know where a
 * NIC will steer a flow: the device model (nic/mpipe_rss.h) and the driver
 * of a stack instance that must choose, for an active open, a local port
 * whose replies the device steers to its own ring (workloads/tile/nic_drv.h).
 *
 * Contract: pure functions, no state, no memory. stk_rss_hash4 hashes the
 * 12-byte input src ip, dst ip, src port, dst port (big-endian); with
 * `symmetric` the (ip, port) pairs are put in a canonical order first (the
 * smaller ip first, or the smaller port when the ips are equal) so both
 * directions of a connection hash alike.
 * Cost: one shift and xor per input bit (96 for a 4-tuple).
 */
#ifndef TESSERA_STACK_RSS_H
#define TESSERA_STACK_RSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STK_RSS_KEY_BYTES 40u

/* len + 4 <= STK_RSS_KEY_BYTES */
uint32_t stk_rss_toeplitz(const uint8_t key[STK_RSS_KEY_BYTES], const uint8_t *in, size_t len);
uint32_t stk_rss_hash4(const uint8_t key[STK_RSS_KEY_BYTES], uint32_t src_ip, uint32_t dst_ip,
                       uint16_t src_port, uint16_t dst_port, bool symmetric);

#endif
