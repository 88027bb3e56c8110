/* stack/tcp.h: the TCP module's lifecycle, event delivery and commands.
 *
 * What it does: tcp_init/tcp_fini set up and tear down the connection
 * table (tcb.c) and the ephemeral port cursor; tcp_drain runs the work
 * list, delivering each connection's queued events to the application
 * (new_conn, new_data, data_acked, remote_closed, cleanup) and then sending
 * what its state allows (tcp_output); the commands behind stk_tcp_* (listen,
 * connect, accept, send, recv_done, shutdown, close, info) change state and
 * drain at the end. tcp_neighbour_resolved resends the SYNs that waited for
 * an ARP reply.
 *
 * Memory: send data stays in application memory, referenced by segments
 * until acknowledged (data_acked); received data is lent to the application
 * as {ptr, len} until recv_done. A slot is recycled only after cleanup has
 * been delivered and the state is CLOSED. Cost: a command is O(1) plus the
 * output it triggers (send: O(elements)); tcp_neighbour_resolved is
 * O(max_conns), on ARP replies only.
 *
 * Read first: RFC 9293 3.10 (event processing: tcp_in.c follows SEGMENT
 * ARRIVES step by step), RFC 6298 (RTO), RFC 5681 and RFC 6582 (NewReno),
 * RFC 7323 2 (window scale), RFC 5961 3-4 (RST and SYN validation), RFC 1122
 * 4.2.3 (delayed ACK, SWS avoidance, zero-window probing). TCP is five
 * modules, bottom up: tcb (connection blocks), tcp_out (emission), tcp_in
 * and tcp_timer (arrival and expiry, both above tcp_out), tcp (this one).
 */
#ifndef TESSERA_STACK_TCP_H
#define TESSERA_STACK_TCP_H

#include "stack/stk_types.h"

bool tcp_init(struct stk *s);
void tcp_fini(struct stk *s);
/* Delivers events and output for every queued connection (not reentrant:
 * a call from inside an application callback returns at once). */
void tcp_drain(struct stk *s);
void tcp_neighbour_resolved(struct stk *s, uint32_t ip);

/* The stk_tcp_* commands (stk.h). */
int tcp_listen(struct stk *s, uint16_t port, unsigned backlog, uint64_t tag);
int tcp_connect(struct stk *s, uint32_t dst_ip, uint16_t dst_port, uint64_t cookie, uint32_t *id);
int tcp_accept(struct stk *s, uint32_t id);
int tcp_send(struct stk *s, uint32_t id, const struct stk_sendv *v, unsigned n);
int tcp_recv_done(struct stk *s, uint32_t id, size_t count);
int tcp_shutdown(struct stk *s, uint32_t id, int how);
int tcp_close(struct stk *s, uint32_t id);
int tcp_info(const struct stk *s, uint32_t id, struct stk_tcp_info *out);
uint32_t tcp_conns(const struct stk *s);

#endif
