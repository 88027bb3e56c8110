/* sim/chip/layout.h: a layout, the map of a chip's tiles, loaded from a YAML
 * file (configs/layouts/, format in docs/chip.md) and checked.
 *
 * What it models: the role of each tile of a W x H mesh (net: runs a network
 * stack; app: runs the application; rtc: both, run to completion; idle),
 * for each network tile the application tiles it may talk to (all, those
 * of its quadrant, or an explicit list), and the process (protection
 * domain) of each application tile (default 0). Tile t is at x = t % W,
 * y = t / W (the mesh's numbering, noc/noc_mesh.c); y = 0 is the top row.
 *
 * Quadrants: columns x < ceil(W/2) are west, rows y < ceil(H/2) are north
 * (on an odd size the middle column and row belong to the west and north
 * quadrants); numbered 0 NW, 1 NE, 2 SW, 3 SE. A mesh one tile wide or
 * high has empty quadrants.
 *
 * Checks (layout_load refuses the file, every mistake reported with
 * file:line:col, the key and what was expected): unknown keys (with a
 * did-you-mean), a tile outside the mesh, a tile with two roles, a tile in
 * two processes or a process given to a tile that is not an application
 * tile, a reach naming a tile that is not a network (key) or application
 * (value) tile, a network tile that may reach no application tile (with
 * reach quadrant: a quadrant with network tiles but no application tiles),
 * an application tile no network tile may reach, a layout without
 * application or rtc tiles, rtc tiles mixed with net or app tiles, and more
 * stack tiles (net + rtc: each polls its own NIC notification ring) than
 * `rings` when rings > 0 (e.g. nic.mpipe.rings).
 *
 * Memory: layout_load returns a layout the caller frees with layout_free.
 * Cost: start-up only. Left out: running anything on the tiles (the chip
 * integration does that); where the NIC's shim is (any tile may be net).
 */
#ifndef TESSERA_SIM_CHIP_LAYOUT_H
#define TESSERA_SIM_CHIP_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/kernel/config_doc.h"

#define LAYOUT_MAX_SIDE 16
#define LAYOUT_MAX_TILES (LAYOUT_MAX_SIDE * LAYOUT_MAX_SIDE)

enum layout_role { LAYOUT_IDLE, LAYOUT_NET, LAYOUT_APP, LAYOUT_RTC };
enum layout_reach { LAYOUT_REACH_ALL, LAYOUT_REACH_QUADRANT, LAYOUT_REACH_LIST };

struct layout_tile {
    enum layout_role role;
    unsigned process;                          /* app tiles (0 for the others) */
    enum layout_reach reach;                   /* net tiles: how their reach was given */
    uint64_t reach_set[LAYOUT_MAX_TILES / 64]; /* net tiles: app tiles they may talk to */
};

struct layout {
    char *file;
    char *description; /* the file's description:, or NULL */
    unsigned width, height;
    enum layout_reach reach; /* the default reach (reach: all / quadrant, or map's default) */
    bool reach_mixed;        /* some net tile's reach differs from the default */
    struct layout_tile tile[LAYOUT_MAX_TILES];
};

/* Load and check `path`; rings > 0 limits the net + rtc tiles. NULL (errors
 * added) if the file cannot be read or breaks any rule. */
struct layout *layout_load(const char *path, unsigned rings, struct cfg_errors *err);
void layout_free(struct layout *l);

unsigned layout_tiles(const struct layout *l);
unsigned layout_count(const struct layout *l, enum layout_role role);
unsigned layout_quadrant(const struct layout *l, unsigned tile); /* 0 NW, 1 NE, 2 SW, 3 SE */
const char *layout_quadrant_name(unsigned q);
const char *layout_role_name(enum layout_role role); /* "net", "app", "rtc", "idle" */
bool layout_may_talk(const struct layout *l, unsigned net, unsigned app);

/* The map as text: the grid of roles with quadrant borders, counts per
 * quadrant, each network tile's reach, the processes (docs/chip.md). */
void layout_print(const struct layout *l, FILE *out);
/* One line per tile for scripts/layout.gp: "id x y role quadrant process". */
void layout_write_data(const struct layout *l, FILE *out);

#endif
