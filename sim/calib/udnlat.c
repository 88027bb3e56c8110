/* sim/calib/udnlat.c: UDN latency: a one-word message passed back and forth
 * between two tiles (see calib.h). Uses only the tile API's UDN calls, so it
 * measures whichever UDN model carries the messages. */
#include "sim/calib/calib.h"

static void on_word(struct tile *t, void *ctx) {
    struct calib_udnlat *u = ctx;
    uint64_t w;
    while (tile_udn_recv(t, 0, &w, 1) == 1) {
        if (!u->starter) { /* the echo side: straight back */
            tile_udn_send(t, u->peer, 0, &w, 1);
            continue;
        }
        u->round++;
        if (u->round == u->warmup) u->start_cycles = tile_now_cycles(t);
        if (u->round == u->warmup + u->rounds) {
            u->end_cycles = tile_now_cycles(t);
            u->cycles_one_way =
                (double)(u->end_cycles - u->start_cycles) / (2.0 * (double)u->rounds);
            continue; /* done: the word is not passed on */
        }
        tile_udn_send(t, u->peer, 0, &w, 1);
    }
}

void calib_udnlat_main(struct tile *t, void *arg) {
    struct calib_udnlat *u = arg;
    u->cycles_one_way = -1;
    tile_on_udn(t, 0, on_word, u);
    if (u->starter && u->rounds > 0) {
        uint64_t w = 1;
        if (u->warmup == 0) u->start_cycles = tile_now_cycles(t);
        tile_udn_send(t, u->peer, 0, &w, 1);
    }
}
