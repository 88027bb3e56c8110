/* stack/tcp_opt.h: TCP options: parsing every segment's, building ours, and
 * the timestamp clock.
 *
 * What it does: reads MSS, window scale, SACK-permitted, SACK blocks (RFC
 * 2018) and timestamps (RFC 7323) from a header's option bytes (unknown
 * kinds and known kinds of the wrong length are skipped, as Linux does; a
 * length that overruns the header is malformed); writes the options of a
 * segment: on a SYN the MSS and what we offer (window scale, SACK-permitted,
 * timestamps: an active open offers what cfg enables, a SYN-ACK echoes what
 * the peer's SYN offered and cfg enables), on every other segment of a
 * connection that negotiated them the timestamps and, on ACKs, SACK blocks:
 * a pending duplicate report first (RFC 2883), then the out-of-order block
 * holding the latest arrival (RFC 2018 4), then the other blocks from the
 * lowest, as many as fit in 40 bytes (3 with timestamps, 4 without).
 *
 * The timestamp clock ticks every 10 us (RFC 7323 5.4 allows any rate
 * whose sign bit takes longer than MSL to wrap: 2^31 ticks are 6 hours)
 * plus a per-4-tuple offset keyed by a secret drawn once per instance (RFC
 * 7323 5.4's recommendation, which keeps TSvals of one 4-tuple increasing
 * across incarnations for RFC 6191). A clock finer than Linux's 1 ms is
 * what lets the Eifel test tell an original transmission from a
 * retransmission made less than a millisecond later (a LAN round trip).
 * Not 1 us: measured against Linux 6.1 receivers (curl through
 * scripts/impair-table.sh's rtt20 case), a 1 us clock kept their receive
 * window from growing for 0.3 s (8 MiB took 1.05 s, against 0.34 s with
 * 10 us, 100 us or 1 ms ticks); the mechanism inside Linux was not found.
 *
 * Memory: none; writes into the caller's buffer. Cost: O(option bytes), and
 * O(out-of-order segments) for SACK blocks.
 */
#ifndef TESSERA_STACK_TCP_OPT_H
#define TESSERA_STACK_TCP_OPT_H

#include "stack/stk_types.h"

#define TCP_OPT_TS_LEN 12             /* NOP NOP kind len TSval TSecr */
#define TCP_OPT_SACK_MAX 4            /* blocks one segment can carry */
#define TCP_OPT_TS_TICK (10 * STK_US) /* the timestamp clock's period */

struct tcp_opts {
    uint16_t mss; /* 0: absent */
    int ws;       /* -1: absent; else the shift, at most 14 */
    bool sack_perm;
    bool ts;
    uint32_t tsval, tsecr;
    unsigned nsack;
    struct stk_sack_range sack[TCP_OPT_SACK_MAX];
};

/* Parses `n` option bytes; false when an option's length overruns them. */
bool tcp_opt_parse(const uint8_t *o, size_t n, struct tcp_opts *out);
/* Draws the instance's timestamp secret (only when cfg.timestamps is on, so
 * that instances without timestamps draw the same random numbers as before). */
void tcp_opt_init(struct stk *s);
/* The TSval offset of a 4-tuple (kept in the tcb as ts_off). */
uint32_t tcp_opt_ts_offset(const struct stk *s, uint32_t rip, uint16_t rport, uint16_t lport);
/* Our TSval now for c. */
static inline uint32_t tcp_opt_tsval(const struct stk *s, const struct stk_tcb *c) {
    return (uint32_t)(s->now / TCP_OPT_TS_TICK) + c->ts_off;
}
/* Writes the options of c's segment with `flags` at o (room for 40 bytes);
 * returns their length (a multiple of 4). *sack_len gets the bytes taken by
 * SACK blocks, which the payload must give up to stay within the MSS. */
size_t tcp_opt_build(struct stk *s, struct stk_tcb *c, uint8_t flags, uint8_t *o, size_t *sack_len);
/* The timestamp option alone (TIME-WAIT's ACKs): 12 bytes at o. */
size_t tcp_opt_build_ts(uint8_t *o, uint32_t tsval, uint32_t tsecr);

#endif
