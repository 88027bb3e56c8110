/* sim/calib/protect.c: accesses that protection must catch. */
#include "sim/calib/calib.h"

/* A static datum of tile code: it lies in the simulated program image. */
const uint64_t calib_protect_image_word = 0x5eedf00d;

void calib_protect_main(struct tile *t, void *arg) {
    (void)t;
    struct calib_protect *p = arg;
    switch (p->op) {
    case CALIB_WRITE_RX:
    case CALIB_WRITE_OWN_HEAP: *(volatile uint64_t *)p->target = p->value; break;
    case CALIB_READ_OTHER_HEAP: p->value = *(volatile uint64_t *)p->target; break;
    default: break;
    }
    p->done = 1;
}
