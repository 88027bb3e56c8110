/* sim/calib/contend.c: shared-memory handoffs between tiles, for measuring
 * what the synchronisation quantum does (bench/tile_quantum.c):
 *  - spin ping-pong: two tiles pass a turn through one shared word, each
 *    spinning on it until the other has written its turn (plain loads and
 *    stores: no runtime call, so only the quantum brings the tiles in step);
 *  - lock contention: tiles take a spin lock, add to a shared counter and
 *    compute a little outside the lock, many times. */
#include "sim/calib/calib.h"

void calib_spin_pingpong_main(struct tile *t, void *arg) {
    struct calib_spin *s = arg;
    volatile uint64_t *turn = s->turn;
    uint64_t start = tile_now_cycles(t);
    for (uint64_t r = 0; r < s->rounds; r++) {
        uint64_t mine = 2 * r + (uint64_t)s->second;
        while (*turn != mine) {}
        *turn = mine + 1;
    }
    s->cycles = tile_now_cycles(t) - start;
    s->done = 1;
}

void calib_lock_contend_main(struct tile *t, void *arg) {
    struct calib_contend *c = arg;
    uint64_t start = tile_now_cycles(t), x = (uint64_t)tile_id(t) + 1;
    for (uint64_t i = 0; i < c->iterations; i++) {
        tile_lock_acquire(t, c->lock);
        *c->counter += 1;
        tile_lock_release(t, c->lock);
        for (uint64_t k = 0; k < c->work; k++) x = x * 6364136223846793005u + 1442695040888963407u;
    }
    c->sink = x;
    c->cycles = tile_now_cycles(t) - start;
}
