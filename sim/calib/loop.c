/* sim/calib/loop.c: a loop of known length, no memory traffic. */
#include "sim/calib/calib.h"

uint64_t CALIB_FN(calib_loop)(uint64_t n, uint64_t seed) {
    uint64_t x = seed;
#pragma clang loop unroll(disable) vectorize(disable)
    for (uint64_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x += i;
    }
    return x;
}
