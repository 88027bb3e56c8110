/* noc/noc_deadlock.h: static deadlock check of a routing function on a mesh
 * (`tessera check-deadlock CONFIG`).
 *
 * Builds the channel dependency graph (Dally & Seitz, 1987): a vertex per
 * directed link between adjacent routers; an edge a -> b when a packet that
 * arrived over link a may be routed onto link b. Only reachable dependencies
 * count: for every destination, the (link, destination) states are explored
 * from every source's injection port through the routing function, so a turn
 * the function would allow only for packets that can never be there adds no
 * edge. Without virtual channels a routing function is deadlock-free on the
 * mesh iff this graph is acyclic (for the deterministic and turn-model
 * functions here; for adaptive ones acyclic is sufficient). A cycle is
 * reported as the list of links with their tiles.
 *
 * Cost: O(tiles x links) time and O(links) memory per destination; a 32x32
 * mesh takes well under a second. Memory: the result owns its cycle array.
 */
#ifndef TESSERA_NOC_NOC_DEADLOCK_H
#define TESSERA_NOC_NOC_DEADLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "noc/noc_config.h"
#include "noc/noc_route.h"

/* A directed link: from tile `tile` through its output port `port`. */
struct noc_cdg_link {
    uint32_t tile, x, y;
    unsigned port;
    uint32_t to_tile, to_x, to_y;
};

struct noc_cdg_result {
    size_t links;        /* vertices */
    size_t dependencies; /* edges */
    bool acyclic;
    size_t cycle_len;
    struct noc_cdg_link *cycle; /* cycle[i] -> cycle[(i + 1) % len] */
};

/* Checks `route` on a width x height mesh. Returns false only when out of
 * memory. Free the result with noc_cdg_result_fini(). */
bool noc_cdg_check(const struct noc_route *route, uint32_t width, uint32_t height,
                   struct noc_cdg_result *out);
void noc_cdg_result_fini(struct noc_cdg_result *r);
void noc_cdg_print(const struct noc_cdg_result *r, const char *routing, uint32_t width,
                   uint32_t height, FILE *out);

/* `tessera check-deadlock CONFIG`: the routing function and mesh of cfg.
 * Prints the verdict; returns 0 when acyclic, 4 (TSR_EXIT_DEADLOCK) when a
 * cycle exists, 2 (TSR_EXIT_BAD_INPUT) when the config is refused. */
int noc_check_deadlock_main(const struct noc_config *cfg, FILE *out);

#endif
