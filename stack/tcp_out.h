/* stack/tcp_out.h: TCP segment emission.
 *
 * What it does: builds TCP headers (options on SYNs, the receive window with
 * receiver SWS avoidance) in the instance's frame scratch, gathers payload
 * by reference from the send queue, and hands each segment to ip_output.
 * tcp_output sends what the windows allow (sender SWS avoidance, FIN, RTO
 * and persist arming) or a pending ACK; the others send one segment each:
 * SYN / SYN-ACK, a RST for a segment without a connection, the head of the
 * retransmission queue.
 *
 * Memory: nothing owned; payload is never copied (iovs point at application
 * memory until the driver's output returns). Cost: O(1) per segment plus
 * the gather walk over the send queue's scatter/gather elements, and the
 * checksum (O(bytes)) unless offloaded.
 */
#ifndef TESSERA_STACK_TCP_OUT_H
#define TESSERA_STACK_TCP_OUT_H

#include "stack/stk_types.h"

/* Builds and sends one segment; returns the payload bytes sent. */
uint32_t tcp_emit(struct stk *s, struct stk_tcb *c, uint32_t seq, uint8_t flags, uint32_t len);
/* Sends what the state and the windows allow, or a pending ACK. */
void tcp_output(struct stk *s, struct stk_tcb *c);
/* SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) from ISS. */
void tcp_send_syn(struct stk *s, struct stk_tcb *c);
/* RST for a segment without a connection (RFC 9293 3.10.7.1); none for a RST. */
void tcp_send_rst(struct stk *s, const uint8_t *smac, uint32_t src, uint16_t sport, uint16_t dport,
                  uint32_t seq, uint32_t ack, uint8_t flags, uint32_t seglen);
/* A bare ACK for a 4-tuple without a tcb (TIME-WAIT table), with the
 * timestamp option (echoing tsecr) when `ts`. */
void tcp_send_ack_raw(struct stk *s, const uint8_t *dmac, uint32_t rip, uint16_t lport,
                      uint16_t rport, uint32_t seq, uint32_t ack, uint16_t wnd, bool ts,
                      uint32_t tsecr);
/* (Re)arms the retransmission timer: at the RTO, or with SACK, outside
 * recovery and with an RTT estimate, as a tail loss probe (RFC 8985 7.2)
 * at 2 SRTT, at least 10 ms as Linux (plus 200 ms, the peer's worst
 * delayed ACK, when one segment is out), when that comes first. */
void tcp_arm_rto(struct stk *s, struct stk_tcb *c);
/* Arms the Eifel test (RFC 3522) for an episode whose first
 * retransmission goes out now: the window before the reduction and the
 * TSval the retransmission carries. */
void tcp_undo_arm(struct stk *s, struct stk_tcb *c);
/* Enters SACK loss recovery (RFC 6675 5): ssthresh = cwnd = FlightSize / 2
 * without Limited Transmit's segments (RFC 5681 3.2), HighRxt = SND.UNA,
 * the first hole out at the next output regardless of the window. */
void tcp_sack_enter_recovery(struct stk *s, struct stk_tcb *c);
/* RACK's reorder timer (RFC 8985 6.3): when SACKed data sits above SND.UNA
 * outside recovery, fire when the time rule (tcp_sack.h) will call the hole
 * lost; in recovery, when it will call SND.UNA's retransmission lost; if
 * that comes before the timer's current expiry. */
void tcp_arm_reo(struct stk *s, struct stk_tcb *c);
/* The probe (RFC 8985 7.3): one new segment if the peer's window allows,
 * else the last segment sent again. */
void tcp_send_tlp(struct stk *s, struct stk_tcb *c);
/* Resends one MSS (or the FIN) from SND.UNA; stops RTT timing (Karn). */
void tcp_retransmit_head(struct stk *s, struct stk_tcb *c);

#endif
