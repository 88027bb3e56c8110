/* noc/route_adaptive_unsafe.c: minimal fully adaptive routing with no escape
 * channel: any productive direction. Every turn is allowed, so the channel
 * dependency graph has cycles (four packets turning around a 2x2 square wait
 * for each other) and the network can deadlock. Kept deliberately, for the
 * deadlock checks and their tests; never a default. */
#include "noc/noc_route.h"

static unsigned route_adaptive_unsafe(uint32_t w, uint32_t h, uint32_t x, uint32_t y,
                                      unsigned in_port, uint32_t dx, uint32_t dy) {
    (void)w, (void)h, (void)in_port;
    unsigned m = 0;
    if (dx > x) m |= NOC_PORT_BIT(NOC_PORT_E);
    if (dx < x) m |= NOC_PORT_BIT(NOC_PORT_W);
    if (dy > y) m |= NOC_PORT_BIT(NOC_PORT_S);
    if (dy < y) m |= NOC_PORT_BIT(NOC_PORT_N);
    return m ? m : NOC_PORT_BIT(NOC_PORT_LOCAL);
}

const struct noc_route noc_route_adaptive_unsafe = {
    "adaptive-unsafe", "minimal fully adaptive without escape channel; CAN DEADLOCK (tests only)",
    route_adaptive_unsafe};
