/* sim/chip/chip_udn.h: the tile runtime over the NoC's UDN (noc/udn.h).
 *
 * What it does: plugs a struct udn into a chip as its network
 * (struct tile_net_ops of sim/tile/tile.h): a tile's send becomes udn_send() at the
 * send's simulated time (UDN_SENT -> sent, UDN_STALLED -> the tile stalls
 * until the udn's sent hook, UDN_EBUSY -> retried after it); credits are
 * udn_credits() minus the header word; the demux queues are the udn's
 * (udn_recv_count / udn_recv_pop); the udn's recv hook wakes the tile.
 * The mesh and the chip must have the same size and run on the same engine.
 *
 * Names: chip_udn_create/_destroy are this adapter's; chip_udn_sent,
 * chip_udn_arrived and chip_udn_deliver (sim/tile/tile.h) are the runtime's,
 * which the adapter calls.
 *
 * Memory: the adapter is owned by the caller (_create/_destroy); it does not
 * own the chip or the udn. Cost: one call per send/recv.
 * Left out: the udn's space hook (a credit-checked sender is not woken when
 * credits come back; it tries again on its next input).
 */
#ifndef TESSERA_SIM_CHIP_CHIP_UDN_H
#define TESSERA_SIM_CHIP_CHIP_UDN_H

#include <stddef.h>

#include "noc/udn.h"
#include "sim/tile/tile.h"

struct chip_udn;

/* NULL (message in err) if the mesh and the chip differ in size. */
struct chip_udn *chip_udn_create(struct chip *c, struct udn *u, char *err, size_t errlen);
void chip_udn_destroy(struct chip_udn *a);

#endif
