/* stack/tcp.h: TCP for one stack instance (temporary single module). */
#ifndef TESSERA_STACK_TCP_H
#define TESSERA_STACK_TCP_H

#include "stack/stk_types.h"

bool tcp_init(struct stk *s);
void tcp_fini(struct stk *s);
void tcp_input(struct stk *s, struct stk_rxbuf *buf, uint32_t src, uint32_t dst, const uint8_t *th, size_t tlen);
void tcp_timer_fire(void *ctx, struct twheel_entry *e);
void tcp_drain(struct stk *s);
void tcp_neighbour_resolved(struct stk *s, uint32_t ip);
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
