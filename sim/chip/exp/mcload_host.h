/* sim/chip/exp/mcload_host.h: the mutilate-like memcached client
 * (workloads/mcload.h) on a simulated client host (nic/host/client_host.h).
 *
 * What it does: binds a client to the host's stack through an rtc socket
 * layer and drives it in simulated time: the client's clock is the engine's
 * now, and the host polls it (a command on the host, costed by its CPU
 * model) at its earliest intended send, armed again after each poll and
 * after every event of the client (a new connection, a reply, a close),
 * which may move that time earlier. An open loop's sends therefore leave at
 * their intended times, delayed only by the host's own work.
 *
 * Memory: owns the client and its socket layer. Teardown in three steps,
 * because the host's stack may refer to request memory until it is gone:
 * mcload_host_unbind (the socket layer) before client_host_destroy, then
 * mcload_host_destroy. Cost: one host command per poll, one check per
 * event.
 */
#ifndef TESSERA_SIM_CHIP_EXP_MCLOAD_HOST_H
#define TESSERA_SIM_CHIP_EXP_MCLOAD_HOST_H

#include <stddef.h>

#include "nic/host/client_host.h"
#include "sim/kernel/engine.h"
#include "workloads/mcload.h"

struct mcload_host;

/* cfg.now and cfg.ctx are set here (the engine's clock). NULL, with a
 * message in err, when the client or its socket layer cannot be made. */
struct mcload_host *mcload_host_create(struct sim_engine *e, struct client_host *h,
                                       const struct mcload_config *cfg, char *err, size_t errlen);
/* The client opens its connections at t (and runs from then on). */
void mcload_host_start_at(struct mcload_host *x, sim_time_t t);
const struct mcload *mcload_host_client(const struct mcload_host *x);
void mcload_host_unbind(struct mcload_host *x);
void mcload_host_destroy(struct mcload_host *x);

#endif
