/* sim/tile/tile_nic.h: the NIC as tile code's driver sees it, and ring
 * notifications.
 *
 * What it does: the tile_nic_* calls of tile_api.h go to the NIC plugged in
 * with chip_set_nic() (struct tile_nic_ops of tile.h) with the calling tile
 * and its time (tile_now()); the cycles each call returns are charged to the
 * tile, labelled driver. A device posts notifications on a tile's rings
 * (chip_ring_post), which wake the tile; tile_on_ring registers the handler
 * and tile_ring_take / tile_nic_poll consume them.
 *
 * Internal to the tile runtime: this header declares nothing; the functions
 * are those of tile.h and tile_api.h. The NIC belongs to whoever plugged it.
 * Cost: one indirect call per driver call.
 */
#ifndef TESSERA_SIM_TILE_TILE_NIC_H
#define TESSERA_SIM_TILE_TILE_NIC_H

#include "sim/tile/tile.h"

#endif
