/* sim/calib/udnlat.c: UDN latency: a one-word message passed back and forth
 * between two tiles (see calib.h). Both sides run one handler that sends and
 * then waits with a blocking receive, as a core reading its UDN register
 * does: each sees a word when it arrives, not when a later handler would
 * start (no dispatch or poll cycles in the figure). Uses only the tile API's UDN calls,
 * so it measures whichever UDN model carries the messages. */
#include "sim/calib/calib.h"

void calib_udnlat_main(struct tile *t, void *arg) {
    struct calib_udnlat *u = arg;
    u->cycles_one_way = -1;
    uint64_t w = 1;
    if (!u->starter) { /* the echo side: each word straight back */
        for (uint64_t r = 0; r < u->warmup + u->rounds; r++) {
            tile_udn_recv_wait(t, 0, &w, 1);
            tile_udn_send(t, u->peer, 0, &w, 1);
        }
        return;
    }
    for (u->round = 0; u->round < u->warmup + u->rounds; u->round++) {
        if (u->round == u->warmup) u->start_cycles = tile_now_cycles(t);
        tile_udn_send(t, u->peer, 0, &w, 1);
        tile_udn_recv_wait(t, 0, &w, 1);
    }
    u->end_cycles = tile_now_cycles(t);
    if (u->rounds)
        u->cycles_one_way = (double)(u->end_cycles - u->start_cycles) / (2.0 * (double)u->rounds);
}
