/* stack/tcp_sack.h: the sender's SACK scoreboard and RFC 6675's
 * bookkeeping over it.
 *
 * What it does: keeps the ranges the peer has selectively acknowledged
 * (c->sb: sorted, disjoint, above SND.UNA, at most STK_SB_MAX; when full, the
 * highest range is forgotten, which can only make the sender retransmit
 * more), tells D-SACK blocks (RFC 2883 4) from new information, and answers
 * RFC 6675's questions: how many bytes are SACKed above a sequence number,
 * below which point every unSACKed byte counts as lost (IsLost by bytes:
 * more than (DupThresh - 1) * SMSS SACKed above; after an RTO every unSACKed
 * byte), the pipe (SetPipe), and the next hole to retransmit (NextSeg rule
 * 1). The sending itself is tcp_out.c's.
 *
 * Memory: the scoreboard lives in the tcb (STK_SB_MAX ranges). Cost: O(ranges)
 * per call.
 */
#ifndef TESSERA_STACK_TCP_SACK_H
#define TESSERA_STACK_TCP_SACK_H

#include "stack/stk_types.h"

struct tcp_opts;

/* Adds the ACK's SACK blocks (cumulative ACK `ack`) to c's scoreboard;
 * returns the bytes newly SACKed. D-SACK blocks are counted, not stored. */
uint32_t sack_update(struct stk *s, struct stk_tcb *c, const struct tcp_opts *o, uint32_t ack);
/* Forgets what SND.UNA has passed. */
void sack_trim(struct stk_tcb *c);
void sack_clear(struct stk_tcb *c);
/* Bytes SACKed above `seq`. */
uint32_t sack_above(const struct stk_tcb *c, uint32_t seq);
/* The reordering window: a quarter of the least RTT times the
 * connection's multiplier, at most SRTT (RFC 8985 6.2); 0 without an RTT. */
stk_time_t sack_reo_wnd(const struct stk_tcb *c);
/* Has SACKed data sat above SND.UNA for longer than the reordering window
 * (RFC 8985's time rule: what was sent before it is lost)? */
bool sack_timed_out(const struct stk_tcb *c, stk_time_t now);
/* Every unSACKed byte below this sequence number is lost: IsLost by bytes,
 * or, when sack_timed_out, every hole below the highest SACKed range. */
uint32_t sack_lost_edge(const struct stk_tcb *c, stk_time_t now);
/* In recovery: is SND.UNA's last retransmission lost? Data sent after it
 * has been SACKed while SND.UNA is still missing, beyond DupThresh or for
 * longer than the least RTT plus the reordering window since the
 * retransmission (RACK's rule, RFC 8985 6.2, for that one segment). If so,
 * HighRxt goes back to SND.UNA so that the holes are sent again (counted
 * in tcp_lost_retransmit) and true is returned. */
bool sack_retransmit_lost(struct stk *s, struct stk_tcb *c);
/* When sack_retransmit_lost's time rule will hold (0: not pending). */
stk_time_t sack_retransmit_due(const struct stk_tcb *c);
/* RFC 6675 SetPipe: bytes outstanding in the network. */
uint32_t sack_pipe(const struct stk_tcb *c, uint32_t lost_edge);
/* NextSeg rule 1: the first lost, unSACKed byte at or above HighRxt and the
 * end of its hole (capped at lost_edge); false when there is none. */
bool sack_next_hole(const struct stk_tcb *c, uint32_t lost_edge, uint32_t *seq, uint32_t *end);

#endif
