/* stack/tcb.h: TCP connection blocks, the lowest TCP module.
 *
 * What it does: the fixed connection table (slot index plus a 16-bit
 * generation form a connection's id), the 4-tuple hash, slot alloc/free,
 * arming a connection's wheel timers, queuing events for the application,
 * and the state changes every other TCP module needs (abort, cleanup
 * check), plus small queries on a tcb (end of queued data, receive space).
 * It sends nothing and calls no other TCP module.
 *
 * Memory: tcb_table_init allocates the table (cfg.max_conns tcbs) and the
 * hash (a power of two >= 2 * max_conns) once; tcb_table_fini frees them and
 * returns every segment the connections still hold (so their rx buffers go
 * back to the driver). A tcb's segment chains (rx, ooo, tx) are owned by the
 * tcb and freed with it. Cost: O(1) per call except hash chain walks (short:
 * the table is at most half full) and table init/fini (O(max_conns)).
 */
#ifndef TESSERA_STACK_TCB_H
#define TESSERA_STACK_TCB_H

#include "stack/stk_types.h"

/* TCP header flags (th[13]). */
enum { TH_FIN = 1, TH_SYN = 2, TH_RST = 4, TH_PSH = 8, TH_ACK = 16, TH_URG = 32 };

bool tcb_table_init(struct stk *s);
void tcb_table_fini(struct stk *s);

/* The application's id for c, and back (NULL for a stale or bad id). */
uint32_t tcb_id(const struct stk *s, const struct stk_tcb *c);
struct stk_tcb *tcb_get(struct stk *s, uint32_t id);
struct stk_tcb *tcb_lookup(struct stk *s, uint32_t rip, uint16_t rport, uint16_t lport);
void tcb_hash(struct stk *s, struct stk_tcb *c);
/* A fresh tcb (the caller counts it in s->nconns), or NULL when full. */
struct stk_tcb *tcb_alloc(struct stk *s);
/* Unhashes, releases every held segment, cancels timers, recycles the slot. */
void tcb_free(struct stk *s, struct stk_tcb *c);
/* Releases the received data (in order and out of order). */
void tcb_rx_release(struct stk *s, struct stk_tcb *c);

/* Arms one of c's timers `delay` from now, rounded up to the tick. */
void tcb_arm(struct stk *s, struct twheel_entry *e, stk_time_t delay);
/* The window scale we offer (from cfg.rcv_buf). */
uint8_t tcb_our_wscale(const struct stk *s);

/* Queues application events (EV_*) and puts c on the work list. */
void tcb_ev_set(struct stk *s, struct stk_tcb *c, uint8_t ev);
/* Queues cleanup once the application closed and the state allows it. */
void tcb_check_cleanup(struct stk *s, struct stk_tcb *c);
void tcb_abort(struct stk *s, struct stk_tcb *c, int status);

/* The TIME-WAIT table: a connection that reaches TIME-WAIT moves there
 * (tw_from_tcb: unhashed, timers off, state CLOSED; its slot is freed as
 * usual once cleanup is delivered). Entries expire cfg.time_wait after they
 * were made or refreshed (in age order: one wheel timer for the table); when
 * the table is full the oldest entry is recycled (tcp_time_wait_recycled). */
struct stk_tw *tw_lookup(struct stk *s, uint32_t rip, uint16_t rport, uint16_t lport);
void tw_from_tcb(struct stk *s, struct stk_tcb *c);
void tw_remove(struct stk *s, struct stk_tw *w);
/* Restarts the entry's 2*MSL (a retransmitted FIN). */
void tw_refresh(struct stk *s, struct stk_tw *w);
/* The table's timer: frees the expired entries. */
bool tw_is_timer(const struct stk *s, const struct twheel_entry *e);
void tw_expire(struct stk *s);

/* Sequence number after the last queued byte (synchronized states). */
uint32_t tcb_data_end(const struct stk_tcb *c);
/* DupThresh now: c->dupthresh, lowered to the outstanding segments less
 * one when fewer than 4 are outstanding and nothing new waits (RFC 5827
 * Early Retransmit, byte-based). */
uint32_t tcb_dupthresh(const struct stk_tcb *c);
/* Free receive buffer space, bytes. */
uint32_t tcb_rcv_space(const struct stk *s, const struct stk_tcb *c);

#endif
