/* sim/tile/tile_udn.h: the runtime's UDN: tile_udn_* of tile_api.h over the
 * built-in direct model or a plugged-in network, and send stalls.
 *
 * What it does: with no network plugged in, a direct model carries messages
 * (latency 2 + hops x chip.l3.hop_cycles + words x udn_word_cycles, demux
 * queues of geom.demux_words words, credits = free space minus words in
 * flight); a send to a full queue stalls the tile until its messages are in
 * (tile_udn_retry). With a network plugged in (chip_set_net, struct
 * tile_net_ops), sends are queued per tile and handed to it by an engine
 * event at the send's simulated time; the network's answers stall the tile
 * until chip_udn_sent(). Also tile_on_udn and tile_udn_has_input (any input
 * for the tile: it needs the UDN's word counts).
 *
 * Internal to the tile runtime (sim/tile/tile_*.c). A tile owns its demux
 * queues' words and its queued and stalled messages (tile_udn_fini frees
 * them); a message in flight in the direct model is owned by its delivery
 * event.
 * Cost: one malloc and one engine event per message; a receive that frees
 * room retries every stalled tile.
 */
#ifndef TESSERA_SIM_TILE_TILE_UDN_H
#define TESSERA_SIM_TILE_TILE_UDN_H

#include <stdbool.h>

#include "sim/tile/tile_state.h"

/* Does tile t have input to run: its main, a fired timer, a ring
 * notification or UDN words for a registered handler? */
bool tile_udn_has_input(struct tile *t);
/* Direct model: inject tile t's stalled messages at `now` (not before the
 * stall began) while there is room; when all are in, account the stall and
 * schedule the tile's resumption. */
void tile_udn_retry(struct tile *t, sim_time_t now);
/* Free tile t's demux queues and its queued and stalled messages
 * (chip_destroy). */
void tile_udn_fini(struct tile *t);

#endif
