/* stack/tcp_in.h: TCP segment arrival, RFC 9293 3.10.7 (SEGMENT ARRIVES).
 *
 * What it does: validates a segment (length, offset, checksum, options),
 * finds its connection, and runs the state's steps: LISTEN (new passive
 * connection), SYN-SENT, or the synchronized states (sequence check, RST per
 * RFC 5961, SYN challenge, ACK processing with RTT sampling per RFC 6298 and
 * NewReno per RFC 5681/6582, window update, data, FIN). Replies that must
 * go out at once (SYN-ACK, RST, fast retransmit) go through tcp_out; ACKs
 * and application events are queued on the work list for the caller's
 * drain.
 *
 * Memory: payload is not copied; in-order and out-of-order data are held as
 * segment references into the caller's rx buffer (one buffer reference per
 * segment). Cost: O(1) per segment except out-of-order insertion (O(held
 * out-of-order segments)) and the checksum (O(bytes)) unless offloaded.
 */
#ifndef TESSERA_STACK_TCP_IN_H
#define TESSERA_STACK_TCP_IN_H

#include "stack/stk_types.h"

/* One TCP segment (th, tlen bytes inside buf) from src to dst. */
void tcp_input(struct stk *s, struct stk_rxbuf *buf, uint32_t src, uint32_t dst, const uint8_t *th,
               size_t tlen);

#endif
