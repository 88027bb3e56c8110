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
 * chip_mesh_create() assembles the usual whole: a chip, a mesh and UDN from
 * a noc: section, and the adapter between them. The tile runtime has no UDN
 * of its own: a chip without a network plugged in has none (its UDN calls
 * fail).
 *
 * Names: chip_udn_create/_destroy are this adapter's; chip_udn_sent and
 * chip_udn_arrived (sim/tile/tile.h) are the runtime's, which the adapter
 * calls.
 *
 * Memory: the adapter is owned by the caller (_create/_destroy); it does not
 * own the chip or the udn. A chip_mesh owns its chip, mesh, udn and adapter.
 * Cost: one call per send/recv.
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

/* A chip of noc->width x noc->height tiles with the mesh's UDN plugged in,
 * on engine e. NULL (message in err) on a bad configuration. */
struct chip_mesh;
struct chip_mesh *chip_mesh_create(struct sim_engine *e, const struct chip_config *cfg,
                                   const struct noc_config *noc, char *err, size_t errlen);
struct chip *chip_mesh_chip(struct chip_mesh *m);
struct udn *chip_mesh_udn(struct chip_mesh *m);
void chip_mesh_destroy(struct chip_mesh *m);

#endif
