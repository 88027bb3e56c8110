/* sim/tile/tile_host.c: the client host CPU model. See tile_host.h. */
#include "sim/tile/tile_host.h"

sim_time_t tile_host_cost(const struct chip_host_config *h, uint64_t bytes) {
    double cycles = (double)h->handler_cycles + (double)bytes * h->cycles_per_byte;
    /* ps = cycles x 10^12 / f, rounded up to a whole picosecond */
    double ps = cycles * 1e12 / (double)h->freq_hz;
    sim_time_t t = (sim_time_t)ps;
    return (double)t < ps ? t + 1 : t;
}
