/* stack/tcp_timer.h: TCP timer expiry.
 *
 * What it does: the callback the instance passes to twheel_advance for all
 * connection timers: retransmission (RFC 6298 backoff, SYN and data retry
 * limits, RFC 5681 loss response), zero-window probe (persist), delayed
 * ACK (RFC 1122 4.2.3.2), TIME-WAIT and orphaned FIN-WAIT-2. Timers are
 * armed by the other TCP modules through tcb_arm.
 *
 * Memory: the timers are wheel entries inside each tcb (t_rto, t_delack,
 * t_wait); nothing is allocated. Cost: O(1) per expiry plus at most one
 * segment sent (probe, SYN); other output is queued on the work list.
 */
#ifndef TESSERA_STACK_TCP_TIMER_H
#define TESSERA_STACK_TCP_TIMER_H

#include "stack/stk_types.h"

/* ctx is the struct stk; e is one of a tcb's three timers. */
void tcp_timer_fire(void *ctx, struct twheel_entry *e);

#endif
