/* noc/route_yx.c: dimension-order routing, Y first (selectable on TILE-Gx
 * through route_x_first [S K-chip]). Deadlock-free on a mesh. */
#include "noc/noc_route.h"

static unsigned route_yx(uint32_t w, uint32_t h, uint32_t x, uint32_t y, unsigned in_port,
                         uint32_t dx, uint32_t dy) {
    (void)w, (void)h, (void)in_port;
    if (dy > y) return NOC_PORT_BIT(NOC_PORT_S);
    if (dy < y) return NOC_PORT_BIT(NOC_PORT_N);
    if (dx > x) return NOC_PORT_BIT(NOC_PORT_E);
    if (dx < x) return NOC_PORT_BIT(NOC_PORT_W);
    return NOC_PORT_BIT(NOC_PORT_LOCAL);
}

const struct noc_route noc_route_yx = {"yx", "dimension order, Y then X; deadlock-free", route_yx};
