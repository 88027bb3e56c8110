/* noc/route_west_first.c: the west-first turn model (Glass & Ni, 1992). A
 * packet that must go west goes west first and only; otherwise it may take any
 * productive direction among E, N, S. Forbidding the two turns into W breaks
 * every cycle of the channel dependency graph: deadlock-free, partly adaptive. */
#include "noc/noc_route.h"

static unsigned route_west_first(uint32_t w, uint32_t h, uint32_t x, uint32_t y, unsigned in_port,
                                 uint32_t dx, uint32_t dy) {
    (void)w, (void)h, (void)in_port;
    if (dx < x) return NOC_PORT_BIT(NOC_PORT_W);
    unsigned m = 0;
    if (dx > x) m |= NOC_PORT_BIT(NOC_PORT_E);
    if (dy > y) m |= NOC_PORT_BIT(NOC_PORT_S);
    if (dy < y) m |= NOC_PORT_BIT(NOC_PORT_N);
    return m ? m : NOC_PORT_BIT(NOC_PORT_LOCAL);
}

const struct noc_route noc_route_west_first = {
    "west-first", "turn model, west first then adaptive among E/N/S; deadlock-free",
    route_west_first};
