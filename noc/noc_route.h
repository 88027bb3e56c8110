/* noc/noc_route.h: routing functions by name, and the registry that holds them.
 *
 * A routing function is pure: from the mesh size, the router it is asked at,
 * the port the packet came in by and its destination, it returns the set of
 * output ports the packet may take (a bitmask of NOC_PORT_*). It reads no
 * router state, so the same function serves the router (which picks one port of
 * the set by availability, see noc_mesh.c) and the static channel-dependency
 * check (noc_deadlock.h), which must see every port the router could pick.
 * At the destination router every function returns NOC_PORT_LOCAL only.
 *
 * Adding a function: one file noc/route_<name>.c defining a
 * `const struct noc_route noc_route_<name>` and one line in the table of
 * noc_route.c. Cost: a few compares per head flit. No memory.
 */
#ifndef TESSERA_NOC_NOC_ROUTE_H
#define TESSERA_NOC_NOC_ROUTE_H

#include <stddef.h>
#include <stdint.h>

/* Router ports. A flit leaving by port E enters the east neighbour by its port W. */
enum noc_port {
    NOC_PORT_E = 0, /* x + 1 */
    NOC_PORT_W = 1, /* x - 1 */
    NOC_PORT_N = 2, /* y - 1 (row 0 is the top row) */
    NOC_PORT_S = 3, /* y + 1 */
    NOC_PORT_LOCAL = 4,
    NOC_PORTS = 5,
};
#define NOC_PORT_BIT(p) (1u << (p))

extern const char *const noc_port_names[NOC_PORTS]; /* "E", "W", "N", "S", "L" */

/* The port opposite to a direction port (E <-> W, N <-> S). */
static inline unsigned noc_port_opposite(unsigned p) { return p ^ 1u; }

typedef unsigned (*noc_route_fn)(uint32_t width, uint32_t height, uint32_t x, uint32_t y,
                                 unsigned in_port, uint32_t dx, uint32_t dy);

struct noc_route {
    const char *name;
    const char *doc; /* one line: what it is and whether it is deadlock-free */
    noc_route_fn route;
};

/* NULL if no function has that name. */
const struct noc_route *noc_route_find(const char *name);
/* " (did you mean 'xy'?)" for a near miss, "" otherwise. */
void noc_route_suggest(const char *name, char *out, size_t len);
/* "xy, yx, west-first, adaptive-unsafe" into out (truncated to len). */
void noc_route_names(char *out, size_t len);
/* The registry, for listing: entries 0 .. noc_route_count() - 1. */
size_t noc_route_count(void);
const struct noc_route *noc_route_at(size_t i);

#endif
