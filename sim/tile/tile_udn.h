/* sim/tile/tile_udn.h: the runtime's UDN: tile_udn_* of tile_api.h over the
 * network plugged into the chip.
 *
 * What it does: the tile runtime has no UDN model of its own; the floor that
 * assembles a chip plugs one in (chip_set_net, struct tile_net_ops; the
 * NoC's flit-level UDN through sim/chip/chip_udn.h), and without one every
 * UDN call fails. Every call is a synchronisation point (tile_sync.h): it
 * happens at the handler's own time, in global time order. A send hands the
 * message to the network at once; when the network cannot take all of it
 * (its injection buffer is full) the handler blocks in the send, labelled
 * stall, until chip_udn_sent() (the network took the last word), as a core
 * stalls on a full UDN buffer; credits are the network's (the local
 * injection buffer's free words less the header, as the hardware's credit
 * register). tile_udn_recv_wait blocks (labelled idle) until enough words
 * have arrived. Also tile_on_udn and tile_udn_has_input (any input for the
 * tile: it needs the UDN's word counts).
 *
 * Internal to the tile runtime (sim/tile/tile_*.c). Owns no memory (the
 * network copies a message's words when it takes them).
 * Cost: one call into the network per send, receive or count.
 */
#ifndef TESSERA_SIM_TILE_TILE_UDN_H
#define TESSERA_SIM_TILE_TILE_UDN_H

#include <stdbool.h>

#include "sim/tile/tile_state.h"

/* Does tile t have input to run: its main, a fired timer, a ring
 * notification or UDN words for a registered handler? */
bool tile_udn_has_input(struct tile *t);

#endif
