/* workloads/tile/echo_tile.c: the echo tile program. See echo_tile.h. */
#include "workloads/tile/echo_tile.h"

static void on_ring(struct tile *t, void *ctx) {
    struct echo_tile *x = ctx;
    struct tile_pkt p[ECHO_TILE_BATCH];
    struct tile_txd d[ECHO_TILE_BATCH];
    unsigned batch = x->batch && x->batch < ECHO_TILE_BATCH ? x->batch : ECHO_TILE_BATCH;
    uint64_t n = tile_nic_poll(t, x->ring, p, batch);
    if (n == 0) {
        x->empty_polls++;
        return;
    }
    for (uint64_t i = 0; i < n; i++) {
        d[i].data = p[i].data;
        d[i].size = (uint16_t)p[i].size;
        d[i].eop = true;
        d[i].csum = false;
        d[i].csum_start = d[i].csum_dest = d[i].csum_seed = 0;
        d[i].hwb = true;
        d[i].stack = p[i].stack;
    }
    bool posted = tile_nic_post(t, x->ering, d, n) == n;
    if (posted) {
        x->echoed += n;
    } else {
        for (uint64_t i = 0; i < n; i++) tile_nic_buffer_return(t, p[i].stack, p[i].data);
        x->dropped += n;
    }
    tile_nic_credit(t, x->ring, n);
    if (posted) tile_nic_doorbell(t, x->ering);
    x->batches++;
}

void echo_tile_main(struct tile *t, void *arg) {
    struct echo_tile *x = arg;
    tile_on_ring(t, x->ring, on_ring, x);
}
