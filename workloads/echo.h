/* workloads/echo.h: a TCP echo server on the socket layer API only.
 *
 * Zero-copy both ways: received references are sent straight back (the
 * receive buffers are the send buffers) and returned with recv_done once the
 * peer has acknowledged the echo, so the receive window is the flow control.
 * On remote close it finishes echoing, then closes. Memory: one small struct
 * per connection. Cost per event: O(buffers in the event).
 */
#ifndef TESSERA_WORKLOADS_ECHO_H
#define TESSERA_WORKLOADS_ECHO_H

#include "stack/sock.h"

struct echo_srv;
struct echo_stats {
    uint64_t conns, bytes, errors;
};

/* Its instance and connections come from alloc (NULL: the default). */
struct echo_srv *echo_create(const struct stk_alloc *alloc);
void echo_destroy(struct echo_srv *e);
/* Handlers to register with a transport; their ctx is the server. */
struct sock_events echo_events(void);
int echo_start(struct echo_srv *e, struct sock *k, uint64_t listen_id, uint16_t port,
               unsigned backlog);
const struct echo_stats *echo_stats(const struct echo_srv *e);

#endif
