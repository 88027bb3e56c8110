/* sim/calib/chase.c: pointer chase (see calib.h). */
#include "sim/calib/calib.h"

void *calib_chase_walk(void *p, uint64_t steps) {
    void **q = p;
    for (uint64_t i = 0; i < steps; i += 8) {
        q = *q;
        q = *q;
        q = *q;
        q = *q;
        q = *q;
        q = *q;
        q = *q;
        q = *q;
    }
    return q;
}

void calib_chase_main(struct tile *t, void *arg) {
    struct calib_chase *c = arg;
    size_t lines = c->bytes / 64;
    char *b = c->buf;
    if (lines < 8 || !b || c->steps < 8) {
        c->cycles_per_step = -1;
        return;
    }
    for (size_t i = 0; i < lines; i++) *(void **)(b + i * 64) = b + ((i + 1) % lines) * 64;
    void *p = calib_chase_walk(b, (lines + 7) / 8 * 8); /* warm-up pass */
    uint64_t c0 = tile_handler_cycles(t);
    p = calib_chase_walk(p, c->steps / 8 * 8);
    uint64_t c1 = tile_handler_cycles(t);
    c->cycles_per_step = (double)(c1 - c0) / (double)(c->steps / 8 * 8);
    c->sink = (uint64_t)(uintptr_t)p;
}
