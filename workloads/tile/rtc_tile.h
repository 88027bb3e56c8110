/* workloads/tile/rtc_tile.h: the RTC tile program (tile code, instrumented):
 * run to completion, DLibOS paper 4.1. The tile polls its own NIC
 * notification ring, runs its own stack instance (stk_tile.h) and the
 * application over the rtc transport (stack/sock.h: direct calls), all in
 * one handler run per batch and in one address space.
 *
 * What it does: rtc_tile_main creates the stack instance, the application
 * instance (from the process heap, which the simulator registered with the
 * NIC for zero-touch sends) and the rtc transport between them, and starts
 * the application (listen). Every ring notification runs stack and
 * application together; the timer runs the stack's timers and the
 * application's poll (chip_app.poll_every).
 *
 * Memory: struct rtc_tile lives in the tile's private memory, filled by the
 * simulator; the stack in the private arena; the application and the
 * transport in the process heap. Cost: what the instrumentation measures.
 * Labels: the stack's work (frames, timers, the commands the application
 * issues) is labelled `stack`, the application's handlers `app`: the
 * program hands the transport wrappers of the application's events and
 * the application wrappers of the transport's commands that switch the
 * label (tile_label_set) around each call.
 */
#ifndef TESSERA_WORKLOADS_TILE_RTC_TILE_H
#define TESSERA_WORKLOADS_TILE_RTC_TILE_H

#include "stack/sock.h"
#include "workloads/tile/chip_app.h"
#include "workloads/tile/stk_tile.h"

struct rtc_tile {
    struct stk_tile st; /* the stack's parameters and state */
    const struct chip_app *app;
    const void *app_params;
    uint64_t busy_cycles; /* computation before each new_data (workload.busy_ns) */
    /* state */
    void *inst;
    struct sock_events ev; /* the application's handlers */
    struct sock_rtc *rtc;
    struct sock *k;    /* the rtc transport's commands */
    struct sock sock;  /* what the application holds: k's commands, labelled */
    uint64_t every;    /* application poll interval (ps; 0: none) */
    uint64_t app_next; /* next application poll (ps) */
    bool failed;       /* start failed: st.err says why */
    bool done;         /* its main has returned: set-up over (or failed) */
};

/* Tile main (arg: struct rtc_tile *). */
void rtc_tile_main(struct tile *t, void *arg);

#endif
