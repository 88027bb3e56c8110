/* tests/workloads/wire_pair.h: the set-up the workload tests share: two
 * stack instances on an in-process wire (stack/wire.h), 10.0.0.1 (side 0,
 * the client) and 10.0.0.2 (side 1, the server), each with its application
 * given either as the stack's own handlers (struct stk_app) or as
 * socket-layer handlers behind an rtc transport. The stacks keep their
 * defaults but a 10 ms TIME-WAIT. Memory: the default allocator; everything
 * is freed by wire_pair_fini. */
#ifndef TESSERA_TESTS_WORKLOADS_WIRE_PAIR_H
#define TESSERA_TESTS_WORKLOADS_WIRE_PAIR_H

#include "stack/sock.h"
#include "stack/stk.h"
#include "stack/wire.h"

#define WIRE_PAIR_CLIENT_IP 0x0a000001u
#define WIRE_PAIR_SERVER_IP 0x0a000002u

/* One side's application: app (the stack API), or ev + ctx (the socket
 * layer); neither: no application. max_conns: the stack's (0: default). */
struct wire_side {
    const struct stk_app *app;
    const struct sock_events *ev;
    void *ctx;
    unsigned max_conns;
};

struct wire_pair {
    struct wire *w;
    struct stk *s[2];
    uint32_t seeds[2];
    struct sock_rtc *rtc[2]; /* NULL for a side with no socket-layer handlers */
};

/* Fails the running test when something cannot be created. */
void wire_pair_init(struct wire_pair *p, stk_time_t delay, const struct wire_side side[2]);
void wire_pair_fini(struct wire_pair *p);
/* The socket layer of a side given socket-layer handlers. */
struct sock *wire_pair_sock(struct wire_pair *p, unsigned side);
/* Runs the wire for dt from its current time (or until idle). */
void wire_pair_run(struct wire_pair *p, stk_time_t dt);

#endif
