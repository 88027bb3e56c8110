/* sim/calib/pingpong.c: a counter line passed between two tiles. */
#include "sim/calib/calib.h"

static void on_token(struct tile *t, void *ctx) {
    struct calib_pingpong *pp = ctx;
    uint64_t w;
    while (tile_udn_recv(t, 0, &w, 1) == 1) {
        uint64_t v = *pp->counter;
        *pp->counter = v + 1;
        pp->handled++;
        if (!pp->starter || v + 1 < 2 * pp->rounds) tile_udn_send(t, pp->peer, 0, &w, 1);
    }
}

void calib_pingpong_main(struct tile *t, void *arg) {
    struct calib_pingpong *pp = arg;
    tile_on_udn(t, 0, on_token, pp);
    if (pp->starter) {
        uint64_t w = 1;
        *pp->counter = 0;
        tile_udn_send(t, pp->peer, 0, &w, 1);
    }
}
