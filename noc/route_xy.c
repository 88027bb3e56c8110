/* noc/route_xy.c: dimension-order routing, X first (the TILE-Gx default
 * assumed in tilegx.md). Deadlock-free on a mesh: no turn from Y back to X. */
#include "noc/noc_route.h"

static unsigned route_xy(uint32_t w, uint32_t h, uint32_t x, uint32_t y, unsigned in_port,
                         uint32_t dx, uint32_t dy) {
    (void)w, (void)h, (void)in_port;
    if (dx > x) return NOC_PORT_BIT(NOC_PORT_E);
    if (dx < x) return NOC_PORT_BIT(NOC_PORT_W);
    if (dy > y) return NOC_PORT_BIT(NOC_PORT_S);
    if (dy < y) return NOC_PORT_BIT(NOC_PORT_N);
    return NOC_PORT_BIT(NOC_PORT_LOCAL);
}

const struct noc_route noc_route_xy = {"xy", "dimension order, X then Y; deadlock-free", route_xy};
