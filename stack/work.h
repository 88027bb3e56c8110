/* stack/work.h: the instance's work list, the connections with events to
 * deliver or output to send, in FIFO order.
 *
 * What it does: queues a connection once (a flag in the tcb guards against
 * double insertion) and pops them in arrival order; the caller (tcp.c's
 * drain) decides what to do with each. Memory: intrusive, linked by slot
 * index through the tcbs (work_next), nothing allocated. Cost: O(1).
 */
#ifndef TESSERA_STACK_WORK_H
#define TESSERA_STACK_WORK_H

#include "stack/stk_types.h"

void work_init(struct stk *s);
/* Queues c unless it is queued already. */
void work_add(struct stk *s, struct stk_tcb *c);
/* Dequeues the oldest connection (clearing its queued flag); NULL if none. */
struct stk_tcb *work_pop(struct stk *s);

#endif
